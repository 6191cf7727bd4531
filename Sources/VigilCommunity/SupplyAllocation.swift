public import VigilSurveillance

/// The division of one item's supply — a shipment, or a depot's stock above its reserve floor —
/// across communities by unmet need and risk level, with the reason for every share.
///
/// **The rule: weighted max-min fairness (water-filling) over unmet need.**
/// - Each community claims its unmet need `n_i` (for a stock: ``SupplyStock/unmetNeed``, the
///   need minus what it has above its own reserve floor) with weight `w_i` from its risk level
///   (``Weights``: low 1, medium 2, high 4 by default).
/// - The supply `S` is what the source can give without going below its reserve floor
///   (``SupplyStock/available``), or the whole shipment.
/// - If `S ≥ Σ n_i`, every need is met and `S − Σ n_i` is ``remaining``. Otherwise a level `λ` is
///   raised until the supply is used up: community `i` gets `min(n_i, w_i·λ)`. No one gets more
///   than its need; a community below its need is never further below another's weighted level
///   (`q_i / w_i`) than rounding allows; and the smallest weighted shares are as large as they
///   can be.
/// - Whole units: shares are rounded down and the units left over (fewer than the communities
///   below their need) go one each to the largest fractional parts, ties to the earlier
///   jurisdiction path. So the total allocated is exactly `min(S, Σ n_i)`.
/// - The result does not depend on the order of the claims. Multi-item allocation is one
///   allocation per item. The algorithm is O(n log n) per item.
///
/// Each ``Share`` says what limited it (``Limit``) and why, in words (``Share/reason``).
public struct SupplyAllocation: Sendable, Hashable, Codable {
    /// The weight of each risk level: how many times a low-risk community's share per unit of
    /// unmet need a community at that level gets.
    public struct Weights: Sendable, Hashable, Codable {
        public let low: Int
        public let medium: Int
        public let high: Int

        /// Low 1, medium 2, high 4.
        public static let standard = try! Weights(low: 1, medium: 2, high: 4)

        /// - Throws: ``CommunityError/Code/invalidField`` (field `weights`) unless each weight is
        ///   in 1...1000.
        public init(low: Int, medium: Int, high: Int) throws {
            for (name, weight) in [("low", low), ("medium", medium), ("high", high)] where !(1...1000).contains(weight) {
                throw CommunityError(.invalidField, "the \(name)-risk weight \(weight) is outside 1...1000", field: "weights")
            }
            self.low = low
            self.medium = medium
            self.high = high
        }

        /// The weight of `risk`.
        public func weight(for risk: RiskLevel) -> Int {
            switch risk {
            case .low: low
            case .medium: medium
            case .high: high
            }
        }

