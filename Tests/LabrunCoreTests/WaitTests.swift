import Testing
import LabrunCore

@Suite struct WaitTests {
    @Test func returnsTheValueOnceTheConditionHolds() async throws {
        let clock = ManualClock()
        var calls = 0
        let value: Int = try await Wait(timeout: 10, interval: 1, clock: clock).until("three calls") {
            calls += 1
            return calls == 3 ? .done(42) : .pending("calls=\(calls)")
        }
        #expect(value == 42)
        #expect(clock.now() == 2)
    }

    @Test func timeoutNamesWhatNeverHappenedAndWhatWasSeen() async throws {
        let clock = ManualClock()
        do {
            try await Wait(timeout: 5, interval: 1, clock: clock).until("backend ready") { false }
            Issue.record("expected a timeout")
        } catch let error as LabrunError {
            #expect(error.id == "TIMEOUT")
            #expect(error.exitCode == ExitCode.timeout)
            #expect(error.message.contains("waiting for backend ready"))
        }
        let seen: LabrunError? = await {
            do {
                let _: Int = try await Wait(timeout: 2, interval: 1, clock: clock).until("pods") { .pending("1/3 ready") }
                return nil
            } catch { return error as? LabrunError }
        }()
        #expect(seen?.message.contains("last seen: 1/3 ready") == true)
    }
}

@Suite struct RedactorTests {
    @Test func masksRegisteredSecretsAndKnownShapes() {
        let redactor = Redactor()
        redactor.register("hunter2-very-secret")
        let text = redactor.redact("""
            connect postgres://todo:s3cr3t@db:5432/todo failed; PGPASSWORD=abc123 used; \
            Authorization: Bearer eyJhbGciOi; value hunter2-very-secret; "password": "pw1"
            """)
        #expect(!text.contains("s3cr3t"))
        #expect(!text.contains("abc123"))
        #expect(!text.contains("eyJhbGciOi"))
        #expect(!text.contains("hunter2-very-secret"))
        #expect(!text.contains("pw1"))
        #expect(text.contains("postgres://todo:••••••@db:5432/todo"))
    }

    @Test func errorsAreRedactedWhenMade() {
        Redactor.shared.register("topsecret-token-value")
        let error = LabrunError(id: "X", message: "server said topsecret-token-value")
        #expect(!error.description.contains("topsecret-token-value"))
    }

    @Test func privateKeysAreRemovedWhole() {
        let text = Redactor().redact("a\n-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----\nb")
        #expect(!text.contains("MIIabc"))
    }
}

@Suite struct CommandTests {
    @Test func printsAPasteableLineWithoutEnvironmentValues() {
        let command = Command("kubectl", ["get", "pod", "my pod"], environment: ["KUBECONFIG": "/secret/path"])
        #expect(command.description == "KUBECONFIG=… kubectl get pod 'my pod'")
    }

    @Test func realRunnerCapturesOutputAndExitCode() async throws {
        let runner = SystemProcessRunner()
        let output = try await runner.run(Command("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]))
        #expect(output.exitCode == 3)
        #expect(output.standardOutput == "out\n")
        #expect(output.standardError == "err\n")
        await #expect(throws: LabrunError.self) {
            try await runner.check(Command("/bin/sh", ["-c", "exit 4"]))
        }
    }

    @Test func realRunnerTimesOut() async throws {
        let runner = SystemProcessRunner()
        await #expect(throws: LabrunError.self) {
            _ = try await runner.run(Command("/bin/sleep", ["30"], timeout: 0.5))
        }
    }

    @Test func backgroundProcessStopsOnRequest() async throws {
        let runner = SystemProcessRunner()
        let process = try await runner.start(Command("/bin/sleep", ["60"]), logPath: nil)
        #expect(process.processIdentifier != nil)
        #expect(await process.isRunning())
        await process.stop(grace: 1)
        #expect(await !process.isRunning())
    }
}
