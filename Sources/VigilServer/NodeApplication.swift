import Foundation
public import Hummingbird
public import Logging
import VigilLedger
public import VigilStore
import ServiceLifecycle
import UnixSignals

/// The node's HTTP server: ``buildRouter(node:community:)`` on `host:port` (port 0 picks a free port;
/// `onServerRunning` receives the bound port).
public func buildApplication(
    node: Node, community: CommunityAPI? = nil, host: String, port: Int, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    // With health codes, admission control sits right after HTTP decoding (AdmissionControl).
    let admission = community?.codes?.admission
    return Application(
        router: buildRouter(node: node, community: community),
        server: .http1(configuration: .init(additionalChannelHandlers: admission.map { [$0.handler()] } ?? [])),
        configuration: .init(address: .hostname(host, port: port), serverName: "vigil/\(node.setup.name)"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger)
}

/// The node's health-code service, with `settings` or else its configuration's `codes` (nil
/// when neither): it reads the code keys the node's chains accepted for its trust list.
public func codeService(for node: Node, settings: CodeSettings? = nil, store: any CommunityStore, logger: Logger) throws -> CodeService? {
    guard let settings = settings ?? node.setup.codes else { return nil }
    return try CodeService(
        settings: settings, store: store, logger: logger, clock: { Int64(Date().timeIntervalSince1970) },
        chainKeys: {
            var keys: [CodeKey] = []
            for driver in node.chains { keys += await driver.committedState().codeKeys.values }
            return keys.sorted { $0.kid < $1.kid }
        })
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
    let communityStore = try setup.store.communityStore(sharing: store, logger: logger)
    var community = try await CommunityAPI.forNode(key: setup.key, store: communityStore, logger: logger)
    community.codes = try codeService(for: node, store: communityStore, logger: logger)
    let app = buildApplication(node: node, community: community, host: setup.host, port: setup.port, logger: logger) { port in
        logger.info("Listening", metadata: ["http.host": "\(setup.host)", "http.port": "\(port)"])
        await onServerRunning(port)
    }
    let group = ServiceGroup(
        configuration: .init(
            services: storeServices.map { .init(service: $0) } + [
                .init(service: node, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
            ] + (community.codes.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []) + [
                .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
}
