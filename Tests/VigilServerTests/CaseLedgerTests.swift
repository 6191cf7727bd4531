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

/// Four nodes of one community chain on loopback, each with its own community store and API:
/// the clinic reports a case, the others find it in their own records and vote, the hospital's
/// classification becomes the outcome, and the clinic shows the case's ledger status and proof.
@Suite(.serialized) struct CaseLedgerTests {
    static let secret = Array("riverside area secret for the tests".utf8)
    static let c1 = "sz/ft/s1/c1"

    /// A GB 11643 id with its check character.
    static func nationalID(_ first17: String) -> String {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(first17, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return first17 + String(Array("10X98765432")[sum % 11])
    }

    struct Site {
        let node: RunningNode
        let store: InMemoryCommunityStore
        let platform: Platform
    }

    static func start() async throws -> (ChainFixture, [String: Site]) {
        let fixture = try Chains.community()
        var setup = Chains.setup(fixture, slug: "riverside")
        setup.areaSecret = secret
        var sites: [String: Site] = [:]
        for name in Chains.names {
            var logger = Logger(label: "test.ledger")
            logger.logLevel = .warning
            let store = InMemoryCommunityStore()
            let api = try await CommunityAPI.forNode(key: ChainFixture.key(for: name), store: store, logger: logger)
            let node = try await RunningNode.start(name, chains: [setup], store: InMemoryLedgerStore(), community: api)
            sites[name] = Site(node: node, store: store, platform: Platform(node: node, store: store, tokens: api.tokens))
        }
        connect(Chains.names.map { sites[$0]!.node }, origin: fixture.state.origin)
        return (fixture, sites)
    }

    static func stop(_ sites: [String: Site]) async throws {
        for site in sites.values { try await site.node.stop() }
    }

    /// Stores a person with a national id at `household`; answers the id.
    static func person(_ site: Site, _ name: String, nationalID: String?, household: String = c1 + "/g1/b1/h1") async throws -> String {
        let draft = PersonDraft(nationalID: nationalID, name: name, household: try JurisdictionPath(household))
        return try await site.store.insertPersons([draft])[0].id.rawValue
    }

    /// clinic.hill opens a case for a new patient with onset `onset` and reports it: answers the
    /// `suspected-case` proposal's entry hash (hex).
    static func reportSuspectedCase(_ hill: Site, onset: CivilDate) async throws -> String {
        let patient = try await person(hill, "Chen Jing", nationalID: nationalID("44030419900307123"))
        let clinician = try await hill.platform.token("doctor.hill", .clinician, c1)
        let opened = try await hill.platform.call(.POST, "/cases", token: clinician, json: ["person": patient, "onset": onset.description])
        let caseID = try #require(try opened.json()["id"] as? String)
        let reported = try await hill.platform.call(.POST, "/cases/\(caseID)/report", token: clinician, json: ["syndrome": "ili"])
        return try #require(try reported.json()["entry"] as? String)
    }

    /// The proposals `site` lists for `token`, once `id` is among them.
    static func proposals(_ site: Site, token: String, status: String = "all", including id: String) async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        let found = try await eventually {
            let answer = try await site.platform.call(.GET, "/ledger/proposals?status=\(status)", token: token)
            guard answer.status == 200 else { throw TestError("proposals: \(answer.status) \(answer.text)") }
            items = try answer.json()["items"] as? [[String: Any]] ?? []
            return items.contains { $0["id"] as? String == id }
        }
        #expect(found, "proposal \(id) not listed")
        return items
    }

