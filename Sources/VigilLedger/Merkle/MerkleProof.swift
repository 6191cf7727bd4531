/// Which stored nodes a proof is made of, computed without touching storage.
///
/// Each proof element is the RFC 9162 MTH of a range of leaves. When that range is a perfect
/// subtree it is one stored node; on the ragged right edge it is the fold of several stored
/// nodes. The caller loads ``nodes`` from wherever the tree lives and calls ``proof(from:)``.
public struct ProofPlan: Hashable, Sendable {
    /// Every node to load, element by element, each element's nodes left to right.
    public private(set) var nodes: [NodeID]
    /// How many of ``nodes`` make up each proof element, in proof order.
    private var counts: [UInt8]

    /// Builds a plan from the leaf ranges of the proof elements, in proof order.
    init(ranges: some Sequence<Range<UInt64>>, capacity: Int) {
        nodes = []
        counts = []
        nodes.reserveCapacity(capacity)
        counts.reserveCapacity(capacity)
        for range in ranges {
            let before = nodes.count
            NodeID.decompose(range, into: &nodes)
            counts.append(UInt8(nodes.count - before))
        }
    }

    /// For each proof element, in proof order, the perfect-subtree nodes (left to right) whose
    /// fold is that element.
    public var elements: [[NodeID]] {
        var offset = 0
        return counts.map { count in
            defer { offset += Int(count) }
            return Array(nodes[offset..<offset + Int(count)])
        }
    }

    /// The number of hashes in the proof.
    public var elementCount: Int { counts.count }

    /// Assembles the proof from the hashes of ``nodes``, in the same order.
    /// - Precondition: `hashes.count == nodes.count`.
    public func proof(from hashes: [Hash]) -> [Hash] {
        precondition(hashes.count == nodes.count, "\(hashes.count) hashes for a plan of \(nodes.count) nodes")
        var proof: [Hash] = []
        proof.reserveCapacity(counts.count)
        var offset = 0
        for count in counts {
            let end = offset + Int(count)
            proof.append(count == 1 ? hashes[offset] : MerkleHasher.fold(hashes[offset..<end]))
            offset = end
        }
        return proof
    }
}

/// RFC 9162 §2.1.3–2.1.4 inclusion and consistency proofs: generation from a ``HashStore`` and
/// verification.
public enum MerkleProof {
    /// The longest proof any tree of 2^64 leaves can need; longer input is rejected at once.
    public static let maxProofLength = 64

    // MARK: Generation

    /// The nodes of the inclusion proof of leaf `index` in the tree of `size` leaves.
    /// - Throws: ``LedgerError/Code/badTreeSize`` unless `index < size`.
    public static func inclusionPlan(index: LeafIndex, size: TreeSize) throws(LedgerError) -> ProofPlan {
        guard index.rawValue < size.rawValue else {
            throw LedgerError(.badTreeSize, "index \(index) is beyond the tree size \(size)")
        }
        var ranges: [Range<UInt64>] = []
        ranges.reserveCapacity(64)
        var (low, high, m) = (UInt64(0), size.rawValue, index.rawValue)
        while high - low > 1 {
            let k = largestPowerOfTwo(below: high - low)
            if m - low < k {
                ranges.append((low + k)..<high)
                high = low + k
            } else {
                ranges.append(low..<(low + k))
                low += k
            }
        }
        return ProofPlan(ranges: ranges.reversed(), capacity: 2 * ranges.count)
    }

