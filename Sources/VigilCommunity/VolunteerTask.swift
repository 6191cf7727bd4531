/// A piece of work for one volunteer — a delivery, a door-to-door check, an escort or a
/// transport — at a place in the jurisdiction tree, followed from creation to its end.
///
/// Stages, each recorded as a ``Step`` with time and actor; times never go backwards:
///
/// | from       | to                                | rule                                         |
/// |------------|-----------------------------------|----------------------------------------------|
/// | —          | open                              | created, waiting for dispatch                |
/// | open       | offered, cancelled                | an offer names the volunteer and takes a slot |
/// | offered    | accepted, declined, cancelled     | declining gives the slot back                |
/// | declined   | offered (re-offered), cancelled   | to anyone, the decliner too                  |
/// | accepted   | checked-in, failed, cancelled     |                                              |
/// | checked-in | done, failed                      | the check-in records arrival: when, by whom  |
/// | done, failed, cancelled | —                    | final; they give the slot back               |
///
/// Failing and cancelling need a reason. The volunteer's ``Volunteer/load`` changes in the
/// same call as the stage (as ``Referral`` does with hospital beds), so the store persists both
/// in one transaction; when a call throws, neither value changes.
public struct VolunteerTask: Sendable, Hashable, Codable, Identifiable {
    /// What the task is.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case delivery
        case doorToDoor = "door-to-door"
        case escort
        case transport

        /// The skill this kind needs unless the task says otherwise: the one of the same name.
        public var skill: VolunteerSkill {
            switch self {
            case .delivery: .delivery
            case .doorToDoor: .doorToDoor
            case .escort: .escort
            case .transport: .transport
            }
        }

