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
        return migrator
    }
}
