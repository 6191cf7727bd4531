import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import VigilCodes
import VigilCommunity
import VigilLedger
import VigilStore
import VigilSurveillance

// The health-code endpoints (docs/codes.md). Issue and scan read nothing from the store: the
// colour comes from the in-memory directory, the verification from the trust list, and what
// must be written (visits, audit events) goes to the recorder in batches.

struct IssueCodeBody: Decodable { var person: String }

/// An issued code as the API answers it. Written by hand (``json``): this answer is the hot path
/// of issuance, and `JSONEncoder` cost more than signing the code.
struct IssuedCodeBody: Encodable {
    var token: String
    var colour: String
    var reasons: [ColourReason]
    var region: String
    var jurisdiction: String
    var kid: String
    var issuedAt: Int64
    var expiresAt: Int64
    /// When the colour was worked out (the directory's build time).
    var colourAsOf: Int64

    /// The JSON object with its keys sorted, as `JSONEncoder` with `.sortedKeys` writes it.
    var json: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count + 256)
        func string(_ text: String) {
            out.append(0x22)
            for c in text.utf8 {
                switch c {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, 0x6E]
                case 0x0D: out += [0x5C, 0x72]
                case 0x09: out += [0x5C, 0x74]
                case 0..<0x20: out += Array(String(format: "\\u%04x", c).utf8)
                default: out.append(c)
                }
            }
            out.append(0x22)
        }
        func key(_ name: String) {
            if out.count > 1 { out.append(0x2C) }
            string(name)
            out.append(0x3A)
        }
        out.append(0x7B)
        key("colour")
        string(colour)
        key("colourAsOf")
        out += Array(String(colourAsOf).utf8)
        key("expiresAt")
        out += Array(String(expiresAt).utf8)
        key("issuedAt")
        out += Array(String(issuedAt).utf8)
        key("jurisdiction")
        string(jurisdiction)
        key("kid")
        string(kid)
        key("reasons")
        out.append(0x5B)
        for (i, reason) in reasons.enumerated() {
            if i > 0 { out.append(0x2C) }
            out += Array(#"{"code":"#.utf8)
            string(reason.code)
            out += Array(#","colour":"#.utf8)
            string(reason.colour.rawValue)
            out += Array(#","text":"#.utf8)
            string(reason.text)
            out.append(0x7D)
        }
        out.append(0x5D)
        key("region")
        string(region)
        key("token")
        string(token)
        out.append(0x7D)
        return out
    }
}

struct ScanBody: Decodable {
    var token: String
    var place: String
    var checkpoint: String?
    /// For uploads of offline scans: when the code was scanned (Unix seconds).
    var time: Int64?
}

struct ScanBatchBody: Decodable { var scans: [ScanBody] }

struct ScanResultBody: Encodable {
    var index: Int?
    var result: String
    var colour: String?
    var region: String?
    var jurisdiction: String?
    var expiresAt: Int64?
    /// Whether the visit was traced to a person of this node (else it is kept under the pseudonym).
    var local: Bool?
    var reason: String?
    var detail: String?
}

struct RiskPlaceBody: Decodable {
    var from: Int64
    var to: Int64
    var reason: String
    /// Where the place is (the flag is managed within this jurisdiction).
    var jurisdiction: String
}

extension CommunityAPI {
    /// Scans an upload may hold at most.
    static let maxScanBatch = 10_000
    /// How old an offline scan may be when uploaded.
    static let maxScanAge: Int64 = 7 * 86_400

    static let codeRoutes: [APIRoute] = [
        APIRoute(
            method: .post, path: "/codes", permission: .issueCodes,
            summary: "Issue a person's health code (JSON, or the QR code with Accept: image/svg+xml or image/png)",
            body: "application/json", audited: true
        ) { api, request, _, caller in try await api.issueCode(request, caller) },
        APIRoute(
            method: .post, path: "/scans", permission: .scanCodes,
            summary: "Verify a scanned health code offline and record the visit (asynchronously, in batches)", body: "application/json"
        ) { api, request, _, caller in try await api.scan(request, caller) },
        APIRoute(
            method: .post, path: "/scans/batch", permission: .scanCodes,
            summary: "Upload scans a checkpoint recorded offline: each verified at its scan time", body: "application/json"
        ) { api, request, _, caller in try await api.scanBatch(request, caller) },
        APIRoute(method: .get, path: "/codes/trust-list", permission: nil, summary: "The trust list this node verifies codes with (JWKS)") {
            api, _, _, _ in try api.trustList()
        },
        APIRoute(method: .get, path: "/codes/status", permission: .manageCodes, summary: "The colour directory and the scan recorder") {
            api, _, _, caller in
            try caller.require(.manageCodes)
            return try api.codeStatus()
        },
        APIRoute(
            method: .post, path: "/codes/refresh", permission: .manageCodes, summary: "Rebuild the colour directory from the store now"
        ) { api, _, _, caller in
            try caller.require(.manageCodes)
            try await api.codeService().refresh()
            return try api.codeStatus()
        },
        APIRoute(
            method: .put, path: "/codes/risk-places/{place}", permission: .manageCodes,
            summary: "Flag a place high-risk from one time to another (visits then turn codes yellow)", body: "application/json",
            success: [200, 201]
        ) { api, request, context, caller in try await api.putRiskPlace(request, context, caller) },
        APIRoute(
            method: .get, path: "/codes/risk-places", permission: .manageCodes, summary: "The places flagged high-risk in a scope",
            query: [("scope", "jurisdiction path, default the caller's")]
        ) { api, request, _, caller in try await api.listRiskPlaces(request, caller) },
        APIRoute(
            method: .post, path: "/codes/key", permission: .manageCodes,
            summary: "Propose this node's code-signing key for the chain's trust list (a code-key proposal; callers covering the region)",
            success: [202]
        ) { api, _, _, caller in try await api.proposeCodeKey(caller) },
    ]

    func codeService() throws -> CodeService {
        guard let codes else {
            throw Problem(.serviceUnavailable, "codes-not-configured", "this node issues and checks no health codes (no \"codes\" in its configuration)")
        }
        return codes
    }

    // MARK: Issue

    func issueCode(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.issueCodes)
        let codes = try codeService()
        let bytes = try await NodeRoutes.collect(request, limit: Self.maxJSONBytes)
        let body = try Self.simplePerson(bytes).map { IssueCodeBody(person: $0) } ?? Self.decode(IssueCodeBody.self, bytes)
        let directory = codes.directory
        guard let entry = directory.entries[body.person] else {
            throw Problem(.notFound, "not-found", "no person \(body.person.prefix(64)) in this node's code directory (a new person appears after the next rebuild)")
                .with(field: "person")
        }
        // Refused without naming the household: a code says the community, never more.
        guard caller.scope.contains(entry.household) else {
            throw Problem(.forbidden, "outside-jurisdiction", "that person is outside this caller's jurisdiction")
        }
        let now = clock()
        // The code names the community, not the household; a region below community level names itself.
        let community = entry.household.ancestor(at: .community) ?? entry.household
        let jurisdiction = codes.issuer.region.contains(community) ? community : codes.issuer.region
        let token: String
        do {
            token = try codes.issuer.issue(subject: entry.subject, jurisdiction: jurisdiction, colour: entry.decision.colour, now: now)
        } catch let error as HealthCodeError {
            throw Problem(.unprocessableContent, "cannot-issue", error.message).with(field: error.field ?? "person")
        }
        let event = AuditEvent(time: now, actor: caller.name, role: caller.role, action: "code.issue", resource: "person/\(body.person)", purpose: caller.purpose)
        guard codes.recorder.offer(audit: [event]) else { throw Self.recorderFull() }
        let accept = request.headers[.accept] ?? ""
        if accept.contains("image/svg+xml") || accept.contains("image/png") {
            let code: QRCode
            do { code = try QRCode(text: token, errorCorrection: .medium) } catch {
                throw Problem(.internalServerError, "qr-failed", "the code does not fit a QR code: \(error)")
            }
            let png = accept.contains("image/png") && !accept.contains("image/svg+xml")
            let bytes: [UInt8] = png ? code.png(moduleSize: 4) : Array(code.svg(moduleSize: 4).utf8)
            return Response(
                status: .ok,
                headers: [.contentType: png ? "image/png" : "image/svg+xml", HTTPField.Name("Vigil-Health-Code")!: token, .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let issued = IssuedCodeBody(
            token: token, colour: entry.decision.colour.rawValue, reasons: entry.decision.reasons, region: codes.issuer.region.description,
            jurisdiction: jurisdiction.description, kid: codes.issuer.keyID.value, issuedAt: now, expiresAt: now + codes.issuer.lifetime,
            colourAsOf: directory.builtAt)
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: issued.json)))
    }

    /// The person of a body that is exactly `{"person":"ID"}` (spaces allowed, no escapes), read
    /// without a JSON decoder; nil for anything else, which then goes through `JSONDecoder`.
    static func simplePerson(_ bytes: [UInt8]) -> String? {
        var i = 0
        func skip() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 } }
        func take(_ text: StaticString) -> Bool {
            let expected = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
            guard bytes.count - i >= expected.count, bytes[i..<(i + expected.count)].elementsEqual(expected) else { return false }
            i += expected.count
            return true
        }
        skip()
        guard take("{") else { return nil }
        skip()
        guard take(#""person""#) else { return nil }
        skip()
        guard take(":") else { return nil }
        skip()
        guard take(#"""#) else { return nil }
        let start = i
        while i < bytes.count, bytes[i] != 0x22 {
            guard bytes[i] != 0x5C, bytes[i] >= 0x20 else { return nil }
            i += 1
        }
        guard i < bytes.count else { return nil }
        let person = String(decoding: bytes[start..<i], as: UTF8.self)
        i += 1
        skip()
        guard take("}") else { return nil }
        skip()
        return i == bytes.count ? person : nil
    }

    static func recorderFull() -> Problem {
        Problem(.serviceUnavailable, "overloaded", "the node holds as many scans and audit events as it may before writing them: retry later", headers: [.retryAfter: "1"])
    }

    // MARK: Scan

    func scan(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.scanCodes)
        let codes = try codeService()
        let body = try await Self.decode(ScanBody.self, request)
        let now = clock()
        let leeway = codes.verifier.leeway
        guard body.time.map({ $0 >= now - leeway && $0 <= now + leeway }) ?? true else {
            throw Problem(.unprocessableContent, "invalid-field", "a live scan happens now; upload offline scans to /scans/batch").with(field: "time")
        }
        let (result, visit) = try verifyScan(body, index: nil, at: now, codes: codes)
        if let visit {
            guard codes.recorder.offer(visits: [visit]) else { throw Self.recorderFull() }
        }
        return try Self.json(result, status: visit == nil ? .unprocessableContent : .ok)
    }

    func scanBatch(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.scanCodes)
        let codes = try codeService()
        let body = try await Self.decode(ScanBatchBody.self, request)
        guard !body.scans.isEmpty, body.scans.count <= Self.maxScanBatch else {
            throw Problem(.unprocessableContent, "invalid-field", "an upload holds 1-\(Self.maxScanBatch) scans, not \(body.scans.count)").with(field: "scans")
        }
        let now = clock()
        var results: [ScanResultBody] = []
        var visits: [Visit] = []
        for (i, scan) in body.scans.enumerated() {
            guard let time = scan.time else {
                results.append(ScanResultBody(index: i, result: "refused", reason: "invalid-field", detail: "scans[\(i)].time is required in an upload"))
                continue
            }
            guard time <= now + codes.verifier.leeway, time >= now - Self.maxScanAge else {
                results.append(
                    ScanResultBody(index: i, result: "refused", reason: "invalid-field", detail: "scans[\(i)].time must lie in the last \(Self.maxScanAge / 86_400) days"))
                continue
            }
            let (result, visit) = try verifyScan(scan, index: i, at: time, codes: codes)
            results.append(result)
            if let visit { visits.append(visit) }
        }
        // All the upload's visits are held, or none (the device keeps its log and retries).
        guard visits.isEmpty || codes.recorder.offer(visits: visits) else { throw Self.recorderFull() }
        struct BatchBody: Encodable {
            var recorded: Int
            var refused: Int
            var results: [ScanResultBody]
        }
        return try Self.json(BatchBody(recorded: visits.count, refused: body.scans.count - visits.count, results: results))
    }

    /// Verifies one scanned code at `time`; a valid code gives the visit to record, under the
    /// person when the code is this node's, else under `code:REGION:PSEUDONYM`.
    func verifyScan(_ scan: ScanBody, index: Int?, at time: Int64, codes: CodeService) throws -> (ScanResultBody, Visit?) {
        func refuse(_ field: String, _ message: String) throws -> (ScanResultBody, Visit?) {
            // A live scan's bad field is a 422; in an upload it refuses that scan only.
            guard let index else { throw Problem(.unprocessableContent, "invalid-field", message).with(field: field) }
            return (ScanResultBody(index: index, result: "refused", reason: "invalid-field", detail: "scans[\(index)].\(field): \(message)"), nil)
        }
        let place: PlaceID
        do { place = try PlaceID(scan.place) } catch let error as CommunityError { return try refuse("place", error.message) }
        let verified: VerifiedHealthCode
        do {
            verified = try codes.verifier.verify(scan.token, now: time)
        } catch let error as HealthCodeError {
            return (ScanResultBody(index: index, result: "refused", reason: "invalid-code", detail: error.message), nil)
        }
        // Only a code this node signed is traced to its person: another key trusted for the same
        // region cannot put visits in a local person's record by reusing a pseudonym.
        let local = verified.keyID == codes.issuer.keyID ? codes.directory.persons[verified.subject.value] : nil
        let person = local ?? Self.foreignKey(verified)
        let visit: Visit
        do {
            visit = try Visit(person: person, place: place, checkpoint: scan.checkpoint, timeIn: time)
        } catch let error as CommunityError {
            return try refuse(error.field ?? "checkpoint", error.message)
        }
        return (
            ScanResultBody(
                index: index, result: "recorded", colour: verified.colour.rawValue, region: verified.region.description,
                jurisdiction: verified.jurisdiction.description, expiresAt: verified.expiresAt, local: local != nil),
            visit
        )
    }

    /// The person key of a visit by a code of another region, or of this region but not in the
    /// directory: `code:REGION:PSEUDONYM`, or, when that passes the 128 bytes a key may have,
    /// `code:` and the SHA-256 of both in hex.
    static func foreignKey(_ code: VerifiedHealthCode) -> String {
        let key = "code:\(code.region):\(code.subject.value)"
        guard key.utf8.count > 128 else { return key }
        return "code:" + SHA256.hash(data: Array(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Trust list, status, risk places, key

    func trustList() throws -> Response {
        let codes = try codeService()
        return Response(
            status: .ok, headers: [.contentType: "application/jwk-set+json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: codes.verifier.trustList.jwksJSON())))
    }

    func codeStatus() throws -> Response {
        let codes = try codeService()
        let (directory, error) = codes.status
        let written = codes.recorder.written
        let admission = codes.admission.counts
        struct StatusBody: Encodable {
            var region: String
            var kid: String
            var persons: Int
            var colours: [String: Int]
            var builtAt: Int64
            var day: String
            var lastError: String?
            var backlog: Int
            var visitsWritten: Int
            var auditWritten: Int
            var writeFailures: Int
            var admitted: Int
            var rejected: Int
            var trustedKeys: Int
        }
        return try Self.json(
            StatusBody(
                region: codes.issuer.region.description, kid: codes.issuer.keyID.value, persons: directory.entries.count,
                colours: Dictionary(uniqueKeysWithValues: directory.counts.map { ($0.key.rawValue, $0.value) }), builtAt: directory.builtAt,
                day: directory.day.description, lastError: error, backlog: codes.recorder.backlog, visitsWritten: written.visits,
                auditWritten: written.audit, writeFailures: written.failures, admitted: admission.admitted, rejected: admission.rejected,
                trustedKeys: codes.verifier.trustList.keys.count))
    }

    func putRiskPlace(_ request: Request, _ context: BasicRequestContext, _ caller: Caller) async throws -> Response {
        let codes = try codeService()
        // Path parameters arrive percent-encoded; the place id is what scans record.
        let raw = try context.parameters.require("place")
        let placeText = raw.removingPercentEncoding ?? raw
        do { _ = try PlaceID(placeText) } catch let error as CommunityError {
            throw Problem(.unprocessableContent, "invalid-field", error.message).with(field: "place")
        }
        let body = try await Self.decode(RiskPlaceBody.self, request)
        let jurisdiction = try Self.path(body.jurisdiction, field: "jurisdiction")
        try caller.require(.manageCodes, at: jurisdiction)
        guard body.to > body.from else { throw Problem(.unprocessableContent, "invalid-field", "to must be later than from").with(field: "to") }
        guard !body.reason.trimmingCharacters(in: .whitespaces).isEmpty, body.reason.count <= 500 else {
            throw Problem(.unprocessableContent, "invalid-field", "reason is 1-500 characters").with(field: "reason")
        }
        let value = RiskPlace(place: placeText, from: body.from, to: body.to, reason: body.reason)
        let stored = try await store.record(.riskPlace, id: placeText)
        let saved: StoredRecord
        if let stored {
            try caller.require(.manageCodes, at: stored.draft.jurisdiction)
            var draft = stored.draft
            draft.body = try Self.encode(value)
            draft.jurisdiction = jurisdiction
            draft.time = clock()
            saved = try await store.updateRecord(draft, expectedVersion: stored.version)
        } else {
            saved = try await store.insertRecord(
                RecordDraft(kind: .riskPlace, id: placeText, jurisdiction: jurisdiction, body: try Self.encode(value), time: clock()))
        }
        try await audit(caller, stored == nil ? "risk-place.create" : "risk-place.update", "risk-place/\(placeText)")
        codes.markStale()
        return try Self.recordResponse(saved, status: stored == nil ? .created : .ok)
    }

    func listRiskPlaces(_ request: Request, _ caller: Caller) async throws -> Response {
        _ = try codeService()
        let scope = try request.uri.queryParameters["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(.manageCodes, at: scope)
        let records = try await storedRecords(.riskPlace, in: scope)
        struct Item: Encodable {
            var place: String
            var jurisdiction: String
            var from: Int64
            var to: Int64
            var reason: String
            var version: Int
        }
        let items = try records.map { record in
            let value = try JSONDecoder().decode(RiskPlace.self, from: Data(record.draft.body))
            return Item(place: value.place, jurisdiction: record.draft.jurisdiction.description, from: value.from, to: value.to, reason: value.reason, version: record.version)
        }
        return try Self.json(["items": items])
    }

    func proposeCodeKey(_ caller: Caller) async throws -> Response {
        let codes = try codeService()
        // The region's key is the region's business: callers whose jurisdiction covers it.
        try caller.require(.manageCodes, at: codes.issuer.region)
        guard let ledger else {
            throw Problem(.serviceUnavailable, "no-ledger", "this node reports to no chain (give one chain an areaSecretFile in its configuration)")
        }
        let now = clock()
        let key = CodeKey(
            region: codes.issuer.region.description, kid: codes.issuer.keyID.value, publicKey: Array(codes.issuer.publicKey.rawRepresentation),
            notBefore: now - 60, notAfter: now + 2 * 365 * 86_400)
        let body: JSONValue = .object(["subject": .string(Subject.codeKey.rawValue), "data": key.jsonValue])
        let signed: (entry: Entry, refusals: [String])
        do {
            signed = try await ledger.submit(.proposal, body: body, time: now)
        } catch let error as LedgerError {
            throw Problem(.conflict, "ledger-refused", error.message)
        } catch let error as CaseLedger.Unavailable {
            throw Problem(.serviceUnavailable, "ledger-unavailable", "the chain cannot take entries now: \(error.description)", headers: [.retryAfter: "5"])
        }
        guard signed.refusals.isEmpty else { throw Problem(.conflict, "ledger-refused", signed.refusals.joined(separator: "; ")) }
        try await audit(caller, "code-key.propose", "code-key/\(key.kid)")
        struct Proposed: Encodable {
            var proposal: String
            var kid: String
            var region: String
            var notBefore: Int64
            var notAfter: Int64
        }
        return try Self.json(
            Proposed(proposal: signed.entry.hash.hex, kid: key.kid, region: key.region, notBefore: key.notBefore, notAfter: key.notAfter),
            status: .accepted)
    }
}
