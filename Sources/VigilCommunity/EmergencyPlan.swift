/// An emergency plan: for one kind of event in one jurisdiction, the response level it stands
/// for, when it activates (``trigger``) and what it then does (``actions``).
///
/// Plans are evaluated by ``PlanEvaluator`` against the day's analysis outputs; a plan that
/// activates stays active until its trigger has been false for ``deactivateAfterDays`` days.
/// When plans of the same event type are active together, one of a higher level whose scope
/// contains another's supersedes it (see `docs/plans.md`).
///
/// Every `EmergencyPlan` value obeys the rules of its initializer; decoding runs the same checks.
public struct EmergencyPlan: Sendable, Hashable {
    /// The plan's id.
    public let id: EmergencyPlanID
    /// A short name: 1-200 characters, one line, trimmed.
    public let title: String
    /// The kind of event it answers.
    public let eventType: EmergencyEventType
    /// The response level, IV (lowest) to I (highest).
    public let level: ResponseLevel
    /// The jurisdiction it covers: a city, district, street or community. Its triggers read
    /// the data of this scope and of the communities in it.
    public let scope: JurisdictionPath
    /// When it activates.
    public let trigger: PlanTrigger
    /// What it does when it takes effect (1-50 actions, in order).
    public let actions: [PlanAction]
    /// Whether it is in force; an inactive plan is never evaluated and an open activation of it
    /// ends on the next evaluation.
    public let isActive: Bool
    /// The record's version: 0 on creation, +1 on every update (optimistic concurrency).
    public let version: Int
    /// How many consecutive days the trigger must be false before an activation ends (1...365).
    public let deactivateAfterDays: Int

    /// The default of ``deactivateAfterDays``: a week.
    public static let defaultDeactivateAfterDays = 7

    /// - Throws: ``CommunityError/Code/invalidField`` naming the field: `title` (blank, over 200
    ///   characters, control characters), `scope` (below a community), `trigger.…` (see
    ///   ``PlanTrigger/validate(in:)``), `actions` (none or more than 50), `version` (negative),
    ///   `deactivateAfterDays` (outside 1...365).
    public init(
        id: EmergencyPlanID, title: String, eventType: EmergencyEventType, level: ResponseLevel, scope: JurisdictionPath,
        trigger: PlanTrigger, actions: [PlanAction], isActive: Bool = true, version: Int = 0,
        deactivateAfterDays: Int = EmergencyPlan.defaultDeactivateAfterDays
    ) throws {
        self.title = try PlanText.validated(title, field: "title", maximum: 200)
        guard scope.level <= .community else {
            throw CommunityError(
                .invalidField, "a plan covers a city, district, street or community, not a \(scope.level.name)", field: "scope")
        }
        try PlanFieldPath.prefixing("trigger") { try trigger.validate(in: scope) }
        guard (1...50).contains(actions.count) else {
            throw CommunityError(.invalidField, "a plan has 1-50 actions, not \(actions.count)", field: "actions")
        }
        guard version >= 0 else { throw CommunityError(.invalidField, "version \(version) is negative", field: "version") }
        try PlanTrigger.require(deactivateAfterDays, in: 1...365, field: "deactivateAfterDays", what: "days")
        self.id = id
        self.eventType = eventType
        self.level = level
        self.scope = scope
        self.trigger = trigger
        self.actions = actions
        self.isActive = isActive
        self.version = version
        self.deactivateAfterDays = deactivateAfterDays
    }
}

extension EmergencyPlan: Codable {
    private static let keys: Set<String> = [
        "id", "title", "eventType", "level", "scope", "trigger", "actions", "active", "version", "deactivateAfterDays",
    ]

    /// Decodes the JSON form: `id`, `title`, `eventType`, `level` (`"IV"`...`"I"`), `scope`,
    /// `trigger`, `actions`, and optional `active` (default true), `version` (default 0) and
    /// `deactivateAfterDays` (default 7).
    /// - Throws: ``CommunityError/Code/invalidField`` naming the field, with its path for nested
    ///   ones (`trigger.of[1].days`, `actions[0].stage`).
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: Self.keys)
        try self.init(
            id: r.value("id"), title: r.value("title"), eventType: r.value("eventType"), level: r.value("level"),
            scope: r.value("scope"), trigger: r.nested("trigger"), actions: r.nestedArray("actions"),
            isActive: r.optionalValue("active") ?? true, version: r.optionalValue("version") ?? 0,
            deactivateAfterDays: r.optionalValue("deactivateAfterDays") ?? Self.defaultDeactivateAfterDays)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(id, forKey: PlanKey("id"))
        try c.encode(title, forKey: PlanKey("title"))
        try c.encode(eventType, forKey: PlanKey("eventType"))
        try c.encode(level, forKey: PlanKey("level"))
        try c.encode(scope, forKey: PlanKey("scope"))
        try c.encode(trigger, forKey: PlanKey("trigger"))
        try c.encode(actions, forKey: PlanKey("actions"))
        try c.encode(isActive, forKey: PlanKey("active"))
        try c.encode(version, forKey: PlanKey("version"))
        try c.encode(deactivateAfterDays, forKey: PlanKey("deactivateAfterDays"))
    }
}
