import Foundation
import Testing
import VigilCommunity
import VigilSurveillance

@Suite struct DailyReportTests {
    let c07 = community("c07")
    let counts = DailyReport.Counts(newSuspected: 2, newConfirmed: 1, contactsUnderFollowUp: 14, quarantined: 9)

    @Test func aReportIsSubmittedApprovedByASecondPersonAndPublished() throws {
        var r = try DailyReport(community: c07, day: march1, counts: counts, by: "grid.li", at: day0)
        try r.submit(by: "grid.li", at: day0 + 10)
        #expect(r.submittedBy == "grid.li")
        try r.approve(by: "committee.wang", at: day0 + 20)
        try r.publish(by: "committee.wang", at: day0 + 30)
        #expect(r.status == .published)
        #expect(r.approvedBy == "committee.wang")
        #expect(r.history.map(\.kind) == [.create, .submit, .approve, .publish])
        #expect(r.history.map(\.by) == ["grid.li", "grid.li", "committee.wang", "committee.wang"])
    }

    @Test func theSubmitterCannotApproveTheirOwnReport() throws {
        var r = try DailyReport(community: c07, day: march1, counts: counts, by: "grid.li", at: day0)
        try r.submit(by: "grid.li", at: day0 + 10)
        let before = r
        let error = try #require(communityError { try r.approve(by: "grid.li", at: day0 + 20) })
        #expect(error == CommunityError(.invalidTransition))
        #expect(error.message.contains("grid.li submitted this report"))
        #expect(r == before)
    }

    @Test func actionsOutOfTurnAreRefusedNamingTheStatus() throws {
        var r = try DailyReport(community: c07, day: march1, counts: counts, by: "grid.li", at: day0)
        let early = communityError { try r.approve(by: "committee.wang", at: day0 + 1) }
        #expect(early == CommunityError(.invalidTransition))
        #expect(early?.message == "cannot approve the sz/ft/xl/c07 report of 2024-03-01 while it is draft")
        #expect(throws: CommunityError(.invalidTransition)) { try r.publish(by: "committee.wang", at: day0 + 1) }
        try r.submit(by: "grid.li", at: day0 + 10)
        #expect(throws: CommunityError(.invalidTransition)) {
            try r.edit(counts: .zero, isZeroReport: true, by: "grid.li", at: day0 + 11)
        }
        #expect(throws: CommunityError(.invalidField)) { try r.approve(by: "committee.wang", at: day0 + 9) }
    }

    @Test func unapprovingNeedsAReasonAndSendsTheReportBackToDraft() throws {
        var r = try DailyReport(community: c07, day: march1, counts: counts, by: "grid.li", at: day0)
        try r.submit(by: "grid.li", at: day0 + 10)
        try r.approve(by: "committee.wang", at: day0 + 20)
        try r.publish(by: "committee.wang", at: day0 + 30)
        #expect(throws: CommunityError(.invalidField)) { try r.unapprove(by: "cdc.zhao", at: day0 + 40, reason: " ") }
        try r.unapprove(by: "cdc.zhao", at: day0 + 40, reason: "confirmed count double-counted")
        #expect(r.status == .draft)
        #expect(r.submittedBy == nil && r.approvedBy == nil)
        #expect(r.history.last?.reason == "confirmed count double-counted")
        var fixed = counts
        fixed.newConfirmed = 0
        try r.edit(counts: fixed, isZeroReport: false, by: "grid.li", at: day0 + 50)
        try r.submit(by: "committee.wang", at: day0 + 60)
        // The earlier submitter may approve now: the rule is about this submission.
        try r.approve(by: "grid.li", at: day0 + 70)
        #expect(r.counts.newConfirmed == 0 && r.status == .approved)
        // Reject returns a submission to draft, with a reason.
        var s = try DailyReport(community: c07, day: march1, counts: counts, by: "grid.li", at: day0)
        try s.submit(by: "grid.li", at: day0 + 10)
        #expect(throws: CommunityError(.invalidField)) { try s.reject(by: "committee.wang", at: day0 + 20, reason: "") }
        try s.reject(by: "committee.wang", at: day0 + 20, reason: "quarantined count missing")
        #expect(s.status == .draft)
    }

    @Test func aZeroReportIsExplicitAndHasOnlyZeroCounts() throws {
        let zero = try DailyReport.zero(community: c07, day: march1, by: "grid.li", at: day0)
        #expect(zero.isZeroReport && zero.counts.isZero)
        let marked = communityError {
            _ = try DailyReport(community: c07, day: march1, counts: counts, isZeroReport: true, by: "grid.li", at: day0)
        }
        #expect(marked == CommunityError(.invalidField) && marked?.message == "a zero report cannot have newSuspected = 2")
        var blank = try DailyReport(community: c07, day: march1, counts: .zero, by: "grid.li", at: day0)
        let unmarked = communityError { try blank.submit(by: "grid.li", at: day0 + 1) }
        #expect(unmarked == CommunityError(.invalidField) && unmarked?.field == "isZeroReport")
        try blank.edit(counts: .zero, isZeroReport: true, by: "grid.li", at: day0 + 2)
        try blank.submit(by: "grid.li", at: day0 + 3)
        #expect(blank.status == .submitted)
        #expect(throws: CommunityError(.invalidField)) {
            try DailyReport(community: c07, day: march1, counts: .init(quarantined: -1), by: "grid.li", at: day0)
        }
        #expect(throws: CommunityError(.invalidField)) {
            try DailyReport(community: household("h1"), day: march1, counts: counts, by: "grid.li", at: day0)
        }
    }

    @Test func missingReportsAreCommunitiesWithoutASubmittedOneThatDay() throws {
        let communities = ["c01", "c02", "c03", "c04", "c05"].map(community)
        var submitted = try DailyReport(community: communities[0], day: march1, counts: counts, by: "a", at: day0)
        try submitted.submit(by: "a", at: day0 + 1)
        var published = try DailyReport.zero(community: communities[1], day: march1, by: "a", at: day0)
        try published.submit(by: "a", at: day0 + 1)
        try published.approve(by: "b", at: day0 + 2)
        try published.publish(by: "b", at: day0 + 3)
        let draft = try DailyReport(community: communities[2], day: march1, counts: counts, by: "a", at: day0)
        var yesterday = try DailyReport(community: communities[3], day: march1.addingDays(-1), counts: counts, by: "a", at: day0)
        try yesterday.submit(by: "a", at: day0 + 1)
        let reports = [submitted, published, draft, yesterday]
        let missing = DailyReport.missing(communities: communities.reversed(), reports: reports, on: march1)
        #expect(missing == [communities[2], communities[3], communities[4]])
    }

    @Test func decodingReplaysHistoryAndRefusesSelfApproval() throws {
        var r = try DailyReport(community: c07, day: march1, counts: counts, by: "grid.li", at: day0)
        try r.submit(by: "grid.li", at: day0 + 10)
        try r.approve(by: "committee.wang", at: day0 + 20)
        let data = try JSONEncoder().encode(r)
        #expect(try JSONDecoder().decode(DailyReport.self, from: data) == r)
        let forged = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "committee.wang", with: "grid.li")
        #expect(throws: CommunityError(.invalidTransition)) { try JSONDecoder().decode(DailyReport.self, from: Data(forged.utf8)) }
        let lying = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"approved\"", with: "\"published\"")
        #expect(throws: CommunityError(.invalidField)) { try JSONDecoder().decode(DailyReport.self, from: Data(lying.utf8)) }
    }
}
