import VigilLedger

/// Storage-independent steps that every backend shares: validation, append planning, proofs
/// from loaded nodes, tile geometry, checkpoint merging and verification.
enum LedgerMath {
    // MARK: Append

    struct NewEntry: Sendable {
        var index: UInt64
        var hash: Hash
        var bytes: [UInt8]
    }

    struct AppendPlan: Sendable {
        var indices: [LeafIndex] = []
        var entries: [NewEntry] = []
        var nodes: [(id: NodeID, hash: Hash)] = []
        var tree: CompactTree
    }

    /// Rejects a batch that can never be stored, before anything is written.
    static func validate(_ entries: [Entry], origin: String) throws(StoreError) {
        try validate(origin: origin)
        for (i, entry) in entries.enumerated() {
            guard entry.bytes.count <= EntryBundle.maxEntrySize else {
                throw StoreError(
                    .invalidArgument,
                    "entry \(i) of the batch is \(entry.bytes.count) bytes; tlog-tiles entry bundles carry at most \(EntryBundle.maxEntrySize)")
            }
            guard entry.chain.utf8.elementsEqual(origin.utf8) else {
                throw StoreError(.invalidArgument, "entry \(i) of the batch belongs to another chain")
            }
        }
    }

    static func validate(origin: String) throws(StoreError) {
        guard !origin.isEmpty, !origin.contains("\n"), origin.utf8.count <= Checkpoint.maxOriginLength else {
            throw StoreError(.invalidArgument, "origin must be one non-empty line of at most \(Checkpoint.maxOriginLength) bytes")
        }
    }

    /// Which entries are new, their indices, and the nodes they complete.
    /// - Parameter existing: the stored index of every entry hash of the batch that is stored.
    static func planAppend(_ entries: [Entry], tree: CompactTree, existing: [Hash: UInt64]) -> AppendPlan {
        var plan = AppendPlan(tree: tree)
        var seen = existing
        for entry in entries {
            if let index = seen[entry.hash] {
                plan.indices.append(LeafIndex(index))
                continue
            }
            let index = plan.tree.size.rawValue
            seen[entry.hash] = index
            plan.indices.append(LeafIndex(index))
            plan.entries.append(NewEntry(index: index, hash: entry.hash, bytes: entry.bytes))
            plan.tree.append(entry.hash) { id, hash in plan.nodes.append((id, hash)) }
        }
        return plan
    }

    // MARK: Right edge

    static func encodeEdge(_ edge: [Hash]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(edge.count * Hash.byteCount)
        for hash in edge { out.append(contentsOf: hash.bytes) }
        return out
    }

    static func decodeTree(size: Int64, edge: [UInt8]) throws(StoreError) -> CompactTree {
        guard size >= 0, edge.count % Hash.byteCount == 0 else {
            throw StoreError(.corrupt, "stored right edge is \(edge.count) bytes for size \(size)")
        }
        var hashes: [Hash] = []
        for start in stride(from: 0, to: edge.count, by: Hash.byteCount) {
            hashes.append(try hash(edge[start..<(start + Hash.byteCount)]))
        }
        do {
            return try CompactTree(size: TreeSize(UInt64(size)), edge: hashes)
        } catch {
            throw StoreError(.corrupt, "stored right edge does not fit the stored size", cause: error)
        }
    }

    static func hash(_ bytes: some Collection<UInt8>) throws(StoreError) -> Hash {
        do {
            return try Hash(bytes: bytes)
        } catch {
            throw StoreError(.corrupt, "stored hash is \(bytes.count) bytes, want 32", cause: error)
        }
    }

    /// A database integer as a size or index.
    static func unsigned(_ value: Int64, _ what: String) throws(StoreError) -> UInt64 {
        guard value >= 0 else { throw StoreError(.corrupt, "stored \(what) is negative") }
        return UInt64(value)
    }

    /// A size or index as a database integer.
    static func signed(_ value: UInt64) throws(StoreError) -> Int64 {
        guard let v = Int64(exactly: value) else {
            throw StoreError(.invalidArgument, "\(value) exceeds the 2^63-1 that the database holds")
        }
        return v
    }

    // MARK: Ranges, proofs, tiles

    static func checkRange(_ range: Range<LeafIndex>, size: TreeSize) throws(StoreError) {
        guard range.upperBound.rawValue <= size.rawValue else {
            throw StoreError(.invalidArgument, "range \(range.lowerBound)..<\(range.upperBound) is beyond the tree size \(size)")
        }
    }

