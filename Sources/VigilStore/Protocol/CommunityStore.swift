public import VigilCommunity

/// Durable records of the community data platform on one node: persons ("one person, one
/// file") with their duplicate marks and merges, visits for contact tracing, lifecycle records
/// (cases, daily reports, referrals, quarantines, follow-up plans, ...) as versioned JSON
/// documents, the users of the API, and the append-only audit log.
///
/// Every method that changes more than one row does it in one transaction: when it throws, it
/// has changed nothing. Concurrent edits are detected by version: an update names the version it
/// read and fails with ``StoreError/Code/conflict`` when the stored one differs. Database
/// failures surface as ``StoreError/Code/io``. All backends pass `CommunityStoreConformance`.
public protocol CommunityStore: Sendable {
    // MARK: Persons

    /// Inserts persons, all or none. A draft without an id gets a new one (random, 32 hex
    /// digits). Each gets version 1.
    /// - Throws: ``StoreError/Code/conflict`` when an id is already stored (nothing is inserted).
    func insertPersons(_ drafts: [PersonDraft]) async throws -> [Person]

    /// The person with `id`, or nil. A person merged into another is not returned: see
    /// ``mergedInto(_:)``.
    func person(_ id: PersonID) async throws -> Person?

    /// The survivor a merged person's file now lives in, or nil when `id` was not merged.
    func mergedInto(_ id: PersonID) async throws -> PersonID?

    /// The persons with `ids` that are stored, by id, read in one transaction (for the contacts
    /// of a trace, instead of one ``person(_:)`` each). Unknown ids are absent, and so are
    /// persons merged into another, as with ``person(_:)``. Repeated ids are read once.
    func persons(ids: [PersonID]) async throws -> [PersonID: Person]

    /// Replaces the person's fields with `draft` (validated by the caller) when the stored
    /// version is `expectedVersion`; the stored version becomes `expectedVersion + 1`.
    /// - Throws: ``StoreError/Code/notFound``; ``StoreError/Code/conflict`` with the stored
    ///   version in the message when it is not `expectedVersion`.
    func updatePerson(_ id: PersonID, with draft: PersonDraft, expectedVersion: Int) async throws -> Person

    /// A page of the persons under `query.scope`, filtered, in id order after `query.after`.
    func persons(_ query: PersonQuery) async throws -> PersonPage

    /// Every person under `scope` (for duplicate detection), in id order.
    func allPersons(in scope: JurisdictionPath) async throws -> [Person]

    /// Applies a merge computed by ``MergePlan/merge(survivor:duplicate:by:at:reason:)``: writes
    /// the merged survivor, retires the absorbed file (kept only as a pointer to the survivor),
    /// moves the absorbed person's not-duplicate marks to the survivor, and stores the record.
    /// - Throws: ``StoreError/Code/conflict`` when either stored version differs from the
    ///   record's, or the pair is marked "not a duplicate"; ``StoreError/Code/notFound``.
    func applyMerge(_ plan: MergePlan) async throws

    /// The stored merge records whose survivor or absorbed person is `id`, oldest first.
    func merges(involving id: PersonID) async throws -> [MergeRecord]

    /// Marks two persons as "not a duplicate" for good (idempotent).
    func markNotDuplicate(_ pair: PersonPair) async throws

    /// Every "not a duplicate" mark.
    func notDuplicateMarks() async throws -> NotDuplicateMarks

    // MARK: Visits

    /// Stores visits (access management); returns how many were stored.
    func insertVisits(_ visits: [Visit]) async throws -> Int

    /// The visits of `person` that overlap `range` (an open visit counts as lasting
    /// `openDuration` seconds), by time in.
    func visits(of person: PersonKey, overlapping range: ClosedRange<Int64>, openDuration: Int64) async throws -> [Visit]

    /// The visits at `place` that overlap `range` (an open visit counts as lasting
    /// `openDuration` seconds), by time in.
    func visits(at place: PlaceID, overlapping range: ClosedRange<Int64>, openDuration: Int64) async throws -> [Visit]