    @Test func aReportedCaseIsEndorsedFromOtherRecordsAndItsOutcomeAndProofFollow() async throws {
        let (fixture, sites) = try await Self.start()
        let hill = sites["clinic.hill"]!, river = sites["clinic.river"]!, committee = sites["community.a"]!, cdc = sites["cdc.district"]!
        let id = Self.nationalID("44030419900307123")

        // clinic.hill: the patient's file and a suspected case, reported to the chain.
        let patient = try await Self.person(hill, "Chen Jing", nationalID: id)
        let clinician = try await hill.platform.token("doctor.hill", .clinician, Self.c1)
        let opened = try await hill.platform.call(.POST, "/cases", token: clinician, json: ["person": patient, "onset": "2026-11-20"])
        #expect(opened.status == 201, "\(opened.text)")
        let caseID = try #require(try opened.json()["id"] as? String)
        let reported = try await hill.platform.call(.POST, "/cases/\(caseID)/report", token: clinician, json: ["syndrome": "ili"])
        #expect(reported.status == 202, "\(reported.text)")
        let entry = try #require(try reported.json()["entry"] as? String)

        // Reporting again is refused; so is a grid worker, and a person without a national id.
        #expect(try await hill.platform.call(.POST, "/cases/\(caseID)/report", token: clinician, json: [:]).problemCode == "already-reported")
        let grid = try await hill.platform.token("grid.hill", .grid, Self.c1)
        #expect(try await hill.platform.call(.POST, "/cases/\(caseID)/report", token: grid, json: [:]).status == 403)
        let anonymous = try await Self.person(hill, "Li Ming", nationalID: nil)
        let second = try await hill.platform.call(.POST, "/cases", token: clinician, json: ["person": anonymous])
        let secondID = try #require(try second.json()["id"] as? String)
        let noID = try await hill.platform.call(.POST, "/cases/\(secondID)/report", token: clinician, json: [:])
        #expect(noID.status == 422 && noID.problemField == "nationalID", "\(noID.text)")

        // community.a knows the same person as a traced close contact, in its own registry.
        let contact = try await Self.person(committee, "Chen Jing", nationalID: id)
        let traced = try await Self.person(committee, "Wang Wei", nationalID: Self.nationalID("44030419851111456"))
        for person in [contact, traced] {
            _ = try await committee.store.insertRecord(
                RecordDraft(
                    kind: .closeContact, id: "case-x~\(person)", jurisdiction: try JurisdictionPath(Self.c1 + "/g1/b1/h1"), person: person,
                    body: Array("{}".utf8), time: 0))
        }
        let staff = try await committee.platform.token("staff.a", .community, Self.c1)
        let listed = try await Self.proposals(committee, token: staff, status: "open", including: entry)
        let report = try #require(listed.first { $0["id"] as? String == entry })
        #expect(report["author"] as? String == "clinic.hill")
        #expect(report["syndrome"] as? String == "ili" && report["community"] as? String == Self.c1)
        #expect(report["onset"] as? String == "2026-11-20" && report["ageBand"] as? String == "30-39")
        let evidence = try #require(report["evidence"] as? [[String: Any]])
        #expect(evidence.count == 1 && evidence.first?["person"] as? String == contact, "\(evidence)")
        #expect((evidence.first?["records"] as? [[String: Any]])?.first?["kind"] as? String == "close-contact")

        // A user outside the jurisdiction sees the proposal but no evidence from c1's records.
        let elsewhere = try await committee.platform.token("staff.b", .community, "sz/ft/s1/c2")
        let outside = try await Self.proposals(committee, token: elsewhere, including: entry)
        #expect((outside.first { $0["id"] as? String == entry }?["evidence"] as? [[String: Any]])?.isEmpty == true)

        // The committee endorses; a second vote and a veto by a non-supervisor are refused.
        let vote = try await committee.platform.call(.POST, "/ledger/proposals/\(entry)/vote", token: staff, json: ["approve": true, "reason": "traced contact"])
        #expect(vote.status == 202, "\(vote.text)")
        let veto = try await committee.platform.call(.POST, "/ledger/proposals/\(entry)/veto", token: staff, json: ["reason": "no"])
        #expect(veto.status == 409 && veto.problemCode == "ledger-refused", "\(veto.text)")
        #expect(try await committee.platform.call(.POST, "/ledger/proposals/\(String(repeating: "ab", count: 32))/vote", token: staff, json: ["approve": true]).status == 404)
        #expect(try await committee.platform.call(.POST, "/ledger/proposals/xyz/vote", token: staff, json: ["approve": true]).problemField == "id")

        // clinic.river, the hospital here, has the person presented: it endorses, so the report
        // is accepted, then its confirmation becomes the outcome.
        let presented = try await Self.person(river, "Chen Jing", nationalID: id)
        let hospital = try await river.platform.token("ward.river", .hospital, Self.c1)
        let doctor = try await river.platform.token("doctor.river", .clinician, Self.c1)
        let admitted = try await river.platform.call(.POST, "/cases", token: doctor, json: ["person": presented])
        let riverCase = try #require(try admitted.json()["id"] as? String)
        _ = try await Self.proposals(river, token: hospital, including: entry)
        let endorsed = try await river.platform.call(.POST, "/ledger/proposals/\(entry)/vote", token: hospital, json: ["approve": true])
        #expect(endorsed.status == 202, "\(endorsed.text)")
        let accepted = try await eventually {
            let items = try await Self.proposals(river, token: hospital, including: entry)
            return items.first { $0["id"] as? String == entry }?["status"] as? String == "accepted"
        }
        #expect(accepted)
        let confirmed = try await river.platform.call(.POST, "/cases/\(riverCase)/classify", token: hospital, json: ["status": "confirmed"])
        #expect(confirmed.status == 200, "\(confirmed.text)")
        let outcomes = try #require(try confirmed.json()["ledgerOutcomes"] as? [[String: Any]])
        #expect(outcomes.count == 1 && outcomes.first?["entry"] is String && outcomes.first?["refusal"] == nil, "\(outcomes)")

        // The clinic's case shows the report accepted, endorsed, confirmed, with a proof that
        // verifies offline against the chain's policy.
        var shown: [String: Any] = [:]
        let settled = try await eventually {
            let answer = try await hill.platform.call(.GET, "/cases/\(caseID)/ledger", token: clinician)
            shown = try answer.json()
            let first = (shown["proposals"] as? [[String: Any]])?.first
            return first?["outcome"] as? String == "confirmed" && first?["proof"] is String
        }
        #expect(settled, "\(shown)")
        let onChain = try #require((shown["proposals"] as? [[String: Any]])?.first)
        #expect(onChain["approvers"] as? [String] == ["clinic.river", "community.a"])
        #expect((shown["report"] as? [String: Any])?["entry"] as? String == entry)
        #expect(((shown["report"] as? [String: Any])?["status"] as? [String: Any])?["state"] as? String == "committed")
        let proof = try TlogProof(parsing: Array(try #require(onChain["proof"] as? String).utf8))
        let policy = NodeMachine.checkpointPolicy(for: fixture.state)
        #expect(try proof.verify(leafHash: try Hash(hex: entry), policy: policy).isSatisfied)
        #expect(throws: LedgerError.self) { try proof.verify(leafHash: try Hash(hex: String(repeating: "00", count: 32)), policy: policy) }

        // The outcome credits the reporter; a second outcome request records nothing new.
        let again = try await river.platform.call(.POST, "/cases/\(riverCase)/outcome", token: hospital)
        #expect((try again.json()["outcomes"] as? [[String: Any]])?.first?["skipped"] is String, "\(again.text)")

        // Nothing personal is on the chain: no name, national id or person id in any entry.
        let origin = fixture.state.origin
        let size = try await cdc.node.node.store.size(of: origin)
        let entries = try await cdc.node.node.store.entries(in: 0..<LeafIndex(size.rawValue), of: origin)
        let text = entries.map { String(decoding: $0.bytes, as: UTF8.self) }.joined(separator: "\n")
        #expect(entries.count >= 5)
        for secret in ["Chen Jing", id, patient, contact, presented] { #expect(!text.contains(secret), "\(secret) is on the chain") }

        // Every read and decision was audited on each node.
        let auditor = try await hill.platform.token("auditor.hill", .auditor, "sz")
        let log = try await hill.platform.call(.GET, "/audit?limit=1000", token: auditor).json()
        let actions = Set((log["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String })
        #expect(actions.isSuperset(of: ["case.report", "case.ledger"]), "\(actions)")
        try await Self.stop(sites)
    }

    @Test func everyRoleReachesExactlyTheLedgerEndpointsItsPermissionsAllow() async throws {
        var logger = Logger(label: "test.ledger")
        logger.logLevel = .warning
        let store = InMemoryCommunityStore()
        let api = try await CommunityAPI.forNode(key: ChainFixture.key(for: "solo.node"), store: store, logger: logger)
        var chain = Chains.setup(try Chains.solo(), slug: "solo")
        chain.areaSecret = Self.secret
        let node = try await RunningNode.start("solo.node", chains: [chain], store: InMemoryLedgerStore(), community: api)
        let platform = Platform(node: node, store: store, tokens: api.tokens)
        let mine = try await platform.person("Wang Fang", household: Platform.h1)
        let theirs = try await platform.person("Zhao Lei", household: Platform.other)
        var cases: [String: String] = [:]
        let admin = try await platform.token("admin.all", .admin, "sz")
        for (key, person) in [("mine", mine), ("theirs", theirs)] {
            cases[key] = try #require(try await platform.call(.POST, "/cases", token: admin, json: ["person": person]).json()["id"] as? String)
        }
        let unknown = String(repeating: "cd", count: 32)
        // (name, permission, inside the caller's jurisdiction, method, path, body); an allowed
        // call may still fail for its input (the persons have no national id, the proposal is
        // unknown), but never with 403.
        let probes: [(String, Permission, Bool, HTTPMethod, String, [String: Any]?)] = [
            ("report a case here", .reportCases, true, .POST, "/cases/\(cases["mine"]!)/report", [:]),
            ("report a case there", .reportCases, false, .POST, "/cases/\(cases["theirs"]!)/report", [:]),
            ("a case's ledger here", .readCases, true, .GET, "/cases/\(cases["mine"]!)/ledger", nil),
            ("a case's ledger there", .readCases, false, .GET, "/cases/\(cases["theirs"]!)/ledger", nil),
            ("outcome there", .classifyCases, false, .POST, "/cases/\(cases["theirs"]!)/outcome", nil),
            ("proposals", .readCases, true, .GET, "/ledger/proposals", nil),
            ("vote", .voteLedger, true, .POST, "/ledger/proposals/\(unknown)/vote", ["approve": true]),
            ("veto", .voteLedger, true, .POST, "/ledger/proposals/\(unknown)/veto", ["reason": "false report"]),
        ]
        for role in Role.allCases {
            let token = try await platform.token("user.\(role.rawValue)", role, Platform.c1)
            for (name, permission, inside, method, path, json) in probes {
                let answer = try await platform.call(method, path, token: token, json: json)
                if AccessPolicy.allows(role, permission) && inside {
                    #expect(answer.status != 403 && answer.status < 500, "\(role) may \(name): \(answer.status) \(answer.text)")
                } else {
                    #expect(answer.status == 403, "\(role) may not \(name): \(answer.status) \(answer.text)")
                }
            }
        }
        #expect(AccessPolicy.allows(.clinician, .reportCases) && AccessPolicy.allows(.hospital, .voteLedger))
        #expect(!AccessPolicy.allows(.grid, .voteLedger) && !AccessPolicy.allows(.checkpoint, .reportCases) && !AccessPolicy.allows(.auditor, .readCases))
        try await node.stop()
    }

    @Test func aNodeWithoutAnAreaSecretHasNoLedgerEndpoints() async throws {
        let platform = try await Platform.start()
        let admin = try await platform.token("admin.1", .admin, "sz")
        let answer = try await platform.call(.GET, "/ledger/proposals", token: admin)
        #expect(answer.status == 503 && answer.problemCode == "no-ledger", "\(answer.text)")
        try await platform.stop()
    }
}

/// Staff and the four levels of responsibility over the API.
@Suite(.serialized) struct StaffAPITests {
    @Test func whoIsResponsibleForAPersonNearestFirst() async throws {
        let platform = try await Platform.start()
        let admin = try await platform.token("admin.c1", .admin, Platform.c1)
        let building = "sz/ft/s1/c1/g1/b1"
        for (id, name) in [("s-li", "Li Wei"), ("s-wu", "Wu Min"), ("s-he", "He Jun"), ("s-zo", "Zou Ping")] {
            let answer = try await platform.call(.PUT, "/staff/\(id)", token: admin, json: ["name": name, "phone": "+86 138 0000 0000"])
            #expect(answer.status == 201, "\(answer.text)")
        }
        let grants: [(String, String, String)] = [
            ("s-li", "party-member", Platform.h1), ("s-wu", "unit", building), ("s-he", "building", building), ("s-zo", "community", Platform.c1),
            ("s-li", "party-member", building),
        ]
        for (staff, level, scope) in grants {
            let answer = try await platform.call(.POST, "/responsibilities", token: admin, json: ["staff": staff, "level": level, "scope": scope])
            #expect(answer.status == 201, "\(answer.text)")
        }
        // Refused: a level with a scope of the wrong depth, an unknown staff id, a repeat, and a
        // scope outside the caller's jurisdiction.
        let wrongDepth = try await platform.call(.POST, "/responsibilities", token: admin, json: ["staff": "s-he", "level": "building", "scope": Platform.c1])
        #expect(wrongDepth.status == 422 && wrongDepth.problemField == "scope", "\(wrongDepth.text)")
        let unknown = try await platform.call(.POST, "/responsibilities", token: admin, json: ["staff": "s-nobody", "level": "community", "scope": Platform.c1])
        #expect(unknown.status == 422 && unknown.problemField == "staff", "\(unknown.text)")
        let again = try await platform.call(.POST, "/responsibilities", token: admin, json: ["staff": "s-zo", "level": "community", "scope": Platform.c1])
        #expect(again.status == 409, "\(again.text)")
        let outside = try await platform.call(.POST, "/responsibilities", token: admin, json: ["staff": "s-zo", "level": "community", "scope": Platform.c2])
        #expect(outside.status == 403, "\(outside.text)")
        // Editing a staff member needs the version read.
        #expect(try await platform.call(.PUT, "/staff/s-li", token: admin, json: ["name": "Li Wei"]).status == 428)

        let resident = try await platform.person("Wang Fang", household: Platform.h1)
        let neighbour = try await platform.person("Sun Li", household: Platform.h2)
        let staff = try await platform.token("staff.c1", .community, Platform.c1)
        let chain = try await platform.call(.GET, "/persons/\(resident)/responsible", token: staff).json()
        let levels = (chain["responsible"] as? [[String: Any]] ?? []).map { "\($0["level"]!):\($0["staff"]!)" }
        // The party member for the household wins over the one for the whole building.
        #expect(levels == ["party-member:s-li", "unit:s-wu", "building:s-he", "community:s-zo"], "\(chain)")
        #expect((chain["responsible"] as? [[String: Any]])?.first?["scope"] as? String == Platform.h1)
        #expect((chain["responsible"] as? [[String: Any]])?.first?["name"] as? String == "Li Wei")
        let other = try await platform.call(.GET, "/persons/\(neighbour)/responsible", token: staff).json()
        #expect((other["responsible"] as? [[String: Any]])?.first?["scope"] as? String == building, "\(other)")
        let listed = try await platform.call(.GET, "/responsibilities?scope=\(Platform.c1)", token: staff).json()
        #expect((listed["items"] as? [[String: Any]])?.count == 5)
        // A checkpoint guard may not read who is responsible; a grid worker elsewhere may not either.
        let guardToken = try await platform.token("gate.c1", .checkpoint, Platform.c1)
        #expect(try await platform.call(.GET, "/persons/\(resident)/responsible", token: guardToken).status == 403)
        let elsewhere = try await platform.token("grid.c2", .grid, Platform.c2)
        #expect(try await platform.call(.GET, "/persons/\(resident)/responsible", token: elsewhere).status == 403)
        try await platform.stop()
    }
}
