import Foundation
import PostgresNIO
import Testing
import VigilLedger
import VigilStore
import VigilTestSupport

typealias PostgresConformance = LedgerStoreConformance<PostgresLedgerStore>

/// The server from POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB
/// (`.ci/postgres.sh` prints them); nil when POSTGRES_HOST is unset.
let postgresEnvironment: [String: String] = ProcessInfo.processInfo.environment
let postgresAvailable = postgresEnvironment["POSTGRES_HOST"] != nil
let skipReason: Comment = "POSTGRES_HOST is not set: start a server with .ci/postgres.sh and export the values it prints"

/// Runs `body` with a running client; each store it makes lives in a fresh schema, dropped after.
func withPostgres<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
    let env = postgresEnvironment
    let configuration = PostgresClient.Configuration(
        host: env["POSTGRES_HOST"] ?? "127.0.0.1", port: Int(env["POSTGRES_PORT"] ?? "") ?? 5432,
        username: env["POSTGRES_USER"] ?? "vigil", password: env["POSTGRES_PASSWORD"], database: env["POSTGRES_DB"] ?? "vigil_test",
        tls: .disable)
    let client = PostgresClient(configuration: configuration)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await client.run()
            return nil
        }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

func freshSchema() -> String {
    "vigil_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
}

func dropSchema(_ schema: String, _ client: PostgresClient) async throws {
    try await client.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE")
}

@Sendable func corruptPostgresEntry(_ store: PostgresLedgerStore, _ origin: String, _ index: LeafIndex) async throws {
    let s = "\"\(store.schema)\""
    // Flip one bit of the middle byte, in SQL.
    try await store.client.query(
        """
        UPDATE \(unescaped: s).entry SET bytes = set_byte(bytes, length(bytes) / 2, get_byte(bytes, length(bytes) / 2) # 1)
        WHERE idx = \(Int64(index.rawValue)) AND chain_id = (SELECT id FROM \(unescaped: s).chain WHERE origin = \(origin))
        """)
}

@Suite struct PostgresLedgerStoreTests {
    @Test func reportsWhetherPostgreSQLIsAvailable() {
        if postgresAvailable {
            print("PostgreSQL tests run against \(postgresEnvironment["POSTGRES_HOST"]!):\(postgresEnvironment["POSTGRES_PORT"] ?? "5432")")
        } else {
            print("skipping PostgreSQL tests: \(skipReason)")
        }
    }

    @Test("PostgreSQL", .enabled(if: postgresAvailable, skipReason), arguments: PostgresConformance.Case.allCases)
    func conformance(_ c: PostgresConformance.Case) async throws {
        try await withPostgres { client in
            let schema = freshSchema()
            do {
                let outcome = try await PostgresConformance(
                    reopen: { store in
                        // A new store instance on the same schema, as after a restart.
                        let reopened = try PostgresLedgerStore(client: store.client, schema: store.schema)
                        try await reopened.migrate()
                        return reopened
                    },
                    corruptEntry: corruptPostgresEntry
                ) {
                    let store = try PostgresLedgerStore(client: client, schema: schema)
                    try await store.migrate()
                    return store
                }.run(c)
                #expect(outcome == .passed)
            } catch {
                try? await dropSchema(schema, client)
                throw error
            }
            try await dropSchema(schema, client)
        }
    }

    @Test(.enabled(if: postgresAvailable, skipReason))
    func concurrentMigrationsApplyOnce() async throws {
        try await withPostgres { client in
            let schema = freshSchema()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await PostgresLedgerStore(client: client, schema: schema).migrate() }
                }
                try await group.waitForAll()
            }
            var names: [String] = []
            for try await name in try await client.query("SELECT name FROM \(unescaped: "\"\(schema)\"").vigil_migrations").decode(String.self) {
                names.append(name)
            }
            #expect(names == ["v1-ledger", "v2-community", "v3-visit-covering"])
            try await dropSchema(schema, client)
        }
    }

    @Test(.enabled(if: postgresAvailable, skipReason))
    func databaseErrorsSurfaceAsIOErrorsAndWriteNothing() async throws {
        try await withPostgres { client in
            let schema = freshSchema()
            let store = try PostgresLedgerStore(client: client, schema: schema)
            try await store.migrate()
            let origin = PostgresConformance.origin
            _ = try await store.append(PostgresConformance.entries(1), to: origin)
            try await client.query(
                """
                CREATE FUNCTION \(unescaped: "\"\(schema)\"").fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk says no'; END $$ LANGUAGE plpgsql
                """)
            try await client.query(
                "CREATE TRIGGER fail BEFORE INSERT ON \(unescaped: "\"\(schema)\"").node FOR EACH ROW EXECUTE FUNCTION \(unescaped: "\"\(schema)\"").fail()")
            let entries = PostgresConformance.entries(3, start: 1)
            let error = await #expect(throws: StoreError(.io)) { try await store.append(entries, to: origin) }
            #expect(error?.cause is PSQLError)
            #expect(try await store.size(of: origin) == 1)
            #expect(try await store.entry(hash: entries[0].hash, in: origin) == nil)
            #expect(try await store.verify(origin).isIntact)
            try await dropSchema(schema, client)
        }
    }

    @Test func rejectsUnsafeSchemaNames() throws {
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", username: "x", password: nil, database: nil, tls: .disable))
        #expect(throws: StoreError(.invalidArgument)) { try PostgresLedgerStore(client: client, schema: "x\"; DROP TABLE y; --") }
        #expect(throws: StoreError(.invalidArgument)) { try PostgresLedgerStore(client: client, schema: "") }
        #expect(throws: Never.self) { try PostgresLedgerStore(client: client, schema: "vigil_node_1") }
    }
}