    /// Many ``visits(at:overlapping:openDuration:)`` in one transaction and as few round trips
    /// as the backend allows (a trace asks one per merged risk interval): one list per query, in
    /// the order of `queries`, each as that method answers it.
    func visits(at queries: [VisitQuery], openDuration: Int64) async throws -> [[Visit]]

    // MARK: Lifecycle records

    /// Stores a new record; it gets version 1.
    /// - Throws: ``StoreError/Code/conflict`` when a record of that kind and id exists.
    func insertRecord(_ record: RecordDraft) async throws -> StoredRecord

    /// Replaces a record's body (and jurisdiction) when the stored version is `expectedVersion`.
    /// - Throws: ``StoreError/Code/notFound``; ``StoreError/Code/conflict`` on another version.
    func updateRecord(_ record: RecordDraft, expectedVersion: Int) async throws -> StoredRecord

    /// Several ``updateRecord(_:expectedVersion:)`` in one transaction: all are written or none
    /// (a referral's admission and the hospital's occupied beds). An update expecting version 0
    /// inserts a record that must not exist yet (it gets version 1), so new records can be
    /// written together with the changes they come with (an allocation and the stocks it moves).
    /// - Throws: the first failure's ``StoreError``: ``StoreError/Code/conflict`` for another
    ///   version or an existing record expected new; nothing is written then.
    func updateRecords(_ updates: [RecordUpdate]) async throws -> [StoredRecord]

    /// The record of `kind` with `id`, or nil.
    func record(_ kind: RecordKind, id: String) async throws -> StoredRecord?

    /// A page of the records of `query.kind` under `query.scope`, in id order after `query.after`.
    func records(_ query: RecordQuery) async throws -> RecordPage

    // MARK: Users

    /// Stores or replaces a user of the API.
    func saveUser(_ user: UserRecord) async throws

    /// The user called `name`, or nil.
    func user(_ name: String) async throws -> UserRecord?

    /// Every user, by name.
    func users() async throws -> [UserRecord]

    // MARK: Audit

    /// Appends events to the audit log, in order; returns them with their sequence numbers.
    /// The log has no update or delete: the backends refuse both at the database level.
    @discardableResult
    func appendAudit(_ events: [AuditEvent]) async throws -> [AuditEvent]

    /// Audit events with a sequence number greater than `after`, oldest first, at most `limit`.
    func auditEvents(after: Int64, limit: Int) async throws -> [AuditEvent]

    // MARK: Retention

    /// One batch of the retention job's visits (``runRetention(_:now:actor:role:purpose:auditTime:dryRun:visitBatch:personBatch:progress:)``),
    /// in one transaction: of the next `limit` visits in storage order after `cursor` (0 to
    /// start), those that ended (time out, or time in when open) before `cutoff` get the person
    /// ``RetentionPolicy/anonymousVisitor``. Idempotent; a dry run counts and writes nothing.
    /// - Throws: ``StoreError/Code/invalidArgument`` unless `limit` is 1...10000.
    func anonymiseVisits(endedBefore cutoff: Int64, after cursor: Int64, limit: Int, dryRun: Bool) async throws -> VisitRetentionBatch

    /// One batch of the retention job's files, in one transaction: the next `limit` live persons
    /// in id order after `cursor` (nil to start), with the files merged into them and their
    /// personal records (``RetentionPolicy/FileFacts``). Each file that `policy` holds at `now`
    /// is counted by its hold and left alone; every other is anonymised
    /// (``RetentionPolicy/anonymised(_:)-(Person)``, version + 1) with its merged files, and its
    /// records move to the community without free text (version + 1). Data already anonymised
    /// is not written again. A dry run counts and writes nothing.
    /// - Throws: ``StoreError/Code/invalidArgument`` unless `limit` is 1...10000.
    func anonymisePersons(_ policy: RetentionPolicy, now: Int64, after cursor: PersonID?, limit: Int, dryRun: Bool) async throws
        -> PersonRetentionBatch
}

