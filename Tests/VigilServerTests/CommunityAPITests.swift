import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import Testing
import VigilCommunity
import VigilLedger
import VigilServer
import VigilStore
import VigilSurveillance
import VigilTestSupport

/// A node serving the community API over real HTTP on loopback, with users made on demand.
struct Platform {
    static let c1 = "sz/ft/s1/c1"
    static let c2 = "sz/ft/s1/c2"
    static let h1 = "sz/ft/s1/c1/g1/b1/h1"
    static let h2 = "sz/ft/s1/c1/g1/b1/h2"
    static let other = "sz/ft/s1/c2/g1/b1/h1"

    let node: RunningNode
    let store: any CommunityStore
    let tokens: APITokens
    var base: String { "\(node.url)/api/v1" }

    static func start(store: any CommunityStore = InMemoryCommunityStore(), name: String = "solo.node") async throws -> Platform {
        var logger = Logger(label: "test.api")
        logger.logLevel = .warning
        let api = try await CommunityAPI.forNode(key: ChainFixture.key(for: name), store: store, logger: logger)
        let chain = Chains.setup(try Chains.solo(), slug: "solo")
        let node = try await RunningNode.start(name, chains: [chain], store: InMemoryLedgerStore(), community: api)
        return Platform(node: node, store: store, tokens: api.tokens)
    }

    func stop() async throws { try await node.stop() }

    /// A token for a user with `role` in `jurisdiction`, saving the user first.
    func token(_ name: String, _ role: Role, _ jurisdiction: String, lifetime: Int64 = 600) async throws -> String {
        let user = UserRecord(name: name, role: role, jurisdiction: try JurisdictionPath(jurisdiction), createdAt: 0)
        try await store.saveUser(user)
        return try await tokens.issue(for: user, lifetime: lifetime, now: Int64(Date().timeIntervalSince1970))
    }

    func call(
        _ method: HTTPMethod, _ path: String, token: String?, json: Any? = nil, body: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> HTTP.Answer {
        var headers = headers
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        var bytes = body
        if let json {
            bytes = Array(try JSONSerialization.data(withJSONObject: json))
            headers.append(("Content-Type", "application/json"))
        }
        return try await HTTP.request(method, base + path, body: bytes, headers: headers)
    }

    /// Stores a person directly and answers its id.
    func person(_ name: String, household: String, birthDate: String? = nil) async throws -> String {
        let draft = PersonDraft(
            name: name, birthDate: birthDate.flatMap { CivilDate(iso8601: $0) }, household: try JurisdictionPath(household))
        return try await store.insertPersons([draft])[0].id.rawValue
    }
}

extension HTTP.Answer {
    var problemCode: String? { (try? json())?["code"] as? String }
    var problemField: String? { (try? json())?["field"] as? String }
}

@Suite(.serialized) struct CommunityAPITests {
    // MARK: Authentication

