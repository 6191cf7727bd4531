public import VigilCommunity
import VigilSurveillance

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// The retention job (DESIGN §4): anonymises personal data past its period, in batches, each
// batch in one transaction of the backend (``CommunityStore/anonymiseVisits(endedBefore:after:limit:dryRun:)``,
// ``CommunityStore/anonymisePersons(_:now:after:limit:dryRun:)``), and appends to the audit log
// what it did. What is anonymised when is ``RetentionPolicy``'s; docs/community.md, "Retention".

/// One batch of ``CommunityStore/anonymiseVisits(endedBefore:after:limit:dryRun:)``.
public struct VisitRetentionBatch: Sendable, Hashable, Codable {
    /// Visits read (at most the limit).
    public var scanned: Int
    /// Visits that lost their person (or would, in a dry run).
    public var anonymised: Int
    /// The cursor of the next batch; nil after the last.
    public var next: Int64?

    public init(scanned: Int, anonymised: Int, next: Int64?) {
        self.scanned = scanned
        self.anonymised = anonymised
        self.next = next
    }
}

/// One batch of ``CommunityStore/anonymisePersons(_:now:after:limit:dryRun:)``.
public struct PersonRetentionBatch: Sendable, Hashable, Codable {
    /// Live (unmerged) persons read.
    public var scanned: Int = 0
    /// Files anonymised now (not those anonymised before).
    public var anonymised: Int = 0
    /// Files merged into an anonymised file that were blanked too.
    public var mergedFiles: Int = 0
    /// Records rewritten (community jurisdiction, no free text).
    public var records: Int = 0
    /// Files kept, by the first hold.
    public var held: [RetentionPolicy.Hold: Int] = [:]
    /// The cursor of the next batch; nil after the last.
    public var next: PersonID?

    public init() {}
}

/// What a retention run did (or, dry, would do).
public struct RetentionReport: Sendable, Hashable, Codable {
    public var policy: RetentionPolicy
    /// The time the periods count back from (Unix seconds).
    public var now: Int64
    public var visitCutoff: Int64
    public var closedFileCutoff: Int64
    public var followUpCutoffDay: String
    public var dryRun: Bool
    public var visitsScanned = 0
    public var visitsAnonymised = 0
    public var personsScanned = 0
    public var personsAnonymised = 0
    public var mergedFilesAnonymised = 0
    public var recordsAnonymised = 0
    /// Files with key-group data kept identifiable, by hold (``RetentionPolicy/Hold`` raw values).
    public var held: [String: Int] = [:]
    /// The audit events appended (start and summary); none in a dry run.
    public var audit: [AuditEvent] = []

    public init(policy: RetentionPolicy, now: Int64, dryRun: Bool) {
        self.policy = policy
        self.now = now
        self.visitCutoff = policy.visitCutoff(now: now)
        self.closedFileCutoff = policy.closedFileCutoff(now: now)
        self.followUpCutoffDay = policy.followUpCutoffDay(now: now).description
        self.dryRun = dryRun
    }

    /// The summary as query parameters, for the audit event's resource.
    public var summary: String {
        "visits=\(visitsAnonymised)&persons=\(personsAnonymised)&merged=\(mergedFilesAnonymised)&records=\(recordsAnonymised)"
            + "&visitsBefore=\(visitCutoff)&filesBefore=\(closedFileCutoff)&followUpBefore=\(followUpCutoffDay)"
    }
}

/// Progress of a retention run, after each batch.
public enum RetentionProgress: Sendable, Hashable {
    case visits(scanned: Int, anonymised: Int)
    case persons(scanned: Int, anonymised: Int)
}

extension CommunityStore {
    /// Runs the retention job: every visit past ``RetentionPolicy/visitCutoff(now:)`` loses its
    /// person, then every closed key-group file is anonymised with its records, batch by batch
    /// (each batch one transaction, so a large store never holds one giant transaction and an
    /// interrupted run leaves whole batches; running again finishes the work and changes nothing
    /// that is done). Unless `dryRun`, appends `retention.start` before and `retention.run` with
    /// the counts after (the audit log itself is never changed).
    ///
    /// - Parameters:
    ///   - now: the time the periods count back from.
    ///   - actor, role, purpose: who runs it, for the audit log; `auditTime` when (default `now`).
    ///   - dryRun: count what would change, write nothing.
    public func runRetention(
        _ policy: RetentionPolicy, now: Int64, actor: String, role: Role, purpose: String = "retention", auditTime: Int64? = nil,
        dryRun: Bool = false, visitBatch: Int = 5_000, personBatch: Int = 500,
        progress: (RetentionProgress) -> Void = { _ in }
    ) async throws -> RetentionReport {
        var report = RetentionReport(policy: policy, now: now, dryRun: dryRun)
        func event(_ action: String, _ resource: String) -> AuditEvent {
            AuditEvent(time: auditTime ?? now, actor: actor, role: role, action: action, resource: resource, purpose: purpose)
        }
        if !dryRun {
            report.audit += try await appendAudit([
                event("retention.start", "retention?now=\(now)&visitDays=\(policy.visitDays)&followUpDays=\(policy.followUpDays)&closedFileDays=\(policy.closedFileDays)")
            ])
        }
        var visitCursor: Int64? = 0
        while let cursor = visitCursor {
            let batch = try await anonymiseVisits(endedBefore: report.visitCutoff, after: cursor, limit: visitBatch, dryRun: dryRun)
            report.visitsScanned += batch.scanned
            report.visitsAnonymised += batch.anonymised
            progress(.visits(scanned: report.visitsScanned, anonymised: report.visitsAnonymised))
            visitCursor = batch.next
        }
        var personCursor: PersonID?
        repeat {
            let batch = try await anonymisePersons(policy, now: now, after: personCursor, limit: personBatch, dryRun: dryRun)
            report.personsScanned += batch.scanned
            report.personsAnonymised += batch.anonymised
            report.mergedFilesAnonymised += batch.mergedFiles
            report.recordsAnonymised += batch.records
            for (hold, count) in batch.held { report.held[hold.rawValue, default: 0] += count }
            progress(.persons(scanned: report.personsScanned, anonymised: report.personsAnonymised))
            personCursor = batch.next
        } while personCursor != nil
        if !dryRun {
            report.audit += try await appendAudit([event("retention.run", "retention?" + report.summary)])
        }
        return report
    }
}

