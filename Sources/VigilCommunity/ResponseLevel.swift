/// The level of an emergency response in China's four-level system, from IV (general), the
/// lowest, through III (major) and II (serious) to I (particularly serious), the highest.
///
/// Ordered by severity: `.iv < .iii < .ii < .i`. Coded as the Roman numeral (`"II"`).
public enum ResponseLevel: String, Sendable, Hashable, Comparable, CaseIterable, Codable, CustomStringConvertible {
    /// Level IV, general: the lowest.
    case iv = "IV"
    /// Level III, major.
    case iii = "III"
    /// Level II, serious.
    case ii = "II"
    /// Level I, particularly serious: the highest.
    case i = "I"

    /// 1 for IV up to 4 for I.
    public var severity: Int {
        switch self {
        case .iv: 1
        case .iii: 2
        case .ii: 3
        case .i: 4
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.severity < rhs.severity }

    /// The Roman numeral.
    public var description: String { rawValue }

    /// - Throws: ``CommunityError/Code/invalidField`` (field `level`) for anything but `IV`,
    ///   `III`, `II` or `I`.
    public init(from decoder: any Decoder) throws {
        let text = try? decoder.singleValueContainer().decode(String.self)
        guard let text, let level = ResponseLevel(rawValue: text) else {
            throw CommunityError(.invalidField, "a response level is IV, III, II or I", field: "level")
        }
        self = level
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