    @Test func everyCallNeedsAValidTokenOfACurrentUser() async throws {
        let platform = try await Platform.start()
        let good = try await platform.token("staff.a", .community, Platform.c1)

        let none = try await platform.call(.GET, "/persons", token: nil)
        #expect(none.status == 401)
        #expect(none.headers["WWW-Authenticate"].first == "Bearer")
        #expect(try await platform.call(.GET, "/persons", token: "not-a-token").problemCode == "bad-token")
        #expect(try await platform.call(.GET, "/openapi.json", token: nil).status == 401)

        // A token of another node's key.
        let otherTokens = try await APITokens(nodeKey: ChainFixture.key(for: "other.node"))
        let foreign = try await otherTokens.issue(
            for: UserRecord(name: "staff.a", role: .community, jurisdiction: try JurisdictionPath(Platform.c1), createdAt: 0), lifetime: 600,
            now: Int64(Date().timeIntervalSince1970))
        #expect(try await platform.call(.GET, "/persons", token: foreign).problemCode == "bad-token")

        // Expired.
        let user = try #require(try await platform.store.user("staff.a"))
        let expired = try await platform.tokens.issue(for: user, lifetime: 60, now: Int64(Date().timeIntervalSince1970) - 3_600)
        #expect(try await platform.call(.GET, "/persons", token: expired).problemCode == "bad-token")

        #expect(try await platform.call(.GET, "/persons", token: good).status == 200)
        // The user moves to another community: the old token names the old jurisdiction.
        try await platform.store.saveUser(UserRecord(name: "staff.a", role: .community, jurisdiction: try JurisdictionPath(Platform.c2), createdAt: 0))
        #expect(try await platform.call(.GET, "/persons", token: good).problemCode == "stale-token")
        // Disabled.
        try await platform.store.saveUser(
            UserRecord(name: "staff.a", role: .community, jurisdiction: try JurisdictionPath(Platform.c2), active: false, createdAt: 0))
        let disabledToken = try await platform.tokens.issue(
            for: try #require(try await platform.store.user("staff.a")), lifetime: 600, now: Int64(Date().timeIntervalSince1970))
        #expect(try await platform.call(.GET, "/persons", token: disabledToken).problemCode == "unknown-user")
        // A user that never existed.
        let ghost = try await platform.tokens.issue(
            for: UserRecord(name: "ghost", role: .admin, jurisdiction: try JurisdictionPath("sz"), createdAt: 0), lifetime: 600,
            now: Int64(Date().timeIntervalSince1970))
        #expect(try await platform.call(.GET, "/persons", token: ghost).problemCode == "unknown-user")
        try await platform.stop()
    }

    // MARK: Role × endpoint × jurisdiction

    struct Probe {
        var name: String
        var permission: Permission
        /// Whether the target lies in the caller's jurisdiction (`Platform.c1`).
        var inside: Bool
        var method: HTTPMethod
        var path: String
        var json: Any?
    }

    @Test func everyRoleReachesExactlyWhatItsPermissionsAndJurisdictionAllow() async throws {
        let platform = try await Platform.start()
        let mine = try await platform.person("Wang Fang", household: Platform.h1)
        let theirs = try await platform.person("Zhao Lei", household: Platform.other)
        let day = "2026-11-20"
        let counts: [String: Any] = [
            "newSuspected": 1, "newProbable": 0, "newConfirmed": 0, "newRuledOut": 0, "newCloseContacts": 2, "contactsUnderFollowUp": 2,
            "quarantined": 1, "referrals": 0,
        ]
        let probes: [Probe] = [
            Probe(name: "list persons here", permission: .readPersons, inside: true, method: .GET, path: "/persons?scope=\(Platform.c1)"),
            Probe(name: "list persons there", permission: .readPersons, inside: false, method: .GET, path: "/persons?scope=\(Platform.c2)"),
            Probe(name: "read a person here", permission: .readPersons, inside: true, method: .GET, path: "/persons/\(mine)"),
            Probe(name: "read a person there", permission: .readPersons, inside: false, method: .GET, path: "/persons/\(theirs)"),
            Probe(name: "export here", permission: .readPersons, inside: true, method: .GET, path: "/persons/export?scope=\(Platform.c1)"),
            Probe(
                name: "create a person here", permission: .writePersons, inside: true, method: .POST, path: "/persons?confirm=true",
                json: ["name": "New Person", "household": Platform.h2]),
            Probe(
                name: "create a person there", permission: .writePersons, inside: false, method: .POST, path: "/persons?confirm=true",
                json: ["name": "New Person", "household": Platform.other]),
            Probe(name: "import preview here", permission: .importPersons, inside: true, method: .POST, path: "/persons/import"),
            Probe(name: "trace here", permission: .trace, inside: true, method: .GET, path: "/persons/\(mine)/contacts"),
            Probe(name: "trace there", permission: .trace, inside: false, method: .GET, path: "/persons/\(theirs)/contacts"),
            Probe(
                name: "record visits here", permission: .recordVisits, inside: true, method: .POST, path: "/visits",
                json: ["jurisdiction": Platform.c1, "visits": [["person": mine, "place": "market-1", "timeIn": 1_700_000_000]]]),
            Probe(
                name: "record visits there", permission: .recordVisits, inside: false, method: .POST, path: "/visits",
                json: ["jurisdiction": Platform.c2, "visits": [] as [Any]]),
            Probe(name: "reports here", permission: .readReports, inside: true, method: .GET, path: "/reports?day=\(day)&scope=\(Platform.c1)"),
            Probe(name: "reports there", permission: .readReports, inside: false, method: .GET, path: "/reports?day=\(day)&scope=\(Platform.c2)"),
            Probe(
                name: "draft a report there", permission: .submitReports, inside: false, method: .PUT, path: "/reports/sz~ft~s1~c2/\(day)",
                json: ["counts": counts]),
            Probe(
                name: "register a grid here", permission: .manageUsers, inside: true, method: .POST, path: "/jurisdictions",
                json: ["path": "\(Platform.c1)/g-new", "name": "New grid"]),
            Probe(name: "audit log", permission: .readAudit, inside: true, method: .GET, path: "/audit"),
            Probe(name: "open a case here", permission: .writeCases, inside: true, method: .POST, path: "/cases", json: ["person": mine]),
            Probe(name: "open a case there", permission: .writeCases, inside: false, method: .POST, path: "/cases", json: ["person": theirs]),
            Probe(name: "cases there", permission: .readCases, inside: false, method: .GET, path: "/cases?scope=\(Platform.c2)"),
            Probe(name: "follow-up tasks here", permission: .readCases, inside: true, method: .GET, path: "/follow-up/tasks?day=\(day)"),
            Probe(name: "referrals here", permission: .readReferrals, inside: true, method: .GET, path: "/referrals"),
            Probe(
                name: "refer here", permission: .writeReferrals, inside: true, method: .POST, path: "/referrals",
                json: ["person": mine, "clinic": "clinic-hill", "hospital": "hosp-east"]),
            Probe(
                name: "refer there", permission: .writeReferrals, inside: false, method: .POST, path: "/referrals",
                json: ["person": theirs, "clinic": "clinic-hill", "hospital": "hosp-east"]),
        ]
        var checked = 0
        for role in Role.allCases {
            let token = try await platform.token("user.\(role.rawValue)", role, Platform.c1)
            for probe in probes {
                let body: [UInt8]? = probe.path == "/persons/import" ? Array("name,household\nA Person,\(Platform.h2)\n".utf8) : nil
                let answer = try await platform.call(probe.method, probe.path, token: token, json: probe.json, body: body)
                let allowed = AccessPolicy.allows(role, probe.permission) && probe.inside
                if allowed {
                    #expect(answer.status / 100 == 2, "\(role) may \(probe.name): \(answer.status) \(answer.text)")
                } else {
                    #expect(answer.status == 403, "\(role) may not \(probe.name): \(answer.status) \(answer.text)")
                }
                checked += 1
            }
        }
        #expect(checked == Role.allCases.count * probes.count)

        // The policy itself, stated: what the seed's roles must and must not do.
        #expect(!AccessPolicy.allows(.auditor, .readPersons))
        #expect(!AccessPolicy.allows(.admin, .readAudit))
        #expect(AccessPolicy.allows(.checkpoint, .recordVisits))
        #expect(Permission.allCases.filter { AccessPolicy.allows(.checkpoint, $0) } == [.recordVisits, .scanCodes])
        #expect(!AccessPolicy.allows(.grid, .trace))
        #expect(AccessPolicy.allows(.cdc, .approveReports) && !AccessPolicy.allows(.cdc, .submitReports))
        try await platform.stop()
    }

    // MARK: Audit

    @Test func readsOfPersonalDataAreAuditedWithThePurpose() async throws {
        let platform = try await Platform.start()
        let id = try await platform.person("Chen Jing", household: Platform.h1)
        let staff = try await platform.token("staff.a", .community, Platform.c1)
        let auditor = try await platform.token("auditor.x", .auditor, "sz")

        let read = try await platform.call(.GET, "/persons/\(id)", token: staff, headers: [("Vigil-Purpose", "case investigation")])
        #expect(read.status == 200)
        #expect(try read.json()["name"] as? String == "Chen Jing")
        #expect(try await platform.call(.GET, "/persons?scope=\(Platform.c1)", token: staff).status == 200)
        #expect(try await platform.call(.GET, "/persons/export?scope=\(Platform.c1)", token: staff).status == 200)

        let log = try await platform.call(.GET, "/audit?limit=100", token: auditor)
        #expect(log.status == 200, "\(log.text)")
        let items = try #require(try log.json()["items"] as? [[String: Any]])
        let actions = items.map { "\($0["actor"] as? String ?? "?") \($0["action"] as? String ?? "?")" }
        #expect(actions == ["staff.a person.read", "staff.a person.list", "staff.a person.export"])
        #expect(items.first?["resource"] as? String == "person/\(id)")
        #expect(items.first?["purpose"] as? String == "case investigation")
        #expect(items.last?["purpose"] as? String == "prevention-and-control")
        // Reading the log is not itself personal data, and the auditor cannot read persons.
        #expect(try await platform.call(.GET, "/persons/\(id)", token: auditor).status == 403)
        #expect(try await platform.store.auditEvents(after: 0, limit: 100).count == 3)
        try await platform.stop()
    }

    // MARK: Persons: versions, duplicates, merge

    @Test func editsNeedTheVersionTheyRead() async throws {
        let platform = try await Platform.start()
        let id = try await platform.person("Liu Yang", household: Platform.h1, birthDate: "1950-03-04")
        let staff = try await platform.token("staff.a", .community, Platform.c1)
        let read = try await platform.call(.GET, "/persons/\(id)", token: staff)
        let etag = try #require(read.headers["ETag"].first)
        #expect(etag == "\"v1\"")
        let edit: [String: Any] = ["name": "Liu Yang", "household": Platform.h1, "birthDate": "1950-03-04", "vulnerabilities": ["elderly-alone"]]

        #expect(try await platform.call(.PUT, "/persons/\(id)", token: staff, json: edit).status == 428)
        let bad = try await platform.call(.PUT, "/persons/\(id)", token: staff, json: edit, headers: [("If-Match", "v1")])
        #expect(bad.status == 400 && bad.problemField == "If-Match")
        let saved = try await platform.call(.PUT, "/persons/\(id)", token: staff, json: edit, headers: [("If-Match", etag)])
        #expect(saved.status == 200, "\(saved.text)")
        #expect(saved.headers["ETag"].first == "\"v2\"")
        #expect(try saved.json()["vulnerabilities"] as? [String] == ["elderly-alone"])
        // A second edit from the same old read loses.
        let stale = try await platform.call(.PUT, "/persons/\(id)", token: staff, json: edit, headers: [("If-Match", etag)])
        #expect(stale.status == 412 && stale.problemCode == "version-changed")
        // Moving the person out of the caller's jurisdiction is refused, and nothing changes.
        var away = edit
        away["household"] = Platform.other
        let moved = try await platform.call(.PUT, "/persons/\(id)", token: staff, json: away, headers: [("If-Match", "\"v2\"")])
        #expect(moved.status == 403)
        #expect(try await platform.store.person(try PersonID(id))?.household.description == Platform.h1)
        // Invalid fields are 422 naming the field; unreadable JSON is 400.
        let noName = try await platform.call(.PUT, "/persons/\(id)", token: staff, json: ["household": Platform.h1], headers: [("If-Match", "\"v2\"")])
        #expect(noName.status == 422 && noName.problemField == "name")
        let badDate = try await platform.call(
            .PUT, "/persons/\(id)", token: staff, json: ["name": "Liu Yang", "household": Platform.h1, "birthDate": "04/03/1950"],
            headers: [("If-Match", "\"v2\"")])
        #expect(badDate.status == 422 && badDate.problemField == "birthDate", "\(badDate.text)")
        let garbage = try await platform.call(.PUT, "/persons/\(id)", token: staff, body: Array("{".utf8), headers: [("If-Match", "\"v2\"")])
        #expect(garbage.status == 400)
        try await platform.stop()
    }

    @Test func creationFlagsDuplicatesAndMergeRedirectsTheAbsorbedFile() async throws {
        let platform = try await Platform.start()
        let first = try await platform.person("Huang Min", household: Platform.h1, birthDate: "1988-07-09")
        let staff = try await platform.token("staff.a", .community, Platform.c1)
        let draft: [String: Any] = ["name": "Huang Min", "household": Platform.h2, "birthDate": "1988-07-09"]

        let flagged = try await platform.call(.POST, "/persons", token: staff, json: draft)
        #expect(flagged.status == 409, "\(flagged.text)")
        let candidates = try #require(try flagged.json()["candidates"] as? [[String: Any]])
        #expect(candidates.first?["person"] as? String == first)
        let created = try await platform.call(.POST, "/persons?confirm=true", token: staff, json: draft)
        #expect(created.status == 201)
        let second = try #require(try created.json()["id"] as? String)
        #expect(created.headers["Location"].first == "/api/v1/persons/\(second)")

        let dups = try await platform.call(.GET, "/persons/\(second)/duplicates", token: staff)
        #expect((try dups.json()["candidates"] as? [[String: Any]])?.first?["person"] as? String == first)

        let noReason = try await platform.call(.POST, "/persons/merge", token: staff, json: ["survivor": first, "absorbed": second, "reason": ""])
        #expect(noReason.status == 422 && noReason.problemField == "reason")
        let merged = try await platform.call(
            .POST, "/persons/merge", token: staff, json: ["survivor": first, "absorbed": second, "reason": "same person, registered twice"])
        #expect(merged.status == 200, "\(merged.text)")
        #expect((try merged.json()["record"] as? [String: Any])?["by"] as? String == "staff.a")
        // The absorbed file answers 301 to the survivor; the test client follows it.
        let gone = try await platform.call(.GET, "/persons/\(second)", token: staff)
        #expect(gone.status == 200)
        #expect(try gone.json()["id"] as? String == first)
        #expect(try gone.json()["version"] as? Int == 2)
        #expect(try await platform.call(.GET, "/persons?scope=\(Platform.c1)", token: staff).json()["items"].map { ($0 as? [Any])?.count } == 1)

        // A pair marked "not a duplicate" is not offered again.
        let third = try await platform.person("Huang Min", household: Platform.h2, birthDate: "1988-07-09")
        #expect(try await platform.call(.POST, "/persons/not-duplicates", token: staff, json: ["first": first, "second": third]).status == 204)
        let after = try await platform.call(.GET, "/persons/\(third)/duplicates", token: staff)
        #expect((try after.json()["candidates"] as? [Any])?.isEmpty == true, "\(after.text)")
        let refused = try await platform.call(.POST, "/persons/merge", token: staff, json: ["survivor": first, "absorbed": third, "reason": "x"])
        #expect(refused.status == 409, "\(refused.text)")
        try await platform.stop()
    }

    // MARK: Import

    @Test(arguments: ["memory", "sqlite"]) func importPreviewsAndImportsAllOrOnlyTheValidRows(backend: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store: any CommunityStore =
            backend == "sqlite" ? try SQLiteCommunityStore(path: directory.appendingPathComponent("node.sqlite").path) : InMemoryCommunityStore()
        let platform = try await Platform.start(store: store)
        let staff = try await platform.token("staff.a", .community, Platform.c1)
        let csv = """
            name,household,birthDate
            Sun Li,\(Platform.h1),1970-01-01
            Zhou Bo,\(Platform.h1),1971-13-01
            Wu Hua,\(Platform.h2),1972-02-02

            """

        let preview = try await platform.call(.POST, "/persons/import", token: staff, body: Array(csv.utf8))
        #expect(preview.status == 200, "\(preview.text)")
        let plan = try preview.json()
        #expect(plan["total"] as? Int == 3 && plan["new"] as? Int == 2 && plan["importable"] as? Bool == false)
        let errors = try #require(plan["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors.first?["row"] as? Int == 2 && errors.first?["line"] as? Int == 3 && errors.first?["field"] as? String == "birthDate")
        #expect(try await platform.store.allPersons(in: try JurisdictionPath(Platform.c1)).isEmpty)

        let all = try await platform.call(.POST, "/persons/import?mode=all", token: staff, body: Array(csv.utf8))
        #expect(all.status == 422 && all.problemField == "csv", "\(all.text)")
        #expect(try await platform.store.allPersons(in: try JurisdictionPath(Platform.c1)).isEmpty)

        let valid = try await platform.call(.POST, "/persons/import?mode=valid", token: staff, body: Array(csv.utf8))
        #expect(valid.status == 201, "\(valid.text)")
        #expect(try valid.json()["imported"] as? Int == 2)
        let names = try await platform.store.allPersons(in: try JurisdictionPath(Platform.c1)).map(\.name).sorted()
        #expect(names == ["Sun Li", "Wu Hua"])

        // Importing the same file again: every row is a duplicate of a stored file; nothing new
        // unless the user confirms rows.
        let again = try await platform.call(.POST, "/persons/import?mode=valid", token: staff, body: Array(csv.utf8))
        #expect(try again.json()["imported"] as? Int == 0, "\(again.text)")
        let confirmed = try await platform.call(.POST, "/persons/import?mode=valid&confirm=3", token: staff, body: Array(csv.utf8))
        #expect(try confirmed.json()["imported"] as? Int == 1, "\(confirmed.text)")
        // A file with a row outside the caller's jurisdiction imports nothing.
        let foreign = "name,household\nQian Yu,\(Platform.other)\n"
        #expect(try await platform.call(.POST, "/persons/import?mode=valid", token: staff, body: Array(foreign.utf8)).status == 403)
        #expect(try await platform.call(.POST, "/persons/import?mode=later", token: staff, body: Array(csv.utf8)).problemField == "mode")
        #expect(try await platform.store.allPersons(in: try JurisdictionPath("sz")).count == 3)
        try await platform.stop()
    }

    // MARK: Tracing

    @Test func tracingRanksContactsAndHidesThoseOutsideTheJurisdiction() async throws {
        let platform = try await Platform.start()
        let index = try await platform.person("Case Person", household: Platform.h1)
        let sharer = try await platform.person("House Mate", household: Platform.h1)
        let near = try await platform.person("Market Neighbour", household: Platform.h2)
        let far = try await platform.person("Visitor From C2", household: Platform.other)
        let brief = try await platform.person("Brief Passer", household: Platform.h2)
        let staff = try await platform.token("staff.a", .community, Platform.c1)
        let guardToken = try await platform.token("gate.1", .checkpoint, Platform.c1)
        let t0: Int64 = 1_790_000_000
        let visits: [[String: Any]] = [
            ["person": index, "place": "market-1", "timeIn": t0, "timeOut": t0 + 3_600],
            ["person": near, "place": "market-1", "timeIn": t0 + 600, "timeOut": t0 + 3_000],
            ["person": far, "place": "market-1", "timeIn": t0, "timeOut": t0 + 3_600],
            ["person": brief, "place": "market-1", "timeIn": t0 + 100, "timeOut": t0 + 400],
        ]
        let stored = try await platform.call(.POST, "/visits", token: guardToken, json: ["jurisdiction": Platform.c1, "visits": visits])
        #expect(stored.status == 201, "\(stored.text)")
        #expect(try stored.json()["stored"] as? Int == 4)
        let badVisit = try await platform.call(
            .POST, "/visits", token: guardToken, json: ["jurisdiction": Platform.c1, "visits": [["person": index, "place": "market-1"]]])
        #expect(badVisit.status == 422 && badVisit.problemField == "visits[0].timeIn", "\(badVisit.text)")
        // A visit past its retention period names nobody and is nobody's encounter.
        _ = try await platform.store.insertVisits([
            try Visit(person: RetentionPolicy.anonymousVisitor, place: try PlaceID("market-1"), timeIn: t0, timeOut: t0 + 3_600)
        ])

        let traced = try await platform.call(.GET, "/persons/\(index)/contacts?now=\(t0 + 86_400)", token: staff)
        #expect(traced.status == 200, "\(traced.text)")
        let contacts = try #require(try traced.json()["contacts"] as? [[String: Any]])
        #expect(contacts.count == 3)
        #expect(contacts[0]["person"] as? String == sharer && contacts[0]["isHousehold"] as? Bool == true)
        // The visitor from the other community overlapped longer than the neighbour, so ranks
        // first among the co-present, but only by pseudonym.
        #expect(contacts[1]["person"] == nil && contacts[1]["name"] == nil && contacts[1]["household"] == nil)
        let pseudonym = try #require(contacts[1]["pseudonym"] as? String)
        #expect(pseudonym.hasPrefix("p-") && !pseudonym.contains(far))
        #expect(contacts[1]["totalOverlapSeconds"] as? Int == 3_600)
        #expect(contacts[2]["person"] as? String == near && contacts[2]["name"] as? String == "Market Neighbour")
        #expect(contacts[2]["totalOverlapSeconds"] as? Int == 2_400)
        // The pseudonym is stable, so two tracings can be compared.
        let again = try await platform.call(.GET, "/persons/\(index)/contacts?now=\(t0 + 86_400)", token: staff)
        #expect((try again.json()["contacts"] as? [[String: Any]])?[1]["pseudonym"] as? String == pseudonym)
        // The CDC above both communities sees the visitor by id.
        let cdc = try await platform.token("cdc.1", .cdc, "sz/ft")
        let wide = try await platform.call(.GET, "/persons/\(index)/contacts?now=\(t0 + 86_400)", token: cdc)
        #expect((try wide.json()["contacts"] as? [[String: Any]])?[1]["person"] as? String == far)
        // Out of the look-back window: only the household.
        let late = try await platform.call(.GET, "/persons/\(index)/contacts?now=\(t0 + 30 * 86_400)", token: staff)
        #expect((try late.json()["contacts"] as? [Any])?.count == 1)
        let audit = try await platform.store.auditEvents(after: 0, limit: 100).map(\.action)
        #expect(audit.filter { $0 == "trace.run" }.count == 4)
        try await platform.stop()
    }

    /// The handler reads only the visits of the case's merged risk intervals and the contacts'
    /// files in one batch; on random visits it answers what tracing over every visit at the
    /// case's places in the whole window (the earlier reads) answers.
    @Test func tracingReadsOnlyTheRiskIntervalsAndAgreesWithTheWholeWindow() async throws {
        let platform = try await Platform.start()
        var g = SeededGenerator(seed: 6)
        let households = [Platform.h1, Platform.h2, Platform.other]
        var ids: [String] = []
        for i in 0..<60 { ids.append(try await platform.person("Resident \(i)", household: households[i % 3])) }
        let index = ids[0]
        let places = try (0..<5).map { try PlaceID("shop-\($0)") }
        let t0: Int64 = 1_790_000_000
        func random(_ person: String, _ places: ArraySlice<PlaceID>) throws -> Visit {
            let timeIn = t0 + Int64.random(in: 0..<(4 * 86_400), using: &g)
            let stay = Int64.random(in: 0..<(Int.random(in: 0..<20, using: &g) == 0 ? 12 * 3_600 : 2 * 3_600), using: &g)
            let open = Int.random(in: 0..<15, using: &g) == 0
            return try Visit(person: person, place: places.randomElement(using: &g)!, timeIn: timeIn, timeOut: open ? nil : timeIn + stay)
        }
        var visits = try (0..<800).map { i in try random(ids[1 + i % 59], places[...]) }
        visits += visits.prefix(20)  // recorded twice
        visits += try (0..<16).map { _ in try random(index, places[0..<2]) }
        _ = try await platform.store.insertVisits(visits)
        let cdc = try await platform.token("cdc.1", .cdc, "sz")
        let person = try #require(try await platform.store.person(try PersonID(index)))
        let now = t0 + 5 * 86_400  // after every visit ended
        for (days, linger, minOverlap) in [(14, Int64(1_800), Int64(900)), (2, 0, 1), (3, 3_600, 300)] {
            let answer = try await platform.call(
                .GET, "/persons/\(index)/contacts?now=\(now)&days=\(days)&linger=\(linger)&minOverlap=\(minOverlap)", token: cdc)
            #expect(answer.status == 200, "\(answer.text)")
            let contacts = try #require(try answer.json()["contacts"] as? [[String: Any]])
            // The earlier reads: every visit at each of the case's places over the whole window.
            let tracer = try ContactTracer(minOverlap: minOverlap, lingerWindow: linger, lookbackDays: days)
            let start = now - Int64(days) * 86_400
            let open = Visit.defaultOpenDuration
            let own = try await platform.store.visits(of: index, overlapping: start...now, openDuration: open)
            var others: [Visit] = []
            for place in Set(own.map(\.place)).sorted() {
                others += try await platform.store.visits(at: place, overlapping: start...(now + linger), openDuration: open)
            }
            let household = try await platform.store.allPersons(in: person.household).map(\.id.rawValue)
            let expected = tracer.trace(
                person: index, caseVisits: own, household: household, in: VisitIndex(others, openVisitDuration: open), now: now)
            #expect(expected.count > 20)
            #expect(contacts.map { $0["person"] as? String } == expected.map(\.person))
            #expect(contacts.map { $0["name"] as? String } == expected.map { "Resident \(ids.firstIndex(of: $0.person)!)" })
            #expect(contacts.map { $0["totalOverlapSeconds"] as? Int } == expected.map { Int($0.totalOverlapSeconds) })
            #expect(contacts.map { ($0["encounters"] as? [Any])?.count } == expected.map(\.encounters.count))
            #expect(contacts.map { $0["isHousehold"] as? Bool } == expected.map(\.isHousehold))
        }
        try await platform.stop()
    }

    // MARK: Daily reports

    @Test func dailyReportsNeedTwoPeople() async throws {
        let platform = try await Platform.start()
        let admin = try await platform.token("admin.1", .admin, "sz/ft")
        for (path, name) in [(Platform.c1, "Community 1"), (Platform.c2, "Community 2")] {
            #expect(try await platform.call(.POST, "/jurisdictions", token: admin, json: ["path": path, "name": name]).status == 201)
        }
        #expect(try await platform.call(.POST, "/jurisdictions", token: admin, json: ["path": Platform.c1, "name": "again"]).status == 409)
        let a = try await platform.token("staff.a", .community, Platform.c1)
        let b = try await platform.token("staff.b", .community, Platform.c1)
        let report = "/reports/sz~ft~s1~c1/2026-11-20"
        var counts: [String: Any] = [
            "newSuspected": 0, "newProbable": 0, "newConfirmed": 0, "newRuledOut": 0, "newCloseContacts": 0, "contactsUnderFollowUp": 0,
            "quarantined": 0, "referrals": 0,
        ]
        let created = try await platform.call(.PUT, report, token: a, json: ["counts": counts])
        #expect(created.status == 201, "\(created.text)")
        let zeroWithoutSaying = try await platform.call(.POST, "\(report)/submit", token: a)
        #expect(zeroWithoutSaying.status == 422 && zeroWithoutSaying.problemField == "isZeroReport", "\(zeroWithoutSaying.text)")
        #expect(try await platform.call(.PUT, report, token: a, json: ["counts": counts]).status == 428)
        counts["newSuspected"] = 3
        let edited = try await platform.call(.PUT, report, token: a, json: ["counts": counts], headers: [("If-Match", "\"v1\"")])
        #expect(edited.status == 200 && edited.headers["ETag"].first == "\"v2\"", "\(edited.text)")

        #expect(try await platform.call(.POST, "\(report)/submit", token: a).status == 200)
        let own = try await platform.call(.POST, "\(report)/approve", token: a)
        #expect(own.status == 409 && own.problemCode == "invalid-transition", "\(own.text)")
        let noReason = try await platform.call(.POST, "\(report)/reject", token: b)
        #expect(noReason.status == 422 && noReason.problemField == "reason")
        #expect(try await platform.call(.POST, "\(report)/approve", token: b).status == 200)
        #expect(try await platform.call(.POST, "\(report)/publish", token: b).status == 200)
        #expect(try await platform.call(.POST, "\(report)/shred", token: b).status == 404)

        let stored = try await platform.call(.GET, report, token: a)
        #expect(try stored.json()["status"] as? String == "published", "\(stored.text)")
        let day = try await platform.call(.GET, "/reports?day=2026-11-20", token: admin)
        #expect(day.status == 200, "\(day.text)")
        #expect(try day.json()["missing"] as? [String] == [Platform.c2])
        #expect((try day.json()["reports"] as? [Any])?.count == 1)
        #expect(try await platform.call(.GET, "/reports", token: admin).problemField == "day")
        try await platform.stop()
    }

    // MARK: Key groups

    @Test func casesTheirContactsQuarantineAndFollowUp() async throws {
        let platform = try await Platform.start()
        let index = try await platform.person("Case Person", household: Platform.h1)
        let sharer = try await platform.person("House Mate", household: Platform.h1)
        let near = try await platform.person("Market Neighbour", household: Platform.h2)
        let far = try await platform.person("Visitor From C2", household: Platform.other)
        let clinician = try await platform.token("dr.hill", .clinician, Platform.c1)
        let staff = try await platform.token("staff.a", .community, Platform.c1)
        let staff2 = try await platform.token("staff.c2", .community, Platform.c2)
        let hospital = try await platform.token("hosp.east", .hospital, "sz/ft")
        let grid = try await platform.token("grid.1", .grid, Platform.c1)

        // A clinic opens a suspected case; it may not open it as confirmed.
        #expect(try await platform.call(.POST, "/cases", token: clinician, json: ["person": index, "status": "confirmed"]).status == 403)
        let opened = try await platform.call(.POST, "/cases", token: clinician, json: ["person": index, "onset": "2026-11-18"])
        #expect(opened.status == 201, "\(opened.text)")
        let caseID = try #require(try opened.json()["id"] as? String)
        #expect(opened.headers["Location"].first == "/api/v1/cases/\(caseID)")
        func status() async throws -> String? {
            let history = (try await platform.call(.GET, "/cases/\(caseID)", token: hospital).json()["record"] as? [String: Any])?["history"]
            return ((history as? [[String: Any]])?.last)?["to"] as? String
        }
        #expect(try await status() == "suspect")
        #expect(try await platform.call(.POST, "/cases", token: clinician, json: ["person": far]).status == 403)
        #expect(try await platform.call(.POST, "/cases", token: clinician, json: ["person": "nobody"]).problemField == "person")

        // Classification: probable by the community, confirmed only by a role that classifies.
        #expect(try await platform.call(.POST, "/cases/\(caseID)/classify", token: staff, json: ["status": "probable"]).status == 200)
        #expect(try await platform.call(.POST, "/cases/\(caseID)/classify", token: clinician, json: ["status": "confirmed"]).status == 403)
        let stale = try await platform.call(
            .POST, "/cases/\(caseID)/classify", token: hospital, json: ["status": "confirmed"], headers: [("If-Match", "\"v1\"")])
        #expect(stale.status == 412)
        #expect(try await platform.call(.POST, "/cases/\(caseID)/classify", token: hospital, json: ["status": "confirmed"]).status == 200)
        #expect(try await status() == "confirmed")
        let back = try await platform.call(.POST, "/cases/\(caseID)/classify", token: staff, json: ["status": "suspect"])
        #expect(back.status == 409 && back.problemCode == "invalid-transition", "\(back.text)")
        let unknownStatus = try await platform.call(.POST, "/cases/\(caseID)/classify", token: hospital, json: ["status": "cured"])
        #expect(unknownStatus.status == 422 && unknownStatus.problemField == "status", "\(unknownStatus.text)")
        let confirmed = try await platform.call(.GET, "/cases?status=confirmed", token: staff).json()
        #expect((confirmed["items"] as? [Any])?.count == 1)
        #expect((try await platform.call(.GET, "/cases?status=suspect", token: staff).json()["items"] as? [Any])?.isEmpty == true)
        #expect(try await platform.call(.GET, "/cases", token: grid).status == 200)
        #expect(try await platform.call(.GET, "/cases/\(caseID)", token: staff2).status == 403)

        // Contacts traced from the case are recorded at each contact's own community.
        let t0: Int64 = 1_790_000_000
        let visits: [[String: Any]] = [
            ["person": index, "place": "market-1", "timeIn": t0, "timeOut": t0 + 3_600],
            ["person": near, "place": "market-1", "timeIn": t0 + 600, "timeOut": t0 + 3_000],
            ["person": far, "place": "market-1", "timeIn": t0, "timeOut": t0 + 3_600],
        ]
        #expect(try await platform.call(.POST, "/visits", token: staff, json: ["jurisdiction": Platform.c1, "visits": visits]).status == 201)
        let traced = try await platform.call(.POST, "/cases/\(caseID)/contacts?now=\(t0 + 86_400)", token: staff)
        #expect(traced.status == 201, "\(traced.text)")
        #expect(try traced.json()["recorded"] as? Int == 3)
        #expect(try await platform.call(.POST, "/cases/\(caseID)/contacts?now=\(t0 + 86_400)", token: staff).json()["recorded"] as? Int == 0)
        let mine = try #require(try await platform.call(.GET, "/contacts", token: staff).json()["items"] as? [[String: Any]])
        #expect(Set(mine.compactMap { ($0["record"] as? [String: Any])?["contact"] as? String }) == [sharer, near])
        let theirs = try #require(try await platform.call(.GET, "/contacts", token: staff2).json()["items"] as? [[String: Any]])
        #expect(theirs.count == 1)
        #expect((theirs.first?["record"] as? [String: Any])?["contact"] as? String == far)
        #expect((theirs.first?["record"] as? [String: Any])?["indexCase"] as? String == caseID)

        // Quarantine.
        let badPlace = try await platform.call(
            .POST, "/quarantines", token: staff,
            json: ["person": near, "kind": "centralised", "location": ["household": Platform.h2], "from": "2026-11-21", "to": "2026-12-04", "method": "verbal"])
        #expect(badPlace.status == 422 && badPlace.problemField == "location", "\(badPlace.text)")
        let quarantine = try await platform.call(
            .POST, "/quarantines", token: staff,
            json: ["person": near, "kind": "home", "location": ["household": Platform.h2], "from": "2026-11-21", "to": "2026-12-04", "method": "verbal"])
        #expect(quarantine.status == 201, "\(quarantine.text)")
        #expect((try await platform.call(.GET, "/quarantines?day=2026-11-25", token: staff).json()["items"] as? [Any])?.count == 1)
        #expect((try await platform.call(.GET, "/quarantines?day=2026-12-05", token: staff).json()["items"] as? [Any])?.isEmpty == true)

        // Follow-up twice a day; one check-in of two is missing.
        let plan = try await platform.call(
            .POST, "/follow-up-plans", token: staff, json: ["person": near, "start": "2026-11-21", "periodDays": 14, "timesPerDay": 2])
        #expect(plan.status == 201, "\(plan.text)")
        let tasks = try #require(try await platform.call(.GET, "/follow-up/tasks?day=2026-11-22", token: staff).json()["items"] as? [[String: Any]])
        #expect(tasks.count == 2 && tasks.allSatisfy { $0["person"] as? String == near })
        // 2026-11-22 10:00 in UTC+8.
        let morning: Int64 = 1_795_312_800
        let checkIn: [String: Any] = ["person": near, "time": morning, "temperatureCelsius": 36.6]
        #expect(try await platform.call(.POST, "/check-ins", token: grid, json: checkIn).status == 201)
        #expect(try await platform.call(.POST, "/check-ins", token: grid, json: checkIn).status == 409)
        let missing = try #require(try await platform.call(.GET, "/check-ins/missing?day=2026-11-22", token: staff).json()["items"] as? [[String: Any]])
        #expect(missing.count == 1)
        #expect(missing.first?["expected"] as? Int == 2 && missing.first?["received"] as? Int == 1)
        #expect(try await platform.call(.GET, "/check-ins/missing", token: staff).problemField == "day")
        try await platform.stop()
    }

    @Test func transmissionChainsRefuseCyclesAndHideOutsiders() async throws {
        let platform = try await Platform.start()
        let index = try await platform.person("Case Person", household: Platform.h1)
        let near = try await platform.person("Market Neighbour", household: Platform.h2)
        let far = try await platform.person("Visitor From C2", household: Platform.other)
        let staff = try await platform.token("staff.a", .community, Platform.c1)
        let cdc = try await platform.token("cdc.1", .cdc, "sz/ft")
        func link(_ infector: String, _ infectee: String, replace: Bool = false) async throws -> HTTP.Answer {
            try await platform.call(
                .POST, "/transmissions\(replace ? "?replace=true" : "")", token: staff,
                json: ["infector": infector, "infectee": infectee, "evidence": "market-1"])
        }
        #expect(try await link(far, index).status == 201)
        #expect(try await link(index, near).status == 201)
        #expect(try await link(near, far).status == 403)  // the infectee is another community's
        let second = try await link(near, index)
        #expect(second.status == 409 && second.problemField == "infector", "\(second.text)")
        let cycle = try await link(near, index, replace: true)
        #expect(cycle.status == 409 && cycle.problemField == "infectee", "\(cycle.text)")
        #expect(try await link(index, index).status == 409)

        let graph = try await platform.call(.GET, "/transmissions", token: staff).json()
        let nodes = try #require(graph["nodes"] as? [[String: Any]])
        let ids = Set(nodes.compactMap { $0["id"] as? String })
        #expect(ids.contains(index) && ids.contains(near) && !ids.contains(far))
        let outsider = try #require(ids.first { $0.hasPrefix("p-") })
        #expect(nodes.first { $0["id"] as? String == near }?["generation"] as? Int == 3)
        #expect(nodes.first { $0["id"] as? String == near }?["root"] as? String == outsider)
        let wide = try await platform.call(.GET, "/transmissions", token: cdc).json()
        #expect(Set(((wide["nodes"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }) == [far, index, near])
        let dot = try await platform.call(.GET, "/transmissions?format=dot", token: staff)
        #expect(dot.text.contains("digraph") && dot.text.contains(near) && !dot.text.contains(far))
        try await platform.stop()
    }

    @Test func electricityReadingsFlagEmptyQuarantinedAndUsedSealedHomes() async throws {
        let platform = try await Platform.start()
        let near = try await platform.person("Market Neighbour", household: Platform.h2)
        let staff = try await platform.token("staff.a", .community, Platform.c1)
        let grid = try await platform.token("grid.1", .grid, Platform.c1)
        let quarantine: [String: Any] = [
            "person": near, "kind": "home", "location": ["household": Platform.h2], "from": "2026-11-15", "to": "2026-11-21", "method": "verbal",
        ]
        #expect(try await platform.call(.POST, "/quarantines", token: staff, json: quarantine).status == 201)
        let sealed = try await platform.call(.POST, "/sealings", token: staff, json: ["household": Platform.h1, "from": "2026-11-15", "to": "2026-11-21"])
        #expect(sealed.status == 201, "\(sealed.text)")
        #expect(try await platform.call(.POST, "/sealings", token: staff, json: ["household": Platform.c1, "from": "2026-11-15", "to": "2026-11-21"]).problemField == "household")

        var csv = "day,household,kWh\n"
        for day in 1...14 {
            let date = String(format: "2026-11-%02d", day)
            csv += "\(date),\(Platform.h1),8.0\n\(date),\(Platform.h2),7.\(day % 10)\n"
        }
        csv += "2026-11-16,\(Platform.h1),6.0\n2026-11-16,\(Platform.h2),0.2\n2026-11-17,\(Platform.h1),0.1\n2026-11-17,\(Platform.h2),7.5\n"
        csv += "2026-11-18,\(Platform.c1),3\n2026-11-31,\(Platform.h2),3\n2026-11-18,\(Platform.h2),-1\n"
        let preview = try await platform.call(.POST, "/electricity/readings", token: staff, body: Array(csv.utf8))
        #expect(preview.status == 200, "\(preview.text)")
        #expect(try preview.json()["total"] as? Int == 35 && preview.json()["valid"] as? Int == 32 && preview.json()["stored"] as? Int == 0)
        let errors = try #require(try preview.json()["errors"] as? [[String: Any]])
        #expect(errors.map { $0["field"] as? String } == ["household", "day", "kWh"])
        #expect(errors.map { $0["line"] as? Int } == [34, 35, 36])
        #expect((try await platform.call(.GET, "/electricity/flags?from=2026-11-15&to=2026-11-21", token: staff).json()["items"] as? [Any])?.isEmpty == true)
        #expect(try await platform.call(.POST, "/electricity/readings?mode=all", token: staff, body: Array(csv.utf8)).status == 422)
        #expect(try await platform.call(.POST, "/electricity/readings?mode=valid", token: grid, body: Array(csv.utf8)).status == 403)
        let foreign = "household,day,kWh\n\(Platform.other),2026-11-16,1\n"
        #expect(try await platform.call(.POST, "/electricity/readings?mode=valid", token: staff, body: Array(foreign.utf8)).status == 403)
        let stored = try await platform.call(.POST, "/electricity/readings?mode=valid", token: staff, body: Array(csv.utf8))
        #expect(stored.status == 201, "\(stored.text)")
        #expect(try stored.json()["stored"] as? Int == 32)

        let flags = try #require(
            try await platform.call(.GET, "/electricity/flags?from=2026-11-15&to=2026-11-21", token: staff).json()["items"] as? [[String: Any]])
        #expect(flags.map { "\($0["kind"] ?? "") \($0["household"] ?? "") \($0["day"] ?? "")" } == [
            "sealedInUse \(Platform.h1) 2026-11-16", "nobodyHome \(Platform.h2) 2026-11-16",
        ])
        #expect(flags.first?["baseline"] as? Double == 8.0)
        #expect((try await platform.call(.GET, "/electricity/flags?from=2026-11-17&to=2026-11-21", token: staff).json()["items"] as? [Any])?.isEmpty == true)
        #expect(try await platform.call(.GET, "/electricity/flags?from=2026-11-17", token: staff).problemField == "to")
        try await platform.stop()
    }

    @Test func theReferralLoopTakesAndFreesBeds() async throws {
        let platform = try await Platform.start()
        let first = try await platform.person("First Patient", household: Platform.h1)
        let second = try await platform.person("Second Patient", household: Platform.h2)
        let clinician = try await platform.token("dr.hill", .clinician, Platform.c1)
        let hospital = try await platform.token("ward.east", .hospital, "sz/ft")
        func beds() async throws -> (Int?, Int?) {
            let view = try await platform.call(.GET, "/hospitals/hosp-east/capacity", token: hospital).json()
            return (view["occupied"] as? Int, view["free"] as? Int)
        }
        #expect(try await platform.call(.PUT, "/hospitals/hosp-east/capacity", token: clinician, json: ["total": 1]).status == 403)
        #expect(try await platform.call(.PUT, "/hospitals/hosp-east/capacity", token: hospital, json: ["total": 1]).status == 201)
        #expect(try await beds() == (0, 1))

        var ids: [String] = []
        for person in [first, second] {
            let referred = try await platform.call(
                .POST, "/referrals", token: clinician, json: ["person": person, "clinic": "clinic-hill", "hospital": "hosp-east"])
            #expect(referred.status == 201, "\(referred.text)")
            let id = try #require(try referred.json()["id"] as? String)
            ids.append(id)
            #expect(try await platform.call(.POST, "/referrals/\(id)/transport", token: clinician).status == 200)
        }
        #expect(try await platform.call(.POST, "/referrals/\(ids[0])/admit", token: clinician).status == 403)
        #expect(try await platform.call(.POST, "/referrals/\(ids[0])/admit", token: hospital).status == 200)
        #expect(try await beds() == (1, 0))
        // No free bed: the second admission is refused and changes nothing.
        let full = try await platform.call(.POST, "/referrals/\(ids[1])/admit", token: hospital)
        #expect(full.status == 409, "\(full.text)")
        #expect(try await beds() == (1, 0))
        let waiting = try await platform.call(.GET, "/referrals/\(ids[1])", token: clinician).json()
        #expect((((waiting["record"] as? [String: Any])?["steps"] as? [[String: Any]])?.last)?["stage"] as? String == "transport")

        let noOutcome = try await platform.call(.POST, "/referrals/\(ids[0])/outcome", token: hospital)
        #expect(noOutcome.status == 422 && noOutcome.problemField == "outcome")
        #expect(try await platform.call(.POST, "/referrals/\(ids[0])/treat", token: hospital).status == 200)
        #expect(try await platform.call(.POST, "/referrals/\(ids[0])/outcome", token: hospital, json: ["outcome": "recovered"]).status == 200)
        #expect(try await beds() == (0, 1))
        #expect(try await platform.call(.POST, "/referrals/\(ids[1])/admit", token: hospital).status == 200)
        #expect(try await beds() == (1, 0))
        let admitted = try await platform.call(.GET, "/referrals?stage=admission", token: clinician).json()
        #expect((admitted["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[1]])
        #expect(try await platform.call(.POST, "/referrals/\(ids[1])/cancel", token: clinician).problemField == "reason")
        #expect(try await platform.call(.POST, "/referrals/\(ids[1])/fly", token: clinician).status == 404)
        // Shrinking the ward below its occupied beds is refused.
        #expect(try await platform.call(.PUT, "/hospitals/hosp-east/capacity", token: hospital, json: ["total": 0]).status == 422)
        let steps = try await platform.call(.GET, "/referrals/\(ids[0])", token: hospital).json()
        let who = (((steps["record"] as? [String: Any])?["steps"] as? [[String: Any]]) ?? []).map { "\($0["stage"] ?? "")/\($0["by"] ?? "")" }
        #expect(who == ["screening/dr.hill", "transport/dr.hill", "admission/ward.east", "treatment/ward.east", "outcome/ward.east"])
        try await platform.stop()
    }

    // MARK: The OpenAPI document

    @Test func theOpenAPIDocumentDescribesEveryServedRoute() async throws {
        let platform = try await Platform.start()
        let admin = try await platform.token("admin.1", .admin, "sz")
        let answer = try await platform.call(.GET, "/openapi.json", token: admin)
        #expect(answer.status == 200)
        let document = try answer.json()
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations = 0
        for (path, item) in paths {
            #expect(path.hasPrefix("/api/v1/"))
            for (method, operation) in item {
                operations += 1
                let operation = try #require(operation as? [String: Any])
                #expect(operation["responses"] != nil && operation["summary"] != nil, "\(method) \(path)")
                // Every documented operation is served: the router answers something other
                // than its own "no such route".
                let concrete = path.replacingOccurrences(of: "{id}", with: String(repeating: "0", count: 32))
                    .replacingOccurrences(of: "{community}", with: "sz~ft~s1~c1").replacingOccurrences(of: "{day}", with: "2026-11-20")
                    .replacingOccurrences(of: "{action}", with: path.contains("referrals") ? "transport" : "submit")
                    .replacingOccurrences(of: "{place}", with: "hosp-east").replacingOccurrences(of: "/api/v1", with: "")
                let served = try await platform.call(HTTPMethod(rawValue: method.uppercased()), concrete, token: admin, body: [])
                #expect(!(served.status == 404 && (try? served.json()["detail"] as? String) == "Not Found"), "\(method) \(path) is not served")
                #expect(served.status != 500, "\(method) \(path): \(served.text)")
            }
        }
        #expect(operations >= 35)
        // An undocumented path under the prefix is not served.
        #expect(try await platform.call(.GET, "/nowhere", token: admin).status == 404)
        try await platform.stop()
    }
}