        public var description: String { rawValue }
    }

    /// How urgent a task is, 0...9, higher first. Dispatch never leaves a task unassigned in
    /// favour of a lower-priority one when a swap is feasible (see ``Dispatcher``).
    public struct Priority: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
        public let rawValue: Int

        /// Nothing special: 0.
        public static let routine = Priority(trusted: 0)
        /// For a vulnerable resident (elderly living alone, disabled, bedridden, ...): 5.
        public static let vulnerable = Priority(trusted: 5)
        /// A medical or safety emergency: 9.
        public static let urgent = Priority(trusted: 9)

        /// The values accepted.
        public static let range = 0...9

        /// Nil outside ``range``.
        public init?(rawValue: Int) {
            guard Self.range.contains(rawValue) else { return nil }
            self.rawValue = rawValue
        }

        /// - Throws: ``CommunityError/Code/invalidField`` (field `priority`) outside 0...9.
        public init(_ value: Int) throws {
            guard let p = Priority(rawValue: value) else {
                throw CommunityError(.invalidField, "priority \(value) is outside 0...9", field: "priority")
            }
            self = p
        }

        private init(trusted value: Int) { rawValue = value }

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String { "\(rawValue)" }

        public init(from decoder: any Decoder) throws {
            try self.init(try decoder.singleValueContainer().decode(Int.self))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// Where the task is.
    public enum Stage: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case open, offered, accepted, declined
        case checkedIn = "checked-in"
        case done, failed, cancelled

        /// The stages this one may move to.
        public var allowedNext: [Stage] {
            switch self {
            case .open: [.offered, .cancelled]
            case .offered: [.accepted, .declined, .cancelled]
            case .declined: [.offered, .cancelled]
            case .accepted: [.checkedIn, .failed, .cancelled]
            case .checkedIn: [.done, .failed]
            case .done, .failed, .cancelled: []
            }
        }

        /// Whether a volunteer holds the task (it counts in their ``Volunteer/load``).
        public var holdsVolunteer: Bool { self == .offered || self == .accepted || self == .checkedIn }

        /// Whether dispatch may offer the task: open, or declined by the last volunteer.
        public var isDispatchable: Bool { self == .open || self == .declined }

        /// Whether the task is over.
        public var isFinal: Bool { allowedNext.isEmpty }

        public var description: String { rawValue }
    }

    /// One stage reached.
    public struct Step: Sendable, Hashable, Codable {
        public let stage: Stage
        /// Who recorded it (the volunteer's account or a coordinator).
        public let by: ActorKey
        /// Unix seconds. For the check-in, the arrival time.
        public let at: Int64
        /// For an offer: the volunteer offered the task.
        public let volunteer: VolunteerID?
        /// Why, for a failure or cancellation (required) or a decline (optional); otherwise notes.
        public let note: String?

        /// Creates the value from its parts (a history step; the task checks it).
        public init(stage: Stage, by: ActorKey, at: Int64, volunteer: VolunteerID? = nil, note: String? = nil) {
            self.stage = stage
            self.by = by
            self.at = at
            self.volunteer = volunteer
            self.note = note
        }
    }

    public let id: VolunteerTaskID
    public let kind: Kind
    /// Where the work is (any level; a household for a delivery, a building for a round of
    /// door-to-door checks).
    public let location: JurisdictionPath
    /// The skills the volunteer must all have. Defaults to the kind's ``Kind/skill``; may be
    /// empty (anyone).
    public let requiredSkills: Set<VolunteerSkill>
    public let priority: Priority
    /// The resident served, if the task is for one.
    public let person: PersonKey?
    /// The resident orders this task delivers (a delivery made by ``OrderBatcher``).
    public let orders: [ResidentOrderID]
    /// What to do, for the volunteer (no more personal data than needed).
    public let note: String?
    /// The stages reached, the opening first. Never empty.
    public private(set) var steps: [Step]

    /// The current stage.
    public var stage: Stage { steps[steps.count - 1].stage }

    /// When the task was created (the opening step's time).
    public var createdAt: Int64 { steps[0].at }

    /// The volunteer of the latest offer, from the offer on (nil while open, and after a decline
    /// until the next offer).
    public var volunteer: VolunteerID? {
        guard stage != .open, stage != .declined else { return nil }
        return steps.last(where: { $0.stage == .offered })?.volunteer
    }

    /// The volunteers who declined this task; dispatch does not offer it to them again.
    public var declinedBy: Set<VolunteerID> {
        var out: Set<VolunteerID> = []
        var offeredTo: VolunteerID?
        for step in steps {
            if step.stage == .offered { offeredTo = step.volunteer }
            if step.stage == .declined, let v = offeredTo { out.insert(v) }
        }
        return out
    }

    /// The check-in: when the volunteer arrived (``Step/at``) and who recorded it (``Step/by``).
    public var arrival: Step? { steps.last(where: { $0.stage == .checkedIn }) }

    /// Opens a task.
    /// - Parameters:
    ///   - requiredSkills: nil for the kind's own skill.
    /// - Throws: ``CommunityError/Code/invalidField`` for an invalid `person` or `by` key, or a
    ///   `note` longer than 500 characters.
    public init(
        id: VolunteerTaskID, kind: Kind, location: JurisdictionPath, requiredSkills: Set<VolunteerSkill>? = nil,
        priority: Priority = .routine, person: PersonKey? = nil, orders: [ResidentOrderID] = [], note: String? = nil,
        createdBy actor: ActorKey, at time: Int64
    ) throws {
        if let person { try Validation.requireKey(person, field: "person") }
        try Validation.requireKey(actor, field: "by")
        if let note, note.count > 500 {
            throw CommunityError(.invalidField, "a note has at most 500 characters, not \(note.count)", field: "note")
        }
        guard Set(orders).count == orders.count else {
            throw CommunityError(.invalidField, "an order appears twice in the task's orders", field: "orders")
        }
        self.id = id
        self.kind = kind
        self.location = location
        self.requiredSkills = requiredSkills ?? [kind.skill]
        self.priority = priority
        self.person = person
        self.orders = orders
        self.note = note
        self.steps = [Step(stage: .open, by: actor, at: time)]
    }

    /// Offers the task to `volunteer`, taking one of their slots (a first offer, or a re-offer
    /// after a decline).
    /// - Throws: ``CommunityError/Code/invalidField`` (field `volunteer`) when the volunteer lacks
    ///   a required skill; ``CommunityError/Code/conflict`` when they are unavailable or full;
    ///   otherwise as the lifecycle.
    public mutating func offer(to volunteer: inout Volunteer, by actor: ActorKey, at time: Int64) throws {
        guard volunteer.hasSkills(requiredSkills) else {
            let missing = requiredSkills.subtracting(volunteer.skills).sorted().map(\.rawValue).joined(separator: ", ")
            throw CommunityError(.invalidField, "volunteer \(volunteer.id) lacks \(missing) for task \(id)", field: "volunteer")
        }
        var updated = self
        try updated.apply(Step(stage: .offered, by: actor, at: time, volunteer: volunteer.id))
        try volunteer.takeSlot()
        self = updated
    }

    /// The volunteer accepts the offer.
    public mutating func accept(by actor: ActorKey, at time: Int64) throws {
        try apply(Step(stage: .accepted, by: actor, at: time))
    }

    /// The volunteer declines the offer; their slot is given back and the task may be re-offered.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `volunteer`) when `volunteer` is not
    ///   the one offered the task; otherwise as the lifecycle.
    public mutating func decline(releasing volunteer: inout Volunteer, by actor: ActorKey, at time: Int64, reason: String? = nil) throws {
        try release(volunteer: &volunteer, step: Step(stage: .declined, by: actor, at: time, note: reason))
    }

    /// Records the volunteer's arrival: `time` is when they arrived, `actor` who recorded it.
    public mutating func checkIn(by actor: ActorKey, at time: Int64, note: String? = nil) throws {
        try apply(Step(stage: .checkedIn, by: actor, at: time, note: note))
    }

    /// The work is done; the volunteer's slot is given back.
    public mutating func complete(releasing volunteer: inout Volunteer, by actor: ActorKey, at time: Int64, note: String? = nil) throws {
        try release(volunteer: &volunteer, step: Step(stage: .done, by: actor, at: time, note: note))
    }

    /// The work could not be done (nobody home, goods refused, ...); the slot is given back.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `reason`) without a reason.
    public mutating func fail(releasing volunteer: inout Volunteer, by actor: ActorKey, at time: Int64, reason: String) throws {
        try release(volunteer: &volunteer, step: Step(stage: .failed, by: actor, at: time, note: reason))
    }

    /// Cancels a task no volunteer holds (open or declined).
    /// - Throws: ``CommunityError/Code/invalidTransition`` when a volunteer holds it (use
    ///   ``cancel(releasing:by:at:reason:)``); ``CommunityError/Code/invalidField`` (field
    ///   `reason`) without a reason.
    public mutating func cancel(by actor: ActorKey, at time: Int64, reason: String) throws {
        guard !stage.holdsVolunteer else {
            throw CommunityError(
                .invalidTransition, "task \(id) is \(stage) by volunteer \(volunteer?.description ?? "?"): cancel releasing them",
                field: "stage")
        }
        try apply(Step(stage: .cancelled, by: actor, at: time, note: reason))
    }

    /// Cancels a task a volunteer holds (offered, accepted), giving their slot back.
    public mutating func cancel(releasing volunteer: inout Volunteer, by actor: ActorKey, at time: Int64, reason: String) throws {
        try release(volunteer: &volunteer, step: Step(stage: .cancelled, by: actor, at: time, note: reason))
    }

    private mutating func release(volunteer: inout Volunteer, step: Step) throws {
        guard stage.holdsVolunteer else {
            throw CommunityError(.invalidTransition, "task \(id) cannot go from \(stage) to \(step.stage)", field: "stage")
        }
        guard volunteer.id == self.volunteer else {
            throw CommunityError(
                .invalidField, "task \(id) is held by \(self.volunteer?.description ?? "nobody"), not \(volunteer.id)",
                field: "volunteer")
        }
        var updated = self
        try updated.apply(step)
        try volunteer.releaseSlot()
        self = updated
    }

    /// Applies one step: the lifecycle's rules (not the volunteer's load), used by the methods
    /// above and when decoding.
    /// - Throws: ``CommunityError/Code/invalidTransition`` naming both stages;
    ///   ``CommunityError/Code/invalidField`` for a time before the last step (field `at`), a
    ///   failure or cancellation without a reason (field `reason`), an offer without a volunteer
    ///   or another step with one (field `volunteer`), a note over 500 characters or an invalid
    ///   actor key.
    mutating func apply(_ step: Step) throws {
        guard stage.allowedNext.contains(step.stage) else {
            throw CommunityError(.invalidTransition, "task \(id) cannot go from \(stage) to \(step.stage)", field: "stage")
        }
        try Validation.requireKey(step.by, field: "by")
        try Validation.requireNotBefore(step.at, steps.last?.at)
        guard (step.stage == .offered) == (step.volunteer != nil) else {
            throw CommunityError(.invalidField, "only an offer names a volunteer", field: "volunteer")
        }
        if step.stage == .failed { _ = try Validation.requireReason(step.note, for: "failing a task") }
        if step.stage == .cancelled { _ = try Validation.requireReason(step.note, for: "cancelling a task") }
        if let note = step.note, note.count > 500 {
            throw CommunityError(.invalidField, "a note has at most 500 characters, not \(note.count)", field: "note")
        }
        steps.append(step)
    }

    private enum CodingKeys: String, CodingKey {
        case id, kind, location, requiredSkills, priority, person, orders, note, steps
    }

    /// Decodes a task and replays its steps through the lifecycle (the volunteers' loads are
    /// their own records and are not replayed).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let steps = try c.decode([Step].self, forKey: .steps)
        guard let first = steps.first, first.stage == .open, first.volunteer == nil, first.note == nil else {
            throw CommunityError(.invalidField, "a task's steps start with open", field: "steps")
        }
        try self.init(
            id: try c.decode(VolunteerTaskID.self, forKey: .id), kind: try c.decode(Kind.self, forKey: .kind),
            location: try c.decode(JurisdictionPath.self, forKey: .location),
            requiredSkills: Set(try c.decode([VolunteerSkill].self, forKey: .requiredSkills)),
            priority: try c.decode(Priority.self, forKey: .priority), person: try c.decodeIfPresent(String.self, forKey: .person),
            orders: try c.decodeIfPresent([ResidentOrderID].self, forKey: .orders) ?? [],
            note: try c.decodeIfPresent(String.self, forKey: .note), createdBy: first.by, at: first.at)
        for step in steps.dropFirst() { try apply(step) }
    }

    /// Required skills are written sorted, so equal tasks encode to equal JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(location, forKey: .location)
        try c.encode(requiredSkills.sorted(), forKey: .requiredSkills)
        try c.encode(priority, forKey: .priority)
        try c.encodeIfPresent(person, forKey: .person)
        try c.encode(orders, forKey: .orders)
        try c.encodeIfPresent(note, forKey: .note)
        try c.encode(steps, forKey: .steps)
    }
}
