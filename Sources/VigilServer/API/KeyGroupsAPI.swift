import Foundation
import HTTPTypes
import Hummingbird
import VigilCommunity
import VigilLedger
import VigilStore
import VigilSurveillance

// Key groups (cases, close contacts, quarantine, follow-up and check-ins) and the referral loop.
// Each is a versioned record of the store (`RecordKind`), kept at the jurisdiction of the person
// it is about, so the same role and jurisdiction rules apply as to persons.

extension CommunityAPI {
    static let keyGroupRoutes: [APIRoute] = [
        APIRoute(
            method: .post, path: "/cases", permission: .writeCases,
            summary: "Open a case for a person (suspect by default; confirmed needs cases.classify)", body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.openCase(request, caller) },
        APIRoute(
            method: .get, path: "/cases", permission: .readCases, summary: "The cases in a scope, by id",
            query: [("scope", "jurisdiction path"), ("status", "suspect, probable, confirmed or ruledOut"), ("after", "paging"), ("limit", "1-1000")],
            audited: true
        ) { api, request, _, caller in try await api.listRecords(.case, Case.self, request, caller, permission: .readCases) { case_, query in
                query["status"].map { $0 == case_.status.rawValue } ?? true
            }
        },
        APIRoute(
            method: .get, path: "/cases/{id}", permission: .readCases, summary: "A case with its classification history; ETag", audited: true
        ) { api, _, context, caller in try await api.getRecord(.case, context, caller, permission: .readCases) },
        APIRoute(
            method: .post, path: "/cases/{id}/classify", permission: .writeCases,
            summary: "Change the classification ({\"status\",\"reason\"}); confirmed and ruledOut need cases.classify", body: "application/json"
        ) { api, request, context, caller in try await api.classifyCase(request, context, caller) },
        APIRoute(
            method: .post, path: "/cases/{id}/contacts", permission: .writeCases,
            summary: "Trace the case's contacts and record them as close contacts, each at its own jurisdiction",
            query: [("days", "look-back, default 14"), ("minOverlap", "seconds"), ("linger", "seconds"), ("now", "Unix seconds")],
            success: [201], audited: true
        ) { api, request, context, caller in try await api.recordCloseContacts(request, context, caller) },
        APIRoute(
            method: .get, path: "/contacts", permission: .readCases, summary: "The close contacts in a scope (including those traced from other communities)",
            query: [("scope", "jurisdiction path"), ("after", "paging"), ("limit", "1-1000")], audited: true
        ) { api, request, _, caller in try await api.listRecords(.closeContact, CloseContact.self, request, caller, permission: .readCases) },
        APIRoute(
            method: .post, path: "/quarantines", permission: .writeCases, summary: "Order a quarantine (type, place, from, to, how ordered)",
            body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.orderQuarantine(request, caller) },
        APIRoute(
            method: .get, path: "/quarantines", permission: .readCases, summary: "The quarantines in a scope, optionally only those active on a day",
            query: [("scope", "jurisdiction path"), ("day", "YYYY-MM-DD"), ("after", "paging"), ("limit", "1-1000")], audited: true
        ) { api, request, _, caller in
            let day = try Self.day(request.uri.queryParameters["day"], required: false)
            return try await api.listRecords(.quarantine, Quarantine.self, request, caller, permission: .readCases) { quarantine, _ in
                day.map(quarantine.contains) ?? true
            }
        },
        APIRoute(
            method: .post, path: "/follow-up-plans", permission: .writeCases,
            summary: "A follow-up plan: {\"person\",\"start\",\"periodDays\",\"timesPerDay\"}", body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.planFollowUp(request, caller) },
        APIRoute(
            method: .get, path: "/follow-up/tasks", permission: .readCases, summary: "The day's follow-up tasks in a scope",
            query: [("day", "YYYY-MM-DD, required"), ("scope", "jurisdiction path")], audited: true
        ) { api, request, _, caller in try await api.followUpTasks(request, caller) },
        APIRoute(
            method: .post, path: "/check-ins", permission: .writePersons,
            summary: "A resident's check-in: {\"person\",\"time\",\"symptoms\",\"temperatureCelsius\"}", body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.checkIn(request, caller) },
        APIRoute(
            method: .get, path: "/check-ins/missing", permission: .readCases, summary: "Persons under follow-up who did not check in enough on a day",
            query: [("day", "YYYY-MM-DD, required"), ("scope", "jurisdiction path"), ("tz", "seconds east of UTC, default 28800")], audited: true
        ) { api, request, _, caller in try await api.missingCheckIns(request, caller) },
        APIRoute(
            method: .post, path: "/referrals", permission: .writeReferrals,
            summary: "Refer a screened person from a clinic to a designated hospital", body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.refer(request, caller) },
        APIRoute(
            method: .get, path: "/referrals", permission: .readReferrals, summary: "The referrals in a scope",
            query: [("scope", "jurisdiction path"), ("stage", "a stage"), ("after", "paging"), ("limit", "1-1000")], audited: true
        ) { api, request, _, caller in try await api.listRecords(.referral, Referral.self, request, caller, permission: .readReferrals) { referral, query in
                query["stage"].map { $0 == referral.stage.rawValue } ?? true
            }
        },
        APIRoute(
            method: .get, path: "/referrals/{id}", permission: .readReferrals, summary: "A referral with every step, who and when", audited: true
        ) { api, _, context, caller in try await api.getRecord(.referral, context, caller, permission: .readReferrals) },
        APIRoute(
            method: .post, path: "/referrals/{id}/{action}", permission: .writeReferrals,
            summary: "transport, cancel (clinic); admit, treat, outcome (hospital: referrals.admit); admission takes a bed",
            body: "application/json"
        ) { api, request, context, caller in try await api.referralStep(request, context, caller) },
        APIRoute(
            method: .put, path: "/hospitals/{place}/capacity", permission: .admitReferrals,
            summary: "Set a designated hospital's beds: {\"total\"}", body: "application/json"
        ) { api, request, context, caller in try await api.setCapacity(request, context, caller) },
        APIRoute(
            method: .post, path: "/transmissions", permission: .writeCases,
            summary: "Record who infected whom: {\"infector\",\"infectee\",\"evidence\"}; no second infector (unless ?replace=true), no cycles",
            query: [("replace", "true: replace the infectee's known infector")], body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.recordTransmission(request, caller) },
        APIRoute(
            method: .get, path: "/transmissions", permission: .readCases,
            summary: "The transmission chains in a scope as a graph: JSON (nodes with generation and root, edges) or Graphviz DOT",
            query: [("scope", "jurisdiction path"), ("format", "json (default) or dot")], audited: true
        ) { api, request, _, caller in try await api.transmissionGraph(request, caller) },
        APIRoute(
            method: .post, path: "/electricity/readings", permission: .importSignals,
            summary: "Import daily household electricity readings (CSV: household, day, kWh): preview, all or valid rows",
            query: [("mode", "preview (default), all or valid")], body: "text/csv", success: [200, 201]
        ) { api, request, _, caller in try await api.importReadings(request, caller) },
        APIRoute(
            method: .post, path: "/sealings", permission: .writeCases, summary: "Record a sealed household: {\"household\",\"from\",\"to\"}",
            body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.seal(request, caller) },
        APIRoute(
            method: .get, path: "/electricity/flags", permission: .readCases,
            summary: "Home-quarantined households that look empty and sealed homes that look in use, from the readings",
            query: [("scope", "jurisdiction path"), ("from", "YYYY-MM-DD, required"), ("to", "YYYY-MM-DD, required")], audited: true
        ) { api, request, _, caller in try await api.electricityFlags(request, caller) },
        APIRoute(
            method: .get, path: "/hospitals/{place}/capacity", permission: .readReferrals, summary: "A hospital's beds: total, occupied, free"
        ) { api, _, context, caller in try await api.capacity(context, caller) },
    ]

