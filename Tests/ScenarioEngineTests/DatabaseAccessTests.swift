import ScenarioModel
import StackLifecycle
import StackModel
import Testing

/// Where the todo stack's database is reached from: never a node port (issue 13).
struct DatabaseAccessTests {
    /// The database is never on a node port (issue 13): with the API on a NodePort that lasts, `up`
    /// prints the API's URL and, for the database, the port-forward that reaches it again.
    @Test func theDatabaseIsReachedThroughAPortForwardEvenWhenTheRestIsOnNodePorts() throws {
        let stack = try StackLoader().load(file: TestPaths.repositoryRoot + "/stack/labrun.yaml")
        #expect(stack.reachable.map(\.name).contains("postgres"))
        #expect(!stack.exposed.map(\.name).contains("postgres"))
        #expect(stack.exposed.map(\.name) == stack.reachable.map(\.name).filter { $0 != "postgres" })
        let forward = "kubectl --namespace shop port-forward --address 127.0.0.1 service/postgres 5432:5432"
        let endpoints = StackEndpoints(entries: [.init(workload: "frontend", host: "10.0.0.9", port: 31001),
                                                 .init(workload: "postgres", host: "127.0.0.1", port: 40001)],
                                       method: "NodePort on 10.0.0.9; the database through port-forward", reopen: ["postgres": forward])
        #expect(!endpoints.lasting)
        #expect(endpoints.lastingEntries.map(\.workload) == ["frontend"])
        #expect(endpoints.summary(for: stack) == """
            postgres reached through port-forward or a tunnel while labrun ran; to reach it now, run the command shown (in its own terminal):
            frontend: http://10.0.0.9:31001
            postgres: \(forward)
            """)
    }
}
