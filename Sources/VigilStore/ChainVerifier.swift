import GRDB
public import VigilLedger

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a chain's data comes from, in C2SP tlog-tiles terms: signed checkpoints, entry bundles
/// and hash tiles. ``ChainVerifier`` reads a chain through it and trusts none of it.
///
/// Implementations: ``TilesDirectoryChainSource`` (a static tlog-tiles tree on disk),
/// ``LedgerStoreChainSource`` (a node's store), and, in the `vigil` tool, one over HTTP.
public protocol ChainSource: Sendable {
    /// Names the source in messages: a directory, a URL, a database file and origin.
    var name: String { get }
    /// Whether entries are placed in messages by their bytes in an entry-bundle file (a tiles
    /// directory or URL) rather than within the stored entry (a store).
    var servesBundleFiles: Bool { get }
    /// The signed checkpoints to verify, as note bytes: the served one, or every stored one.
    /// - Throws: ``StoreError`` (``StoreError/Code/notFound`` when there is none to read).
    func checkpoints() async throws -> [[UInt8]]
    /// The number of entries to verify; `nil` for the size of the largest checkpoint.
    func treeSize() async throws -> TreeSize?
    /// The entry bundle `tile/entries/<N>[.p/<W>]`.
    /// - Throws: ``StoreError/Code/notFound`` when it is not there (a partial bundle is then
    ///   read from the full one, as C2SP tlog-tiles clients do).
    func entryBundle(_ id: TileID) async throws -> [UInt8]
    /// The hash tile `tile/<L>/<N>[.p/<W>]`.
    /// - Throws: ``StoreError/Code/notFound`` when it is not there.
    func tile(_ id: TileID) async throws -> [UInt8]
    /// Integrity problems the source finds itself (a store compares its own rows), one per line.
    func selfCheck() async throws -> [String]
}

extension ChainSource {
    public var servesBundleFiles: Bool { true }
    public func treeSize() async throws -> TreeSize? { nil }
    public func selfCheck() async throws -> [String] { [] }
}

/// The outcome of verifying one chain: what was checked and, in the order found, what failed.
/// Corruption is a value, not a throw.
public struct ChainVerification: Sendable {
    /// One thing that does not verify.
    public struct Problem: Hashable, Sendable, CustomStringConvertible {
        /// What failed, with the byte range and the values that disagree.
        public var message: String
        /// The entry concerned, if any.
        public var entry: LeafIndex?
        public var description: String { message }
    }

    /// The source's name.
    public var source: String
    /// The chain's origin, from the checkpoint.
    public var origin: String?
    /// Entries read and hashed.
    public var size: TreeSize = 0
    /// The root recomputed from the entries.
    public var root: Hash?
    /// The largest checkpoint verified against the entries.
    public var checkpoint: Checkpoint?
    /// Members whose cosignatures of ``checkpoint`` verified.
    public var cosigners: [String] = []
    /// How many checkpoints were compared with the tree.
    public var checkpointsChecked = 0
    /// Entries replayed, by kind.
    public var entriesByKind: [EntryKind: Int] = [:]
    /// Entries that replayed through ``ChainState/apply(_:)`` (the genesis included).
    public var entriesReplayed = 0
    /// The health-code keys the replayed chain accepted (its trust list, DESIGN §6).
    public var codeKeys: [CodeKey] = []
    /// What failed, in the order found; at most ``ChainVerifier/maxProblems``.
    public var problems: [Problem] = []
    /// Problems found beyond ``problems``.
    public var moreProblems = 0
    /// Whether every check ran (a missing file or a truncated bundle stops the rest).
    public var isComplete = true

    /// Whether everything verified.
    public var isValid: Bool { problems.isEmpty && isComplete }

    init(source: String) { self.source = source }

    mutating func add(_ message: String, entry: LeafIndex? = nil) {
        if problems.count < ChainVerifier.maxProblems {
            problems.append(Problem(message: message, entry: entry))
        } else {
            moreProblems += 1
        }
    }
}

/// Verifies a whole chain offline from a ``ChainSource``: every entry parses and hashes to the
/// leaf its hash tile holds; every stored hash-tile node is recomputed from the tile below; the
/// root of the entries equals each checkpoint's; the genesis is entry 0 and every entry replays
/// through ``ChainState/apply(_:)``; each checkpoint meets the chain's quorum policy
/// (``NodeMachine/checkpointPolicy(for:)`` of the state replayed to its size); a pinned
/// checkpoint, if given, is consistent with the tree.
///
/// Memory is O(size / 256): entries are read one bundle at a time.
public struct ChainVerifier: Sendable {
    /// Most problems kept in a report.
    public static let maxProblems = 100
    /// Bundles and tiles fetched ahead of the one being checked.
    public static let prefetch = 8

