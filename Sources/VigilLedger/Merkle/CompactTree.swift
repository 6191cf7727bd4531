/// The right edge of an append-only Merkle tree: the roots of its perfect subtrees, one per set
/// bit of the size, so memory is O(log n) whatever the size.
///
/// Appending a leaf hashes O(1) nodes on average and reports every new perfect-subtree node, so
/// a ``HashStore`` can keep them for proofs (transparency-dev/merkle's `compact.Range`).
public struct CompactTree: Hashable, Sendable {
    /// The number of leaves appended so far.
    public private(set) var size: TreeSize
    /// Roots of the perfect subtrees from the largest (leftmost) to the smallest.
    public private(set) var edge: [Hash]

    /// An empty tree.
    public init() {
        size = 0
        edge = []
        edge.reserveCapacity(64)
    }

    /// Resumes a tree of `size` leaves from the roots of its perfect subtrees, left to right.
    /// - Throws: ``LedgerError/Code/badTreeSize`` when `edge` does not have one hash per set bit of
    ///   `size`.
    public init(size: TreeSize, edge: [Hash]) throws(LedgerError) {
        guard edge.count == size.rawValue.nonzeroBitCount else {
            throw LedgerError(
                .badTreeSize, "size \(size) needs \(size.rawValue.nonzeroBitCount) edge hashes, got \(edge.count)")
        }
        self.size = size
        self.edge = edge
        self.edge.reserveCapacity(64)
    }

    /// The node IDs of the right edge, matching ``edge``.
    public var edgeNodes: [NodeID] { NodeID.decompose(0..<size.rawValue) }

    /// Appends a leaf hash.
    /// - Parameter leaf: the leaf hash (``MerkleHasher/leafHash(_:)`` of the entry).
    /// - Parameter visit: called for the leaf and for every interior node that becomes complete,
    ///   bottom-up, so the caller can store them.
    public mutating func append(_ leaf: Hash, visit: (NodeID, Hash) -> Void) {
        var hash = leaf
        var index = size.rawValue
        var level: UInt8 = 0
        visit(NodeID(level: 0, index: index), hash)
        while index & 1 == 1 {
            hash = MerkleHasher.nodeHash(edge.removeLast(), hash)
            index >>= 1
            level += 1
            visit(NodeID(level: level, index: index), hash)
        }
        edge.append(hash)
        size.rawValue += 1
    }

    /// Appends a leaf hash without reporting the new nodes.
    public mutating func append(_ leaf: Hash) {
        append(leaf) { _, _ in }
    }

    /// The root hash (RFC 9162 MTH) of the tree as it is now.
    public var root: Hash {
        edge.isEmpty ? MerkleHasher.emptyRoot : MerkleHasher.fold(edge)
    }
}