    // MARK: Records in general

    /// A new record id: a prefix and 24 random hex digits.
    static func newID(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + (0..<12).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// The stored person `key` when the caller may exercise `permission` on them.
    func person(_ key: PersonKey, _ caller: Caller, _ permission: Permission, field: String = "person") async throws -> Person {
        guard let id = try? PersonID(key), let person = try await store.person(id) else {
            throw Problem(.unprocessableContent, "invalid-field", "no person \(key.prefix(64))").with(field: field)
        }
        try caller.require(permission, at: person.household)
        return person
    }

    /// A record as the API shows it: `{"id", "version", "jurisdiction", "record": {...}}`.
    static func envelope(_ stored: StoredRecord) throws -> [UInt8] {
        var bytes = Array("{\"id\":".utf8) + (try encode(stored.draft.id))
        bytes += Array(",\"version\":\(stored.version),\"jurisdiction\":".utf8) + (try encode(stored.draft.jurisdiction))
        bytes += Array(",\"record\":".utf8) + stored.draft.body
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    static func recordResponse(_ stored: StoredRecord, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .eTag: etag(stored.version)],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try envelope(stored))))
    }

    func insert(_ kind: RecordKind, id: String, at jurisdiction: JurisdictionPath, person: PersonKey?, _ value: some Encodable, caller: Caller) async throws
        -> Response
    {
        let stored = try await store.insertRecord(
            RecordDraft(kind: kind, id: id, jurisdiction: jurisdiction, person: person, body: try Self.encode(value), time: clock()))
        try await audit(caller, "\(kind).create", "\(kind)/\(id)")
        var response = try Self.recordResponse(stored, status: .created)
        response.headers[.location] = "\(Self.prefix)/\(kind)s/\(id)"
        return response
    }

    /// The record `{id}` of `kind`, decoded, when the caller may exercise `permission` on it.
    func load<T: Decodable>(_ type: T.Type, _ kind: RecordKind, id: String, _ caller: Caller, _ permission: Permission) async throws -> (T, StoredRecord) {
        guard let stored = try await store.record(kind, id: id) else { throw Problem.notFound("no \(kind) \(id.prefix(64))") }
        try caller.require(permission, at: stored.draft.jurisdiction)
        return (try JSONDecoder().decode(type, from: Data(stored.draft.body)), stored)
    }

    func getRecord(_ kind: RecordKind, _ context: some RequestContext, _ caller: Caller, permission: Permission) async throws -> Response {
        try caller.require(permission)
        let id = context.parameters.get("id") ?? ""
        guard let stored = try await store.record(kind, id: id) else { throw Problem.notFound("no \(kind) \(id.prefix(64))") }
        try caller.require(permission, at: stored.draft.jurisdiction)
        try await audit(caller, "\(kind).read", "\(kind)/\(id)")
        return try Self.recordResponse(stored)
    }

    /// A page of records of `kind` in the scope, in id order, optionally filtered; the response
    /// is `{"items": [...], "next": ...}` with each record in its ``envelope(_:)``.
    func listRecords<T: Decodable>(
        _ kind: RecordKind, _ type: T.Type, _ request: Request, _ caller: Caller, permission: Permission,
        where keep: (T, [String: Substring]) -> Bool = { _, _ in true }
    ) async throws -> Response {
        try caller.require(permission)
        let query = request.uri.queryParameters
        let scope = try query["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(permission, at: scope)
        let limit = try Self.limit(query["limit"])
        let filters = Self.query(request)
        var items: [[UInt8]] = []  // envelopes
        var after = query["after"].map(String.init)
        var next: String?
        // Filters are applied to the rows a page yields; keep reading until the page is full.
        repeat {
            let page = try await store.records(RecordQuery(kind: kind, scope: scope, after: after, limit: limit))
            for item in page.items where items.count < limit {
                if keep(try JSONDecoder().decode(type, from: Data(item.draft.body)), filters) { items.append(try Self.envelope(item)) }
                next = item.draft.id
            }
            after = page.next
        } while after != nil && items.count < limit
        if after == nil && items.count < limit { next = nil }
        try await audit(caller, "\(kind).list", "\(kind)s?scope=\(scope)&count=\(items.count)")
        var body = Array("{\"items\":[".utf8)
        for (index, item) in items.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += item
        }
        body += Array("],\"next\":".utf8) + (try Self.encode(next))
        body.append(UInt8(ascii: "}"))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Saves a changed record if it is still at the version read (and at `If-Match`, when sent).
    func save(_ value: some Encodable, _ stored: StoredRecord, request: Request, caller: Caller, action: String) async throws -> Response {
        try Self.recordResponse(try await saveRecord(value, stored, request: request, caller: caller, action: action))
    }

    /// ``save(_:_:request:caller:action:)`` without the response: the record as written.
    func saveRecord(_ value: some Encodable, _ stored: StoredRecord, request: Request, caller: Caller, action: String) async throws -> StoredRecord {
        if let ifMatch = request.headers[.ifMatch] {
            guard let expected = Self.version(fromETag: ifMatch) else {
                throw Problem(.badRequest, "bad-if-match", "If-Match must be an ETag of this API, like \"v3\"").with(field: "If-Match")
            }
            guard expected == stored.version else {
                throw Problem(.preconditionFailed, "version-changed", "the record is at version \(stored.version), not \(expected): read it again")
            }
        }
        var draft = stored.draft
        draft.body = try Self.encode(value)
        draft.time = clock()
        do {
            let saved = try await store.updateRecord(draft, expectedVersion: stored.version)
            try await audit(caller, action, "\(draft.kind)/\(draft.id)")
            return saved
        } catch let error as StoreError where error.code == .conflict {
            throw Problem(.preconditionFailed, "version-changed", "the record changed meanwhile: read it again")
        }
    }

    static func day(_ value: Substring?, required: Bool, field: String = "day") throws -> CivilDate? {
        guard let value else {
            if required { throw Problem(.badRequest, "bad-parameter", "\(field)=YYYY-MM-DD is required").with(field: field) }
            return nil
        }
        guard let day = CivilDate(iso8601: String(value)) else {
            throw Problem(.badRequest, "bad-parameter", "\(field) must be YYYY-MM-DD").with(field: field)
        }
        return day
    }

    /// Every record of `kind` in `scope`, decoded.
    func all<T: Decodable>(_ kind: RecordKind, _ type: T.Type, in scope: JurisdictionPath) async throws -> [T] {
        try await store.allRecords(kind, in: scope).map { try JSONDecoder().decode(type, from: Data($0.draft.body)) }
    }

    // MARK: Cases

    func openCase(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.writeCases)
        let body = try await Self.decode(CaseOpenBody.self, request)
        let person = try await person(body.person.rawValue, caller, .writeCases)
        let status = body.status ?? .suspect
        if status == .confirmed { try caller.require(.classifyCases, at: person.household) }
        let onset = try Self.day(body.onset.map { Substring($0) }, required: false, field: "onset")
        let id = Self.newID("case-")
        let opened = try Case(id: CaseID(id), person: person.id.rawValue, status: status, onset: onset, reportedBy: caller.name, at: clock(), reason: body.reason)
        return try await insert(.case, id: id, at: person.household, person: person.id.rawValue, opened, caller: caller)
    }

    func classifyCase(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        guard AccessPolicy.allows(caller.role, .writeCases) || AccessPolicy.allows(caller.role, .classifyCases) else {
            throw Problem(.forbidden, "forbidden", "the role \(caller.role) may not change cases")
        }
        let body = try await Self.decode(ClassifyBody.self, request)
        let needed: Permission = body.status == .confirmed || body.status == .ruledOut ? .classifyCases : .writeCases
        try caller.require(needed)
        var (current, stored) = try await load(Case.self, .case, id: context.parameters.get("id") ?? "", caller, needed)
        try current.transition(to: body.status, by: caller.name, at: max(clock(), current.history.last?.at ?? 0), reason: body.reason)
        let saved = try await saveRecord(current, stored, request: request, caller: caller, action: "case.classify")
        guard ledger != nil, current.status == .confirmed || current.status == .ruledOut else { return try Self.recordResponse(saved) }
        // The classification is saved; its outcome on the chain is reported beside it (a chain
        // that cannot take it now is named in `refusal`; POST /cases/{id}/outcome retries).
        let outcomes = try await submitOutcomes(for: current, caller: caller)
        let object = try Self.envelope(saved).dropLast() + Array(",\"ledgerOutcomes\":".utf8) + (try Self.encode(outcomes)) + [UInt8(ascii: "}")]
        return Response(
            status: .ok, headers: [.contentType: "application/json", .eTag: Self.etag(saved.version)],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: object)))
    }

    /// Runs the tracing of `GET /persons/{id}/contacts` for the case's person and records each
    /// contact not yet recorded for this case as a close contact at the contact's own
    /// jurisdiction, so the community responsible for them sees them in `GET /contacts`.
    func recordCloseContacts(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.writeCases)
        let (current, stored) = try await load(Case.self, .case, id: context.parameters.get("id") ?? "", caller, .writeCases)
        try caller.require(.trace, at: stored.draft.jurisdiction)
        guard let person = try await store.person(try PersonID(current.person)) else {
            throw Problem(.conflict, "merged", "the case's person file was merged: open the case on the surviving file")
        }
        let (traced, window) = try await trace(person, query: Self.query(request))
        var recorded = 0
        var contacts: [ContactBody] = []
        let people = try await persons(traced.map(\.person))
        for contact in traced {
            let closeContact = try contact.closeContact(indexCase: current.id)
            let id = "\(current.id)~\(contact.person)"
            let found = people[contact.person]
            let jurisdiction = found?.household ?? stored.draft.jurisdiction
            if try await store.record(.closeContact, id: id) == nil {
                _ = try await store.insertRecord(
                    RecordDraft(kind: .closeContact, id: id, jurisdiction: jurisdiction, person: contact.person, body: try Self.encode(closeContact), time: clock()))
                recorded += 1
            }
            contacts.append(contactBody(contact, found, caller))
        }
        try await audit(caller, "close-contact.record", "case/\(current.id)&contacts=\(traced.count)&new=\(recorded)")
        return try Self.json(RecordedContactsBody(recorded: recorded, contacts: ContactsBody(person: current.person, since: window.lowerBound, until: window.upperBound, contacts: contacts)), status: .created)
    }

    // MARK: Quarantine, follow-up, check-ins

    func orderQuarantine(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.writeCases)
        let body = try await Self.decode(QuarantineBody.self, request)
        let person = try await person(body.person, caller, .writeCases)
        guard let from = CivilDate(iso8601: body.from) else { throw Problem(.unprocessableContent, "invalid-field", "from must be YYYY-MM-DD").with(field: "from") }
        guard let to = CivilDate(iso8601: body.to) else { throw Problem(.unprocessableContent, "invalid-field", "to must be YYYY-MM-DD").with(field: "to") }
        let quarantine = try Quarantine(
            person: person.id.rawValue, kind: body.kind, location: body.location, from: from, to: to, orderedBy: caller.name, method: body.method,
            orderReference: body.orderReference)
        return try await insert(.quarantine, id: Self.newID("q-"), at: person.household, person: person.id.rawValue, quarantine, caller: caller)
    }

    func planFollowUp(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.writeCases)
        let body = try await Self.decode(FollowUpBody.self, request)
        let person = try await person(body.person, caller, .writeCases)
        guard let start = CivilDate(iso8601: body.start) else { throw Problem(.unprocessableContent, "invalid-field", "start must be YYYY-MM-DD").with(field: "start") }
        let plan = try FollowUpPlan(person: person.id.rawValue, start: start, periodDays: body.periodDays, timesPerDay: body.timesPerDay)
        return try await insert(.followUpPlan, id: "\(person.id)@\(start)", at: person.household, person: person.id.rawValue, plan, caller: caller)
    }

    func followUpTasks(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readCases)
        let query = request.uri.queryParameters
        let scope = try query["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(.readCases, at: scope)
        let day = try Self.day(query["day"], required: true)!
        let tasks = FollowUpPlan.dailyTasks(for: try await all(.followUpPlan, FollowUpPlan.self, in: scope), on: day)
        try await audit(caller, "follow-up.tasks", "follow-up?scope=\(scope)&day=\(day)&count=\(tasks.count)")
        return try Self.json(ItemsBody(items: tasks))
    }

    func checkIn(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.writePersons)
        let checkIn = try await Self.decode(CheckIn.self, request)
        let person = try await person(checkIn.person, caller, .writePersons)
        let id = "\(person.id)@\(checkIn.time)"
        do {
            return try await insert(.checkIn, id: id, at: person.household, person: person.id.rawValue, checkIn, caller: caller)
        } catch let error as StoreError where error.code == .conflict {
            throw Problem(.conflict, "exists", "a check-in of this person at this time is recorded").with(field: "time")
        }
    }

    func missingCheckIns(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readCases)
        let query = request.uri.queryParameters
        let scope = try query["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(.readCases, at: scope)
        let day = try Self.day(query["day"], required: true)!
        let offset = try Self.int(query["tz"], field: "tz") ?? 28_800
        let missing = try FollowUpPlan.missingCheckIns(
            plans: try await all(.followUpPlan, FollowUpPlan.self, in: scope), checkIns: try await all(.checkIn, CheckIn.self, in: scope), on: day,
            timeZoneOffsetSeconds: offset)
        try await audit(caller, "check-in.missing", "check-ins?scope=\(scope)&day=\(day)&count=\(missing.count)")
        return try Self.json(ItemsBody(items: missing))
    }

    // MARK: Transmission chains

    /// Stores the edge into the infectee (one record per infectee, at the infectee's
    /// jurisdiction) after checking it against every edge of the infectee's city: no second
    /// infector unless replacing, no cycle.
    func recordTransmission(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.writeCases)
        let body = try await Self.decode(TransmissionGraph.Edge.self, request)
        let infectee = try await person(body.infectee, caller, .writeCases, field: "infectee")
        guard let infectorID = try? PersonID(body.infector), try await store.person(infectorID) != nil else {
            throw Problem(.unprocessableContent, "invalid-field", "no person \(body.infector.prefix(64))").with(field: "infector")
        }
        let replace = request.uri.queryParameters["replace"] == "true"
        let city = infectee.household.ancestor(at: .city) ?? infectee.household
        var graph = try TransmissionGraph(edges: try await all(.transmission, TransmissionGraph.Edge.self, in: city))
        try graph.add(body, replacingInfector: replace)
        let id = infectee.id.rawValue
        if let stored = try await store.record(.transmission, id: id) {
            return try await save(body, stored, request: request, caller: caller, action: "transmission.replace")
        }
        return try await insert(.transmission, id: id, at: infectee.household, person: id, body, caller: caller)
    }

    /// The chains in the scope (edges whose infectee lies in it). Persons outside the caller's
    /// jurisdiction appear by pseudonym, so the chain's shape is kept without their ids.
    func transmissionGraph(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readCases)
        let query = request.uri.queryParameters
        let scope = try query["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(.readCases, at: scope)
        let format = query["format"].map(String.init) ?? "json"
        guard format == "json" || format == "dot" else {
            throw Problem(.badRequest, "bad-parameter", "format is json or dot").with(field: "format")
        }
        let stored = try await all(.transmission, TransmissionGraph.Edge.self, in: scope)
        let people = try await persons(stored.flatMap { [$0.infector, $0.infectee] })
        func show(_ key: PersonKey) -> PersonKey {
            let visible = people[key].map { caller.scope.contains($0.household) } ?? false
            return visible ? key : pseudonym(key)
        }
        let edges = stored.map { TransmissionGraph.Edge(infector: show($0.infector), infectee: show($0.infectee), evidence: $0.evidence) }
        let graph = try TransmissionGraph(edges: edges)
        try await audit(caller, "transmission.graph", "transmissions?scope=\(scope)&edges=\(edges.count)")
        if format == "dot" {
            return Response(
                status: .ok, headers: [.contentType: "text/vnd.graphviz; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: graph.dot())))
        }
        return try Self.json(graph.exported())
    }

    // MARK: Electricity

    /// A CSV of readings: `preview` writes nothing and answers the counts and row errors; `all`
    /// stores the readings only if no row has an error; `valid` stores the valid rows. The
    /// readings of one upload are stored as one record per community, in one call each.
    func importReadings(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.importSignals)
        let mode = request.uri.queryParameters["mode"].map(String.init) ?? "preview"
        guard ["preview", "all", "valid"].contains(mode) else {
            throw Problem(.badRequest, "bad-parameter", "mode must be preview, all or valid").with(field: "mode")
        }
        let bytes = try await NodeRoutes.collect(request, limit: Self.maxCSVBytes)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw Problem(.unprocessableContent, "invalid-field", "the file is not UTF-8 text").with(field: "csv")
        }
        let parsed = try ElectricityCSV.parse(text)
        var byCommunity: [JurisdictionPath: [ElectricityReading]] = [:]
        for reading in parsed.readings {
            try caller.require(.importSignals, at: reading.household)
            byCommunity[reading.household.ancestor(at: .community) ?? reading.household, default: []].append(reading)
        }
        var result = ReadingsImportBody(total: parsed.total, valid: parsed.readings.count, stored: 0, errors: parsed.errors)
        if mode == "preview" { return try Self.json(result) }
        if mode == "all", let first = parsed.errors.first {
            throw Problem(
                .unprocessableContent, "invalid-field", "\(parsed.errors.count) rows have errors (first: \(first)); nothing is stored"
            ).with(field: "csv")
        }
        let upload = Self.newID("")
        for (community, readings) in byCommunity.sorted(by: { $0.key < $1.key }) {
            _ = try await store.insertRecord(
                RecordDraft(kind: .electricity, id: "\(community)@\(upload)", jurisdiction: community, body: try Self.encode(readings), time: clock()))
            result.stored += readings.count
        }
        try await audit(caller, "electricity.import", "electricity?rows=\(parsed.total)&stored=\(result.stored)")
        return try Self.json(result, status: .created)
    }

    func seal(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.writeCases)
        let period = try await Self.decode(HouseholdPeriod.self, request)
        try caller.require(.writeCases, at: period.household)
        return try await insert(.sealing, id: Self.newID("seal-"), at: period.household, person: nil, period, caller: caller)
    }

    func electricityFlags(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readCases)
        let query = request.uri.queryParameters
        let scope = try query["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(.readCases, at: scope)
        let from = try Self.day(query["from"], required: true, field: "from")!
        let to = try Self.day(query["to"], required: true, field: "to")!
        guard from <= to, to.daysSinceEpoch - from.daysSinceEpoch <= 366 else {
            throw Problem(.badRequest, "bad-parameter", "from must not be after to, at most 366 days apart").with(field: "to")
        }
        let readings = try await all(.electricity, [ElectricityReading].self, in: scope).joined()
        let quarantined = try await all(.quarantine, Quarantine.self, in: scope).compactMap(\.householdPeriod)
        let sealed = try await all(.sealing, HouseholdPeriod.self, in: scope)
        let flags = try ElectricitySignal().flags(readings: readings, quarantined: quarantined, sealed: sealed).filter { from <= $0.day && $0.day <= to }
        try await audit(caller, "electricity.flags", "electricity?scope=\(scope)&from=\(from)&to=\(to)&flags=\(flags.count)")
        return try Self.json(ItemsBody(items: flags.map(FlagView.init)))
    }

    // MARK: Referrals and beds

    func refer(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.writeReferrals)
        let body = try await Self.decode(ReferralBody.self, request)
        let person = try await person(body.person, caller, .writeReferrals)
        let referral = try Referral(person: person.id.rawValue, clinic: body.clinic, hospital: body.hospital, screenedBy: caller.name, at: clock(), note: body.note)
        return try await insert(.referral, id: Self.newID("ref-"), at: person.household, person: person.id.rawValue, referral, caller: caller)
    }

    func referralStep(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        let action = context.parameters.get("action") ?? ""
        let permission: Permission
        switch action {
        case "transport", "cancel": permission = .writeReferrals
        case "admit", "treat", "outcome": permission = .admitReferrals
        default: throw Problem(.notFound, "not-found", "no referral action \(action.prefix(20)): transport, admit, treat, outcome or cancel")
        }
        try caller.require(permission)
        let body = try await Self.decodeIfPresent(ReferralStepBody.self, request) ?? ReferralStepBody()
        var (referral, stored) = try await load(Referral.self, .referral, id: context.parameters.get("id") ?? "", caller, .readReferrals)
        try caller.require(permission, at: stored.draft.jurisdiction)
        let now = max(clock(), referral.steps.last?.at ?? 0)
        switch action {
        case "transport":
            try referral.startTransport(by: caller.name, at: now, note: body.note)
        case "cancel":
            try referral.cancel(by: caller.name, at: now, reason: try Self.reason(ReasonBody(reason: body.reason)))
        case "treat":
            try referral.startTreatment(by: caller.name, at: now, note: body.note)
        default:
            // Admission takes a bed and an outcome frees it: the referral and the hospital's
            // capacity are written in one transaction, or neither.
            guard let bedRecord = try await store.record(.hospitalCapacity, id: referral.hospital.rawValue) else {
                throw Problem(.conflict, "no-capacity", "hospital \(referral.hospital) has no bed count: PUT /hospitals/\(referral.hospital)/capacity")
            }
            var capacity = try JSONDecoder().decode(HospitalCapacity.self, from: Data(bedRecord.draft.body))
            if action == "admit" {
                try referral.admit(by: caller.name, at: now, capacity: &capacity, note: body.note)
            } else {
                guard let outcome = body.outcome else {
                    throw Problem(.unprocessableContent, "invalid-field", "an outcome is recovered, died, transferred or discharged").with(field: "outcome")
                }
                try referral.recordOutcome(outcome, by: caller.name, at: now, capacity: &capacity, note: body.note)
            }
            var referralDraft = stored.draft
            referralDraft.body = try Self.encode(referral)
            referralDraft.time = clock()
            var bedDraft = bedRecord.draft
            bedDraft.body = try Self.encode(capacity)
            bedDraft.time = clock()
            do {
                let saved = try await store.updateRecords([
                    RecordUpdate(referralDraft, expectedVersion: stored.version), RecordUpdate(bedDraft, expectedVersion: bedRecord.version),
                ])
                try await audit(caller, "referral.\(action)", "referral/\(stored.draft.id)")
                return try Self.recordResponse(saved[0])
            } catch let error as StoreError where error.code == .conflict {
                throw Problem(.preconditionFailed, "version-changed", "the referral or the hospital's beds changed meanwhile: try again")
            }
        }
        return try await save(referral, stored, request: request, caller: caller, action: "referral.\(action)")
    }

    func hospitalPlace(_ context: some RequestContext) throws -> PlaceID {
        do { return try PlaceID(context.parameters.get("place") ?? "") } catch let error as CommunityError {
            throw Problem(.badRequest, "bad-parameter", error.message).with(field: "place")
        }
    }

    func setCapacity(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.admitReferrals)
        let place = try hospitalPlace(context)
        let body = try await Self.decode(CapacityBody.self, request)
        if let stored = try await store.record(.hospitalCapacity, id: place.rawValue) {
            try caller.require(.admitReferrals, at: stored.draft.jurisdiction)
            var capacity = try JSONDecoder().decode(HospitalCapacity.self, from: Data(stored.draft.body))
            try capacity.setTotal(body.total)
            return try await save(capacity, stored, request: request, caller: caller, action: "hospital-capacity.update")
        }
        let capacity = try HospitalCapacity(hospital: place, total: body.total)
        return try await insert(.hospitalCapacity, id: place.rawValue, at: caller.scope, person: nil, capacity, caller: caller)
    }

    func capacity(_ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.readReferrals)
        let place = try hospitalPlace(context)
        guard let stored = try await store.record(.hospitalCapacity, id: place.rawValue) else { throw Problem.notFound("no bed count for \(place)") }
        let capacity = try JSONDecoder().decode(HospitalCapacity.self, from: Data(stored.draft.body))
        return try Self.json(CapacityView(hospital: place.rawValue, total: capacity.total, occupied: capacity.occupied, free: capacity.free), headers: [.eTag: Self.etag(stored.version)])
    }
}