    /// A checkpoint the verified one must be consistent with (note bytes, signatures optional).
    public var pinned: [UInt8]?
    /// Called after each entry bundle with the entries verified so far and the total.
    public var progress: (@Sendable (_ done: UInt64, _ total: UInt64) -> Void)?

    public init(pinned: [UInt8]? = nil, progress: (@Sendable (_ done: UInt64, _ total: UInt64) -> Void)? = nil) {
        self.pinned = pinned
        self.progress = progress
    }

    /// A parsed checkpoint and how messages call it.
    struct Parsed {
        var note: [UInt8]
        var checkpoint: Checkpoint
        var label: String
    }

    /// Verifies `source`; never throws: failures to read are problems too.
    public func verify(_ source: some ChainSource) async -> ChainVerification {
        var report = ChainVerification(source: source.name)
        do {
            try await run(source, &report)
        } catch {
            report.add(Self.message(of: error))
            report.isComplete = false
        }
        return report
    }

    static func message(of error: any Error) -> String {
        if let error = error as? StoreError { return error.message.isEmpty ? error.description : error.message }
        if let error = error as? LedgerError { return error.message }
        return String(describing: error)
    }

    private func run(_ source: some ChainSource, _ report: inout ChainVerification) async throws {
        // Checkpoints.
        let notes = try await source.checkpoints()
        guard !notes.isEmpty else {
            report.add("no checkpoint to verify the chain against")
            report.isComplete = false
            return
        }
        var checkpoints: [Parsed] = []
        for (i, bytes) in notes.enumerated() {
            let label = notes.count == 1 ? "checkpoint" : "stored checkpoint \(i + 1) of \(notes.count)"
            do {
                let note = try Note(parsing: bytes)
                let checkpoint = try Checkpoint(text: note.text)
                checkpoints.append(Parsed(note: bytes, checkpoint: checkpoint, label: label))
            } catch {
                report.add("\(label) is malformed: \(error.message)")
            }
        }
        guard let head = checkpoints.max(by: { $0.checkpoint.size < $1.checkpoint.size }) else {
            report.isComplete = false
            return
        }
        if checkpoints.count > 1 {
            for i in checkpoints.indices { checkpoints[i].label = "checkpoint of size \(checkpoints[i].checkpoint.size)" }
        }
        let origin = head.checkpoint.origin
        report.origin = origin
        report.checkpoint = head.checkpoint
        for other in checkpoints where other.checkpoint.origin != origin {
            report.add("\(other.label) is for origin \(other.checkpoint.origin.prefix(100)), not \(origin.prefix(100))")
        }
        let size = try await source.treeSize() ?? head.checkpoint.size
        for parsed in checkpoints where parsed.checkpoint.size > size {
            report.add("\(parsed.label) is beyond the stored tree of size \(size)")
        }
        for parsed in checkpoints where parsed.checkpoint.size == 0 {
            report.add("\(parsed.label) has size 0: a chain's checkpoints cover at least its genesis")
        }
        var pinnedCheckpoint: Checkpoint?
        if let pinned {
            do {
                let checkpoint = try Checkpoint(text: try Note(parsing: pinned).text)
                if checkpoint.origin != origin {
                    report.add("pinned checkpoint is for origin \(checkpoint.origin.prefix(100)), not \(origin.prefix(100))")
                } else if checkpoint.size > head.checkpoint.size {
                    report.add(
                        "pinned checkpoint of size \(checkpoint.size) is ahead of the \(head.label) of size \(head.checkpoint.size): "
                            + "the served chain does not extend it")
                } else {
                    pinnedCheckpoint = checkpoint
                }
            } catch {
                report.add("pinned checkpoint is malformed: \(error.message)")
            }
        }
        let bySize = Dictionary(grouping: checkpoints.filter { $0.checkpoint.size <= size && $0.checkpoint.size > 0 }, by: \.checkpoint.size)

        // Entries and level-0 tiles.
        var pass = EntryPass(
            origin: origin, size: size, bundles: source.servesBundleFiles, checkpoints: bySize, pinned: pinnedCheckpoint, head: head)
        let levelZero = TileID.tiles(forTreeSize: size).filter { $0.level == 0 }
        var fetched = Prefetcher(count: levelZero.count, window: Self.prefetch) { i in
            let id = levelZero[i]
            async let bundle = Self.fetchBundle(id, from: source)
            async let hashes = Self.fetchTile(id, from: source)
            return try await (bundle, hashes)
        }
        defer { fetched.cancel() }
        for (i, id) in levelZero.enumerated() {
            let (bundle, hashes) = try await fetched.value(at: i)
            guard pass.check(bundle: bundle, tile: hashes, id: id, report: &report) else {
                report.isComplete = false
                return
            }
            progress?(pass.tree.size.rawValue, size.rawValue)
        }
        report.size = pass.tree.size
        report.root = pass.tree.root

        // Hash tiles above level 0: each hash is the root of a full tile below.
        var below = pass.tileRoots
        var level: UInt8 = 1
        while !below.isEmpty {
            let tiles = TileID.tiles(forTreeSize: size).filter { $0.level == level }
            var roots: [Hash?] = []
            for id in tiles {
                let bytes = try await Self.fetchTile(id, from: source)
                let stored = Self.hashes(bytes, id: id, report: &report)
                for position in 0..<id.width {
                    let child = Int(id.index) * TileID.fullWidth + position
                    guard child < below.count, let expected = below[child], let actual = stored?[position] else { continue }
                    if actual != expected {
                        let childID = try TileID(level: level - 1, index: UInt64(child))
                        report.add(
                            "hash \(position) (bytes \(Self.range(position * Hash.byteCount, Hash.byteCount))) of \(id.path) "
                                + "is not the root of \(childID.path): stored \(actual), recomputed \(expected)")
                    }
                }
                if id.isFull { roots.append(stored.map { MerkleHasher.perfectRoot($0) }) }
            }
            below = roots
            level += 1
        }

        report.entriesByKind = pass.kinds
        report.entriesReplayed = pass.state?.size ?? 0
        report.codeKeys = pass.state.map { $0.codeKeys.values.sorted { $0.kid < $1.kid } } ?? []
        report.checkpointsChecked = pass.checkpointsChecked
        report.cosigners = pass.cosigners
        for problem in try await source.selfCheck() { report.add(problem) }
    }

