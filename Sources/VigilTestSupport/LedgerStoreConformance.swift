public import VigilLedger
public import VigilStore

/// A failed expectation of ``LedgerStoreConformance``, naming the case and what differed.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public var description: String
    public var file: String
    public var line: Int
}

/// The behavioural contract every ``LedgerStore`` backend must pass (Trillian's
/// `AdminStorageTester`): one suite, run against memory, SQLite and PostgreSQL.
///
/// Each case gets a fresh store from `makeStore`, so cases are independent.
///
/// ```swift
/// @Test(arguments: LedgerStoreConformance<InMemoryLedgerStore>.Case.allCases)
/// func inMemory(_ c: LedgerStoreConformance<InMemoryLedgerStore>.Case) async throws {
///     try await LedgerStoreConformance { InMemoryLedgerStore() }.run(c)
/// }
/// ```
public struct LedgerStoreConformance<Store: LedgerStore>: Sendable {
    /// The cases, one per behaviour.
    public enum Case: String, CaseIterable, Sendable, CustomStringConvertible {
        case emptyStore, appendAndRead, appendIsIdempotent, appendIsAtomic, entriesAtTheBundleLimit
        case rootsAndProofsVerify, tilesAndBundles, checkpointsAndCosignatures
        case witnessCompareAndSet, viewNumbersAreMonotonic, chainsAreIndependent
        case concurrentAppendsStayConsistent, resumesAfterReopening, verifyNamesTheFirstCorruptEntry

        public var description: String { rawValue }
    }

    /// The outcome of a case.
    public enum Outcome: Hashable, Sendable {
        case passed
        /// The backend lacks what the case needs (reopening, raw corruption).
        case skipped(reason: String)
    }

    let makeStore: @Sendable () async throws -> Store
    let reopen: (@Sendable (Store) async throws -> Store)?
    let corruptEntry: (@Sendable (Store, String, LeafIndex) async throws -> Void)?

    /// - Parameters:
    ///   - reopen: a new store instance over the same data (a new `DatabasePool` on the file);
    ///     nil for backends without persistence.
    ///   - corruptEntry: changes one byte of the stored bytes of an entry behind the store's back
    ///     (raw SQL).
    ///   - makeStore: a fresh, empty store.
    public init(
        reopen: (@Sendable (Store) async throws -> Store)? = nil,
        corruptEntry: (@Sendable (Store, String, LeafIndex) async throws -> Void)? = nil,
        makeStore: @escaping @Sendable () async throws -> Store
    ) {
        self.makeStore = makeStore
        self.reopen = reopen
        self.corruptEntry = corruptEntry
    }

    /// Runs every case; throws the first failure.
    public func runAll() async throws {
        for c in Case.allCases { _ = try await run(c) }
    }

    /// Runs one case against a fresh store.
    @discardableResult
    public func run(_ c: Case) async throws -> Outcome {
        switch c {
        case .emptyStore: try await emptyStore()
        case .appendAndRead: try await appendAndRead()
        case .appendIsIdempotent: try await appendIsIdempotent()
        case .appendIsAtomic: try await appendIsAtomic()
        case .entriesAtTheBundleLimit: try await entriesAtTheBundleLimit()
        case .rootsAndProofsVerify: try await rootsAndProofsVerify()
        case .tilesAndBundles: try await tilesAndBundles()
        case .checkpointsAndCosignatures: try await checkpointsAndCosignatures()
        case .witnessCompareAndSet: try await witnessCompareAndSet()
        case .viewNumbersAreMonotonic: try await viewNumbersAreMonotonic()
        case .chainsAreIndependent: try await chainsAreIndependent()
        case .concurrentAppendsStayConsistent: try await concurrentAppendsStayConsistent()
        case .resumesAfterReopening:
            guard let reopen else { return .skipped(reason: "the backend does not persist across instances") }
            try await resumesAfterReopening(reopen)
        case .verifyNamesTheFirstCorruptEntry:
            guard let corruptEntry else { return .skipped(reason: "the backend gives no raw access to corrupt a row") }
            try await verifyNamesTheFirstCorruptEntry(corruptEntry)
        }
        return .passed
    }

