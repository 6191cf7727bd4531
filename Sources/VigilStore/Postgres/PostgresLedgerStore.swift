public import PostgresNIO
public import VigilLedger

/// A ``LedgerStore`` in PostgreSQL through postgres-nio: the production backend, with the same
/// tables as ``SQLiteLedgerStore`` in a schema of its own.
///
/// The caller owns the `PostgresClient` and runs it (add it to the `ServiceGroup`). Every change
/// runs in one transaction; an append locks its chain's row, so concurrent appends serialise.
public struct PostgresLedgerStore: LedgerStore {
    /// The client the store queries through.
    public let client: PostgresClient
    /// The schema that holds the tables.
    public let schema: String
    let logger: Logger
    private let s: String  // the quoted schema, for splicing into SQL

    /// A store in `schema` (created by ``migrate()``).
    /// - Throws: ``StoreError/Code/invalidArgument`` unless `schema` is 1...63 characters of
    ///   `a-z`, `0-9` and `_`, not starting with a digit.
    public init(client: PostgresClient, schema: String = "vigil", logger: Logger = Logger(label: "vigil.store")) throws {
        self.s = try PostgresMigrations.quoted(schema: schema)
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// Creates the schema and applies the migrations it lacks, in one transaction under an
    /// advisory lock, so concurrent nodes migrate once.
    public func migrate() async throws {
        try await transaction { conn, logger in
            try await PostgresMigrations.migrate(conn, schema: self.schema, quoted: self.s, logger: logger)
        }
    }

    // MARK: Plumbing

    static func map(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError { return map(inner) }
            if let inner = error.commitError { return map(inner) }
            if let inner = error.beginError { return map(inner) }
        }
        if let error = error as? PSQLError {
            let state = error.serverInfo?[.sqlState]
            if state == "53100" { return StoreError(.io, "the database disk is full; nothing was written", cause: error) }
            if state?.hasPrefix("XX") == true { return StoreError(.corrupt, "PostgreSQL reports damage (\(state!))", cause: error) }
            return StoreError(.io, "PostgreSQL failed (\(error.code)\(state.map { ", SQLSTATE \($0)" } ?? "")); nothing was written", cause: error)
        }
        return StoreError(.io, "PostgreSQL failed; nothing was written", cause: SendableBox(String(describing: type(of: error))))
    }