        private enum CodingKeys: String, CodingKey { case low, medium, high }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try self.init(
                low: try c.decode(Int.self, forKey: .low), medium: try c.decode(Int.self, forKey: .medium),
                high: try c.decode(Int.self, forKey: .high))
        }
    }

    /// What one community asks for.
    public struct Claim: Sendable, Hashable, Codable {
        /// A path at the community level.
        public let community: JurisdictionPath
        /// Unmet need in units (0 allowed).
        public let need: Int
        public let risk: RiskLevel

        /// - Throws: ``CommunityError/Code/invalidField`` when `community` is not at the
        ///   community level (field `community`) or the need is outside 0...1,000,000,000
        ///   (field `need`).
        public init(community: JurisdictionPath, need: Int, risk: RiskLevel) throws {
            _ = try SupplySite.validCommunity(community)
            try SupplyQuantity.require(need, atLeast: 0, field: "need")
            self.community = community
            self.need = need
            self.risk = risk
        }

        /// A community stock's unmet need at `risk`.
        /// - Throws: ``CommunityError/Code/invalidField`` (field `site`) for a depot's stock.
        public init(stock: SupplyStock, risk: RiskLevel) throws {
            guard let community = stock.site.community else {
                throw CommunityError(.invalidField, "\(stock.site) is not a community", field: "site")
            }
            try self.init(community: community, need: stock.unmetNeed, risk: risk)
        }

        private enum CodingKeys: String, CodingKey { case community, need, risk }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try self.init(
                community: try c.decode(JurisdictionPath.self, forKey: .community), need: try c.decode(Int.self, forKey: .need),
                risk: try c.decode(RiskLevel.self, forKey: .risk))
        }
    }

    /// What limited a community's share.
    public enum Limit: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// It had no unmet need.
        case noNeed
        /// It got its whole unmet need (its weighted fair share reached it, or rounding up did).
        case needMet
        /// It got its weighted fair share `w·λ` (rounded), below its need: the supply was short.
        case fairShare
        /// Its fair share rounded to nothing: the supply ran out before it.
        case supplyExhausted

        public var description: String { rawValue }
    }

    /// One community's part.
    public struct Share: Sendable, Hashable, Codable {
        public let community: JurisdictionPath
        public let risk: RiskLevel
        public let weight: Int
        /// Unmet need claimed.
        public let need: Int
        /// Units allocated.
        public let quantity: Int
        /// The weighted fair share `w·λ` before rounding, or nil when the supply covered every
        /// need.
        public let fairShare: Double?
        /// Whether the share got one of the leftover units of rounding.
        public let roundedUp: Bool
        public let limit: Limit

        /// Creates the value from its parts (an allocation's result).
        public init(
            community: JurisdictionPath, risk: RiskLevel, weight: Int, need: Int, quantity: Int, fairShare: Double?, roundedUp: Bool,
            limit: Limit
        ) {
            self.community = community
            self.risk = risk
            self.weight = weight
            self.need = need
            self.quantity = quantity
            self.fairShare = fairShare
            self.roundedUp = roundedUp
            self.limit = limit
        }

        /// Why the community got ``quantity``, in words.
        public var reason: String {
            let who = "\(risk) risk, weight \(weight)"
            let share = fairShare.map {
                "weighted fair share \(weight) × \(formatTwoDecimals($0 / Double(weight))) = \(formatTwoDecimals($0))"
            }
            switch limit {
            case .noNeed:
                return "no unmet need (\(who))"
            case .needMet:
                guard let share else { return "unmet need of \(need) met in full: the supply covers every need (\(who))" }
                if roundedUp {
                    return "unmet need of \(need) met in full: its \(share), rounded up by largest remainder (\(who))"
                }
                return "unmet need of \(need) met in full, within its \(share) (\(who))"
            case .fairShare:
                let rounding =
                    roundedUp
                    ? ", rounded up to \(quantity) by largest remainder"
                    : fairShare == Double(quantity) ? "" : ", rounded down to \(quantity)"
                return "\(share ?? "weighted fair share") of unmet need \(need)\(rounding): the supply is short (\(who))"
            case .supplyExhausted:
                return "supply exhausted: \(share ?? "weighted fair share") of unmet need \(need) rounds down to 0 and the "
                    + "leftover units went to larger remainders, then earlier paths (\(who))"
            }
        }

        private enum CodingKeys: String, CodingKey {
            case community, risk, weight, need, quantity, fairShare, roundedUp, limit, reason
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                community: try c.decode(JurisdictionPath.self, forKey: .community), risk: try c.decode(RiskLevel.self, forKey: .risk),
                weight: try c.decode(Int.self, forKey: .weight), need: try c.decode(Int.self, forKey: .need),
                quantity: try c.decode(Int.self, forKey: .quantity), fairShare: try c.decodeIfPresent(Double.self, forKey: .fairShare),
                roundedUp: try c.decode(Bool.self, forKey: .roundedUp), limit: try c.decode(Limit.self, forKey: .limit))
        }

        /// Encodes the fields and the ``reason``.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(community, forKey: .community)
            try c.encode(risk, forKey: .risk)
            try c.encode(weight, forKey: .weight)
            try c.encode(need, forKey: .need)
            try c.encode(quantity, forKey: .quantity)
            try c.encodeIfPresent(fairShare, forKey: .fairShare)
            try c.encode(roundedUp, forKey: .roundedUp)
            try c.encode(limit, forKey: .limit)
            try c.encode(reason, forKey: .reason)
        }
    }

    public let id: SupplyAllocationID
    public let item: SupplyItemID
    /// Where the units come from, or nil for a shipment from outside.
    public let source: SupplySite?
    /// Units to divide.
    public let supply: Int
    public let weights: Weights
    /// The level `λ` (units per unit of weight), or nil when the supply covered every need.
    public let level: Double?
    /// One share per claim, in jurisdiction path order.
    public let shares: [Share]

    /// Units allocated: `min(supply, Σ need)`.
    public var allocated: Int { shares.reduce(0) { $0 + $1.quantity } }
    /// Units of the supply left over.
    public var remaining: Int { supply - allocated }
    /// Total unmet need claimed.
    public var totalNeed: Int { shares.reduce(0) { $0 + $1.need } }

    /// A one-line account of the allocation.
    public var summary: String {
        let from = source.map { " from \($0)" } ?? ""
        let at = level.map { "at a level of \(formatTwoDecimals($0)) units per unit of weight" } ?? "meeting every need"
        return "allocated \(allocated) of \(supply) units of \(item)\(from) across \(shares.count) communities with unmet need "
            + "\(totalNeed), \(at)"
    }

    /// Divides `supply` units over `claims` by the rule above.
    /// - Parameters:
    ///   - supply: the units to divide (already net of the source's reserve floor).
    ///   - source: where they come from, recorded for the explanation.
    ///   - claims: one per community, in any order.
    /// - Throws: ``CommunityError/Code/invalidField`` for a supply outside 0...1,000,000,000
    ///   (field `supply`) or a community claimed twice (field `community`).
    public init(
        id: SupplyAllocationID, item: SupplyItemID, supply: Int, source: SupplySite? = nil, claims: [Claim],
        weights: Weights = .standard
    ) throws {
        try SupplyQuantity.require(supply, atLeast: 0, field: "supply")
        let sorted = try Self.sortedByPath(claims)
        let weightOf = sorted.map { weights.weight(for: $0.risk) }
        let filling = WaterFilling(supply: supply, caps: sorted.map(\.need), weights: weightOf)
        let level = filling.level.map { Double($0.numerator) / Double($0.denominator) }
        // w·S'/W' in one division, so that a whole fair share is exactly whole.
        let fairShare = { (weight: Int) in filling.level.map { Double(weight * $0.numerator) / Double($0.denominator) } }
        var shares: [Share] = []
        shares.reserveCapacity(sorted.count)
        for (i, claim) in sorted.enumerated() {
            let quantity = filling.quantities[i]
            let limit: Limit =
                claim.need == 0 ? .noNeed : quantity == claim.need ? .needMet : quantity == 0 ? .supplyExhausted : .fairShare
            shares.append(
                Share(
                    community: claim.community, risk: claim.risk, weight: weightOf[i], need: claim.need, quantity: quantity,
                    fairShare: fairShare(weightOf[i]), roundedUp: filling.roundedUp[i], limit: limit))
        }
        self.id = id
        self.item = item
        self.source = source
        self.supply = supply
        self.weights = weights
        self.level = level
        self.shares = shares
    }

    /// Divides what `source` has above its reserve floor (``SupplyStock/available``) over the
    /// unmet needs of `communities`.
    /// - Parameter risk: each community's risk level.
    /// - Throws: ``CommunityError/Code/invalidField`` when a stock is of another item (field
    ///   `item`), is not a community's or is the source (field `site`), or a community has no
    ///   risk level (field `risk`); as ``init(id:item:supply:source:claims:weights:)``.
    public init(
        id: SupplyAllocationID, from source: SupplyStock, to communities: [SupplyStock], risk: [JurisdictionPath: RiskLevel],
        weights: Weights = .standard
    ) throws {
        if communities.contains(where: { $0.site == source.site }) {
            throw CommunityError(.invalidField, "\(source.site) cannot allocate to itself", field: "site")
        }
        try self.init(
            id: id, item: source.item, supply: source.available, source: source.site,
            claims: try Self.claims(item: source.item, stocks: communities, risk: risk), weights: weights)
    }

    /// The claims of community stocks of `item`.
    /// - Throws: as ``init(id:from:to:risk:weights:)``.
    public static func claims(item: SupplyItemID, stocks: [SupplyStock], risk: [JurisdictionPath: RiskLevel]) throws -> [Claim] {
        try stocks.map { stock in
            guard stock.item == item else {
                throw CommunityError(.invalidField, "a stock of \(stock.item) in an allocation of \(item)", field: "item")
            }
            guard let community = stock.site.community else {
                throw CommunityError(.invalidField, "\(stock.site) is not a community", field: "site")
            }
            guard let level = risk[community] else {
                throw CommunityError(.invalidField, "no risk level for \(community)", field: "risk")
            }
            return try Claim(stock: stock, risk: level)
        }
    }

    /// Claims in path order (comparing each path's text once).
    /// - Throws: ``CommunityError/Code/invalidField`` (field `community`) for a duplicate.
    static func sortedByPath<Element>(_ elements: [Element], path: (Element) -> JurisdictionPath) throws -> [Element] {
        let keys = elements.map { path($0).description }
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        for (a, b) in zip(order, order.dropFirst()) where keys[a] == keys[b] {
            throw CommunityError(.invalidField, "\(keys[a]) appears twice", field: "community")
        }
        return order.map { elements[$0] }
    }

    static func sortedByPath(_ claims: [Claim]) throws -> [Claim] { try sortedByPath(claims, path: \.community) }
}
