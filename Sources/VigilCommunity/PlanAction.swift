/// What an emergency plan does when it takes effect, as plain data: the evaluator returns these
/// and executes nothing. The server turns proposals into ledger proposals, broadcasts into
/// messages, reallocations into supply requests and call-ups into volunteer tasks.
///
/// Coded as an object with a `kind`: `{"kind": "stage", "stage": "response"}`.
public enum PlanAction: Sendable, Hashable, CustomStringConvertible {
    /// A ledger proposal to move the chain to a stage.
    case proposeStage(StageProposal)
    /// A ledger `alert` proposal.
    case proposeAlert(AlertProposal)
    /// A message to staff and, optionally, residents.
    case broadcast(BroadcastOrder)
    /// A request to move supplies between jurisdictions.
    case reallocateSupplies(SupplyReallocation)
    /// A call for volunteers.
    case callUpVolunteers(VolunteerCallUp)

    /// The kinds of action, as coded in JSON (`kind`).
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case stage, alert, broadcast, reallocation, volunteers
        public var description: String { rawValue }
    }

    /// This action's kind.
    public var kind: Kind {
        switch self {
        case .proposeStage: .stage
        case .proposeAlert: .alert
        case .broadcast: .broadcast
        case .reallocateSupplies: .reallocation
        case .callUpVolunteers: .volunteers
        }
    }

    /// A proposal to change the ledger's stage.
    public struct StageProposal: Sendable, Hashable {
        /// The stages of the ledger's chain (`VigilLedger.Stage`), in order.
        public static let stages = ["prevention", "alert", "response", "recovery"]

        /// The stage to move to, one of ``stages``.
        public let stage: String

        /// - Throws: ``CommunityError/Code/invalidField`` (field `stage`) for an unknown stage.
        public init(stage: String) throws {
            guard Self.stages.contains(stage) else {
                throw CommunityError(.invalidField, "stage must be one of \(Self.stages.joined(separator: ", "))", field: "stage")
            }
            self.stage = stage
        }
    }

    /// A proposal to raise an alert on the ledger.
    public struct AlertProposal: Sendable, Hashable {
        /// What the alert says: 1-500 characters, one line.
        public let message: String
        /// The syndrome it concerns, if one.
        public let syndrome: Syndrome?

        /// - Throws: ``CommunityError/Code/invalidField`` (field `message`) for a blank, too long
        ///   or multi-line message.
        public init(message: String, syndrome: Syndrome? = nil) throws {
            self.message = try PlanText.validated(message, field: "message", maximum: 500)
            self.syndrome = syndrome
        }
    }

    /// An order broadcast to those who must act on it.
    public struct BroadcastOrder: Sendable, Hashable {
        /// Who receives it.
        public struct Recipients: Sendable, Hashable {
            /// Staff with these roles (sorted, without repeats).
            public let roles: [Role]
            /// Whether residents receive it too.
            public let residents: Bool
            /// Where: recipients in this jurisdiction; nil for the plan's scope.
            public let scope: JurisdictionPath?

            /// - Throws: ``CommunityError/Code/invalidField`` (field `roles`) when there are no
            ///   roles and `residents` is false.
            public init(roles: [Role], residents: Bool = false, scope: JurisdictionPath? = nil) throws {
                guard !roles.isEmpty || residents else {
                    throw CommunityError(.invalidField, "a broadcast needs recipients: roles, residents or both", field: "roles")
                }
                self.roles = Set(roles).sorted { $0.rawValue < $1.rawValue }
                self.residents = residents
                self.scope = scope
            }
        }

        /// The message: 1-2,000 characters, line breaks allowed.
        public let text: String
        /// Who receives it.
        public let recipients: Recipients

        /// - Throws: ``CommunityError/Code/invalidField`` (field `text`) for blank or too long text.
        public init(text: String, recipients: Recipients) throws {
            self.text = try PlanText.validated(text, field: "text", maximum: 2_000, lines: true)
            self.recipients = recipients
        }
    }

    /// A request to move an item's stock from one jurisdiction to another.
    public struct SupplyReallocation: Sendable, Hashable {
        /// The supply item's id: 1-128 bytes, no control characters or surrounding spaces.
        public let item: String
        /// Where the stock comes from (a reserve or a community).
        public let from: JurisdictionPath
        /// Where it goes.
        public let to: JurisdictionPath
        /// How much, or nil to leave it to the allocation rule.
        public let quantity: Int?

        /// - Throws: ``CommunityError/Code/invalidField`` naming `item`, `to` (the same as
        ///   `from`) or `quantity` (not positive).
        public init(item: String, from: JurisdictionPath, to: JurisdictionPath, quantity: Int? = nil) throws {
            try Validation.requireKey(item, field: "item")
            guard from != to else { throw CommunityError(.invalidField, "from and to are both \(to)", field: "to") }
            if let quantity, quantity <= 0 {
                throw CommunityError(.invalidField, "quantity \(quantity) is not positive", field: "quantity")
            }
            self.item = item
            self.from = from
            self.to = to
            self.quantity = quantity
        }
    }

    /// A call for volunteers.
    public struct VolunteerCallUp: Sendable, Hashable {
        /// How many volunteers (1...10,000).
        public let count: Int
        /// Skills wanted, any of them (sorted, without repeats; empty for anyone).
        public let skills: [String]
        /// Where; nil for the plan's scope.
        public let area: JurisdictionPath?

        /// - Throws: ``CommunityError/Code/invalidField`` naming `count` (outside 1...10,000) or
        ///   `skills` (more than 32, or one that is empty, too long or has control characters).
        public init(count: Int, skills: [String] = [], area: JurisdictionPath? = nil) throws {
            try PlanTrigger.require(count, in: 1...10_000, field: "count", what: "volunteers")
            guard skills.count <= 32 else {
                throw CommunityError(.invalidField, "\(skills.count) skills, more than 32", field: "skills")
            }
            for skill in skills { try Validation.requireKey(skill, field: "skills") }
            self.count = count
            self.skills = Set(skills).sorted()
            self.area = area
        }
    }

    /// A readable form: `propose stage response`.
    public var description: String {
        switch self {
        case .proposeStage(let s): "propose stage \(s.stage)"
        case .proposeAlert(let a): "propose alert" + (a.syndrome.map { " (\($0))" } ?? "") + ": \(a.message)"
        case .broadcast(let b):
            "broadcast to "
                + (b.recipients.roles.map(\.rawValue) + (b.recipients.residents ? ["residents"] : [])).joined(separator: ", ")
                + (b.recipients.scope.map { " in \($0)" } ?? "")
        case .reallocateSupplies(let r):
            "reallocate \(r.quantity.map { "\($0) of " } ?? "")\(r.item) from \(r.from) to \(r.to)"
        case .callUpVolunteers(let v):
            "call up \(v.count) volunteers" + (v.skills.isEmpty ? "" : " (\(v.skills.joined(separator: ", ")))")
                + (v.area.map { " in \($0)" } ?? "")
        }
    }
}