    // MARK: Fixtures

    public static var origin: String { "vigil.example/conformance" }
    public static var author: SignerKey { try! SignerKey(name: "clinic-a", seed: Array(repeating: 7, count: 32)) }
    public static var leader: SignerKey { try! SignerKey(name: "leader", seed: Array(repeating: 9, count: 32)) }

    /// Distinct signed entries `tag-0`, `tag-1`, ...
    public static func entries(_ count: Int, tag: String = "e", origin: String = origin, start: Int = 0) -> [Entry] {
        let author = author
        return (start..<(start + count)).map { i in
            try! Entry.sign(
                chain: origin, kind: .order, author: author, time: 1_700_000_000 + Int64(i),
                body: .object(["text": .string("\(tag)-\(i)")]))
        }
    }

    /// An entry of exactly `size` canonical bytes.
    public static func entry(ofSize size: Int, origin: String = origin) -> Entry {
        func make(_ n: Int) -> Entry {
            try! Entry.sign(
                chain: origin, kind: .order, author: author, time: 1_700_000_000,
                body: .object(["text": .string(String(repeating: "x", count: n))]))
        }
        let overhead = make(0).bytes.count
        return make(size - overhead)
    }

    static func reference(_ entries: [Entry]) -> InMemoryHashStore {
        var tree = InMemoryHashStore()
        tree.append(contentsOf: entries.map(\.hash))
        return tree
    }

    static func referenceRoot(_ entries: some Collection<Entry>) -> Hash {
        var tree = CompactTree()
        for entry in entries { tree.append(entry.hash) }
        return tree.root
    }

    func expect(
        _ condition: Bool, _ message: @autoclosure () -> String, file: String = #fileID, line: Int = #line
    ) throws {
        guard condition else { throw ConformanceFailure(description: "\(file):\(line): \(message())", file: file, line: line) }
    }

    func expectError<T>(
        _ code: StoreError.Code, _ what: String, file: String = #fileID, line: Int = #line, _ body: () async throws -> T
    ) async throws -> StoreError {
        do {
            _ = try await body()
        } catch let error as StoreError {
            try expect(error.code == code, "\(what): got \(error.code), want \(code)", file: file, line: line)
            return error
        } catch {
            throw ConformanceFailure(description: "\(file):\(line): \(what): threw \(type(of: error)), want StoreError(\(code))", file: file, line: line)
        }
        throw ConformanceFailure(description: "\(file):\(line): \(what): did not throw, want \(code)", file: file, line: line)
    }

    func checkpointNote(_ store: Store, size: TreeSize, origin: String = origin, extensions: [String] = []) async throws -> Note {
        let root = try await store.root(at: size, of: origin)
        return try Checkpoint(origin: origin, size: size, root: root, extensions: extensions).signed(by: [Self.leader])
    }

    // MARK: Cases

    func emptyStore() async throws {
        let store = try await makeStore()
        let o = Self.origin
        try expect(try await store.size(of: o) == 0, "empty size")
        try expect(try await store.root(at: 0, of: o) == MerkleHasher.emptyRoot, "empty root")
        try expect(try await store.entries(in: 0..<0, of: o).isEmpty, "no entries")
        try expect(try await store.entry(hash: Self.entries(1)[0].hash, in: o) == nil, "no entry by hash")
        try expect(try await store.latestCheckpoint(of: o) == nil, "no checkpoint")
        try expect(try await store.witnessState(for: o) == nil, "no witness state")
        try expect(try await store.viewState(for: o) == nil, "no view state")
        try expect(try await store.verify(o).isIntact, "empty verifies")
        _ = try await expectError(.invalidArgument, "root beyond the tree") { try await store.root(at: 1, of: o) }
        _ = try await expectError(.invalidArgument, "entries beyond the tree") { try await store.entries(in: 0..<1, of: o) }
        _ = try await expectError(.notFound, "tile of an empty tree") { try await store.tile(try TileID(level: 0, index: 0, width: 1), of: o) }
        let appended = try await store.append([], to: o)
        try expect(appended.size == 0 && appended.indices.isEmpty && appended.added == 0, "empty append")
    }

