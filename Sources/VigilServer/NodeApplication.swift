public import Hummingbird
public import Logging
import ServiceLifecycle
import UnixSignals

/// The node's HTTP server: ``buildRouter(node:community:)`` on `host:port` (port 0 picks a free port;
/// `onServerRunning` receives the bound port).
public func buildApplication(
    node: Node, community: CommunityAPI? = nil, host: String, port: Int, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(node: node, community: community),
        configuration: .init(address: .hostname(host, port: port), serverName: "vigil/\(node.setup.name)"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger)
}

/// Runs one node until SIGTERM or SIGINT: the store's services (a PostgreSQL client), the
/// ``Node``, then the HTTP server, in a `ServiceGroup`; shutdown runs in reverse, so the server
/// finishes its requests, then the node finishes its queued inputs and messages in flight,
/// then the store closes.
/// - Throws: ``ConfigurationError`` when the store cannot be opened or the chains cannot be
///   loaded from it.
public func runNode(setup: NodeSetup, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
    let (store, storeServices, prepare) = try setup.store.open(logger: logger)
    let node = Node(setup: setup, store: store, prepare: prepare, logger: logger)
    let community = try await CommunityAPI.forNode(
        key: setup.key, store: try setup.store.communityStore(sharing: store, logger: logger), logger: logger)
    let app = buildApplication(node: node, community: community, host: setup.host, port: setup.port, logger: logger) { port in
        logger.info("Listening", metadata: ["http.host": "\(setup.host)", "http.port": "\(port)"])
        await onServerRunning(port)
    }
    let group = ServiceGroup(
        configuration: .init(
            services: storeServices.map { .init(service: $0) } + [
                .init(service: node, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
}
