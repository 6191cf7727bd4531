public import VigilLedger

/// Durable state of a Vigil node: per chain its entries and Merkle nodes (served as C2SP
/// tlog-tiles), its signed checkpoints with their cosignatures; per witnessed log the last
/// cosigned checkpoint; per chain the consensus view-change state.
///
/// Every method that changes more than one row does it in one transaction: when it throws, it
/// has changed nothing. Database failures surface as ``StoreError`` with code
/// ``StoreError/Code/io`` and the database's error as `cause`, so a node stops cosigning rather
/// than act on half-written state. All backends pass `LedgerStoreConformance`.
public protocol LedgerStore: Sendable {
    // MARK: Entries and the tree

    /// Appends `entries` to the chain `origin`, storing each entry's canonical bytes and every
    /// Merkle node the append completes, and the tree's new right edge, atomically.
    ///
    /// Idempotent: an entry whose hash is already stored (or appears earlier in the batch) is not
    /// stored again; its existing index is returned.
    /// - Returns: the index of each entry, in order, and the new tree size.
    /// - Throws: ``StoreError/Code/invalidArgument`` when an entry is longer than 65535 bytes (a
    ///   tlog-tiles entry bundle cannot carry it) or belongs to another chain; nothing is stored.
    func append(_ entries: [Entry], to origin: String) async throws -> AppendResult

    /// The number of entries of chain `origin` (0 for an unknown chain).
    func size(of origin: String) async throws -> TreeSize

    /// The entries at `range`, in order.
    /// - Throws: ``StoreError/Code/invalidArgument`` when the range reaches beyond the tree.
    func entries(in range: Range<LeafIndex>, of origin: String) async throws -> [StoredEntry]

    /// The entry with leaf hash `hash`, if stored.
    func entry(hash: EntryHash, in origin: String) async throws -> StoredEntry?

    /// The RFC 9162 root of the first `size` entries.
    /// - Throws: ``StoreError/Code/invalidArgument`` when `size` exceeds the tree.
    func root(at size: TreeSize, of origin: String) async throws -> Hash

    /// The inclusion proof of leaf `index` in the tree of `size` entries.
    func inclusionProof(index: LeafIndex, size: TreeSize, of origin: String) async throws -> [Hash]

    /// The consistency proof from `oldSize` to `newSize` (`0 < oldSize <= newSize <= size`).
    func consistencyProof(from oldSize: TreeSize, to newSize: TreeSize, of origin: String) async throws -> [Hash]

    /// A tlog-tiles hash tile: the concatenated 32-byte hashes of ``TileID/nodes``.
    /// - Throws: ``StoreError/Code/notFound`` when the tree does not have that many hashes yet.
    func tile(_ id: TileID, of origin: String) async throws -> [UInt8]

    /// A tlog-tiles entry bundle: each entry of the tile's range as a big-endian uint16 length
    /// and its bytes (see ``EntryBundle``).
    /// - Throws: ``StoreError/Code/notFound`` when the tree does not have those entries yet.
    func entryBundle(_ id: TileID, of origin: String) async throws -> [UInt8]

    /// Recomputes every leaf hash from the stored bytes, every stored node, and the root, and
    /// compares them with what is stored. Corruption is a value in the report, not a throw.
    func verify(_ origin: String) async throws -> VerificationReport

    // MARK: Checkpoints

    /// Stores a signed checkpoint of chain `Checkpoint(text: note.text).origin`. Saving the same
    /// checkpoint again merges its signature lines into the stored ones.
    /// - Throws: ``StoreError/Code/invalidArgument`` for a note that is not a checkpoint;
    ///   ``StoreError/Code/conflict`` when its size exceeds the stored tree, its root differs
    ///   from the stored tree's root at that size, or another text is stored for that size.
    @discardableResult
    func saveCheckpoint(_ note: Note) async throws -> StoredCheckpoint

    /// Adds signature lines (cosignatures) to the stored checkpoint of `origin` at `size`; a
    /// line with the same key name and key ID as a stored one is ignored.
    /// - Throws: ``StoreError/Code/notFound`` when no checkpoint of that size is stored.
    @discardableResult
    func addCosignatures(_ signatures: [NoteSignature], toCheckpointOf origin: String, size: TreeSize) async throws
        -> StoredCheckpoint

    /// The stored checkpoint of the largest size.
    func latestCheckpoint(of origin: String) async throws -> StoredCheckpoint?

    /// The stored checkpoint of `size`.
    func checkpoint(of origin: String, size: TreeSize) async throws -> StoredCheckpoint?

