import Logging
import VigilLedger
import VigilStore

extension ChainDriver {
    /// Rebuilds the chain's ``NodeMachine`` from the store — committed entries, latest final
    /// checkpoint, and the view-state blob (``StoredDurable``) — or starts it from the genesis
    /// entry when the store holds nothing.
    ///
    /// ``persist()`` appends committed entries before it writes the blob. After a crash between
    /// the two, the store holds more committed entries than the blob knows; those were the
    /// blob's first pending entries (or came by catch-up), so they are dropped from the pending
    /// ones — or, when they differ, the pending entries and the witness record are reset to the
    /// committed size, which the protocol rebuilds from its peers.
    /// - Throws: ``ConfigurationError`` when the store holds another chain under this origin or
    ///   a state the machine cannot resume from; the store's error when it fails.
    static func load(
        _ setup: ChainSetup, name: String, key: SignerKey, store: any LedgerStore, metrics: NodeMetrics, logger: Logger,
        clock: @escaping @Sendable () -> Int64, send: @escaping @Sendable (OutgoingMessage) -> Void,
        relay: @escaping @Sendable ([RelayRequest]) -> Void = { _ in }, maxMessageBytes: Int = MessageEnvelope.defaultMaxBytes
    ) async throws -> ChainDriver {
        let origin = setup.origin
        let storedSize = try await store.size(of: origin)
        var entries: [Entry] = [setup.genesis]
        if storedSize.rawValue == 0 {
            _ = try await store.append([setup.genesis], to: origin)
        } else {
            entries = []
            entries.reserveCapacity(Int(storedSize.rawValue))
            var start: UInt64 = 0
            while start < storedSize.rawValue {
                let end = min(storedSize.rawValue, start + 4096)
                for stored in try await store.entries(in: LeafIndex(start)..<LeafIndex(end), of: origin) {
                    entries.append(try Entry(parsing: stored.bytes))
                }
                start = end
            }
            guard entries.first?.hash == setup.genesis.hash else {
                throw ConfigurationError("the store holds another genesis entry for \(origin.prefix(100)) than the configured one")
            }
        }
        let final = try await store.latestCheckpoint(of: origin)
        if let final, final.checkpoint.size.rawValue < UInt64(entries.count) {
            logger.warning(
                "The latest final checkpoint is behind the committed entries",
                metadata: ["chain.origin": "\(origin)", "tree.size": "\(entries.count)", "checkpoint.size": "\(final.checkpoint.size)"])
        }
        var durable = NodeMachine.Durable(entries: entries, final: final?.note)
        if let stored = try await store.viewState(for: origin) {
            let fields: StoredDurable
            do { fields = try StoredDurable.decode(stored.blob) } catch {
                throw ConfigurationError("the stored view state of \(origin.prefix(100)) does not read back")
            }
            let persisted = try fields.durable(origin: origin, entries: entries, final: final?.note)
            durable = persisted
            let extra = entries.dropFirst(Int(min(fields.committed, UInt64(entries.count)))).map(\.hash)
            if !extra.isEmpty {
                if durable.pending.map(\.hash).starts(with: extra) {
                    durable.pending.removeFirst(extra.count)
                } else {
                    durable.pending = []
                    durable.witness = WitnessRecord(origin: origin, size: TreeSize(UInt64(entries.count)), root: try await store.root(at: TreeSize(UInt64(entries.count)), of: origin))
                    logger.warning("Dropped pending entries that the committed ones replaced", metadata: ["chain.origin": "\(origin)"])
                }
            }
        }
        let machine: NodeMachine
        do { machine = try NodeMachine(name: name, key: key, genesis: setup.genesis, durable: durable) } catch {
            throw ConfigurationError("cannot resume \(origin.prefix(100)) from the store: \(error.message)")
        }
        logger.info(
            "Chain loaded",
            metadata: [
                "chain.origin": "\(origin)", "tree.size": "\(machine.size)", "committed.size": "\(machine.committedSize)", "view": "\(machine.view)",
            ])
        return ChainDriver(
            slug: setup.slug, name: name, key: key, machine: machine, persisted: durable, store: store, metrics: metrics, logger: logger,
            clock: clock, send: send, relay: relay, maxMessageBytes: maxMessageBytes)
    }
}
