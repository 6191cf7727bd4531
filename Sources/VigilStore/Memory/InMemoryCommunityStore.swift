public import VigilCommunity
import Synchronization

/// A ``CommunityStore`` in memory: for tests and `vigil demo --ephemeral`. Every method runs
/// under one lock, so each change is atomic like a transaction.
public final class InMemoryCommunityStore: CommunityStore {
    struct PersonRow {
        var person: Person
        var mergedInto: PersonID?
    }

    struct StoredVisit {
        var visit: Visit
        var serial: Int
    }

    struct State {
        var persons: [PersonID: PersonRow] = [:]
        /// Every stored id (merged ones too) in byte order, for keyset pages.
        var order: [PersonID] = []
        var marks = NotDuplicateMarks()
        var merges: [MergeRecord] = []
        var visitsByPlace: [PlaceID: [StoredVisit]] = [:]
        var visitsByPerson: [PersonKey: [StoredVisit]] = [:]
        var visitCount = 0
        var records: [RecordKind: [String: StoredRecord]] = [:]
        var users: [String: UserRecord] = [:]
        var audit: [AuditEvent] = []
    }

    let state = Mutex(State())

    /// An empty store.
    public init() {}

    // MARK: Persons

    public func insertPersons(_ drafts: [PersonDraft]) async throws -> [Person] {
        let persons = try CommunityRules.newPersons(drafts)
        return try state.withLock { state throws(StoreError) in
            for (i, person) in persons.enumerated() where state.persons[person.id] != nil {
                throw StoreError(.conflict, "person \(i) of the batch has an id that is already stored")
            }
            for person in persons { state.persons[person.id] = PersonRow(person: person) }
            state.order.append(contentsOf: persons.map(\.id))
            state.order.sort { CommunityRules.precedes($0.rawValue, $1.rawValue) }
            return persons
        }
    }

    public func person(_ id: PersonID) async throws -> Person? {
        state.withLock { state in
            guard let row = state.persons[id], row.mergedInto == nil else { return nil }
            return row.person
        }
    }

    public func mergedInto(_ id: PersonID) async throws -> PersonID? {
        state.withLock { $0.persons[id]?.mergedInto }
    }

    public func persons(ids: [PersonID]) async throws -> [PersonID: Person] {
        state.withLock { state in
            var found: [PersonID: Person] = [:]
            for id in ids {
                guard let row = state.persons[id], row.mergedInto == nil else { continue }
                found[id] = row.person
            }
            return found
        }
    }

    public func updatePerson(_ id: PersonID, with draft: PersonDraft, expectedVersion: Int) async throws -> Person {
        try state.withLock { state throws(StoreError) in
            guard let row = state.persons[id], row.mergedInto == nil else { throw StoreError(.notFound, "no person with that id is stored") }
            guard row.person.version == expectedVersion else {
                throw CommunityRules.versionConflict("the person", expected: expectedVersion, stored: row.person.version)
            }
            let updated = try CommunityRules.updated(id, with: draft, version: expectedVersion + 1)
            state.persons[id]?.person = updated
            return updated
        }
    }

    public func persons(_ query: PersonQuery) async throws -> PersonPage {
        try CommunityRules.check(limit: query.limit)
        return state.withLock { state in
            var start = 0
            if let after = query.after {
                start = Self.partitionPoint(state.order) { CommunityRules.precedes(after.rawValue, $0.rawValue) }
            }
            var items: [Person] = []
            var more = false
            for id in state.order[start...] {
                guard let row = state.persons[id], row.mergedInto == nil, query.scope.contains(row.person.household),
                    CommunityRules.matchesFilters(row.person, query)
                else { continue }
                if items.count == query.limit {
                    more = true
                    break
                }
                items.append(row.person)
            }
            return PersonPage(items: items, next: more ? items.last?.id : nil)
        }
    }

    public func allPersons(in scope: JurisdictionPath) async throws -> [Person] {
        state.withLock { state in
            state.order.compactMap { id in
                guard let row = state.persons[id], row.mergedInto == nil, scope.contains(row.person.household) else { return nil }
                return row.person
            }
        }
    }

    public func applyMerge(_ plan: MergePlan) async throws {
        try CommunityRules.check(plan)
        let record = plan.record
        try state.withLock { state throws(StoreError) in
            guard let survivor = state.persons[record.survivor], survivor.mergedInto == nil,
                let absorbed = state.persons[record.absorbed], absorbed.mergedInto == nil
            else { throw StoreError(.notFound, "the survivor or the absorbed person is not stored (or was merged)") }
            guard survivor.person.version == record.survivorVersion else {
                throw CommunityRules.versionConflict("the survivor", expected: record.survivorVersion, stored: survivor.person.version)
            }
            guard absorbed.person.version == record.absorbedVersion else {
                throw CommunityRules.versionConflict("the absorbed person", expected: record.absorbedVersion, stored: absorbed.person.version)
            }
            guard !state.marks.contains(record.survivor, record.absorbed) else {
                throw StoreError(.conflict, "the pair is marked as not a duplicate")
            }
            state.persons[record.survivor]?.person = plan.merged
            state.persons[record.absorbed]?.mergedInto = record.survivor
            // Files merged into the absorbed one earlier now live in the survivor too.
            for (id, row) in state.persons where row.mergedInto == record.absorbed {
                state.persons[id]?.mergedInto = record.survivor
            }
            state.marks.reassign(record.absorbed, to: record.survivor)
            state.merges.append(record)
        }
    }

