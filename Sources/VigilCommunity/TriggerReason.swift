/// One condition of a plan's trigger that held on the day, with its numbers: why the plan
/// activated.
public struct TriggerReason: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The condition's kind (never `all` or `any`: composites list the conditions that held).
    public let kind: PlanTrigger.Kind
    /// The value observed: communities with alarms or at the risk level (or, for a named
    /// community, its level 0-2), the Rt statistic on the day, the occupancy fraction, the cases
    /// in the window.
    public let observed: Double
    /// The condition's threshold (k, the Rt value, L, the fraction, n).
    public let threshold: Double
    /// The reason in words: `alarms in 4 of 12 communities in the last 7 days ≥ 3`.
    public let text: String

    /// Creates a reason.
    public init(kind: PlanTrigger.Kind, observed: Double, threshold: Double, text: String) {
        self.kind = kind
        self.observed = observed
        self.threshold = threshold
        self.text = text
    }

    public var description: String { text }
}
