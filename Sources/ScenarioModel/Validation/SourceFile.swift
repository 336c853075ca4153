import Foundation

/// Reads a scenario or stack file from disk the careful way: a regular file only (a FIFO, a device
/// such as `/dev/zero` or a directory is refused by its kind, and opening never blocks), at most
/// `maxBytes` (refused from its size before a byte is read, and never read past the limit: files in
/// `/proc` say they are empty), and, when `directory` is given, no symbolic link leading out of it.
///
/// Errors name the file and what it is; they never quote its contents (a link to another file once
/// printed that file in its error).
enum SourceFile {
    /// The largest scenario or stack file read: 1 MiB. The project's files are under 8 KiB; a 50 MB
    /// file once took 20 s and 1 GB to be refused.
    static let maxBytes = 1 << 20

    /// The bytes of the file at `path`, or the one error that says why it cannot be read.
    /// `shown` is how errors name it; `noun` what it should be ("scenario file").
    static func read(_ path: String, shown: String, noun: String, within directory: String? = nil,
                     maxBytes: Int = maxBytes) -> Result<[UInt8], ScenarioError> {
        func failure(_ message: String) -> Result<[UInt8], ScenarioError> {
            .failure(ScenarioError(file: shown, line: 1, column: 1, path: "", message: message))
        }
        var link = stat()
        guard lstat(path, &link) == 0 else { return failure(cannotOpen(errno)) }
        if link.st_mode & S_IFMT == S_IFLNK {
            guard let target = realPath(path) else {
                return failure("is a symbolic link to nothing (\(String(cString: strerror(errno))))")
            }
            if let directory, let inside = realPath(directory), !(target.hasPrefix(inside + "/")) {
                return failure("is a symbolic link to \(ScenarioError.quote(target, limit: 120)), outside \(ScenarioError.quote(directory, limit: 120)); "
                               + "labrun reads only the \(noun)s in the directory itself (copy the file in instead)")
            }
        }
        // What the path leads to, before opening it: a socket cannot be opened at all.
        var target = stat()
        guard stat(path, &target) == 0 else { return failure(cannotOpen(errno)) }
        if let kind = specialKind(target.st_mode) {
            return failure("is \(kind), not a regular file; a \(noun) is a YAML file")
        }
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever (and the
        // path may have changed since the check above; the open file is checked again).
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return failure(cannotOpen(errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return failure(cannotOpen(errno)) }
        if let kind = specialKind(info.st_mode) {
            return failure("is \(kind), not a regular file; a \(noun) is a YAML file")
        }
        let limit = "a \(noun) is at most \(maxBytes >> 20) MiB of YAML (is this the right file?)"
        if Int(info.st_size) > maxBytes {
            return failure("is \(Int(info.st_size)) bytes; \(limit)")
        }
        var bytes = [UInt8](repeating: 0, count: min(Int(info.st_size), maxBytes) + 1)
        var count = 0
        while true {
            if count == bytes.count { bytes += [UInt8](repeating: 0, count: min(bytes.count, maxBytes + 1 - count)) }
            if count > maxBytes { return failure("is larger than \(maxBytes) bytes; \(limit)") }
            let got = bytes.withUnsafeMutableBytes { buffer in
                Foundation.read(fd, buffer.baseAddress.map { $0 + count }, buffer.count - count)
            }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { return failure("cannot be read (\(String(cString: strerror(errno))))") }
            if got == 0 { break }
            count += got
        }
        return .success(Array(bytes[..<count]))
    }

    /// The text of `bytes`: UTF-8 (a byte-order mark is dropped), or the error that locates the
    /// first byte that is not.
    static func decode(_ bytes: [UInt8], shown: String) -> Result<String, ScenarioError> {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        if let text = String(validating: body, as: UTF8.self) { return .success(text) }
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            return .failure(ScenarioError(file: shown, line: 1, column: 1, path: "",
                                          message: "the file is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8"))
        }
        // The first invalid sequence, located by line and column (columns count characters, as YAML errors do).
        var line = 1, column = 1, offset = 0
        var decoder = Unicode.UTF8()
        var iterator = body.makeIterator()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput: break decoding
            case .error: break decoding
            }
        }
        let byte = offset < body.count ? String(format: "0x%02X", body[offset]) : "the end"
        return .failure(ScenarioError(file: shown, line: line, column: column, path: "",
                                      message: "the file is not UTF-8 text: byte \(byte) here does not start a valid UTF-8 sequence; save the file as UTF-8"))
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// "a directory", "a FIFO (named pipe)", … for what is not a regular file.
    private static func specialKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    private static func cannotOpen(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "does not exist"
        case EACCES: return "cannot be read: permission denied"
        case ELOOP: return "is a symbolic link that loops"
        case ENOTDIR: return "does not exist (a part of its path is not a directory)"
        default: return "cannot be read (\(String(cString: strerror(code))))"
        }
    }
}