    public func merges(involving id: PersonID) async throws -> [MergeRecord] {
        state.withLock { $0.merges.filter { $0.survivor == id || $0.absorbed == id } }
    }

    public func markNotDuplicate(_ pair: PersonPair) async throws {
        state.withLock { _ = $0.marks.insert(pair) }
    }

    public func notDuplicateMarks() async throws -> NotDuplicateMarks {
        state.withLock { $0.marks }
    }

    // MARK: Visits

    public func insertVisits(_ visits: [Visit]) async throws -> Int {
        state.withLock { state in
            for visit in visits {
                let stored = StoredVisit(visit: visit, serial: state.visitCount)
                state.visitCount += 1
                state.visitsByPlace[visit.place, default: []].append(stored)
                state.visitsByPerson[visit.person, default: []].append(stored)
            }
            return visits.count
        }
    }

    public func visits(of person: PersonKey, overlapping range: ClosedRange<Int64>, openDuration: Int64) async throws -> [Visit] {
        state.withLock { Self.overlapping($0.visitsByPerson[person] ?? [], range, openDuration) }
    }

    public func visits(at place: PlaceID, overlapping range: ClosedRange<Int64>, openDuration: Int64) async throws -> [Visit] {
        state.withLock { Self.overlapping($0.visitsByPlace[place] ?? [], range, openDuration) }
    }

    public func visits(at queries: [VisitQuery], openDuration: Int64) async throws -> [[Visit]] {
        state.withLock { state in queries.map { Self.overlapping(state.visitsByPlace[$0.place] ?? [], $0.range, openDuration) } }
    }

    static func overlapping(_ visits: [StoredVisit], _ range: ClosedRange<Int64>, _ openDuration: Int64) -> [Visit] {
        visits.filter { stored in
            stored.visit.timeIn <= range.upperBound && CommunityRules.end(of: stored.visit, openDuration: openDuration) >= range.lowerBound
        }
        .sorted { ($0.visit.timeIn, $0.serial) < ($1.visit.timeIn, $1.serial) }
        .map(\.visit)
    }

    // MARK: Lifecycle records

    public func insertRecord(_ record: RecordDraft) async throws -> StoredRecord {
        try CommunityRules.check(record)
        return try state.withLock { state throws(StoreError) in
            guard state.records[record.kind]?[record.id] == nil else {
                throw StoreError(.conflict, "a \(record.kind) record with that id is stored")
            }
            let stored = StoredRecord(draft: record, version: 1)
            state.records[record.kind, default: [:]][record.id] = stored
            return stored
        }
    }

    public func updateRecord(_ record: RecordDraft, expectedVersion: Int) async throws -> StoredRecord {
        try await updateRecords([RecordUpdate(record, expectedVersion: expectedVersion)])[0]
    }

    public func updateRecords(_ updates: [RecordUpdate]) async throws -> [StoredRecord] {
        for update in updates { try CommunityRules.check(update.record) }
        return try state.withLock { state throws(StoreError) in
            var versions: [RecordKind: [String: Int]] = [:]
            for update in updates {
                let record = update.record
                guard let current = versions[record.kind]?[record.id] ?? state.records[record.kind]?[record.id]?.version else {
                    if update.expectedVersion == 0 {
                        versions[record.kind, default: [:]][record.id] = 1
                        continue
                    }
                    throw StoreError(.notFound, "no \(record.kind) record with that id is stored")
                }
                if update.expectedVersion == 0 { throw StoreError(.conflict, "a \(record.kind) record with that id is stored") }
                guard current == update.expectedVersion else {
                    throw CommunityRules.versionConflict("the record", expected: update.expectedVersion, stored: current)
                }
                versions[record.kind, default: [:]][record.id] = update.expectedVersion + 1
            }
            return updates.map { update in
                let stored = StoredRecord(draft: update.record, version: update.expectedVersion + 1)
                state.records[update.record.kind, default: [:]][update.record.id] = stored
                return stored
            }
        }
    }

    public func record(_ kind: RecordKind, id: String) async throws -> StoredRecord? {
        state.withLock { $0.records[kind]?[id] }
    }

    public func records(_ query: RecordQuery) async throws -> RecordPage {
        try CommunityRules.check(query)
        return state.withLock { state in
            let matching = (state.records[query.kind] ?? [:]).values.filter { stored in
                query.scope.contains(stored.draft.jurisdiction) && (query.person == nil || stored.draft.person == query.person)
                    && (query.after.map { CommunityRules.precedes($0, stored.draft.id) } ?? true)
            }
            .sorted { CommunityRules.precedes($0.draft.id, $1.draft.id) }
            let items = Array(matching.prefix(query.limit))
            return RecordPage(items: items, next: matching.count > query.limit ? items.last?.draft.id : nil)
        }
    }

