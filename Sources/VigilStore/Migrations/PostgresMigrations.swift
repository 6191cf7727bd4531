import PostgresNIO

/// The PostgreSQL schema, as named forward-only migrations: the same tables and constraints as
/// ``SQLiteMigrations``. Never edit a registered migration: add a new one. Each statement is
/// built from the quoted schema name.
///
/// Text that is sorted or compared by range (ids, jurisdiction paths, scope keys) is
/// `COLLATE "C"`, so PostgreSQL orders it by bytes as SQLite and the in-memory store do.
enum PostgresMigrations {
    /// Checks a schema name and returns it quoted for splicing into SQL.
    /// - Throws: ``StoreError/Code/invalidArgument`` unless `schema` is 1...63 characters of
    ///   `a-z`, `0-9` and `_`, not starting with a digit.
    static func quoted(schema: String) throws(StoreError) -> String {
        let bytes = Array(schema.utf8)
        guard (1...63).contains(bytes.count),
            bytes.allSatisfy({ (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5f }),
            !(0x30...0x39).contains(bytes[0])
        else {
            throw StoreError(.invalidArgument, "schema name must be 1...63 of a-z, 0-9, _ and not start with a digit")
        }
        return "\"\(schema)\""
    }

    /// Creates the schema and applies the migrations it lacks, inside the caller's transaction,
    /// under an advisory lock on the schema name, so concurrent nodes migrate once.
    static func migrate(_ conn: PostgresConnection, schema: String, quoted s: String, logger: Logger) async throws {
        try await conn.query("SELECT pg_advisory_xact_lock(hashtext(\(schema)))", logger: logger)
        try await conn.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: s)", logger: logger)
        try await conn.query(
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: s).vigil_migrations (
                name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """, logger: logger)
        var applied = Set<String>()
        for try await name in try await conn.query("SELECT name FROM \(unescaped: s).vigil_migrations", logger: logger)
            .decode(String.self)
        {
            applied.insert(name)
        }
        for migration in all where !applied.contains(migration.name) {
            for statement in migration.statements {
                try await conn.query(PostgresQuery(unsafeSQL: statement(s)), logger: logger)
            }
            try await conn.query("INSERT INTO \(unescaped: s).vigil_migrations (name) VALUES (\(migration.name))", logger: logger)
        }
    }

    static let all: [(name: String, statements: [@Sendable (String) -> String])] = [
        (
            "v1-ledger",
            [
                { s in
                """
                CREATE TABLE \(s).chain (
                    id BIGSERIAL PRIMARY KEY,
                    origin TEXT NOT NULL UNIQUE,
                    size BIGINT NOT NULL CHECK (size >= 0),
                    edge BYTEA NOT NULL CHECK (length(edge) % 32 = 0)
                )
                """
                },
                { s in
                """
                CREATE TABLE \(s).entry (
                    chain_id BIGINT NOT NULL REFERENCES \(s).chain(id),
                    idx BIGINT NOT NULL CHECK (idx >= 0),
                    hash BYTEA NOT NULL CHECK (length(hash) = 32),
                    bytes BYTEA NOT NULL CHECK (length(bytes) <= 65535),
                    PRIMARY KEY (chain_id, idx),
                    UNIQUE (chain_id, hash)
                )
                """
                },
                { s in
                """
                CREATE TABLE \(s).node (
                    chain_id BIGINT NOT NULL REFERENCES \(s).chain(id),
                    level SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 63),
                    idx BIGINT NOT NULL CHECK (idx >= 0),
                    hash BYTEA NOT NULL CHECK (length(hash) = 32),
                    PRIMARY KEY (chain_id, level, idx)
                )
                """
                },
                { s in
                """
                CREATE TABLE \(s).checkpoint (
                    chain_id BIGINT NOT NULL REFERENCES \(s).chain(id),
                    size BIGINT NOT NULL CHECK (size >= 0),
                    root BYTEA NOT NULL CHECK (length(root) = 32),
                    note BYTEA NOT NULL,
                    PRIMARY KEY (chain_id, size)
                )
                """
                },
                { s in
                """
                CREATE TABLE \(s).witness_state (
                    origin TEXT PRIMARY KEY,
                    size BIGINT NOT NULL CHECK (size >= 0),
                    root BYTEA NOT NULL CHECK (length(root) = 32),
                    note BYTEA NOT NULL
                )
                """
                },
                { s in
                """
                CREATE TABLE \(s).view_state (
                    origin TEXT PRIMARY KEY,
                    view BIGINT NOT NULL CHECK (view >= 0),
                    state BYTEA NOT NULL
                )
                """
                },
            ]
        ),
        (
            "v2-community",
            [
                // Persons and their scope keys: see the `v2-community` migration of SQLiteMigrations
                // for why a page of a scope is one range of the index on `(scope<depth>, id)`.
                { s in
                """
                CREATE TABLE \(s).person (
                    id TEXT COLLATE "C" PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
                    national_id TEXT,
                    name TEXT NOT NULL,
                    sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'unknown')),
                    birth_date TEXT CHECK (birth_date IS NULL OR length(birth_date) >= 10),
                    phone TEXT,
                    address TEXT,
                    household TEXT COLLATE "C" NOT NULL,
                    vulnerabilities TEXT NOT NULL,
                    grp TEXT NOT NULL CHECK (grp IN ('susceptible', 'key', 'confirmed')),
                    version BIGINT NOT NULL CHECK (version >= 1),
                    merged_into TEXT COLLATE "C" CHECK (merged_into IS NULL OR merged_into <> id),
                    scope1 TEXT COLLATE "C" NOT NULL,
                    scope2 TEXT COLLATE "C",
                    scope3 TEXT COLLATE "C",
                    scope4 TEXT COLLATE "C",
                    scope5 TEXT COLLATE "C",
                    scope6 TEXT COLLATE "C",
                    scope7 TEXT COLLATE "C"
                )
                """
                },
                { s in "CREATE INDEX person_scope1 ON \(s).person (scope1, id) WHERE merged_into IS NULL" },
                { s in "CREATE INDEX person_scope2 ON \(s).person (scope2, id) WHERE merged_into IS NULL" },
                { s in "CREATE INDEX person_scope3 ON \(s).person (scope3, id) WHERE merged_into IS NULL" },
                { s in "CREATE INDEX person_scope4 ON \(s).person (scope4, id) WHERE merged_into IS NULL" },
                { s in "CREATE INDEX person_scope5 ON \(s).person (scope5, id) WHERE merged_into IS NULL" },
                { s in "CREATE INDEX person_scope6 ON \(s).person (scope6, id) WHERE merged_into IS NULL" },
                { s in "CREATE INDEX person_scope7 ON \(s).person (scope7, id) WHERE merged_into IS NULL" },
                { s in "CREATE INDEX person_merged_into ON \(s).person (merged_into) WHERE merged_into IS NOT NULL" },
                { s in
                """
                CREATE TABLE \(s).not_duplicate_mark (
                    first TEXT COLLATE "C" NOT NULL,
                    second TEXT COLLATE "C" NOT NULL,
                    PRIMARY KEY (first, second),
                    CHECK (first < second)
                )
                """
                },
                { s in "CREATE INDEX not_duplicate_mark_second ON \(s).not_duplicate_mark (second)" },
                { s in
                """
                CREATE TABLE \(s).person_merge (
                    seq BIGSERIAL PRIMARY KEY,
                    survivor TEXT COLLATE "C" NOT NULL,
                    absorbed TEXT COLLATE "C" NOT NULL,
                    record JSONB NOT NULL
                )
                """
                },
                { s in "CREATE INDEX person_merge_survivor ON \(s).person_merge (survivor)" },
                { s in "CREATE INDEX person_merge_absorbed ON \(s).person_merge (absorbed)" },
                { s in
                """
                CREATE TABLE \(s).visit (
                    id BIGSERIAL PRIMARY KEY,
                    person TEXT COLLATE "C" NOT NULL,
                    place TEXT COLLATE "C" NOT NULL,
                    checkpoint TEXT,
                    time_in BIGINT NOT NULL,
                    time_out BIGINT CHECK (time_out IS NULL OR time_out >= time_in)
                )
                """
                },
                { s in "CREATE INDEX visit_place ON \(s).visit (place, time_in)" },
                { s in "CREATE INDEX visit_person ON \(s).visit (person, time_in)" },
                // The longest closed stay per place, kept on insert, bounds how early an overlapping
                // visit can start.
                { s in
                """
                CREATE TABLE \(s).visit_stay (
                    place TEXT COLLATE "C" PRIMARY KEY,
                    longest BIGINT NOT NULL CHECK (longest >= 0)
                )
                """
                },
                { s in "CREATE INDEX visit_stay_longest ON \(s).visit_stay (longest)" },
                { s in
                """
                CREATE TABLE \(s).lifecycle_record (
                    kind TEXT COLLATE "C" NOT NULL,
                    id TEXT COLLATE "C" NOT NULL,
                    jurisdiction TEXT COLLATE "C" NOT NULL,
                    person TEXT COLLATE "C",
                    version BIGINT NOT NULL CHECK (version >= 1),
                    body BYTEA NOT NULL,
                    time BIGINT NOT NULL,
                    PRIMARY KEY (kind, id)
                )
                """
                },
                { s in "CREATE INDEX lifecycle_record_scope ON \(s).lifecycle_record (kind, jurisdiction, id)" },
                { s in "CREATE INDEX lifecycle_record_person ON \(s).lifecycle_record (kind, person, id) WHERE person IS NOT NULL" },
                { s in
                """
                CREATE TABLE \(s).api_user (
                    name TEXT COLLATE "C" PRIMARY KEY,
                    role TEXT NOT NULL,
                    jurisdiction TEXT NOT NULL,
                    active BOOLEAN NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """
                },
                // Sequence numbers are assigned by the store under a table lock (max + 1), so they
                // have no gaps and commit in order: a reader paging with `after` misses nothing.
                { s in
                """
                CREATE TABLE \(s).audit_event (
                    seq BIGINT PRIMARY KEY CHECK (seq >= 1),
                    time BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    role TEXT NOT NULL,
                    action TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    purpose TEXT NOT NULL
                )
                """
                },
                { s in
                """
                CREATE FUNCTION \(s).audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$
                """
                },
                { s in
                """
                CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON \(s).audit_event
                FOR EACH ROW EXECUTE FUNCTION \(s).audit_event_append_only()
                """
                },
                { s in
                """
                CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON \(s).audit_event
                FOR EACH STATEMENT EXECUTE FUNCTION \(s).audit_event_append_only()
                """
                },
            ]
        ),
        (
            // Contact tracing reads a place's or a person's visits over a time range. With every
            // column it returns in the index, those reads are index-only scans instead of one
            // random heap page per visit (5.6 against 1.8 ms for 650 visits at 47 ranges of a
            // 10^7-visit table, cold). Index-only scans need the visibility map, so vacuum runs
            // after 1% of new rows rather than the default 20%.
            "v3-visit-covering",
            [
                { s in "CREATE INDEX visit_place_covering ON \(s).visit (place, time_in) INCLUDE (time_out, id, person, checkpoint)" },
                { s in "CREATE INDEX visit_person_covering ON \(s).visit (person, time_in) INCLUDE (time_out, id, place, checkpoint)" },
                { s in "DROP INDEX \(s).visit_place" },
                { s in "DROP INDEX \(s).visit_person" },
                { s in "ALTER TABLE \(s).visit SET (autovacuum_vacuum_insert_scale_factor = 0.01)" },
            ]
        ),
    ]
}