    func appendAndRead() async throws {
        let store = try await makeStore()
        let o = Self.origin
        let all = Self.entries(8)
        let first = try await store.append(Array(all[0..<5]), to: o)
        try expect(first.indices == (0..<5).map { LeafIndex($0) } && first.size == 5 && first.added == 5, "first batch \(first)")
        let second = try await store.append(Array(all[5...]), to: o)
        try expect(second.indices == (5..<8).map { LeafIndex($0) } && second.size == 8 && second.added == 3, "second batch \(second)")
        try expect(try await store.size(of: o) == 8, "size 8")
        let read = try await store.entries(in: 2..<6, of: o)
        try expect(read.map(\.bytes) == all[2..<6].map(\.bytes), "entries 2..<6 bytes")
        try expect(read.map(\.index) == (2..<6).map { LeafIndex($0) }, "entries 2..<6 indices")
        try expect(read.map(\.hash) == all[2..<6].map(\.hash), "entries 2..<6 hashes")
        for (i, entry) in all.enumerated() {
            let found = try await store.entry(hash: entry.hash, in: o)
            try expect(found == StoredEntry(index: LeafIndex(UInt64(i)), hash: entry.hash, bytes: entry.bytes), "entry(hash:) \(i)")
            try expect(try Entry(parsing: found!.bytes) == entry, "stored bytes parse back to entry \(i)")
        }
        for n in 0...8 {
            try expect(try await store.root(at: TreeSize(UInt64(n)), of: o) == Self.referenceRoot(all[0..<n]), "root at \(n)")
        }
        _ = try await expectError(.invalidArgument, "entries past the end") { try await store.entries(in: 6..<9, of: o) }
        _ = try await expectError(.invalidArgument, "root past the end") { try await store.root(at: 9, of: o) }
        try expect(try await store.verify(o).isIntact, "verifies")
    }

    func appendIsIdempotent() async throws {
        let store = try await makeStore()
        let o = Self.origin
        let e = Self.entries(4)
        _ = try await store.append([e[0], e[1], e[2]], to: o)
        let again = try await store.append([e[1], e[3], e[1], e[0], e[3]], to: o)
        try expect(again.indices == [1, 3, 1, 0, 3], "indices of a repeated batch: \(again.indices)")
        try expect(again.size == 4 && again.added == 1, "one new entry: \(again)")
        let same = try await store.append(e, to: o)
        try expect(same.indices == [0, 1, 2, 3] && same.size == 4 && same.added == 0, "all present: \(same)")
        try expect(try await store.entries(in: 0..<4, of: o).map(\.hash) == e.map(\.hash), "stored once, in order")
        try expect(try await store.root(at: 4, of: o) == Self.referenceRoot(e), "root unchanged by repeats")
        try expect(try await store.verify(o).isIntact, "verifies")
    }

    func appendIsAtomic() async throws {
        let store = try await makeStore()
        let o = Self.origin
        let e = Self.entries(3)
        _ = try await store.append([e[0]], to: o)
        let rootBefore = try await store.root(at: 1, of: o)
        // A bad entry in the middle of a batch (of another chain) fails the whole batch.
        let foreign = Self.entries(1, tag: "secret-text", origin: "vigil.example/other")[0]
        let error = try await expectError(.invalidArgument, "entry of another chain in a batch") {
            try await store.append([e[1], foreign, e[2]], to: o)
        }
        try expect(!error.description.contains("secret-text"), "error description carries no entry bytes")
        try expect(try await store.size(of: o) == 1, "nothing of the failed batch is stored")
        try expect(try await store.entry(hash: e[1].hash, in: o) == nil, "the entry before the bad one is not stored")
        try expect(try await store.root(at: 1, of: o) == rootBefore, "root unchanged")
        let ok = try await store.append([e[1], e[2]], to: o)
        try expect(ok.indices == [1, 2] && ok.size == 3, "the batch without the bad entry appends: \(ok)")
        try expect(try await store.verify(o).isIntact, "verifies")
    }

