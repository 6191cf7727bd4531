import Foundation
import Testing
import VigilCommunity
import VigilSurveillance

/// Allocation and transfers: known cases, then random instances against a slow reference.
@Suite struct SupplyAllocationTests {
    static let n95 = try! SupplyItemID("n95")
    static let allocationID = try! SupplyAllocationID("alloc-1")

    func claim(_ code: String, _ need: Int, _ risk: RiskLevel) throws -> SupplyAllocation.Claim {
        try SupplyAllocation.Claim(community: community(code), need: need, risk: risk)
    }

    func allocate(_ supply: Int, _ claims: [SupplyAllocation.Claim], weights: SupplyAllocation.Weights = .standard) throws
        -> SupplyAllocation
    {
        try SupplyAllocation(id: Self.allocationID, item: Self.n95, supply: supply, claims: claims, weights: weights)
    }

    func quantities(_ allocation: SupplyAllocation) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: allocation.shares.map { ($0.community.components.last!, $0.quantity) })
    }

    // MARK: Known cases

    @Test func needsBelowTheirWeightedLevelAreMetAndTheRestShareTheLevel() throws {
        let a = try allocate(
            100, [claim("c03", 40, .low), claim("c01", 50, .high), claim("c04", 0, .low), claim("c02", 30, .medium)])
        // Level 20: c01 (high, 4 × 20 = 80 ≥ 50) and c02 (medium, 2 × 20 = 40 ≥ 30) are met; c03 gets 1 × 20.
        #expect(quantities(a) == ["c01": 50, "c02": 30, "c03": 20, "c04": 0])
        #expect(a.shares.map(\.limit) == [.needMet, .needMet, .fairShare, .noNeed])
        #expect(a.shares.map(\.community.description) == ["sz/ft/xl/c01", "sz/ft/xl/c02", "sz/ft/xl/c03", "sz/ft/xl/c04"])
        #expect(a.level == 20 && a.allocated == 100 && a.remaining == 0 && a.totalNeed == 120)
        #expect(
            a.shares[0].reason
                == "unmet need of 50 met in full, within its weighted fair share 4 × 20.00 = 80.00 (high risk, weight 4)")
        #expect(
            a.shares[2].reason == "weighted fair share 1 × 20.00 = 20.00 of unmet need 40: the supply is short (low risk, weight 1)")
        #expect(a.shares[3].reason == "no unmet need (low risk, weight 1)")
        #expect(
            a.summary
                == "allocated 100 of 100 units of n95 across 4 communities with unmet need 120, at a level of 20.00 units per unit of weight"
        )
    }

    @Test func leftoverUnitsGoToTheLargestRemainders() throws {
        let a = try allocate(10, [claim("c01", 100, .high), claim("c02", 100, .medium), claim("c03", 100, .low)])
        // λ = 10/7: 5.71, 2.86, 1.43 → 5, 2, 1 and two leftover units to c02 (0.86) and c01 (0.71).
        #expect(quantities(a) == ["c01": 6, "c02": 3, "c03": 1])
        #expect(a.shares.map(\.roundedUp) == [true, true, false])
        #expect(a.shares.map(\.limit) == [.fairShare, .fairShare, .fairShare])
        #expect(
            a.shares[1].reason
                == "weighted fair share 2 × 1.43 = 2.86 of unmet need 100, rounded up to 3 by largest remainder: the supply is short (medium risk, weight 2)"
        )
        #expect(a.shares[2].reason.contains("rounded down to 1"))
    }

    @Test func equalRemaindersGoToTheEarlierPathWhateverTheInputOrder() throws {
        let claims = [try claim("c02", 5, .low), try claim("c01", 5, .low)]
        let a = try allocate(1, claims)
        #expect(a == (try allocate(1, claims.reversed())))
        #expect(quantities(a) == ["c01": 1, "c02": 0])
        #expect(a.shares.map(\.limit) == [.fairShare, .supplyExhausted])
        #expect(a.shares[1].reason.hasPrefix("supply exhausted: weighted fair share 1 × 0.50 = 0.50 of unmet need 5 rounds down to 0"))
    }

    @Test func aSupplyThatCoversEveryNeedMeetsThemAndKeepsTheRest() throws {
        let a = try allocate(500, [claim("c01", 50, .low), claim("c02", 30, .high)])
        #expect(quantities(a) == ["c01": 50, "c02": 30] && a.remaining == 420 && a.level == nil)
        #expect(a.shares.allSatisfy { $0.limit == .needMet && $0.fairShare == nil })
        #expect(a.shares[0].reason == "unmet need of 50 met in full: the supply covers every need (low risk, weight 1)")
        let none = try allocate(0, [claim("c01", 50, .low)])
        #expect(none.allocated == 0 && none.shares[0].limit == .supplyExhausted)
        #expect(try allocate(7, []).allocated == 0)
    }

    @Test func weightsAreConfigurable() throws {
        let claims = [try claim("c01", 100, .high), try claim("c02", 100, .low)]
        #expect(quantities(try allocate(10, claims)) == ["c01": 8, "c02": 2])
        let flat = try SupplyAllocation.Weights(low: 1, medium: 1, high: 1)
        #expect(quantities(try allocate(10, claims, weights: flat)) == ["c01": 5, "c02": 5])
        #expect(communityError { _ = try SupplyAllocation.Weights(low: 0, medium: 2, high: 4) }?.field == "weights")
        #expect(communityError { _ = try SupplyAllocation.Weights(low: 1, medium: 2, high: 1_001) }?.field == "weights")
        let bad = Data(#"{"low":1,"medium":-2,"high":4}"#.utf8)
        #expect(communityError { _ = try JSONDecoder().decode(SupplyAllocation.Weights.self, from: bad) }?.field == "weights")
    }

    @Test func badClaimsAndSuppliesNameTheirField() throws {
        #expect(communityError { _ = try claim("c01", -1, .low) }?.field == "need")
        #expect(
            communityError { _ = try SupplyAllocation.Claim(community: household("h1"), need: 1, risk: .low) }?.field == "community")
        #expect(communityError { _ = try allocate(-1, []) }?.field == "supply")
        #expect(communityError { _ = try allocate(5, [claim("c01", 1, .low), claim("c01", 2, .high)]) }?.field == "community")
        let grid = Data(#"{"community":"sz/ft/xl/c07/g1","need":3,"risk":1}"#.utf8)
        #expect(communityError { _ = try JSONDecoder().decode(SupplyAllocation.Claim.self, from: grid) }?.field == "community")
    }

    @Test func aDepotGivesOnlyWhatIsAboveItsReserveFloorAndCommunitiesCountOnlyTheirReserveAboveTheirs() throws {
        let depotSite = SupplySite.depot(place("depot.futian"))
        var depot = try SupplyStock(site: depotSite, item: Self.n95)
        try depot.receive(80, by: "a", at: day0)
        try depot.receive(50, into: .reserve, by: "a", at: day0)
        try depot.setReserveFloor(60, by: "a", at: day0)
        var c01 = try SupplyStock(site: .community(community("c01")), item: Self.n95)
        try c01.receive(20, by: "a", at: day0)
        try c01.receive(15, into: .reserve, by: "a", at: day0)
        try c01.setReserveFloor(10, by: "a", at: day0)
        try c01.declareNeed(100, neededBy: march1, by: "a", at: day0)
        var c02 = try SupplyStock(site: .community(community("c02")), item: Self.n95)
        try c02.declareNeed(40, neededBy: march1, by: "a", at: day0)
        var c03 = try SupplyStock(site: .community(community("c03")), item: Self.n95)
        try c03.receive(30, by: "a", at: day0)
        try c03.declareNeed(10, neededBy: march1, by: "a", at: day0)
        let risk = [community("c01"): RiskLevel.high, community("c02"): .low, community("c03"): .medium]

        let a = try SupplyAllocation(id: Self.allocationID, from: depot, to: [c03, c01, c02], risk: risk)
        // 130 on hand − floor 60 = 70; c01 claims 100 − (20 + 15 − 10) = 75 at weight 4, c02 40 at weight 1: λ = 14.
        #expect(a.supply == 70 && a.source == depotSite && a.level == 14)
        #expect(quantities(a) == ["c01": 56, "c02": 14, "c03": 0])
        #expect(a.shares.map(\.need) == [75, 40, 0])
        #expect(a.summary.contains("from depot depot.futian"))
        // Shipping it all leaves the depot exactly at its floor.
        for share in a.shares where share.quantity > 0 {
            var to = [c01, c02].first { $0.site == .community(share.community) }!
            try SupplyStock.transfer(share.quantity, from: &depot, to: &to, by: "driver", at: day0 + 1, reference: "alloc-1")
        }
        #expect(depot.onHand == 60 && depot.available == 0)

        var missingRisk = risk
        missingRisk[community("c02")] = nil
        #expect(
            communityError { _ = try SupplyAllocation(id: Self.allocationID, from: depot, to: [c02], risk: missingRisk) }?.field
                == "risk")
        #expect(
            communityError { _ = try SupplyAllocation(id: Self.allocationID, from: depot, to: [depot], risk: risk) }?.field == "site")
        let otherDepot = try SupplyStock(site: .depot(place("depot.luohu")), item: Self.n95)
        #expect(
            communityError { _ = try SupplyAllocation(id: Self.allocationID, from: depot, to: [otherDepot], risk: risk) }?.field
                == "site")
        let rice = try SupplyStock(site: .community(community("c01")), item: SupplyItemID("rice"))
        #expect(
            communityError { _ = try SupplyAllocation(id: Self.allocationID, from: depot, to: [rice], risk: risk) }?.field == "item")
    }

    @Test func allocationsRoundTripThroughJSONWithTheirReasons() throws {
        let a = try allocate(10, [claim("c01", 100, .high), claim("c02", 100, .medium), claim("c03", 0, .low)])
        let data = try JSONEncoder().encode(a)
        #expect(try JSONDecoder().decode(SupplyAllocation.self, from: data) == a)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let shares = object["shares"] as! [[String: Any]]
        #expect(shares.map { $0["reason"] as? String } == a.shares.map(\.reason))
    }

    // MARK: Transfers

    func position(_ code: String, available: Int, need: Int, _ risk: RiskLevel) throws -> SupplyTransferPlan.Position {
        try SupplyTransferPlan.Position(community: community(code), available: available, need: need, risk: risk)
    }

    @Test func transfersMoveSurplusToDeficitsAndTheLargestSurplusesGiveFirst() throws {
        let positions = [
            try position("c05", available: 50, need: 40, .high),
            try position("c01", available: 100, need: 20, .low),
            try position("c03", available: 0, need: 30, .high),
            try position("c02", available: 10, need: 10, .low),
            try position("c04", available: 5, need: 25, .low),
        ]
        let plan = try SupplyTransferPlan(id: Self.allocationID, item: Self.n95, positions: positions)
        #expect(plan == (try SupplyTransferPlan(id: Self.allocationID, item: Self.n95, positions: positions.reversed())))
        #expect(plan.moved == 50)
        #expect(plan.receipts.map { "\($0.community.components.last!)=\($0.quantity)" } == ["c03=30", "c04=20"])
        #expect(plan.receipts.allSatisfy { $0.limit == .needMet })
        // 40 of the 90 surplus stays with donors: c05 (high, 4 × 30 ≥ 10) keeps its 10, c01 keeps 30 and gives 50.
        #expect(plan.donations.map { "\($0.community.components.last!)=\($0.quantity)" } == ["c01=50", "c05=0"])
        #expect(
            plan.donations[0].reason
                == "gives 50 of its surplus of 80, keeping 30: its weighted share 1 × 30.00 = 30.00 of the surplus that stays with donors (low risk, weight 1)"
        )
        #expect(plan.donations[1].reason.hasPrefix("keeps its whole surplus of 10"))
        #expect(
            plan.transfers == [
                SupplyTransferPlan.Transfer(from: community("c01"), to: community("c03"), quantity: 30),
                SupplyTransferPlan.Transfer(from: community("c01"), to: community("c04"), quantity: 20),
            ])
        #expect(try JSONDecoder().decode(SupplyTransferPlan.self, from: JSONEncoder().encode(plan)) == plan)
    }

    @Test func whenDeficitsExceedSurplusesEveryDonorGivesItAll() throws {
        let plan = try SupplyTransferPlan(
            id: Self.allocationID, item: Self.n95,
            positions: [
                position("c01", available: 15, need: 5, .low), position("c02", available: 8, need: 0, .high),
                position("c03", available: 0, need: 20, .high), position("c04", available: 0, need: 20, .low),
            ])
        #expect(plan.moved == 18 && plan.donations.map(\.quantity) == [10, 8])
        #expect(plan.donations[0].reason.hasPrefix("gives its whole surplus of 10"))
        // 18 over deficits 20 (w4) and 20 (w1): λ = 3.6 → 14.4, 3.6 → 14, 3, and one leftover to c04 (0.6 > 0.4).
        #expect(plan.receipts.map(\.quantity) == [14, 4])
        #expect(plan.transfers.map(\.quantity) == [10, 4, 4])
        let idle = try SupplyTransferPlan(
            id: Self.allocationID, item: Self.n95, positions: [position("c01", available: 15, need: 5, .low)])
        #expect(idle.moved == 0 && idle.transfers.isEmpty && idle.donations[0].reason.hasPrefix("keeps its surplus of 10"))
    }

    @Test func transferPlansFromStocksCheckTheirInputs() throws {
        var c01 = try SupplyStock(site: .community(community("c01")), item: Self.n95)
        try c01.receive(30, by: "a", at: day0)
        try c01.receive(10, into: .reserve, by: "a", at: day0)
        try c01.setReserveFloor(10, by: "a", at: day0)
        var c02 = try SupplyStock(site: .community(community("c02")), item: Self.n95)
        try c02.declareNeed(50, neededBy: march1, by: "a", at: day0)
        let risk = [community("c01"): RiskLevel.low, community("c02"): .medium]
        let plan = try SupplyTransferPlan(id: Self.allocationID, item: Self.n95, stocks: [c01, c02], risk: risk)
        // c01 gives its 30 regular units; its reserve floor of 10 stays.
        #expect(plan.transfers == [SupplyTransferPlan.Transfer(from: community("c01"), to: community("c02"), quantity: 30)])
        #expect(
            communityError { _ = try SupplyTransferPlan(id: Self.allocationID, item: Self.n95, stocks: [c01], risk: [:]) }?.field
                == "risk")
        let depot = try SupplyStock(site: .depot(place("depot.futian")), item: Self.n95)
        #expect(
            communityError { _ = try SupplyTransferPlan(id: Self.allocationID, item: Self.n95, stocks: [depot], risk: risk) }?.field
                == "site")
        #expect(
            communityError {
                _ = try SupplyTransferPlan(id: Self.allocationID, item: SupplyItemID("rice"), stocks: [c01], risk: risk)
            }?.field == "item")
        #expect(communityError { _ = try position("c01", available: -1, need: 0, .low) }?.field == "available")
        #expect(communityError { _ = try position("c01", available: 1, need: -1, .low) }?.field == "need")
        #expect(
            communityError {
                _ = try SupplyTransferPlan(
                    id: Self.allocationID, item: Self.n95,
                    positions: [position("c01", available: 1, need: 0, .low), position("c01", available: 0, need: 1, .low)])
            }?.field == "community")
    }

    // MARK: Random instances against the reference

    static let risks: [RiskLevel] = [.low, .medium, .high]

    func randomClaims(_ rng: inout SplitMix64, count: Int) throws -> [SupplyAllocation.Claim] {
        try (0..<count).map { i in
            let path = try JurisdictionPath(components: [
                "sz", "d\(Int.random(in: 0..<3, using: &rng))", "s\(Int.random(in: 0..<3, using: &rng))", "c\(i)",
            ])
            let scale = Int.random(in: 1...300, using: &rng)
            let need = Int.random(in: 0..<4, using: &rng) == 0 ? 0 : Int.random(in: 1...scale, using: &rng)
            return try SupplyAllocation.Claim(community: path, need: need, risk: Self.risks.randomElement(using: &rng)!)
        }
    }

    func randomWeights(_ rng: inout SplitMix64) throws -> SupplyAllocation.Weights {
        Bool.random(using: &rng)
            ? .standard
            : try SupplyAllocation.Weights(
                low: Int.random(in: 1...10, using: &rng), medium: Int.random(in: 1...10, using: &rng),
                high: Int.random(in: 1...10, using: &rng))
    }

    @Test func randomAllocationsMatchTheReferenceAndTheMaxMinConditions() throws {
        var rng = SplitMix64(state: 2_024)
        for round in 0..<400 {
            let claims = try randomClaims(&rng, count: Int.random(in: 0...30, using: &rng))
            let weights = try randomWeights(&rng)
            let totalNeed = claims.reduce(0) { $0 + $1.need }
            let supply = Int.random(in: 0...(totalNeed * 3 / 2 + 5), using: &rng)
            let a = try allocate(supply, claims, weights: weights)
            let context = Comment(rawValue: "round \(round), supply \(supply)")

            let expected = referenceAllocation(
                supply: supply, claims: claims.map { ($0.community.description, $0.need, weights.weight(for: $0.risk)) })
            #expect(Dictionary(uniqueKeysWithValues: a.shares.map { ($0.community.description, $0.quantity) }) == expected, context)

            #expect(a.allocated == min(supply, totalNeed), context)
            #expect(a.shares.map(\.community.description) == claims.map(\.community.description).sorted(), context)
            for s in a.shares {
                #expect(s.quantity >= 0 && s.quantity <= s.need, context)
                #expect(s.weight == weights.weight(for: s.risk))
                switch s.limit {
                case .noNeed: #expect(s.need == 0 && s.quantity == 0, context)
                case .needMet: #expect(s.need > 0 && s.quantity == s.need, context)
                case .fairShare: #expect(s.quantity > 0 && s.quantity < s.need, context)
                case .supplyExhausted: #expect(s.quantity == 0 && s.need > 0, context)
                }
                #expect(s.reason.contains("weight \(s.weight)"), context)
                #expect(
                    s.limit == .noNeed || s.reason.contains("unmet need \(s.need)") || s.reason.contains("unmet need of \(s.need)"),
                    context)
            }
            // Max-min: a community below its need is not further below anyone's weighted level
            // than one unit of rounding: (q_j − 1) / w_j < (q_i + 1) / w_i.
            for i in a.shares where i.quantity < i.need {
                for j in a.shares {
                    #expect((j.quantity - 1) * i.weight < (i.quantity + 1) * j.weight, context)
                }
            }
            var shuffled = claims
            shuffled.shuffle(using: &rng)
            #expect(try allocate(supply, shuffled, weights: weights) == a, context)
        }
    }

    @Test func randomTransferPlansBalanceAndKeepReserveFloors() throws {
        var rng = SplitMix64(state: 77)
        for round in 0..<300 {
            let weights = try randomWeights(&rng)
            let positions = try (0..<Int.random(in: 0...25, using: &rng)).map { i in
                try SupplyTransferPlan.Position(
                    community: JurisdictionPath(components: ["sz", "ft", "s\(Int.random(in: 0..<4, using: &rng))", "c\(i)"]),
                    available: Int.random(in: 0...200, using: &rng), need: Int.random(in: 0...200, using: &rng),
                    risk: Self.risks.randomElement(using: &rng)!)
            }
            let plan = try SupplyTransferPlan(id: Self.allocationID, item: Self.n95, positions: positions, weights: weights)
            let context = Comment(rawValue: "round \(round)")
            let donors = positions.filter { $0.surplus > 0 }
            let recipients = positions.filter { $0.deficit > 0 }
            let totalSurplus = donors.reduce(0) { $0 + $1.surplus }
            let moved = min(totalSurplus, recipients.reduce(0) { $0 + $1.deficit })
            #expect(plan.moved == moved, context)

            let receipts = referenceAllocation(
                supply: moved, claims: recipients.map { ($0.community.description, $0.deficit, weights.weight(for: $0.risk)) })
            #expect(
                Dictionary(uniqueKeysWithValues: plan.receipts.map { ($0.community.description, $0.quantity) }) == receipts, context)
            let kept = referenceAllocation(
                supply: totalSurplus - moved,
                claims: donors.map { ($0.community.description, $0.surplus, weights.weight(for: $0.risk)) })
            let given = Dictionary(
                uniqueKeysWithValues: donors.map { ($0.community.description, $0.surplus - kept[$0.community.description]!) })
            #expect(Dictionary(uniqueKeysWithValues: plan.donations.map { ($0.community.description, $0.quantity) }) == given, context)

            // Legs add up per donor and recipient, never draw below a need or reserve floor, and are few.
            var out: [String: Int] = [:]
            var into: [String: Int] = [:]
            for leg in plan.transfers {
                #expect(leg.quantity > 0, context)
                out[leg.from.description, default: 0] += leg.quantity
                into[leg.to.description, default: 0] += leg.quantity
            }
            #expect(out == given.filter { $0.value > 0 }, context)
            #expect(into == receipts.filter { $0.value > 0 }, context)
            #expect(plan.transfers.count <= max(0, out.count + into.count - 1), context)
            for p in positions {
                let after = p.available - (out[p.community.description] ?? 0) + (into[p.community.description] ?? 0)
                #expect(after >= 0 && (out[p.community.description] == nil || after >= p.need), context)
            }
            #expect(
                try SupplyTransferPlan(
                    id: Self.allocationID, item: Self.n95, positions: positions.shuffled(using: &rng), weights: weights) == plan,
                context)
        }
    }

    @Test func fiftyItemsOverAThousandCommunitiesAllocateQuickly() throws {
        var rng = SplitMix64(state: 50)
        let paths = try (0..<1_000).map { i in try JurisdictionPath(components: ["sz", "d\(i % 7)", "s\(i % 31)", "c\(i)"]) }
        var inputs: [(SupplyItemID, Int, [SupplyAllocation.Claim])] = []
        for item in 0..<50 {
            let claims = try paths.map { path in
                try SupplyAllocation.Claim(
                    community: path, need: Int.random(in: 0...5_000, using: &rng), risk: Self.risks.randomElement(using: &rng)!)
            }
            inputs.append((try SupplyItemID("item\(item)"), Int.random(in: 0...2_000_000, using: &rng), claims))
        }
        let clock = ContinuousClock()
        var allocations: [SupplyAllocation] = []
        let elapsed = try clock.measure {
            allocations = try inputs.map { item, supply, claims in
                try SupplyAllocation(id: Self.allocationID, item: item, supply: supply, claims: claims)
            }
        }
        for (allocation, input) in zip(allocations, inputs) {
            #expect(allocation.allocated == min(input.1, input.2.reduce(0) { $0 + $1.need }))
        }
        // The release goal is well under 100 ms (see the benchmark); a debug build on a shared
        // machine only has to stay clear of quadratic behaviour.
        #expect(elapsed < .seconds(10))
    }
}

