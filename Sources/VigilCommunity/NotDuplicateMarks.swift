/// Pairs of persons someone has confirmed are *not* the same person. They are kept for good, so
/// the duplicate finder never proposes the pair again (on entry, import or a later scan).
public struct NotDuplicateMarks: Sendable, Hashable, Codable {
    public private(set) var pairs: Set<PersonPair>

    public init(_ pairs: some Sequence<PersonPair> = []) { self.pairs = Set(pairs) }

    /// Whether `a` and `b` are marked as different persons.
    public func contains(_ a: PersonID, _ b: PersonID) -> Bool {
        a != b && pairs.contains(PersonPair(unchecked: a, b))
    }

    /// Marks the pair; returns whether it was new.
    @discardableResult public mutating func insert(_ pair: PersonPair) -> Bool { pairs.insert(pair).inserted }

    /// Unmarks the pair; returns whether it was marked.
    @discardableResult public mutating func remove(_ pair: PersonPair) -> Bool { pairs.remove(pair) != nil }

    /// After `absorbed` was merged into `survivor`: whoever was marked as not `absorbed` is not
    /// `survivor` either, so the marks move over (a mark between the two themselves is dropped).
    public mutating func reassign(_ absorbed: PersonID, to survivor: PersonID) {
        for pair in pairs where pair.first == absorbed || pair.second == absorbed {
            pairs.remove(pair)
            let other = pair.first == absorbed ? pair.second : pair.first
            if other != survivor { pairs.insert(PersonPair(unchecked: other, survivor)) }
        }
    }

    public var count: Int { pairs.count }

    /// Decodes a JSON array of pairs.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([PersonPair].self))
    }

    /// Encodes the pairs as a sorted JSON array.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(pairs.sorted())
    }
}
