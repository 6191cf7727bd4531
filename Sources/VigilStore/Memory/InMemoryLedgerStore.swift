public import VigilLedger
import Synchronization

/// A ``LedgerStore`` in memory: for tests, the simulator and `vigil demo --ephemeral`. Every
/// method runs under one lock, so each change is atomic like a transaction.
public final class InMemoryLedgerStore: LedgerStore {
    struct Chain {
        var tree = CompactTree()
        var entries: [StoredEntry] = []
        var byHash: [Hash: UInt64] = [:]
        var nodes: [NodeID: Hash] = [:]
        var checkpoints: [UInt64: Note] = [:]
    }

    struct State {
        var chains: [String: Chain] = [:]
        var witness: [String: WitnessState] = [:]
        var views: [String: ViewState] = [:]
    }

    let state = Mutex(State())

    /// An empty store.
    public init() {}

    public func append(_ entries: [Entry], to origin: String) async throws -> AppendResult {
        try LedgerMath.validate(entries, origin: origin)
        return state.withLock { state in
            var chain = state.chains[origin] ?? Chain()
            let existing = Dictionary(
                entries.compactMap { e in chain.byHash[e.hash].map { (e.hash, $0) } }, uniquingKeysWith: { a, _ in a })
            let plan = LedgerMath.planAppend(entries, tree: chain.tree, existing: existing)
            for new in plan.entries {
                chain.entries.append(StoredEntry(index: LeafIndex(new.index), hash: new.hash, bytes: new.bytes))
                chain.byHash[new.hash] = new.index
            }
            for node in plan.nodes { chain.nodes[node.id] = node.hash }
            chain.tree = plan.tree
            state.chains[origin] = chain
            return AppendResult(indices: plan.indices, size: plan.tree.size, added: plan.entries.count)
        }
    }

    public func size(of origin: String) async throws -> TreeSize {
        state.withLock { $0.chains[origin]?.tree.size ?? 0 }
    }

    public func entries(in range: Range<LeafIndex>, of origin: String) async throws -> [StoredEntry] {
        try state.withLock { state throws(StoreError) in
            let chain = state.chains[origin] ?? Chain()
            try LedgerMath.checkRange(range, size: chain.tree.size)
            return Array(chain.entries[Int(range.lowerBound.rawValue)..<Int(range.upperBound.rawValue)])
        }
    }

    public func entry(hash: EntryHash, in origin: String) async throws -> StoredEntry? {
        state.withLock { state in
            guard let chain = state.chains[origin], let index = chain.byHash[hash] else { return nil }
            return chain.entries[Int(index)]
        }
    }

    public func root(at size: TreeSize, of origin: String) async throws -> Hash {
        try state.withLock { state throws(StoreError) in
            let chain = state.chains[origin] ?? Chain()
            try LedgerMath.checkSize(size, within: chain.tree.size)
            let ids = LedgerMath.rootNodes(size)
            return LedgerMath.root(size: size, hashes: try LedgerMath.ordered(ids, from: chain.nodes))
        }
    }

    public func inclusionProof(index: LeafIndex, size: TreeSize, of origin: String) async throws -> [Hash] {
        try state.withLock { state throws(StoreError) in
            let chain = state.chains[origin] ?? Chain()
            let plan = try LedgerMath.inclusionPlan(index: index, size: size, stored: chain.tree.size)
            return plan.proof(from: try LedgerMath.ordered(plan.nodes, from: chain.nodes))
        }
    }

    public func consistencyProof(from oldSize: TreeSize, to newSize: TreeSize, of origin: String) async throws -> [Hash] {
        try state.withLock { state throws(StoreError) in
            let chain = state.chains[origin] ?? Chain()
            let plan = try LedgerMath.consistencyPlan(from: oldSize, to: newSize, stored: chain.tree.size)
            return plan.proof(from: try LedgerMath.ordered(plan.nodes, from: chain.nodes))
        }
    }

    public func tile(_ id: TileID, of origin: String) async throws -> [UInt8] {
        try state.withLock { state throws(StoreError) in
            let chain = state.chains[origin] ?? Chain()
            _ = try LedgerMath.tileNodes(id, size: chain.tree.size)
            return LedgerMath.tileBytes(try LedgerMath.ordered(id.nodes, from: chain.nodes))
        }
    }

    public func entryBundle(_ id: TileID, of origin: String) async throws -> [UInt8] {
        let entries = try state.withLock { state throws(StoreError) in
            let chain = state.chains[origin] ?? Chain()
            let range = try LedgerMath.bundleRange(id, size: chain.tree.size)
            return chain.entries[Int(range.lowerBound.rawValue)..<Int(range.upperBound.rawValue)].map(\.bytes)
        }
        return try EntryBundle.encode(entries)
    }

