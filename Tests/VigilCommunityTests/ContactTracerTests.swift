import Foundation
import Testing
import VigilCommunity

@Suite struct ContactTracerTests {
    /// The case was at the market from 0 to 3600 s on day 1 (now is the end of day 1).
    let caseVisits = [visit("case", "market", 0, 3_600)]
    let now = day0 + 86_400

    func trace(_ others: [Visit], minOverlap: Int64 = 900, linger: Int64 = 0, household: [String] = [], caseVisits: [Visit]? = nil)
        throws -> [TracedContact]
    {
        let tracer = try ContactTracer(minOverlap: minOverlap, lingerWindow: linger)
        let mine = caseVisits ?? self.caseVisits
        return tracer.trace(person: "case", caseVisits: mine, household: household, in: VisitIndex(mine + others), now: now)
    }

    @Test func exactlyTheMinimumOverlapCountsOneSecondLessDoesNot() throws {
        let result = try trace([visit("amy", "market", 2_700, 5_000), visit("bob", "market", 2_701, 5_000)])
        #expect(result.map(\.person) == ["amy"])
        #expect(result[0].encounters == [Encounter(place: place("market"), start: day0 + 2_700, end: day0 + 3_600)])
        #expect(result[0].totalOverlapSeconds == 900)
    }

    @Test func touchingIntervalsAreNotCoPresenceEvenWithZeroMinimum() throws {
        let others = [visit("amy", "market", 3_600, 7_200), visit("bob", "market", -3_600, 0)]
        #expect(try trace(others, minOverlap: 0).isEmpty)
        // Someone at another place at the same time is not a contact either.
        #expect(try trace([visit("cat", "bakery", 0, 3_600)], minOverlap: 0).isEmpty)
    }

    @Test func arrivingWithinTheLingerWindowAfterTheCaseLeftCounts() throws {
        let others = [
            visit("amy", "market", 3_600, 7_200),  // arrives as the case leaves: 1800 s of lingering air
            visit("bob", "market", 3_600 + 1_200, 9_000),  // 600 s inside the window
            visit("cat", "market", 3_600 + 1_800, 9_000),  // arrives as the window closes
            visit("dan", "market", -7_200, -1),  // left before the case arrived: no linger backwards
        ]
        let result = try trace(others, minOverlap: 600, linger: 1_800)
        #expect(result.map(\.person) == ["amy", "bob"])
        #expect(result[0].encounters[0].start == day0 + 3_600 && result[0].encounters[0].end == day0 + 5_400)
        #expect(result[1].totalOverlapSeconds == 600)
        #expect(try trace(others, minOverlap: 601, linger: 1_800).map(\.person) == ["amy"])
    }

    @Test func householdMembersRankFirstThenOverlapThenEncountersThenKey() throws {
        let others = [
            visit("long", "market", 0, 3_600),  // 3600 s, one encounter
            visit("twice", "market", 0, 900), visit("twice", "market", 1_800, 2_700),  // 1800 s in two
            visit("once-b", "market", 0, 1_800),  // 1800 s in one
            visit("once-a", "market", 1_800, 3_600),  // 1800 s in one, smaller key
            visit("home2", "market", 0, 3_600),  // a household member who was also at the market
        ]
        let result = try trace(others, household: ["home1", "home2", "case"])
        #expect(result.map(\.person) == ["home2", "home1", "long", "twice", "once-a", "once-b"])
        #expect(result[0].isHousehold && result[1].isHousehold && !result[2].isHousehold)
        #expect(result[1].encounters.isEmpty)
        #expect(result[3].encounters.count == 2)
        let contact = try result[3].closeContact(indexCase: CaseID("c1"))
        #expect(contact.place == place("market") && contact.durationSeconds == 1_800 && contact.exposureTime == day0)
        #expect(try result[1].closeContact(indexCase: CaseID("c1")).isHousehold)
    }

