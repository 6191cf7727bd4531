/// An error from the community data platform's domain: a code callers match on, plus a message
/// with the values that explain this failure, and the field it concerns when there is one.
///
/// Equality and hashing use ``code`` only, so tests can write
/// `#expect(throws: CommunityError(.invalidField)) { ... }`.
public struct CommunityError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidField, invalidTransition, notFound, conflict, forbidden
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A value that breaks its field's rules (``CommunityError/field`` names it).
        public static let invalidField = Code(.invalidField)
        /// A state change the record's lifecycle does not allow (e.g. approving one's own report).
        public static let invalidTransition = Code(.invalidTransition)
        /// A record that does not exist.
        public static let notFound = Code(.notFound)
        /// A record changed by someone else since it was read, or a duplicate of an existing one.
        public static let conflict = Code(.conflict)
        /// An action the caller's role or jurisdiction does not allow.
        public static let forbidden = Code(.forbidden)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// What went wrong, with the values that explain it (never personal data).
    public var message: String
    /// The field (JSON property or CSV column) the error concerns, if any.
    public var field: String?
    public var file: String
    public var line: Int

    public init(_ code: Code, _ message: String = "", field: String? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.field = field
        self.file = file
        self.line = line
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        "CommunityError.\(code)" + (field.map { " (\($0))" } ?? "") + (message.isEmpty ? "" : ": \(message)")
    }
}
