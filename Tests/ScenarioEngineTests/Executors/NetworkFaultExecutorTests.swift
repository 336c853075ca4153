import ClusterProviders
import Foundation
import HTTPClient
import LabrunCore
import LabrunTestSupport
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("NetworkFaultExecutor")
struct NetworkFaultExecutorTests {
    typealias K = KubeObjects

    /// backend-a (Docker container `c0ffee`, process 4242) on a provider of `kind`.
    func fixture(kind: ProviderKind = .bare) -> ExecutorFixture {
        var cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend"))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("backend-a", containerID: "docker://c0ffee")]))],
            "POST \(K.networkPolicies)": [K.answer([:], status: 201)],
            "DELETE \(K.networkPolicies)/labrun-cut-backend": [K.answer([:])],
        ])
        cluster.provider = FakeProvider(kind: kind)
        cluster.runner.add(["docker", "inspect"], stdout: "4242\n")
        return cluster
    }

    @Test func netemCommandsAddAndRemoveTheSameRules() {
        let cut = NetworkFaultExecutor.netemCommands(NetworkFaultAction(workload: "backend", mode: .cut, duration: .seconds(5)))
        #expect(cut.add.count == 2 && cut.undo.count == 2)
        #expect(cut.add[0].contains("DROP") && cut.undo[0].contains("-D"))
        let delay = NetworkFaultExecutor.netemCommands(NetworkFaultAction(workload: "backend", mode: .delay, delay: .seconds(0.2),
                                                                          jitter: .seconds(0.05), duration: .seconds(5)))
        // The delay is the delayer's (PacketDelayer); the rule hands it every packet the pod sends.
        #expect(delay.add == [["iptables", "-I", "OUTPUT", "1", "!", "-o", "lo", "-j", "NFQUEUE", "--queue-num", "7", "--queue-bypass"]])
        #expect(delay.undo == [["iptables", "-D", "OUTPUT", "!", "-o", "lo", "-j", "NFQUEUE", "--queue-num", "7", "--queue-bypass"]])
    }

    @Test func onTheBareProviderACutRunsIptablesInThePodsNamespaceForTheDurationThenUndoesIt() async throws {
        let cluster = fixture()
        cluster.runner.add(["nsenter", "-t", "4242", "-n", "iptables", "-S"], stdout: "-A OUTPUT ! -o lo -j DROP\n")
        let outcome = try await cluster.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .cut, duration: .seconds(5))))
        #expect(cluster.runner.commandLines == [
            "docker inspect --format {{.State.Pid}} c0ffee",
            "nsenter -t 4242 -n iptables -I INPUT 1 ! -i lo -j DROP",
            "nsenter -t 4242 -n iptables -I OUTPUT 1 ! -o lo -j DROP",
            "nsenter -t 4242 -n iptables -S OUTPUT",
            "nsenter -t 4242 -n iptables -D INPUT ! -i lo -j DROP",
            "nsenter -t 4242 -n iptables -D OUTPUT ! -o lo -j DROP",
        ])
        #expect(outcome.faultLandedAt == 0)
        #expect(outcome.readyAt == 5)
        #expect(outcome.message == "cut on backend-a for 5s, then removed")
        #expect(cluster.timeline == ["backend: cut on 1 pod(s) for 5s", "backend: network fault removed"])
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    /// A listing of one chain as `iptables -L CHAIN -v -x -n` prints it, the loss rule having dropped `dropped`.
    static func lossListing(_ chain: String, dropped: Int) -> String {
        """
        Chain \(chain) (policy ACCEPT \(dropped * 3) packets, 91234 bytes)
            pkts      bytes target     prot opt in     out     source               destination
            \(dropped)     4321 DROP       all  --  !lo    *       0.0.0.0/0            0.0.0.0/0            statistic mode random probability 0.50000000000

        """
    }

    @Test func lossDropsAShareOfThePacketsBothWaysAndCountsWhatItDropped() async throws {
        let cluster = fixture()
        cluster.runner.add(["nsenter", "-t", "4242", "-n", "iptables", "-S"],
                           stdout: "-A OUTPUT ! -o lo -m statistic --mode random --probability 0.50000000000 -j DROP\n")
        cluster.runner.add(["nsenter", "-t", "4242", "-n", "iptables", "-L", "INPUT"], stdout: Self.lossListing("INPUT", dropped: 120))
        cluster.runner.add(["nsenter", "-t", "4242", "-n", "iptables", "-L", "OUTPUT"], stdout: Self.lossListing("OUTPUT", dropped: 95))
        let outcome = try await cluster.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .loss, percent: 50, duration: .seconds(40))))
        let chance = "-m statistic --mode random --probability 0.5000 -j DROP"
        #expect(cluster.runner.commandLines == [
            "docker inspect --format {{.State.Pid}} c0ffee",
            "nsenter -t 4242 -n iptables -I INPUT 1 ! -i lo \(chance)",
            "nsenter -t 4242 -n iptables -I OUTPUT 1 ! -o lo \(chance)",
            "nsenter -t 4242 -n iptables -S OUTPUT",
            "nsenter -t 4242 -n iptables -L INPUT -v -x -n",
            "nsenter -t 4242 -n iptables -L OUTPUT -v -x -n",
            "nsenter -t 4242 -n iptables -D INPUT ! -i lo \(chance)",
            "nsenter -t 4242 -n iptables -D OUTPUT ! -o lo \(chance)",
        ])
        #expect(outcome.message == "50 % loss on backend-a for 40s: 215 packet(s) dropped, then removed")
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func aLossThatDroppedNothingDidNotLandAndIsStillRemoved() async throws {
        let cluster = fixture()
        cluster.runner.add(["nsenter", "-t", "4242", "-n", "iptables", "-S"],
                           stdout: "-A OUTPUT ! -o lo -m statistic --mode random --probability 0.25000000000 -j DROP\n")
        cluster.runner.add(["nsenter", "-t", "4242", "-n", "iptables", "-L"], stdout: Self.lossListing("INPUT", dropped: 0))
        let error = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .loss, percent: 25, duration: .seconds(30))))
        }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("dropped no packet in 30s") == true)
        #expect(cluster.runner.commandLines.suffix(2).allSatisfy { $0.contains("iptables -D") })
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func theDroppedCountIsTheLossRulesOwnCounterOnly() {
        let listing = Self.lossListing("INPUT", dropped: 7) + "      99     1000 ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0\n"
        #expect(NetworkFaultExecutor.droppedByLossRule(listing) == 7)
        #expect(NetworkFaultExecutor.droppedByLossRule("") == 0)
    }

    /// mode dns: port 53 dropped in the pod's namespace, verified by a lookup to the pod's own nameserver
    /// that answers before and gets no answer after (dig exits 9 when no server answered).
    func dnsFixture(lookups: [Int32]) -> ExecutorFixture {
        var cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend"))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("backend-a", containerID: "docker://c0ffee")]))],
        ], runner: RecordingProcessRunner(installed: ["dig"]))
        cluster.provider = FakeProvider(kind: .bare)
        cluster.runner.add(["docker", "inspect"], stdout: "4242\n")
        cluster.runner.add(["cat", Platform.processRoot("4242") + "/etc/resolv.conf"],
                           stdout: "search lab.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n")
        cluster.runner.add(["nsenter", "-t", "4242", "-n", "dig"], inTurn: lookups.map { ProcessOutput(exitCode: $0, standardOutput: "", standardError: "") })
        cluster.runner.add(["nsenter", "-t", "4242", "-n", "iptables", "-S"],
                           stdout: "-A OUTPUT -p tcp -m tcp --dport 53 -j DROP\n-A OUTPUT -p udp -m udp --dport 53 -j DROP\n")
        return cluster
    }

    @Test func aDNSFaultDropsPort53AndIsVerifiedByALookupThatNoLongerAnswers() async throws {
        let cluster = dnsFixture(lookups: [0, 9])
        let outcome = try await cluster.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .dns, duration: .seconds(30))))
        let dig = "nsenter -t 4242 -n dig +time=2 +tries=1 +short @10.96.0.10 kubernetes.default.svc.cluster.local"
        #expect(cluster.runner.commandLines == [
            "docker inspect --format {{.State.Pid}} c0ffee",
            "cat " + Platform.processRoot("4242") + "/etc/resolv.conf",
            dig,
            "nsenter -t 4242 -n iptables -I OUTPUT 1 -p udp --dport 53 -j DROP",
            "nsenter -t 4242 -n iptables -I OUTPUT 1 -p tcp --dport 53 -j DROP",
            "nsenter -t 4242 -n iptables -S OUTPUT",
            dig,
            "nsenter -t 4242 -n iptables -D OUTPUT -p udp --dport 53 -j DROP",
            "nsenter -t 4242 -n iptables -D OUTPUT -p tcp --dport 53 -j DROP",
        ])
        #expect(outcome.message == "dns on backend-a for 30s, then removed")
    }

    @Test func aDNSFaultWhoseLookupStillAnswersDidNotLandAndOneThatNeverAnsweredIsNotApplied() async throws {
        let still = dnsFixture(lookups: [0, 0])
        let error = await #expect(throws: LabrunError.self) {
            try await still.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .dns, duration: .seconds(30))))
        }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("still got an answer with port 53 dropped") == true)
        #expect(still.run.cleanup.names.isEmpty, "a fault that did not land is removed at once")
        #expect(still.runner.commandLines.suffix(2) == ["nsenter -t 4242 -n iptables -D OUTPUT -p udp --dport 53 -j DROP",
                                                        "nsenter -t 4242 -n iptables -D OUTPUT -p tcp --dport 53 -j DROP"])

        let never = dnsFixture(lookups: [9])
        let refused = await #expect(throws: LabrunError.self) {
            try await never.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .dns, duration: .seconds(30))))
        }
        #expect(refused?.id == ErrorID.faultNotLanded)
        #expect(refused?.message.contains("gets no answer even before the fault") == true)
        #expect(!never.runner.commandLines.contains { $0.contains("iptables") }, "nothing was changed")
    }

    @Test func aFaultThatDoesNotShowUpFailsAndIsRemovedAtOnce() async throws {
        let cluster = fixture()
        let error = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .cut, duration: .seconds(5))))
        }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(cluster.run.cleanup.names.isEmpty)
        #expect(cluster.runner.commandLines.last == "nsenter -t 4242 -n iptables -D OUTPUT ! -o lo -j DROP")
    }

    static let delayRule = "! -o lo -j NFQUEUE --queue-num 7 --queue-bypass"

    /// A delay on backend-a whose delayer (started in its namespace) printed `log`.
    func delayFixture(log: String, running: Bool = true) -> ExecutorFixture {
        let cluster = fixture()
        cluster.runner.addStarted(["nsenter", "-t", "4242", "-n", "python3", "-c", PacketDelayer.script], log: log, running: running)
        cluster.runner.add(["nsenter", "-t", "4242", "-n", "iptables", "-S"], stdout: "-A OUTPUT \(Self.delayRule)\n")
        return cluster
    }

    func delay() -> Action {
        .networkFault(NetworkFaultAction(workload: "backend", mode: .delay, delay: .seconds(0.2), jitter: .seconds(0.02), duration: .seconds(5)))
    }

    @Test func aDelayHandsThePodsPacketsToItsDelayerAndReportsWhatItHeld() async throws {
        let cluster = delayFixture(log: "bound queue 7\nfirst packet held\ndelayed 120 packets, mean 200.3 ms\n")
        let outcome = try await cluster.perform(delay())
        let lines = cluster.runner.commandLines.map { $0.hasPrefix("nsenter -t 4242 -n python3") ? "delayer " + $0.split(separator: " ").suffix(4).joined(separator: " ") : $0 }
        #expect(lines == [
            "docker inspect --format {{.State.Pid}} c0ffee",
            "delayer 7 200 20 125",   // queue, delay and jitter in ms, its own time limit
            "nsenter -t 4242 -n iptables -I OUTPUT 1 \(Self.delayRule)",
            "nsenter -t 4242 -n iptables -S OUTPUT",
            "nsenter -t 4242 -n iptables -D OUTPUT \(Self.delayRule)",
        ])
        #expect(outcome.message == "delay 200ms on backend-a for 5s: 120 packet(s) held, 200.3 ms on average, then removed")
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func aDelayerThatHoldsNoPacketDidNotLandAndTheRuleGoes() async throws {
        let cluster = delayFixture(log: "bound queue 7\n")
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(delay()) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("its delayer held no packet within 5.0s") == true)
        #expect(cluster.runner.commandLines.last == "nsenter -t 4242 -n iptables -D OUTPUT \(Self.delayRule)")
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func aDelayerThatCannotBindItsQueueIsNamedAndNothingIsChanged() async throws {
        let cluster = delayFixture(log: "PermissionError: [Errno 1] Operation not permitted\n", running: false)
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(delay()) }
        #expect(error?.id == ErrorID.networkFaultUnsupported)
        #expect(error?.message.contains("ended before it bound its queue: PermissionError") == true)
        #expect(!cluster.runner.commandLines.contains { $0.contains("iptables") })
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func theDelayersClosingLineIsRead() {
        #expect(PacketDelayer.figures("bound queue 7\nfirst packet held\ndelayed 3 packets, mean 99.5 ms\n")! == (3, 99.5))
        #expect(PacketDelayer.figures("bound queue 7\n") == nil)
    }

    /// A cut of postgres (a StatefulSet, pod postgres-0 at 10.1.0.5:5432) probed from the API's pod
    /// backend-a, on a provider of `kind` without host access to the pods.
    func partition(kind: ProviderKind = .minikube) -> ExecutorFixture {
        var cluster = ExecutorFixture()
        cluster.api = FakeHTTPTransport { request in
            let route = HTTPRouteScript.route(of: request)
            switch route {
            case "GET \(K.statefulSets)/postgres": return K.answer(K.workload("postgres", kind: "StatefulSet"))
            case "GET \(K.deployments)/backend": return K.answer(K.workload("backend"))
            case "GET \(K.pods)" where request.url.contains("app%3Dpostgres") || request.url.contains("app=postgres"):
                return K.answer(K.list([K.pod("postgres-0", workload: "postgres", container: "postgres", ip: "10.1.0.5", port: 5432)]))
            case "GET \(K.pods)" where request.url.contains("app%3Dbackend") || request.url.contains("app=backend"):
                return K.answer(K.list([K.pod("backend-a", ip: "10.1.0.7")]))
            case "GET \(K.pods)": return K.answer(K.list([]))
            case "POST \(K.networkPolicies)": return K.answer([:], status: 201)
            case "DELETE \(K.networkPolicies)/labrun-cut-postgres": return K.answer([:])
            default: return K.notFound
            }
        }
        cluster.provider = FakeProvider(kind: kind)
        return cluster
    }

    static let probeLine = ["kubectl", "--kubeconfig", "/dev/null", "--namespace", "lab", "exec", "backend-a", "--container", "backend",
                            "--", "sh", "-c"]
    static let connected = ProcessOutput(exitCode: 0)
    static let cutOff = ProcessOutput(exitCode: 1, standardError: "command terminated with exit code 1")

    func cut(_ duration: Double = 5) -> Action {
        .networkFault(NetworkFaultAction(workload: "postgres", mode: .cut, duration: .seconds(duration)))
    }

    @Test func elsewhereACutIsADenyAllNetworkPolicyVerifiedByAProbeFromAnotherWorkloadThenRemoved() async throws {
        let cluster = partition()
        cluster.runner.add(Self.probeLine, inTurn: [Self.connected, Self.connected, Self.cutOff])
        let outcome = try await cluster.perform(cut())
        let create = try #require(cluster.api.requests.first { $0.method == .post })
        let expected: JSONValue = [
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": ["name": "labrun-cut-postgres", "namespace": "lab", "labels": ["app.kubernetes.io/managed-by": "labrun"]],
            "spec": ["podSelector": ["matchLabels": ["app": "postgres"]], "policyTypes": ["Ingress", "Egress"]],
        ]
        #expect(try JSONValue.parse(create.body ?? Data()) == expected)
        #expect(cluster.paths(.delete) == ["\(K.networkPolicies)/labrun-cut-postgres"])
        // Before the policy: connects; after it: connects once more (not yet enforced), then cut off.
        let probes = cluster.runner.commands.map { [$0.executable] + $0.arguments }
        #expect(probes.count == 3 && probes.allSatisfy { $0.starts(with: Self.probeLine) })
        #expect(probes.first?.suffix(3) == ["labrun-probe", "10.1.0.5", "5432"])
        #expect(outcome.faultLandedAt == 1 && outcome.readyAt == 6)
        #expect(outcome.message == "deny-all NetworkPolicy for 5s (verified: backend-a could not connect to postgres-0:5432), then removed")
        #expect(cluster.timeline.contains("postgres: backend-a can no longer connect to postgres-0 at 10.1.0.5:5432"))
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func aPolicyTheClusterDoesNotEnforceIsAFaultThatDidNotLandAndIsRemoved() async throws {
        let cluster = partition(kind: .kind)
        cluster.runner.add(Self.probeLine, inTurn: [Self.connected])
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(cut()) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("still connected to postgres-0 at 10.1.0.5:5432 20.0s after NetworkPolicy labrun-cut-postgres was created") == true)
        #expect(error?.advice?.contains("--cni calico") == true)
        #expect(cluster.paths(.delete) == ["\(K.networkPolicies)/labrun-cut-postgres"])
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func aCutThatCannotBeProbedIsNotAppliedAndDidNotLand() async throws {
        let cluster = partition()
        cluster.runner.add(Self.probeLine, exitCode: 3, stderr: "command terminated with exit code 3")
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(cut()) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("cannot be verified (pod backend-a has no python3, nc, or bash with timeout") == true)
        #expect(cluster.api.requests.allSatisfy { $0.method == .get })
    }

    @Test func aPeerThatCannotConnectEvenBeforeTheCutProvesNothing() async throws {
        let cluster = partition()
        cluster.runner.add(Self.probeLine, inTurn: [Self.cutOff])
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(cut()) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("cannot reach postgres-0 at 10.1.0.5:5432 even before the cut") == true)
        #expect(cluster.api.requests.allSatisfy { $0.method == .get })
    }

    @Test func theProbeScriptTriesEachToolAndSaysWhichExitMeansWhat() {
        let script = PartitionProbe.script
        #expect(script.contains("command -v python3") && script.contains("nc -z -w 3") && script.contains("/dev/tcp/"))
        #expect(script.hasSuffix("exit 3"))
    }

    @Test func aDelayNeedsNetemAndNetemNeedsTheBareProvider() async throws {
        let cluster = fixture(kind: .kind)
        let delay = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .delay, duration: .seconds(5))))
        }
        #expect(delay?.id == ErrorID.networkFaultUnsupported)
        let netem = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .cut, duration: .seconds(5), method: .netem)))
        }
        #expect(netem?.id == ErrorID.runtimeUnsupported)
        #expect(cluster.calls.isEmpty && cluster.runner.commands.isEmpty)
    }
}
