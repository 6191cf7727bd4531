/// A community's request for units of one item, followed from the request to receipt.
///
/// Lifecycle, each step recorded in ``history`` with who, when, quantity and reason; times never
/// go backwards:
///
/// | from                          | to                  | rule                                              |
/// |-------------------------------|---------------------|---------------------------------------------------|
/// | —                             | requested           | quantity 1..., a reason                           |
/// | requested                     | approved            | the full quantity; approver ≠ requester           |
/// | requested                     | partiallyApproved   | 1 ..< requested, a reason; approver ≠ requester   |
/// | requested                     | rejected            | a reason; rejecter ≠ requester                    |
/// | approved, partiallyApproved   | shipped             | 1 ... approved; fewer needs a reason              |
/// | requested, approved, partiallyApproved | cancelled  | a reason                                          |
/// | shipped                       | received            | 0 ... shipped; fewer needs a reason               |
/// | rejected, cancelled, received | —                   | final                                             |
///
/// Approving is split by quantity: ``approve(quantity:by:at:reason:)`` moves to
/// ``Status/approved`` when it grants everything asked and to ``Status/partiallyApproved``
/// otherwise. The request changes no stock: the caller records the shipment and receipt as
/// ``SupplyMovement``s with the request's id as their reference.
public struct SupplyRequest: Sendable, Hashable, Codable {
    /// Where the request is.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case requested, approved, partiallyApproved, rejected, shipped, received, cancelled

        /// The statuses this one may move to.
        public var allowedNext: [Status] {
            switch self {
            case .requested: [.approved, .partiallyApproved, .rejected, .cancelled]
            case .approved, .partiallyApproved: [.shipped, .cancelled]
            case .shipped: [.received]
            case .rejected, .received, .cancelled: []
            }
        }

