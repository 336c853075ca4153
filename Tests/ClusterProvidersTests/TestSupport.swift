import ClusterProviders
import Foundation
import LabrunCore
import LabrunTestSupport
import Testing

/// Reads a recorded output from Fixtures/.
func fixture(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
    return try String(contentsOf: url, encoding: .utf8)
}

/// A temporary project checkout with an executable cluster/bare/{up,down,status}.
func temporaryProject() throws -> ProjectLayout {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root + "/cluster/bare", withIntermediateDirectories: true)
    for script in ["up", "down", "status"] {
        _ = FileManager.default.createFile(atPath: root + "/cluster/bare/\(script)", contents: Data("#!/bin/sh\n".utf8),
                                       attributes: [.posixPermissions: 0o755])
    }
    _ = FileManager.default.createFile(atPath: root + "/Package.swift", contents: Data())
    return ProjectLayout(root: root, stateDirectory: root + "/state")
}

func context(_ runner: RecordingProcessRunner, layout: ProjectLayout? = nil, environment: [String: String] = [:],
             isRoot: Bool = true, isLinux: Bool = true) throws -> ProviderContext {
    ProviderContext(runner: runner, environment: environment.merging(["HOME": "/home/dev"]) { a, _ in a },
                    layout: try layout ?? temporaryProject(), clock: ManualClock(), isRoot: isRoot, isLinux: isLinux)
}

/// A probe that answers with a fixed version, or fails.
struct FakeProbe: ClusterProbe {
    var version: String? = "v1.30.0"
    /// When set, the error the probe throws (e.g. a kubeconfig the client cannot use).
    var failure: LabrunError?
    func serverVersion(_ target: KubeconfigTarget) async throws -> String {
        if let failure { throw failure }
        guard let version else {
            throw LabrunError(id: "HTTP_CONNECT", message: "Could not connect to https://127.0.0.1:6443.")
        }
        return version
    }
}
