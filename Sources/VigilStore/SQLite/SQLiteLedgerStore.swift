public import GRDB
public import VigilLedger

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A ``LedgerStore`` in SQLite through GRDB: the embedded default, one file per node in WAL
/// mode (a `DatabasePool`), or a `DatabaseQueue` (`DatabaseQueue()` is in memory) for tests.
///
/// Every change runs in one `write` transaction; reads run on a snapshot.
public struct SQLiteLedgerStore: LedgerStore {
    /// The database. Exposed for tests and tools (backups, `vigil verify`); write to it only
    /// through the store.
    public let database: any DatabaseWriter

    /// Opens (creating if needed) the database file at `path` in WAL mode and migrates it.
    /// - Throws: ``StoreError/Code/io`` when the file cannot be opened or migrated.
    public init(path: String) throws {
        try self.init(try Self.openPool(path: path))
    }

    /// The database file at `path` in WAL mode (created if needed), as both SQLite stores open it.
    /// - Throws: ``StoreError/Code/io`` when the file cannot be opened.
    static func openPool(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        do {
            return try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw SQLiteLedgerStore.map(error)
        }
    }

    /// Uses `database` (a `DatabasePool` for a file, a `DatabaseQueue` in memory) and migrates it.
    /// - Throws: ``StoreError/Code/io`` when the migration fails.
    public init(_ database: any DatabaseWriter) throws {
        self.database = database
        do {
            try SQLiteMigrations.migrator.migrate(database)
        } catch {
            throw SQLiteLedgerStore.map(error)
        }
    }

    /// Folds the write-ahead log into the database file (`PRAGMA wal_checkpoint(TRUNCATE)`), so a
    /// stopped node's `.sqlite` file holds everything on its own.
    public func flush() async {
        guard database is DatabasePool else { return }
        _ = try? await database.writeWithoutTransaction { try $0.checkpoint(.truncate) }
    }

    // MARK: Error mapping

