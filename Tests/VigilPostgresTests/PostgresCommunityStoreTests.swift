import Foundation
import PostgresNIO
import Testing
import VigilCommunity
import VigilLedger
import VigilStore
import VigilTestSupport

typealias PostgresCommunityConformance = CommunityStoreConformance<PostgresCommunityStore>

@Suite struct PostgresCommunityStoreTests {
    static func path(_ text: String) -> JurisdictionPath { try! JurisdictionPath(text) }

    @Test func reportsWhetherPostgreSQLIsAvailable() {
        if postgresAvailable {
            print("PostgreSQL community tests run against \(postgresEnvironment["POSTGRES_HOST"]!)")
        } else {
            print("skipping PostgreSQL community tests: \(skipReason)")
        }
    }

    @Test("PostgreSQL", .enabled(if: postgresAvailable, skipReason), arguments: PostgresCommunityConformance.Case.allCases)
    func conformance(_ c: PostgresCommunityConformance.Case) async throws {
        try await withPostgres { client in
            let schema = freshSchema()
            do {
                let outcome = try await PostgresCommunityConformance(reopen: { store in
                    // A new store instance on the same schema, as after a restart.
                    let reopened = try PostgresCommunityStore(client: store.client, schema: store.schema)
                    try await reopened.migrate()
                    return reopened
                }) {
                    let store = try PostgresCommunityStore(client: client, schema: schema)
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
    func auditLogRefusesUpdateDeleteAndTruncateInTheDatabase() async throws {
        try await withPostgres { client in
            let schema = freshSchema()
            let store = try PostgresCommunityStore(client: client, schema: schema)
            try await store.migrate()
            let events = try await store.appendAudit([
                AuditEvent(time: 1, actor: "a", role: .cdc, action: "person.read", resource: "person/1", purpose: "tracing"),
                AuditEvent(time: 2, actor: "b", role: .grid, action: "person.list", resource: "persons?scope=sz", purpose: "follow-up"),
            ])
            let s = "\"\(schema)\""
            await #expect(throws: PSQLError.self) {
                try await client.query("UPDATE \(unescaped: s).audit_event SET actor = 'someone else' WHERE seq = 1")
            }
            await #expect(throws: PSQLError.self) { try await client.query("DELETE FROM \(unescaped: s).audit_event WHERE seq = 2") }
            await #expect(throws: PSQLError.self) { try await client.query("TRUNCATE \(unescaped: s).audit_event") }
            #expect(try await store.auditEvents(after: 0, limit: 10) == events)
            try await dropSchema(schema, client)
        }
    }

    @Test(.enabled(if: postgresAvailable, skipReason))
    func sharesOneSchemaWithTheLedgerStore() async throws {
        try await withPostgres { client in
            let schema = freshSchema()
            let ledger = try PostgresLedgerStore(client: client, schema: schema)
            try await ledger.migrate()
            let community = try PostgresCommunityStore(client: client, schema: schema)
            try await community.migrate()
            _ = try await ledger.append(PostgresConformance.entries(2), to: PostgresConformance.origin)
            let persons = try await community.insertPersons([PersonDraft(name: "Shared", household: Self.path("sz/ft"))])
            #expect(try await community.person(persons[0].id) == persons[0])
            #expect(try await ledger.size(of: PostgresConformance.origin) == 2)
            var names: [String] = []
            for try await name in try await client.query("SELECT name FROM \(unescaped: "\"\(schema)\"").vigil_migrations ORDER BY name")
                .decode(String.self)
            {
                names.append(name)
            }
            #expect(names == ["v1-ledger", "v2-community", "v3-visit-covering"])
            try await dropSchema(schema, client)
        }
    }

    @Test(.enabled(if: postgresAvailable, skipReason))
    func scopedListingUsesTheScopeIndex() async throws {
        try await withPostgres { client in
            let schema = freshSchema()
            let store = try PostgresCommunityStore(client: client, schema: schema)
            try await store.migrate()
            let drafts = (0..<20_000).map { i in
                PersonDraft(name: "P \(i)", household: Self.path("sz/d\(i % 10)/s\(i % 7)/c\(i % 13)/g\(i % 5)"))
            }
            let clock = ContinuousClock()
            let elapsed = try await clock.measure { _ = try await store.insertPersons(drafts) }
            print("PostgreSQL: inserted 20000 persons in \(elapsed)")
            try await client.query("ANALYZE \(unescaped: "\"\(schema)\"").person")
            // Wide scopes are read in id order and stop after the page: by a range of the scope
            // index, or — new ids being time-ordered, so the table is in id order — by the primary
            // key with the scope as a filter, which the planner prefers when most rows match. For
            // a scope of a few rows the planner uses the scope index and may sort them.
            for (scope, depth, wide) in [("sz", 1, true), ("sz/d3", 2, true), ("sz/d3/s3/c3", 4, false)] {
                let plan = try await store.queryPlan(PersonQuery(scope: Self.path(scope), limit: 50))
                let indexes = wide ? ["person_scope\(depth)", "person_pkey"] : ["person_scope\(depth)"]
                #expect(plan.contains { line in indexes.contains { line.contains($0) } }, "\(scope): \(plan)")
                #expect(!plan.contains { $0.contains("Seq Scan") }, "\(scope): \(plan)")
                if wide { #expect(!plan.contains { $0.contains("Sort") }, "\(scope): \(plan)") }
            }
            try await dropSchema(schema, client)
        }
    }
}
