/// The rule shared by record identifiers (``PersonID``, ``StaffID``): 1 to 64 bytes of
/// `a-z A-Z 0-9 - _ .`, so that ids are safe in paths, CSV files and log lines (a UUID fits).
enum Identifier {
    static let maximumLength = 64

    static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maximumLength
            && text.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x2E
            }
    }

    static func validated(_ text: String, field: String) throws -> String {
        guard isValid(text) else {
            throw CommunityError(
                .invalidField, "an id is 1-\(maximumLength) of a-z A-Z 0-9 - _ . (got \(text.utf8.count) bytes)", field: field)
        }
        return text
    }
}

/// An identifier that is checked text (``PersonID``, ``StaffID``, ``VolunteerID``, ...): each
/// type checks its text in `init(_:)` and names the field its errors report; comparison, text,
/// and the JSON form (a string, checked again when decoded) are the same for all.
public protocol TextIdentifier: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The id as text.
    var rawValue: String { get }
    /// - Throws: ``CommunityError/Code/invalidField`` for text that breaks the type's rule.
    init(_ rawValue: String) throws
}

extension TextIdentifier {
    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