    func entriesAtTheBundleLimit() async throws {
        let store = try await makeStore()
        let o = Self.origin
        let limit = Self.entry(ofSize: EntryBundle.maxEntrySize)
        try expect(limit.bytes.count == EntryBundle.maxEntrySize, "fixture has \(limit.bytes.count) bytes")
        let small = Self.entries(1)[0]
        _ = try await store.append([small, limit], to: o)
        let bundle = try await store.entryBundle(try TileID(level: 0, index: 0, width: 2), of: o)
        try expect(try EntryBundle.parse(bundle) == [small.bytes, limit.bytes], "bundle with a 65535-byte entry parses back")
        // A larger entry cannot exist: the ledger refuses to make one, so no store ever sees it.
        try expect(Entry.maxSize == EntryBundle.maxEntrySize, "entries and bundles agree on the limit")
        try expect((try? Entry.sign(
            chain: o, kind: .order, author: Self.author, time: 1, body: ["text": .string(String(repeating: "x", count: Entry.maxSize))])) == nil,
            "an entry over the bundle limit cannot be signed")
        try expect(try await store.size(of: o) == 2, "size 2")
    }

    func rootsAndProofsVerify() async throws {
        let store = try await makeStore()
        let o = Self.origin
        let all = Self.entries(37)
        var appended = 0
        for batch in [1, 5, 13, 2, 16] {
            _ = try await store.append(Array(all[appended..<(appended + batch)]), to: o)
            appended += batch
        }
        let reference = Self.reference(all)
        var roots: [Hash] = []
        for n in 0...37 {
            let root = try await store.root(at: TreeSize(UInt64(n)), of: o)
            try expect(root == (n == 0 ? MerkleHasher.emptyRoot : try MerkleProof.root(size: TreeSize(UInt64(n)), store: reference)), "root at \(n)")
            roots.append(root)
        }
        for size in [1, 2, 3, 7, 8, 9, 16, 31, 32, 37] {
            for index in Set([0, size / 2, size - 1]) {
                let proof = try await store.inclusionProof(index: LeafIndex(UInt64(index)), size: TreeSize(UInt64(size)), of: o)
                try MerkleProof.verifyInclusion(
                    index: LeafIndex(UInt64(index)), size: TreeSize(UInt64(size)), leafHash: all[index].hash, proof: proof, root: roots[size])
            }
        }
        for (old, new) in [(1, 1), (1, 2), (3, 7), (4, 8), (5, 37), (16, 32), (17, 37), (36, 37), (37, 37)] {
            let proof = try await store.consistencyProof(from: TreeSize(UInt64(old)), to: TreeSize(UInt64(new)), of: o)
            try MerkleProof.verifyConsistency(
                from: TreeSize(UInt64(old)), to: TreeSize(UInt64(new)), proof: proof, oldRoot: roots[old], newRoot: roots[new])
        }
        _ = try await expectError(.invalidArgument, "inclusion index at the size") { try await store.inclusionProof(index: 5, size: 5, of: o) }
        _ = try await expectError(.invalidArgument, "inclusion beyond the tree") { try await store.inclusionProof(index: 1, size: 38, of: o) }
        _ = try await expectError(.invalidArgument, "consistency beyond the tree") { try await store.consistencyProof(from: 3, to: 38, of: o) }
        _ = try await expectError(.invalidArgument, "consistency from 0") { try await store.consistencyProof(from: 0, to: 3, of: o) }
        _ = try await expectError(.invalidArgument, "consistency backwards") { try await store.consistencyProof(from: 5, to: 3, of: o) }
    }

