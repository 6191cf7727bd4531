public import VigilSurveillance

/// The outcome of evaluating the plans on one day.
public struct PlanEvaluation: Sendable, Hashable, Codable {
    /// The evaluated day.
    public let day: CivilDate
    /// What happened, ordered by kind (activated, reinstated, superseded, deactivated), then by
    /// level from I down, then by plan id.
    public let events: [PlanEvent]
    /// The open activations after the day, sorted by plan id: the next day's previous activations.
    public let activations: [PlanActivation]

    /// Creates an evaluation.
    public init(day: CivilDate, events: [PlanEvent], activations: [PlanActivation]) {
        self.day = day
        self.events = events
        self.activations = activations
    }

    /// The actions to carry out, in event order.
    public var actions: [PlanAction] { events.flatMap(\.actions) }
}
