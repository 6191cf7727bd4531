import Foundation
import Testing
import VigilCommunity
import VigilSurveillance

/// Day `n` after 2024-03-01.
private func d(_ n: Int) -> CivilDate { march1.addingDays(n) }
private func path(_ text: String) -> JurisdictionPath { try! JurisdictionPath(text) }
private let street = path("sz/ft/xl")
private let district = path("sz/ft")
/// c01 ... c12 of street `sz/ft/xl`.
private let twelve = (1...12).map { community($0 < 10 ? "c0\($0)" : "c\($0)") }
private let ili = try! Syndrome("ili")
private let diarrhoea = try! Syndrome("diarrhoea")

private func plan(
    _ id: String, _ trigger: PlanTrigger, level: ResponseLevel = .iii, scope: JurisdictionPath = street,
    type: EmergencyEventType = .respiratory, actions: [PlanAction]? = nil, deactivateAfterDays: Int = 7
) throws -> EmergencyPlan {
    try EmergencyPlan(
        id: EmergencyPlanID(id), title: "Plan \(id)", eventType: type, level: level, scope: scope, trigger: trigger,
        actions: actions ?? [.proposeStage(try .init(stage: "alert"))], deactivateAfterDays: deactivateAfterDays)
}

private func alarmDays(_ entries: [(JurisdictionPath, Int, [Syndrome])], communities: [JurisdictionPath] = twelve) throws -> PlanInputs {
    try PlanInputs(communities: communities, days: entries.map { try .init(community: $0.0, day: d($0.1), alarms: $0.2) })
}

/// The reasons if `trigger` holds for a plan over `scope` on `day`, else nil.
private func check(_ trigger: PlanTrigger, _ inputs: PlanInputs, on day: CivilDate = d(0), scope: JurisdictionPath = street) throws
    -> [String]?
{
    try PlanEvaluator(inputs: inputs).reasons(for: plan("p", trigger, scope: scope), on: day)?.map(\.text)
}

private func fieldOf(_ body: () throws -> Void) -> String? { communityError(body)?.field }

private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(json.utf8))
}

@Suite struct EmergencyPlanTests {
    // MARK: Triggers at their boundaries

    @Test func alarmsNeedKCommunitiesWithinTheLastDDaysDIncluded() throws {
        let k3 = PlanTrigger.alarms(try .init(communities: 3, days: 7))
        // c01, c02 today; c03 six days ago (the window's first day).
        var inputs = try alarmDays([(twelve[0], 0, [ili]), (twelve[1], 0, [ili, diarrhoea]), (twelve[2], -6, [ili])])
        #expect(try check(k3, inputs) == ["alarms in 3 of 12 communities in the last 7 days ≥ 3"])
        #expect(try check(k3, inputs, on: d(1)) == nil)  // c03's alarm left the window
        #expect(try check(k3, inputs, on: d(-1)) == nil)  // c01, c02 not yet
        // Seven days ago is outside a 7-day window: k − 1 communities.
        inputs = try alarmDays([(twelve[0], 0, [ili]), (twelve[1], 0, [ili]), (twelve[2], -7, [ili])])
        #expect(try check(k3, inputs) == nil)
        #expect(try check(.alarms(try .init(communities: 3, days: 8)), inputs) != nil)
        // Several alarms in one community count once.
        inputs = try alarmDays([(twelve[0], 0, [ili]), (twelve[0], -1, [ili]), (twelve[1], -2, [ili, diarrhoea])])
        #expect(try check(.alarms(try .init(communities: 2, days: 7)), inputs) == ["alarms in 2 of 12 communities in the last 7 days ≥ 2"])
        #expect(try check(k3, inputs) == nil)
    }

