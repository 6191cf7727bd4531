/// The colour of a health code, ordered by severity: `green < yellow < red`.
///
/// - green: no known risk; move freely.
/// - yellow: some risk (home quarantine, close contact, a recent visit to a high-risk place,
///   missed check-ins); limited movement.
/// - red: a case or centralised/hospital quarantine; no movement.
///
/// In configuration and reports a colour is its full name (`"red"`). Inside a code (the `col`
/// claim) it is one letter, ``letter`` (`"g"`, `"y"`, `"r"`), to keep the QR code small.
public enum HealthColour: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible, Codable {
    /// No known risk.
    case green
    /// Some risk: limited movement.
    case yellow
    /// A case or strict quarantine: no movement.
    case red

    private var severity: Int {
        switch self {
        case .green: 0
        case .yellow: 1
        case .red: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.severity < rhs.severity }

    /// The one-letter form used in the `col` claim: `g`, `y` or `r`.
    public var letter: String {
        switch self {
        case .green: "g"
        case .yellow: "y"
        case .red: "r"
        }
    }

    /// The colour whose ``letter`` is `letter`, or nil.
    public init?(letter: some StringProtocol) {
        switch letter {
        case "g": self = .green
        case "y": self = .yellow
        case "r": self = .red
        default: return nil
        }
    }

    /// `green`, `yellow` or `red`.
    public var description: String { rawValue }

    /// Decodes a full colour name.
    /// - Throws: ``HealthCodeError/Code/invalidConfiguration`` naming the field for any other value.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let colour = HealthColour(rawValue: text) else {
            throw HealthCodeError(
                .invalidConfiguration, "colour \"\(text.prefix(20))\" is not one of green, yellow, red",
                field: ConfigPath.describe(decoder.codingPath))
        }
        self = colour
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