    static func checkSize(_ size: TreeSize, within stored: TreeSize) throws(StoreError) {
        guard size <= stored else {
            throw StoreError(.invalidArgument, "size \(size) is beyond the tree size \(stored)")
        }
    }

    static func rootNodes(_ size: TreeSize) -> [NodeID] { NodeID.decompose(0..<size.rawValue) }

    static func root(size: TreeSize, hashes: [Hash]) -> Hash {
        hashes.isEmpty ? MerkleHasher.emptyRoot : MerkleHasher.fold(hashes)
    }

    static func inclusionPlan(index: LeafIndex, size: TreeSize, stored: TreeSize) throws(StoreError) -> ProofPlan {
        try checkSize(size, within: stored)
        do {
            return try MerkleProof.inclusionPlan(index: index, size: size)
        } catch {
            throw StoreError(.invalidArgument, "index \(index) is beyond the tree size \(size)", cause: error)
        }
    }

    static func consistencyPlan(from oldSize: TreeSize, to newSize: TreeSize, stored: TreeSize) throws(StoreError) -> ProofPlan {
        try checkSize(newSize, within: stored)
        guard oldSize.rawValue > 0, oldSize <= newSize else {
            throw StoreError(.invalidArgument, "no consistency proof from size \(oldSize) to \(newSize)")
        }
        do {
            return try MerkleProof.consistencyPlan(from: oldSize, to: newSize)
        } catch {
            throw StoreError(.invalidArgument, "no consistency proof from size \(oldSize) to \(newSize)", cause: error)
        }
    }

    /// Orders loaded hashes as `ids` asks.
    static func ordered(_ ids: [NodeID], from loaded: [NodeID: Hash]) throws(StoreError) -> [Hash] {
        var hashes: [Hash] = []
        hashes.reserveCapacity(ids.count)
        for id in ids {
            guard let hash = loaded[id] else {
                throw StoreError(.corrupt, "node \(id) is missing from a tree that should hold it")
            }
            hashes.append(hash)
        }
        return hashes
    }

    /// The node range a hash tile covers, after checking the tree has all of them.
    static func tileNodes(_ id: TileID, size: TreeSize) throws(StoreError) -> (level: UInt8, first: UInt64, count: Int) {
        // Tile levels 8...63 would sit at tree level 64 or more: no tree of 2^64 - 1 leaves has them.
        let treeLevel = Int(id.level) * Int(TileID.height)
        guard treeLevel < 64 else { throw StoreError(.notFound, "tile \(id.path) is above every tree of 2^64 - 1 leaves") }
        let level = UInt8(treeLevel)
        let available = size.rawValue >> UInt64(level)
        let first = id.index.multipliedReportingOverflow(by: UInt64(TileID.fullWidth))
        guard !first.overflow, first.partialValue < available, available - first.partialValue >= UInt64(id.width) else {
            throw StoreError(.notFound, "tile \(id.path) is not complete in a tree of size \(size)")
        }
        return (level, first.partialValue, id.width)
    }

    /// The leaves an entry bundle covers, after checking the tree has all of them.
    static func bundleRange(_ id: TileID, size: TreeSize) throws(StoreError) -> Range<LeafIndex> {
        guard id.level == 0 else { throw StoreError(.invalidArgument, "entry bundles have level 0, not \(id.level)") }
        let (_, first, count) = try tileNodes(id, size: size)
        return LeafIndex(first)..<LeafIndex(first + UInt64(count))
    }

    static func tileBytes(_ hashes: [Hash]) -> [UInt8] { encodeEdge(hashes) }

    // MARK: Checkpoints

    static func checkpoint(of note: Note) throws(StoreError) -> Checkpoint {
        do {
            return try Checkpoint(text: note.text)
        } catch {
            throw StoreError(.invalidArgument, "note is not a checkpoint", cause: error)
        }
    }

    static func parseNote(_ bytes: [UInt8]) throws(StoreError) -> Note {
        do {
            return try Note(parsing: bytes)
        } catch {
            throw StoreError(.corrupt, "stored note does not parse", cause: error)
        }
    }

