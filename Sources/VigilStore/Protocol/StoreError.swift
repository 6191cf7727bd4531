/// An error from a ``LedgerStore`` or a ``CommunityStore``: a code callers can match on, a message with the numbers that
/// explain the failure, and the underlying error, if any, as ``cause``.
///
/// Equality and hashing use ``code`` only, so tests can write
/// `#expect(throws: StoreError(.conflict)) { ... }`. The ``description`` never carries row
/// values (entry bytes, notes, blobs) nor the cause's text, which may quote SQL.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case conflict, notFound, corrupt, io, invalidArgument
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The stored state does not allow the change: a witness compare-and-set on a stale
        /// size, a view number going back, a checkpoint that disagrees with the stored tree, a
        /// person or record at another version, an id that is already stored.
        public static let conflict = Code(.conflict)
        /// The asked-for entry, node, tile or checkpoint is not stored.
        public static let notFound = Code(.notFound)
        /// Stored data fails its own checks (a hash of the wrong length, a right edge that does
        /// not match the size, a leaf hash that does not match its bytes).
        public static let corrupt = Code(.corrupt)
        /// The database failed (disk full, connection lost, constraint violated, ...); nothing
        /// was written. ``StoreError/cause`` holds the database's error.
        public static let io = Code(.io)
        /// The request can never succeed: an entry too large for a tlog-tiles entry bundle, an
        /// entry of another chain, a range beyond the tree.
        public static let invalidArgument = Code(.invalidArgument)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The numbers that explain the failure, e.g. "expected old size 5, stored size 7".
    public var message: String
    /// For ``Code/conflict`` on witness state: the size the store holds (C2SP tlog-witness
    /// answers 409 with it).
    public var currentSize: UInt64?
    /// The underlying error (a GRDB `DatabaseError`, a `PSQLError`, a `LedgerError`).
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String = "", currentSize: UInt64? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.currentSize = currentSize
        self.cause = cause
    }

    public var description: String {
        var text = message.isEmpty ? "store error: \(code)" : "store error: \(code): \(message)"
        if let cause { text += " (caused by \(type(of: cause)))" }
        return text
    }

    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
