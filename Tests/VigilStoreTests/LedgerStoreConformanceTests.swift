import Foundation
import GRDB
import Testing
import VigilLedger
import VigilStore
import VigilTestSupport

typealias MemoryConformance = LedgerStoreConformance<InMemoryLedgerStore>
typealias SQLiteConformance = LedgerStoreConformance<SQLiteLedgerStore>

/// Flips one byte in the middle of a stored entry with raw SQL.
@Sendable func corruptSQLiteEntry(_ store: SQLiteLedgerStore, _ origin: String, _ index: LeafIndex) async throws {
    try await store.database.write { db in
        let bytes = try Data.fetchOne(
            db, sql: "SELECT e.bytes FROM entry e JOIN chain c ON c.id = e.chain_id WHERE c.origin = ? AND e.idx = ?",
            arguments: [origin, Int64(index.rawValue)])!
        var changed = bytes
        changed[changed.count / 2] ^= 0x01
        try db.execute(
            sql: "UPDATE entry SET bytes = ? WHERE idx = ? AND chain_id = (SELECT id FROM chain WHERE origin = ?)",
            arguments: [changed, Int64(index.rawValue), origin])
    }
}

/// A fresh database file in a directory of its own.
func temporaryDatabasePath() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("node.sqlite").path
}

@Suite struct LedgerStoreConformanceTests {
    @Test("in memory", arguments: MemoryConformance.Case.allCases)
    func inMemory(_ c: MemoryConformance.Case) async throws {
        let outcome = try await MemoryConformance(corruptEntry: { store, origin, index in
            store._corruptEntryForTesting(index, of: origin)
        }) { InMemoryLedgerStore() }.run(c)
        if case .skipped(let reason) = outcome { print("skipped \(c) on memory: \(reason)") }
    }

    @Test("SQLite file in WAL mode", arguments: SQLiteConformance.Case.allCases)
    func sqliteFile(_ c: SQLiteConformance.Case) async throws {
        let outcome = try await SQLiteConformance(
            reopen: { store in
                // A new pool on the same file, as after a restart.
                try SQLiteLedgerStore(path: store.database.path)
            },
            corruptEntry: corruptSQLiteEntry
        ) {
            try SQLiteLedgerStore(path: try temporaryDatabasePath())
        }.run(c)
        #expect(outcome == .passed)
    }

    @Test("SQLite in memory", arguments: SQLiteConformance.Case.allCases)
    func sqliteInMemory(_ c: SQLiteConformance.Case) async throws {
        let outcome = try await SQLiteConformance(corruptEntry: corruptSQLiteEntry) {
            try SQLiteLedgerStore(try DatabaseQueue())
        }.run(c)
        if case .skipped(let reason) = outcome { print("skipped \(c) on SQLite :memory:: \(reason)") }
    }
}
