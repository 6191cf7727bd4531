/// A C2SP tlog-checkpoint body: origin, tree size, root hash and optional extension lines.
public struct Checkpoint: Hashable, Sendable {
    /// Longest origin accepted, in bytes.
    public static let maxOriginLength = 1024

    /// The log's identity, e.g. `vigil.example/district-1/riverside`.
    public var origin: String
    /// Leaves in the tree.
    public var size: TreeSize
    /// RFC 9162 root of the tree.
    public var root: Hash
    /// Opaque, non-empty extension lines.
    public var extensions: [String]

    /// Creates a checkpoint.
    /// - Throws: ``LedgerError/Code/malformedCheckpoint`` for an empty or multi-line origin, or a
    ///   bad extension line.
    public init(origin: String, size: TreeSize, root: Hash, extensions: [String] = []) throws(LedgerError) {
        guard !origin.isEmpty, !origin.contains("\n"), origin.utf8.count <= Checkpoint.maxOriginLength else {
            throw LedgerError(.malformedCheckpoint, "origin must be one non-empty line of at most \(Checkpoint.maxOriginLength) bytes")
        }
        for line in extensions where line.isEmpty || line.contains("\n") {
            throw LedgerError(.malformedCheckpoint, "extension lines must be non-empty single lines")
        }
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// Parses a checkpoint from a note text.
    /// - Throws: ``LedgerError/Code/malformedCheckpoint`` with the reason.
    public init(text: String) throws(LedgerError) {
        guard text.hasSuffix("\n") else { throw LedgerError(.malformedCheckpoint, "checkpoint does not end in a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3 else {
            throw LedgerError(.malformedCheckpoint, "checkpoint has \(lines.count) lines, need origin, size and root")
        }
        guard let size = StrictDecimal.parse(lines[1]) else {
            throw LedgerError(.malformedCheckpoint, "tree size \"\(lines[1].prefix(30))\" is not a decimal without leading zeroes")
        }
        let root: Hash
        do {
            root = try Hash(base64: lines[2])
        } catch {
            throw LedgerError(.malformedCheckpoint, "root hash: \(error.message)")
        }
        try self.init(origin: String(lines[0]), size: TreeSize(size), root: root, extensions: lines.dropFirst(3).map(String.init))
    }

    /// The note text: one line each for origin, size, root and the extensions.
    public var text: String {
        ([origin, String(size.rawValue), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// Signs the checkpoint as a note with the log's key (and any other signers).
    public func signed(by signers: [SignerKey], timestamp: UInt64 = 0) throws(LedgerError) -> Note {
        try Note(text: text).signed(by: signers, timestamp: timestamp)
    }
}