    static func map(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return StoreError(.corrupt, "the SQLite file is damaged (\(error.resultCode))", cause: error)
            case .SQLITE_FULL:
                return StoreError(.io, "the disk is full; nothing was written", cause: error)
            default:
                return StoreError(.io, "SQLite failed with \(error.resultCode); nothing was written", cause: error)
            }
        }
        return StoreError(.io, "SQLite failed; nothing was written", cause: SendableBox(String(describing: type(of: error))))
    }

    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch {
            throw SQLiteLedgerStore.map(error)
        }
    }

    private func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch {
            throw SQLiteLedgerStore.map(error)
        }
    }

    // MARK: Rows

    struct ChainRow {
        var id: Int64
        var tree: CompactTree
    }

    static func chain(_ db: Database, _ origin: String) throws -> ChainRow? {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, size, edge FROM chain WHERE origin = ?", arguments: [origin])
        else { return nil }
        let edge: Data = row["edge"]
        return ChainRow(id: row["id"], tree: try LedgerMath.decodeTree(size: row["size"], edge: Array(edge)))
    }

    static func size(_ db: Database, _ origin: String) throws -> TreeSize {
        try chain(db, origin)?.tree.size ?? 0
    }

    /// Loads `ids` of chain `chainID` with one query.
    static func nodes(_ db: Database, chainID: Int64, _ ids: [NodeID]) throws -> [Hash] {
        guard !ids.isEmpty else { return [] }
        var loaded: [NodeID: Hash] = [:]
        // Chunks keep the statement under SQLite's bound-parameter limit.
        for chunk in stride(from: 0, to: ids.count, by: 400).map({ ids[$0..<min($0 + 400, ids.count)] }) {
            var arguments: StatementArguments = [chainID]
            for id in chunk { arguments += [Int64(id.level), try LedgerMath.signed(id.index)] }
            let values = Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", ")
            let rows = try Row.fetchAll(
                db, sql: "SELECT level, idx, hash FROM node WHERE chain_id = ? AND (level, idx) IN (VALUES \(values))",
                arguments: arguments)
            for row in rows {
                let level: Int64 = row["level"]
                let index: Int64 = row["idx"]
                let hash: Data = row["hash"]
                loaded[NodeID(level: UInt8(clamping: level), index: try LedgerMath.unsigned(index, "node index"))] =
                    try LedgerMath.hash(hash)
            }
        }
        return try LedgerMath.ordered(ids, from: loaded)
    }

    static func entries(_ db: Database, chainID: Int64, _ range: Range<LeafIndex>) throws -> [StoredEntry] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT idx, hash, bytes FROM entry WHERE chain_id = ? AND idx >= ? AND idx < ? ORDER BY idx",
            arguments: [chainID, try LedgerMath.signed(range.lowerBound.rawValue), try LedgerMath.signed(range.upperBound.rawValue)])
        return try rows.map { row in
            let hash: Data = row["hash"]
            let bytes: Data = row["bytes"]
            return StoredEntry(
                index: LeafIndex(try LedgerMath.unsigned(row["idx"], "entry index")), hash: try LedgerMath.hash(hash),
                bytes: Array(bytes))
        }
    }

    // MARK: Entries and the tree

    public func append(_ entries: [Entry], to origin: String) async throws -> AppendResult {
        try LedgerMath.validate(entries, origin: origin)
        return try await write { db in
            try db.execute(
                sql: "INSERT INTO chain (origin, size, edge) VALUES (?, 0, x'') ON CONFLICT (origin) DO NOTHING",
                arguments: [origin])
            guard let chain = try SQLiteLedgerStore.chain(db, origin) else {
                throw StoreError(.io, "chain row vanished inside a transaction")
            }
            // Which hashes of the batch are stored already.
            var existing: [Hash: UInt64] = [:]
            let hashes = Array(Set(entries.map(\.hash)))
            for start in stride(from: 0, to: hashes.count, by: 500) {
                let chunk = hashes[start..<min(start + 500, hashes.count)]
                var arguments: StatementArguments = [chain.id]
                for hash in chunk { arguments += [Data(hash.bytes)] }
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                for row in try Row.fetchAll(
                    db, sql: "SELECT hash, idx FROM entry WHERE chain_id = ? AND hash IN (\(marks))", arguments: arguments)
                {
                    let hash: Data = row["hash"]
                    existing[try LedgerMath.hash(hash)] = try LedgerMath.unsigned(row["idx"], "entry index")
                }
            }
            let plan = LedgerMath.planAppend(entries, tree: chain.tree, existing: existing)
            if !plan.entries.isEmpty {
                let insertEntry = try db.cachedStatement(
                    sql: "INSERT INTO entry (chain_id, idx, hash, bytes) VALUES (?, ?, ?, ?)")
                for new in plan.entries {
                    try insertEntry.execute(arguments: [chain.id, try LedgerMath.signed(new.index), Data(new.hash.bytes), Data(new.bytes)])
                }
                let insertNode = try db.cachedStatement(sql: "INSERT INTO node (chain_id, level, idx, hash) VALUES (?, ?, ?, ?)")
                for node in plan.nodes {
                    try insertNode.execute(arguments: [chain.id, Int64(node.id.level), try LedgerMath.signed(node.id.index), Data(node.hash.bytes)])
                }
                try db.execute(
                    sql: "UPDATE chain SET size = ?, edge = ? WHERE id = ?",
                    arguments: [try LedgerMath.signed(plan.tree.size.rawValue), Data(LedgerMath.encodeEdge(plan.tree.edge)), chain.id])
            }
            return AppendResult(indices: plan.indices, size: plan.tree.size, added: plan.entries.count)
        }
    }

    public func size(of origin: String) async throws -> TreeSize {
        try await read { db in try SQLiteLedgerStore.size(db, origin) }
    }

    public func entries(in range: Range<LeafIndex>, of origin: String) async throws -> [StoredEntry] {
        try await read { db in
            guard let chain = try SQLiteLedgerStore.chain(db, origin) else {
                try LedgerMath.checkRange(range, size: 0)
                return []
            }
            try LedgerMath.checkRange(range, size: chain.tree.size)
            return try SQLiteLedgerStore.entries(db, chainID: chain.id, range)
        }
    }

    public func entry(hash: EntryHash, in origin: String) async throws -> StoredEntry? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT e.idx, e.bytes FROM entry e JOIN chain c ON c.id = e.chain_id
                        WHERE c.origin = ? AND e.hash = ?
                        """,
                    arguments: [origin, Data(hash.bytes)])
            else { return nil }
            let bytes: Data = row["bytes"]
            return StoredEntry(index: LeafIndex(try LedgerMath.unsigned(row["idx"], "entry index")), hash: hash, bytes: Array(bytes))
        }
    }

    public func root(at size: TreeSize, of origin: String) async throws -> Hash {
        try await read { db in
            guard let chain = try SQLiteLedgerStore.chain(db, origin) else {
                try LedgerMath.checkSize(size, within: 0)
                return MerkleHasher.emptyRoot
            }
            try LedgerMath.checkSize(size, within: chain.tree.size)
            return LedgerMath.root(size: size, hashes: try SQLiteLedgerStore.nodes(db, chainID: chain.id, LedgerMath.rootNodes(size)))
        }
    }

    public func inclusionProof(index: LeafIndex, size: TreeSize, of origin: String) async throws -> [Hash] {
        try await read { db in
            let chain = try SQLiteLedgerStore.chain(db, origin)
            let plan = try LedgerMath.inclusionPlan(index: index, size: size, stored: chain?.tree.size ?? 0)
            return plan.proof(from: try SQLiteLedgerStore.nodes(db, chainID: chain?.id ?? -1, plan.nodes))
        }
    }

    public func consistencyProof(from oldSize: TreeSize, to newSize: TreeSize, of origin: String) async throws -> [Hash] {
        try await read { db in
            let chain = try SQLiteLedgerStore.chain(db, origin)
            let plan = try LedgerMath.consistencyPlan(from: oldSize, to: newSize, stored: chain?.tree.size ?? 0)
            return plan.proof(from: try SQLiteLedgerStore.nodes(db, chainID: chain?.id ?? -1, plan.nodes))
        }
    }

    public func tile(_ id: TileID, of origin: String) async throws -> [UInt8] {
        try await read { db in
            let chain = try SQLiteLedgerStore.chain(db, origin)
            let (level, first, count) = try LedgerMath.tileNodes(id, size: chain?.tree.size ?? 0)
            let rows = try Row.fetchAll(
                db, sql: "SELECT idx, hash FROM node WHERE chain_id = ? AND level = ? AND idx >= ? AND idx < ? ORDER BY idx",
                arguments: [chain?.id ?? -1, Int64(level), try LedgerMath.signed(first), try LedgerMath.signed(first + UInt64(count))])
            guard rows.count == count else {
                throw StoreError(.corrupt, "tile \(id.path) has \(rows.count) stored hashes, want \(count)")
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count * Hash.byteCount)
            for row in rows {
                let hash: Data = row["hash"]
                bytes.append(contentsOf: try LedgerMath.hash(hash).bytes)
            }
            return bytes
        }
    }

    public func entryBundle(_ id: TileID, of origin: String) async throws -> [UInt8] {
        let entries = try await read { db in
            let chain = try SQLiteLedgerStore.chain(db, origin)
            let range = try LedgerMath.bundleRange(id, size: chain?.tree.size ?? 0)
            return try SQLiteLedgerStore.entries(db, chainID: chain?.id ?? -1, range).map(\.bytes)
        }
        return try EntryBundle.encode(entries)
    }

    public func verify(_ origin: String) async throws -> VerificationReport {
        try await read { db in
            guard let chain = try SQLiteLedgerStore.chain(db, origin) else {
                return LedgerMath.Verifier().report(storedSize: 0, storedTree: CompactTree())
            }
            var verifier = LedgerMath.Verifier()
            // Read through the largest stored index, so rows beyond the stored size are seen too.
            let maxIndex = try Int64.fetchOne(db, sql: "SELECT max(idx) FROM entry WHERE chain_id = ?", arguments: [chain.id])
            let end = max(chain.tree.size.rawValue, maxIndex.map { UInt64(max(0, $0)) + 1 } ?? 0)
            var start: UInt64 = 0
            while start < end {
                let stop = min(end, start + LedgerMath.verifyBatch)
                let batch = try SQLiteLedgerStore.entries(db, chainID: chain.id, LeafIndex(start)..<LeafIndex(stop))
                var nodes: [NodeID: Hash] = [:]
                for (level, indices) in LedgerMath.completedNodeRanges(leaves: start..<stop) {
                    let rows = try Row.fetchAll(
                        db, sql: "SELECT idx, hash FROM node WHERE chain_id = ? AND level = ? AND idx >= ? AND idx < ?",
                        arguments: [chain.id, Int64(level), try LedgerMath.signed(indices.lowerBound), try LedgerMath.signed(indices.upperBound)])
                    for row in rows {
                        let hash: Data = row["hash"]
                        guard let node = try? LedgerMath.hash(hash) else { continue }  // a bad length shows as a mismatch
                        nodes[NodeID(level: level, index: try LedgerMath.unsigned(row["idx"], "node index"))] = node
                    }
                }
                for entry in batch {
                    verifier.check(index: entry.index.rawValue, storedHash: entry.hash, bytes: entry.bytes, nodes: nodes)
                }
                start = stop
            }
            return verifier.report(storedSize: chain.tree.size, storedTree: chain.tree)
        }
    }

    // MARK: Checkpoints

    public func saveCheckpoint(_ note: Note) async throws -> StoredCheckpoint {
        let checkpoint = try LedgerMath.checkpoint(of: note)
        return try await write { db in
            try db.execute(
                sql: "INSERT INTO chain (origin, size, edge) VALUES (?, 0, x'') ON CONFLICT (origin) DO NOTHING",
                arguments: [checkpoint.origin])
            guard let chain = try SQLiteLedgerStore.chain(db, checkpoint.origin) else {
                throw StoreError(.io, "chain row vanished inside a transaction")
            }
            var root: Hash?
            if checkpoint.size <= chain.tree.size {
                root = LedgerMath.root(
                    size: checkpoint.size, hashes: try SQLiteLedgerStore.nodes(db, chainID: chain.id, LedgerMath.rootNodes(checkpoint.size)))
            }
            let size = try LedgerMath.signed(checkpoint.size.rawValue)
            let stored = try Data.fetchOne(
                db, sql: "SELECT note FROM checkpoint WHERE chain_id = ? AND size = ?", arguments: [chain.id, size])
            let merged = try LedgerMath.checkpointToSave(
                note, checkpoint: checkpoint, stored: try stored.map { try LedgerMath.parseNote(Array($0)) },
                treeSize: chain.tree.size, treeRoot: root)
            try db.execute(
                sql: """
                    INSERT INTO checkpoint (chain_id, size, root, note) VALUES (?, ?, ?, ?)
                    ON CONFLICT (chain_id, size) DO UPDATE SET note = excluded.note
                    """,
                arguments: [chain.id, size, Data(checkpoint.root.bytes), Data(merged.bytes)])
            return StoredCheckpoint(checkpoint: checkpoint, note: merged)
        }
    }

    public func addCosignatures(_ signatures: [NoteSignature], toCheckpointOf origin: String, size: TreeSize) async throws
        -> StoredCheckpoint
    {
        try await write { db in
            let size = try LedgerMath.signed(size.rawValue)
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT c.chain_id, c.note FROM checkpoint c JOIN chain ch ON ch.id = c.chain_id WHERE ch.origin = ? AND c.size = ?",
                    arguments: [origin, size])
            else { throw StoreError(.notFound, "no checkpoint of size \(size) is stored") }
            let chainID: Int64 = row["chain_id"]
            let noteBytes: Data = row["note"]
            let merged = try LedgerMath.merge(try LedgerMath.parseNote(Array(noteBytes)), adding: signatures)
            try db.execute(
                sql: "UPDATE checkpoint SET note = ? WHERE chain_id = ? AND size = ?", arguments: [Data(merged.bytes), chainID, size])
            return StoredCheckpoint(checkpoint: try LedgerMath.checkpoint(of: merged), note: merged)
        }
    }

    public func latestCheckpoint(of origin: String) async throws -> StoredCheckpoint? {
        try await checkpoint(
            sql: """
                SELECT c.note FROM checkpoint c JOIN chain ch ON ch.id = c.chain_id
                WHERE ch.origin = ? ORDER BY c.size DESC LIMIT 1
                """,
            arguments: [origin])
    }

    public func latestCheckpoint(of origin: String, atMost size: TreeSize) async throws -> StoredCheckpoint? {
        try await checkpoint(
            sql: """
                SELECT c.note FROM checkpoint c JOIN chain ch ON ch.id = c.chain_id
                WHERE ch.origin = ? AND c.size <= ? ORDER BY c.size DESC LIMIT 1
                """,
            arguments: [origin, try LedgerMath.signed(size.rawValue)])
    }

    public func checkpoint(of origin: String, size: TreeSize) async throws -> StoredCheckpoint? {
        try await checkpoint(
            sql: "SELECT c.note FROM checkpoint c JOIN chain ch ON ch.id = c.chain_id WHERE ch.origin = ? AND c.size = ?",
            arguments: [origin, try LedgerMath.signed(size.rawValue)])
    }

    private func checkpoint(sql: String, arguments: StatementArguments) async throws -> StoredCheckpoint? {
        try await read { db in
            guard let bytes = try Data.fetchOne(db, sql: sql, arguments: arguments) else { return nil }
            let note = try LedgerMath.parseNote(Array(bytes))
            return StoredCheckpoint(checkpoint: try LedgerMath.checkpoint(of: note), note: note)
        }
    }

    // MARK: Witness state

    public func witnessState(for origin: String) async throws -> WitnessState? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT size, root, note FROM witness_state WHERE origin = ?", arguments: [origin])
            else { return nil }
            let root: Data = row["root"]
            let note: Data = row["note"]
            return WitnessState(
                origin: origin, size: TreeSize(try LedgerMath.unsigned(row["size"], "witness size")),
                root: try LedgerMath.hash(root), note: try LedgerMath.parseNote(Array(note)))
        }
    }

    public func updateWitnessState(_ new: WitnessState, expectedOldSize: TreeSize) async throws {
        try LedgerMath.validate(origin: new.origin)
        guard new.size >= expectedOldSize else {
            throw StoreError(.invalidArgument, "new size \(new.size) is below the old size \(expectedOldSize)")
        }
        let size = try LedgerMath.signed(new.size.rawValue)
        try await write { db in
            let current = try Int64.fetchOne(db, sql: "SELECT size FROM witness_state WHERE origin = ?", arguments: [new.origin])
            let currentSize = try LedgerMath.unsigned(current ?? 0, "witness size")
            guard currentSize == expectedOldSize.rawValue else {
                throw StoreError(.conflict, "expected old size \(expectedOldSize), stored size \(currentSize)", currentSize: currentSize)
            }
            try db.execute(
                sql: """
                    INSERT INTO witness_state (origin, size, root, note) VALUES (?, ?, ?, ?)
                    ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note
                    """,
                arguments: [new.origin, size, Data(new.root.bytes), Data(new.note.bytes)])
        }
    }

    // MARK: View-change state

    public func viewState(for origin: String) async throws -> ViewState? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT view, state FROM view_state WHERE origin = ?", arguments: [origin])
            else { return nil }
            let blob: Data = row["state"]
            return ViewState(origin: origin, view: try LedgerMath.unsigned(row["view"], "view"), blob: Array(blob))
        }
    }

    public func saveViewState(_ new: ViewState) async throws {
        try LedgerMath.validate(origin: new.origin)
        let view = try LedgerMath.signed(new.view)
        try await write { db in
            if let current = try Int64.fetchOne(db, sql: "SELECT view FROM view_state WHERE origin = ?", arguments: [new.origin]),
                current > view
            {
                throw StoreError(.conflict, "view \(new.view) is below the stored view \(current)")
            }
            try db.execute(
                sql: """
                    INSERT INTO view_state (origin, view, state) VALUES (?, ?, ?)
                    ON CONFLICT (origin) DO UPDATE SET view = excluded.view, state = excluded.state
                    """,
                arguments: [new.origin, view, Data(new.blob)])
        }
    }
}

/// Carries a non-`Sendable` error's type name as a cause.
struct SendableBox: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