    /// The nodes of the consistency proof from the tree of `oldSize` leaves to that of `newSize`.
    ///
    /// Equal sizes give an empty proof.
    /// - Throws: ``LedgerError/Code/badTreeSize`` unless `0 < oldSize <= newSize`.
    public static func consistencyPlan(from oldSize: TreeSize, to newSize: TreeSize) throws(LedgerError) -> ProofPlan {
        guard oldSize.rawValue > 0, oldSize <= newSize else {
            throw LedgerError(
                .badTreeSize, "no consistency proof from size \(oldSize) to size \(newSize): need 0 < old <= new")
        }
        var ranges: [Range<UInt64>] = []
        ranges.reserveCapacity(64)
        var (low, high, m, complete) = (UInt64(0), newSize.rawValue, oldSize.rawValue, true)
        while true {
            if m == high - low {
                if !complete { ranges.append(low..<high) }
                break
            }
            let k = largestPowerOfTwo(below: high - low)
            if m <= k {
                ranges.append((low + k)..<high)
                high = low + k
            } else {
                ranges.append(low..<(low + k))
                m -= k
                low += k
                complete = false
            }
        }
        return ProofPlan(ranges: ranges.reversed(), capacity: 2 * ranges.count)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves, read from `store`.
    public static func inclusionProof(
        index: LeafIndex, size: TreeSize, store: some HashStore
    ) throws -> [Hash] {
        let plan = try inclusionPlan(index: index, size: size)
        return plan.proof(from: try store.hashes(for: plan.nodes))
    }

    /// The consistency proof from `oldSize` to `newSize`, read from `store`.
    public static func consistencyProof(
        from oldSize: TreeSize, to newSize: TreeSize, store: some HashStore
    ) throws -> [Hash] {
        let plan = try consistencyPlan(from: oldSize, to: newSize)
        return plan.proof(from: try store.hashes(for: plan.nodes))
    }

    /// The root of the tree of `size` leaves, from the O(log n) stored nodes of its right edge.
    public static func root(size: TreeSize, store: some HashStore) throws -> Hash {
        guard size.rawValue > 0 else { return MerkleHasher.emptyRoot }
        return MerkleHasher.fold(try store.hashes(for: NodeID.decompose(0..<size.rawValue)))
    }

    // MARK: Verification

    /// The number of hashes in the inclusion proof of `index` in a tree of `size` leaves.
    /// - Precondition: `index < size`.
    public static func inclusionProofLength(index: UInt64, size: UInt64) -> Int {
        let inner = 64 - (index ^ (size - 1)).leadingZeroBitCount
        let border = (index >> UInt64(inner)).nonzeroBitCount
        return inner + border
    }

    /// The number of hashes in the consistency proof from `oldSize` to `newSize`.
    /// - Precondition: `0 < oldSize < newSize`.
    public static func consistencyProofLength(from oldSize: UInt64, to newSize: UInt64) -> Int {
        let level = UInt64(oldSize.trailingZeroBitCount)
        let index = (oldSize - 1) >> level
        let length = inclusionProofLength(index: index, size: ((newSize - 1) >> level) + 1)
        return index == 0 ? length : length + 1
    }

    /// Verifies that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`
    /// (RFC 9162 §2.1.3.2).
    /// - Throws: ``LedgerError/Code/badProof`` with the reason, e.g. "wrong proof size 4, want 3".
    public static func verifyInclusion(
        index: LeafIndex, size: TreeSize, leafHash: Hash, proof: [Hash], root: Hash
    ) throws(LedgerError) {
        let calculated = try rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: proof)
        guard calculated == root else {
            throw LedgerError(.badProof, "calculated root \(calculated), want \(root)")
        }
    }

    /// The root that an inclusion proof implies for `leafHash` at `index` in a tree of `size`.
    public static func rootFromInclusionProof(
        index: LeafIndex, size: TreeSize, leafHash: Hash, proof: [Hash]
    ) throws(LedgerError) -> Hash {
        guard index.rawValue < size.rawValue else {
            throw LedgerError(.badProof, "index \(index) is beyond the tree size \(size)")
        }
        let want = inclusionProofLength(index: index.rawValue, size: size.rawValue)
        guard proof.count == want else {
            throw LedgerError(.badProof, "wrong proof size \(proof.count), want \(want)")
        }
        var fn = index.rawValue
        var sn = size.rawValue - 1
        var r = leafHash
        for p in proof {
            // Cannot happen after the length check; kept as the RFC states it.
            guard sn > 0 else { throw LedgerError(.badProof, "proof is longer than the path to the root") }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHasher.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHasher.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw LedgerError(.badProof, "proof is shorter than the path to the root") }
        return r
    }

    /// Verifies that the tree of `newSize` leaves with root `newRoot` extends the tree of
    /// `oldSize` leaves with root `oldRoot` (RFC 9162 §2.1.4.2).
    ///
    /// Equal sizes need an empty proof and equal roots. A proof from the empty tree is rejected
    /// as meaningless (every tree extends it; callers handle size 0 themselves).
    /// - Throws: ``LedgerError/Code/badProof`` with the reason.
    public static func verifyConsistency(
        from oldSize: TreeSize, to newSize: TreeSize, proof: [Hash], oldRoot: Hash, newRoot: Hash
    ) throws(LedgerError) {
        try checkConsistencySizes(oldSize.rawValue, newSize.rawValue, proofCount: proof.count)
        if oldSize == newSize {
            guard oldRoot == newRoot else {
                throw LedgerError(.badProof, "equal sizes \(oldSize) but roots differ")
            }
            return
        }
        let (calculatedOld, calculatedNew) = try rootsFromConsistencyProof(
            from: oldSize.rawValue, to: newSize.rawValue, proof: proof, oldRoot: oldRoot)
        guard calculatedOld == oldRoot else {
            throw LedgerError(.badProof, "calculated old root \(calculatedOld), want \(oldRoot)")
        }
        guard calculatedNew == newRoot else {
            throw LedgerError(.badProof, "calculated new root \(calculatedNew), want \(newRoot)")
        }
    }