        public var description: String { rawValue }
    }

    /// One status reached.
    public struct Step: Sendable, Hashable, Codable {
        public let status: Status
        public let by: ActorKey
        /// Unix seconds.
        public let at: Int64
        /// Units requested, approved, shipped or received at this step (nil for rejected and
        /// cancelled).
        public let quantity: Int?
        /// Why: required to request, partially approve, reject, cancel, ship or receive short.
        public let reason: String?
        /// For shipped: where the units left from.
        public let source: SupplySite?

        /// Creates the value from its parts (a history step; the request checks it).
        public init(status: Status, by: ActorKey, at: Int64, quantity: Int? = nil, reason: String? = nil, source: SupplySite? = nil) {
            self.status = status
            self.by = by
            self.at = at
            self.quantity = quantity
            self.reason = reason
            self.source = source
        }
    }

    public let id: SupplyRequestID
    /// The requesting community (a path at the community level).
    public let community: JurisdictionPath
    public let item: SupplyItemID
    /// Every step, the request first.
    public private(set) var history: [Step]

    /// Files a request.
    /// - Throws: ``CommunityError/Code/invalidField`` when `community` is not at the community
    ///   level (field `community`), the quantity is outside 1 to a billion (field `quantity`), the
    ///   reason is blank (field `reason`) or the actor key is invalid (field `by`).
    public init(
        id: SupplyRequestID, community: JurisdictionPath, item: SupplyItemID, quantity: Int, reason: String, by actor: ActorKey,
        at time: Int64
    ) throws {
        _ = try SupplySite.validCommunity(community)
        try SupplyQuantity.require(quantity)
        _ = try Validation.requireReason(reason, for: "a supply request")
        try Validation.requireKey(actor, field: "by")
        self.id = id
        self.community = community
        self.item = item
        self.history = [Step(status: .requested, by: actor, at: time, quantity: quantity, reason: reason)]
    }

    /// The current status.
    public var status: Status { history[history.count - 1].status }
    /// Units asked for.
    public var requestedQuantity: Int { history[0].quantity! }
    /// Why they are needed.
    public var reason: String { history[0].reason! }
    /// Who asked.
    public var requestedBy: ActorKey { history[0].by }
    /// Units granted, once approved in full or in part.
    public var approvedQuantity: Int? { quantity(at: [.approved, .partiallyApproved]) }
    /// Units sent, once shipped.
    public var shippedQuantity: Int? { quantity(at: [.shipped]) }
    /// Units that arrived, once received.
    public var receivedQuantity: Int? { quantity(at: [.received]) }

    private func quantity(at statuses: [Status]) -> Int? {
        history.last { statuses.contains($0.status) }?.quantity
    }

    /// Grants `quantity` units (default: all requested): approved in full, or partially
    /// approved with a reason.
    public mutating func approve(quantity: Int? = nil, by actor: ActorKey, at time: Int64, reason: String? = nil) throws {
        let granted = quantity ?? requestedQuantity
        try apply(
            Step(
                status: granted == requestedQuantity ? .approved : .partiallyApproved, by: actor, at: time, quantity: granted,
                reason: reason))
    }

    /// Refuses the request.
    public mutating func reject(by actor: ActorKey, at time: Int64, reason: String) throws {
        try apply(Step(status: .rejected, by: actor, at: time, reason: reason))
    }

    /// Withdraws the request before it ships.
    public mutating func cancel(by actor: ActorKey, at time: Int64, reason: String) throws {
        try apply(Step(status: .cancelled, by: actor, at: time, reason: reason))
    }

    /// Sends `quantity` units (default: all approved) from `source`; fewer needs a reason.
    public mutating func ship(
        quantity: Int? = nil, from source: SupplySite? = nil, by actor: ActorKey, at time: Int64, reason: String? = nil
    ) throws {
        try apply(Step(status: .shipped, by: actor, at: time, quantity: quantity ?? approvedQuantity, reason: reason, source: source))
    }

    /// Confirms that `quantity` units (default: all shipped) arrived; fewer needs a reason.
    public mutating func receive(quantity: Int? = nil, by actor: ActorKey, at time: Int64, reason: String? = nil) throws {
        try apply(Step(status: .received, by: actor, at: time, quantity: quantity ?? shippedQuantity, reason: reason))
    }

    /// Applies one step: the single place the lifecycle's rules live, used by the methods above
    /// and when decoding.
    ///
    /// - Throws: ``CommunityError/Code/invalidTransition`` (field `status`) naming both statuses,
    ///   or (field `by`) when the requester approves or rejects their own request;
    ///   ``CommunityError/Code/invalidField`` for a quantity out of range or given where none
    ///   belongs (field `quantity`), a missing reason (field `reason`), a source on a step other
    ///   than shipped (field `source`), a time before the last step (field `at`) or an invalid
    ///   actor key (field `by`). The request is unchanged when it throws.
    mutating func apply(_ step: Step) throws {
        guard status.allowedNext.contains(step.status) else {
            throw CommunityError(.invalidTransition, "a supply request cannot go from \(status) to \(step.status)", field: "status")
        }
        try Validation.requireKey(step.by, field: "by")
        try Validation.requireNotBefore(step.at, history.last?.at)
        if step.source != nil && step.status != .shipped {
            throw CommunityError(.invalidField, "only a shipment has a source", field: "source")
        }
        if let reason = step.reason, Validation.isBlank(reason) {
            throw CommunityError(.invalidField, "a reason, when given, says something", field: "reason")
        }
        switch step.status {
        case .requested:
            break  // unreachable: nothing moves back to requested
        case .approved, .partiallyApproved:
            guard step.by != requestedBy else {
                throw CommunityError(
                    .invalidTransition, "\(step.by) requested these supplies and cannot also decide on them", field: "by")
            }
            let full = step.status == .approved
            guard let quantity = step.quantity, (1...requestedQuantity).contains(quantity) else {
                throw CommunityError(
                    .invalidField,
                    "approving \(step.quantity.map(String.init) ?? "no") units is outside 1...\(requestedQuantity) requested",
                    field: "quantity")
            }
            guard full == (quantity == requestedQuantity) else {
                throw CommunityError(
                    .invalidField, "\(step.status) of \(quantity) units disagrees with the \(requestedQuantity) requested",
                    field: "quantity")
            }
            if !full { _ = try Validation.requireReason(step.reason, for: "approving part of a request") }
        case .rejected, .cancelled:
            if step.status == .rejected && step.by == requestedBy {
                throw CommunityError(
                    .invalidTransition, "\(step.by) requested these supplies and cannot also decide on them", field: "by")
            }
            guard step.quantity == nil else {
                throw CommunityError(.invalidField, "a \(step.status) request moves no units", field: "quantity")
            }
            _ = try Validation.requireReason(
                step.reason, for: step.status == .rejected ? "rejecting a request" : "cancelling a request")
        case .shipped, .received:
            let shipped = step.status == .shipped
            // Approved quantities are at least 1, so shipping always has a non-empty range.
            let limit = (shipped ? approvedQuantity : shippedQuantity) ?? 0
            let lower = shipped ? 1 : 0
            guard let quantity = step.quantity, lower <= quantity && quantity <= limit else {
                throw CommunityError(
                    .invalidField,
                    "\(shipped ? "shipping" : "receiving") \(step.quantity.map(String.init) ?? "no") units is outside "
                        + "\(lower)...\(limit) \(shipped ? "approved" : "shipped")",
                    field: "quantity")
            }
            if quantity < limit {
                _ = try Validation.requireReason(
                    step.reason, for: shipped ? "shipping less than approved" : "receiving less than shipped")
            }
        }
        history.append(step)
    }

    private enum CodingKeys: String, CodingKey { case id, community, item, status, history }

    /// Decodes a request and replays its history, so a history that breaks the lifecycle is
    /// refused; `status`, when present, must agree with it.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let history = try c.decode([Step].self, forKey: .history)
        guard let first = history.first, first.status == .requested, let quantity = first.quantity, first.source == nil else {
            throw CommunityError(.invalidField, "a request's history starts with the request and its quantity", field: "history")
        }
        try self.init(
            id: try c.decode(SupplyRequestID.self, forKey: .id), community: try c.decode(JurisdictionPath.self, forKey: .community),
            item: try c.decode(SupplyItemID.self, forKey: .item), quantity: quantity, reason: first.reason ?? "", by: first.by,
            at: first.at)
        for step in history.dropFirst() { try apply(step) }
        if let stated = try c.decodeIfPresent(Status.self, forKey: .status), stated != status {
            throw CommunityError(.invalidField, "status \(stated) disagrees with the history's \(status)", field: "status")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(community, forKey: .community)
        try c.encode(item, forKey: .item)
        try c.encode(status, forKey: .status)
        try c.encode(history, forKey: .history)
    }
}