// MARK: - Bodies

struct CaseOpenBody: Decodable {
    var person: PersonID
    var status: Case.Status?
    var onset: String?
    var reason: String?
}

struct ClassifyBody: Decodable {
    var status: Case.Status
    var reason: String?
}

struct RecordedContactsBody: Encodable {
    /// Close contacts recorded now (those recorded by an earlier call are not repeated).
    var recorded: Int
    var contacts: ContactsBody
}

struct QuarantineBody: Decodable {
    var person: PersonKey
    var kind: Quarantine.Kind
    var location: Quarantine.Location
    var from: String
    var to: String
    var method: Quarantine.OrderMethod
    var orderReference: String?
}

struct FollowUpBody: Decodable {
    var person: PersonKey
    var start: String
    var periodDays: Int
    var timesPerDay: Int
}

struct ReferralBody: Decodable {
    var person: PersonKey
    var clinic: PlaceID
    var hospital: PlaceID
    var note: String?
}

struct ReferralStepBody: Decodable {
    var note: String?
    var reason: String?
    var outcome: Referral.Outcome?
}

struct ReadingsImportBody: Encodable {
    var total: Int
    var valid: Int
    var stored: Int
    var errors: [RowError]
}

/// One electricity flag: `kind` is `nobodyHome` or `sealedInUse`; `baseline` is the household's
/// median before the period, when known.
struct FlagView: Encodable {
    var kind: String
    var household: String
    var day: String
    var kWh: Double
    var baseline: Double?

    init(_ flag: ElectricitySignal.Flag) {
        switch flag {
        case .nobodyHome(let household, let day, let kWh, let baseline):
            (kind, self.household, self.day, self.kWh, self.baseline) = ("nobodyHome", household.description, day.description, kWh, baseline)
        case .sealedInUse(let household, let day, let kWh, let baseline):
            (kind, self.household, self.day, self.kWh, self.baseline) = ("sealedInUse", household.description, day.description, kWh, baseline)
        }
    }
}

struct CapacityBody: Decodable {
    var total: Int
}

struct CapacityView: Encodable {
    var hospital: String
    var total: Int
    var occupied: Int
    var free: Int
}