    // MARK: Users

    public func saveUser(_ user: UserRecord) async throws {
        try CommunityRules.check(user)
        state.withLock { $0.users[user.name] = user }
    }

    public func user(_ name: String) async throws -> UserRecord? {
        state.withLock { $0.users[name] }
    }

    public func users() async throws -> [UserRecord] {
        state.withLock { $0.users.values.sorted { CommunityRules.precedes($0.name, $1.name) } }
    }

    // MARK: Audit

    @discardableResult
    public func appendAudit(_ events: [AuditEvent]) async throws -> [AuditEvent] {
        state.withLock { state in
            var stored: [AuditEvent] = []
            for var event in events {
                event.sequence = Int64(state.audit.count + 1)
                state.audit.append(event)
                stored.append(event)
            }
            return stored
        }
    }

    public func auditEvents(after: Int64, limit: Int) async throws -> [AuditEvent] {
        try CommunityRules.check(auditLimit: limit)
        return state.withLock { state in
            let start = Int(max(0, min(after, Int64(state.audit.count))))
            return Array(state.audit[start...].prefix(limit))
        }
    }

    /// The first index whose element satisfies `predicate`, for a predicate that is false then true.
    static func partitionPoint<T>(_ array: [T], _ predicate: (T) -> Bool) -> Int {
        var low = 0
        var high = array.count
        while low < high {
            let mid = (low + high) / 2
            if predicate(array[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}

// MARK: Retention

extension InMemoryCommunityStore {
    /// Visits are numbered by insertion (serial + 1); a batch is a range of those numbers, under
    /// the lock.
    public func anonymiseVisits(endedBefore cutoff: Int64, after cursor: Int64, limit: Int, dryRun: Bool) async throws -> VisitRetentionBatch {
        try RetentionRules.check(limit: limit)
        return state.withLock { state in
            let low = Int(max(0, min(cursor, Int64(state.visitCount))))
            let high = min(low + limit, state.visitCount)
            let serials = low..<high
            guard !serials.isEmpty else { return VisitRetentionBatch(scanned: 0, anonymised: 0, next: nil) }
            var expired: [Int: Visit] = [:]
            for (place, visits) in state.visitsByPlace {
                for (i, stored) in visits.enumerated() where serials.contains(stored.serial) {
                    let visit = stored.visit
                    guard visit.person != RetentionPolicy.anonymousVisitor, (visit.timeOut ?? visit.timeIn) < cutoff else { continue }
                    expired[stored.serial] = visit
                    if !dryRun { state.visitsByPlace[place]![i].visit = RetentionPolicy.anonymised(visit) }
                }
            }
            if !dryRun {
                for (serial, visit) in expired {
                    state.visitsByPerson[visit.person]?.removeAll { $0.serial == serial }
                    if state.visitsByPerson[visit.person]?.isEmpty == true { state.visitsByPerson[visit.person] = nil }
                    state.visitsByPerson[RetentionPolicy.anonymousVisitor, default: []].append(
                        StoredVisit(visit: RetentionPolicy.anonymised(visit), serial: serial))
                }
            }
            return VisitRetentionBatch(scanned: serials.count, anonymised: expired.count, next: serials.count == limit ? Int64(high) : nil)
        }
    }

    public func anonymisePersons(_ policy: RetentionPolicy, now: Int64, after cursor: PersonID?, limit: Int, dryRun: Bool) async throws
        -> PersonRetentionBatch
    {
        try RetentionRules.check(limit: limit)
        return state.withLock { state in
            var start = 0
            if let cursor { start = Self.partitionPoint(state.order) { CommunityRules.precedes(cursor.rawValue, $0.rawValue) } }
            var persons: [Person] = []
            for id in state.order[start...] where persons.count < limit {
                if let row = state.persons[id], row.mergedInto == nil { persons.append(row.person) }
            }
            let batch = Set(persons.map(\.id))
            var absorbed: [PersonID: [Person]] = [:]
            for id in state.order {
                if let row = state.persons[id], let survivor = row.mergedInto, batch.contains(survivor) {
                    absorbed[survivor, default: []].append(row.person)
                }
            }
            let keys = Set(batch.map(\.rawValue) + absorbed.values.joined().map(\.id.rawValue))
            var records: [StoredRecord] = []
            for kind in RetentionRules.personalKinds {
                for stored in (state.records[kind] ?? [:]).values.sorted(by: { CommunityRules.precedes($0.draft.id, $1.draft.id) })
                where stored.draft.person.map(keys.contains) == true {
                    records.append(stored)
                }
            }
            let plan = RetentionRules.plan(persons: persons, absorbed: absorbed, records: records, policy: policy, now: now, limit: limit)
            if !dryRun {
                for person in plan.persons + plan.absorbed { state.persons[person.id]?.person = person }
                for update in plan.records {
                    state.records[update.record.kind]?[update.record.id] = StoredRecord(draft: update.record, version: update.expectedVersion + 1)
                }
            }
            return plan.result
        }
    }
}
