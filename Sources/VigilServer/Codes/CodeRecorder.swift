public import Logging
public import ServiceLifecycle
import Synchronization
public import VigilCommunity
public import VigilStore

/// Writes what the health-code endpoints produce — the visits of scans and the audit events of
/// issued codes — to the store in batches, off the request path (DESIGN §6: scans are recorded
/// asynchronously and in batches).
///
/// Nothing is lost: an item stays in memory until a write that contains it succeeds (a failed
/// write is retried with backoff), and a graceful shutdown writes everything still held. The
/// memory is bounded: at ``capacity`` items, ``offer(visits:audit:)`` refuses, and the endpoint
/// answers 503 with Retry-After rather than accept a scan it could lose.
public final class CodeRecorder: Service, Sendable {
    struct Held {
        var visits: [Visit] = []
        var audit: [AuditEvent] = []
        /// Items taken out for the write in progress.
        var writing = 0
        var count: Int { visits.count + audit.count + writing }
    }

    /// Items (visits plus audit events) held at most.
    public let capacity: Int
    /// Items written per transaction at most.
    public let batchSize: Int
    /// How long the writer waits for more items before writing a partial batch.
    let interval: Duration
    private let store: any CommunityStore
    private let logger: Logger
    private let held = Mutex(Held())
    private let counters = Mutex((visits: 0, audit: 0, failures: 0))

    public init(store: any CommunityStore, capacity: Int = 100_000, batchSize: Int = 2_000, interval: Duration = .milliseconds(50), logger: Logger) {
        self.store = store
        self.capacity = max(1, capacity)
        self.batchSize = max(1, batchSize)
        self.interval = interval
        self.logger = logger
    }

    /// Holds `visits` and `audit` for writing, all or none; false when that would pass ``capacity``.
    public func offer(visits: [Visit] = [], audit: [AuditEvent] = []) -> Bool {
        held.withLock { held in
            guard held.count + visits.count + audit.count <= capacity else { return false }
            held.visits += visits
            held.audit += audit
            return true
        }
    }

    /// Items held now, the write in progress included: 0 means everything offered is written.
    public var backlog: Int { held.withLock { $0.count } }

    /// Visits and audit events written so far, and failed writes.
    public var written: (visits: Int, audit: Int, failures: Int) { counters.withLock { $0 } }

    /// Writes batches until a graceful shutdown (or cancellation), then writes what is left.
    public func run() async throws {
        var backoff = Duration.milliseconds(100)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if await writeBatch() {
                backoff = .milliseconds(100)
                if backlog >= batchSize { continue }
            } else if backlog > 0 {
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
                continue
            }
            try? await Task.sleep(for: interval)
        }
        try await flush()
    }

    /// Writes everything held; throws if the store refuses (the items stay held).
    public func flush() async throws {
        var attempts = 0
        while backlog > 0 {
            if await writeBatch() { continue }
            attempts += 1
            if attempts >= 5 {
                throw StoreError(.io, "\(backlog) scans and audit events could not be written")
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Writes up to one batch; true when it wrote something or nothing was held.
    private func writeBatch() async -> Bool {
        let batch = held.withLock { held -> Held in
            var batch = Held()
            let v = min(held.visits.count, batchSize)
            batch.visits = Array(held.visits.prefix(v))
            held.visits.removeFirst(v)
            let a = min(held.audit.count, batchSize - v)
            batch.audit = Array(held.audit.prefix(a))
            held.audit.removeFirst(a)
            held.writing = v + a
            return batch
        }
        guard batch.count > 0 else { return true }
        defer { held.withLock { $0.writing = 0 } }
        var wroteVisits = false
        do {
            if !batch.visits.isEmpty {
                _ = try await store.insertVisits(batch.visits)
                wroteVisits = true
            }
            if !batch.audit.isEmpty { _ = try await store.appendAudit(batch.audit) }
            counters.withLock {
                $0.visits += batch.visits.count
                $0.audit += batch.audit.count
            }
            return true
        } catch {
            // Put back what was not written, in front, so order is kept.
            held.withLock { held in
                held.writing = 0
                if !wroteVisits { held.visits.insert(contentsOf: batch.visits, at: 0) }
                held.audit.insert(contentsOf: batch.audit, at: 0)
            }
            counters.withLock {
                $0.failures += 1
                if wroteVisits { $0.visits += batch.visits.count }
            }
            logger.warning("code recorder: write failed, will retry", metadata: ["error": "\(error)", "held": "\(backlog)"])
            return false
        }
    }
}
