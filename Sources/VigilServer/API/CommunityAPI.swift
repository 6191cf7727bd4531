import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
public import Logging
import VigilCommunity
public import VigilLedger
import VigilSurveillance
public import VigilStore

/// The community data platform's REST API under `/api/v1` (docs/api.md): every request carries a
/// bearer token (``APITokens``); every endpoint checks the caller's role and jurisdiction
/// (``AccessPolicy``); every read of personal data is written to the audit log; every error is
/// an RFC 9457 problem naming the field at fault.
public struct CommunityAPI: Sendable {
    public static let prefix = "/api/v1"
    /// Largest JSON body accepted.
    static let maxJSONBytes = 4 << 20
    /// Largest CSV upload accepted.
    static let maxCSVBytes = 64 << 20
    static let defaultPurpose = "prevention-and-control"

    public let store: any CommunityStore
    public let tokens: APITokens
    /// Keys the pseudonyms shown for persons outside a caller's jurisdiction.
    let pseudonymKey: SymmetricKey
    let clock: @Sendable () -> Int64
    let logger: Logger
    /// The chain suspected cases are reported to (``CaseLedger``); without one the ledger
    /// endpoints answer 503.
    public var ledger: CaseLedger?
    /// The chain the node's published daily reports go on as bulletins
    /// (``CaseLedger/bulletinChain(of:)``); without one, publishing puts nothing on a chain.
    public var bulletins: CaseLedger?
    /// Health codes (``CodeService``); without it the code endpoints answer 503.
    public var codes: CodeService?
    /// Callers of recently verified tokens (``CallerCache``).
    let callers = CallerCache()

    public init(store: any CommunityStore, tokens: APITokens, pseudonymSecret: [UInt8], logger: Logger, clock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.tokens = tokens
        self.pseudonymKey = SymmetricKey(data: pseudonymSecret)
        self.logger = logger
        self.clock = clock
    }

    /// An API for a node: tokens and pseudonyms keyed from the node's key.
    public static func forNode(key: SignerKey, store: any CommunityStore, logger: Logger) async throws -> CommunityAPI {
        let tokens = try await APITokens(nodeKey: key)
        let secret = try APITokens.derivedSecret(key, label: "vigil/pseudonym-key/v1")
        return CommunityAPI(store: store, tokens: tokens, pseudonymSecret: secret, logger: logger) {
            Int64(Date().timeIntervalSince1970)
        }
    }

    // MARK: Authentication

