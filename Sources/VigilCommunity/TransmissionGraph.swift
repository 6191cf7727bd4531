/// Who infected whom: a forest of transmission chains.
///
/// Each edge goes from an infector to an infectee. A person has at most one infector, nobody
/// infects themselves, and no chain loops back on itself, so every person has exactly one
/// root (the first known case of their chain, generation 1). Persons may be added without an
/// edge (a case whose source is unknown is the root of its own chain).
public struct TransmissionGraph: Sendable, Hashable, Codable {
    /// One transmission.
    public struct Edge: Sendable, Hashable, Codable {
        public let infector: PersonKey
        public let infectee: PersonKey
        /// What supports the link (shared household, genomic match, ...), if recorded.
        public let evidence: String?

        /// Creates the value from its parts (a history step or result; the owner checks it).
        public init(infector: PersonKey, infectee: PersonKey, evidence: String? = nil) {
            self.infector = infector
            self.infectee = infectee
            self.evidence = evidence
        }
    }

    /// The persons of one chain.
    public struct Cluster: Sendable, Hashable, Codable {
        /// The chain's first known case.
        public let root: PersonKey
        /// Everyone in the chain, the root included, in key order.
        public let members: [PersonKey]
    }

    private var edgeTo: [PersonKey: Edge] = [:]
    private var childrenOf: [PersonKey: Set<PersonKey>] = [:]
    /// Every person in the graph.
    public private(set) var persons: Set<PersonKey> = []

    /// An empty graph.
    public init() {}

    /// A graph of `persons` and `edges`.
    /// - Throws: as ``add(_:replacingInfector:)``.
    public init(persons: some Sequence<PersonKey> = [], edges: some Sequence<Edge>) throws {
        for person in persons { try add(person: person) }
        for edge in edges { try add(edge) }
    }

    /// The edges, ordered by infector then infectee.
    public var edges: [Edge] { edgeTo.values.sorted { ($0.infector, $0.infectee) < ($1.infector, $1.infectee) } }

    /// Adds a person with no known infector yet (no-op when present).
    /// - Throws: ``CommunityError/Code/invalidField`` for an invalid key.
    public mutating func add(person: PersonKey) throws {
        try Validation.requireKey(person, field: "person")
        persons.insert(person)
    }

    /// Adds the transmission `edge`, adding its persons if new.
    ///
    /// - Parameter replacingInfector: when the infectee already has an infector, replace that
    ///   edge (a corrected investigation) instead of refusing.
    /// - Throws: ``CommunityError/Code/conflict`` for a self-loop, a second infector without
    ///   `replacingInfector`, or an edge that would close a cycle (the infectee is already an
    ///   ancestor of the infector); ``CommunityError/Code/invalidField`` for invalid keys.
    ///   The graph is unchanged when it throws.
    public mutating func add(_ edge: Edge, replacingInfector: Bool = false) throws {
        try Validation.requireKey(edge.infector, field: "infector")
        try Validation.requireKey(edge.infectee, field: "infectee")
        guard edge.infector != edge.infectee else {
            throw CommunityError(.conflict, "\(edge.infector) cannot infect themselves", field: "infectee")
        }
        if let existing = edgeTo[edge.infectee] {
            if existing == edge { return }
            guard replacingInfector else {
                throw CommunityError(
                    .conflict, "\(edge.infectee) already has infector \(existing.infector); replace it explicitly", field: "infector")
            }
        }
        // The new edge closes a cycle iff the infectee is on the infector's chain to its root.
        // Replacing the infectee's own edge cannot break that: the chain runs through edges above
        // the infector, and the infectee appears there only if it is an ancestor of the infector.
        if chain(to: edge.infector).contains(edge.infectee) {
            throw CommunityError(
                .conflict,
                "\(edge.infector) → \(edge.infectee) would close a cycle: \(edge.infectee) is an ancestor of \(edge.infector)",
                field: "infectee")
        }
        removeInfector(of: edge.infectee)
        edgeTo[edge.infectee] = edge
        childrenOf[edge.infector, default: []].insert(edge.infectee)
        persons.insert(edge.infector)
        persons.insert(edge.infectee)
    }

    /// Removes the edge into `infectee`, if any; the person stays, as a root.
    public mutating func removeInfector(of infectee: PersonKey) {
        guard let old = edgeTo.removeValue(forKey: infectee) else { return }
        childrenOf[old.infector]?.remove(infectee)
        if childrenOf[old.infector]?.isEmpty == true { childrenOf[old.infector] = nil }
    }

    /// The edge into `person`, if known.
    public func infector(of person: PersonKey) -> Edge? { edgeTo[person] }

    /// Who `person` infected, in key order.
    public func infectees(of person: PersonKey) -> [PersonKey] { (childrenOf[person] ?? []).sorted() }

    /// The chain from the root down to `person`: `[root, ..., person]`; `[person]` for a root or
    /// a person not in the graph.
    public func chain(to person: PersonKey) -> [PersonKey] {
        var chain = [person]
        var current = person
        while let edge = edgeTo[current] {
            chain.append(edge.infector)
            current = edge.infector
        }
        return chain.reversed()
    }

    /// The first known case of `person`'s chain.
    public func root(of person: PersonKey) -> PersonKey { chain(to: person)[0] }

    /// `person`'s generation: 1 for a root, 2 for those a root infected, and so on.
    public func generation(of person: PersonKey) -> Int { chain(to: person).count }

    /// Everyone infected downstream of `person` (not `person`), breadth first: by generation,
    /// then key.
    public func descendants(of person: PersonKey) -> [PersonKey] {
        var result: [PersonKey] = []
        var level = infectees(of: person)
        while !level.isEmpty {
            result.append(contentsOf: level)
            level = level.flatMap { infectees(of: $0) }.sorted()
        }
        return result
    }

    /// Every person's generation.
    public func generations() -> [PersonKey: Int] {
        var result: [PersonKey: Int] = [:]
        for root in persons where edgeTo[root] == nil {
            result[root] = 1
            var level = [root]
            var generation = 1
            while !level.isEmpty {
                generation += 1
                level = level.flatMap { childrenOf[$0] ?? [] }
                for person in level { result[person] = generation }
            }
        }
        return result
    }

    /// The chains (connected components), largest first, then by root key.
    public func clusters() -> [Cluster] {
        persons.filter { edgeTo[$0] == nil }
            .map { root in Cluster(root: root, members: ([root] + descendants(of: root)).sorted()) }
            .sorted { ($1.members.count, $0.root) < ($0.members.count, $1.root) }
    }

    private enum CodingKeys: String, CodingKey { case persons, edges }

    /// Decodes `{persons, edges}` and re-adds every edge, so a cyclic or doubly-infected graph
    /// is refused.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(persons: try c.decode([PersonKey].self, forKey: .persons), edges: try c.decode([Edge].self, forKey: .edges))
    }

    /// Encodes `{persons, edges}` in key order.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(persons.sorted(), forKey: .persons)
        try c.encode(edges, forKey: .edges)
    }
}