    func tilesAndBundles() async throws {
        let store = try await makeStore()
        let o = Self.origin
        let count = 600
        let all = Self.entries(count)
        for start in stride(from: 0, to: count, by: 150) {
            _ = try await store.append(Array(all[start..<(start + 150)]), to: o)
        }
        let reference = Self.reference(all)
        let tiles = TileID.tiles(forTreeSize: TreeSize(UInt64(count)))
        try expect(tiles.map(\.path) == ["tile/0/000", "tile/0/001", "tile/0/002.p/88", "tile/1/000.p/2"], "tile list \(tiles.map(\.path))")
        for id in tiles {
            let bytes = try await store.tile(id, of: o)
            let want = try reference.hashes(for: id.nodes).flatMap(\.bytes)
            try expect(bytes == want, "tile \(id.path) hashes")
        }
        // A narrower partial tile than the tree has is still served (its hashes never change).
        let narrow = try TileID(level: 0, index: 2, width: 10)
        try expect(try await store.tile(narrow, of: o) == (try reference.hashes(for: narrow.nodes).flatMap(\.bytes)), "narrow partial tile")
        // Level-0 tile hashes are the leaves; level-1 hashes are the roots of 256-leaf subtrees.
        let level1 = try await store.tile(try TileID(level: 1, index: 0, width: 2), of: o)
        try expect(Array(level1[0..<32]) == Self.referenceRoot(all[0..<256]).bytes, "level-1 hash 0 is the root of leaves 0..<256")
        _ = try await expectError(.notFound, "tile wider than the tree") { try await store.tile(try TileID(level: 0, index: 2, width: 89), of: o) }
        _ = try await expectError(.notFound, "full tile not yet complete") { try await store.tile(try TileID(level: 0, index: 2), of: o) }
        _ = try await expectError(.notFound, "tile beyond the tree") { try await store.tile(try TileID(level: 0, index: 3, width: 1), of: o) }
        _ = try await expectError(.notFound, "level-2 tile") { try await store.tile(try TileID(level: 2, index: 0, width: 1), of: o) }
        _ = try await expectError(.notFound, "level-32 tile (tree level 256)") { try await store.tile(try TileID(level: 32, index: 0, width: 1), of: o) }

        for id in tiles where id.level == 0 {
            let bundle = try await store.entryBundle(id, of: o)
            let parsed = try EntryBundle.parse(bundle)
            let first = Int(id.index) * 256
            try expect(parsed == all[first..<(first + id.width)].map(\.bytes), "bundle \(id.entriesPath) parses back")
            try expect(try parsed.map { try Entry(parsing: $0) } == Array(all[first..<(first + id.width)]), "bundle entries parse")
        }
        _ = try await expectError(.notFound, "bundle beyond the tree") { try await store.entryBundle(try TileID(level: 0, index: 2), of: o) }
        _ = try await expectError(.invalidArgument, "bundle at level 1") { try await store.entryBundle(try TileID(level: 1, index: 0, width: 1), of: o) }
    }

