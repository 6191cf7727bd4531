/// A resident's order of goods (food, medicine, daily necessities) for delivery to their
/// household, placed by the resident or by the community on their behalf, followed until it is
/// delivered or cancelled.
///
/// Stages, each recorded as a ``Step`` with time and actor; times never go backwards:
///
/// | from             | to                                   | rule                                   |
/// |------------------|--------------------------------------|----------------------------------------|
/// | —                | placed                               | by the resident or on their behalf     |
/// | placed           | batched, cancelled                   | batching names the delivery task       |
/// | batched          | out-for-delivery, placed, cancelled  | back to placed when the task is dropped |
/// | out-for-delivery | delivered, placed, cancelled         | delivery is confirmed by resident or volunteer |
/// | delivered, cancelled | —                                | final                                  |
///
/// Going back to placed (``returnToQueue(by:at:reason:)``) and cancelling need a reason. The
/// resident sees ``residentStatus``, which carries no one else's data.
public struct ResidentOrder: Sendable, Hashable, Codable, Identifiable {
    /// The most lines one order may have.
    public static let maximumLines = 50

    /// One kind of goods and how many.
    public struct Line: Sendable, Hashable, Codable {
        /// What (`rice 5 kg`, `insulin pen`): trimmed, 1-100 characters, no control characters.
        public let goods: String
        /// How many, 1...999.
        public let quantity: Int

        /// - Throws: ``CommunityError/Code/invalidField`` (field `goods` or `quantity`).
        public init(goods: String, quantity: Int) throws {
            let goods = String(goods.trimmingWhiteSpace())
            guard (1...100).contains(goods.count),
                !goods.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" })
            else {
                throw CommunityError(.invalidField, "goods are named in 1-100 characters without control characters", field: "goods")
            }
            guard (1...999).contains(quantity) else {
                throw CommunityError(.invalidField, "quantity \(quantity) is outside 1...999", field: "quantity")
            }
            self.goods = goods
            self.quantity = quantity
        }