    // MARK: Reading

    static func fetchBundle(_ id: TileID, from source: some ChainSource) async throws -> Fetched {
        do {
            return Fetched(bytes: try await source.entryBundle(id), path: id.entriesPath, full: false)
        } catch let error as StoreError where error.code == .notFound && !id.isFull {
            let full = try TileID(level: 0, index: id.index)
            do {
                return Fetched(bytes: try await source.entryBundle(full), path: full.entriesPath, full: true)
            } catch let fullError as StoreError where fullError.code == .notFound {
                throw error
            }
        }
    }

    static func fetchTile(_ id: TileID, from source: some ChainSource) async throws -> Fetched {
        do {
            return Fetched(bytes: try await source.tile(id), path: id.path, full: false)
        } catch let error as StoreError where error.code == .notFound && !id.isFull {
            let full = try TileID(level: id.level, index: id.index)
            do {
                var fetched = Fetched(bytes: try await source.tile(full), path: full.path, full: true)
                // A full tile in place of a partial one: its first hashes are the partial tile's.
                if fetched.bytes.count >= id.width * Hash.byteCount { fetched.bytes = Array(fetched.bytes.prefix(id.width * Hash.byteCount)) }
                return fetched
            } catch let fullError as StoreError where fullError.code == .notFound {
                throw error
            }
        }
    }

    /// The hashes of a hash tile, or `nil` (with a problem) when it has the wrong length.
    static func hashes(_ fetched: Fetched, id: TileID, report: inout ChainVerification) -> [Hash]? {
        guard fetched.bytes.count == id.width * Hash.byteCount else {
            report.add("\(fetched.path) is \(fetched.bytes.count) bytes, want \(id.width * Hash.byteCount) (\(id.width) hashes)")
            return nil
        }
        return stride(from: 0, to: fetched.bytes.count, by: Hash.byteCount).map {
            try! Hash(bytes: fetched.bytes[$0..<($0 + Hash.byteCount)])
        }
    }

    /// `a–b`, the inclusive byte range of `count` bytes from `start`.
    static func range(_ start: Int, _ count: Int) -> String {
        count == 0 ? "\(start)–\(start) (empty)" : "\(start)–\(start + count - 1)"
    }
}