    /// The caller of `request`: a valid bearer token of an active user whose role and
    /// jurisdiction are still those the token names.
    /// With `cached` (the health-code endpoints), a token verified in the last
    /// ``CallerCache/lifetime`` seconds is taken without checking it or its user again.
    func authenticate(_ request: Request, cached: Bool = false) async throws -> Caller {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw Problem(.unauthorized, "unauthenticated", "send Authorization: Bearer TOKEN (vigil token issue)", headers: [.wwwAuthenticate: "Bearer"])
        }
        let token = Self.trimmingSpaces(header.utf8.dropFirst(7))
        let purpose = request.headers[HTTPField.Name("Vigil-Purpose")!].map { String($0.prefix(200)) } ?? Self.defaultPurpose
        let now = clock()
        if cached, let known = callers.caller(for: token, now: now) {
            var caller = known
            caller.purpose = purpose
            return caller
        }
        let claims: APIClaims
        do { claims = try await tokens.verify(token) } catch {
            throw Problem(
                .unauthorized, "bad-token", "the bearer token is not valid here (\(Self.tokenProblem(error)))",
                headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        guard let user = try await store.user(claims.sub.value), user.active else {
            throw Problem(.unauthorized, "unknown-user", "the token's user is unknown or disabled", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        guard user.role.rawValue == claims.role, user.jurisdiction.description == claims.jur else {
            throw Problem(
                .unauthorized, "stale-token", "the user's role or jurisdiction changed since the token was issued",
                headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        let caller = Caller(name: user.name, role: user.role, scope: user.jurisdiction, purpose: purpose)
        if cached { callers.remember(caller, for: token, until: min(Int64(claims.exp.value.timeIntervalSince1970), now + CallerCache.lifetime), now: now) }
        return caller
    }

    /// The text of `bytes` without surrounding ASCII spaces and tabs (no Foundation: this runs
    /// on every request).
    static func trimmingSpaces(_ bytes: Substring.UTF8View) -> String {
        var slice = bytes[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return String(Substring(slice))
    }

    static func tokenProblem(_ error: any Error) -> String {
        guard let error = error as? JWTError else { return "unreadable" }
        switch error.errorType {
        case .claimVerificationFailure: return "expired or for another audience"
        case .signatureVerificationFailed, .unknownKID, .missingKIDHeader: return "not signed by this node"
        default: return "malformed"
        }
    }

    func audit(_ caller: Caller, _ action: String, _ resource: String) async throws {
        try await store.appendAudit([
            AuditEvent(time: clock(), actor: caller.name, role: caller.role, action: action, resource: resource, purpose: caller.purpose)
        ])
    }

    // MARK: Persons

    func listPersons(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readPersons)
        let query = request.uri.queryParameters
        let scope = try query["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(.readPersons, at: scope)
        let page = try await store.persons(
            PersonQuery(
                scope: scope, group: try Self.optional(query["group"], field: "group") { PersonGroup(rawValue: $0) },
                vulnerability: try Self.optional(query["vulnerability"], field: "vulnerability") { Vulnerability(rawValue: $0) },
                namePrefix: query["name"].map(String.init), after: try query["after"].map { try Self.personID(String($0), field: "after") },
                limit: try Self.limit(query["limit"])))
        try await audit(caller, "person.list", "persons?scope=\(scope)&count=\(page.items.count)")
        return try Self.json(PersonPageBody(items: page.items, next: page.next?.rawValue))
    }

    func getPerson(_ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.readPersons)
        let id = try Self.personID(context.parameters.get("id") ?? "", field: "id")
        guard let person = try await store.person(id) else {
            if let survivor = try await store.mergedInto(id) {
                return Response(status: .movedPermanently, headers: [.location: "\(Self.prefix)/persons/\(survivor)"])
            }
            throw Problem.notFound("no person \(id)")
        }
        try caller.require(.readPersons, at: person.household)
        try await audit(caller, "person.read", "person/\(id)")
        return try Self.json(person, headers: [.eTag: Self.etag(person.version)])
    }

    func createPerson(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.writePersons)
        let draft = try await Self.decode(PersonDraft.self, request).validated()
        try caller.require(.writePersons, at: draft.household)
        let confirm = request.uri.queryParameters["confirm"] == "true"
        if !confirm {
            let candidates = try await duplicateFinder(near: draft.household).candidates(for: draft)
            if !candidates.isEmpty {
                return try Self.json(DuplicatesBody(detail: "possible duplicates: create with ?confirm=true if this is another person", candidates: candidates), status: .conflict)
            }
        }
        let person = try await store.insertPersons([draft])[0]
        try await audit(caller, "person.create", "person/\(person.id)")
        return try Self.json(person, status: .created, headers: [.eTag: Self.etag(person.version), .location: "\(Self.prefix)/persons/\(person.id)"])
    }

    func updatePerson(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.writePersons)
        let id = try Self.personID(context.parameters.get("id") ?? "", field: "id")
        guard let ifMatch = request.headers[.ifMatch] else {
            throw Problem(.preconditionRequired, "if-match-required", "send If-Match with the ETag of the version you edited")
        }
        guard let expected = Self.version(fromETag: ifMatch) else {
            throw Problem(.badRequest, "bad-if-match", "If-Match must be an ETag of this API, like \"v3\"").with(field: "If-Match")
        }
        guard let current = try await store.person(id) else { throw Problem.notFound("no person \(id)") }
        try caller.require(.writePersons, at: current.household)
        var draft = try await Self.decode(PersonDraft.self, request).validated()
        draft.id = id
        try caller.require(.writePersons, at: draft.household)
        do {
            let person = try await store.updatePerson(id, with: draft, expectedVersion: expected)
            try await audit(caller, "person.update", "person/\(id)")
            return try Self.json(person, headers: [.eTag: Self.etag(person.version)])
        } catch let error as StoreError where error.code == .conflict {
            throw Problem(.preconditionFailed, "version-changed", "the person changed since version \(expected): read it again (\(error.message))")
        }
    }

    func duplicates(_ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.readPersons)
        let id = try Self.personID(context.parameters.get("id") ?? "", field: "id")
        guard let person = try await store.person(id) else { throw Problem.notFound("no person \(id)") }
        try caller.require(.readPersons, at: person.household)
        let candidates = try await duplicateFinder(near: person.household).candidates(for: person)
        try await audit(caller, "person.duplicates", "person/\(id)")
        return try Self.json(DuplicatesBody(detail: "\(candidates.count) possible duplicates", candidates: candidates))
    }

    func merge(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.mergePersons)
        let body = try await Self.decode(MergeBody.self, request)
        guard let survivor = try await store.person(body.survivor) else { throw Problem.notFound("no person \(body.survivor)").with(field: "survivor") }
        guard let absorbed = try await store.person(body.absorbed) else { throw Problem.notFound("no person \(body.absorbed)").with(field: "absorbed") }
        try caller.require(.mergePersons, at: survivor.household)
        try caller.require(.mergePersons, at: absorbed.household)
        let plan = try MergePlan.merge(survivor: survivor, duplicate: absorbed, by: try StaffID(Self.staffID(caller.name)), at: clock(), reason: body.reason)
        try await store.applyMerge(plan)
        try await audit(caller, "person.merge", "person/\(absorbed.id)->person/\(survivor.id)")
        return try Self.json(MergeResultBody(person: plan.merged, record: plan.record))
    }

    func markNotDuplicate(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.mergePersons)
        let body = try await Self.decode(PairBody.self, request)
        for id in [body.first, body.second] {
            guard let person = try await store.person(id) else { throw Problem.notFound("no person \(id)") }
            try caller.require(.mergePersons, at: person.household)
        }
        try await store.markNotDuplicate(try PersonPair(body.first, body.second))
        try await audit(caller, "person.not-duplicate", "person/\(body.first)+person/\(body.second)")
        return Response(status: .noContent)
    }

