public import VigilSurveillance

/// Something that happened to a plan on an evaluated day: the record the server stores and acts on.
public struct PlanEvent: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What happened.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// The trigger began to hold and the plan is in effect: carry out ``PlanEvent/actions``.
        case activated
        /// An active plan that was superseded is in effect again (the plan above it ended):
        /// carry out ``PlanEvent/actions`` again.
        case reinstated
        /// A plan of a higher level covering this plan's scope is in effect: this one is active
        /// but its actions are not carried out. Also the event of a plan whose trigger began to
        /// hold while it was outranked (then with ``PlanEvent/reasons``).
        case superseded
        /// The activation ended: the trigger was false for the plan's `deactivateAfterDays`,
        /// or the plan was made inactive or removed.
        case deactivated

        public var description: String { rawValue }

        var order: Int { Self.allCases.firstIndex(of: self)! }
    }

    /// What happened.
    public let kind: Kind
    /// The evaluated day.
    public let day: CivilDate
    /// The plan.
    public let plan: EmergencyPlanID
    /// The plan's title (its current one, or the id when the plan was removed).
    public let title: String
    /// The plan's level, as activated.
    public let level: ResponseLevel
    /// The plan's event type, as activated.
    public let eventType: EmergencyEventType
    /// The plan's scope, as activated.
    public let scope: JurisdictionPath
    /// The day the activation began.
    public let activatedOn: CivilDate
    /// For `activated` (and `superseded` on the day of activation): the conditions that held.
    public let reasons: [TriggerReason]
    /// For `activated` and `reinstated`: the actions to carry out, in the plan's order; empty otherwise.
    public let actions: [PlanAction]
    /// For `superseded`: the plan that supersedes it.
    public let supersededBy: EmergencyPlanID?
    /// The event in words, with its numbers.
    public let summary: String

    /// Creates an event (the evaluator makes them; a store reads them back).
    public init(
        kind: Kind, day: CivilDate, plan: EmergencyPlanID, title: String, level: ResponseLevel, eventType: EmergencyEventType,
        scope: JurisdictionPath, activatedOn: CivilDate, reasons: [TriggerReason] = [], actions: [PlanAction] = [],
        supersededBy: EmergencyPlanID? = nil, summary: String
    ) {
        self.kind = kind
        self.day = day
        self.plan = plan
        self.title = title
        self.level = level
        self.eventType = eventType
        self.scope = scope
        self.activatedOn = activatedOn
        self.reasons = reasons
        self.actions = actions
        self.supersededBy = supersededBy
        self.summary = summary
    }

    public var description: String { "\(day) \(kind) \(plan): \(summary)" }
}