/// A bundle or tile as read, with the path it was read from.
struct Fetched: Sendable {
    var bytes: [UInt8]
    var path: String
    /// Read from the full tile because the partial one was not there.
    var full: Bool
}

/// The pass over the entries: hashing, tile comparison, replay and checkpoint checks.
struct EntryPass {
    let origin: String
    let size: TreeSize
    let bundles: Bool
    let checkpoints: [TreeSize: [ChainVerifier.Parsed]]
    let pinned: Checkpoint?
    let head: ChainVerifier.Parsed

    var tree = CompactTree()
    var state: ChainState?
    /// Where replay stopped, if it did.
    var stopped: LeafIndex?
    var kinds: [EntryKind: Int] = [:]
    /// The root of each full level-0 tile, recomputed from its stored hashes (`nil` if unreadable).
    var tileRoots: [Hash?] = []
    var checkpointsChecked = 0
    var cosigners: [String] = []

    init(
        origin: String, size: TreeSize, bundles: Bool, checkpoints: [TreeSize: [ChainVerifier.Parsed]], pinned: Checkpoint?,
        head: ChainVerifier.Parsed
    ) {
        self.origin = origin
        self.size = size
        self.bundles = bundles
        self.checkpoints = checkpoints
        self.pinned = pinned
        self.head = head
    }

    /// Checks one level-0 tile and its bundle; `false` when the pass cannot go on.
    mutating func check(bundle: Fetched, tile: Fetched, id: TileID, report: inout ChainVerification) -> Bool {
        let stored = ChainVerifier.hashes(tile, id: id, report: &report)
        // Split the bundle, keeping where each entry lies.
        var ranges: [Range<Int>] = []
        var offset = 0
        let bytes = bundle.bytes
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else {
                report.add(
                    "\(bundle.path) is truncated: it ends inside the length of entry \(Int(id.index) * TileID.fullWidth + ranges.count) "
                        + "at byte \(offset)")
                return false
            }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard offset + 2 + length <= bytes.count else {
                let index = Int(id.index) * TileID.fullWidth + ranges.count
                report.add(
                    "\(bundle.path) is truncated: entry \(index) of \(length) bytes (bytes \(ChainVerifier.range(offset + 2, length))) "
                        + "runs past its end at byte \(bytes.count)", entry: LeafIndex(UInt64(index)))
                return false
            }
            ranges.append((offset + 2)..<(offset + 2 + length))
            offset += 2 + length
            if bundle.full && ranges.count == id.width { break }
        }
        guard ranges.count >= id.width else {
            report.add("\(bundle.path) holds \(ranges.count) entries, want \(id.width): it is truncated")
            return false
        }
        if ranges.count > id.width {
            report.add("\(bundle.path) holds \(ranges.count) entries, want \(id.width)")
            ranges.removeLast(ranges.count - id.width)
        }
        for (position, range) in ranges.enumerated() {
            let index = tree.size.rawValue
            let entryBytes = Array(bytes[range])
            let place =
                bundles
                ? "entry \(index) (bytes \(ChainVerifier.range(range.lowerBound, range.count)) of \(bundle.path))"
                : "entry \(index) (bytes \(ChainVerifier.range(0, range.count)) of the stored entry)"
            let leaf = MerkleHasher.leafHash(entryBytes)
            if let stored, stored[position] != leaf {
                let tileName = bundles ? "the leaf in \(tile.path)" : "its stored leaf hash (\(tile.path) hash \(position))"
                report.add("\(place) does not hash to \(tileName): stored \(stored[position]), recomputed \(leaf)", entry: LeafIndex(index))
            }
            tree.append(leaf)
            replay(entryBytes, index: index, place: place, report: &report)
            if let checks = checkpoints[tree.size] { for parsed in checks { check(parsed, report: &report) } }
            if let pinned, pinned.size == tree.size, pinned.root != tree.root {
                report.add(
                    "pinned checkpoint of size \(pinned.size): root \(pinned.root) does not match the entries' root \(tree.root): "
                        + "the \(head.label) is not consistent with it")
            }
        }
        if id.isFull { tileRoots.append(stored.map { MerkleHasher.perfectRoot($0) }) }
        return true
    }

    /// Parses and applies one entry unless replay has stopped.
    mutating func replay(_ bytes: [UInt8], index: UInt64, place: String, report: inout ChainVerification) {
        guard stopped == nil else { return }
        let entry: Entry
        do {
            entry = try Entry(parsing: bytes)
        } catch {
            report.add("\(place) is not an entry: \(error.message)", entry: LeafIndex(index))
            stopped = LeafIndex(index)
            return
        }
        if entry.bytes != bytes {
            let at = zip(entry.bytes, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(entry.bytes.count, bytes.count)
            report.add("\(place) is not in canonical form: it differs from its canonical JSON at byte \(at) of the entry", entry: LeafIndex(index))
        }
        do {
            if index == 0 {
                let genesis = try ChainState(genesis: entry)
                if genesis.origin != origin {
                    report.add("\(place) is the genesis of \(genesis.origin.prefix(100)), not of \(origin.prefix(100))", entry: 0)
                    stopped = 0
                    return
                }
                state = genesis
            } else {
                try state?.apply(entry)
            }
            kinds[entry.kind, default: 0] += 1
        } catch {
            report.add("\(place) is invalid: \(error.message)", entry: LeafIndex(index))
            stopped = LeafIndex(index)
        }
    }

    /// Compares a checkpoint at the current tree size with the tree and the chain's policy.
    mutating func check(_ parsed: ChainVerifier.Parsed, report: inout ChainVerification) {
        checkpointsChecked += 1
        let checkpoint = parsed.checkpoint
        if checkpoint.root != tree.root {
            report.add("\(parsed.label): root \(checkpoint.root) does not match the entries' root \(tree.root) at size \(tree.size)")
        }
        guard let state, stopped == nil, state.size == Int(tree.size.rawValue) else {
            report.add("\(parsed.label): quorum not checked: replay stopped at entry \(stopped.map { String($0.rawValue) } ?? "?")")
            return
        }
        do {
            let evaluation = try NodeMachine.checkpointPolicy(for: state).evaluate(parsed.note)
            // The policy names each member's witness "w-<name>"; messages use the member's name.
            func member(_ name: String) -> String { name.hasPrefix("w-") ? String(name.dropFirst(2)) : name }
            let names = evaluation.cosigners.map(member)
            if parsed.checkpoint == head.checkpoint { cosigners = names }
            if !evaluation.isSatisfied {
                let shortfalls = evaluation.missing.map { shortfall in
                    shortfall.candidates == [shortfall.name]
                        ? "\(member(shortfall.name)) has not cosigned"
                        : "group \(shortfall.name) needs \(shortfall.needed) more of: " + shortfall.candidates.map(member).joined(separator: ", ")
                }
                report.add(
                    "\(parsed.label) does not meet the chain's quorum: cosigned by \(names.isEmpty ? "nobody" : names.joined(separator: ", ")); "
                        + shortfalls.joined(separator: "; "))
            }
        } catch {
            report.add("\(parsed.label) does not verify against the chain's members: \(error.message)")
        }
    }
}