    @Test func alarmsCanBeCountedForOneSyndromeAndOnlyInsideTheScope() throws {
        let outside = [path("sz/ft/xl-2/c01"), path("sz/ft/xm/c01"), path("sz/ft/xl.b/c02")]
        let inputs = try alarmDays(
            [(twelve[0], 0, [ili]), (twelve[1], 0, [diarrhoea]), (outside[0], 0, [ili]), (outside[1], 0, [ili]), (outside[2], 0, [ili])],
            communities: twelve + outside)
        #expect(try check(.alarms(try .init(communities: 2, days: 1)), inputs) == ["alarms in 2 of 12 communities in the last 1 days ≥ 2"])
        #expect(try check(.alarms(try .init(communities: 2, days: 1, syndrome: ili)), inputs) == nil)
        #expect(try check(.alarms(try .init(communities: 1, days: 1, syndrome: ili)), inputs) == ["alarms (ili) in 1 of 12 communities in the last 1 days ≥ 1"])
        #expect(try check(.alarms(try .init(communities: 1, days: 1, syndrome: try Syndrome("measles"))), inputs) == nil)
        // The district sees all fifteen communities; one community sees itself.
        #expect(try check(.alarms(try .init(communities: 5, days: 1)), inputs, scope: district) == ["alarms in 5 of 15 communities in the last 1 days ≥ 5"])
        #expect(try check(.alarms(try .init(communities: 1, days: 1)), inputs, scope: twelve[1]) == ["alarms in 1 of 1 communities in the last 1 days ≥ 1"])
        #expect(try check(.alarms(try .init(communities: 1, days: 1)), inputs, scope: twelve[2]) == nil)
    }

    @Test func rtMustExceedTheValueOnEachOfDConsecutiveDays() throws {
        func inputs(_ lower: [Double?], mean: Double = 1.5) throws -> PlanInputs {
            let points = try lower.enumerated().compactMap { i, v in try v.map { try PlanInputs.Rt(day: d(i - lower.count + 1), mean: max(mean, $0), lower: $0) } }
            return try PlanInputs(communities: twelve, scopes: [try .init(scope: street, rt: points)])
        }
        let rt3 = PlanTrigger.rt(try .init(statistic: .lowerBound, above: 1.2, days: 3))
        #expect(try check(rt3, inputs([1.1, 1.25, 1.3, 1.32])) == ["Rt lower bound 1.32 > 1.2 for 3 days"])
        #expect(try check(rt3, inputs([1.25, 1.3, 1.32])) != nil)
        #expect(try check(rt3, inputs([1.3, 1.25, 1.3, 1.3214])) == ["Rt lower bound 1.32 > 1.2 for 4 days (≥ 3)"])
        #expect(try check(rt3, inputs([1.1, 1.3, 1.32])) == nil)  // d − 1 days
        #expect(try check(rt3, inputs([1.2, 1.3, 1.32])) == nil)  // equal is not above
        #expect(try check(rt3, inputs([1.3, nil, 1.3, 1.32])) == nil)  // a day without an estimate breaks the run
        #expect(try check(rt3, inputs([1.3, 1.3, 1.32]), on: d(1)) == nil)  // no estimate today
        #expect(try check(rt3, inputs([1.3, 1.3, 1.2001])) == ["Rt lower bound 1.2001 > 1.2 for 3 days"])
        // The mean reacts while the lower bound does not.
        let mean = PlanTrigger.rt(try .init(statistic: .mean, above: 1.2, days: 3))
        #expect(try check(mean, inputs([1.0, 1.0, 1.0])) == ["Rt mean 1.5 > 1.2 for 3 days"])
        #expect(try check(rt3, inputs([1.0, 1.0, 1.0])) == nil)
        // Another scope's estimates do not count.
        #expect(try check(rt3, inputs([1.3, 1.3, 1.3]), scope: district) == nil)
    }

    @Test func riskLevelsCountCommunitiesAtOrAboveTheLevelOrNameOne() throws {
        func inputs(_ levels: [RiskLevel?]) throws -> PlanInputs {
            try PlanInputs(communities: twelve, days: levels.enumerated().map { try .init(community: twelve[$0], day: d(0), riskLevel: $1) })
        }
        let two = PlanTrigger.riskLevel(try .init(atLeast: .medium, communities: 2))
        #expect(try check(two, inputs([.high, .medium, .low])) == ["risk level ≥ medium in 2 of 12 communities ≥ 2"])
        #expect(try check(two, inputs([.high, .low, .low])) == nil)
        #expect(try check(two, inputs([.high, nil, .low])) == nil)  // no level counts as below every level
        #expect(try check(two, inputs([.high, .medium]), on: d(1)) == nil)
        let named = PlanTrigger.riskLevel(try .init(atLeast: .high, community: twelve[0]))
        #expect(try check(named, inputs([.high])) == ["community sz/ft/xl/c01 at risk level high ≥ high"])
        #expect(try check(named, inputs([.medium])) == nil)
        #expect(try check(named, inputs([nil, .high])) == nil)
    }