    @Test func openVisitsLastTheAssumedDurationForCaseAndContacts() throws {
        // The case's visit is open: 0...3600 by the default hour.
        let open = [visit("case", "market", 0, nil)]
        let result = try trace(
            [visit("amy", "market", 2_700, nil), visit("bob", "market", 2_701, 9_000)], caseVisits: open)
        #expect(result.map(\.person) == ["amy"])
        let index = VisitIndex([visit("amy", "market", 2_700, nil)], openVisitDuration: 600)
        #expect(index.visits(at: place("market"), overlapping: (day0 + 3_300)...(day0 + 4_000)).map(\.person) == ["amy"])
        #expect(index.visits(at: place("market"), overlapping: (day0 + 3_301)...(day0 + 4_000)).isEmpty)
    }

    @Test func theCasesOwnVisitsAreNeverEncounters() throws {
        let own = [visit("case", "market", 0, 3_600), visit("case", "market", 1_000, 2_000)]
        #expect(try trace(own, minOverlap: 0, household: ["case"]).isEmpty)
    }

    @Test func visitsBeforeTheLookBackAreIgnoredAndRiskIntervalsMerge() throws {
        let old = visit("case", "gym", -15 * 86_400, -15 * 86_400 + 3_600)
        let twice = [visit("case", "market", 0, 1_000), visit("case", "market", 1_500, 3_600), old]
        let others = [
            visit("amy", "market", 0, 5_400),
            visit("bob", "gym", -15 * 86_400, -15 * 86_400 + 3_600),
        ]
        let result = try trace(others, linger: 1_800, caseVisits: twice)
        #expect(result.map(\.person) == ["amy"])
        // One merged risk interval 0...5400, not 1000+1800 and 2100+1800 counted twice.
        #expect(result[0].encounters == [Encounter(place: place("market"), start: day0, end: day0 + 5_400)])
    }

