import Foundation
import LabrunCore

/// Everything a provider needs from the outside world, passed in so tests can fake it.
public struct ProviderContext: Sendable {
    public var runner: any ProcessRunner
    public var environment: [String: String]
    public var layout: ProjectLayout
    public var clock: any LabClock
    /// Progress lines for long steps (nil keeps quiet).
    public var progress: (@Sendable (String) -> Void)?
    /// Whether the current user is root (the bare provider needs it).
    public var isRoot: Bool
    public var isLinux: Bool

    public init(runner: any ProcessRunner, environment: [String: String] = ProcessInfo.processInfo.environment,
                layout: ProjectLayout, clock: any LabClock = SystemClock(),
                progress: (@Sendable (String) -> Void)? = nil,
                isRoot: Bool = geteuid() == 0, isLinux: Bool = ProviderContext.runningOnLinux) {
        self.runner = runner
        self.environment = environment
        self.layout = layout
        self.clock = clock
        self.progress = progress
        self.isRoot = isRoot
        self.isLinux = isLinux
    }

    public static var runningOnLinux: Bool {
        #if os(Linux)
        return true
        #else
        return false
        #endif
    }

    /// The user's home directory (from `HOME`).
    public var home: String { environment["HOME"] ?? NSHomeDirectory() }

    /// The kubeconfig a user's tools would use: the first entry of `KUBECONFIG`, else `~/.kube/config`.
    public var defaultKubeconfigPath: String {
        if let list = environment["KUBECONFIG"], let first = list.split(separator: ":").first, !first.isEmpty {
            return String(first)
        }
        return home + "/.kube/config"
    }

    func say(_ text: String) { progress?(text) }
}
