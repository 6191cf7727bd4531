/// A syndrome under surveillance (`ili`, `diarrhoea`, `fever-rash`): what aberration detection
/// counts per community and what an alarm is raised for.
///
/// Same rule as the ledger's alert proposals, so an alarm's syndrome can be proposed as is:
/// 1-64 bytes of `a-z 0-9 . _ - /`.
public struct Syndrome: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The code.
    public let rawValue: String

    /// The code, or nil when it breaks the rule.
    public init?(rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// - Throws: ``CommunityError/Code/invalidField`` (field `syndrome`) when `code` breaks the rule.
    public init(_ code: String) throws {
        guard Self.isValid(code) else {
            throw CommunityError(
                .invalidField, "a syndrome is 1-64 of a-z 0-9 . _ - / (got \(code.utf8.count) bytes)", field: "syndrome")
        }
        rawValue = code
    }

    static func isValid(_ code: String) -> Bool {
        !code.isEmpty && code.utf8.count <= 64
            && code.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x2F
            }
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        guard let text = try? decoder.singleValueContainer().decode(String.self) else {
            throw CommunityError(.invalidField, "a syndrome is a string", field: "syndrome")
        }
        try self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