    @Test func occupancyIsOccupiedOverTotalBedsAtLeastTheFraction() throws {
        func inputs(_ occupied: Int, _ total: Int) throws -> PlanInputs {
            try PlanInputs(scopes: [try .init(scope: street, beds: [try .init(day: d(0), occupied: occupied, total: total)])])
        }
        let f = PlanTrigger.occupancy(try .init(atLeast: 0.85))
        #expect(try check(f, inputs(85, 100)) == ["hospital occupancy 0.85 (85 of 100 beds) ≥ 0.85"])
        #expect(try check(f, inputs(17, 20)) != nil)
        #expect(try check(f, inputs(84, 100)) == nil)
        #expect(try check(f, inputs(0, 0)) == nil)
        #expect(try check(f, inputs(85, 100), on: d(1)) == nil)  // no count that day
        #expect(try check(.occupancy(try .init(atLeast: 1)), inputs(3, 3)) == ["hospital occupancy 1 (3 of 3 beds) ≥ 1"])
    }

    @Test func confirmedCasesAreSummedOverTheLastDDays() throws {
        func inputs(_ counts: [Int: Int]) throws -> PlanInputs {
            try PlanInputs(scopes: [try .init(scope: street, confirmed: counts.map { try .init(day: d($0.key), count: $0.value) })])
        }
        let n20 = PlanTrigger.cases(try .init(atLeast: 20, days: 7))
        #expect(try check(n20, inputs([-7: 10, -6: 5, 0: 15])) == ["confirmed cases in the last 7 days 20 ≥ 20"])
        #expect(try check(n20, inputs([-7: 10, -6: 4, 0: 15])) == nil)
        #expect(try check(n20, inputs([-7: 10, -6: 5, 0: 15]), on: d(1)) == nil)  // day −6 left the window
        #expect(try check(n20, inputs([-30: 50, 10: 50])) == nil)
        #expect(try check(n20, inputs([0: 20]), on: d(6)) != nil)
    }

    @Test func allNeedsEveryConditionAndAnyListsThoseThatHeld() throws {
        let inputs = try PlanInputs(
            communities: twelve, days: [try .init(community: twelve[0], day: d(0), alarms: [ili])],
            scopes: [try .init(scope: street, confirmed: [try .init(day: d(0), count: 30)])])
        let alarm = PlanTrigger.alarms(try .init(communities: 1, days: 1))
        let cases = PlanTrigger.cases(try .init(atLeast: 20, days: 1))
        let beds = PlanTrigger.occupancy(try .init(atLeast: 0.5))
        #expect(try check(.all([alarm, cases]), inputs) == ["alarms in 1 of 12 communities in the last 1 days ≥ 1", "confirmed cases in the last 1 days 30 ≥ 20"])
        #expect(try check(.all([alarm, beds]), inputs) == nil)
        #expect(try check(.any([beds, cases]), inputs) == ["confirmed cases in the last 1 days 30 ≥ 20"])
        #expect(try check(.any([beds, .all([alarm, beds])]), inputs) == nil)
        #expect(try check(.all([.any([beds, alarm]), cases]), inputs)?.count == 2)
    }

    // MARK: Activation, persistence, escalation

    @Test func anActivationPersistsAndEndsAfterTheTriggerIsFalseForTheConfiguredDays() throws {
        // Cases on days 0, 1, 2 and again on 4; the plan ends after 3 false days.
        let counts = [0: 5, 1: 5, 2: 5, 4: 5, 12: 5]
        let inputs = try PlanInputs(scopes: [try .init(scope: street, confirmed: counts.map { try .init(day: d($0.key), count: $0.value) })])
        let p = try plan("resp", .cases(try .init(atLeast: 5, days: 1)), deactivateAfterDays: 3)
        let evaluator = PlanEvaluator(inputs: inputs)
        let days = try evaluator.evaluate([p], from: d(-1), through: d(13))
        let events = days.flatMap(\.events).map { "\($0.day) \($0.kind)" }
        // Held on 4 (one false day, 3) keeps it; false on 5, 6, 7: 7 − 4 = 3 ends it; 12 activates anew.
        #expect(events == ["2024-03-01 activated", "2024-03-08 deactivated", "2024-03-13 activated"])
        #expect(days[1].events[0].actions == p.actions)
        #expect(days[1].events[0].reasons.map(\.text) == ["confirmed cases in the last 1 days 5 ≥ 5"])
        #expect(days[5].activations.first?.lastHeldOn == d(4))
        #expect(days[5].activations.first?.activatedOn == d(0))
        #expect(days[8].events[0].summary == "ended: trigger false for 3 days since 2024-03-06 (ends after 3)")
        #expect(days[8].activations.isEmpty)
        // Day by day with the previous day's activations gives the same as the replay.
        var previous: [PlanActivation] = []
        for (i, expected) in days.enumerated() {
            let one = try evaluator.evaluate([p], on: d(i - 1), previousActivations: previous)
            #expect(one == expected)
            previous = one.activations
        }
        // Evaluating the same day again issues nothing new.
        let again = try evaluator.evaluate([p], on: d(0), previousActivations: days[1].activations)
        #expect(again.events.isEmpty && again.activations == days[1].activations)
        // With deactivateAfterDays 1 it ends on the first false day.
        let quick = try evaluator.evaluate([try plan("resp", p.trigger, deactivateAfterDays: 1)], from: d(0), through: d(4))
        #expect(quick.flatMap(\.events).map { "\($0.day) \($0.kind)" } == ["2024-03-01 activated", "2024-03-04 deactivated", "2024-03-05 activated"])
    }