/// The steps of a person batch every backend shares: which records retention reads, the facts
/// they give, and what to write.
enum RetentionRules {
    /// The kinds of records about a person that retention reads and rewrites.
    static let personalKinds: [RecordKind] = [.case, .closeContact, .quarantine, .followUpPlan, .checkIn, .referral, .transmission]

    static func check(limit: Int) throws(StoreError) {
        guard (1...10_000).contains(limit) else { throw StoreError(.invalidArgument, "a retention batch holds 1...10000 rows, not \(limit)") }
    }

    /// What to write for one batch.
    struct BatchPlan {
        /// Anonymised files, one version later.
        var persons: [Person] = []
        /// Merged files of those, blanked, one version later.
        var absorbed: [Person] = []
        /// Rewritten records, expecting the version read.
        var records: [RecordUpdate] = []
        var result = PersonRetentionBatch()
    }

    /// Plans a batch: `persons` are live files in id order (a full batch when `limit` of
    /// them), `absorbed` the files merged into each, `records` the personal records of both.
    static func plan(
        persons: [Person], absorbed: [PersonID: [Person]], records: [StoredRecord], policy: RetentionPolicy, now: Int64, limit: Int
    ) -> BatchPlan {
        var plan = BatchPlan()
        plan.result.scanned = persons.count
        plan.result.next = persons.count == limit ? persons.last?.id : nil
        var byPerson: [PersonKey: [StoredRecord]] = [:]
        for record in records {
            if let person = record.draft.person { byPerson[person, default: []].append(record) }
        }
        for person in persons {
            let merged = absorbed[person.id] ?? []
            let own = ([person] + merged).flatMap { byPerson[$0.id.rawValue] ?? [] }
            if let hold = policy.hold(facts(own), now: now) {
                plan.result.held[hold, default: 0] += 1
                continue
            }
            if !RetentionPolicy.isAnonymised(person) {
                plan.persons.append(nextVersion(RetentionPolicy.anonymised(person)))
                plan.result.anonymised += 1
            }
            for file in merged where !RetentionPolicy.isAnonymised(file) {
                plan.absorbed.append(nextVersion(RetentionPolicy.anonymised(file)))
                plan.result.mergedFiles += 1
            }
            for record in own {
                let draft = anonymised(record.draft)
                if draft != record.draft { plan.records.append(RecordUpdate(draft, expectedVersion: record.version)) }
            }
        }
        plan.result.records = plan.records.count
        return plan
    }

    static func nextVersion(_ person: Person) -> Person {
        // Same fields, one version later: the draft of a valid person is valid.
        try! Person(id: person.id, validating: person.draft, version: person.version + 1)
    }

    /// The facts of a person's records; a record that does not decode as its kind counts as
    /// unreadable.
    static func facts(_ records: [StoredRecord]) -> RetentionPolicy.FileFacts {
        var facts = RetentionPolicy.FileFacts()
        let decoder = JSONDecoder()
        for record in records {
            facts.recordTimes.append(record.draft.time)
            let body = Data(record.draft.body)
            do {
                switch record.draft.kind {
                case .case: facts.cases.append(try decoder.decode(Case.self, from: body))
                case .closeContact: facts.closeContacts.append(try decoder.decode(CloseContact.self, from: body))
                case .quarantine: facts.quarantines.append(try decoder.decode(Quarantine.self, from: body))
                case .followUpPlan: facts.followUpPlans.append(try decoder.decode(FollowUpPlan.self, from: body))
                case .checkIn: facts.checkIns.append(try decoder.decode(CheckIn.self, from: body))
                case .referral: facts.referrals.append(try decoder.decode(Referral.self, from: body))
                case .transmission: facts.transmissions.append(try decoder.decode(TransmissionGraph.Edge.self, from: body))
                default: facts.unreadable += 1
                }
            } catch {
                facts.unreadable += 1
            }
        }
        return facts
    }

    /// The record moved to its community, with the free text of cases, referrals and
    /// transmissions replaced; the same draft when there is nothing to change.
    static func anonymised(_ draft: RecordDraft) -> RecordDraft {
        var copy = draft
        copy.jurisdiction = RetentionPolicy.coarsened(draft.jurisdiction)
        let body = Data(draft.body)
        let decoder = JSONDecoder()
        func rewrite<T: Codable & Equatable>(_ type: T.Type, _ transform: (T) throws -> T) {
            // Bodies were read by facts(_:) already; one that fails here is left as it is.
            guard let value = try? decoder.decode(type, from: body), let changed = try? transform(value), changed != value,
                let bytes = try? encode(changed)
            else { return }
            copy.body = bytes
        }
        switch draft.kind {
        case .case: rewrite(Case.self, RetentionPolicy.anonymised)
        case .referral: rewrite(Referral.self, RetentionPolicy.anonymised)
        case .transmission: rewrite(TransmissionGraph.Edge.self, RetentionPolicy.anonymised)
        default: break
        }
        return copy
    }

    /// JSON as the API writes record bodies: sorted keys, slashes unescaped.
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}
