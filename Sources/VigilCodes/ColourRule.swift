/// One colour rule: when ``condition`` holds, the code is at least ``colour``, for the reason
/// ``reason``.
///
/// JSON: `{"when": {"missedCheckInsAtLeast": 2}, "colour": "yellow", "reason": "missed-check-ins",
/// "text": "missed check-ins"}`. `reason` defaults to the condition's
/// ``ColourCondition/defaultReasonCode``; `text`, when given, replaces the generated explanation
/// (which carries the numbers, e.g. "missed 3 daily check-ins in a row").
public struct ColourRule: Sendable, Hashable, Codable {
    /// When the rule applies.
    public var condition: ColourCondition
    /// The colour it gives.
    public var colour: HealthColour
    /// The machine-readable reason code: lower-case words joined by `-`, at most 40 characters.
    public var reason: String
    /// A fixed English text for the reason, or nil for the generated explanation.
    public var text: String?

    /// - Throws: ``HealthCodeError/Code/invalidConfiguration`` for a bad reason code (field
    ///   `reason`), a text longer than 200 characters (field `text`) or a window or threshold out
    ///   of range (field `when....`).
    public init(when condition: ColourCondition, colour: HealthColour, reason: String? = nil, text: String? = nil) throws {
        try self.init(condition, colour, reason, text, field: nil)
    }

    private init(_ condition: ColourCondition, _ colour: HealthColour, _ reason: String?, _ text: String?, field: String?) throws {
        func name(_ member: String) -> String { ConfigPath.join(field ?? "", member) }
        try condition.validate(field: name("when"))
        let reason = reason ?? condition.defaultReasonCode
        guard Self.isValidReasonCode(reason) else {
            throw HealthCodeError(
                .invalidConfiguration,
                "reason code \"\(reason.prefix(40))\" must be 1-40 lower-case letters and digits in words joined by -",
                field: name("reason"))
        }
        if let text, text.isEmpty || text.count > 200 {
            throw HealthCodeError(.invalidConfiguration, "reason text has \(text.count) characters, not 1...200", field: name("text"))
        }
        self.condition = condition
        self.colour = colour
        self.reason = reason
        self.text = text
    }

    static func isValidReasonCode(_ code: String) -> Bool {
        let bytes = Array(code.utf8)
        guard (1...40).contains(bytes.count), bytes.first != 0x2D, bytes.last != 0x2D else { return false }
        var previousDash = false
        for b in bytes {
            let isDash = b == 0x2D
            guard isDash || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b), !(isDash && previousDash) else { return false }
            previousDash = isDash
        }
        return true
    }

    /// The reason this rule gives for `status`, or nil when it does not apply.
    public func reason(for status: CodeSubjectStatus) -> ColourReason? {
        guard let explanation = condition.explanation(for: status) else { return nil }
        return ColourReason(code: reason, text: text ?? explanation, colour: colour)
    }

    private enum CodingKeys: String, CodingKey { case when, colour, reason, text }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            try c.decode(ColourCondition.self, forKey: .when), try c.decode(HealthColour.self, forKey: .colour),
            try c.decodeIfPresent(String.self, forKey: .reason), try c.decodeIfPresent(String.self, forKey: .text),
            field: ConfigPath.describe(decoder.codingPath))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(condition, forKey: .when)
        try c.encode(colour, forKey: .colour)
        try c.encode(reason, forKey: .reason)
        try c.encodeIfPresent(text, forKey: .text)
    }
}