    private func transaction<T: Sendable>(
        _ body: @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { conn in try await body(conn, logger) }
        } catch {
            throw PostgresLedgerStore.map(error)
        }
    }

    /// A read-only transaction on one snapshot.
    private func snapshot<T: Sendable>(
        _ body: @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        try await transaction { conn, logger in
            try await conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(conn, logger)
        }
    }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }
    static func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    struct ChainRow: Sendable {
        var id: Int64
        var tree: CompactTree
    }

    func chain(_ conn: PostgresConnection, _ origin: String, forUpdate: Bool = false) async throws -> ChainRow? {
        let lock = forUpdate ? " FOR UPDATE" : ""
        let rows = try await conn.query(
            "SELECT id, size, edge FROM \(unescaped: s).chain WHERE origin = \(origin)\(unescaped: lock)", logger: logger)
        for try await (id, size, edge) in rows.decode((Int64, Int64, ByteBuffer).self) {
            return ChainRow(id: id, tree: try LedgerMath.decodeTree(size: size, edge: Self.bytes(edge)))
        }
        return nil
    }

    func ensureChain(_ conn: PostgresConnection, _ origin: String) async throws -> ChainRow {
        try await conn.query(
            "INSERT INTO \(unescaped: s).chain (origin, size, edge) VALUES (\(origin), 0, ''::bytea) ON CONFLICT (origin) DO NOTHING",
            logger: logger)
        guard let chain = try await chain(conn, origin, forUpdate: true) else {
            throw StoreError(.io, "chain row vanished inside a transaction")
        }
        return chain
    }

    /// Loads `ids` with one query.
    func nodes(_ conn: PostgresConnection, chainID: Int64, _ ids: [NodeID]) async throws -> [Hash] {
        guard !ids.isEmpty else { return [] }
        let levels = ids.map { Int16($0.level) }
        let indices = try ids.map { id throws(StoreError) in try LedgerMath.signed(id.index) }
        let rows = try await conn.query(
            """
            SELECT n.level, n.idx, n.hash FROM \(unescaped: s).node n
            JOIN unnest(\(levels)::smallint[], \(indices)::bigint[]) AS q(level, idx) ON n.level = q.level AND n.idx = q.idx
            WHERE n.chain_id = \(chainID)
            """, logger: logger)
        var loaded: [NodeID: Hash] = [:]
        for try await (level, index, hash) in rows.decode((Int16, Int64, ByteBuffer).self) {
            loaded[NodeID(level: UInt8(clamping: level), index: try LedgerMath.unsigned(index, "node index"))] =
                try LedgerMath.hash(Self.bytes(hash))
        }
        return try LedgerMath.ordered(ids, from: loaded)
    }

    func entries(_ conn: PostgresConnection, chainID: Int64, _ range: Range<LeafIndex>) async throws -> [StoredEntry] {
        let lower = try LedgerMath.signed(range.lowerBound.rawValue)
        let upper = try LedgerMath.signed(range.upperBound.rawValue)
        let rows = try await conn.query(
            """
            SELECT idx, hash, bytes FROM \(unescaped: s).entry
            WHERE chain_id = \(chainID) AND idx >= \(lower) AND idx < \(upper) ORDER BY idx
            """, logger: logger)
        var entries: [StoredEntry] = []
        for try await (index, hash, bytes) in rows.decode((Int64, ByteBuffer, ByteBuffer).self) {
            entries.append(
                StoredEntry(
                    index: LeafIndex(try LedgerMath.unsigned(index, "entry index")), hash: try LedgerMath.hash(Self.bytes(hash)),
                    bytes: Self.bytes(bytes)))
        }
        return entries
    }

    // MARK: Entries and the tree

    public func append(_ entries: [Entry], to origin: String) async throws -> AppendResult {
        try LedgerMath.validate(entries, origin: origin)
        return try await transaction { conn, logger in
            let chain = try await self.ensureChain(conn, origin)
            var existing: [Hash: UInt64] = [:]
            let hashes = Array(Set(entries.map(\.hash))).map { Self.buffer($0.bytes) }
            if !hashes.isEmpty {
                let rows = try await conn.query(
                    "SELECT hash, idx FROM \(unescaped: self.s).entry WHERE chain_id = \(chain.id) AND hash = ANY(\(hashes)::bytea[])",
                    logger: logger)
                for try await (hash, index) in rows.decode((ByteBuffer, Int64).self) {
                    existing[try LedgerMath.hash(Self.bytes(hash))] = try LedgerMath.unsigned(index, "entry index")
                }
            }
            let plan = LedgerMath.planAppend(entries, tree: chain.tree, existing: existing)
            if !plan.entries.isEmpty {
                let indices = try plan.entries.map { e throws(StoreError) in try LedgerMath.signed(e.index) }
                let leafHashes = plan.entries.map { Self.buffer($0.hash.bytes) }
                let bytes = plan.entries.map { Self.buffer($0.bytes) }
                try await conn.query(
                    """
                    INSERT INTO \(unescaped: self.s).entry (chain_id, idx, hash, bytes)
                    SELECT \(chain.id), i, h, b FROM unnest(\(indices)::bigint[], \(leafHashes)::bytea[], \(bytes)::bytea[]) AS t(i, h, b)
                    """, logger: logger)
                let levels = plan.nodes.map { Int16($0.id.level) }
                let nodeIndices = try plan.nodes.map { n throws(StoreError) in try LedgerMath.signed(n.id.index) }
                let nodeHashes = plan.nodes.map { Self.buffer($0.hash.bytes) }
                try await conn.query(
                    """
                    INSERT INTO \(unescaped: self.s).node (chain_id, level, idx, hash)
                    SELECT \(chain.id), l, i, h FROM unnest(\(levels)::smallint[], \(nodeIndices)::bigint[], \(nodeHashes)::bytea[]) AS t(l, i, h)
                    """, logger: logger)
                let size = try LedgerMath.signed(plan.tree.size.rawValue)
                let edge = Self.buffer(LedgerMath.encodeEdge(plan.tree.edge))
                try await conn.query(
                    "UPDATE \(unescaped: self.s).chain SET size = \(size), edge = \(edge) WHERE id = \(chain.id)", logger: logger)
            }
            return AppendResult(indices: plan.indices, size: plan.tree.size, added: plan.entries.count)
        }
    }

    public func size(of origin: String) async throws -> TreeSize {
        try await snapshot { conn, _ in try await self.chain(conn, origin)?.tree.size ?? 0 }
    }

    public func entries(in range: Range<LeafIndex>, of origin: String) async throws -> [StoredEntry] {
        try await snapshot { conn, _ in
            let chain = try await self.chain(conn, origin)
            try LedgerMath.checkRange(range, size: chain?.tree.size ?? 0)
            guard let chain, !range.isEmpty else { return [] }
            return try await self.entries(conn, chainID: chain.id, range)
        }
    }

    public func entry(hash: EntryHash, in origin: String) async throws -> StoredEntry? {
        try await snapshot { conn, logger in
            let rows = try await conn.query(
                """
                SELECT e.idx, e.bytes FROM \(unescaped: self.s).entry e JOIN \(unescaped: self.s).chain c ON c.id = e.chain_id
                WHERE c.origin = \(origin) AND e.hash = \(Self.buffer(hash.bytes))
                """, logger: logger)
            for try await (index, bytes) in rows.decode((Int64, ByteBuffer).self) {
                return StoredEntry(index: LeafIndex(try LedgerMath.unsigned(index, "entry index")), hash: hash, bytes: Self.bytes(bytes))
            }
            return nil
        }
    }

    public func root(at size: TreeSize, of origin: String) async throws -> Hash {
        try await snapshot { conn, _ in
            let chain = try await self.chain(conn, origin)
            try LedgerMath.checkSize(size, within: chain?.tree.size ?? 0)
            guard let chain else { return MerkleHasher.emptyRoot }
            return LedgerMath.root(size: size, hashes: try await self.nodes(conn, chainID: chain.id, LedgerMath.rootNodes(size)))
        }
    }

    public func inclusionProof(index: LeafIndex, size: TreeSize, of origin: String) async throws -> [Hash] {
        try await snapshot { conn, _ in
            let chain = try await self.chain(conn, origin)
            let plan = try LedgerMath.inclusionPlan(index: index, size: size, stored: chain?.tree.size ?? 0)
            return plan.proof(from: try await self.nodes(conn, chainID: chain?.id ?? -1, plan.nodes))
        }
    }

    public func consistencyProof(from oldSize: TreeSize, to newSize: TreeSize, of origin: String) async throws -> [Hash] {
        try await snapshot { conn, _ in
            let chain = try await self.chain(conn, origin)
            let plan = try LedgerMath.consistencyPlan(from: oldSize, to: newSize, stored: chain?.tree.size ?? 0)
            return plan.proof(from: try await self.nodes(conn, chainID: chain?.id ?? -1, plan.nodes))
        }
    }

    public func tile(_ id: TileID, of origin: String) async throws -> [UInt8] {
        try await snapshot { conn, logger in
            let chain = try await self.chain(conn, origin)
            let (level, first, count) = try LedgerMath.tileNodes(id, size: chain?.tree.size ?? 0)
            let lower = try LedgerMath.signed(first)
            let upper = try LedgerMath.signed(first + UInt64(count))
            let rows = try await conn.query(
                """
                SELECT hash FROM \(unescaped: self.s).node
                WHERE chain_id = \(chain?.id ?? -1) AND level = \(Int16(level)) AND idx >= \(lower) AND idx < \(upper) ORDER BY idx
                """, logger: logger)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count * Hash.byteCount)
            var found = 0
            for try await hash in rows.decode(ByteBuffer.self) {
                bytes.append(contentsOf: try LedgerMath.hash(Self.bytes(hash)).bytes)
                found += 1
            }
            guard found == count else { throw StoreError(.corrupt, "tile \(id.path) has \(found) stored hashes, want \(count)") }
            return bytes
        }
    }

    public func entryBundle(_ id: TileID, of origin: String) async throws -> [UInt8] {
        let entries = try await snapshot { conn, _ in
            let chain = try await self.chain(conn, origin)
            let range = try LedgerMath.bundleRange(id, size: chain?.tree.size ?? 0)
            return try await self.entries(conn, chainID: chain?.id ?? -1, range).map(\.bytes)
        }
        return try EntryBundle.encode(entries)
    }

    public func verify(_ origin: String) async throws -> VerificationReport {
        try await snapshot { conn, logger in
            guard let chain = try await self.chain(conn, origin) else {
                return LedgerMath.Verifier().report(storedSize: 0, storedTree: CompactTree())
            }
            var maxIndex: Int64? = nil
            for try await value in try await conn.query(
                "SELECT max(idx) FROM \(unescaped: self.s).entry WHERE chain_id = \(chain.id)", logger: logger
            ).decode(Int64?.self) {
                maxIndex = value
            }
            let end = max(chain.tree.size.rawValue, maxIndex.map { UInt64(max(0, $0)) + 1 } ?? 0)
            var verifier = LedgerMath.Verifier()
            var start: UInt64 = 0
            while start < end {
                let stop = min(end, start + LedgerMath.verifyBatch)
                let batch = try await self.entries(conn, chainID: chain.id, LeafIndex(start)..<LeafIndex(stop))
                let ranges = LedgerMath.completedNodeRanges(leaves: start..<stop)
                let levels = ranges.map { Int16($0.level) }
                let lows = try ranges.map { r throws(StoreError) in try LedgerMath.signed(r.indices.lowerBound) }
                let highs = try ranges.map { r throws(StoreError) in try LedgerMath.signed(r.indices.upperBound) }
                let rows = try await conn.query(
                    """
                    SELECT n.level, n.idx, n.hash FROM \(unescaped: self.s).node n
                    JOIN unnest(\(levels)::smallint[], \(lows)::bigint[], \(highs)::bigint[]) AS q(level, lo, hi)
                      ON n.level = q.level AND n.idx >= q.lo AND n.idx < q.hi
                    WHERE n.chain_id = \(chain.id)
                    """, logger: logger)
                var nodes: [NodeID: Hash] = [:]
                for try await (level, index, hash) in rows.decode((Int16, Int64, ByteBuffer).self) {
                    guard let node = try? LedgerMath.hash(Self.bytes(hash)) else { continue }
                    nodes[NodeID(level: UInt8(clamping: level), index: try LedgerMath.unsigned(index, "node index"))] = node
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
        return try await transaction { conn, logger in
            let chain = try await self.ensureChain(conn, checkpoint.origin)
            var root: Hash?
            if checkpoint.size <= chain.tree.size {
                root = LedgerMath.root(
                    size: checkpoint.size, hashes: try await self.nodes(conn, chainID: chain.id, LedgerMath.rootNodes(checkpoint.size)))
            }
            let size = try LedgerMath.signed(checkpoint.size.rawValue)
            var stored: Note?
            for try await bytes in try await conn.query(
                "SELECT note FROM \(unescaped: self.s).checkpoint WHERE chain_id = \(chain.id) AND size = \(size)", logger: logger
            ).decode(ByteBuffer.self) {
                stored = try LedgerMath.parseNote(Self.bytes(bytes))
            }
            let merged = try LedgerMath.checkpointToSave(
                note, checkpoint: checkpoint, stored: stored, treeSize: chain.tree.size, treeRoot: root)
            try await conn.query(
                """
                INSERT INTO \(unescaped: self.s).checkpoint (chain_id, size, root, note)
                VALUES (\(chain.id), \(size), \(Self.buffer(checkpoint.root.bytes)), \(Self.buffer(merged.bytes)))
                ON CONFLICT (chain_id, size) DO UPDATE SET note = excluded.note
                """, logger: logger)
            return StoredCheckpoint(checkpoint: checkpoint, note: merged)
        }
    }

    public func addCosignatures(_ signatures: [NoteSignature], toCheckpointOf origin: String, size: TreeSize) async throws
        -> StoredCheckpoint
    {
        let size = try LedgerMath.signed(size.rawValue)
        return try await transaction { conn, logger in
            let rows = try await conn.query(
                """
                SELECT c.chain_id, c.note FROM \(unescaped: self.s).checkpoint c JOIN \(unescaped: self.s).chain ch ON ch.id = c.chain_id
                WHERE ch.origin = \(origin) AND c.size = \(size) FOR UPDATE OF c
                """, logger: logger)
            var found: (Int64, ByteBuffer)?
            for try await row in rows.decode((Int64, ByteBuffer).self) { found = row }
            guard let (chainID, noteBytes) = found else { throw StoreError(.notFound, "no checkpoint of size \(size) is stored") }
            let merged = try LedgerMath.merge(try LedgerMath.parseNote(Self.bytes(noteBytes)), adding: signatures)
            try await conn.query(
                """
                UPDATE \(unescaped: self.s).checkpoint SET note = \(Self.buffer(merged.bytes))
                WHERE chain_id = \(chainID) AND size = \(size)
                """, logger: logger)
            return StoredCheckpoint(checkpoint: try LedgerMath.checkpoint(of: merged), note: merged)
        }
    }

    public func latestCheckpoint(of origin: String) async throws -> StoredCheckpoint? {
        try await snapshot { conn, logger in
            let rows = try await conn.query(
                """
                SELECT c.note FROM \(unescaped: self.s).checkpoint c JOIN \(unescaped: self.s).chain ch ON ch.id = c.chain_id
                WHERE ch.origin = \(origin) ORDER BY c.size DESC LIMIT 1
                """, logger: logger)
            return try await Self.checkpoint(rows)
        }
    }

    public func checkpoint(of origin: String, size: TreeSize) async throws -> StoredCheckpoint? {
        let size = try LedgerMath.signed(size.rawValue)
        return try await snapshot { conn, logger in
            let rows = try await conn.query(
                """
                SELECT c.note FROM \(unescaped: self.s).checkpoint c JOIN \(unescaped: self.s).chain ch ON ch.id = c.chain_id
                WHERE ch.origin = \(origin) AND c.size = \(size)
                """, logger: logger)
            return try await Self.checkpoint(rows)
        }
    }

    public func latestCheckpoint(of origin: String, atMost size: TreeSize) async throws -> StoredCheckpoint? {
        let size = try LedgerMath.signed(size.rawValue)
        return try await snapshot { conn, logger in
            let rows = try await conn.query(
                """
                SELECT c.note FROM \(unescaped: self.s).checkpoint c JOIN \(unescaped: self.s).chain ch ON ch.id = c.chain_id
                WHERE ch.origin = \(origin) AND c.size <= \(size) ORDER BY c.size DESC LIMIT 1
                """, logger: logger)
            return try await Self.checkpoint(rows)
        }
    }

    static func checkpoint(_ rows: PostgresRowSequence) async throws -> StoredCheckpoint? {
        for try await bytes in rows.decode(ByteBuffer.self) {
            let note = try LedgerMath.parseNote(Self.bytes(bytes))
            return StoredCheckpoint(checkpoint: try LedgerMath.checkpoint(of: note), note: note)
        }
        return nil
    }

    // MARK: Witness state

    public func witnessState(for origin: String) async throws -> WitnessState? {
        try await snapshot { conn, logger in
            let rows = try await conn.query(
                "SELECT size, root, note FROM \(unescaped: self.s).witness_state WHERE origin = \(origin)", logger: logger)
            for try await (size, root, note) in rows.decode((Int64, ByteBuffer, ByteBuffer).self) {
                return WitnessState(
                    origin: origin, size: TreeSize(try LedgerMath.unsigned(size, "witness size")),
                    root: try LedgerMath.hash(Self.bytes(root)), note: try LedgerMath.parseNote(Self.bytes(note)))
            }
            return nil
        }
    }

    public func updateWitnessState(_ new: WitnessState, expectedOldSize: TreeSize) async throws {
        try LedgerMath.validate(origin: new.origin)
        guard new.size >= expectedOldSize else {
            throw StoreError(.invalidArgument, "new size \(new.size) is below the old size \(expectedOldSize)")
        }
        let size = try LedgerMath.signed(new.size.rawValue)
        try await transaction { conn, logger in
            // Serialise updates of this origin, including the first one when no row exists yet.
            try await conn.query(
                "SELECT pg_advisory_xact_lock(hashtext(\(self.schema + ".witness:" + new.origin)))", logger: logger)
            var current: Int64 = 0
            for try await value in try await conn.query(
                "SELECT size FROM \(unescaped: self.s).witness_state WHERE origin = \(new.origin)", logger: logger
            ).decode(Int64.self) {
                current = value
            }
            let currentSize = try LedgerMath.unsigned(current, "witness size")
            guard currentSize == expectedOldSize.rawValue else {
                throw StoreError(.conflict, "expected old size \(expectedOldSize), stored size \(currentSize)", currentSize: currentSize)
            }
            try await conn.query(
                """
                INSERT INTO \(unescaped: self.s).witness_state (origin, size, root, note)
                VALUES (\(new.origin), \(size), \(Self.buffer(new.root.bytes)), \(Self.buffer(new.note.bytes)))
                ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note
                """, logger: logger)
        }
    }

    // MARK: View-change state

    public func viewState(for origin: String) async throws -> ViewState? {
        try await snapshot { conn, logger in
            let rows = try await conn.query(
                "SELECT view, state FROM \(unescaped: self.s).view_state WHERE origin = \(origin)", logger: logger)
            for try await (view, blob) in rows.decode((Int64, ByteBuffer).self) {
                return ViewState(origin: origin, view: try LedgerMath.unsigned(view, "view"), blob: Self.bytes(blob))
            }
            return nil
        }
    }

    public func saveViewState(_ new: ViewState) async throws {
        try LedgerMath.validate(origin: new.origin)
        let view = try LedgerMath.signed(new.view)
        try await transaction { conn, logger in
            // The upsert only overwrites a view that is not higher; no row back means a higher one.
            var written = 0
            for try await _ in try await conn.query(
                """
                INSERT INTO \(unescaped: self.s).view_state (origin, view, state) VALUES (\(new.origin), \(view), \(Self.buffer(new.blob)))
                ON CONFLICT (origin) DO UPDATE SET view = excluded.view, state = excluded.state
                WHERE \(unescaped: self.s).view_state.view <= excluded.view
                RETURNING 1
                """, logger: logger
            ).decode(Int32.self) {
                written += 1
            }
            guard written == 1 else {
                throw StoreError(.conflict, "view \(new.view) is below the stored view")
            }
        }
    }
}
