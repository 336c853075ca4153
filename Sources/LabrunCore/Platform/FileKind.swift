import Foundation

/// What a path names, asked of the file system without opening it: a kubeconfig, a scenario or a
/// report directory is checked before anything reads or writes it, so a FIFO (a read that never
/// ends), `/dev/zero` (one that never stops) or a directory named `*.yaml` gets a precise message.
public enum FileKind: Sendable, Equatable {
    case missing
    case regular(size: Int64)
    case directory
    case fifo
    case characterDevice
    case blockDevice
    case socket
    case other

    /// The kind of `path`, following symbolic links (a kubeconfig is often one).
    public static func of(_ path: String) -> FileKind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular(size: Int64(info.st_size))
        case S_IFDIR: return .directory
        case S_IFIFO: return .fifo
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFSOCK: return .socket
        default: return .other
        }
    }

    /// How a message names it: "a FIFO", "a directory"…
    public var phrase: String {
        switch self {
        case .missing: return "missing"
        case .regular: return "a regular file"
        case .directory: return "a directory"
        case .fifo: return "a FIFO (named pipe)"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .other: return "a special file"
        }
    }
}

extension Platform {
    /// The trees where the kernel shows itself as files (Linux: proc, sys, dev; macOS: dev): labrun
    /// never writes reports there nor reads configuration from there.
    public static var pseudoFileSystems: [String] {
        #if os(Linux)
        ["/proc", "/sys", "/dev"]
        #else
        ["/dev"]
        #endif
    }

    /// `path` made absolute, `..` and `.` resolved, symbolic links of its existing part followed.
    public static func resolvedPath(_ path: String, relativeTo directory: String = FileManager.default.currentDirectoryPath) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let absolute = expanded.hasPrefix("/") ? expanded : (directory as NSString).appendingPathComponent(expanded)
        return URL(fileURLWithPath: absolute).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// The pseudo file system `path` lies in (after `resolvedPath`), or nil.
    public static func pseudoFileSystem(of path: String) -> String? {
        let resolved = resolvedPath(path)
        return pseudoFileSystems.first { resolved == $0 || resolved.hasPrefix($0 + "/") }
    }
}
