/// How ``OrderBatcher`` groups orders into delivery tasks.
public struct OrderBatchingPolicy: Sendable, Hashable, Codable {
    /// The most orders one delivery task carries, 1...50.
    public let maxOrdersPerTask: Int
    /// Orders are grouped by their household's ancestor at this level: one delivery visits one
    /// building (the default), or one grid.
    public let groupLevel: JurisdictionLevel

    /// Up to 10 orders per task, one building per task.
    public static let standard = OrderBatchingPolicy(trusted: 10, .building)

    /// - Throws: ``CommunityError/Code/invalidField`` (field `maxOrdersPerTask`) outside 1...50.
    public init(maxOrdersPerTask: Int = 10, groupLevel: JurisdictionLevel = .building) throws {
        guard (1...50).contains(maxOrdersPerTask) else {
            throw CommunityError(.invalidField, "maxOrdersPerTask \(maxOrdersPerTask) is outside 1...50", field: "maxOrdersPerTask")
        }
        self.init(trusted: maxOrdersPerTask, groupLevel)
    }

    private init(trusted maxOrdersPerTask: Int, _ groupLevel: JurisdictionLevel) {
        self.maxOrdersPerTask = maxOrdersPerTask
        self.groupLevel = groupLevel
    }

    private enum CodingKeys: String, CodingKey { case maxOrdersPerTask, groupLevel }

    /// Missing fields take the defaults; `groupLevel` is a level name (`"grid"`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var level = JurisdictionLevel.building
        if let name = try c.decodeIfPresent(String.self, forKey: .groupLevel) {
            guard let named = JurisdictionLevel(name: name) else {
                throw CommunityError(.invalidField, "unknown jurisdiction level \"\(name.prefix(40))\"", field: "groupLevel")
            }
            level = named
        }
        try self.init(maxOrdersPerTask: try c.decodeIfPresent(Int.self, forKey: .maxOrdersPerTask) ?? 10, groupLevel: level)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(maxOrdersPerTask, forKey: .maxOrdersPerTask)
        try c.encode(groupLevel.name, forKey: .groupLevel)
    }
}

/// Orders to deliver together: one delivery task to one building (or grid).
public struct OrderBatch: Sendable, Hashable, Codable {
    /// Where the delivery goes: the orders' common ancestor at the policy's group level.
    public let area: JurisdictionPath
    /// The orders, in the order to serve them: vulnerable residents first (see ``OrderBatcher``).
    public let orders: [ResidentOrderID]
    /// ``VolunteerTask/Priority/vulnerable`` when any order is a vulnerable resident's, else
    /// ``VolunteerTask/Priority/routine``.
    public let priority: VolunteerTask.Priority
    /// How many of the orders are vulnerable residents'.
    public let vulnerableOrders: Int
    /// When the earliest of the orders was placed.
    public let earliestPlacedAt: Int64

    /// Creates the value from its parts (a result; the batcher computes it).
    public init(area: JurisdictionPath, orders: [ResidentOrderID], priority: VolunteerTask.Priority, vulnerableOrders: Int, earliestPlacedAt: Int64) {
        self.area = area
        self.orders = orders
        self.priority = priority
        self.vulnerableOrders = vulnerableOrders
        self.earliestPlacedAt = earliestPlacedAt
    }

    /// The delivery task for dispatch: kind delivery at ``area``, needing the delivery skill,
    /// with the batch's priority and orders. The caller then marks each order batched into it
    /// (``ResidentOrder/batch(into:by:at:)``), in the same transaction.
    public func makeTask(id: VolunteerTaskID, createdBy actor: ActorKey, at time: Int64) throws -> VolunteerTask {
        try VolunteerTask(
            id: id, kind: .delivery, location: area, priority: priority, orders: orders,
            note: "\(orders.count) order\(orders.count == 1 ? "" : "s") for \(area)", createdBy: actor, at: time)
    }
}

/// Groups open resident orders into delivery tasks, vulnerable residents first.
///
/// **Order of service.** Each order gets a rank from its resident's most urgent vulnerability,
/// in this order (most urgent first): bedridden, elderly living alone, disabled, pregnant,
/// chronic illness, child, elderly; orders of residents with none come last. Orders are sorted
/// by (rank, time placed, order id).
///
/// **Batching.** Orders are grouped by their household's ancestor at the policy's
/// ``OrderBatchingPolicy/groupLevel`` (a building by default); each group's sorted orders are
/// cut into batches of at most ``OrderBatchingPolicy/maxOrdersPerTask``, so a group's
/// vulnerable orders always ride in its first batch(es). Batches are listed by their first
/// order's (rank, time placed, id) — every batch carrying a vulnerable resident's order comes
/// before any batch without one — and become tasks of priority ``VolunteerTask/Priority/vulnerable``,
/// which dispatch serves before routine ones.
public enum OrderBatcher {
    /// The vulnerabilities from most to least urgent for deliveries.
    public static let urgency: [Vulnerability] = [.bedridden, .elderlyAlone, .disabled, .pregnant, .chronicIllness, .child, .elderly]

    /// The rank of a resident with these vulnerabilities: the index of the most urgent one in
    /// ``urgency``, or `urgency.count` for none.
    public static func rank(of vulnerabilities: Set<Vulnerability>) -> Int {
        urgency.firstIndex(where: vulnerabilities.contains) ?? urgency.count
    }

    /// The batches for the open (``ResidentOrder/Stage/placed``) orders among `orders`; others
    /// are left out.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `orders`) when an id appears twice.
    public static func batches(for orders: [ResidentOrder], policy: OrderBatchingPolicy = .standard) throws -> [OrderBatch] {
        var seen: Set<ResidentOrderID> = []
        for order in orders where !seen.insert(order.id).inserted {
            throw CommunityError(.invalidField, "order \(order.id) appears twice", field: "orders")
        }
        struct Keyed {
            let rank: Int
            let placedAt: Int64
            let order: ResidentOrder
            static func precedes(_ a: Keyed, _ b: Keyed) -> Bool {
                (a.rank, a.placedAt, a.order.id) < (b.rank, b.placedAt, b.order.id)
            }
        }
        let open =
            orders
            .filter { $0.stage.isOpen }
            .map { Keyed(rank: rank(of: $0.vulnerabilities), placedAt: $0.placedAt, order: $0) }
            .sorted(by: Keyed.precedes)
        var groups: [JurisdictionPath: [Keyed]] = [:]
        for keyed in open {
            // Orders are at household level, so every level has an ancestor.
            groups[keyed.order.household.ancestor(at: policy.groupLevel)!, default: []].append(keyed)
        }
        var batches: [(first: Keyed, batch: OrderBatch)] = []
        for (area, members) in groups {
            var start = 0
            while start < members.count {
                let chunk = members[start..<min(start + policy.maxOrdersPerTask, members.count)]
                start += chunk.count
                let vulnerable = chunk.filter { $0.rank < urgency.count }.count
                batches.append(
                    (
                        chunk.first!,
                        OrderBatch(
                            area: area, orders: chunk.map(\.order.id), priority: vulnerable > 0 ? .vulnerable : .routine,
                            vulnerableOrders: vulnerable, earliestPlacedAt: chunk.map(\.placedAt).min()!)
                    ))
            }
        }
        return batches.sorted { Keyed.precedes($0.first, $1.first) }.map(\.batch)
    }
}
