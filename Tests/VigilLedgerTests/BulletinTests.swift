import Testing
import VigilLedger
import VigilTestSupport

/// The `bulletin` entry kind: a published, desensitised daily report. Any voting member may
/// author one; its body has a fixed schema; a later one for the same community and day
/// supersedes the earlier; chains without bulletins keep their digests.
@Suite struct BulletinTests {
    /// A, B and C are members (A leads), S supervises, O observes.
    static func chain() throws -> ChainFixture {
        try ChainFixture(
            origin: "vigil.example/bulletins", members: [("A", .member), ("B", .member), ("C", .member), ("S", .supervisor)], leader: "A")
    }

    static func body(
        community: String = "sz/ft/s1/c1", day: String = "2026-11-20", zero: Bool = false,
        counts: [String: JSONValue] = ["newConfirmed": "<5", "newSuspected": 12, "newCloseContacts": 0, "contactsUnderFollowUp": 5, "quarantined": 40]
    ) -> JSONValue {
        .object(["community": .string(community), "day": .string(day), "zero": .bool(zero), "counts": .object(counts)])
    }

    /// Applies `body` as a bulletin by `author` to a copy of `chain`; expects it refused as
    /// malformed with a message naming `reason`, and the state unchanged.
    static func expectRefused(_ body: JSONValue, by author: String = "B", on chain: ChainFixture, because reason: String,
        sourceLocation: SourceLocation = #_sourceLocation) throws
    {
        var fixture = chain
        let entry = try fixture.sign(.bulletin, by: author, body: body)
        var state = chain.state
        let digest = state.digest
        do {
            try state.apply(entry)
            Issue.record("bulletin \(body) was accepted", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.contains(reason), "refused for another reason: \(error.message)", sourceLocation: sourceLocation)
            #expect(state.digest == digest && state.size == chain.state.size, sourceLocation: sourceLocation)
        }
    }

    @Test func anyMemberPublishesABulletinAndALaterOneSupersedesIt() throws {
        var chain = try Self.chain()
        let first = try chain.append(.bulletin, by: "B", body: Self.body())
        #expect(chain.state.bulletins == ["sz/ft/s1/c1@2026-11-20": first.hash])
        #expect(chain.state.contains(entry: first.hash))
        // A supervisor may publish one too, for another day; a zero report has only zeros.
        let zero = try chain.append(.bulletin, by: "S", body: Self.body(day: "2026-11-21", zero: true, counts: ["newConfirmed": 0, "quarantined": 0]))
        // Republished after a correction: the later entry is the bulletin of that day.
        let second = try chain.append(.bulletin, by: "C", body: Self.body(counts: ["newConfirmed": 7]))
        #expect(chain.state.bulletins == ["sz/ft/s1/c1@2026-11-20": second.hash, "sz/ft/s1/c1@2026-11-21": zero.hash])
        #expect(chain.state.size == 4)
        let summary = chain.state.summary
        #expect(summary["bulletins"]?["sz/ft/s1/c1@2026-11-20"]?.stringValue == second.hash.hex)
        // Replay gives the same state.
        #expect(ChainState.replay(chain.entries).state?.digest == chain.state.digest)

        // The body reads back as the page shows it.
        let parsed = try Bulletin(json: first.body)
        #expect(parsed.counts["newConfirmed"]?.description == "<5" && parsed.counts["newSuspected"] == .exact(12))
        #expect(parsed.counts["contactsUnderFollowUp"]?.description == "5" && parsed.counts["newCloseContacts"]?.description == "0")
        #expect(try Bulletin(json: parsed.json) == parsed)
    }

    @Test func theDesensitisingRuleShowsOneToFourAsARange() throws {
        #expect((0...7).map { Bulletin.Count(disclosing: $0).description } == ["0", "<5", "<5", "<5", "<5", "5", "6", "7"])
        let bulletin = try Bulletin(
            community: "sz/ft/s1/c1", day: "2026-11-20", zero: false, rawCounts: ["newConfirmed": 3, "newSuspected": 12, "quarantined": 0])
        #expect(bulletin.json["counts"] == .object(["newConfirmed": "<5", "newSuspected": 12, "quarantined": 0]))
        #expect(throws: LedgerError.self) { try Bulletin(community: "sz/ft/s1/c1", day: "2026-11-20", zero: false, rawCounts: ["newConfirmed": -1]) }
    }

    @Test func malformedBulletinsAreRefused() throws {
        let chain = try Self.chain()
        let cases: [(JSONValue, String)] = [
            (Self.body(day: "2026-02-30"), "bulletin.day"),
            (Self.body(day: "20261120"), "bulletin.day"),
            (Self.body(community: "sz/ft/s1/c 1"), "bulletin.community"),
            (Self.body(community: ""), "bulletin.community"),
            (Self.body(community: "a/b/c/d/e/f/g/h"), "bulletin.community"),
            (Self.body(counts: ["newConfirmed": 3]), "bulletin.counts.newConfirmed"),
            (Self.body(counts: ["newConfirmed": 1]), "bulletin.counts.newConfirmed"),
            (Self.body(counts: ["newConfirmed": -5]), "bulletin.counts.newConfirmed"),
            (Self.body(counts: ["newConfirmed": 5.5]), "bulletin.counts.newConfirmed"),
            (Self.body(counts: ["newConfirmed": "<6"]), "bulletin.counts.newConfirmed"),
            (Self.body(counts: ["newConfirmed": "3"]), "bulletin.counts.newConfirmed"),
            (Self.body(counts: ["newConfirmed": .null]), "bulletin.counts.newConfirmed"),
            (Self.body(counts: ["name": "Chen Jing"]), "\"name\" that is not in its schema"),
            (Self.body(counts: [:]), "bulletin.counts is empty"),
            (Self.body(zero: true, counts: ["newConfirmed": 5]), "not 0 in a zero report"),
            (.object(["community": "sz/ft/s1/c1", "day": "2026-11-20", "zero": false]), "bulletin.counts is missing"),
            (.object(["community": "sz/ft/s1/c1", "day": "2026-11-20", "zero": "no", "counts": .object(["quarantined": 0])]), "bulletin.zero"),
            (.array([Self.body()]), "bulletin is not a JSON object"),
        ]
        for (body, reason) in cases { try Self.expectRefused(body, on: chain, because: reason) }
        // Unknown fields, such as a reviewer's name, have nowhere to go.
        guard case .object(var fields) = Self.body() else { return }
        fields["approvedBy"] = "staff.b"
        try Self.expectRefused(.object(fields), on: chain, because: "\"approvedBy\" that is not in its schema")
    }

    @Test func observersAndOutsidersCannotPublishBulletins() throws {
        var chain = try ChainFixture(
            origin: "vigil.example/bulletins", members: [("A", .member), ("B", .member), ("O", .observer)], leader: "A")
        let byObserver = try chain.sign(.bulletin, by: "O", body: Self.body())
        let byOutsider = try chain.sign(.bulletin, by: "X", body: Self.body())
        var state = chain.state
        #expect(throws: LedgerError.self) { try state.apply(byObserver) }
        #expect(throws: LedgerError.self) { try state.apply(byOutsider) }
        #expect(state.bulletins.isEmpty)
        // The same entry twice is refused the second time.
        let entry = try chain.append(.bulletin, by: "B", body: Self.body())
        #expect(throws: LedgerError.self) { try chain.apply(entry) }
    }

    /// The state of a chain without bulletins is the one the code before the kind existed gave
    /// (the digest below was computed by it, at commit 44b224f, with Linux swift-crypto's
    /// deterministic Ed25519): no new field, the same digest.
    @Test func chainsWithoutBulletinsKeepTheirDigest() throws {
        var chain = try Self.chain()
        let report = try chain.propose(.suspectedCase, by: "B", data: ChainFixture.suspectedCase(nationalID: "110101199001011234"))
        try chain.vote(report, by: "A")
        try chain.vote(report, by: "C")
        try chain.order(by: "A", to: ["all"], text: "test the wells")
        try chain.append(.outcome, by: "C", body: .object(["proposal": .string(report.hex), "result": .string("confirmed")]))
        let rejected = try chain.propose(.stage, by: "C", data: .object(["stage": .string("alert")]))
        try chain.vote(rejected, by: "S", approve: false, reason: "too early")
        #expect(chain.state.summary["bulletins"] == nil)
        #expect(chain.state.digest.hex == Self.goldenDigest)
        // A bulletin changes it.
        try chain.append(.bulletin, by: "A", body: Self.body())
        #expect(chain.state.digest.hex != Self.goldenDigest)
    }

    static let goldenDigest = "202d1302bdf1fd63c39b5cc41cc00babab6b04477c92cdb27f861b3001360459"
}