    @Test func riskIntervalsStartAtTheLookBackAndMergeWhenOverlappingOrTouching() throws {
        let tracer = try ContactTracer(lingerWindow: 600, lookbackDays: 1)
        let now = day0 + 86_400
        let caseVisits = [
            visit("case", "market", -3_600, 1_000),  // starts before the look-back: from day0; ends at 1000 + 600
            visit("case", "market", 1_600, 2_000),  // touches the first: merged, 0...2600
            visit("case", "market", 2_601, 3_000),  // a second later: a second interval
            visit("case", "market", 2_700, 2_800),  // inside it
            visit("case", "bakery", 5_000, nil),  // open: the open duration, then the linger window
            visit("case", "bakery", 86_000, 90_000),  // runs past now: not cut there
            visit("case", "gym", -7_200, -1),  // ended before the look-back
            visit("case", "pool", 86_401, 87_000),  // after now
        ]
        let risk = tracer.riskIntervals(caseVisits: caseVisits, now: now, openVisitDuration: 1_800)
        #expect(
            risk == [
                place("market"): [day0...(day0 + 2_600), (day0 + 2_601)...(day0 + 3_600)],
                place("bakery"): [(day0 + 5_000)...(day0 + 7_400), (day0 + 86_000)...(day0 + 90_600)],
            ])
        // A negative open duration counts as zero, as in VisitIndex.
        #expect(tracer.riskIntervals(caseVisits: [visit("case", "bakery", 5_000, nil)], now: now, openVisitDuration: -5)
            == [place("bakery"): [(day0 + 5_000)...(day0 + 5_600)]])
        #expect(tracer.riskIntervals(caseVisits: [], now: now).isEmpty)
    }

    /// The store reads only the visits overlapping the merged risk intervals (one query per
    /// interval, a visit overlapping two of them once); tracing over an index of just those
    /// gives what tracing over every visit gives.
    @Test func tracingTheVisitsOfTheRiskIntervalsAgreesWithTracingEveryVisit() throws {
        var rng = SplitMix64(state: 11)
        let places = (0..<8).map { "p\($0)" }
        func randomVisit(_ person: String, _ places: ArraySlice<String>) -> Visit {
            let start = Int64.random(in: -2 * 86_400..<5 * 86_400, using: &rng)
            let long = Int.random(in: 0..<25, using: &rng) == 0
            let length = Int64.random(in: 0..<(long ? 30 * 3_600 : 2 * 3_600), using: &rng)
            let out: Int64? = Int.random(in: 0..<12, using: &rng) == 0 ? nil : start + length
            return visit(person, places.randomElement(using: &rng)!, start, out)
        }
        var everyone = (0..<4_000).map { i in randomVisit("o\(i % 500)", places[...]) }
        everyone += stride(from: 0, to: everyone.count, by: 40).map { everyone[$0] }  // recorded twice
        var compared = 0
        var overlapsTwo = 0
        for trial in 0..<40 {
            let linger = [0, 600, 1_800, 7_200][trial % 4]
            let open: Int64 = [3_600, 0, 900][trial % 3]
            let tracer = try ContactTracer(minOverlap: [0, 1, 900][trial % 3], lingerWindow: Int64(linger), lookbackDays: 1 + trial % 4)
            let mine = (0..<(5 + trial)).map { _ in randomVisit("case", places[0..<3]) }
            let now = day0 + Int64.random(in: 0..<4 * 86_400, using: &rng)
            let all = VisitIndex(everyone + mine, openVisitDuration: open)
            let risk = tracer.riskIntervals(caseVisits: mine, now: now, openVisitDuration: open)
            var read: [Visit] = []
            for (place, intervals) in risk {
                for (k, interval) in intervals.enumerated() {
                    #expect(k == 0 || intervals[k - 1].upperBound < interval.lowerBound)
                    let found = all.visits(at: place, overlapping: interval)
                    read += found.filter { k == 0 || $0.timeIn > intervals[k - 1].upperBound }
                    overlapsTwo += found.count { k > 0 && $0.timeIn <= intervals[k - 1].upperBound }
                }
            }
            let expected = tracer.trace(person: "case", caseVisits: mine, in: all, now: now)
            let traced = tracer.trace(person: "case", caseVisits: mine, in: VisitIndex(read, openVisitDuration: open), now: now)
            #expect(traced == expected)
            #expect(read.count < all.count)
            if !expected.isEmpty { compared += 1 }
        }
        #expect(compared > 20)
        #expect(overlapsTwo > 0)  // some visits overlap two intervals of their place: read once
    }

    @Test func theIndexAgreesWithAFullScan() {
        var rng = SplitMix64(state: 42)
        let places = (0..<5).map { "p\($0)" }
        var visits: [Visit] = []
        for i in 0..<3_000 {
            let start = Int64.random(in: 0..<86_400, using: &rng)
            let long = Int.random(in: 0..<50, using: &rng) == 0
            let length = long ? Int64.random(in: 0..<40_000, using: &rng) : Int64.random(in: 0..<7_200, using: &rng)
            let out: Int64? = Int.random(in: 0..<10, using: &rng) == 0 ? nil : start + length
            visits.append(visit("v\(i % 400)", places.randomElement(using: &rng)!, start, out))
        }
        let index = VisitIndex(visits, openVisitDuration: 1_800)
        #expect(index.count == visits.count)
        for _ in 0..<300 {
            let a = day0 + Int64.random(in: -3_600..<90_000, using: &rng)
            let b = a + Int64.random(in: 0..<7_200, using: &rng)
            let p = places.randomElement(using: &rng)!
            let fast = index.visits(at: place(p), overlapping: a...b)
            let slow = visits.filter { $0.place == place(p) && $0.timeIn <= b && $0.end(assumingOpenVisitsLast: 1_800) >= a }
            #expect(Set(fast) == Set(slow))
            #expect(fast.count == slow.count)
        }
    }

    @Test func tracingAgreesWithAMinuteByMinuteReference() throws {
        var rng = SplitMix64(state: 7)
        let places = (0..<4).map { "p\($0)" }
        func randomVisit(_ person: String) -> Visit {
            let start = Int64.random(in: 0..<1_440, using: &rng) * 60
            let out: Int64? = Int.random(in: 0..<8, using: &rng) == 0 ? nil : start + Int64.random(in: 0..<180, using: &rng) * 60
            return visit(person, places.randomElement(using: &rng)!, start, out)
        }
        let mine = (0..<6).map { _ in randomVisit("case") }
        let others = (0..<2_000).map { i in randomVisit("o\(i % 300)") }
        let linger: Int64 = 1_200
        let tracer = try ContactTracer(minOverlap: 1, lingerWindow: linger)
        let result = tracer.trace(person: "case", caseVisits: mine, in: VisitIndex(mine + others), now: day0 + 2 * 86_400)

        // Reference: the minutes each place is risky, then each visit's risky minutes.
        var risky: [PlaceID: Set<Int64>] = [:]
        for v in mine {
            for m in stride(from: v.timeIn, to: v.end() + linger, by: 60) { risky[v.place, default: []].insert(m) }
        }
        var expected: [String: Int64] = [:]
        for v in others {
            let minutes = stride(from: v.timeIn, to: v.end(), by: 60).filter { risky[v.place]?.contains($0) ?? false }.count
            if minutes > 0 { expected[v.person, default: 0] += Int64(minutes) * 60 }
        }
        #expect(Dictionary(uniqueKeysWithValues: result.map { ($0.person, $0.totalOverlapSeconds) }) == expected)
        #expect(!expected.isEmpty)
        for (a, b) in zip(result, result.dropFirst()) { #expect(TracedContact.ranksBefore(a, b)) }
    }

    @Test func tracerSettingsAreValidated() {
        #expect(throws: CommunityError(.invalidField)) { try ContactTracer(minOverlap: -1) }
        #expect(throws: CommunityError(.invalidField)) { try ContactTracer(lingerWindow: -1) }
        #expect(throws: CommunityError(.invalidField)) { try ContactTracer(lookbackDays: 0) }
    }

    /// Run with VIGIL_TRACE_BENCH=1 (release build) to time 14-day traces over a million visits.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_TRACE_BENCH"] != nil))
    func benchmarkFourteenDayTraces() throws {
        var rng = SplitMix64(state: 1)
        let visitCount = Int(ProcessInfo.processInfo.environment["VIGIL_TRACE_VISITS"] ?? "") ?? 1_000_000
        let placeCount = Int(ProcessInfo.processInfo.environment["VIGIL_TRACE_PLACES"] ?? "") ?? 20_000
        let placeNames = (0..<placeCount).map { "place\($0)" }
        let placeIDs = placeNames.map(place)
        var visits: [Visit] = []
        visits.reserveCapacity(visitCount)
        for i in 0..<visitCount {
            let start = day0 + Int64.random(in: 0..<(14 * 86_400), using: &rng)
            visits.append(
                try Visit(
                    person: "r\(i % 500_000)", place: placeIDs.randomElement(using: &rng)!, timeIn: start,
                    timeOut: start + Int64.random(in: 300..<7_200, using: &rng)))
        }
        let clock = ContinuousClock()
        var index: VisitIndex!
        let build = clock.measure { index = VisitIndex(visits) }
        let tracer = try ContactTracer()
        var times: [Duration] = []
        var found = 0
        for _ in 0..<200 {
            let caseVisits = (0..<40).map { _ in visits.randomElement(using: &rng)! }
            times.append(clock.measure {
                found += tracer.trace(person: "nobody", caseVisits: caseVisits, in: index, now: day0 + 14 * 86_400).count
            })
        }
        times.sort()
        print("visits \(visitCount) build \(build) p50 \(times[100]) p95 \(times[190]) max \(times.last!) contacts \(found)")
    }
}
