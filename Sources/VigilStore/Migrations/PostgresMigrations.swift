/// The PostgreSQL schema, as named forward-only migrations: the same tables and constraints as
/// ``SQLiteMigrations``. Never edit a registered migration: add a new one. Each statement is
/// built from the quoted schema name.
enum PostgresMigrations {
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
        )
    ]
}