    /// `stored` with the lines of `signatures` that it lacks (by key name and key ID).
    static func merge(_ stored: Note, adding signatures: [NoteSignature]) throws(StoreError) -> Note {
        var merged = stored
        for signature in signatures
        where !merged.signatures.contains(where: { $0.name.utf8.elementsEqual(signature.name.utf8) && $0.keyID == signature.keyID }) {
            merged.signatures.append(signature)
        }
        guard merged.signatures.count <= Note.maxSignatures else {
            throw StoreError(.invalidArgument, "checkpoint would have \(merged.signatures.count) signatures, at most \(Note.maxSignatures)")
        }
        return merged
    }

    /// The checkpoint to store when `note` is saved over `stored` (nil when none), after
    /// checking it against the stored tree.
    static func checkpointToSave(
        _ note: Note, checkpoint: Checkpoint, stored: Note?, treeSize: TreeSize, treeRoot: Hash?
    ) throws(StoreError) -> Note {
        guard checkpoint.size <= treeSize else {
            throw StoreError(.conflict, "checkpoint size \(checkpoint.size) is beyond the stored tree size \(treeSize)")
        }
        guard treeRoot == checkpoint.root else {
            throw StoreError(.conflict, "checkpoint root differs from the stored tree's root at size \(checkpoint.size)")
        }
        guard let stored else { return try merge(Note(unsigned: note), adding: note.signatures) }
        guard stored.text.utf8.elementsEqual(note.text.utf8) else {
            throw StoreError(.conflict, "another checkpoint text is stored for size \(checkpoint.size)")
        }
        return try merge(stored, adding: note.signatures)
    }

    // MARK: Verification

    /// Recomputes the tree from entries fed in order and compares it with the stored rows.
    struct Verifier {
        var tree = CompactTree()
        var firstBad: LeafIndex?
        var problems: [String] = []
        static let maxProblems = 32

        mutating func problem(_ text: String, index: UInt64) {
            if firstBad == nil { firstBad = LeafIndex(index) }
            if problems.count < Verifier.maxProblems { problems.append(text) }
        }

        /// Checks the next entry and the nodes it completes against `nodes` (the stored nodes
        /// completed within the current batch).
        mutating func check(index: UInt64, storedHash: Hash, bytes: [UInt8], nodes: [NodeID: Hash]) {
            guard index == tree.size.rawValue else {
                problem("entry \(tree.size.rawValue) is missing (next stored index is \(index))", index: tree.size.rawValue)
                // Skip ahead is impossible without the missing leaves; stop recomputing nodes.
                return
            }
            let leaf = MerkleHasher.leafHash(bytes)
            if leaf != storedHash {
                problem("entry \(index): stored bytes do not hash to the stored leaf hash", index: index)
            }
            var badNodes: [NodeID] = []
            tree.append(leaf) { id, hash in
                if nodes[id] != hash { badNodes.append(id) }
            }
            for id in badNodes {
                let first = id.coverage.lowerBound
                problem("node \(id) (leaves \(first)..<\(id.coverage.upperBound)) differs from the recomputed hash or is missing", index: first)
            }
        }

        func report(storedSize: TreeSize, storedTree: CompactTree?) -> VerificationReport {
            var report = VerificationReport(size: storedSize, recomputedRoot: tree.root, firstBadIndex: firstBad, problems: problems)
            if tree.size != storedSize {
                report.problems.append("recomputed \(tree.size) entries, the stored size is \(storedSize)")
                if report.firstBadIndex == nil { report.firstBadIndex = LeafIndex(min(tree.size.rawValue, storedSize.rawValue)) }
            } else if let storedTree, storedTree.edge != tree.edge {
                report.problems.append("the stored right edge differs from the recomputed one at size \(storedSize)")
            }
            return report
        }
    }

    /// For the leaves `leaves`, the nodes each level completes: node (l, i) is completed by leaf
    /// `(i + 1) << l - 1`, so level l contributes indices `lower >> l ..< upper >> l`.
    static func completedNodeRanges(leaves: Range<UInt64>) -> [(level: UInt8, indices: Range<UInt64>)] {
        var ranges: [(level: UInt8, indices: Range<UInt64>)] = []
        for level in UInt8(0)..<64 {
            let range = (leaves.lowerBound >> UInt64(level))..<(leaves.upperBound >> UInt64(level))
            if leaves.upperBound >> UInt64(level) == 0 { break }
            if !range.isEmpty { ranges.append((level, range)) }
        }
        return ranges
    }

    /// Leaves per verification batch.
    static let verifyBatch: UInt64 = 1024
}

extension Note {
    /// The note's text without signatures (for merging into an empty set).
    init(unsigned note: Note) {
        self = note
        self.signatures = []
    }
}
