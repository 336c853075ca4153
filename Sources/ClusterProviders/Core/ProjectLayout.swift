import Foundation
import LabrunCore

/// Where the project's files are: scripts, manifests, Dockerfiles, and labrun's state directory.
public struct ProjectLayout: Sendable, Equatable {
    /// The repository root (holds Package.swift, cluster/, docker/, kubernetes/, stack/).
    public var root: String
    /// Where labrun keeps its own small state (which cluster it started, what it deployed).
    public var stateDirectory: String

    public init(root: String, stateDirectory: String) {
        self.root = root
        self.stateDirectory = stateDirectory
    }

    public func path(_ relative: String) -> String { root + "/" + relative }

    public var bareScripts: String { path("cluster/bare") }
    public var manifests: String { path("kubernetes") }
    public var dockerBuild: String { path("docker/build.sh") }
    public var stateFile: String { stateDirectory + "/state.json" }

    /// Finds the project: `LABRUN_ROOT`, else the nearest directory above `start` (the working
    /// directory) holding both `Package.swift` and `cluster/`, else the same search from the
    /// executable's location. The state directory is `LABRUN_STATE_DIR`, else `/var/lib/labrun`
    /// for root, else `~/.labrun`.
    public static func discover(environment: [String: String] = ProcessInfo.processInfo.environment,
                                start: String = FileManager.default.currentDirectoryPath,
                                executable: String? = CommandLine.arguments.first,
                                isRoot: Bool = geteuid() == 0) throws -> ProjectLayout {
        let state = environment["LABRUN_STATE_DIR"]
            ?? (isRoot ? "/var/lib/labrun" : (environment["HOME"] ?? NSHomeDirectory()) + "/.labrun")
        if let root = environment["LABRUN_ROOT"], !root.isEmpty {
            return ProjectLayout(root: root, stateDirectory: state)
        }
        var candidates = [start]
        if let executable {
            let url = URL(fileURLWithPath: executable, relativeTo: URL(fileURLWithPath: start))
            candidates.append(url.deletingLastPathComponent().standardizedFileURL.path)
        }
        for candidate in candidates {
            if let root = searchUpwards(from: candidate) { return ProjectLayout(root: root, stateDirectory: state) }
        }
        throw LabrunError(
            id: ErrorID.projectNotFound, exitCode: ExitCode.invalidInput,
            message: "Could not find the labrun project (a directory with Package.swift and cluster/) above \(start).",
            advice: "Run labrun from inside the repository, or set LABRUN_ROOT to its path.")
    }

    static func searchUpwards(from start: String) -> String? {
        var url = URL(fileURLWithPath: start).standardizedFileURL
        let fm = FileManager.default
        while true {
            let path = url.path
            if fm.fileExists(atPath: path + "/Package.swift") && fm.fileExists(atPath: path + "/cluster") {
                return path
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == path || path == "/" { return nil }
            url = parent
        }
    }
}
