public import VigilSurveillance

/// An open activation of an emergency plan: the state ``PlanEvaluator`` carries from one day to
/// the next. Pass the ``PlanEvaluation/activations`` of one day as the previous activations of
/// the next.
public struct PlanActivation: Sendable, Hashable, Codable {
    /// The plan.
    public let plan: EmergencyPlanID
    /// The plan's version when it activated.
    public let version: Int
    /// The plan's event type when it activated.
    public let eventType: EmergencyEventType
    /// The plan's level when it activated.
    public let level: ResponseLevel
    /// The plan's scope when it activated.
    public let scope: JurisdictionPath
    /// The day it activated.
    public let activatedOn: CivilDate
    /// The conditions that held that day.
    public let reasons: [TriggerReason]
    /// The last day its trigger held.
    public internal(set) var lastHeldOn: CivilDate
    /// The last day it was evaluated.
    public internal(set) var evaluatedOn: CivilDate
    /// The active plan of a higher level that supersedes it, as of ``evaluatedOn``; nil when it
    /// is in effect.
    public internal(set) var supersededBy: EmergencyPlanID?

    /// Creates a record (the evaluator makes them; a store reads them back).
    public init(
        plan: EmergencyPlanID, version: Int, eventType: EmergencyEventType, level: ResponseLevel, scope: JurisdictionPath,
        activatedOn: CivilDate, reasons: [TriggerReason], lastHeldOn: CivilDate, evaluatedOn: CivilDate,
        supersededBy: EmergencyPlanID? = nil
    ) {
        self.plan = plan
        self.version = version
        self.eventType = eventType
        self.level = level
        self.scope = scope
        self.activatedOn = activatedOn
        self.reasons = reasons
        self.lastHeldOn = lastHeldOn
        self.evaluatedOn = evaluatedOn
        self.supersededBy = supersededBy
    }

    /// Whether it is in effect (not superseded).
    public var isInEffect: Bool { supersededBy == nil }
}