        private enum CodingKeys: String, CodingKey { case goods, quantity }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try self.init(goods: try c.decode(String.self, forKey: .goods), quantity: try c.decode(Int.self, forKey: .quantity))
        }
    }

    /// Where the order is.
    public enum Stage: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case placed, batched
        case outForDelivery = "out-for-delivery"
        case delivered, cancelled

        /// The stages this one may move to.
        public var allowedNext: [Stage] {
            switch self {
            case .placed: [.batched, .cancelled]
            case .batched: [.outForDelivery, .placed, .cancelled]
            case .outForDelivery: [.delivered, .placed, .cancelled]
            case .delivered, .cancelled: []
            }
        }

        /// Whether the order waits to be batched into a delivery task.
        public var isOpen: Bool { self == .placed }

        public var description: String { rawValue }
    }

    /// Who confirmed a delivery.
    public enum Confirmer: String, Sendable, Hashable, Codable, CaseIterable {
        case resident, volunteer
    }

    /// One stage reached.
    public struct Step: Sendable, Hashable, Codable {
        public let stage: Stage
        public let by: ActorKey
        /// Unix seconds.
        public let at: Int64
        /// For batched: the delivery task.
        public let task: VolunteerTaskID?
        /// For delivered: who confirmed it.
        public let confirmedBy: Confirmer?
        /// Why, for a return to the queue or a cancellation (required); otherwise notes.
        public let note: String?

        /// Creates the value from its parts (a history step; the order checks it).
        public init(
            stage: Stage, by: ActorKey, at: Int64, task: VolunteerTaskID? = nil, confirmedBy: Confirmer? = nil, note: String? = nil
        ) {
            self.stage = stage
            self.by = by
            self.at = at
            self.task = task
            self.confirmedBy = confirmedBy
            self.note = note
        }
    }

    /// What the resident sees: the stage, a sentence, and since when.
    public struct ResidentStatus: Sendable, Hashable, Codable {
        public let order: ResidentOrderID
        public let stage: Stage
        public let text: String
        /// Unix seconds of the last change.
        public let since: Int64

        /// Creates the value from its parts (a result; the order computes it).
        public init(order: ResidentOrderID, stage: Stage, text: String, since: Int64) {
            self.order = order
            self.stage = stage
            self.text = text
            self.since = since
        }
    }

    public let id: ResidentOrderID
    /// For whom: the resident the goods are for.
    public let resident: PersonKey
    /// Where to deliver: a household.
    public let household: JurisdictionPath
    public let lines: [Line]
    /// Who placed it: the resident's own account, or staff or a volunteer on their behalf.
    public let orderedBy: ActorKey
    /// Whether the community placed it on the resident's behalf.
    public let onBehalf: Bool
    /// The resident's vulnerabilities when the order was placed (from their file); batching
    /// serves these orders first (``OrderBatcher``).
    public let vulnerabilities: Set<Vulnerability>
    /// Delivery instructions (no more personal data than needed), at most 500 characters.
    public let note: String?
    /// The stages reached, placed first. Never empty.
    public private(set) var steps: [Step]

    /// The current stage.
    public var stage: Stage { steps[steps.count - 1].stage }

    /// When the order was placed.
    public var placedAt: Int64 { steps[0].at }

    /// The delivery task carrying the order, while batched or out for delivery, and once
    /// delivered.
    public var task: VolunteerTaskID? {
        guard stage == .batched || stage == .outForDelivery || stage == .delivered else { return nil }
        return steps.last(where: { $0.stage == .batched })?.task
    }

    /// Who confirmed the delivery, once delivered.
    public var confirmedBy: Confirmer? { stage == .delivered ? steps.last?.confirmedBy : nil }

    /// Places an order.
    /// - Parameters:
    ///   - orderedBy: who places it; `onBehalf` says whether that is the community rather than
    ///     the resident.
    /// - Throws: ``CommunityError/Code/invalidField`` for an invalid `resident` or `by` key, a
    ///   `household` that is not a household, no lines or more than 50, the same goods twice
    ///   (field `lines`), or a `note` over 500 characters.
    public init(
        id: ResidentOrderID, resident: PersonKey, household: JurisdictionPath, lines: [Line], vulnerabilities: Set<Vulnerability> = [],
        orderedBy: ActorKey, onBehalf: Bool, at time: Int64, note: String? = nil
    ) throws {
        try Validation.requireKey(resident, field: "resident")
        try Validation.requireKey(orderedBy, field: "orderedBy")
        guard household.level == .household else {
            throw CommunityError(
                .invalidField, "orders are delivered to a household, not a \(household.level.name)", field: "household")
        }
        guard (1...Self.maximumLines).contains(lines.count) else {
            throw CommunityError(.invalidField, "an order has 1-\(Self.maximumLines) lines, not \(lines.count)", field: "lines")
        }
        guard Set(lines.map(\.goods)).count == lines.count else {
            throw CommunityError(.invalidField, "the same goods appear on two lines", field: "lines")
        }
        if let note, note.count > 500 {
            throw CommunityError(.invalidField, "a note has at most 500 characters, not \(note.count)", field: "note")
        }
        self.id = id
        self.resident = resident
        self.household = household
        self.lines = lines
        self.orderedBy = orderedBy
        self.onBehalf = onBehalf
        self.vulnerabilities = vulnerabilities
        self.note = note
        self.steps = [Step(stage: .placed, by: orderedBy, at: time)]
    }

    /// Puts the order into delivery task `task` (see ``OrderBatch``).
    public mutating func batch(into task: VolunteerTaskID, by actor: ActorKey, at time: Int64) throws {
        try apply(Step(stage: .batched, by: actor, at: time, task: task))
    }

    /// The volunteer has the goods and is on the way.
    public mutating func startDelivery(by actor: ActorKey, at time: Int64) throws {
        try apply(Step(stage: .outForDelivery, by: actor, at: time))
    }

    /// The goods reached the household; `confirmer` says whether the resident or the volunteer
    /// confirmed it.
    public mutating func confirmDelivery(by actor: ActorKey, at time: Int64, confirmedBy confirmer: Confirmer, note: String? = nil) throws {
        try apply(Step(stage: .delivered, by: actor, at: time, confirmedBy: confirmer, note: note))
    }

    /// Sends the order back to wait for another delivery (its task failed or was cancelled).
    /// - Throws: ``CommunityError/Code/invalidField`` (field `reason`) without a reason.
    public mutating func returnToQueue(by actor: ActorKey, at time: Int64, reason: String) throws {
        try apply(Step(stage: .placed, by: actor, at: time, note: reason))
    }

    /// Cancels the order (by the resident, or the community with the resident's agreement).
    /// - Throws: ``CommunityError/Code/invalidField`` (field `reason`) without a reason.
    public mutating func cancel(by actor: ActorKey, at time: Int64, reason: String) throws {
        try apply(Step(stage: .cancelled, by: actor, at: time, note: reason))
    }

    /// What the resident (or whoever ordered for them) is shown.
    public var residentStatus: ResidentStatus {
        let last = steps[steps.count - 1]
        let text: String
        switch last.stage {
        case .placed where steps.count > 1:
            text = "Your order is waiting for the next delivery round."
        case .placed:
            text = "Your order has been received and is waiting to be packed."
        case .batched:
            text = "Your order is being packed for delivery."
        case .outForDelivery:
            text = "A volunteer is on the way with your order."
        case .delivered:
            text = last.confirmedBy == .resident ? "Your order was delivered; you confirmed receipt." : "Your order was delivered to your door."
        case .cancelled:
            text = "Your order was cancelled: \(last.note ?? "")"
        }
        return ResidentStatus(order: id, stage: last.stage, text: text, since: last.at)
    }

    /// Applies one step: the lifecycle's rules, used by the methods above and when decoding.
    /// - Throws: ``CommunityError/Code/invalidTransition`` naming both stages;
    ///   ``CommunityError/Code/invalidField`` for a time before the last step (field `at`), a
    ///   return or cancellation without a reason (field `reason`), a batch without a task or
    ///   another step with one (field `task`), a delivery without a confirmer or another step
    ///   with one (field `confirmedBy`), a note over 500 characters or an invalid actor key.
    mutating func apply(_ step: Step) throws {
        guard stage.allowedNext.contains(step.stage) else {
            throw CommunityError(.invalidTransition, "order \(id) cannot go from \(stage) to \(step.stage)", field: "stage")
        }
        try Validation.requireKey(step.by, field: "by")
        try Validation.requireNotBefore(step.at, steps.last?.at)
        guard (step.stage == .batched) == (step.task != nil) else {
            throw CommunityError(.invalidField, "only batching names a task", field: "task")
        }
        guard (step.stage == .delivered) == (step.confirmedBy != nil) else {
            throw CommunityError(.invalidField, "only a delivery says who confirmed it", field: "confirmedBy")
        }
        if step.stage == .placed { _ = try Validation.requireReason(step.note, for: "returning an order to the queue") }
        if step.stage == .cancelled { _ = try Validation.requireReason(step.note, for: "cancelling an order") }
        if let note = step.note, note.count > 500 {
            throw CommunityError(.invalidField, "a note has at most 500 characters, not \(note.count)", field: "note")
        }
        steps.append(step)
    }

    private enum CodingKeys: String, CodingKey {
        case id, resident, household, lines, vulnerabilities, orderedBy, onBehalf, note, steps
    }

    /// Decodes an order and replays its steps through the lifecycle.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let steps = try c.decode([Step].self, forKey: .steps)
        let orderedBy = try c.decode(String.self, forKey: .orderedBy)
        guard let first = steps.first, first.stage == .placed, first.by == orderedBy, first.task == nil, first.confirmedBy == nil,
            first.note == nil
        else {
            throw CommunityError(.invalidField, "an order's steps start with placed, by whoever ordered", field: "steps")
        }
        try self.init(
            id: try c.decode(ResidentOrderID.self, forKey: .id), resident: try c.decode(String.self, forKey: .resident),
            household: try c.decode(JurisdictionPath.self, forKey: .household), lines: try c.decode([Line].self, forKey: .lines),
            vulnerabilities: Set(try c.decodeIfPresent([Vulnerability].self, forKey: .vulnerabilities) ?? []),
            orderedBy: orderedBy, onBehalf: try c.decode(Bool.self, forKey: .onBehalf), at: first.at,
            note: try c.decodeIfPresent(String.self, forKey: .note))
        for step in steps.dropFirst() { try apply(step) }
    }

    /// Vulnerabilities are written sorted, so equal orders encode to equal JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(resident, forKey: .resident)
        try c.encode(household, forKey: .household)
        try c.encode(lines, forKey: .lines)
        try c.encode(vulnerabilities.sorted(), forKey: .vulnerabilities)
        try c.encode(orderedBy, forKey: .orderedBy)
        try c.encode(onBehalf, forKey: .onBehalf)
        try c.encodeIfPresent(note, forKey: .note)
        try c.encode(steps, forKey: .steps)
    }
}
