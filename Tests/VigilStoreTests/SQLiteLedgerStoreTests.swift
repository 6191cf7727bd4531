import Foundation
import GRDB
import Testing
import VigilLedger
import VigilStore
import VigilTestSupport

@Suite struct SQLiteLedgerStoreTests {
    @Test func fileDatabaseUsesWriteAheadLogging() async throws {
        let store = try SQLiteLedgerStore(path: try temporaryDatabasePath())
        let mode = try await store.database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func migrationsAreNamedAndApplyOnce() async throws {
        let path = try temporaryDatabasePath()
        _ = try SQLiteLedgerStore(path: path)
        let store = try SQLiteLedgerStore(path: path)
        let names = try await store.database.read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
        #expect(names == ["v1-ledger", "v2-community", "v3-visit-covering"])
    }

    @Test func schemaRejectsWhatTheStoreNeverWrites() async throws {
        let store = try SQLiteLedgerStore(try DatabaseQueue())
        _ = try await store.append(MemoryConformance.entries(2), to: MemoryConformance.origin)
        await #expect(throws: DatabaseError.self) {
            // A second row at an existing index.
            try await store.database.write { db in
                try db.execute(sql: "INSERT INTO entry (chain_id, idx, hash, bytes) VALUES (1, 0, zeroblob(32), x'00')")
            }
        }
        await #expect(throws: DatabaseError.self) {
            // A hash of the wrong length.
            try await store.database.write { db in
                try db.execute(sql: "INSERT INTO node (chain_id, level, idx, hash) VALUES (1, 5, 0, x'00')")
            }
        }
        await #expect(throws: DatabaseError.self) {
            // A row of a chain that does not exist.
            try await store.database.write { db in
                try db.execute(sql: "INSERT INTO node (chain_id, level, idx, hash) VALUES (99, 0, 0, zeroblob(32))")
            }
        }
    }

    @Test func databaseErrorsSurfaceAsIOErrorsWithoutRowValues() async throws {
        let store = try SQLiteLedgerStore(try DatabaseQueue())
        let origin = MemoryConformance.origin
        _ = try await store.append(MemoryConformance.entries(1), to: origin)
        // Make every later insert fail inside the append transaction, after the chain row.
        try await store.database.write { db in
            try db.execute(sql: "CREATE TRIGGER fail BEFORE INSERT ON node BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
        }
        let entries = MemoryConformance.entries(3, start: 1)
        let error = await #expect(throws: StoreError(.io)) { try await store.append(entries, to: origin) }
        #expect(error?.cause is DatabaseError)
        #expect(error?.description.contains("clinic-a") == false)
        // Nothing of the failed append is visible: no entry row, same size and edge.
        #expect(try await store.size(of: origin) == 1)
        #expect(try await store.entry(hash: entries[0].hash, in: origin) == nil)
        #expect(try await store.verify(origin).isIntact)
    }

    @Test func corruptRightEdgeIsReported() async throws {
        let store = try SQLiteLedgerStore(try DatabaseQueue())
        let origin = MemoryConformance.origin
        _ = try await store.append(MemoryConformance.entries(3), to: origin)
        try await store.database.write { db in try db.execute(sql: "UPDATE chain SET edge = zeroblob(32)") }
        await #expect(throws: StoreError(.corrupt)) { try await store.size(of: origin) }
    }

    @Test func aFullDiskStopsTheAppendAndKeepsTheTree() async throws {
        let queue = try DatabaseQueue()
        let store = try SQLiteLedgerStore(queue)
        let origin = MemoryConformance.origin
        _ = try await store.append(MemoryConformance.entries(3), to: origin)
        let root = try await store.root(at: 3, of: origin)
        // Cap the database at its current size: the next page allocation fails with SQLITE_FULL.
        try await queue.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count")!
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)")
        }
        let big = (0..<20).map { MemoryConformance.entry(ofSize: 60_000 + $0) }
        let error = await #expect(throws: StoreError(.io)) { try await store.append(big, to: origin) }
        #expect(error?.message.contains("disk is full") == true)
        #expect(try await store.size(of: origin) == 3)
        #expect(try await store.root(at: 3, of: origin) == root)
        #expect(try await store.verify(origin).isIntact)
    }
}
