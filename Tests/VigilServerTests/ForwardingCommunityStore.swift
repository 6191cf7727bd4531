import VigilCommunity
import VigilStore

/// A test store that passes every call to an in-memory store: a test double conforms, keeps
/// `inner`, and writes only the calls it changes.
protocol ForwardingCommunityStore: CommunityStore {
    var inner: InMemoryCommunityStore { get }
}

extension ForwardingCommunityStore {
    func insertVisits(_ visits: [Visit]) async throws -> Int { try await inner.insertVisits(visits) }
    func appendAudit(_ events: [AuditEvent]) async throws -> [AuditEvent] { try await inner.appendAudit(events) }
    func insertPersons(_ drafts: [PersonDraft]) async throws -> [Person] { try await inner.insertPersons(drafts) }
    func person(_ id: PersonID) async throws -> Person? { try await inner.person(id) }
    func mergedInto(_ id: PersonID) async throws -> PersonID? { try await inner.mergedInto(id) }
    func persons(ids: [PersonID]) async throws -> [PersonID: Person] { try await inner.persons(ids: ids) }
    func updatePerson(_ id: PersonID, with draft: PersonDraft, expectedVersion: Int) async throws -> Person {
        try await inner.updatePerson(id, with: draft, expectedVersion: expectedVersion)
    }
    func persons(_ query: PersonQuery) async throws -> PersonPage { try await inner.persons(query) }
    func allPersons(in scope: JurisdictionPath) async throws -> [Person] { try await inner.allPersons(in: scope) }
    func applyMerge(_ plan: MergePlan) async throws { try await inner.applyMerge(plan) }
    func merges(involving id: PersonID) async throws -> [MergeRecord] { try await inner.merges(involving: id) }
    func markNotDuplicate(_ pair: PersonPair) async throws { try await inner.markNotDuplicate(pair) }
    func notDuplicateMarks() async throws -> NotDuplicateMarks { try await inner.notDuplicateMarks() }
    func visits(of person: PersonKey, overlapping range: ClosedRange<Int64>, openDuration: Int64) async throws -> [Visit] {
        try await inner.visits(of: person, overlapping: range, openDuration: openDuration)
    }
    func visits(at place: PlaceID, overlapping range: ClosedRange<Int64>, openDuration: Int64) async throws -> [Visit] {
        try await inner.visits(at: place, overlapping: range, openDuration: openDuration)
    }
    func visits(at queries: [VisitQuery], openDuration: Int64) async throws -> [[Visit]] {
        try await inner.visits(at: queries, openDuration: openDuration)
    }
    func insertRecord(_ record: RecordDraft) async throws -> StoredRecord { try await inner.insertRecord(record) }
    func updateRecord(_ record: RecordDraft, expectedVersion: Int) async throws -> StoredRecord {
        try await inner.updateRecord(record, expectedVersion: expectedVersion)
    }
    func updateRecords(_ updates: [RecordUpdate]) async throws -> [StoredRecord] { try await inner.updateRecords(updates) }
    func record(_ kind: RecordKind, id: String) async throws -> StoredRecord? { try await inner.record(kind, id: id) }
    func records(_ query: RecordQuery) async throws -> RecordPage { try await inner.records(query) }
    func saveUser(_ user: UserRecord) async throws { try await inner.saveUser(user) }
    func user(_ name: String) async throws -> UserRecord? { try await inner.user(name) }
    func users() async throws -> [UserRecord] { try await inner.users() }
    func auditEvents(after: Int64, limit: Int) async throws -> [AuditEvent] { try await inner.auditEvents(after: after, limit: limit) }
    func anonymiseVisits(endedBefore cutoff: Int64, after cursor: Int64, limit: Int, dryRun: Bool) async throws -> VisitRetentionBatch {
        try await inner.anonymiseVisits(endedBefore: cutoff, after: cursor, limit: limit, dryRun: dryRun)
    }
    func anonymisePersons(_ policy: RetentionPolicy, now: Int64, after cursor: PersonID?, limit: Int, dryRun: Bool) async throws
        -> PersonRetentionBatch
    {
        try await inner.anonymisePersons(policy, now: now, after: cursor, limit: limit, dryRun: dryRun)
    }
}
