/// How ``Dispatcher`` prices an assignment and which volunteers may serve which places.
///
/// Giving task *t* to volunteer *v* as the *k*-th task of the plan for *v* (k = 0, 1, ...) costs
///
///     distanceWeight × distance(v.area, t.location) + loadWeight × (v.load + k)
///
/// where the distance is the number of edges in the jurisdiction tree from the volunteer's area
/// up to the common ancestor and down to the task's location (``distance(_:_:)``; two cities
/// meet at a virtual root above them). The load term is the number of tasks the volunteer holds
/// when given this one, so work spreads over volunteers at the same distance; summed over a
/// volunteer given *m* tasks it is `loadWeight × (m·load + m(m−1)/2)`, convex in *m*.
public struct DispatchPolicy: Sendable, Hashable, Codable {
    /// The largest weight accepted, so costs stay small integers.
    public static let maximumWeight = 1000

    /// Cost per tree edge between the volunteer's area and the task's location.
    public let distanceWeight: Int
    /// Cost per task the volunteer holds when given the task.
    public let loadWeight: Int
    /// If set, a volunteer serves a task only when both lie in the same jurisdiction at this level
    /// (their common ancestor is at this level or below), or both lie above this level. Nil:
    /// anywhere.
    public let scope: JurisdictionLevel?

    /// One per edge, one per held task, no scope.
    public static let standard = DispatchPolicy(trusted: 1, 1, nil)

    /// - Throws: ``CommunityError/Code/invalidField`` (field `distanceWeight` or `loadWeight`)
    ///   for a weight outside 0...1000.
    public init(distanceWeight: Int = 1, loadWeight: Int = 1, scope: JurisdictionLevel? = nil) throws {
        for (value, field) in [(distanceWeight, "distanceWeight"), (loadWeight, "loadWeight")]
        where !(0...Self.maximumWeight).contains(value) {
            throw CommunityError(.invalidField, "\(field) \(value) is outside 0...\(Self.maximumWeight)", field: field)
        }
        self.init(trusted: distanceWeight, loadWeight, scope)
    }

    private init(trusted distanceWeight: Int, _ loadWeight: Int, _ scope: JurisdictionLevel?) {
        self.distanceWeight = distanceWeight
        self.loadWeight = loadWeight
        self.scope = scope
    }

    /// The cost of an assignment at `distance` edges to a volunteer holding `load` tasks.
    public func cost(distance: Int, load: Int) -> Int { distanceWeight * distance + loadWeight * load }

    /// The number of edges between two nodes of the jurisdiction tree: up from `a` to the
    /// deepest common ancestor and down to `b`. Nodes in different cities meet at a virtual root
    /// above the cities, so their distance is the sum of their depths.
    public static func distance(_ a: JurisdictionPath, _ b: JurisdictionPath) -> Int {
        a.components.count + b.components.count - 2 * commonDepth(a, b)
    }

    /// Whether a volunteer based at `area` may serve a task at `location` under ``scope``.
    public func reaches(_ area: JurisdictionPath, _ location: JurisdictionPath) -> Bool {
        guard let scope else { return true }
        let depth = scope.rawValue + 1
        return Self.commonDepth(area, location) >= depth || (area.components.count < depth && location.components.count < depth)
    }

    /// How many leading components two paths share.
    static func commonDepth(_ a: JurisdictionPath, _ b: JurisdictionPath) -> Int {
        var n = 0
        let x = a.components
        let y = b.components
        while n < x.count, n < y.count, x[n] == y[n] { n += 1 }
        return n
    }

    private enum CodingKeys: String, CodingKey { case distanceWeight, loadWeight, scope }

    /// Missing weights default to 1; `scope` is a level name (`"community"`) or absent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var scope: JurisdictionLevel?
        if let name = try c.decodeIfPresent(String.self, forKey: .scope) {
            guard let level = JurisdictionLevel(name: name) else {
                throw CommunityError(.invalidField, "unknown jurisdiction level \"\(name.prefix(40))\"", field: "scope")
            }
            scope = level
        }
        try self.init(
            distanceWeight: try c.decodeIfPresent(Int.self, forKey: .distanceWeight) ?? 1,
            loadWeight: try c.decodeIfPresent(Int.self, forKey: .loadWeight) ?? 1, scope: scope)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(distanceWeight, forKey: .distanceWeight)
        try c.encode(loadWeight, forKey: .loadWeight)
        try c.encodeIfPresent(scope?.name, forKey: .scope)
    }
}
