/// The kind of public-health event an emergency plan answers. Extensible: the common ones are
/// constants, and any code of the right shape is accepted.
///
/// Shape: 1-32 bytes of `a-z 0-9 -`, starting with a letter, not ending with `-` and without
/// `--` (`respiratory`, `vector-borne`, `h7n9`).
public struct EmergencyEventType: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The code.
    public let rawValue: String

    /// The code, or nil when it breaks the shape rule.
    public init?(rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// - Throws: ``CommunityError/Code/invalidField`` (field `eventType`) when `code` breaks
    ///   the shape rule.
    public init(_ code: String) throws {
        guard Self.isValid(code) else {
            throw CommunityError(
                .invalidField, "an event type is 1-32 of a-z 0-9 -, starting with a letter (got \(code.utf8.count) bytes)",
                field: "eventType")
        }
        rawValue = code
    }

    private init(known: String) { rawValue = known }

    /// Respiratory infections (influenza, COVID-19).
    public static let respiratory = EmergencyEventType(known: "respiratory")
    /// Enteric infections (cholera, norovirus, food poisoning).
    public static let enteric = EmergencyEventType(known: "enteric")
    /// Vector-borne diseases (dengue, malaria).
    public static let vectorBorne = EmergencyEventType(known: "vector-borne")
    /// Anything else.
    public static let other = EmergencyEventType(known: "other")

    static func isValid(_ code: String) -> Bool {
        let bytes = Array(code.utf8)
        guard (1...32).contains(bytes.count), let first = bytes.first, first >= 0x61 && first <= 0x7A, bytes.last != 0x2D
        else { return false }
        for (i, c) in bytes.enumerated() {
            let ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D
            if !ok || (c == 0x2D && i > 0 && bytes[i - 1] == 0x2D) { return false }
        }
        return true
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        guard let text = try? decoder.singleValueContainer().decode(String.self) else {
            throw CommunityError(.invalidField, "an event type is a string", field: "eventType")
        }
        try self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