    public func verify(_ origin: String) async throws -> VerificationReport {
        state.withLock { state in
            let chain = state.chains[origin] ?? Chain()
            var verifier = LedgerMath.Verifier()
            for entry in chain.entries {
                verifier.check(index: entry.index.rawValue, storedHash: entry.hash, bytes: entry.bytes, nodes: chain.nodes)
            }
            return verifier.report(storedSize: chain.tree.size, storedTree: chain.tree)
        }
    }

    public func saveCheckpoint(_ note: Note) async throws -> StoredCheckpoint {
        let checkpoint = try LedgerMath.checkpoint(of: note)
        return try state.withLock { state throws(StoreError) in
            var chain = state.chains[checkpoint.origin] ?? Chain()
            var root: Hash?
            if checkpoint.size <= chain.tree.size {
                root = LedgerMath.root(
                    size: checkpoint.size,
                    hashes: try LedgerMath.ordered(LedgerMath.rootNodes(checkpoint.size), from: chain.nodes))
            }
            let merged = try LedgerMath.checkpointToSave(
                note, checkpoint: checkpoint, stored: chain.checkpoints[checkpoint.size.rawValue],
                treeSize: chain.tree.size, treeRoot: root)
            chain.checkpoints[checkpoint.size.rawValue] = merged
            state.chains[checkpoint.origin] = chain
            return StoredCheckpoint(checkpoint: checkpoint, note: merged)
        }
    }

    public func addCosignatures(_ signatures: [NoteSignature], toCheckpointOf origin: String, size: TreeSize) async throws
        -> StoredCheckpoint
    {
        try state.withLock { state throws(StoreError) in
            guard var chain = state.chains[origin], let stored = chain.checkpoints[size.rawValue] else {
                throw StoreError(.notFound, "no checkpoint of size \(size) is stored")
            }
            let merged = try LedgerMath.merge(stored, adding: signatures)
            chain.checkpoints[size.rawValue] = merged
            state.chains[origin] = chain
            return StoredCheckpoint(checkpoint: try LedgerMath.checkpoint(of: merged), note: merged)
        }
    }

    public func latestCheckpoint(of origin: String) async throws -> StoredCheckpoint? {
        let note = state.withLock { state in
            state.chains[origin]?.checkpoints.max { $0.key < $1.key }?.value
        }
        guard let note else { return nil }
        return StoredCheckpoint(checkpoint: try LedgerMath.checkpoint(of: note), note: note)
    }

    public func latestCheckpoint(of origin: String, atMost size: TreeSize) async throws -> StoredCheckpoint? {
        let note = state.withLock { state in
            state.chains[origin]?.checkpoints.filter { $0.key <= size.rawValue }.max { $0.key < $1.key }?.value
        }
        guard let note else { return nil }
        return StoredCheckpoint(checkpoint: try LedgerMath.checkpoint(of: note), note: note)
    }

    public func checkpoint(of origin: String, size: TreeSize) async throws -> StoredCheckpoint? {
        guard let note = state.withLock({ $0.chains[origin]?.checkpoints[size.rawValue] }) else { return nil }
        return StoredCheckpoint(checkpoint: try LedgerMath.checkpoint(of: note), note: note)
    }

    public func witnessState(for origin: String) async throws -> WitnessState? {
        state.withLock { $0.witness[origin] }
    }

    public func updateWitnessState(_ new: WitnessState, expectedOldSize: TreeSize) async throws {
        try LedgerMath.validate(origin: new.origin)
        guard new.size >= expectedOldSize else {
            throw StoreError(.invalidArgument, "new size \(new.size) is below the old size \(expectedOldSize)")
        }
        try state.withLock { state throws(StoreError) in
            let current = state.witness[new.origin]?.size ?? 0
            guard current == expectedOldSize else {
                throw StoreError(
                    .conflict, "expected old size \(expectedOldSize), stored size \(current)", currentSize: current.rawValue)
            }
            state.witness[new.origin] = new
        }
    }

    public func viewState(for origin: String) async throws -> ViewState? {
        state.withLock { $0.views[origin] }
    }

    public func saveViewState(_ new: ViewState) async throws {
        try LedgerMath.validate(origin: new.origin)
        _ = try LedgerMath.signed(new.view)
        try state.withLock { state throws(StoreError) in
            if let current = state.views[new.origin], current.view > new.view {
                throw StoreError(.conflict, "view \(new.view) is below the stored view \(current.view)")
            }
            state.views[new.origin] = new
        }
    }
}

extension InMemoryLedgerStore {
    /// Flips one byte of a stored entry behind the store's back, for corruption tests.
    package func _corruptEntryForTesting(_ index: LeafIndex, of origin: String) {
        state.withLock { state in
            guard var chain = state.chains[origin], Int(index.rawValue) < chain.entries.count else { return }
            let i = Int(index.rawValue)
            chain.entries[i].bytes[chain.entries[i].bytes.count / 2] ^= 0x01
            state.chains[origin] = chain
        }
    }
}