/// Runs up to `window` fetches ahead of the consumer, in order, holding only those in memory.
struct Prefetcher<Value: Sendable> {
    let count: Int
    let window: Int
    let fetch: @Sendable (Int) async throws -> Value
    private var tasks: [Int: Task<Value, any Error>] = [:]
    private var next = 0

    init(count: Int, window: Int, _ fetch: @escaping @Sendable (Int) async throws -> Value) {
        self.count = count
        self.window = window
        self.fetch = fetch
    }

    /// The value of fetch `i`; call with `i` = 0, 1, 2, ...
    mutating func value(at i: Int) async throws -> Value {
        while next < count && next <= i + window {
            let n = next
            let fetch = self.fetch
            tasks[n] = Task { try await fetch(n) }
            next += 1
        }
        guard let task = tasks.removeValue(forKey: i) else { preconditionFailure("fetch \(i) asked for twice") }
        return try await task.value
    }

    func cancel() { for task in tasks.values { task.cancel() } }
}

// MARK: - Sources

/// A chain served as static files in the C2SP tlog-tiles layout: `checkpoint`,
/// `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]` below a directory.
public struct TilesDirectoryChainSource: ChainSource {
    /// The directory.
    public var path: String

    public init(path: String) { self.path = path }

    public var name: String { path }

    /// Whether `path` looks like a tiles directory (has a `checkpoint` file).
    public static func isTilesDirectory(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/checkpoint")
    }

    public func checkpoints() async throws -> [[UInt8]] { [try read("checkpoint", limit: Note.maxSize)] }