    @Test func aPlanMadeInactiveOrRemovedEndsItsActivation() throws {
        let inputs = try PlanInputs(scopes: [try .init(scope: street, confirmed: [try .init(day: d(0), count: 9)])])
        let p = try plan("resp", .cases(try .init(atLeast: 5, days: 30)))
        let evaluator = PlanEvaluator(inputs: inputs)
        let first = try evaluator.evaluate([p], on: d(0))
        #expect(first.activations.count == 1)
        let off = try EmergencyPlan(
            id: p.id, title: p.title, eventType: p.eventType, level: p.level, scope: p.scope, trigger: p.trigger, actions: p.actions,
            isActive: false, version: 1)
        let ended = try evaluator.evaluate([off], on: d(1), previousActivations: first.activations)
        #expect(ended.events.map(\.kind) == [.deactivated] && ended.events[0].summary == "ended: the plan was made inactive")
        let removed = try evaluator.evaluate([], on: d(1), previousActivations: first.activations)
        #expect(removed.events.map(\.summary) == ["ended: the plan was removed"] && removed.activations.isEmpty)
    }

    @Test func theHighestLevelWinsAndLowerPlansOfTheTypeAreSupersededThenReinstated() throws {
        // Cases 10 a day on days 0-9 in the street; the level-II plan needs 50 in 7 days (days 4-12).
        let inputs = try PlanInputs(
            scopes: [try .init(scope: street, confirmed: (0..<10).map { try .init(day: d($0), count: 10) })])
        let any = PlanTrigger.cases(try .init(atLeast: 10, days: 1))
        let many = PlanTrigger.cases(try .init(atLeast: 50, days: 7))
        let stage = { (s: String) in [PlanAction.proposeStage(try! .init(stage: s))] }
        let plans = [
            try plan("r4-street", any, level: .iv, actions: stage("alert")),
            try plan("r3-street", any, level: .iii, actions: stage("alert"), deactivateAfterDays: 30),
            try plan("r2-street", many, level: .ii, actions: stage("response"), deactivateAfterDays: 2),
            try plan("r1-other-street", any, level: .i, scope: path("sz/ft/xm")),  // another street: no data, and it covers not ours
            try plan("e1-enteric", any, level: .i, type: .enteric, actions: stage("response")),
        ]
        let days = try PlanEvaluator(inputs: inputs).evaluate(plans, from: d(0), through: d(16))
        let day0 = days[0].events.map { "\($0.kind) \($0.plan) \($0.supersededBy?.description ?? "-")" }
        #expect(day0 == ["activated e1-enteric -", "activated r3-street -", "superseded r4-street r3-street"])
        #expect(days[0].events[2].reasons.count == 1 && days[0].events[2].actions.isEmpty)
        // Day 4: 50 cases in the last 7 days: level II takes over the street.
        let day4 = days[4].events.map { "\($0.kind) \($0.plan) \($0.supersededBy?.description ?? "-")" }
        #expect(day4 == ["activated r2-street -", "superseded r3-street r2-street"])
        #expect(days[4].actions == stage("response"))
        #expect(days[4].activations.first { $0.plan.rawValue == "r4-street" }?.supersededBy?.rawValue == "r2-street")
        // Level II holds on days 4-11 (cases on ≥ 5 of the last 7 days) and ends two false days later, on day 13.
        let ends = days.firstIndex { $0.events.contains { $0.kind == .deactivated && $0.plan.rawValue == "r2-street" } }!
        let lastHeld = days[ends - 1].activations.first { $0.plan.rawValue == "r2-street" }!.lastHeldOn
        #expect(lastHeld == d(11) && ends == 13)
        let deescalation = days[ends].events.map { "\($0.kind) \($0.plan)" }
        #expect(deescalation == ["reinstated r3-street", "deactivated r2-street"])
        #expect(days[ends].actions == stage("alert"))
        #expect(days[ends].activations.first { $0.plan.rawValue == "r4-street" }?.supersededBy?.rawValue == "r3-street")
        #expect(!days.flatMap(\.events).contains { $0.plan.rawValue == "r1-other-street" })
    }

