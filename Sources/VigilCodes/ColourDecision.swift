/// Why a code has a colour: one rule that applied.
public struct ColourReason: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The machine-readable code, e.g. `case-confirmed`, `quarantine-home`, `high-risk-visit`,
    /// `missed-check-ins`.
    public var code: String
    /// A short English explanation, e.g. "missed 3 daily check-ins in a row".
    public var text: String
    /// The colour this rule gives on its own.
    public var colour: HealthColour

    /// A reason from its parts (``ColourRule/reason(for:)`` makes them).
    public init(code: String, text: String, colour: HealthColour) {
        self.code = code
        self.text = text
        self.colour = colour
    }

    /// `code (colour): text`.
    public var description: String { "\(code) (\(colour)): \(text)" }
}

/// The outcome of the colour rules for one person: the colour and every reason for it.
///
/// The colour is the worst colour of the rules that applied, green when none did. ``reasons``
/// lists every rule that applied, not only those at the final colour: worst colour first, and in
/// rule order within a colour. When no rule applies the colour is green and there are no reasons.
public struct ColourDecision: Sendable, Hashable, Codable {
    /// The worst colour of the rules that applied; green when none did.
    public var colour: HealthColour
    /// Every rule that applied, worst colour first.
    public var reasons: [ColourReason]

    /// A decision from its parts (``ColourRules/evaluate(_:)`` makes them).
    public init(colour: HealthColour, reasons: [ColourReason]) {
        self.colour = colour
        self.reasons = reasons
    }

    /// The reason codes, in order.
    public var reasonCodes: [String] { reasons.map(\.code) }
}