    func checkpointsAndCosignatures() async throws {
        let store = try await makeStore()
        let o = Self.origin
        let all = Self.entries(8)
        _ = try await store.append(Array(all[0..<5]), to: o)
        let note5 = try await checkpointNote(store, size: 5)
        let saved = try await store.saveCheckpoint(note5)
        try expect(saved.checkpoint.size == 5 && saved.note.signatures == note5.signatures, "saved checkpoint")
        try expect(try await store.latestCheckpoint(of: o) == saved, "latest is size 5")
        try expect(try await store.checkpoint(of: o, size: 5) == saved, "checkpoint(size: 5)")
        try expect(try await store.checkpoint(of: o, size: 4) == nil, "no checkpoint of size 4")

        let witnessA = try SignerKey(name: "witness-a", type: .cosignature, seed: Array(repeating: 1, count: 32))
        let witnessB = try SignerKey(name: "witness-b", type: .cosignature, seed: Array(repeating: 2, count: 32))
        let cosigA = try Note(text: note5.text).signed(by: [witnessA], timestamp: 1_700_000_100).signatures
        let cosigB = try Note(text: note5.text).signed(by: [witnessB], timestamp: 1_700_000_101).signatures
        let withA = try await store.addCosignatures(cosigA, toCheckpointOf: o, size: 5)
        try expect(withA.note.signatures == note5.signatures + cosigA, "leader then witness a")
        // The same key again is ignored; a new key is appended.
        let withB = try await store.addCosignatures(cosigA + cosigB, toCheckpointOf: o, size: 5)
        try expect(withB.note.signatures == note5.signatures + cosigA + cosigB, "witness b merged once")
        try expect(try await store.checkpoint(of: o, size: 5)?.note == withB.note, "merged note stored")
        // Saving the same checkpoint text again merges its lines too.
        let resaved = try await store.saveCheckpoint(try Note(text: note5.text, signatures: note5.signatures + cosigB))
        try expect(resaved.note.signatures == note5.signatures + cosigA + cosigB, "resave merges")
        try expect(try VerifierSet([Self.leader.verifierKey, witnessA.verifierKey, witnessB.verifierKey]).verify(resaved.note.bytes).verified.count == 3, "stored note verifies with all three keys")

        _ = try await expectError(.notFound, "cosign a missing checkpoint") {
            try await store.addCosignatures(cosigA, toCheckpointOf: o, size: 4)
        }
        _ = try await expectError(.conflict, "another text at the same size") {
            try await store.saveCheckpoint(try await self.checkpointNote(store, size: 5, extensions: ["other"]))
        }
        let wrongRoot = try Checkpoint(origin: o, size: 4, root: MerkleHasher.emptyRoot).signed(by: [Self.leader])
        _ = try await expectError(.conflict, "root that disagrees with the tree") { try await store.saveCheckpoint(wrongRoot) }
        let beyond = try Checkpoint(origin: o, size: 6, root: MerkleHasher.emptyRoot).signed(by: [Self.leader])
        _ = try await expectError(.conflict, "size beyond the tree") { try await store.saveCheckpoint(beyond) }
        _ = try await expectError(.invalidArgument, "a note that is not a checkpoint") {
            try await store.saveCheckpoint(try Note(text: "hello\n").signed(by: [Self.leader]))
        }
        try expect(try await store.checkpoint(of: o, size: 4) == nil, "failed saves stored nothing")

        _ = try await store.append(Array(all[5...]), to: o)
        let note8 = try await checkpointNote(store, size: 8)
        _ = try await store.saveCheckpoint(note8)
        try expect(try await store.latestCheckpoint(of: o)?.checkpoint.size == 8, "latest is size 8")
        try expect(try await store.checkpoint(of: o, size: 5)?.note == resaved.note, "size 5 kept")
        try expect(try await store.latestCheckpoint(of: o, atMost: 7)?.checkpoint.size == 5, "at most 7 is size 5")
        try expect(try await store.latestCheckpoint(of: o, atMost: 8)?.checkpoint.size == 8, "at most 8 is size 8")
        try expect(try await store.latestCheckpoint(of: o, atMost: 100)?.checkpoint.size == 8, "at most 100 is size 8")
        try expect(try await store.latestCheckpoint(of: o, atMost: 4) == nil, "none at most 4")
        try expect(try await store.latestCheckpoint(of: "vigil.example/other") == nil, "other chain has none")
    }