/// The water-filling of the docs computed the slow way, independently of `SupplyAllocation`:
/// cap every claim whose need is at or below its weight times the current level, recompute the
/// level over the rest, repeat; then round down and hand the leftover units to the largest
/// remainders, ties to the earlier path. Exact integer arithmetic; O(n²).
func referenceAllocation(supply: Int, claims: [(path: String, need: Int, weight: Int)]) -> [String: Int] {
    var result = Dictionary(uniqueKeysWithValues: claims.map { ($0.path, $0.need) })
    guard supply < claims.reduce(0, { $0 + $1.need }) else { return result }
    var active = claims
    var rest = supply
    while true {
        let weight = active.reduce(0) { $0 + $1.weight }
        let capped = active.filter { $0.need * weight <= $0.weight * rest }
        if capped.isEmpty { break }
        rest -= capped.reduce(0) { $0 + $1.need }
        active.removeAll { c in capped.contains { $0.path == c.path } }
    }
    let weight = active.reduce(0) { $0 + $1.weight }
    var left = rest
    var remainders: [(path: String, remainder: Int)] = []
    for c in active {
        result[c.path] = c.weight * rest / weight
        left -= c.weight * rest / weight
        remainders.append((c.path, c.weight * rest % weight))
    }
    remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.path < $1.path }
    for r in remainders.prefix(left) { result[r.path]! += 1 }
    return result
}
