import ArgumentParser
import Foundation
import VigilCommunity
import VigilSurveillance

/// `vigil bench resources`: the hot paths of issue 7 on generated data, each beside a plain loop
/// over its input measured in the same run (the cost of reading every input value once).
struct ResourcesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resources",
        abstract: "Supply allocation, volunteer dispatch and emergency-plan evaluation against their goals and a plain loop over the input."
    )

    @Option(help: "Repetitions (the median is reported).") var repetitions: Int = 5
    @Option(help: "Communities for the allocation and the plans.") var communities: Int = 1_000
    @Option(help: "Items allocated.") var items: Int = 50
    @Option(help: "Tasks dispatched.") var tasks: Int = 10_000
    @Option(help: "Volunteers dispatched to.") var volunteers: Int = 5_000
    @Option(help: "Days of data the plans are evaluated over.") var days: Int = 365
    @Option(help: "Plans evaluated.") var plans: Int = 20

    func run() throws {
        #if DEBUG
        print("warning: debug build; run `swift run -c release vigil bench resources` for meaningful numbers")
        #endif
        var g = SplitMix64(state: 7)
        let paths = try ResourcesData.communities(communities)
        let loop = Limit.plainLoop

        // Allocation: per item, every community's unmet need and risk level.
        let allItems = try (0..<items).map { try SupplyItemID("item-\($0)") }
        let claims = try allItems.map { _ in
            try paths.map { try SupplyAllocation.Claim(community: $0, need: Int(g.next() % 500), risk: RiskLevel(rawValue: Int(g.next() % 3))!) }
        }
        let supplies = claims.map { claims in claims.reduce(0) { $0 + $1.need } * 6 / 10 }
        var allocated = 0
        let allocation = try measure(limitValues: items * communities, loop: loop) {
            for (i, item) in allItems.enumerated() {
                let result = try SupplyAllocation(
                    id: try SupplyAllocationID("a-\(i)"), item: item, supply: supplies[i], claims: claims[i])
                allocated += result.allocated
            }
        }

        // Dispatch: tasks at random households, volunteers with areas at random grids.
        let households = try ResourcesData.households(under: paths, count: tasks, &g)
        let skills: [VolunteerSkill] = [.delivery, .doorToDoor, .escort, .transport]
        let kinds: [VolunteerTask.Kind] = [.delivery, .doorToDoor, .escort, .transport]
        let openTasks = try (0..<tasks).map { i in
            let k = Int(g.next() % 4)
            return try VolunteerTask(
                id: try VolunteerTaskID("t-\(i)"), kind: kinds[k], location: households[i], priority: try .init(Int(g.next() % 10)),
                createdBy: "bench", at: 1_700_000_000 + Int64(i))
        }
        let roster = try (0..<volunteers).map { i in
            var own: Set<VolunteerSkill> = [skills[Int(g.next() % 4)]]
            if g.next() % 2 == 0 { own.insert(skills[Int(g.next() % 4)]) }
            let area = households[Int(g.next() % UInt64(households.count))].ancestor(at: .grid)!
            let capacity = 1 + Int(g.next() % 3)
            return try Volunteer(
                id: try VolunteerID("v-\(i)"), name: "Volunteer \(i)", skills: own, area: area, capacity: capacity, load: Int(g.next() % UInt64(capacity)))
        }
        var assigned = 0
        let dispatch = try measure(limitValues: tasks + volunteers, loop: loop) {
            assigned = try Dispatcher().plan(tasks: openTasks, volunteers: roster).assignments.count
        }

        // Plans: a district's daily data, evaluated over every day.
        let (inputs, planList, first) = try ResourcesData.plans(paths, days: days, plans: plans, &g)
        var activations = 0
        let evaluation = try measure(limitValues: communities * days, loop: loop) {
            let evaluator = PlanEvaluator(inputs: inputs)
            let results = try evaluator.evaluate(planList, from: first, through: first.addingDays(days - 1))
            activations = results.reduce(0) { $0 + $1.events.count }
        }

        print("| benchmark | median | goal | plain loop over the input | ratio |")
        print("|---|---:|---|---:|---:|")
        row("allocate \(items) items across \(communities) communities (\(allocated) units)", allocation, goal: "≤ 100 ms")
        row("dispatch \(tasks) tasks to \(volunteers) volunteers (\(assigned) assigned)", dispatch, goal: "≤ 1 s")
        row("evaluate \(plans) plans over \(communities) communities × \(days) days (\(activations) events)", evaluation, goal: "—")
        print("(medians over \(repetitions) repetitions; the limit is a plain loop touching each input value once, measured before each repetition)")
    }

    /// Median seconds of `body` and of the plain-loop limit over `limitValues` input values.
    func measure(limitValues: Int, loop: Limit, _ body: () throws -> Void) throws -> (seconds: Double, limit: Double) {
        var times: [Double] = []
        var limits: [Double] = []
        for _ in 0..<repetitions {
            limits.append(Double(limitValues) / loop.once())
            var failure: (any Error)?
            let elapsed = ContinuousClock().measure {
                do { try body() } catch { failure = error }
            }
            if let failure { throw failure }
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        return (Timing.median(times), Timing.median(limits))
    }

    func row(_ name: String, _ result: (seconds: Double, limit: Double), goal: String) {
        let ms = { (s: Double) in s >= 0.001 ? String(format: "%.1f ms", s * 1e3) : String(format: "%.0f µs", s * 1e6) }
        print("| \(name) | \(ms(result.seconds)) | \(goal) | \(ms(result.limit)) | \(String(format: "%.2f%%", 100 * result.limit / result.seconds)) |")
    }
}

