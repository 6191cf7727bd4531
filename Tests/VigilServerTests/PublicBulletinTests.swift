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

/// Bulletins on the ledger over real HTTP, on the four-node community chain of
/// ``CaseLedgerTests`` whose community.a node takes its bulletins to that chain: a daily report
/// reviewed by two people and published becomes a `bulletin` entry; the public page links its
/// proof once a final checkpoint covers it, and the proof verifies offline against the policy
/// the page links, while a tampered count does not.
@Suite(.serialized) struct PublicBulletinTests {
    static let c1 = CaseLedgerTests.c1

    /// The four nodes; `bulletins` names the node whose chain takes its bulletins. Connected
    /// unless `connected` is false.
    static func start(bulletins: String = "community.a", connected: Bool = true) async throws -> (ChainFixture, [String: CaseLedgerTests.Site]) {
        let fixture = try Chains.community()
        var sites: [String: CaseLedgerTests.Site] = [:]
        for name in Chains.names {
            var setup = Chains.setup(fixture, slug: "riverside")
            setup.areaSecret = CaseLedgerTests.secret
            setup.bulletins = name == bulletins
            var logger = Logger(label: "test.bulletins")
            logger.logLevel = .warning
            let store = InMemoryCommunityStore()
            let api = try await CommunityAPI.forNode(key: ChainFixture.key(for: name), store: store, logger: logger)
            let node = try await RunningNode.start(name, chains: [setup], store: InMemoryLedgerStore(), community: api)
            sites[name] = CaseLedgerTests.Site(node: node, store: store, platform: Platform(node: node, store: store, tokens: api.tokens))
        }
        if connected { connect(Chains.names.map { sites[$0]!.node }, origin: fixture.state.origin) }
        return (fixture, sites)
    }

    /// Every count of a report: `counts`, and zero for the others.
    static func allCounts(_ counts: [String: Int]) -> [String: Int] {
        let names = ["newSuspected", "newProbable", "newConfirmed", "newRuledOut", "newCloseContacts", "contactsUnderFollowUp", "quarantined", "referrals"]
        return Dictionary(uniqueKeysWithValues: names.map { ($0, counts[$0] ?? 0) })
    }

    /// Creates, submits (staff.a), approves and publishes (staff.b) the report of c1 for `day`.
    static func publish(_ site: CaseLedgerTests.Site, day: CivilDate, counts: [String: Int], version: Int? = nil) async throws {
        let a = try await site.platform.token("staff.a", .community, c1)
        let b = try await site.platform.token("staff.b", .community, c1)
        let path = "/reports/sz~ft~s1~c1/\(day)"
        let headers = version.map { [("If-Match", "\"v\($0)\"")] } ?? []
        let put = try await site.platform.call(.PUT, path, token: a, json: ["counts": allCounts(counts)], headers: headers)
        #expect(put.status == (version == nil ? 201 : 200), "\(put.text)")
        for (action, token) in [("submit", a), ("approve", b), ("publish", b)] {
            let answer = try await site.platform.call(.POST, "\(path)/\(action)", token: token)
            #expect(answer.status == 200, "\(action): \(answer.text)")
        }
    }

    /// The bulletin entries on the chain as `site` stores it.
    static func bulletinEntries(_ site: CaseLedgerTests.Site, origin: String) async throws -> [Entry] {
        let size = try await site.node.node.store.size(of: origin)
        let stored = try await site.node.node.store.entries(in: 0..<LeafIndex(size.rawValue), of: origin)
        return try stored.map { try Entry(parsing: $0.bytes) }.filter { $0.kind == .bulletin }
    }

    /// The public page once `condition` holds for it.
    static func page(_ site: CaseLedgerTests.Site, until condition: (String) -> Bool) async throws -> String {
        var text = ""
        let held = try await eventually {
            text = try await HTTP.get("\(site.node.url)/public").text
            return condition(text)
        }
        #expect(held, "the public page never got there: \(text)")
        return text
    }

    /// The `href` of the first proof link on a page.
    static func proofLink(_ page: String) throws -> String {
        let marker = "class=\"proof\" href=\""
        let start = try #require(page.range(of: marker)).upperBound
        return String(page[start...].prefix { $0 != "\"" })
    }

