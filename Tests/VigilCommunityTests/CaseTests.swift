import Foundation
import Testing
import VigilCommunity
import VigilSurveillance

@Suite struct CaseTests {
    func newCase(_ status: Case.Status = .suspect) throws -> Case {
        try Case(id: CaseID("c1"), person: "p1", status: status, onset: march1, reportedBy: "clinic.nurse", at: day0)
    }

    @Test func aSuspectBecomesProbableThenConfirmedWithWhoAndWhen() throws {
        var c = try newCase()
        try c.transition(to: .probable, by: "cdc.a", at: day0 + 60)
        try c.transition(to: .confirmed, by: "cdc.b", at: day0 + 120)
        #expect(c.status == .confirmed)
        #expect(c.history.map(\.to) == [.suspect, .probable, .confirmed])
        #expect(c.history.map(\.from) == [nil, .suspect, .probable])
        #expect(c.history.map(\.by) == ["clinic.nurse", "cdc.a", "cdc.b"])
        #expect(c.reportedAt == day0)
    }

    @Test(arguments: [
        (Case.Status.confirmed, Case.Status.suspect), (.confirmed, .probable), (.ruledOut, .probable), (.ruledOut, .confirmed),
        (.suspect, .suspect),
    ])
    func refusedTransitionsNameBothStatuses(from: Case.Status, to: Case.Status) throws {
        var c = try newCase()
        switch from {
        case .suspect: break
        case .confirmed: try c.transition(to: .confirmed, by: "cdc.a", at: day0 + 1)
        case .ruledOut: try c.transition(to: .ruledOut, by: "cdc.a", at: day0 + 1)
        case .probable: try c.transition(to: .probable, by: "cdc.a", at: day0 + 1)
        }
        let before = c
        let error = try #require(communityError { try c.transition(to: to, by: "cdc.b", at: day0 + 2, reason: "because") })
        #expect(error == CommunityError(.invalidTransition))
        #expect(error.message == "case c1 cannot go from \(from) to \(to)")
        #expect(c == before)
    }

    @Test func ruledOutReopensToSuspectOnlyWithAReason() throws {
        var c = try newCase()
        try c.transition(to: .ruledOut, by: "cdc.a", at: day0 + 1)
        #expect(throws: CommunityError(.invalidField)) { try c.transition(to: .suspect, by: "cdc.a", at: day0 + 2) }
        #expect(throws: CommunityError(.invalidField)) { try c.transition(to: .suspect, by: "cdc.a", at: day0 + 2, reason: "  ") }
        try c.transition(to: .suspect, by: "cdc.a", at: day0 + 2, reason: "new exposure reported")
        #expect(c.status == .suspect)
        #expect(c.history.last?.reason == "new exposure reported")
    }

    @Test func aConfirmedCaseIsRetractedOnlyWithAReason() throws {
        var c = try newCase(.confirmed)
        #expect(throws: CommunityError(.invalidField)) { try c.transition(to: .ruledOut, by: "cdc.a", at: day0 + 1) }
        try c.transition(to: .ruledOut, by: "cdc.a", at: day0 + 1, reason: "false-positive PCR")
        #expect(c.status == .ruledOut)
    }

    @Test func aCaseCannotOpenAsRuledOutNorGoBackInTime() throws {
        #expect(throws: CommunityError(.invalidTransition)) { try newCase(.ruledOut) }
        var c = try newCase()
        let error = communityError { try c.transition(to: .probable, by: "cdc.a", at: day0 - 1) }
        #expect(error == CommunityError(.invalidField))
        #expect(error?.field == "at")
    }

    @Test func decodingReplaysTheHistoryAndRefusesAnImpossibleOne() throws {
        var c = try newCase()
        try c.transition(to: .confirmed, by: "cdc.a", at: day0 + 5)
        let data = try JSONEncoder().encode(c)
        #expect(try JSONDecoder().decode(Case.self, from: data) == c)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"onset\":\"2024-03-01\""))
        // Tamper: confirmed → suspect without passing the lifecycle.
        var forged = try newCase()
        try forged.transition(to: .confirmed, by: "cdc.a", at: day0 + 5)
        var json = try #require(JSONSerialization.jsonObject(with: try JSONEncoder().encode(forged)) as? [String: Any])
        var history = try #require(json["history"] as? [[String: Any]])
        history.append(["from": "confirmed", "to": "suspect", "by": "x", "at": day0 + 6])
        json["history"] = history
        let bad = try JSONSerialization.data(withJSONObject: json)
        #expect(throws: CommunityError(.invalidTransition)) { try JSONDecoder().decode(Case.self, from: bad) }
    }

    @Test func theTransitionTableIsTheDocumentedOne() {
        #expect(Case.Status.suspect.allowedNext == [.probable, .confirmed, .ruledOut])
        #expect(Case.Status.probable.allowedNext == [.suspect, .confirmed, .ruledOut])
        #expect(Case.Status.confirmed.allowedNext == [.ruledOut])
        #expect(Case.Status.ruledOut.allowedNext == [.suspect])
    }
}
