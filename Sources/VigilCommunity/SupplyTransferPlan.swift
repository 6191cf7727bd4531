public import VigilSurveillance

/// Transfers of one item between communities: from surpluses over need to unmet needs, by the
/// same weighted max-min fairness as ``SupplyAllocation``.
///
/// **The rule.** For each community, with `a` = what it has above its reserve floor
/// (``SupplyStock/available``) and `n` its need: its surplus is `max(0, a − n)`, its deficit
/// `max(0, n − a)`. A reserve floor is never given away.
/// - The units moved are `T = min(Σ surplus, Σ deficit)`.
/// - **Recipients** divide `T` over their deficits exactly as ``SupplyAllocation`` divides a
///   supply (weights by risk level).
/// - **Donors** keep what they can: what each keeps of its surplus is the max-min fair division
///   of `Σ surplus − T` over the surpluses with the same risk weights (a high-risk donor keeps
///   more), and it gives the rest. So the largest surpluses give first and no donor is drained
///   while another keeps more than its weighted level.
/// - **Legs**: donors and recipients are each taken in jurisdiction path order and matched
///   greedily (the first donor fills the first recipient, then the next …), which keeps
///   neighbouring communities together and makes at most `donors + recipients − 1` transfers.
///
/// The result does not depend on the order of the positions.
public struct SupplyTransferPlan: Sendable, Hashable, Codable {
    /// One community's standing in the item.
    public struct Position: Sendable, Hashable, Codable {
        /// A path at the community level.
        public let community: JurisdictionPath
        /// Units on hand above its reserve floor.
        public let available: Int
        /// Units it needs available.
        public let need: Int
        public let risk: RiskLevel

        /// - Throws: ``CommunityError/Code/invalidField`` when `community` is not at the
        ///   community level (field `community`) or a quantity is outside 0...1,000,000,000
        ///   (field `available` or `need`).
        public init(community: JurisdictionPath, available: Int, need: Int, risk: RiskLevel) throws {
            _ = try SupplySite.validCommunity(community)
            try SupplyQuantity.require(available, atLeast: 0, field: "available")
            try SupplyQuantity.require(need, atLeast: 0, field: "need")
            self.community = community
            self.available = available
            self.need = need
            self.risk = risk
        }

        /// A community stock's position at `risk`.
        /// - Throws: ``CommunityError/Code/invalidField`` (field `site`) for a depot's stock.
        public init(stock: SupplyStock, risk: RiskLevel) throws {
            guard let community = stock.site.community else {
                throw CommunityError(.invalidField, "\(stock.site) is not a community", field: "site")
            }
            try self.init(community: community, available: stock.available, need: stock.need, risk: risk)
        }

        /// `max(0, available − need)`.
        public var surplus: Int { max(0, available - need) }
        /// `max(0, need − available)`.
        public var deficit: Int { max(0, need - available) }

