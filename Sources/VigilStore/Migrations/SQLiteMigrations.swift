import GRDB

/// The SQLite schema, as named forward-only migrations. Never edit a registered migration:
/// add a new one.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-ledger") { db in
            try db.execute(
                sql: """
                    CREATE TABLE chain (
                        id INTEGER PRIMARY KEY,
                        origin TEXT NOT NULL UNIQUE,
                        size INTEGER NOT NULL CHECK (size >= 0),
                        edge BLOB NOT NULL CHECK (length(edge) % 32 = 0)
                    );
                    CREATE TABLE entry (
                        chain_id INTEGER NOT NULL REFERENCES chain(id),
                        idx INTEGER NOT NULL CHECK (idx >= 0),
                        hash BLOB NOT NULL CHECK (length(hash) = 32),
                        bytes BLOB NOT NULL CHECK (length(bytes) <= 65535),
                        PRIMARY KEY (chain_id, idx),
                        UNIQUE (chain_id, hash)
                    ) WITHOUT ROWID;
                    CREATE TABLE node (
                        chain_id INTEGER NOT NULL REFERENCES chain(id),
                        level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
                        idx INTEGER NOT NULL CHECK (idx >= 0),
                        hash BLOB NOT NULL CHECK (length(hash) = 32),
                        PRIMARY KEY (chain_id, level, idx)
                    ) WITHOUT ROWID;
                    CREATE TABLE checkpoint (
                        chain_id INTEGER NOT NULL REFERENCES chain(id),
                        size INTEGER NOT NULL CHECK (size >= 0),
                        root BLOB NOT NULL CHECK (length(root) = 32),
                        note BLOB NOT NULL,
                        PRIMARY KEY (chain_id, size)
                    ) WITHOUT ROWID;
                    CREATE TABLE witness_state (
                        origin TEXT PRIMARY KEY NOT NULL,
                        size INTEGER NOT NULL CHECK (size >= 0),
                        root BLOB NOT NULL CHECK (length(root) = 32),
                        note BLOB NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE view_state (
                        origin TEXT PRIMARY KEY NOT NULL,
                        view INTEGER NOT NULL CHECK (view >= 0),
                        state BLOB NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-community") { db in
            // Persons: one row per file. `scope1` ... `scope7` hold the household path cut at each
            // depth (`sz`, `sz/ft`, ... up to the household itself; NULL below its depth). A page
            // of the persons under a node at depth d is then one range of the index
            // `(scope<d>, id)`: `scope<d> = node AND id > after ORDER BY id LIMIT n` reads n rows
            // in id order, whatever the size of the scope. (An index on `(household, id)` would
            // find the households of the scope but then sort all their persons by id on every
            // page: a sort of 10^6 rows for a city; an index on `id` alone would scan past every
            // person outside the scope.) The indexes are partial: merged files are never listed.
            try db.execute(
                sql: """
                    CREATE TABLE person (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
                        national_id TEXT,
                        name TEXT NOT NULL,
                        sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'unknown')),
                        birth_date TEXT CHECK (birth_date IS NULL OR length(birth_date) >= 10),
                        phone TEXT,
                        address TEXT,
                        household TEXT NOT NULL,
                        vulnerabilities TEXT NOT NULL,
                        grp TEXT NOT NULL CHECK (grp IN ('susceptible', 'key', 'confirmed')),
                        version INTEGER NOT NULL CHECK (version >= 1),
                        merged_into TEXT CHECK (merged_into IS NULL OR merged_into <> id),
                        scope1 TEXT NOT NULL,
                        scope2 TEXT,
                        scope3 TEXT,
                        scope4 TEXT,
                        scope5 TEXT,
                        scope6 TEXT,
                        scope7 TEXT
                    ) WITHOUT ROWID;
                    CREATE INDEX person_scope1 ON person (scope1, id) WHERE merged_into IS NULL;
                    CREATE INDEX person_scope2 ON person (scope2, id) WHERE merged_into IS NULL;
                    CREATE INDEX person_scope3 ON person (scope3, id) WHERE merged_into IS NULL;
                    CREATE INDEX person_scope4 ON person (scope4, id) WHERE merged_into IS NULL;
                    CREATE INDEX person_scope5 ON person (scope5, id) WHERE merged_into IS NULL;
                    CREATE INDEX person_scope6 ON person (scope6, id) WHERE merged_into IS NULL;
                    CREATE INDEX person_scope7 ON person (scope7, id) WHERE merged_into IS NULL;
                    CREATE INDEX person_merged_into ON person (merged_into) WHERE merged_into IS NOT NULL;
                    CREATE TABLE not_duplicate_mark (
                        first TEXT NOT NULL,
                        second TEXT NOT NULL,
                        PRIMARY KEY (first, second),
                        CHECK (first < second)
                    ) WITHOUT ROWID;
                    CREATE INDEX not_duplicate_mark_second ON not_duplicate_mark (second);
                    CREATE TABLE person_merge (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        survivor TEXT NOT NULL,
                        absorbed TEXT NOT NULL,
                        record TEXT NOT NULL
                    );
                    CREATE INDEX person_merge_survivor ON person_merge (survivor);
                    CREATE INDEX person_merge_absorbed ON person_merge (absorbed);
                    CREATE TABLE visit (
                        id INTEGER PRIMARY KEY,
                        person TEXT NOT NULL,
                        place TEXT NOT NULL,
                        checkpoint TEXT,
                        time_in INTEGER NOT NULL,
                        time_out INTEGER CHECK (time_out IS NULL OR time_out >= time_in)
                    );
                    CREATE INDEX visit_place ON visit (place, time_in);
                    CREATE INDEX visit_person ON visit (person, time_in);
                    -- The longest closed stay per place, kept on insert: a query for visits overlapping
                    -- [a, b] reads only time_in BETWEEN a - max(longest, open duration) AND b.
                    CREATE TABLE visit_stay (
                        place TEXT PRIMARY KEY NOT NULL,
                        longest INTEGER NOT NULL CHECK (longest >= 0)
                    ) WITHOUT ROWID;
                    CREATE INDEX visit_stay_longest ON visit_stay (longest);
                    CREATE TABLE lifecycle_record (
                        kind TEXT NOT NULL,
                        id TEXT NOT NULL,
                        jurisdiction TEXT NOT NULL,
                        person TEXT,
                        version INTEGER NOT NULL CHECK (version >= 1),
                        body BLOB NOT NULL,
                        time INTEGER NOT NULL,
                        PRIMARY KEY (kind, id)
                    );
                    CREATE INDEX lifecycle_record_scope ON lifecycle_record (kind, jurisdiction, id);
                    CREATE INDEX lifecycle_record_person ON lifecycle_record (kind, person, id) WHERE person IS NOT NULL;
                    CREATE TABLE api_user (
                        name TEXT PRIMARY KEY NOT NULL,
                        role TEXT NOT NULL,
                        jurisdiction TEXT NOT NULL,
                        active INTEGER NOT NULL CHECK (active IN (0, 1)),
                        created_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE audit_event (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        time INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        role TEXT NOT NULL,
                        action TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        purpose TEXT NOT NULL
                    );
                    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    """)
        }
        // Contact tracing reads a place's or a person's visits over a time range, ordered by
        // time in and id: with every column it returns in the index, in that order, those reads
        // touch the index only, not one table page per visit.
        migrator.registerMigration("v3-visit-covering") { db in
            try db.execute(
                sql: """
                    CREATE INDEX visit_place_covering ON visit (place, time_in, id, time_out, person, checkpoint);
                    CREATE INDEX visit_person_covering ON visit (person, time_in, id, time_out, place, checkpoint);
                    DROP INDEX visit_place;
                    DROP INDEX visit_person;
                    """)
        }
        return migrator
    }
}