    public func entryBundle(_ id: TileID) async throws -> [UInt8] {
        try read(id.entriesPath, limit: TileID.fullWidth * (2 + Entry.maxSize))
    }

    public func tile(_ id: TileID) async throws -> [UInt8] { try read(id.path, limit: TileID.fullWidth * Hash.byteCount) }

    func read(_ relative: String, limit: Int) throws -> [UInt8] {
        let file = path + "/" + relative
        guard FileManager.default.fileExists(atPath: file) else {
            throw StoreError(.notFound, "\(relative) is missing from \(path)")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw StoreError(.io, "cannot read \(file)")
        }
        guard data.count <= limit else { throw StoreError(.corrupt, "\(relative) is \(data.count) bytes, at most \(limit)") }
        return Array(data)
    }
}

/// One chain of a ``LedgerStore``: its entries as bundles, its stored nodes as tiles, and the
/// stored checkpoints (every one, when their sizes are given). The store's own
/// ``LedgerStore/verify(_:)`` runs too.
public struct LedgerStoreChainSource: ChainSource {
    public var store: any LedgerStore
    public var origin: String
    /// Where the store lives, for messages.
    public var location: String
    /// Sizes of the stored checkpoints to verify; `nil` for the latest only.
    public var checkpointSizes: [TreeSize]?

    public init(store: any LedgerStore, origin: String, location: String, checkpointSizes: [TreeSize]? = nil) {
        self.store = store
        self.origin = origin
        self.location = location
        self.checkpointSizes = checkpointSizes
    }

    public var name: String { "\(location) chain \(origin)" }
    public var servesBundleFiles: Bool { false }

    public func checkpoints() async throws -> [[UInt8]] {
        guard let sizes = checkpointSizes else {
            return try await store.latestCheckpoint(of: origin).map { [$0.note.bytes] } ?? []
        }
        var notes: [[UInt8]] = []
        for size in sizes {
            guard let stored = try await store.checkpoint(of: origin, size: size) else { continue }
            notes.append(stored.note.bytes)
        }
        return notes
    }

    public func treeSize() async throws -> TreeSize? { try await store.size(of: origin) }

    public func entryBundle(_ id: TileID) async throws -> [UInt8] { try await store.entryBundle(id, of: origin) }

    public func tile(_ id: TileID) async throws -> [UInt8] {
        do {
            return try await store.tile(id, of: origin)
        } catch let error as StoreError where error.code == .corrupt {
            // A stored tile with missing rows: report it as a mismatch, not a stop.
            return []
        }
    }

    public func selfCheck() async throws -> [String] {
        let report = try await store.verify(origin)
        return report.problems.map { "store: " + $0 }
    }
}

extension SQLiteLedgerStore {
    /// Opens a node's database file read-only, for verification: nothing is created or migrated.
    /// - Throws: ``StoreError/Code/notFound`` when the file does not exist,
    ///   ``StoreError/Code/invalidArgument`` when it is not a Vigil node database.
    public static func openReadOnly(path: String) throws -> SQLiteLedgerStore {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError(.notFound, "\(path) does not exist") }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let isVigil = try queue.read { db in
                try db.tableExists("chain") && db.tableExists("entry") && db.tableExists("checkpoint")
            }
            guard isVigil else { throw StoreError(.invalidArgument, "\(path) is not a Vigil node database (no chain, entry and checkpoint tables)") }
            return try SQLiteLedgerStore(queue)
        } catch {
            throw SQLiteLedgerStore.map(error)
        }
    }

    /// The origins of the chains stored, in order.
    public func origins() async throws -> [String] {
        do {
            return try await database.read { db in try String.fetchAll(db, sql: "SELECT origin FROM chain ORDER BY origin") }
        } catch {
            throw SQLiteLedgerStore.map(error)
        }
    }

    /// The sizes of every stored checkpoint of `origin`, ascending.
    public func checkpointSizes(of origin: String) async throws -> [TreeSize] {
        do {
            let sizes = try await database.read { db in
                try Int64.fetchAll(
                    db, sql: "SELECT c.size FROM checkpoint c JOIN chain ch ON ch.id = c.chain_id WHERE ch.origin = ? ORDER BY c.size",
                    arguments: [origin])
            }
            return sizes.map { TreeSize(UInt64(max(0, $0))) }
        } catch {
            throw SQLiteLedgerStore.map(error)
        }
    }
}