    /// The stored checkpoint of the largest size at most `size` (to serve a catch-up in pieces).
    func latestCheckpoint(of origin: String, atMost size: TreeSize) async throws -> StoredCheckpoint?

    // MARK: Witness state

    /// What this node last cosigned for log `origin`.
    func witnessState(for origin: String) async throws -> WitnessState?

    /// Replaces the witness state of `state.origin` if and only if its stored size is
    /// `expectedOldSize` (0 when nothing is stored), atomically: the C2SP tlog-witness
    /// check-and-persist.
    /// - Throws: ``StoreError/Code/conflict`` with ``StoreError/currentSize`` set to the stored
    ///   size (0 when none) when it differs; ``StoreError/Code/invalidArgument`` when the new
    ///   size is below `expectedOldSize`.
    func updateWitnessState(_ state: WitnessState, expectedOldSize: TreeSize) async throws

    // MARK: View-change state

    /// The consensus state of chain `origin`: its current view and an opaque encoding.
    func viewState(for origin: String) async throws -> ViewState?

    /// Stores `state`; the view number never goes back (an equal view overwrites).
    /// - Throws: ``StoreError/Code/conflict`` when a higher view is stored.
    func saveViewState(_ state: ViewState) async throws

    /// Makes the store self-contained before the process exits (SQLite folds its write-ahead
    /// log into the database file). Nothing is lost without it; the store stays usable.
    func flush() async
}

extension LedgerStore {
    public func flush() async {}
}

/// The outcome of ``LedgerStore/append(_:to:)``.
public struct AppendResult: Hashable, Sendable {
    /// The leaf index of each appended entry, in the order given (an existing index for an entry
    /// that was already stored).
    public var indices: [LeafIndex]
    /// The tree size after the append.
    public var size: TreeSize
    /// How many entries were new.
    public var added: Int

    public init(indices: [LeafIndex], size: TreeSize, added: Int) {
        self.indices = indices
        self.size = size
        self.added = added
    }
}

/// An entry as stored: its position, leaf hash and canonical bytes.
public struct StoredEntry: Hashable, Sendable {
    public var index: LeafIndex
    public var hash: EntryHash
    /// The canonical entry bytes (``Entry/bytes``); parse with ``Entry/init(parsing:)``.
    public var bytes: [UInt8]

    public init(index: LeafIndex, hash: EntryHash, bytes: [UInt8]) {
        self.index = index
        self.hash = hash
        self.bytes = bytes
    }
}

/// A signed checkpoint as stored, with every signature line received so far.
public struct StoredCheckpoint: Hashable, Sendable {
    public var checkpoint: Checkpoint
    public var note: Note

    public init(checkpoint: Checkpoint, note: Note) {
        self.checkpoint = checkpoint
        self.note = note
    }
}

/// What a witness last cosigned for one log (C2SP tlog-witness state).
public struct WitnessState: Hashable, Sendable {
    /// The witnessed log's origin.
    public var origin: String
    public var size: TreeSize
    public var root: Hash
    /// The checkpoint as cosigned.
    public var note: Note

    public init(origin: String, size: TreeSize, root: Hash, note: Note) {
        self.origin = origin
        self.size = size
        self.root = root
        self.note = note
    }
}

/// The view-change state of one chain, owned by the consensus state machine.
public struct ViewState: Hashable, Sendable {
    public var origin: String
    /// The view number; never goes back.
    public var view: UInt64
    /// The state machine's own encoding (last cosigned checkpoint, certificate, ...).
    public var blob: [UInt8]

    public init(origin: String, view: UInt64, blob: [UInt8]) {
        self.origin = origin
        self.view = view
        self.blob = blob
    }
}

/// The result of ``LedgerStore/verify(_:)``.
public struct VerificationReport: Hashable, Sendable {
    /// The stored tree size.
    public var size: TreeSize
    /// The root recomputed from the entry bytes.
    public var recomputedRoot: Hash
    /// The first leaf whose bytes, stored leaf hash or covering nodes do not match.
    public var firstBadIndex: LeafIndex?
    /// What does not match, in order found (at most a few dozen lines, numbers only).
    public var problems: [String]

    /// Whether everything matched.
    public var isIntact: Bool { problems.isEmpty }

    public init(size: TreeSize, recomputedRoot: Hash, firstBadIndex: LeafIndex?, problems: [String]) {
        self.size = size
        self.recomputedRoot = recomputedRoot
        self.firstBadIndex = firstBadIndex
        self.problems = problems
    }
}