    /// Verifies a consistency proof given as raw bytes, as it arrives from outside: sizes are
    /// checked first, and hashes must be 32 bytes only where they are used in a computation.
    public static func verifyConsistency(
        from oldSize: UInt64, to newSize: UInt64, proof: [[UInt8]], oldRoot: [UInt8], newRoot: [UInt8]
    ) throws(LedgerError) {
        try checkConsistencySizes(oldSize, newSize, proofCount: proof.count)
        if oldSize == newSize {
            guard oldRoot == newRoot else { throw LedgerError(.badProof, "equal sizes \(oldSize) but roots differ") }
            return
        }
        try verifyConsistency(
            from: TreeSize(oldSize), to: TreeSize(newSize), proof: try proofHashes(proof),
            oldRoot: try Hash(bytes: oldRoot), newRoot: try Hash(bytes: newRoot))
    }

    /// Verifies an inclusion proof given as raw bytes.
    public static func verifyInclusion(
        index: UInt64, size: UInt64, leafHash: [UInt8], proof: [[UInt8]], root: [UInt8]
    ) throws(LedgerError) {
        guard proof.count <= maxProofLength else {
            throw LedgerError(.badProof, "wrong proof size \(proof.count), at most \(maxProofLength)")
        }
        try verifyInclusion(
            index: LeafIndex(index), size: TreeSize(size), leafHash: try Hash(bytes: leafHash),
            proof: try proofHashes(proof), root: try Hash(bytes: root))
    }

    private static func proofHashes(_ proof: [[UInt8]]) throws(LedgerError) -> [Hash] {
        var hashes: [Hash] = []
        for (i, element) in proof.enumerated() {
            guard element.count == Hash.byteCount else {
                throw LedgerError(.malformedHash, "proof[\(i)] is \(element.count) bytes, want 32")
            }
            hashes.append(try Hash(bytes: element))
        }
        return hashes
    }

    private static func checkConsistencySizes(_ oldSize: UInt64, _ newSize: UInt64, proofCount: Int) throws(LedgerError) {
        if newSize < oldSize {
            throw LedgerError(.badProof, "new size \(newSize) < old size \(oldSize)")
        }
        if oldSize == 0 {
            throw LedgerError(.badProof, "consistency proof from the empty tree is meaningless")
        }
        if oldSize == newSize {
            guard proofCount == 0 else {
                throw LedgerError(.badProof, "equal sizes \(oldSize) but the proof is not empty")
            }
            return
        }
        let want = consistencyProofLength(from: oldSize, to: newSize)
        guard proofCount == want else {
            throw LedgerError(.badProof, "wrong proof size \(proofCount), want \(want)")
        }
    }

    /// The old and new roots a consistency proof implies (RFC 9162 §2.1.4.2 steps 2–7).
    private static func rootsFromConsistencyProof(
        from oldSize: UInt64, to newSize: UInt64, proof: [Hash], oldRoot: Hash
    ) throws(LedgerError) -> (Hash, Hash) {
        var path = proof[...]
        // When the old tree is a complete subtree its root is the first node of the path.
        let seed: Hash
        if oldSize & (oldSize - 1) == 0 {
            seed = oldRoot
        } else {
            seed = path.removeFirst()
        }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = seed
        var sr = seed
        for c in path {
            guard sn > 0 else { throw LedgerError(.badProof, "proof is longer than the path to the root") }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHasher.nodeHash(c, fr)
                sr = MerkleHasher.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHasher.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw LedgerError(.badProof, "proof is shorter than the path to the root") }
        return (fr, sr)
    }

    /// The largest power of two strictly below `n`.
    /// - Precondition: `n >= 2`.
    static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        UInt64(1) << UInt64(63 - (n - 1).leadingZeroBitCount)
    }
}