    func witnessCompareAndSet() async throws {
        let store = try await makeStore()
        let log = "log.example/witnessed"
        func state(_ size: UInt64) throws -> WitnessState {
            let root = MerkleHasher.leafHash(Array("root \(size)".utf8))
            let note = try Checkpoint(origin: log, size: TreeSize(size), root: root).signed(by: [Self.leader])
            return WitnessState(origin: log, size: TreeSize(size), root: root, note: note)
        }
        try await store.updateWitnessState(try state(10), expectedOldSize: 0)
        try expect(try await store.witnessState(for: log) == (try state(10)), "first state stored")
        let conflict = try await expectError(.conflict, "stale expected size 0") {
            try await store.updateWitnessState(try state(12), expectedOldSize: 0)
        }
        try expect(conflict.currentSize == 10, "conflict carries the stored size 10, got \(String(describing: conflict.currentSize))")
        try await store.updateWitnessState(try state(20), expectedOldSize: 10)
        let stale = try await expectError(.conflict, "stale expected size 10") {
            try await store.updateWitnessState(try state(25), expectedOldSize: 10)
        }
        try expect(stale.currentSize == 20, "conflict carries 20")
        let ahead = try await expectError(.conflict, "expected size ahead of the stored one") {
            try await store.updateWitnessState(try state(40), expectedOldSize: 30)
        }
        try expect(ahead.currentSize == 20, "conflict carries 20 when the caller is ahead")
        _ = try await expectError(.invalidArgument, "new size below the old") {
            try await store.updateWitnessState(try state(15), expectedOldSize: 20)
        }
        try await store.updateWitnessState(try state(20), expectedOldSize: 20)
        try expect(try await store.witnessState(for: log) == (try state(20)), "state at 20 after failures")
        try expect(try await store.witnessState(for: "log.example/unrelated") == nil, "other logs have no state")

        // Racing first updates: exactly one wins, the others see a conflict.
        let race = "log.example/race"
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for size in UInt64(1)...6 {
                group.addTask {
                    let root = MerkleHasher.leafHash([UInt8(size)])
                    let note = try Checkpoint(origin: race, size: TreeSize(size), root: root).signed(by: [Self.leader])
                    do {
                        try await store.updateWitnessState(
                            WitnessState(origin: race, size: TreeSize(size), root: root, note: note), expectedOldSize: 0)
                        return true
                    } catch let error as StoreError where error.code == .conflict {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        try expect(wins == 1, "\(wins) racing first updates won, want 1")
    }

    func viewNumbersAreMonotonic() async throws {
        let store = try await makeStore()
        let o = Self.origin
        try await store.saveViewState(ViewState(origin: o, view: 1, blob: [1]))
        try await store.saveViewState(ViewState(origin: o, view: 3, blob: [3]))
        try await store.saveViewState(ViewState(origin: o, view: 3, blob: [3, 3]))
        try expect(try await store.viewState(for: o) == ViewState(origin: o, view: 3, blob: [3, 3]), "same view overwrites")
        _ = try await expectError(.conflict, "view going back") { try await store.saveViewState(ViewState(origin: o, view: 2, blob: [2])) }
        try expect(try await store.viewState(for: o) == ViewState(origin: o, view: 3, blob: [3, 3]), "rejected save changed nothing")
        try await store.saveViewState(ViewState(origin: "vigil.example/other", view: 0, blob: []))
        try expect(try await store.viewState(for: "vigil.example/other") == ViewState(origin: "vigil.example/other", view: 0, blob: []), "views are per chain")
        try await store.saveViewState(ViewState(origin: o, view: UInt64(Int64.max), blob: [9]))
        _ = try await expectError(.invalidArgument, "view beyond 2^63-1") {
            try await store.saveViewState(ViewState(origin: o, view: UInt64.max, blob: [9]))
        }
    }

    func chainsAreIndependent() async throws {
        let store = try await makeStore()
        let a = Self.origin
        let b = "vigil.example/second"
        let ea = Self.entries(3, origin: a)
        let eb = Self.entries(5, tag: "b", origin: b)
        _ = try await store.append(ea, to: a)
        _ = try await store.append(eb, to: b)
        let sizeA = try await store.size(of: a)
        let sizeB = try await store.size(of: b)
        try expect(sizeA == 3 && sizeB == 5, "sizes per chain")
        try expect(try await store.entry(hash: ea[0].hash, in: b) == nil, "entry of a is not in b")
        try expect(try await store.root(at: 5, of: b) == Self.referenceRoot(eb), "root of b")
        try expect(try await store.root(at: 3, of: a) == Self.referenceRoot(ea), "root of a")
        try expect(try await store.verify(a).isIntact, "a verifies")
        try expect(try await store.verify(b).isIntact, "b verifies")
    }

    func concurrentAppendsStayConsistent() async throws {
        let store = try await makeStore()
        let o = Self.origin
        let tasks = 6
        let shared = Self.entries(4, tag: "shared")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    let own = Self.entries(15, tag: "task\(t)")
                    for batch in stride(from: 0, to: own.count, by: 3) {
                        // Every task also submits the shared entries: they must be stored once.
                        _ = try await store.append(Array(own[batch..<(batch + 3)]) + [shared[(batch / 3) % shared.count]], to: o)
                    }
                }
            }
            try await group.waitForAll()
        }
        let size = try await store.size(of: o)
        let want = UInt64(tasks * 15 + shared.count)
        try expect(size.rawValue == want, "size \(size), want \(want)")
        let stored = try await store.entries(in: 0..<LeafIndex(want), of: o)
        try expect(Set(stored.map(\.hash)).count == Int(want), "every entry stored exactly once")
        try expect(stored.map(\.index) == (0..<want).map { LeafIndex($0) }, "indices are dense")
        var tree = CompactTree()
        for entry in stored { tree.append(MerkleHasher.leafHash(entry.bytes)) }
        try expect(try await store.root(at: size, of: o) == tree.root, "root matches the stored order")
        try expect(try await store.verify(o).isIntact, "verifies after concurrent appends")
    }

