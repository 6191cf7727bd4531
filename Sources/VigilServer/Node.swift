import AsyncHTTPClient
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
import VigilLedger
public import VigilStore

/// One organisation's node: a ``ChainDriver`` per chain it is a member of, the store they
/// share, the transport to the peers, and the C2SP witness for the logs it witnesses.
///
/// A `Service`: ``run()`` prepares the store, loads every chain from it, then drives them until
/// graceful shutdown, when it stops taking inputs, finishes those queued, waits for the
/// messages in flight and closes the HTTP client. Run it in a `ServiceGroup` before the HTTP
/// server, so the server stops first (shutdown runs in reverse order).
public final class Node: Service, Sendable {
    public let setup: NodeSetup
    public let store: any LedgerStore
    public let metrics: NodeMetrics
    public let peers: PeerDirectory
    let logger: Logger
    let clock: @Sendable () -> Int64
    let prepare: @Sendable () async throws -> Void
    let witness: LogWitness
    private let transport: PeerTransport
    private let client: HTTPClient
    private let outbox: AsyncStream<OutgoingMessage>
    private let outboxContinuation: AsyncStream<OutgoingMessage>.Continuation

    struct State {
        var drivers: [String: ChainDriver] = [:]
        var loaded = false
        var failure: String?
        var stopping = false
    }
    private let state = Mutex(State())

    /// A node over `store`.
    /// - Parameters:
    ///   - prepare: work on the store before loading (a PostgreSQL migration).
    ///   - clock: Unix seconds; the protocol's and the envelopes' time.
    public init(
        setup: NodeSetup, store: any LedgerStore, prepare: @escaping @Sendable () async throws -> Void = {}, metrics: NodeMetrics = NodeMetrics(),
        logger: Logger, clock: @escaping @Sendable () -> Int64 = Node.unixTime
    ) {
        self.setup = setup
        self.store = store
        self.prepare = prepare
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "node"] = "\(setup.name)"
        self.logger = logger
        self.clock = clock
        peers = PeerDirectory(Dictionary(uniqueKeysWithValues: setup.chains.map { ($0.origin, $0.peers) }))
        client = HTTPClient(eventLoopGroupProvider: .singleton)
        transport = PeerTransport(
            name: setup.name, key: setup.key, peers: peers, client: client, timeout: setup.sendTimeout, metrics: metrics, logger: logger, clock: clock)
        witness = LogWitness(key: setup.key.withType(.cosignature), logs: setup.witnessFor, store: store, metrics: metrics, clock: clock)
        (outbox, outboxContinuation) = AsyncStream.makeStream(of: OutgoingMessage.self)
    }

    /// The system clock in Unix seconds.
    public static let unixTime: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    /// The driver of the chain with URL name `slug`, once loaded.
    public func chain(slug: String) -> ChainDriver? {
        state.withLock { $0.drivers[slug] }
    }

    /// The driver of the chain `origin`, once loaded.
    public func chain(origin: String) -> ChainDriver? {
        state.withLock { state in state.drivers.values.first { $0.origin == origin } }
    }

    /// Every loaded chain, in configuration order.
    public var chains: [ChainDriver] {
        let drivers = state.withLock { $0.drivers }
        return setup.chains.compactMap { drivers[$0.slug] }
    }

    /// Whether every chain is loaded; or why loading failed.
    public var readiness: (loaded: Bool, failure: String?) {
        state.withLock { ($0.loaded, $0.failure) }
    }

    /// Waits until the chains are loaded (for tests and tools).
    /// - Throws: ``ConfigurationError`` when loading failed or `timeout` passed.
    public func waitUntilLoaded(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (loaded, failure) = readiness
            if let failure { throw ConfigurationError(failure) }
            if loaded { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ConfigurationError("the node did not load its chains within \(timeout)")
    }

    public func run() async throws {
        do {
            try await prepare()
            for chain in setup.chains {
                let driver = try await ChainDriver.load(
                    chain, name: setup.name, key: setup.key, store: store, metrics: metrics, logger: logger, clock: clock,
                    send: { [outboxContinuation] in outboxContinuation.yield($0) },
                    relay: { requests in Task { await self.submitRelays(requests) } }, maxMessageBytes: setup.maxMessageBytes)
                state.withLock { $0.drivers[chain.slug] = driver }
            }
        } catch {
            let reason = (error as? ConfigurationError)?.message ?? (error as? StoreError)?.description ?? "\(error)"
            state.withLock { $0.failure = reason }
            logger.error("Cannot load the chains", metadata: ["error": "\(reason)"])
            try? await client.shutdown()
            throw ConfigurationError(reason)
        }
        let drivers = chains
        state.withLock { $0.loaded = true }
        logger.info("Node running", metadata: ["chains.count": "\(drivers.count)"])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.runSender() }
                await withDiscardingTaskGroup { chains in
                    for driver in drivers { chains.addTask { await driver.run(tickInterval: self.setup.tickInterval) } }
                }
                self.outboxContinuation.finish()
            }
        } onGracefulShutdown: {
            self.stop()
        }
        try? await client.shutdown()
        await store.flush()
        logger.info("Node stopped")
    }

    /// Signs each relay with the node's key and submits it to the parent chain, when this node
    /// serves that chain (a supervisor of a child chain is a member of its parent).
    func submitRelays(_ requests: [RelayRequest]) async {
        for request in requests {
            guard let parent = chain(origin: request.parent) else {
                logger.notice("Accepted report not relayed: this node does not serve the parent chain", metadata: ["parent": "\(request.parent)"])
                continue
            }
            do {
                let entry = try Entry.sign(chain: request.parent, kind: .relay, author: setup.key, time: clock(), body: request.body)
                let outcome = await parent.submit(entry)
                logger.info(
                    "Relayed an accepted report",
                    metadata: ["from": "\(request.from)", "proposal": "\(request.proposal.hex)", "relay": "\(entry.hash.hex)", "outcome": "\(outcome)"])
            } catch {
                logger.error("Cannot sign a relay", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Stops every chain (they finish what is queued) and so the node.
    public func stop() {
        let drivers = state.withLock { state in
            state.stopping = true
            return Array(state.drivers.values)
        }
        for driver in drivers { driver.stop() }
    }

    /// Delivers outgoing messages concurrently until the outbox closes and all are done.
    private func runSender() async {
        await withDiscardingTaskGroup { group in
            for await outgoing in outbox {
                group.addTask { await self.transport.deliver(outgoing) }
            }
        }
    }
}
