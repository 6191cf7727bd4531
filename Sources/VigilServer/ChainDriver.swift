import Logging
import Synchronization
public import VigilLedger
import VigilStore

/// Drives one chain's ``NodeMachine`` on a node: feeds it submissions, peers' messages and clock
/// ticks one at a time, and carries out its effects in order — a `.persist` is written to the
/// store (``persist()``) before any later `.send` leaves.
///
/// Inputs go through a single inbox and are handled strictly one after another, so the store
/// sees every durable state in order even though persisting suspends. If the store fails, the
/// chain halts: it drops the effects that follow, answers every later input with 503, and never
/// cosigns on state it could not make durable. Restart the node to resume.
public actor ChainDriver {
    /// What an input came to.
    public enum Outcome: Hashable, Sendable {
        /// Handled; the protocol's refusals, if any, with their reasons.
        case handled(refusals: [String])
        /// Not handled: the chain is halted or the node is shutting down.
        case unavailable(String)
    }

    enum Job: Sendable {
        case submit(Entry, CheckedContinuation<Outcome, Never>)
        case receive(NodeMessage, from: String, CheckedContinuation<Outcome, Never>)
        case tick
    }

    public nonisolated let slug: String
    public nonisolated let origin: String
    public nonisolated let name: String
    private let key: SignerKey
    private let store: any LedgerStore
    private let metrics: NodeMetrics
    let logger: Logger
    private let clock: @Sendable () -> Int64
    private let send: @Sendable (OutgoingMessage) -> Void
    /// Receives the relays due to the parent chain (``dueRelays()``).
    private let relay: @Sendable ([RelayRequest]) -> Void
    /// The most entry bytes one catch-up message carries (half the message limit, for the
    /// encoding's overhead).
    private let catchUpBudget: Int

    var machine: NodeMachine
    /// What the store holds of ``NodeMachine/durable``.
    private var persisted: NodeMachine.Durable
    private var halted: String?
    private var lastCommitted: TreeSize
    /// Leaf index of every replicated entry.
    var indexByHash: [EntryHash: Int] = [:]
    /// Accepted reports handed over for relaying since the node started.
    var relayed: Set<EntryHash> = []
    /// Entries submitted through this node and not yet committed, with the time they came.
    private var pending: [EntryHash: Int64] = [:]

    private nonisolated let inbox: AsyncStream<Job>
    private nonisolated let inboxContinuation: AsyncStream<Job>.Continuation
    private nonisolated let tickQueued = TickFlag()

    init(
        slug: String, name: String, key: SignerKey, machine: NodeMachine, persisted: NodeMachine.Durable,
        store: any LedgerStore, metrics: NodeMetrics, logger: Logger, clock: @escaping @Sendable () -> Int64,
        send: @escaping @Sendable (OutgoingMessage) -> Void, relay: @escaping @Sendable ([RelayRequest]) -> Void = { _ in },
        maxMessageBytes: Int = MessageEnvelope.defaultMaxBytes
    ) {
        self.slug = slug
        self.origin = machine.origin
        self.name = name
        self.key = key
        self.machine = machine
        self.persisted = persisted
        self.store = store
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "chain.origin"] = "\(machine.origin)"
        self.logger = logger
        self.clock = clock
        self.send = send
        self.relay = relay
        catchUpBudget = maxMessageBytes / 2
        self.lastCommitted = machine.committedSize
        (inbox, inboxContinuation) = AsyncStream.makeStream(of: Job.self)
        for (i, entry) in machine.entries.enumerated() { indexByHash[entry.hash] = i }
        metrics.chainSizes(chain: slug, size: machine.size.rawValue, committed: machine.committedSize.rawValue, halted: false)
    }

    // MARK: Inputs

    /// Submits an entry from a client of this node.
    public nonisolated func submit(_ entry: Entry) async -> Outcome {
        await enqueue { .submit(entry, $0) }
    }

    /// Hands the protocol a message whose envelope was verified as sent by `sender`.
    public nonisolated func receive(_ message: NodeMessage, from sender: String) async -> Outcome {
        await enqueue { .receive(message, from: sender, $0) }
    }

    private nonisolated func enqueue(_ job: (CheckedContinuation<Outcome, Never>) -> Job) async -> Outcome {
        await withCheckedContinuation { continuation in
            if case .terminated = inboxContinuation.yield(job(continuation)) {
                continuation.resume(returning: .unavailable("the node is shutting down"))
            }
        }
    }

    /// Stops taking inputs; ``run(tickInterval:)`` returns once those already queued are handled.
    public nonisolated func stop() {
        inboxContinuation.finish()
    }

    /// Handles inputs and clock ticks until ``stop()`` (or cancellation, which stops too and
    /// still finishes the queued inputs, so no caller is left waiting).
    func run(tickInterval: Duration) async {
        let ticker = Task { [inboxContinuation, tickQueued] in
            while true {
                do { try await Task.sleep(for: tickInterval) } catch { return }
                let queue = tickQueued.raise()
                if queue, case .terminated = inboxContinuation.yield(.tick) { return }
            }
        }
        let consumer = Task { await self.consume() }
        await withTaskCancellationHandler {
            await consumer.value
        } onCancel: {
            self.stop()
        }
        ticker.cancel()
    }

    private func consume() async {
        for await job in inbox { await handle(job) }
    }

    // MARK: Handling

    private func handle(_ job: Job) async {
        if case .tick = job { tickQueued.lower() }
        if let halted {
            switch job {
            case .submit(_, let reply), .receive(_, _, let reply): reply.resume(returning: .unavailable(halted))
            case .tick: break
            }
            return
        }
        let now = clock()
        switch job {
        case .submit(let entry, let reply):
            let effects = machine.submit(entry, now: now)
            let refusals = await perform(effects)
            if refusals.isEmpty { pending[entry.hash] = pending[entry.hash] ?? now }
            cleanUp()
            reply.resume(returning: halted.map { .unavailable($0) } ?? .handled(refusals: refusals))
        case .receive(let message, let sender, let reply):
            let before = machine.committedSize
            var effects = machine.receive(message, from: sender, now: now)
            if case .catchUp = message, machine.committedSize > before {
                // A catch-up may come in pieces (``bounded(_:)``): ask the sender for the rest.
                effects.append(.send(to: sender, .fetch(from: machine.committedSize)))
            }
            let refusals = await perform(effects)
            cleanUp()
            reply.resume(returning: halted.map { .unavailable($0) } ?? .handled(refusals: refusals))
        case .tick:
            _ = await perform(machine.tick(now: now))
            cleanUp()
        }
    }

    /// Carries out `effects` in order; returns the refusals.
    private func perform(_ effects: [NodeEffect]) async -> [String] {
        var refusals: [String] = []
        for effect in effects {
            guard halted == nil else { break }
            switch effect {
            case .persist:
                do {
                    try await persist()
                } catch {
                    halt(error)
                }
            case .send(let peer, let message):
                send(OutgoingMessage(slug: slug, origin: origin, to: peer, message: await bounded(message)))
            case .commit(let size, _):
                if size > lastCommitted {
                    metrics.entriesCommitted(chain: slug, count: size.rawValue - lastCommitted.rawValue)
                    lastCommitted = size
                }
                metrics.finalCheckpoint(chain: slug)
                logger.info("Committed", metadata: ["tree.size": "\(size)"])
                cleanUp()
                let relays = dueRelays()
                if !relays.isEmpty { relay(relays) }
            case .viewChanged(let view, let leader):
                metrics.viewChange(chain: slug)
                logger.info("View changed", metadata: ["view": "\(view)", "leader": "\(leader)"])
            case .refused(let reason):
                refusals.append(reason)
                metrics.protocolRefusal(chain: slug)
                logger.info("Refused", metadata: ["reason": "\(reason)"])
            }
        }
        return refusals
    }

    /// A catch-up too large for one message is cut at the largest stored final checkpoint that
    /// fits: the peer validates that piece against it and asks for the rest. Other messages pass
    /// unchanged.
    private func bounded(_ message: NodeMessage) async -> NodeMessage {
        guard case .catchUp(let start, let entries, _) = message else { return message }
        var bytes = 0
        var fit = 0
        for entry in entries {
            bytes += (entry.bytes.count + 2) / 3 * 4 + 4
            if bytes > catchUpBudget { break }
            fit += 1
        }
        guard fit < entries.count else { return message }
        guard let stored = try? await store.latestCheckpoint(of: origin, atMost: TreeSize(start.rawValue + UInt64(fit))),
            stored.checkpoint.size > start
        else {
            logger.warning("A catch-up exceeds the message limit and no smaller final checkpoint is stored", metadata: ["entries": "\(entries.count)"])
            return message
        }
        let count = Int(stored.checkpoint.size.rawValue - start.rawValue)
        return .catchUp(start: start, entries: Array(entries.prefix(count)), final: stored.note)
    }

    /// Makes ``NodeMachine/durable`` durable: the one place it is written, in this order —
    /// 1. the committed entries beyond those stored (append-only, idempotent by hash);
    /// 2. the final checkpoint, if it changed;
    /// 3. everything else (view, witness record, pending entries, lock) as one view-state blob
    ///    (``StoredDurable``), written atomically.
    /// A crash between the steps leaves a state ``load(_:name:key:store:metrics:logger:clock:send:)``
    /// reconciles. A new ``NodeMachine/Durable`` field goes into ``StoredDurable``.
    /// - Throws: the store's error; the chain then halts.
    private func persist() async throws {
        let durable = machine.durable
        if durable.entries.count > persisted.entries.count {
            let new = Array(durable.entries[persisted.entries.count...])
            let result = try await store.append(new, to: origin)
            guard result.size.rawValue >= UInt64(durable.entries.count) else {
                throw StoreError(.corrupt, "the store holds \(result.size) entries after the append, the replica \(durable.entries.count)")
            }
        } else if durable.entries.count < persisted.entries.count {
            throw StoreError(.invalidArgument, "the committed entries shrank from \(persisted.entries.count) to \(durable.entries.count)")
        }
        if let final = durable.final, final != persisted.final {
            try await store.saveCheckpoint(final)
        }
        let rest = StoredDurable(durable)
        if rest != StoredDurable(persisted) {
            try await store.saveViewState(ViewState(origin: origin, view: durable.view, blob: try rest.encoded()))
        }
        persisted = durable
    }

    private func halt(_ error: any Error) {
        let reason = "the store failed (\((error as? StoreError)?.code.description ?? "\(type(of: error))")); the chain stopped until the node restarts"
        halted = reason
        metrics.storeFailure(chain: slug)
        logger.error("Store failed; chain halted", metadata: ["error": "\((error as? StoreError)?.description ?? "\(type(of: error))")"])
    }

    /// Updates the entry index, forgets committed submissions, publishes the gauges.
    private func cleanUp() {
        // Per input, so it must not copy the history (``NodeMachine/entries`` would).
        let count = machine.durable.entries.count + machine.durable.pending.count
        if count < indexByHash.count {
            indexByHash = [:]
        }
        if count > indexByHash.count {
            for i in indexByHash.count..<count { indexByHash[machine.entry(at: i).hash] = i }
        }
        let committed = Int(machine.committedSize.rawValue)
        pending = pending.filter { hash, _ in indexByHash[hash].map { $0 >= committed } ?? true }
        metrics.chainSizes(chain: slug, size: machine.size.rawValue, committed: machine.committedSize.rawValue, halted: halted != nil)
    }

    // MARK: Queries

    /// The chain as this node sees it.
    public func status() -> ChainStatus {
        ChainStatus(
            slug: slug, origin: origin, size: machine.size.rawValue, committedSize: machine.committedSize.rawValue,
            leader: machine.leader, view: machine.view, isLeader: machine.isLeader, pending: pending.count, halted: halted)
    }

    /// Where the entry with `hash` stands, or nil when this node does not know it.
    public func entryStatus(_ hash: EntryHash) -> EntryStatus? {
        if let index = indexByHash[hash] {
            if index < Int(machine.committedSize.rawValue), let final = machine.durable.final {
                return .committed(index: UInt64(index), checkpoint: final)
            }
            return index == 0 ? .committed(index: 0, checkpoint: nil) : .sequenced(index: UInt64(index))
        }
        return pending[hash] != nil ? .pending : nil
    }

    /// The signing key of `member` if it is a member of the chain now.
    func memberKey(_ member: String) -> VerifierKey? {
        machine.replica.members[member]?.key
    }

    /// The size of the latest final checkpoint (what the tiles may cover).
    func finalSize() -> TreeSize {
        machine.durable.final.flatMap { try? Checkpoint(text: $0.text).size } ?? 0
    }

    var isHalted: Bool { halted != nil }
}

