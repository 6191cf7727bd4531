import Testing
import VigilLedger
import VigilTestSupport

/// The fast tree, proofs and verifiers against ``NaiveMerkle`` on random trees: every size up to
/// 2,000, every inclusion proof, a sample of consistency proofs, and a flipped bit in any part of
/// a proof that must make verification fail.
@Suite struct MerkleCrossCheckTests {
    static let maxSize = 2_000

    /// Random leaves of random lengths, the same for every test.
    static let leaves: [[UInt8]] = {
        var generator = SeededGenerator(seed: 2026)
        return (0..<maxSize).map { _ in
            (0..<Int(generator.next() % 40)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
    }()

    /// The sizes checked by one test case; the range of sizes is split so cases run in parallel.
    static let chunks: [ClosedRange<Int>] = stride(from: 1, through: maxSize, by: 250).map { $0...min($0 + 249, maxSize) }

    @Test(arguments: chunks)
    func everyInclusionProofMatchesTheNaiveDefinitionAndVerifies(sizes: ClosedRange<Int>) throws {
        let naive = NaiveMerkle(leaves: Self.leaves)
        var store = InMemoryHashStore()
        let leafHashes = Self.leaves.prefix(sizes.upperBound).map(MerkleHasher.leafHash)
        store.append(contentsOf: leafHashes)
        var generator = SeededGenerator(seed: UInt64(sizes.lowerBound))
        var failures = 0
        for n in sizes {
            let size = TreeSize(UInt64(n))
            let root = try MerkleProof.root(size: size, store: store)
            guard root.bytes == naive.mth(0..<n) else {
                Issue.record("root of size \(n) differs from MTH")
                continue
            }
            for m in 0..<n {
                let index = LeafIndex(UInt64(m))
                let proof = try MerkleProof.inclusionProof(index: index, size: size, store: store)
                if proof.map(\.bytes) != naive.path(m, 0..<n) {
                    failures += 1
                    Issue.record("inclusion proof of \(m) in \(n) differs from PATH")
                    continue
                }
                do {
                    try MerkleProof.verifyInclusion(index: index, size: size, leafHash: leafHashes[m], proof: proof, root: root)
                } catch {
                    failures += 1
                    Issue.record("valid inclusion proof of \(m) in \(n) rejected: \(error)")
                }
                // One flipped bit anywhere: in a proof hash, the leaf hash or the root.
                let part = Int(generator.next() % UInt64(proof.count + 2))
                let bit = Int(generator.next() % 256)
                var (leaf, badProof, badRoot) = (leafHashes[m], proof, root)
                switch part {
                case proof.count: leaf = leaf.flipping(bit: bit)
                case proof.count + 1: badRoot = badRoot.flipping(bit: bit)
                default: badProof[part] = badProof[part].flipping(bit: bit)
                }
                if (try? MerkleProof.verifyInclusion(index: index, size: size, leafHash: leaf, proof: badProof, root: badRoot)) != nil {
                    failures += 1
                    Issue.record("inclusion proof of \(m) in \(n) with bit \(bit) of part \(part) flipped verified")
                }
                // A wrong index or size must fail too.
                let otherIndex = LeafIndex((index.rawValue + 1 + generator.next() % UInt64(n)) % UInt64(n))
                if otherIndex != index, leafHashes[Int(otherIndex.rawValue)] != leafHashes[m],
                    (try? MerkleProof.verifyInclusion(index: otherIndex, size: size, leafHash: leafHashes[m], proof: proof, root: root)) != nil
                {
                    failures += 1
                    Issue.record("inclusion proof of \(m) in \(n) verified at index \(otherIndex)")
                }
                if failures > 10 { return }
            }
        }
    }

    @Test(arguments: chunks)
    func sampledConsistencyProofsMatchTheNaiveDefinitionAndVerify(sizes: ClosedRange<Int>) throws {
        let naive = NaiveMerkle(leaves: Self.leaves)
        var store = InMemoryHashStore()
        store.append(contentsOf: Self.leaves.prefix(sizes.upperBound).map(MerkleHasher.leafHash))
        var generator = SeededGenerator(seed: 7 &* UInt64(sizes.lowerBound))
        var failures = 0
        for n in sizes {
            // Every old size for small trees, a sample of 12 for larger ones, always m = n - 1 and 1.
            let olds: [Int] = n <= 64 ? Array(1...n) : [1, n - 1, n] + (0..<12).map { _ in 1 + Int(generator.next() % UInt64(n)) }
            let newRoot = try MerkleProof.root(size: TreeSize(UInt64(n)), store: store)
            for m in olds {
                let (old, new) = (TreeSize(UInt64(m)), TreeSize(UInt64(n)))
                let oldRoot = try MerkleProof.root(size: old, store: store)
                let proof = try MerkleProof.consistencyProof(from: old, to: new, store: store)
                if proof.map(\.bytes) != naive.consistency(m, n) {
                    failures += 1
                    Issue.record("consistency proof \(m) -> \(n) differs from PROOF")
                    continue
                }
                do {
                    try MerkleProof.verifyConsistency(from: old, to: new, proof: proof, oldRoot: oldRoot, newRoot: newRoot)
                } catch {
                    failures += 1
                    Issue.record("valid consistency proof \(m) -> \(n) rejected: \(error)")
                }
                guard m < n else { continue }
                let part = Int(generator.next() % UInt64(proof.count + 2))
                let bit = Int(generator.next() % 256)
                var (badProof, badOld, badNew) = (proof, oldRoot, newRoot)
                switch part {
                case proof.count: badOld = badOld.flipping(bit: bit)
                case proof.count + 1: badNew = badNew.flipping(bit: bit)
                default: badProof[part] = badProof[part].flipping(bit: bit)
                }
                if (try? MerkleProof.verifyConsistency(from: old, to: new, proof: badProof, oldRoot: badOld, newRoot: badNew)) != nil {
                    failures += 1
                    Issue.record("consistency proof \(m) -> \(n) with bit \(bit) of part \(part) flipped verified")
                }
                if failures > 10 { return }
            }
        }
    }

    @Test func proofPlansNeverLoadMoreThanLogarithmicallyManyNodes() throws {
        let sizes: [UInt64] = [1, 2, 3, 1000, 1 << 20, (1 << 40) + 12345, UInt64.max]
        for size in sizes {
            let indices: [UInt64] = [0, size / 3, size - 1]
            for index in indices {
                let plan = try MerkleProof.inclusionPlan(index: LeafIndex(index), size: TreeSize(size))
                #expect(plan.nodes.count <= 2 * 64)
                #expect(plan.elements.count == MerkleProof.inclusionProofLength(index: index, size: size))
            }
            if size > 1 {
                let plan = try MerkleProof.consistencyPlan(from: TreeSize(size / 2 + 1), to: TreeSize(size))
                #expect(plan.nodes.count <= 2 * 64)
            }
        }
    }

    @Test func decompositionCoversTheRangeWithPerfectSubtrees() {
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<2_000 {
            let size = generator.next() % 100_000 + 1
            let nodes = NodeID.decompose(0..<size)
            #expect(nodes.count == size.nonzeroBitCount)
            var next: UInt64 = 0
            for node in nodes {
                #expect(node.coverage.lowerBound == next)
                next = node.coverage.upperBound
            }
            #expect(next == size)
        }
    }
}
