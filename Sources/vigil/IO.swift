import ArgumentParser
import Foundation
import VigilLedger

#if canImport(Glibc)
import Glibc
#endif

/// Small I/O helpers shared by the commands.
enum IO {
    /// Reads a file, or standard input for `nil` or "-", refusing more than `limit` bytes.
    /// A file that cannot be read (missing, a directory, no permission, an I/O error) is reported
    /// as `vigil: cannot read PATH: REASON` with exit status 1, never as a Foundation error.
    static func read(_ path: String?, limit: Int) throws -> [UInt8] {
        let handle: FileHandle
        let name: String
        if let path, path != "-" {
            name = path
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw failure("cannot read \(path): \(posixReason(errno))") }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                close(fd)
                throw failure("cannot read \(path): is a directory")
            }
            handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        } else {
            name = "standard input"
            handle = FileHandle.standardInput
        }
        defer { if path != nil && path != "-" { try? handle.close() } }
        var bytes: [UInt8] = []
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 64 * 1024)
            } catch {
                throw failure("cannot read \(name): \(reason(error))")
            }
            guard let chunk, !chunk.isEmpty else { break }
            bytes += chunk
            if bytes.count > limit { throw failure("\(name) is larger than \(limit) bytes") }
        }
        return bytes
    }

    /// The reason a Foundation or POSIX error gives, as a short lower-case phrase
    /// ("is a directory", "permission denied"), without Foundation's error domain and code.
    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return posixReason(Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posixReason(Int32(underlying.code))
        }
        return ns.localizedDescription
    }

    /// `strerror(code)` with a lower-case first letter, e.g. "no such file or directory".
    static func posixReason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    /// Writes `text` to a new file readable by its owner only (mode 0600), refusing to replace
    /// an existing file unless `overwrite`.
    static func writePrivate(_ text: String, to path: String, overwrite: Bool) throws {
        var flags = O_WRONLY | O_CREAT | O_EXCL
        if overwrite { flags = O_WRONLY | O_CREAT | O_TRUNC }
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "it exists (use --force to replace it)" : String(cString: strerror(errno))
            throw failure("cannot write \(path): \(reason)")
        }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw failure("cannot write \(path)") }
    }

    /// Prints `message` on standard error.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Reports a failure (invalid or malformed input) and yields exit status 1.
    static func failure(_ message: String) -> ExitCode {
        printError("vigil: " + message)
        return ExitCode(1)
    }

    /// Runs `body`, turning ledger errors into exit status 1 with the reason on standard error.
    static func checking<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LedgerError {
            throw failure("\(what): \(error.message)")
        }
    }

    /// Decodes base64 given on the command line.
    static func base64(_ text: String, what: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { throw failure("\(what) is not valid base64") }
        return Array(data)
    }

    /// Decodes a base64 SHA-256 hash given on the command line.
    static func hash(_ text: String, what: String) throws -> [UInt8] {
        let bytes = try base64(text, what: what)
        guard bytes.count == Hash.byteCount else { throw failure("\(what) is \(bytes.count) bytes, want 32") }
        return bytes
    }

    /// Decodes a comma-separated list of base64 hashes; "" is the empty list.
    static func base64List(_ text: String, what: String) throws -> [[UInt8]] {
        guard !text.isEmpty else { return [] }
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        guard items.count <= MerkleProof.maxProofLength else {
            throw failure("\(what) has \(items.count) hashes, at most \(MerkleProof.maxProofLength)")
        }
        return try items.enumerated().map { try base64(String($0.element), what: "\(what)[\($0.offset)]") }
    }
}