    func resumesAfterReopening(_ reopen: @Sendable (Store) async throws -> Store) async throws {
        let store = try await makeStore()
        let o = Self.origin
        let all = Self.entries(17)
        _ = try await store.append(Array(all[0..<11]), to: o)
        let root11 = try await store.root(at: 11, of: o)
        let note = try await checkpointNote(store, size: 11)
        _ = try await store.saveCheckpoint(note)
        let reopened = try await reopen(store)
        try expect(try await reopened.size(of: o) == 11, "size after reopening")
        try expect(try await reopened.root(at: 11, of: o) == root11, "root after reopening")
        try expect(try await reopened.latestCheckpoint(of: o)?.note == note, "checkpoint after reopening")
        let more = try await reopened.append(Array(all[9...]), to: o)
        try expect(more.indices == (9..<17).map { LeafIndex($0) } && more.size == 17 && more.added == 6, "append continues: \(more)")
        try expect(try await reopened.root(at: 17, of: o) == Self.referenceRoot(all), "root after resuming")
        let proof = try await reopened.consistencyProof(from: 11, to: 17, of: o)
        try MerkleProof.verifyConsistency(from: 11, to: 17, proof: proof, oldRoot: root11, newRoot: Self.referenceRoot(all))
        try expect(try await reopened.verify(o).isIntact, "verifies after resuming")
    }

    func verifyNamesTheFirstCorruptEntry(_ corrupt: @Sendable (Store, String, LeafIndex) async throws -> Void) async throws {
        let store = try await makeStore()
        let o = Self.origin
        _ = try await store.append(Self.entries(20), to: o)
        let before = try await store.verify(o)
        try expect(before.isIntact && before.firstBadIndex == nil && before.size == 20, "intact before: \(before.problems)")
        try await corrupt(store, o, 13)
        let after = try await store.verify(o)
        try expect(!after.isIntact, "corruption detected")
        try expect(after.firstBadIndex == 13, "first bad index \(String(describing: after.firstBadIndex)), want 13")
        try expect(after.recomputedRoot != (try await store.root(at: 20, of: o)), "recomputed root differs from the stored one")
        try await corrupt(store, o, 4)
        try expect(try await store.verify(o).firstBadIndex == 4, "an earlier corruption is named first")
    }
}
