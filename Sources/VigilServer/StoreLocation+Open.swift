import Foundation
public import Logging
import NIOSSL
import PostgresNIO
public import ServiceLifecycle
public import VigilStore

extension StoreLocation {
    /// Opens the store: creates a SQLite file's directory and migrates it, or makes a PostgreSQL
    /// client (returned as a service to run before the node; the store migrates once it runs).
    /// - Returns: the store, the services it needs running, and work to do once they run.
    /// - Throws: ``ConfigurationError`` for an unusable URL, or the store's ``StoreError``.
    public func open(logger: Logger) throws -> (store: any LedgerStore, services: [any Service], prepare: @Sendable () async throws -> Void) {
        switch self {
        case .memory:
            return (InMemoryLedgerStore(), [], {})
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return (try SQLiteLedgerStore(path: path), [], {})
        case .postgres(let url):
            guard let components = URLComponents(string: url), let host = components.host else {
                throw ConfigurationError("store URL is not a valid postgres:// URL")
            }
            let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
            let tls: PostgresClient.Configuration.TLS
            switch query["sslmode"] ?? "disable" {
            case "disable": tls = .disable
            case "prefer": tls = .prefer(.makeClientConfiguration())
            case "require": tls = .require(.makeClientConfiguration())
            case let mode: throw ConfigurationError("store URL sslmode \(mode.prefix(20)) is not disable, prefer or require")
            }
            let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            let configuration = PostgresClient.Configuration(
                host: host, port: components.port ?? 5432, username: components.user ?? "vigil", password: components.password,
                database: database.isEmpty ? nil : database, tls: tls)
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let store = try PostgresLedgerStore(client: client, schema: query["schema"] ?? "vigil", logger: logger)
            return (store, [client], { try await store.migrate() })
        }
    }

    /// The community store in the same database as `ledger` (the store ``open(logger:)``
    /// returned): the same SQLite pool, the same PostgreSQL client and schema (the ledger
    /// store's migration creates the community tables too), or a new in-memory store.
    public func communityStore(sharing ledger: any LedgerStore, logger: Logger) throws -> any CommunityStore {
        if let sqlite = ledger as? SQLiteLedgerStore { return try SQLiteCommunityStore(sqlite.database) }
        if let postgres = ledger as? PostgresLedgerStore {
            return try PostgresCommunityStore(client: postgres.client, schema: postgres.schema, logger: logger)
        }
        return InMemoryCommunityStore()
    }
}

extension StoreLocation {
    /// Runs `body` with the node's community store, for command-line tools: opens the store
    /// (running a PostgreSQL client while `body` runs), migrates it, and closes it afterwards.
    public func withCommunityStore<T: Sendable>(
        logger: Logger, _ body: @Sendable (any CommunityStore) async throws -> T
    ) async throws -> T {
        let (ledger, services, prepare) = try open(logger: logger)
        let community = try communityStore(sharing: ledger, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            try await prepare()
            return try await body(community)
        }
    }
}
