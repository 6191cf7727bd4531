import Foundation
import Testing
import VigilCommunity
import VigilSurveillance

@Suite struct FollowUpTests {
    @Test func aFourteenDayPlanTwiceADayGivesTwentyEightTasksOnItsDaysOnly() throws {
        let plan = try FollowUpPlan(person: "p1", start: march1, periodDays: 14, timesPerDay: 2)
        #expect(plan.end == CivilDate(year: 2024, month: 3, day: 14))
        let all = (-3..<20).flatMap { plan.tasks(on: march1.addingDays($0)) }
        #expect(all.count == 28)
        #expect(plan.tasks(on: march1.addingDays(-1)).isEmpty)
        #expect(plan.tasks(on: march1.addingDays(14)).isEmpty)
        let last = plan.tasks(on: march1.addingDays(13))
        #expect(last.map(\.slot) == [1, 2])
        #expect(last.map(\.dueMinuteOfDay) == [540, 900])
        #expect(last.allSatisfy { $0.dayOfPlan == 14 && $0.timesPerDay == 2 && $0.person == "p1" })
    }

    @Test func dailyTasksAreOrderedAndOnePersonFollowsTheMostFrequentPlan() throws {
        let plans = [
            try FollowUpPlan(person: "zoe", start: march1, periodDays: 14, timesPerDay: 1),
            try FollowUpPlan(person: "amy", start: march1, periodDays: 7, timesPerDay: 2),
            try FollowUpPlan(person: "amy", start: march1.addingDays(2), periodDays: 14, timesPerDay: 4),
            try FollowUpPlan(person: "bob", start: march1.addingDays(5), periodDays: 14, timesPerDay: 3),
        ]
        let day = march1.addingDays(3)
        let tasks = FollowUpPlan.dailyTasks(for: plans, on: day)
        #expect(tasks.map(\.person) == ["amy", "amy", "amy", "amy", "zoe"])
        #expect(tasks.map(\.slot) == [1, 2, 3, 4, 1])
        #expect(tasks[0].dayOfPlan == 2)
        #expect(FollowUpPlan.dailyTasks(for: plans.reversed(), on: day) == tasks)
    }

    @Test(arguments: [(0, 14), (61, 2), (14, 0), (14, 5)])
    func plansOutsideTheLimitsAreRefused(period: Int, times: Int) {
        #expect(throws: CommunityError(.invalidField)) {
            try FollowUpPlan(person: "p", start: march1, periodDays: period, timesPerDay: times)
        }
    }

    @Test func checkInTemperaturesAreValidatedAndFeverStartsAt37point3() throws {
        #expect(try CheckIn(person: "p", time: day0, temperatureCelsius: 37.3).hasFever)
        #expect(try !CheckIn(person: "p", time: day0, temperatureCelsius: 37.2).hasFever)
        #expect(try CheckIn(person: "p", time: day0, temperatureCelsius: 34.0).temperatureCelsius == 34.0)
        #expect(try CheckIn(person: "p", time: day0, temperatureCelsius: 43.0).hasFever)
        for bad in [33.9, 43.1, Double.nan, .infinity] {
            let error = communityError { _ = try CheckIn(person: "p", time: day0, temperatureCelsius: bad) }
            #expect(error == CommunityError(.invalidField) && error?.field == "temperatureCelsius")
        }
        let coughing = try CheckIn(person: "p", time: day0, symptoms: [.cough, .fatigue, Symptom(rawValue: "rash")!])
        #expect(!coughing.hasFever && coughing.isAbnormal)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(coughing), as: UTF8.self)
        #expect(json == #"{"person":"p","symptoms":["cough","fatigue","rash"],"time":1709251200}"#)
        #expect(try JSONDecoder().decode(CheckIn.self, from: Data(json.utf8)) == coughing)
        #expect(Symptom(rawValue: "") == nil)
    }

    @Test func missingCheckInsCountExpectedAndReceivedInLocalTime() throws {
        let plans = [
            try FollowUpPlan(person: "amy", start: march1, periodDays: 14, timesPerDay: 2),
            try FollowUpPlan(person: "bob", start: march1, periodDays: 14, timesPerDay: 2),
            try FollowUpPlan(person: "cat", start: march1, periodDays: 14, timesPerDay: 1),
            try FollowUpPlan(person: "dan", start: march1.addingDays(10), periodDays: 14, timesPerDay: 1),
        ]
        let day = march1.addingDays(1)  // 2024-03-02 in UTC+8 runs from day0 + 86400 - 28800.
        let local: Int64 = 8 * 3600
        let start = day0 + 86_400 - local
        let checkIns = [
            try CheckIn(person: "amy", time: start, temperatureCelsius: 36.5),  // 00:00 local, counts
            try CheckIn(person: "amy", time: start + 86_399),  // 23:59:59 local, counts
            try CheckIn(person: "bob", time: start - 1),  // the day before, local
            try CheckIn(person: "bob", time: start + 36_000),
            try CheckIn(person: "cat", time: start + 40_000),
            try CheckIn(person: "cat", time: start + 50_000),  // more than asked is fine
            try CheckIn(person: "eve", time: start + 40_000),  // no plan: ignored
        ]
        let missing = try FollowUpPlan.missingCheckIns(plans: plans, checkIns: checkIns, on: day, timeZoneOffsetSeconds: local)
        #expect(missing == [MissingCheckIn(person: "bob", day: day, expected: 2, received: 1)])
        // In UTC, amy's first check-in falls on the day before.
        let utc = try FollowUpPlan.missingCheckIns(plans: plans, checkIns: checkIns, on: day, timeZoneOffsetSeconds: 0)
        #expect(utc.map(\.person) == ["amy", "bob"])
        #expect(utc.map(\.received) == [1, 1])
        let none = try FollowUpPlan.missingCheckIns(plans: plans, checkIns: [], on: day, timeZoneOffsetSeconds: local)
        #expect(none.map(\.person) == ["amy", "bob", "cat"])
        #expect(none.map(\.missing) == [2, 2, 1])
        #expect(throws: CommunityError(.invalidField)) {
            try FollowUpPlan.missingCheckIns(plans: plans, checkIns: [], on: day, timeZoneOffsetSeconds: 15 * 3600)
        }
    }
}