    @Test func aHigherLevelPlanOfANarrowerScopeDoesNotSupersedeAWiderOne() throws {
        let inputs = try PlanInputs(
            communities: twelve, days: [try .init(community: twelve[0], day: d(0), alarms: [ili])],
            scopes: [])
        let alarm = PlanTrigger.alarms(try .init(communities: 1, days: 1))
        let plans = [
            try plan("district-iii", alarm, level: .iii, scope: district),
            try plan("community-i", alarm, level: .i, scope: twelve[0]),
            try plan("street-iv", alarm, level: .iv, scope: street),
            try plan("street-ii", alarm, level: .ii, scope: street),
        ]
        let e = try PlanEvaluator.evaluate(plans: plans, inputs: inputs, on: d(0))
        #expect(e.events.map { "\($0.kind) \($0.plan) \($0.supersededBy?.description ?? "-")" } == [
            "activated community-i -", "activated street-ii -", "activated district-iii -", "superseded street-iv street-ii",
        ])
    }

    @Test func theSameInputsInAnyOrderGiveTheSameEvaluation() throws {
        var rng = SplitMix64(state: 7)
        var days: [PlanInputs.CommunityDay] = []
        for c in twelve {
            for n in -20...20 where Int.random(in: 0..<4, using: &rng) == 0 {
                let alarms = [ili, diarrhoea].filter { _ in Bool.random(using: &rng) }
                days.append(try .init(community: c, day: d(n), alarms: alarms, riskLevel: RiskLevel(rawValue: Int.random(in: 0...2, using: &rng))))
            }
        }
        let scope = try PlanInputs.Scope(
            scope: street, rt: (-20...20).map { try .init(day: d($0), mean: 1.5, lower: Double($0 + 20) / 30) },
            beds: (-20...20).map { try .init(day: d($0), occupied: 50 + $0, total: 80) },
            confirmed: (-20...20).map { try .init(day: d($0), count: Int.random(in: 0...9, using: &rng)) })
        let plans = [
            try plan("a", .alarms(try .init(communities: 4, days: 3, syndrome: ili)), level: .iv),
            try plan("b", .any([.rt(try .init(above: 1.0, days: 2)), .occupancy(try .init(atLeast: 0.8))]), level: .iii, deactivateAfterDays: 2),
            try plan("c", .all([.riskLevel(try .init(atLeast: .high, communities: 3)), .cases(try .init(atLeast: 15, days: 3))]), level: .ii, deactivateAfterDays: 1),
            try plan("d", .riskLevel(try .init(atLeast: .medium, community: twelve[3])), level: .i, type: .enteric, deactivateAfterDays: 1),
        ]
        let inputs = try PlanInputs(communities: twelve, days: days, scopes: [scope])
        let reference = try PlanEvaluator(inputs: inputs).evaluate(plans, from: d(-10), through: d(20))
        #expect(reference.flatMap(\.events).count > 8)
        let shuffled = try PlanInputs(communities: twelve.shuffled(using: &rng), days: days.shuffled(using: &rng), scopes: [scope])
        let again = try PlanEvaluator(inputs: shuffled).evaluate(plans.shuffled(using: &rng), from: d(-10), through: d(20))
        #expect(again == reference)
        // Mid-way, the previous activations in any order.
        let mid = try PlanEvaluator(inputs: shuffled).evaluate(
            plans.reversed(), on: d(5), previousActivations: reference[14].activations.reversed())
        #expect(mid == reference[15])
    }

    @Test func theSlidingReplayAgreesWithANaiveCountOnRandomData() throws {
        var rng = SplitMix64(state: 42)
        let communities = (0..<60).map { path("sz/ft/s\($0 % 3)/c\($0)") }
        var days: [PlanInputs.CommunityDay] = []
        var alarmSet: Set<String> = []
        for c in communities {
            for n in 0..<90 where Int.random(in: 0..<10, using: &rng) == 0 {
                let syndromes = Bool.random(using: &rng) ? [ili] : [diarrhoea]
                days.append(try .init(community: c, day: d(n), alarms: syndromes, riskLevel: .medium))
                alarmSet.insert("\(c)|\(n)|\(syndromes[0])")
            }
        }
        let inputs = try PlanInputs(communities: communities, days: days)
        let evaluator = PlanEvaluator(inputs: inputs)
        for (k, window, syndrome, scope) in [(3, 7, ili, path("sz/ft/s1")), (8, 14, nil, district), (1, 1, diarrhoea, path("sz/ft/s2"))] {
            let trigger = PlanTrigger.alarms(try .init(communities: k, days: window, syndrome: syndrome))
            let p = try plan("x", trigger, scope: scope, deactivateAfterDays: 1)
            let replay = try evaluator.evaluate([p], from: d(-3), through: d(95))
            for (i, e) in replay.enumerated() {
                let day = i - 3
                let naive = communities.filter { c in
                    scope.contains(c)
                        && (day - window + 1...day).contains { n in
                            (syndrome.map { [$0] } ?? [ili, diarrhoea]).contains { alarmSet.contains("\(c)|\(n)|\($0)") }
                        }
                }.count
                #expect((!e.activations.isEmpty) == (naive >= k), "day \(day): \(naive) communities, k = \(k)")
            }
        }
    }

    // MARK: Validation and coding

    @Test func badValuesAreRefusedNamingTheirField() throws {
        #expect(fieldOf { _ = try PlanTrigger.Alarms(communities: 0, days: 7) } == "communities")
        #expect(fieldOf { _ = try PlanTrigger.Alarms(communities: 3, days: 366) } == "days")
        #expect(fieldOf { _ = try PlanTrigger.Rt(above: .nan, days: 3) } == "above")
        #expect(fieldOf { _ = try PlanTrigger.Occupancy(atLeast: 0) } == "atLeast")
        #expect(fieldOf { _ = try PlanTrigger.Occupancy(atLeast: 1.01) } == "atLeast")
        #expect(fieldOf { _ = try PlanTrigger.ConfirmedCases(atLeast: 0, days: 7) } == "atLeast")
        #expect(fieldOf { _ = try PlanTrigger.RiskLevels(atLeast: .high, community: street) } == "community")
        #expect(fieldOf { _ = try EmergencyEventType("Vector Borne") } == "eventType")
        #expect(fieldOf { _ = try EmergencyEventType("vector--borne") } == "eventType")
        #expect(try EmergencyEventType("vector-borne") == .vectorBorne)
        #expect(fieldOf { _ = try PlanAction.StageProposal(stage: "panic") } == "stage")
        #expect(fieldOf { _ = try PlanAction.BroadcastOrder.Recipients(roles: []) } == "roles")
        #expect(fieldOf { _ = try PlanAction.SupplyReallocation(item: "n95", from: street, to: street) } == "to")
        #expect(fieldOf { _ = try PlanAction.VolunteerCallUp(count: 0) } == "count")
        let alarm = PlanTrigger.alarms(try .init(communities: 1, days: 1))
        #expect(fieldOf { _ = try plan("p", alarm, scope: path("sz/ft/xl/c01/g1")) } == "scope")
        let outside = PlanTrigger.riskLevel(try .init(atLeast: .high, community: community("c01")))
        #expect(fieldOf { _ = try plan("p", .all([alarm, outside]), scope: path("sz/ft/xm")) } == "trigger.of[1].community")
        #expect(fieldOf { _ = try plan("p", .any([])) } == "trigger.of")
        #expect(fieldOf { _ = try plan("p", alarm, actions: []) } == "actions")
        #expect(fieldOf { _ = try plan("p", alarm, deactivateAfterDays: 0) } == "deactivateAfterDays")
        let blankTitle = fieldOf {
            _ = try EmergencyPlan(
                id: EmergencyPlanID("p"), title: " \n ", eventType: .other, level: .iv, scope: street, trigger: alarm,
                actions: [.proposeStage(try .init(stage: "alert"))])
        }
        #expect(blankTitle == "title")
        // Inputs.
        #expect(fieldOf { _ = try PlanInputs.CommunityDay(community: street, day: d(0)) } == "community")
        #expect(fieldOf { _ = try PlanInputs(days: [try .init(community: twelve[0], day: d(0)), try .init(community: twelve[0], day: d(0), alarms: [ili])]) } == "days")
        #expect(fieldOf { _ = try PlanInputs(communities: [street]) } == "communities")
        #expect(fieldOf { _ = try PlanInputs.Rt(day: d(0), mean: 1.0, lower: 1.1) } == "lower")
        #expect(fieldOf { _ = try PlanInputs.Beds(day: d(0), occupied: 5, total: 4) } == "occupied")
        #expect(fieldOf { _ = try PlanInputs.Scope(scope: street, confirmed: [try .init(day: d(0), count: 1), try .init(day: d(0), count: 2)]) } == "confirmed")
        #expect(fieldOf { _ = try PlanInputs(scopes: [try .init(scope: street), try .init(scope: street)]) } == "scopes")
        // Evaluation.
        let p = try plan("p", alarm)
        let evaluator = PlanEvaluator(inputs: try PlanInputs())
        #expect(fieldOf { _ = try evaluator.evaluate([p, p], on: d(0)) } == "id")
        let open = PlanActivation(
            plan: p.id, version: 0, eventType: p.eventType, level: p.level, scope: p.scope, activatedOn: d(0), reasons: [],
            lastHeldOn: d(3), evaluatedOn: d(3))
        #expect(fieldOf { _ = try evaluator.evaluate([p], on: d(2), previousActivations: [open]) } == "day")
        #expect(fieldOf { _ = try evaluator.evaluate([p], on: d(4), previousActivations: [open, open]) } == "previousActivations")
        #expect(fieldOf { _ = try evaluator.evaluate([p], from: d(4), through: d(3)) } == "through")
    }

    @Test func planJSONIsCheckedWithTheFieldPath() throws {
        let good = """
            {"id": "resp-3", "title": "Respiratory level III", "eventType": "respiratory", "level": "III", "scope": "sz/ft",
             "trigger": {"kind": "any", "of": [
                {"kind": "alarms", "communities": 3, "days": 7, "syndrome": "ili"},
                {"kind": "all", "of": [{"kind": "rt", "statistic": "lower", "above": 1.2, "days": 3},
                                       {"kind": "riskLevel", "atLeast": "high", "communities": 2}]},
                {"kind": "occupancy", "atLeast": 0.85}, {"kind": "cases", "atLeast": 20, "days": 7},
                {"kind": "riskLevel", "atLeast": 1, "community": "sz/ft/xl/c07"}]},
             "actions": [{"kind": "stage", "stage": "response"}, {"kind": "alert", "message": "ILI cluster", "syndrome": "ili"},
                {"kind": "broadcast", "text": "Open the fever clinics", "recipients": {"roles": ["community-staff", "cdc"], "residents": true}},
                {"kind": "reallocation", "item": "n95", "from": "sz", "to": "sz/ft", "quantity": 500},
                {"kind": "volunteers", "count": 20, "skills": ["driver"]}],
             "deactivateAfterDays": 14}
            """
        let p = try decode(EmergencyPlan.self, good)
        #expect(p.level == .iii && p.isActive && p.version == 0 && p.deactivateAfterDays == 14 && p.actions.count == 5)
        guard case .any(let children) = p.trigger, case .riskLevel(let named) = children[4] else {
            Issue.record("unexpected trigger \(p.trigger)")
            return
        }
        #expect(named.atLeast == .medium && named.target == .community(community("c07")))
        #expect(p.trigger.description.hasPrefix("(alarms (ili) in ≥ 3 communities in the last 7 days or (Rt lower bound > 1.2 for 3 days and"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try decode(EmergencyPlan.self, String(decoding: try encoder.encode(p), as: UTF8.self)) == p)

        func field(_ from: String, _ to: String) -> String? {
            precondition(good.contains(from))
            return fieldOf { _ = try decode(EmergencyPlan.self, good.replacingOccurrences(of: from, with: to)) }
        }
        #expect(field(#""level": "III""#, #""level": "3""#) == "level")
        #expect(field(#""eventType": "respiratory""#, #""eventType": "Resp""#) == "eventType")
        #expect(field(#""scope": "sz/ft""#, #""scope": "sz//ft""#) == "scope")
        #expect(field(#""above": 1.2, "days": 3"#, #""above": 1.2, "days": 0"#) == "trigger.of[1].of[0].days")
        #expect(field(#""days": 7, "syndrome""#, #""days": 7, "syndrom""#) == "trigger.of[0].syndrom")
        #expect(field(#""communities": 3"#, #""communities": "three""#) == "trigger.of[0].communities")
        #expect(field(#""kind": "occupancy""#, #""kind": "beds""#) == "trigger.of[2].kind")
        #expect(field(#""atLeast": "high""#, #""atLeast": "severe""#) == "trigger.of[1].of[1].atLeast")
        #expect(field(#""stage": "response""#, #""stage": "war""#) == "actions[0].stage")
        #expect(field(#""roles": ["community-staff", "cdc"], "residents": true"#, #""roles": ["mayor"]"#) == "actions[2].recipients.roles")
        #expect(field(#""quantity": 500"#, #""quantity": -1"#) == "actions[3].quantity")
        #expect(field(#""deactivateAfterDays": 14"#, #""deactivateAfterDays": 400"#) == "deactivateAfterDays")
        #expect(field(#""title": "Respiratory level III""#, #""titel": "x""#) == "titel")
    }

    @Test func inputsAndEvaluationsRoundTripThroughJSON() throws {
        let json = """
            {"communities": ["sz/ft/xl/c01", "sz/ft/xl/c02"],
             "days": [{"community": "sz/ft/xl/c01", "day": "2024-03-01", "alarms": ["ili"], "riskLevel": "high"},
                      {"community": "sz/ft/xl/c03", "day": "2024-03-01", "riskLevel": 1}],
             "scopes": [{"scope": "sz/ft/xl", "rt": [{"day": "2024-03-01", "mean": 1.4, "lower": 1.25}],
                         "beds": [{"day": "2024-03-01", "occupied": 9, "total": 10}], "confirmed": [{"day": "2024-03-01", "count": 4}]}]}
            """
        let inputs = try decode(PlanInputs.self, json)
        #expect(inputs.communities.map(\.description) == ["sz/ft/xl/c01", "sz/ft/xl/c02", "sz/ft/xl/c03"])
        #expect(inputs.days[1].riskLevel == .medium)
        let encoder = JSONEncoder()
        #expect(try JSONDecoder().decode(PlanInputs.self, from: encoder.encode(inputs)) == inputs)
        #expect(fieldOf { _ = try decode(PlanInputs.self, json.replacingOccurrences(of: #""riskLevel": 1"#, with: #""riskLevel": 5"#)) } == "days[1].riskLevel")
        #expect(fieldOf { _ = try decode(PlanInputs.self, json.replacingOccurrences(of: #""lower": 1.25"#, with: #""lower": 2"#)) } == "scopes[0].rt[0].lower")

        let p = try plan("p", .all([.occupancy(try .init(atLeast: 0.9)), .rt(try .init(above: 1.2, days: 1))]))
        let e = try PlanEvaluator.evaluate(plans: [p], inputs: inputs, on: d(0))
        #expect(e.events.first?.reasons.map(\.text) == ["hospital occupancy 0.9 (9 of 10 beds) ≥ 0.9", "Rt lower bound 1.25 > 1.2 for 1 days"])
        #expect(try JSONDecoder().decode(PlanEvaluation.self, from: encoder.encode(e)) == e)
    }

    @Test func surveillanceResultsBecomeInputs() throws {
        let dates = (0..<5).map { d($0) }
        let series = Series(counts: [1, 2, 9, 1, 8], dates: dates, frequency: 365)
        let result = AlarmResult(time: [3, 4, 5], observed: [9, 1, 8], upperbound: [4, 4, 4], alarm: [true, nil, true])
        #expect(try PlanInputs.alarmDays(result, in: series) == [d(2), d(4)])
        #expect(fieldOf { _ = try PlanInputs.alarmDays(result, in: Series(counts: [1, 2, 9, 1, 8])) } == "dates")

        let incidence = try ReproductionNumber.Incidence(total: [2, 3, 5, 8, 10, 14, 20, 25, 33, 40, 52, 60, 75, 90, 110])
        var configuration = ReproductionNumber.Configuration(serialInterval: .parametric(mean: 2.6, standardDeviation: 1.5))
        configuration.windowStarts = Array(2...9)
        configuration.windowEnds = Array(8...15)
        let r = try ReproductionNumber.estimate(incidence, configuration: configuration)
        let points = PlanInputs.Rt.series(r, firstDay: d(0))
        #expect(points.map(\.day) == (7...14).map { d($0) })
        #expect(points[0].mean == r.estimates[0].mean && points[0].lower == r.estimates[0].quantile(0.025))
    }
}