        private enum CodingKeys: String, CodingKey { case community, available, need, risk }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try self.init(
                community: try c.decode(JurisdictionPath.self, forKey: .community),
                available: try c.decode(Int.self, forKey: .available), need: try c.decode(Int.self, forKey: .need),
                risk: try c.decode(RiskLevel.self, forKey: .risk))
        }
    }

    /// What one donor gives.
    public struct Donation: Sendable, Hashable, Codable {
        /// What decided the gift.
        public enum Limit: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
            /// No community has an unmet need: it keeps its surplus.
            case nothingNeeded
            /// The unmet needs take every surplus: it gives all of its own.
            case givesAll
            /// It keeps its weighted share of what stays with donors and gives the rest.
            case keepsShare
            /// Its surplus is within its weighted share of what stays with donors: it gives nothing.
            case keepsAll

            public var description: String { rawValue }
        }

        public let community: JurisdictionPath
        public let risk: RiskLevel
        public let weight: Int
        /// Its surplus over need.
        public let surplus: Int
        /// Units it gives.
        public let quantity: Int
        /// Its weighted share of the surplus that stays with donors, before rounding, when some
        /// but not all of the surplus moves.
        public let keptShare: Double?
        public let limit: Limit

        /// Creates the value from its parts (a plan's result).
        public init(
            community: JurisdictionPath, risk: RiskLevel, weight: Int, surplus: Int, quantity: Int, keptShare: Double?, limit: Limit
        ) {
            self.community = community
            self.risk = risk
            self.weight = weight
            self.surplus = surplus
            self.quantity = quantity
            self.keptShare = keptShare
            self.limit = limit
        }

        /// Why the community gives ``quantity``, in words.
        public var reason: String {
            let who = "\(risk) risk, weight \(weight)"
            switch limit {
            case .nothingNeeded:
                return "keeps its surplus of \(surplus): no community has an unmet need (\(who))"
            case .givesAll:
                return "gives its whole surplus of \(surplus): the unmet needs exceed all surpluses (\(who))"
            case .keepsShare:
                let share = keptShare ?? 0
                let level = formatTwoDecimals(share / Double(weight))
                return "gives \(quantity) of its surplus of \(surplus), keeping \(surplus - quantity): its weighted share "
                    + "\(weight) × \(level) = \(formatTwoDecimals(share)) of the surplus that stays with donors (\(who))"
            case .keepsAll:
                return
                    "keeps its whole surplus of \(surplus), within its weighted share of the surplus that stays with donors (\(who))"
            }
        }

        private enum CodingKeys: String, CodingKey { case community, risk, weight, surplus, quantity, keptShare, limit, reason }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                community: try c.decode(JurisdictionPath.self, forKey: .community), risk: try c.decode(RiskLevel.self, forKey: .risk),
                weight: try c.decode(Int.self, forKey: .weight), surplus: try c.decode(Int.self, forKey: .surplus),
                quantity: try c.decode(Int.self, forKey: .quantity), keptShare: try c.decodeIfPresent(Double.self, forKey: .keptShare),
                limit: try c.decode(Limit.self, forKey: .limit))
        }

        /// Encodes the fields and the ``reason``.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(community, forKey: .community)
            try c.encode(risk, forKey: .risk)
            try c.encode(weight, forKey: .weight)
            try c.encode(surplus, forKey: .surplus)
            try c.encode(quantity, forKey: .quantity)
            try c.encodeIfPresent(keptShare, forKey: .keptShare)
            try c.encode(limit, forKey: .limit)
            try c.encode(reason, forKey: .reason)
        }
    }

    /// One leg: units from a donor to a recipient.
    public struct Transfer: Sendable, Hashable, Codable {
        public let from: JurisdictionPath
        public let to: JurisdictionPath
        public let quantity: Int

        /// Creates the value from its parts (a plan's result).
        public init(from: JurisdictionPath, to: JurisdictionPath, quantity: Int) {
            self.from = from
            self.to = to
            self.quantity = quantity
        }
    }

    public let id: SupplyAllocationID
    public let item: SupplyItemID
    public let weights: SupplyAllocation.Weights
    /// Communities with a surplus, in path order.
    public let donations: [Donation]
    /// Communities with a deficit and their shares of the units moved, in path order (the
    /// ``SupplyAllocation/Share/reason`` explains each).
    public let receipts: [SupplyAllocation.Share]
    /// The legs, in donor then recipient path order.
    public let transfers: [Transfer]

    /// Units moved: `min(Σ surplus, Σ deficit)`.
    public var moved: Int { transfers.reduce(0) { $0 + $1.quantity } }

    /// Plans transfers among `positions` by the rule above.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `community`) for a community listed
    ///   twice.
    public init(id: SupplyAllocationID, item: SupplyItemID, positions: [Position], weights: SupplyAllocation.Weights = .standard)
        throws
    {
        let sorted = try SupplyAllocation.sortedByPath(positions, path: \.community)
        let donors = sorted.filter { $0.surplus > 0 }
        let recipients = sorted.filter { $0.deficit > 0 }
        let totalSurplus = donors.reduce(0) { $0 + $1.surplus }
        let totalDeficit = recipients.reduce(0) { $0 + $1.deficit }
        let moved = min(totalSurplus, totalDeficit)

        let receiving = try SupplyAllocation(
            id: id, item: item, supply: moved,
            claims: try recipients.map { try SupplyAllocation.Claim(community: $0.community, need: $0.deficit, risk: $0.risk) },
            weights: weights)

        let donorWeights = donors.map { weights.weight(for: $0.risk) }
        let keeping = WaterFilling(supply: totalSurplus - moved, caps: donors.map(\.surplus), weights: donorWeights)
        var donations: [Donation] = []
        donations.reserveCapacity(donors.count)
        for (i, donor) in donors.enumerated() {
            let given = donor.surplus - keeping.quantities[i]
            let limit: Donation.Limit =
                moved == 0 ? .nothingNeeded : moved == totalSurplus ? .givesAll : keeping.capped[i] ? .keepsAll : .keepsShare
            let keptShare = keeping.level.map { Double(donorWeights[i] * $0.numerator) / Double($0.denominator) }
            donations.append(
                Donation(
                    community: donor.community, risk: donor.risk, weight: donorWeights[i], surplus: donor.surplus, quantity: given,
                    keptShare: limit == .keepsShare || limit == .keepsAll ? keptShare : nil, limit: limit))
        }

        // Greedy matching in path order: donors' gifts against recipients' receipts.
        var transfers: [Transfer] = []
        let gifts = donations.filter { $0.quantity > 0 }
        let takes = receiving.shares.filter { $0.quantity > 0 }
        var d = 0
        var r = 0
        var giftLeft = gifts.first?.quantity ?? 0
        var takeLeft = takes.first?.quantity ?? 0
        while d < gifts.count && r < takes.count {
            let quantity = min(giftLeft, takeLeft)
            transfers.append(Transfer(from: gifts[d].community, to: takes[r].community, quantity: quantity))
            giftLeft -= quantity
            takeLeft -= quantity
            if giftLeft == 0 {
                d += 1
                giftLeft = d < gifts.count ? gifts[d].quantity : 0
            }
            if takeLeft == 0 {
                r += 1
                takeLeft = r < takes.count ? takes[r].quantity : 0
            }
        }
        self.id = id
        self.item = item
        self.weights = weights
        self.donations = donations
        self.receipts = receiving.shares
        self.transfers = transfers
    }

    /// Plans transfers among community stocks of one item.
    /// - Parameter risk: each community's risk level.
    /// - Throws: ``CommunityError/Code/invalidField`` when the stocks are of different items
    ///   (field `item`), one is not a community's (field `site`) or a community has no risk level
    ///   (field `risk`); as ``init(id:item:positions:weights:)``.
    public init(
        id: SupplyAllocationID, item: SupplyItemID, stocks: [SupplyStock], risk: [JurisdictionPath: RiskLevel],
        weights: SupplyAllocation.Weights = .standard
    ) throws {
        let positions = try stocks.map { stock in
            guard stock.item == item else {
                throw CommunityError(.invalidField, "a stock of \(stock.item) in transfers of \(item)", field: "item")
            }
            guard let community = stock.site.community else {
                throw CommunityError(.invalidField, "\(stock.site) is not a community", field: "site")
            }
            guard let level = risk[community] else {
                throw CommunityError(.invalidField, "no risk level for \(community)", field: "risk")
            }
            return try Position(stock: stock, risk: level)
        }
        try self.init(id: id, item: item, positions: positions, weights: weights)
    }
}
