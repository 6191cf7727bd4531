import Foundation
import Testing
import VigilCommunity
import VigilSurveillance

@Suite struct SituationTests {
    static let c1 = try! JurisdictionPath("sz/ft/s1/c1")
    static let c2 = try! JurisdictionPath("sz/ft/s1/c2")
    static let end = CivilDate(year: 2026, month: 3, day: 31)

    /// Reports of `community` whose confirmed counts are `series`, ending on `end`.
    static func reports(_ community: JurisdictionPath, _ series: [Int]) throws -> [DailyReport] {
        try series.enumerated().map { offset, count in
            try DailyReport(
                community: community, day: end.addingDays(offset - series.count + 1), counts: .init(newSuspected: count + 1, newConfirmed: count),
                isZeroReport: false, by: "a", at: 0)
        }
    }

    @Test func aSpikeAfterQuietDaysIsAnAlarmAndTheCurveSumsCommunities() throws {
        let quiet = [Int](repeating: 0, count: 40) + [0, 1, 0, 0, 1, 0, 0, 0, 0, 9]
        let reports = try Self.reports(Self.c1, quiet) + Self.reports(Self.c2, [Int](repeating: 1, count: 50))
        let picture = Situation.analyse(reports: reports, communities: [Self.c2, Self.c1], through: Self.end)
        #expect(picture.days.count == 60 && picture.days.last?.date == Self.end)
        #expect(picture.days.last?.confirmed == 10 && picture.days.last?.suspected == 12)
        // Days before the first report count zero.
        #expect(picture.days.first?.confirmed == 0)
        #expect(picture.days.last?.alarm == true, "\(String(describing: picture.days.last))")
        #expect(picture.days.dropLast().allSatisfy { !$0.alarm }, "a steady count is an alarm")
        #expect(picture.days[9].threshold != nil && picture.days[8].threshold == nil, "EARS C2 needs 10 days of baseline and lag")
        // Communities sorted; c1's alarm and cases make it medium, c2's steady cases medium too.
        #expect(picture.communities.map(\.community) == [Self.c1, Self.c2])
        #expect(picture.communities[0].recent == 11 && picture.communities[0].cumulative == 11)
        #expect(picture.communities.allSatisfy { $0.assessment.level == .medium })
    }

    @Test func rtIsAboveOneWhileCasesGrowBelowWhenTheyFallAndAbsentWithFewCases() throws {
        let growing = (0..<40).map { Int((2 * pow(1.12, Double($0))).rounded()) }
        let up = Situation.analyse(reports: try Self.reports(Self.c1, growing), communities: [Self.c1], through: Self.end)
        let last = try #require(up.days.last?.rt)
        #expect(last.mean > 1.3 && last.low > 1 && last.low < last.mean && last.mean < last.high, "\(last)")
        let falling = Situation.analyse(reports: try Self.reports(Self.c1, growing.reversed()), communities: [Self.c1], through: Self.end)
        let fell = try #require(falling.days.last?.rt)
        #expect(fell.mean < 1 && fell.high < 1, "\(fell)")
        // A window with fewer than 12 cases gets no estimate.
        let few = Situation.analyse(reports: try Self.reports(Self.c1, [Int](repeating: 1, count: 30)), communities: [Self.c1], through: Self.end)
        #expect(few.days.allSatisfy { $0.rt == nil })
        #expect(few.days.count == 60)
    }

    @Test func aCommunityWithoutCasesIsLowAndReportsOutsideThePeriodAreIgnored() throws {
        let old = try DailyReport(
            community: Self.c2, day: Self.end.addingDays(-100), counts: .init(newConfirmed: 500), isZeroReport: false, by: "a", at: 0)
        let picture = Situation.analyse(reports: [old], communities: [Self.c2], through: Self.end)
        #expect(picture.communities.first?.assessment.level == .low)
        #expect(picture.communities.first?.reported == false && picture.communities.first?.cumulative == 0)
        #expect(picture.days.allSatisfy { $0.confirmed == 0 })
    }
}
