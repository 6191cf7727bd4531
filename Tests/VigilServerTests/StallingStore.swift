import Synchronization
import VigilCommunity
import VigilStore

/// A community store whose visit and audit writes can be made to fail, as a store that is down
/// or too slow would: everything else goes to an in-memory store.
final class StallingStore: ForwardingCommunityStore {
    let inner = InMemoryCommunityStore()
    private let failing = Atomic<Bool>(false)
    private let refusedWrites = Atomic<Int>(0)

    /// Makes the visit and audit writes fail (true) or work again (false).
    func fail(_ on: Bool) { failing.store(on, ordering: .sequentiallyConsistent) }
    /// Writes refused while failing.
    var refused: Int { refusedWrites.load(ordering: .sequentiallyConsistent) }

    private func check() throws {
        if failing.load(ordering: .sequentiallyConsistent) {
            refusedWrites.wrappingAdd(1, ordering: .sequentiallyConsistent)
            throw StoreError(.io, "the store is down (test)")
        }
    }

    func insertVisits(_ visits: [Visit]) async throws -> Int {
        try check()
        return try await inner.insertVisits(visits)
    }

    func appendAudit(_ events: [AuditEvent]) async throws -> [AuditEvent] {
        try check()
        return try await inner.appendAudit(events)
    }
}
