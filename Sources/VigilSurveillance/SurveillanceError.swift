/// An error from the surveillance algorithms or from reading their inputs.
///
/// Equality and hashing use `code` only, so tests can write
/// `#expect(throws: SurveillanceError(.invalidInput)) { ... }`.
public struct SurveillanceError: Error, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidInput, invalidControl, outOfRange, notConverged
        }
        private let base: Base
        /// Malformed or impossible input data (missing column, negative count, bad number).
        public static let invalidInput = Code(base: .invalidInput)
        /// A control parameter is unknown or has an invalid value.
        public static let invalidControl = Code(base: .invalidControl)
        /// A time range or window lies outside the series.
        public static let outOfRange = Code(base: .outOfRange)
        /// A model fit did not converge.
        public static let notConverged = Code(base: .notConverged)
        /// The code's name.
        public var description: String { "\(base)" }
    }

    /// The kind of failure.
    public var code: Code
    /// The values that explain this failure.
    public var message: String
    /// Where the error was created.
    public var file: String
    /// Where the error was created.
    public var line: Int

    /// Creates an error.
    public init(_ code: Code, _ message: String = "", file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    /// The message (or the code when there is none).
    public var description: String { message.isEmpty ? "\(code)" : message }

    /// Compares codes only.
    public static func == (lhs: SurveillanceError, rhs: SurveillanceError) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