/// Deterministic inputs for ``ResourcesBench``.
enum ResourcesData {
    /// `n` communities in a city of 10 districts, 10 streets each, 10 communities each, ...
    static func communities(_ n: Int) throws -> [JurisdictionPath] {
        try (0..<n).map { i in try JurisdictionPath("sz/d\(i / 100 % 10)/s\(i / 10 % 10)/c\(i)") }
    }

    static func households(under communities: [JurisdictionPath], count: Int, _ g: inout SplitMix64) throws -> [JurisdictionPath] {
        try (0..<count).map { _ in
            let community = communities[Int(g.next() % UInt64(communities.count))]
            return try JurisdictionPath("\(community)/g\(g.next() % 5)/b\(g.next() % 10)/h\(g.next() % 7)")
        }
    }

    /// A year of alarms, risk levels, Rt, beds and confirmed cases, and plans over them.
    static func plans(_ communities: [JurisdictionPath], days: Int, plans count: Int, _ g: inout SplitMix64) throws
        -> (PlanInputs, [EmergencyPlan], CivilDate)
    {
        let first = CivilDate(iso8601: "2026-01-01")!
        let ili = try Syndrome("ili")
        var communityDays: [PlanInputs.CommunityDay] = []
        communityDays.reserveCapacity(communities.count * days)
        for community in communities {
            for d in 0..<days {
                let alarm = g.next() % 50 == 0
                communityDays.append(
                    try PlanInputs.CommunityDay(
                        community: community, day: first.addingDays(d), alarms: alarm ? [ili] : [], riskLevel: RiskLevel(rawValue: Int(g.next() % 3))))
            }
        }
        let district = try JurisdictionPath("sz/d0")
        var rt: [PlanInputs.Rt] = []
        var beds: [PlanInputs.Beds] = []
        var confirmed: [PlanInputs.Confirmed] = []
        for d in 0..<days {
            let r = 0.8 + Double(g.next() % 800) / 1_000
            rt.append(try PlanInputs.Rt(day: first.addingDays(d), mean: r, lower: r - 0.2))
            beds.append(try PlanInputs.Beds(day: first.addingDays(d), occupied: Int(g.next() % 500), total: 500))
            confirmed.append(try PlanInputs.Confirmed(day: first.addingDays(d), count: Int(g.next() % 20)))
        }
        let inputs = try PlanInputs(
            communities: communities, days: communityDays, scopes: [try PlanInputs.Scope(scope: district, rt: rt, beds: beds, confirmed: confirmed)])
        let levels: [ResponseLevel] = [.iv, .iii, .ii, .i]
        let plans = try (0..<count).map { i in
            let trigger: PlanTrigger
            switch i % 5 {
            case 0: trigger = .alarms(try .init(communities: 3 + i, days: 7, syndrome: ili))
            case 1: trigger = .rt(try .init(above: 1.0 + Double(i) / 100, days: 3))
            case 2: trigger = .riskLevel(try .init(atLeast: .high, communities: 20 + i))
            case 3: trigger = .occupancy(try .init(atLeast: 0.8))
            default: trigger = .all([.cases(try .init(atLeast: 60 + i, days: 7)), .rt(try .init(above: 1.1, days: 2))])
            }
            return try EmergencyPlan(
                id: try EmergencyPlanID("plan-\(i)"), title: "Plan \(i)", eventType: .respiratory, level: levels[i % 4],
                scope: i % 2 == 0 ? district : try JurisdictionPath("sz"), trigger: trigger,
                actions: [.proposeStage(try .init(stage: "alert"))])
        }
        return (inputs, plans, first)
    }
}
