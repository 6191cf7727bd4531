/// An error from the outbreak model: a code callers match on, plus a message with the values that
/// explain this failure.
///
/// Equality and hashing use ``code`` only, so tests can write
/// `#expect(throws: OutbreakError(.invalidPlan)) { ... }`.
public struct OutbreakError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidPlan
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A ``CityPlan`` outside the supported sizes.
        public static let invalidPlan = Code(.invalidPlan)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, with the values that explain it.
    public var message: String
    /// Where the error was raised.
    public var file: String
    /// The line where the error was raised.
    public var line: Int

    /// Creates an error with a code and an explaining message.
    public init(_ code: Code, _ message: String = "", file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        "OutbreakError.\(code)" + (message.isEmpty ? "" : ": \(message)")
    }
}