    /// `POST /persons/import?mode=preview|all|valid&confirm=3,7`: a CSV of persons. `preview`
    /// (the default) writes nothing and answers the plan; `all` imports only a file without
    /// errors; `valid` imports the rows without errors. Rows that duplicate an existing person
    /// or an earlier row are imported only when listed in `confirm`. All or nothing.
    func importPersons(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.importPersons)
        let query = request.uri.queryParameters
        guard let mode = PersonTransfer.Mode(rawValue: query["mode"].map(String.init) ?? "preview") else {
            throw Problem(.badRequest, "bad-parameter", "mode must be preview, all or valid").with(field: "mode")
        }
        var confirmed: Set<Int> = []
        for item in (query["confirm"].map(String.init) ?? "").split(separator: ",") {
            guard let row = Int(item), row > 0 else { throw Problem(.badRequest, "bad-parameter", "confirm lists data row numbers, like 3,7").with(field: "confirm") }
            confirmed.insert(row)
        }
        let bytes = try await NodeRoutes.collect(request, limit: Self.maxCSVBytes)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw Problem(.unprocessableContent, "invalid-field", "the file is not UTF-8 text").with(field: "csv")
        }
        let plan = try await PersonTransfer.plan(csv: text, near: caller.scope, in: store)
        for row in plan.new + plan.duplicatesOfExisting.map(\.row) + plan.duplicatesWithinFile.map(\.row) {
            try caller.require(.importPersons, at: row.draft.household)
        }
        let persons = try await PersonTransfer.commit(plan, mode: mode, confirming: confirmed, in: store) { action, resource in
            try await audit(caller, action, resource)
        }
        guard mode != .preview else { return try Self.json(ImportPreviewBody(plan)) }
        return try Self.json(ImportResultBody(imported: persons.count, ids: persons.map(\.id.rawValue), preview: ImportPreviewBody(plan)), status: .created)
    }

    func exportPersons(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readPersons)
        let scope = try request.uri.queryParameters["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(.readPersons, at: scope)
        let (csv, _) = try await PersonTransfer.export(scope: scope, byteOrderMark: request.uri.queryParameters["bom"] == "true", in: store) {
            action, resource in try await audit(caller, action, resource)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"persons.csv\""],
            body: ResponseBody(byteBuffer: ByteBuffer(string: csv)))
    }

    /// The persons near `household` (its community, or the whole tree above community level)
    /// with the not-duplicate marks, for duplicate detection.
    func duplicateFinder(near household: JurisdictionPath) async throws -> DuplicateFinder {
        try await PersonTransfer.duplicateFinder(near: household, in: store)
    }

    // MARK: Visits and tracing

    func recordVisits(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.recordVisits)
        let body = try await Self.decode(VisitBatchBody.self, request)
        try caller.require(.recordVisits, at: body.jurisdiction)
        guard body.visits.count <= 10_000 else {
            throw Problem(.contentTooLarge, "too-many", "at most 10000 visits per request, got \(body.visits.count)").with(field: "visits")
        }
        let stored = try await store.insertVisits(body.visits)
        return try Self.json(CountBody(stored: stored), status: .created)
    }

    /// `GET /persons/{id}/contacts?days=14&minOverlap=900&linger=1800`: everyone co-present with
    /// the person, plus the household, ranked by exposure. Contacts outside the caller's
    /// jurisdiction are shown by pseudonym only.
    func contacts(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.trace)
        let id = try Self.personID(context.parameters.get("id") ?? "", field: "id")
        guard let person = try await store.person(id) else { throw Problem.notFound("no person \(id)") }
        try caller.require(.trace, at: person.household)
        let (traced, window) = try await trace(person, query: Self.query(request))
        let found = try await persons(traced.map(\.person))
        let items = traced.map { contactBody($0, found[$0.person], caller) }
        try await audit(caller, "trace.run", "person/\(id)&contacts=\(items.count)")
        return try Self.json(ContactsBody(person: id.rawValue, since: window.lowerBound, until: window.upperBound, contacts: items))
    }

    /// The contacts of `person` (query `days`, `minOverlap`, `linger`, `now`) and the time
    /// window searched.
    func trace(_ person: Person, query: [String: Substring]) async throws -> ([TracedContact], ClosedRange<Int64>) {
        let id = person.id
        let tracer = try ContactTracer(
            minOverlap: try Self.int(query["minOverlap"], field: "minOverlap") ?? 900, lingerWindow: try Self.int(query["linger"], field: "linger") ?? 1_800,
            lookbackDays: Int(try Self.int(query["days"], field: "days") ?? 14))
        let now = try Self.int(query["now"], field: "now") ?? clock()
        let start = now - Int64(tracer.lookbackDays) * 86_400
        let open = Visit.defaultOpenDuration
        let own = try await store.visits(of: id.rawValue, overlapping: start...now, openDuration: open)
        // Only the visits overlapping the case's merged risk intervals can be encounters: one
        // query per interval instead of every visit at the case's places over the whole window.
        let risk = tracer.riskIntervals(caseVisits: own, now: now, openVisitDuration: open)
        // Visits past their retention period name nobody (RetentionPolicy.anonymousVisitor):
        // they are nobody's encounter.
        let others = try await store.visits(inRiskIntervals: risk, openDuration: open).visits.filter { $0.person != RetentionPolicy.anonymousVisitor }
        var household: [PersonKey] = []
        if person.household.level == .household {
            household = try await store.allPersons(in: person.household).map(\.id.rawValue).filter { $0 != id.rawValue }
        }
        let traced = tracer.trace(person: id.rawValue, caseVisits: own, household: household, in: VisitIndex(others, openVisitDuration: open), now: now)
        return (traced, start...now)
    }

    /// The stored persons among `keys` (visit person keys that are not person ids are skipped),
    /// read in one store call.
    func persons(_ keys: some Sequence<PersonKey>) async throws -> [PersonKey: Person] {
        let ids = keys.compactMap { try? PersonID($0) }
        guard !ids.isEmpty else { return [:] }
        var found: [PersonKey: Person] = [:]
        for (id, person) in try await store.persons(ids: ids) { found[id.rawValue] = person }
        return found
    }

    /// A traced contact as the caller may see it: by id, name and household inside their
    /// jurisdiction, by pseudonym outside it.
    func contactBody(_ contact: TracedContact, _ found: Person?, _ caller: Caller) -> ContactBody {
        let visible = found.map { caller.scope.contains($0.household) } ?? false
        return ContactBody(
            person: visible ? contact.person : nil, pseudonym: visible ? nil : pseudonym(contact.person), name: visible ? found?.name : nil,
            household: visible ? found?.household.description : nil, isHousehold: contact.isHousehold,
            totalOverlapSeconds: contact.totalOverlapSeconds, encounters: contact.encounters)
    }

    /// A stable pseudonym for a person outside the caller's jurisdiction: HMAC-SHA-256 of the
    /// id under the node's pseudonym key, 16 bytes in hex.
    func pseudonym(_ person: PersonKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(person.utf8), using: pseudonymKey)
        return "p-" + Array(mac).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Jurisdictions and daily reports

    func addJurisdiction(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.manageUsers)
        let body = try await Self.decode(JurisdictionBody.self, request)
        try caller.require(.manageUsers, at: body.path)
        let bytes = Array(try JSONEncoder().encode(body))
        let record = RecordDraft(kind: .jurisdiction, id: body.path.description, jurisdiction: body.path, body: bytes, time: clock())
        do { _ = try await store.insertRecord(record) } catch let error as StoreError where error.code == .conflict {
            throw Problem(.conflict, "exists", "jurisdiction \(body.path) exists").with(field: "path")
        }
        return try Self.json(body, status: .created)
    }

    func listJurisdictions(_ request: Request, _ caller: Caller) async throws -> Response {
        let scope = try request.uri.queryParameters["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        guard caller.scope.contains(scope) else { try caller.require(.readReports, at: scope); return Response(status: .noContent) }
        let items = try await jurisdictions(in: scope)
        return try Self.json(ItemsBody(items: items))
    }

    func jurisdictions(in scope: JurisdictionPath) async throws -> [JurisdictionBody] {
        try await store.allRecords(.jurisdiction, in: scope).map { try JSONDecoder().decode(JurisdictionBody.self, from: Data($0.draft.body)) }
    }

    func reportRecord(_ context: some RequestContext) throws -> (JurisdictionPath, CivilDate, String) {
        let community = try Self.path((context.parameters.get("community") ?? "").replacingOccurrences(of: "~", with: "/"), field: "community")
        guard let day = CivilDate(iso8601: context.parameters.get("day") ?? "") else {
            throw Problem(.badRequest, "bad-parameter", "day must be YYYY-MM-DD").with(field: "day")
        }
        return (community, day, "\(community)@\(day)")
    }

    func getReport(_ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.readReports)
        let (community, _, id) = try reportRecord(context)
        try caller.require(.readReports, at: community)
        guard let stored = try await store.record(.dailyReport, id: id) else { throw Problem.notFound("no report \(id)") }
        return try Self.reportResponse(stored)
    }

    /// `PUT /reports/{community}/{day}`: creates the day's draft, or edits it (If-Match).
    func putReport(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.submitReports)
        let (community, day, id) = try reportRecord(context)
        try caller.require(.submitReports, at: community)
        let body = try await Self.decode(ReportDraftBody.self, request)
        let now = clock()
        if let stored = try await store.record(.dailyReport, id: id) {
            guard let ifMatch = request.headers[.ifMatch], let expected = Self.version(fromETag: ifMatch) else {
                throw Problem(.preconditionRequired, "if-match-required", "the report exists: send If-Match with its ETag to edit it")
            }
            var report = try JSONDecoder().decode(DailyReport.self, from: Data(stored.draft.body))
            try report.edit(counts: body.counts, isZeroReport: body.isZeroReport ?? false, by: caller.name, at: now)
            return try await saveReport(report, id: id, expectedVersion: expected, caller: caller, action: "report.edit")
        }
        let report = try DailyReport(community: community, day: day, counts: body.counts, isZeroReport: body.isZeroReport ?? false, by: caller.name, at: now)
        return try await saveReport(report, id: id, expectedVersion: nil, caller: caller, action: "report.create")
    }

    /// `POST /reports/{community}/{day}/{action}` with `{"reason": ...}` where needed: submit,
    /// approve (by another person than the submitter), reject, publish, unapprove.
    func reportAction(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        let action = context.parameters.get("action") ?? ""
        let permission: Permission
        switch action {
        case "submit": permission = .submitReports
        case "approve", "reject", "publish", "unapprove": permission = .approveReports
        default: throw Problem(.notFound, "not-found", "no report action \(action.prefix(20)): submit, approve, reject, publish or unapprove")
        }
        try caller.require(permission)
        let (community, _, id) = try reportRecord(context)
        try caller.require(permission, at: community)
        let body = try await Self.decodeIfPresent(ReasonBody.self, request) ?? ReasonBody(reason: nil)
        guard let stored = try await store.record(.dailyReport, id: id) else { throw Problem.notFound("no report \(id)") }
        var report = try JSONDecoder().decode(DailyReport.self, from: Data(stored.draft.body))
        let now = clock()
        switch action {
        case "submit": try report.submit(by: caller.name, at: now)
        case "approve": try report.approve(by: caller.name, at: now)
        case "reject": try report.reject(by: caller.name, at: now, reason: try Self.reason(body))
        case "publish": try report.publish(by: caller.name, at: now)
        default: try report.unapprove(by: caller.name, at: now, reason: try Self.reason(body))
        }
        let response = try await saveReport(report, id: id, expectedVersion: stored.version, caller: caller, action: "report.\(action)")
        // The publication stands; its bulletin goes on the node's bulletin chain, now or later
        // (docs/web.md, "The public page").
        if action == "publish", let bulletins {
            await PublicBulletins(api: self, node: bulletins.node).published(report, by: caller)
        }
        return response
    }

    func saveReport(_ report: DailyReport, id: String, expectedVersion: Int?, caller: Caller, action: String) async throws -> Response {
        let draft = RecordDraft(kind: .dailyReport, id: id, jurisdiction: report.community, body: Array(try JSONEncoder().encode(report)), time: clock())
        let stored: StoredRecord
        do {
            if let expectedVersion {
                stored = try await store.updateRecord(draft, expectedVersion: expectedVersion)
            } else {
                stored = try await store.insertRecord(draft)
            }
        } catch let error as StoreError where error.code == .conflict {
            throw Problem(.preconditionFailed, "version-changed", "the report changed meanwhile: read it again")
        }
        try await audit(caller, action, "report/\(id)")
        return try Self.reportResponse(stored, status: expectedVersion == nil ? .created : .ok)
    }

    static func reportResponse(_ stored: StoredRecord, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .eTag: etag(stored.version)],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.draft.body)))
    }

    static func reason(_ body: ReasonBody) throws -> String {
        guard let reason = body.reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Problem(.unprocessableContent, "invalid-field", "give a reason").with(field: "reason")
        }
        return reason
    }

    /// `GET /reports?day=YYYY-MM-DD&scope=...`: the day's reports and the communities (registered
    /// with `POST /jurisdictions`) that have not reported.
    func listReports(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readReports)
        let query = request.uri.queryParameters
        let scope = try query["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(.readReports, at: scope)
        guard let dayText = query["day"], let day = CivilDate(iso8601: dayText) else {
            throw Problem(.badRequest, "bad-parameter", "day=YYYY-MM-DD is required").with(field: "day")
        }
        var reports: [DailyReport] = []
        var after: String?
        repeat {
            let page = try await store.records(RecordQuery(kind: .dailyReport, scope: scope, after: after, limit: 1000))
            for item in page.items where item.draft.id.hasSuffix("@\(day)") {
                reports.append(try JSONDecoder().decode(DailyReport.self, from: Data(item.draft.body)))
            }
            after = page.next
        } while after != nil
        let communities = try await jurisdictions(in: scope).map(\.path).filter { $0.level == .community }
        let missing = DailyReport.missing(communities: communities, reports: reports, on: day)
        return try Self.json(ReportListBody(day: day.description, reports: reports, missing: missing.map(\.description)))
    }

    // MARK: Audit

    func auditLog(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readAudit)
        let query = request.uri.queryParameters
        let after = try Self.int(query["after"], field: "after") ?? 0
        let events = try await store.auditEvents(after: after, limit: try Self.limit(query["limit"]))
        return try Self.json(AuditPageBody(items: events, next: events.count == (try Self.limit(query["limit"])) ? events.last?.sequence : nil))
    }
}