extension CommunityStore {
    /// The visits that ``ContactTracer/trace(person:caseVisits:household:in:now:)`` can find
    /// encounters in: at each place of `risk` (``ContactTracer/riskIntervals(caseVisits:now:openVisitDuration:)``),
    /// those overlapping one of its intervals, with one ``visits(at:overlapping:openDuration:)``
    /// per interval. A stored visit that overlaps several intervals of its place is returned
    /// once (by the query of the first), so a `VisitIndex` of the result holds each stored visit
    /// as often as the store does.
    ///
    /// - Parameter risk: per place, disjoint intervals in increasing order.
    /// - Returns: the visits, by place and then as each query orders them, and the rows the
    ///   queries returned (duplicates included), for benchmarks.
    public func visits(inRiskIntervals risk: [PlaceID: [ClosedRange<Int64>]], openDuration: Int64) async throws -> (visits: [Visit], rowsRead: Int) {
        var queries: [VisitQuery] = []
        for place in risk.keys.sorted() {
            queries += risk[place]!.sorted(by: { $0.lowerBound < $1.lowerBound }).map { VisitQuery(place: place, range: $0) }
        }
        let answers = try await visits(at: queries, openDuration: openDuration)
        var visits: [Visit] = []
        var rowsRead = 0
        for (i, found) in answers.enumerated() {
            rowsRead += found.count
            if i > 0, queries[i - 1].place == queries[i].place {
                // A visit that started by the previous interval's end and reaches this one
                // overlaps the previous interval too: it was returned there.
                let previousEnd = queries[i - 1].range.upperBound
                visits += found.lazy.filter { $0.timeIn > previousEnd }
            } else {
                visits += found
            }
        }
        return (visits, rowsRead)
    }
}

/// One place and time range of ``CommunityStore/visits(at:openDuration:)``.
public struct VisitQuery: Sendable, Hashable {
    public var place: PlaceID
    public var range: ClosedRange<Int64>
    public init(place: PlaceID, range: ClosedRange<Int64>) {
        self.place = place
        self.range = range
    }
}

/// A filtered page request over persons.
public struct PersonQuery: Sendable, Hashable {
    /// Only persons whose household is this node or below it.
    public var scope: JurisdictionPath
    public var group: PersonGroup?
    public var vulnerability: Vulnerability?
    /// Only persons whose name starts with this text (exact, case-sensitive).
    public var namePrefix: String?
    /// The last id of the previous page (keyset pagination).
    public var after: PersonID?
    /// At most this many (1...1000).
    public var limit: Int

    public init(
        scope: JurisdictionPath, group: PersonGroup? = nil, vulnerability: Vulnerability? = nil, namePrefix: String? = nil,
        after: PersonID? = nil, limit: Int = 50
    ) {
        self.scope = scope
        self.group = group
        self.vulnerability = vulnerability
        self.namePrefix = namePrefix
        self.after = after
        self.limit = limit
    }
}

/// One page of persons; ``next`` is the `after` of the next page, nil on the last one.
public struct PersonPage: Sendable, Hashable {
    public var items: [Person]
    public var next: PersonID?

    public init(items: [Person], next: PersonID?) {
        self.items = items
        self.next = next
    }
}

/// The kind of a lifecycle record (`case`, `daily-report`, `referral`, ...): 1–32 of `a-z 0-9 -`.
public struct RecordKind: Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let `case` = RecordKind("case")
    public static let closeContact = RecordKind("close-contact")
    public static let quarantine = RecordKind("quarantine")
    public static let followUpPlan = RecordKind("follow-up-plan")
    public static let checkIn = RecordKind("check-in")
    public static let dailyReport = RecordKind("daily-report")
    public static let referral = RecordKind("referral")
    public static let hospitalCapacity = RecordKind("hospital-capacity")
    public static let transmission = RecordKind("transmission")
}

/// A lifecycle record to insert or update: its JSON body is the domain value's encoding.
public struct RecordDraft: Sendable, Hashable {
    public var kind: RecordKind
    /// Unique within the kind: 1–128 bytes, no control characters.
    public var id: String
    /// Where the record belongs, for access by jurisdiction and scoped lists.
    public var jurisdiction: JurisdictionPath
    /// The person it is about, if any (to find a person's records).
    public var person: PersonKey?
    public var body: [UInt8]
    /// When it was written (Unix seconds).
    public var time: Int64