    @Test func aPublishedReportsBulletinCommitsAndItsProofVerifiesOffline() async throws {
        let (fixture, sites) = try await Self.start()
        defer { Task { try? await CaseLedgerTests.stop(sites) } }
        let committee = sites["community.a"]!, cdc = sites["cdc.district"]!
        let origin = fixture.state.origin
        let admin = try await committee.platform.token("admin.a", .admin, "sz/ft")
        #expect(try await committee.platform.call(.POST, "/jurisdictions", token: admin, json: ["path": Self.c1, "name": "Riverside"]).status == 201)
        let day = CivilDate(daysSinceEpoch: Int(Date().timeIntervalSince1970) / 86_400)
        try await Self.publish(
            committee, day: day,
            counts: ["newConfirmed": 3, "newSuspected": 12, "newCloseContacts": 0, "contactsUnderFollowUp": 5, "quarantined": 40, "referrals": 2])

        // The page links the proof once a final checkpoint covers the entry, with the commands.
        let page = try await Self.page(committee) { $0.contains("class=\"proof\"") }
        let link = try Self.proofLink(page)
        #expect(link == "/public/proofs/\(Self.c1)/\(day)")
        #expect(page.contains("curl -o b.tlog-proof \(committee.node.url)\(link)"), "\(page)")
        #expect(page.contains("curl -o policy \(committee.node.url)/public/policy"))
        #expect(page.contains("vigil verify proof b.tlog-proof --policy policy"))
        #expect(page.contains("<td>&lt;5</td>") && page.contains("<td>12</td>") && !page.contains("<td>3</td>"))
        #expect(!page.contains("staff.a") && !page.contains("staff.b"), "reviewers' names are disclosed")

        // Anyone fetches the proof and the policy without logging in; the proof verifies offline.
        let fetched = try await HTTP.get("\(committee.node.url)\(link)")
        #expect(fetched.status == 200 && fetched.headers["Content-Type"].first?.hasPrefix("text/plain") == true, "\(fetched.text)")
        let policyAnswer = try await HTTP.get("\(committee.node.url)/public/policy")
        #expect(policyAnswer.status == 200, "\(policyAnswer.text)")
        let policy = try Policy(parsing: policyAnswer.text)
        let proof = try TlogProof(parsing: fetched.body)
        let evaluation = try proof.verify(policy: policy)
        #expect(evaluation.isSatisfied && evaluation.checkpoint.origin == origin)
        #expect(policy.text == NodeMachine.checkpointPolicy(for: fixture.state).text)

        // The extra data is the bulletin entry: exactly the counts the page shows, no more.
        let entry = try Entry(parsing: try #require(proof.extra))
        #expect(entry.kind == .bulletin && entry.author == "community.a" && entry.chain == origin)
        let bulletin = try Bulletin(json: entry.body)
        #expect(bulletin.community == Self.c1 && bulletin.day == day.description && !bulletin.zero)
        #expect(bulletin.counts.mapValues(\.description) == [
            "newConfirmed": "<5", "newSuspected": "12", "newCloseContacts": "0", "contactsUnderFollowUp": "5", "quarantined": "40",
        ])
        let text = String(decoding: entry.bytes, as: UTF8.self)
        for secret in ["staff.a", "staff.b", "referrals", "Riverside"] { #expect(!text.contains(secret), "\(secret) is in the bulletin") }

        // A tampered count does not verify, nor does a proof whose entry was swapped.
        let tampered = Array(text.replacingOccurrences(of: "\"newSuspected\":12", with: "\"newSuspected\":13").utf8)
        #expect(tampered != entry.bytes)
        var forged = proof
        forged.extra = tampered
        #expect(throws: LedgerError.self) { try forged.verify(policy: policy) }
        #expect(throws: LedgerError.self) { try proof.verify(entry: tampered, policy: policy) }
        let reparsed = try TlogProof(parsing: Array(proof.formatted.replacingOccurrences(of: "extra ", with: "extra " + "AAAA").utf8))
        #expect(throws: LedgerError.self) { try reparsed.verify(policy: policy) }

        // Every member replays it: the chain's state names the entry as the day's bulletin.
        let replicated = try await eventually {
            await cdc.node.node.chain(slug: "riverside")!.committedState().bulletins["\(Self.c1)@\(day)"] == entry.hash
        }
        #expect(replicated)
        // Reading the page and the proof again submits nothing new.
        for _ in 0..<3 { _ = try await HTTP.get("\(committee.node.url)/public") }
        _ = try await HTTP.get("\(committee.node.url)\(link)")
        #expect(try await Self.bulletinEntries(committee, origin: origin).map(\.hash) == [entry.hash])

        // Unapproved, the report leaves the page and its proof is no longer served; corrected
        // and published again, a second bulletin supersedes the first.
        let b = try await committee.platform.token("staff.b", .community, Self.c1)
        let unapproved = try await committee.platform.call(
            .POST, "/reports/sz~ft~s1~c1/\(day)/unapprove", token: b, json: ["reason": "suspected count was double-counted"])
        #expect(unapproved.status == 200, "\(unapproved.text)")
        let gone = try await HTTP.get("\(committee.node.url)\(link)")
        #expect(gone.status == 404 && gone.problemCode == "not-found", "\(gone.text)")
        #expect(!(try await HTTP.get("\(committee.node.url)/public").text.contains("class=\"proof\"")))
        let version = Int(try #require(unapproved.headers["ETag"].first).filter(\.isNumber))!
        try await Self.publish(committee, day: day, counts: ["newConfirmed": 8, "newSuspected": 6], version: version)
        var second: Entry?
        let superseded = try await eventually {
            let answer = try await HTTP.get("\(committee.node.url)\(link)")
            guard answer.status == 200, let extra = try TlogProof(parsing: answer.body).extra else { return false }
            second = try Entry(parsing: extra)
            return second?.hash != entry.hash
        }
        #expect(superseded)
        let republished = try Bulletin(json: try #require(second).body)
        #expect(republished.counts["newConfirmed"] == .exact(8) && republished.counts["newSuspected"] == .exact(6))
        #expect(try await Self.bulletinEntries(committee, origin: origin).map(\.hash) == [entry.hash, second!.hash])
        let stateMoved = try await eventually {
            await cdc.node.node.chain(slug: "riverside")!.committedState().bulletins["\(Self.c1)@\(day)"] == second!.hash
        }
        #expect(stateMoved)
        let audit = try await committee.store.auditEvents(after: 0, limit: 1000)
        #expect(audit.filter { $0.action == "report.bulletin" && $0.actor == "staff.b" }.count == 2)
    }

    @Test func aBulletinWaitsAsPendingUntilTheChainCanTakeIt() async throws {
        // The nodes do not know where the others are: community.a cannot reach the leader.
        let (fixture, sites) = try await Self.start(connected: false)
        defer { Task { try? await CaseLedgerTests.stop(sites) } }
        let committee = sites["community.a"]!
        let day = CivilDate(daysSinceEpoch: Int(Date().timeIntervalSince1970) / 86_400).addingDays(-1)
        try await Self.publish(committee, day: day, counts: ["newConfirmed": 0, "newSuspected": 7])

        // The publication stands; the bulletin is pending, and so is its proof.
        let report = try await committee.platform.call(.GET, "/reports/sz~ft~s1~c1/\(day)", token: try await committee.platform.token("staff.a", .community, Self.c1))
        #expect(try report.json()["status"] as? String == "published")
        let page = try await HTTP.get("\(committee.node.url)/public").text
        #expect(page.contains("class=\"pending muted\">pending") && !page.contains("class=\"proof\""), "\(page)")
        let early = try await HTTP.get("\(committee.node.url)/public/proofs/\(Self.c1)/\(day)")
        #expect(early.status == 404 && early.problemCode == "pending" && early.headers["Retry-After"].first == "5", "\(early.text)")

        // Once the network heals, the same entry commits: nothing lost, nothing doubled.
        connect(Chains.names.map { sites[$0]!.node }, origin: fixture.state.origin)
        let final = try await Self.page(committee) { $0.contains("class=\"proof\"") }
        #expect(try Self.proofLink(final) == "/public/proofs/\(Self.c1)/\(day)")
        let proof = try TlogProof(parsing: try await HTTP.get("\(committee.node.url)/public/proofs/\(Self.c1)/\(day)").body)
        let entry = try Entry(parsing: try #require(proof.extra))
        #expect(try await Self.bulletinEntries(committee, origin: fixture.state.origin).map(\.hash) == [entry.hash])
        #expect(try Bulletin(json: entry.body).counts == ["newConfirmed": .exact(0), "newSuspected": .exact(7), "newCloseContacts": .exact(0),
            "contactsUnderFollowUp": .exact(0), "quarantined": .exact(0)])
    }

    @Test func aNodeWithoutABulletinChainShowsNoProofs() async throws {
        let platform = try await Platform.start()
        defer { Task { try? await platform.stop() } }
        let a = try await platform.token("staff.a", .community, Platform.c1)
        let b = try await platform.token("staff.b", .community, Platform.c1)
        let path = "/reports/sz~ft~s1~c1/2026-11-20"
        #expect(try await platform.call(.PUT, path, token: a, json: ["counts": Self.allCounts(["newConfirmed": 9])]).status == 201)
        for (action, token) in [("submit", a), ("approve", b), ("publish", b)] {
            #expect(try await platform.call(.POST, "\(path)/\(action)", token: token).status == 200)
        }
        let page = try await HTTP.get("\(platform.node.url)/public").text
        #expect(page.contains("id=\"no-bulletin-chain\"") && page.contains("<td>9</td>"))
        #expect(!page.contains("class=\"proof\"") && !page.contains("pending"))
        let policy = try await HTTP.get("\(platform.node.url)/public/policy")
        #expect(policy.status == 404 && policy.problemCode == "no-bulletin-chain", "\(policy.text)")
        let proof = try await HTTP.get("\(platform.node.url)/public/proofs/\(Platform.c1)/2026-11-20")
        #expect(proof.status == 404 && proof.problemCode == "no-bulletin-chain", "\(proof.text)")
        #expect(try await HTTP.get("\(platform.node.url)/public/proofs/2026-11-20").status == 404)
    }
}