/// One chain's state on this node, for `GET /node/v1/status`.
public struct ChainStatus: Codable, Hashable, Sendable {
    public var slug: String
    public var origin: String
    public var size: UInt64
    public var committedSize: UInt64
    public var leader: String
    public var view: UInt64
    public var isLeader: Bool
    /// Entries submitted through this node that are not committed yet.
    public var pending: Int
    /// Why the chain stopped, if it did.
    public var halted: String?
}

/// Where one entry stands.
public enum EntryStatus: Hashable, Sendable {
    /// Submitted here; not yet in a checkpoint this node cosigned.
    case pending
    /// Validated here at `index` (pending); not yet covered by a final checkpoint.
    case sequenced(index: UInt64)
    /// Covered by the final checkpoint (nil for the genesis before the first one).
    case committed(index: UInt64, checkpoint: Note?)
}

/// A message for the transport to seal and deliver.
public struct OutgoingMessage: Sendable {
    public var slug: String
    public var origin: String
    public var to: String
    public var message: NodeMessage
}

/// Whether a tick waits in the inbox, so that slow handling does not pile ticks up.
final class TickFlag: Sendable {
    private let queued = Mutex(false)

    /// Sets the flag; returns whether it was clear (a tick should be queued).
    func raise() -> Bool {
        queued.withLock { queued in
            defer { queued = true }
            return !queued
        }
    }

    func lower() { queued.withLock { $0 = false } }
}
