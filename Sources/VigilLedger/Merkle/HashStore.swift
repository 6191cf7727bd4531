/// Where the hashes of a tree's perfect-subtree nodes live: a database table, tiles on disk, or
/// memory. Proof generation asks for the O(log n) nodes it needs and nothing else, so no proof
/// needs the whole tree in memory.
public protocol HashStore {
    /// The hashes of `ids`, in the same order.
    /// - Throws: ``LedgerError/Code/storeMissingNode`` when one is not stored.
    func hashes(for ids: [NodeID]) throws -> [Hash]
}

/// A ``HashStore`` that keeps every level in arrays: for tests, benchmarks and small logs.
public struct InMemoryHashStore: HashStore, Sendable {
    private var levels: [[Hash]] = []

    /// An empty store.
    public init() {}

    /// The tree built so far with ``append(_:)``.
    public private(set) var tree = CompactTree()

    /// Appends a leaf hash to the tree and stores the nodes it completes.
    public mutating func append(_ leaf: Hash) {
        tree.append(leaf) { id, hash in
            let level = Int(id.level)
            if levels.count == level { levels.append([]) }
            levels[level].append(hash)
        }
    }

    /// Appends the leaf hash of each entry.
    public mutating func append(contentsOf leaves: some Sequence<Hash>) {
        for leaf in leaves { append(leaf) }
    }

    public func hashes(for ids: [NodeID]) throws -> [Hash] {
        try ids.map { id throws(LedgerError) in
            let level = Int(id.level)
            guard level < levels.count, id.index < UInt64(levels[level].count) else {
                throw LedgerError(.storeMissingNode, "node \(id) is not stored")
            }
            return levels[level][Int(id.index)]
        }
    }
}
