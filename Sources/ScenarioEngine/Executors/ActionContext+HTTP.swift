import ClusterProviders
import Foundation
import HTTPClient
import LabrunCore
import StackLifecycle
import StackModel
import ScenarioModel

/// Requests to the stack's Services from the host: where they are, the local-address guard, sending.
extension ActionContext {
    /// Where the stack's Services are reached, or an error when setup has not reached them.
    func endpoints() throws -> StackEndpoints {
        guard let access else {
            throw LabrunError(id: ErrorID.stackNotReachable, message: "The stack in namespace \(namespace) has not been set up, so it cannot be reached.")
        }
        return access
    }

    /// The base URL of a workload's Service in this run.
    func url(_ workload: String) throws -> String {
        guard let url = try endpoints().url(workload) else {
            throw LabrunError(id: ErrorID.httpUnknownService, exitCode: ExitCode.invalidInput,
                              message: "Workload \(workload) has no Service the host reaches (workloads.\(workload).service in \(stack.file)).")
        }
        return url
    }

    /// On the bare provider, a guard that keeps requests to the node address on this host.
    func localGuard() async throws -> LocalAddressGuard? {
        guard provider.kind == .bare, let host = provider as? any HostAccess else { return nil }
        return LocalAddressGuard(address: try await host.nodeAddress())
    }

    /// Sends a scenario request to the Service it names, as the first user of the stack's `traffic.auth`
    /// (`${user}` in its path, header values and body strings is that user).
    func send(_ spec: HTTPRequestSpec, timeout: Double = 10) async throws -> HTTPResponse {
        if let refusal = try await localGuard()?.refusal() {
            throw LabrunError(id: ErrorID.httpConnect, exitCode: ExitCode.external, message: "\(spec.method) \(spec.path): \(refusal).")
        }
        let target = spec.service.isEmpty ? (stack.api?.name ?? "") : spec.service
        let base = try url(target)
        let user = credentials?.firstUser
        let values = user.map { ["user": $0] } ?? [:]
        var headers = HTTPHeaders()
        for (name, value) in spec.headers.sorted(by: { $0.key < $1.key }) { headers.add(name, Placeholders.substitute(value, values)) }
        // A workload with credentials of its own gets those, never the users' tokens.
        let authorization = workloadCredentials[target].map { $0.authorization(user: nil) } ?? credentials?.authorization(user: user)
        if let authorization, headers["Authorization"] == nil {
            headers.add("Authorization", authorization)
        }
        var body: Data?
        if let json = spec.body {
            body = try HTTPLoadTransport.substituting(json, values).jsonData()
            if headers["Content-Type"] == nil { headers.add("Content-Type", "application/json") }
        }
        return try await http.send(HTTPRequest(HTTPMethod(rawValue: spec.method), base + Placeholders.substitute(spec.path, values),
                                               headers: headers, body: body, timeout: timeout))
    }
}
