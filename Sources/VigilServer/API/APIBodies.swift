import VigilCommunity
import VigilStore

// The JSON bodies of the community API that are not domain types themselves. Field names are
// the JSON names; docs/api.md shows examples.

/// A page of persons; `next` is the `after` of the next page, absent on the last.
struct PersonPageBody: Encodable {
    var items: [Person]
    var next: String?
}

/// Possible duplicates of a person or a draft, best first.
struct DuplicatesBody: Encodable {
    var detail: String
    var candidates: [DuplicateCandidate]
}

/// `POST /persons/merge`: fold `absorbed` into `survivor`.
struct MergeBody: Decodable {
    var survivor: PersonID
    var absorbed: PersonID
    var reason: String
}

/// The merged file and the audit record of the merge.
struct MergeResultBody: Encodable {
    var person: Person
    var record: MergeRecord
}

/// `POST /persons/not-duplicates`: two files that are different persons.
struct PairBody: Decodable {
    var first: PersonID
    var second: PersonID
}

/// What an import would do (`mode=preview`) or did: the rows by outcome, and every row error
/// with its row, line and field.
struct ImportPreviewBody: Encodable {
    var total: Int
    var importable: Bool
    var new: Int
    var duplicatesOfExisting: [ImportPlan.DuplicateOfExisting]
    var duplicatesWithinFile: [ImportPlan.DuplicateWithinFile]
    var errors: [RowError]

    init(_ plan: ImportPlan) {
        total = plan.total
        importable = plan.isImportable
        new = plan.new.count
        duplicatesOfExisting = plan.duplicatesOfExisting
        duplicatesWithinFile = plan.duplicatesWithinFile
        errors = plan.errors
    }
}

/// The outcome of an import: how many files were created, their ids in row order, and the plan.
struct ImportResultBody: Encodable {
    var imported: Int
    var ids: [String]
    var preview: ImportPreviewBody
}

/// `POST /visits`: visits recorded at checkpoints of `jurisdiction`.
struct VisitBatchBody: Decodable {
    var jurisdiction: JurisdictionPath
    var visits: [Visit]
}

/// How many items were stored.
struct CountBody: Encodable {
    var stored: Int
}

/// One traced contact. Inside the caller's jurisdiction: `person`, `name`, `household`;
/// outside it: only a `pseudonym`, stable for this node.
struct ContactBody: Encodable {
    var person: String?
    var pseudonym: String?
    var name: String?
    var household: String?
    var isHousehold: Bool
    var totalOverlapSeconds: Int64
    var encounters: [Encounter]
}

/// The contacts of a case, ranked by exposure (household first).
struct ContactsBody: Encodable {
    var person: String
    var since: Int64
    var until: Int64
    var contacts: [ContactBody]
}

/// A node of the jurisdiction tree that the platform knows.
struct JurisdictionBody: Codable {
    var path: JurisdictionPath
    var name: String
}

/// A list.
struct ItemsBody<Item: Encodable>: Encodable {
    var items: [Item]
}

/// `PUT /reports/{community}/{day}`: the counts of a daily report draft.
struct ReportDraftBody: Decodable {
    var counts: DailyReport.Counts
    var isZeroReport: Bool?
}

/// The reason for a rejection or an unapproval.
struct ReasonBody: Codable {
    var reason: String?
}

/// The reports of a day in a scope and the communities that have not reported.
struct ReportListBody: Encodable {
    var day: String
    var reports: [DailyReport]
    var missing: [String]
}

/// A page of the audit log; `next` is the `after` of the next page.
struct AuditPageBody: Encodable {
    var items: [AuditEvent]
    var next: Int64?
}