extension PlanAction: Codable {
    private static let keys: Set<String> = [
        "kind", "stage", "message", "syndrome", "text", "recipients", "item", "from", "to", "quantity", "count", "skills", "area",
    ]

    /// Decodes `{"kind": ..., ...}`.
    /// - Throws: ``CommunityError/Code/invalidField`` naming the field (`recipients.roles`).
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: Self.keys)
        let text: String = try r.value("kind")
        guard let kind = Kind(rawValue: text) else {
            throw CommunityError(
                .invalidField, "kind must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
        }
        switch kind {
        case .stage:
            let r = try PlanObjectReader(decoder, allowed: ["kind", "stage"])
            self = .proposeStage(try StageProposal(stage: r.value("stage")))
        case .alert:
            let r = try PlanObjectReader(decoder, allowed: ["kind", "message", "syndrome"])
            self = .proposeAlert(try AlertProposal(message: r.value("message"), syndrome: r.optionalValue("syndrome")))
        case .broadcast:
            let r = try PlanObjectReader(decoder, allowed: ["kind", "text", "recipients"])
            self = .broadcast(
                try BroadcastOrder(text: r.value("text"), recipients: r.nested("recipients", as: BroadcastOrder.Recipients.self)))
        case .reallocation:
            let r = try PlanObjectReader(decoder, allowed: ["kind", "item", "from", "to", "quantity"])
            self = .reallocateSupplies(
                try SupplyReallocation(item: r.value("item"), from: r.value("from"), to: r.value("to"), quantity: r.optionalValue("quantity")))
        case .volunteers:
            let r = try PlanObjectReader(decoder, allowed: ["kind", "count", "skills", "area"])
            self = .callUpVolunteers(
                try VolunteerCallUp(count: r.value("count"), skills: r.optionalValue("skills") ?? [], area: r.optionalValue("area")))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(kind.rawValue, forKey: PlanKey("kind"))
        switch self {
        case .proposeStage(let s):
            try c.encode(s.stage, forKey: PlanKey("stage"))
        case .proposeAlert(let a):
            try c.encode(a.message, forKey: PlanKey("message"))
            try c.encodeIfPresent(a.syndrome, forKey: PlanKey("syndrome"))
        case .broadcast(let b):
            try c.encode(b.text, forKey: PlanKey("text"))
            try c.encode(b.recipients, forKey: PlanKey("recipients"))
        case .reallocateSupplies(let s):
            try c.encode(s.item, forKey: PlanKey("item"))
            try c.encode(s.from, forKey: PlanKey("from"))
            try c.encode(s.to, forKey: PlanKey("to"))
            try c.encodeIfPresent(s.quantity, forKey: PlanKey("quantity"))
        case .callUpVolunteers(let v):
            try c.encode(v.count, forKey: PlanKey("count"))
            try c.encode(v.skills, forKey: PlanKey("skills"))
            try c.encodeIfPresent(v.area, forKey: PlanKey("area"))
        }
    }
}

extension PlanAction.BroadcastOrder.Recipients: Codable {
    /// Decodes `roles` (role names, default none), `residents` (default false) and an optional `scope`.
    public init(from decoder: any Decoder) throws {
        let r = try PlanObjectReader(decoder, allowed: ["roles", "residents", "scope"])
        try self.init(
            roles: r.optionalValue("roles") ?? [], residents: r.optionalValue("residents") ?? false, scope: r.optionalValue("scope"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PlanKey.self)
        try c.encode(roles, forKey: PlanKey("roles"))
        try c.encode(residents, forKey: PlanKey("residents"))
        try c.encodeIfPresent(scope, forKey: PlanKey("scope"))
    }
}