    public init(kind: RecordKind, id: String, jurisdiction: JurisdictionPath, person: PersonKey? = nil, body: [UInt8], time: Int64) {
        self.kind = kind
        self.id = id
        self.jurisdiction = jurisdiction
        self.person = person
        self.body = body
        self.time = time
    }
}

/// A stored lifecycle record with its version.
public struct StoredRecord: Sendable, Hashable {
    public var draft: RecordDraft
    public var version: Int

    public init(draft: RecordDraft, version: Int) {
        self.draft = draft
        self.version = version
    }
}

/// A page request over lifecycle records of one kind.
public struct RecordQuery: Sendable, Hashable {
    public var kind: RecordKind
    public var scope: JurisdictionPath
    /// Only the records about this person.
    public var person: PersonKey?
    /// The last id of the previous page.
    public var after: String?
    /// At most this many (1...1000).
    public var limit: Int

    public init(kind: RecordKind, scope: JurisdictionPath, person: PersonKey? = nil, after: String? = nil, limit: Int = 50) {
        self.kind = kind
        self.scope = scope
        self.person = person
        self.after = after
        self.limit = limit
    }
}

/// One page of records; ``next`` is the `after` of the next page, nil on the last one.
public struct RecordPage: Sendable, Hashable {
    public var items: [StoredRecord]
    public var next: String?

    public init(items: [StoredRecord], next: String?) {
        self.items = items
        self.next = next
    }
}

/// A record to write if the stored one is at `expectedVersion`.
public struct RecordUpdate: Sendable, Hashable {
    public var record: RecordDraft
    /// The stored version the change was computed from; 0 for a record that must be new.
    public var expectedVersion: Int

    public init(_ record: RecordDraft, expectedVersion: Int) {
        self.record = record
        self.expectedVersion = expectedVersion
    }

    /// A record to insert in the same transaction.
    public static func insert(_ record: RecordDraft) -> RecordUpdate { RecordUpdate(record, expectedVersion: 0) }
}

/// A user of the API: the role and jurisdiction their tokens carry.
public struct UserRecord: Sendable, Hashable, Codable {
    public var name: String
    public var role: Role
    public var jurisdiction: JurisdictionPath
    /// A disabled user's tokens are refused.
    public var active: Bool
    public var createdAt: Int64

    public init(name: String, role: Role, jurisdiction: JurisdictionPath, active: Bool = true, createdAt: Int64) {
        self.name = name
        self.role = role
        self.jurisdiction = jurisdiction
        self.active = active
        self.createdAt = createdAt
    }
}

/// One read or change of personal data (or another audited action), as written to the
/// append-only audit log: who, what, when, why.
public struct AuditEvent: Sendable, Hashable, Codable {
    /// Assigned by the store, increasing; 0 before it is stored.
    public var sequence: Int64
    /// Unix seconds.
    public var time: Int64
    /// The user.
    public var actor: String
    public var role: Role
    /// What was done, e.g. `person.read`, `person.list`, `person.merge`, `trace.run`.
    public var action: String
    /// What it was done to, e.g. `person/4f0c...` or `persons?scope=sz/ft`.
    public var resource: String
    /// The purpose the caller gave (the `Vigil-Purpose` header), or the endpoint's default.
    public var purpose: String

    public init(sequence: Int64 = 0, time: Int64, actor: String, role: Role, action: String, resource: String, purpose: String) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.role = role
        self.action = action
        self.resource = resource
        self.purpose = purpose
    }
}

extension CommunityStore {
    /// Every stored record of `kind` in `scope`, with its version: all pages of ``records(_:)``.
    public func allRecords(_ kind: RecordKind, in scope: JurisdictionPath) async throws -> [StoredRecord] {
        var items: [StoredRecord] = []
        var after: String?
        repeat {
            let page = try await records(RecordQuery(kind: kind, scope: scope, after: after, limit: 1000))
            items += page.items
            after = page.next
        } while after != nil
        return items
    }
}
