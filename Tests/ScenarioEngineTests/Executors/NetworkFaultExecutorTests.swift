import ClusterProviders
import Foundation
import LabrunCore
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
        #expect(delay.add == [["tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay", "200ms", "50ms"]])
        #expect(delay.undo == [["tc", "qdisc", "del", "dev", "eth0", "root"]])
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

    @Test func aFaultThatDoesNotShowUpFailsAndLeavesItsUndoToTheCleanup() async throws {
        let cluster = fixture()
        let error = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .delay, delay: .seconds(0.1),
                                                                       duration: .seconds(5))))
        }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(cluster.run.cleanup.names == ["remove the network fault from backend-a"])
        _ = await cluster.run.cleanup.unwind(clock: cluster.clock)
        #expect(cluster.runner.commandLines.last == "nsenter -t 4242 -n tc qdisc del dev eth0 root")
    }

    @Test func aKernelWithoutNetemIsNamedWithAdvice() async throws {
        let cluster = fixture()
        cluster.runner.add(["nsenter", "-t", "4242", "-n", "tc", "qdisc", "add"], exitCode: 2,
                           stderr: "Error: Specified qdisc kind is unknown.")
        let error = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .delay, duration: .seconds(5))))
        }
        #expect(error?.id == ErrorID.networkFaultUnsupported)
        #expect(error?.advice?.contains("modprobe sch_netem") == true)
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func elsewhereACutIsADenyAllNetworkPolicyRemovedAfterTheDuration() async throws {
        let cluster = fixture(kind: .minikube)
        let outcome = try await cluster.perform(.networkFault(NetworkFaultAction(workload: "backend", mode: .cut, duration: .seconds(5))))
        let create = try #require(cluster.api.requests.first { $0.method == .post })
        let expected: JSONValue = [
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": ["name": "labrun-cut-backend", "namespace": "lab", "labels": ["app.kubernetes.io/managed-by": "labrun"]],
            "spec": ["podSelector": ["matchLabels": ["app": "backend"]], "policyTypes": ["Ingress", "Egress"]],
        ]
        #expect(try JSONValue.parse(create.body ?? Data()) == expected)
        #expect(cluster.paths(.delete) == ["\(K.networkPolicies)/labrun-cut-backend"])
        #expect(cluster.runner.commands.isEmpty)
        #expect(outcome.faultLandedAt == 0 && outcome.readyAt == 5)
        #expect(outcome.message == "deny-all NetworkPolicy for 5s, then removed")
        #expect(cluster.run.cleanup.names.isEmpty)
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