// MARK: - Helpers

extension CommunityAPI {
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let bytes = try await NodeRoutes.collect(request, limit: maxJSONBytes)
        return try decode(type, bytes)
    }

    static func decodeIfPresent<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T? {
        let bytes = try await NodeRoutes.collect(request, limit: maxJSONBytes)
        return bytes.isEmpty ? nil : try decode(type, bytes)
    }

    /// Decodes JSON, turning a decoding failure into a 422 (400 for unreadable JSON) that names
    /// the field.
    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound(let key, let context):
                throw Problem(.unprocessableContent, "invalid-field", "\(fieldPath(context.codingPath + [key])) is required").with(field: fieldPath(context.codingPath + [key]))
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                throw Problem(.unprocessableContent, "invalid-field", "\(fieldPath(context.codingPath)) has the wrong type").with(field: fieldPath(context.codingPath))
            case .dataCorrupted(let context) where !context.codingPath.isEmpty:
                throw Problem(.unprocessableContent, "invalid-field", "\(fieldPath(context.codingPath)): \(context.debugDescription.prefix(200))").with(field: fieldPath(context.codingPath))
            default:
                throw Problem(.badRequest, "bad-json", "the body is not valid JSON")
            }
        }
    }

    static func fieldPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    static func path(_ text: String, field: String) throws -> JurisdictionPath {
        do { return try JurisdictionPath(text) } catch let error as CommunityError {
            throw Problem(.badRequest, "bad-parameter", error.message).with(field: field)
        }
    }

    static func personID(_ text: String, field: String) throws -> PersonID {
        do { return try PersonID(text) } catch let error as CommunityError {
            throw Problem(.badRequest, "bad-parameter", error.message).with(field: field)
        }
    }

    /// A user name as a staff id (user names follow the same rule, see `vigil user add`).
    static func staffID(_ name: String) -> String { name }

    static func optional<T>(_ value: Substring?, field: String, _ parse: (String) -> T?) throws -> T? {
        guard let value else { return nil }
        guard let parsed = parse(String(value)) else {
            throw Problem(.badRequest, "bad-parameter", "\(field) has no value \(value.prefix(40))").with(field: field)
        }
        return parsed
    }

    static func int(_ value: Substring?, field: String) throws -> Int64? {
        guard let value else { return nil }
        guard let number = Int64(value) else { throw Problem(.badRequest, "bad-parameter", "\(field) must be an integer").with(field: field) }
        return number
    }

    static func limit(_ value: Substring?) throws -> Int {
        guard let value else { return 50 }
        guard let limit = Int(value), (1...1000).contains(limit) else {
            throw Problem(.badRequest, "bad-parameter", "limit must be 1 to 1000").with(field: "limit")
        }
        return limit
    }

    /// The query parameters by name (the first of repeated ones).
    static func query(_ request: Request) -> [String: Substring] {
        Dictionary(request.uri.queryParameters.map { (String($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    static func etag(_ version: Int) -> String { "\"v\(version)\"" }

    static func version(fromETag text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("\"v"), trimmed.hasSuffix("\""), trimmed.count > 3 else { return nil }
        return Int(trimmed.dropFirst(2).dropLast())
    }
}

extension RecordKind {
    /// A node of the jurisdiction tree that the platform knows (and expects reports from).
    public static let jurisdiction = RecordKind("jurisdiction")
    /// The electricity readings of one upload for one community (a JSON array).
    public static let electricity = RecordKind("electricity")
    /// A sealed household and its period.
    public static let sealing = RecordKind("sealing")
}
