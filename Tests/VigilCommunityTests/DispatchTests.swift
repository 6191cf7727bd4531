import Foundation
import Testing
import VigilCommunity

private func path(_ text: String) -> JurisdictionPath { try! JurisdictionPath(text) }
private func vid(_ text: String) -> VolunteerID { try! VolunteerID(text) }
private func tid(_ text: String) -> VolunteerTaskID { try! VolunteerTaskID(text) }

private func volunteer(
    _ id: String, _ area: String, _ skills: Set<VolunteerSkill> = [.delivery], capacity: Int = 1, load: Int = 0,
    available: Bool = true
) -> Volunteer {
    try! Volunteer(id: vid(id), name: "Volunteer \(id)", skills: skills, area: path(area), available: available, capacity: capacity, load: load)
}

private func task(
    _ id: String, _ location: String, kind: VolunteerTask.Kind = .delivery, skills: Set<VolunteerSkill>? = nil,
    priority: VolunteerTask.Priority = .routine, at time: Int64 = day0
) -> VolunteerTask {
    try! VolunteerTask(
        id: tid(id), kind: kind, location: path(location), requiredSkills: skills, priority: priority, createdBy: "coord.wu", at: time)
}

@Suite struct VolunteerTaskTests {
    @Test func aTaskRunsFromOfferToDoneWithCheckInAndTheLoadFollows() throws {
        var v = volunteer("v1", "sz/ft/xl/c07/g3", capacity: 2)
        var t = task("t1", "sz/ft/xl/c07/g3/b12/h0402")
        #expect(t.stage == .open && t.volunteer == nil && t.requiredSkills == [.delivery])
        try t.offer(to: &v, by: "coord.wu", at: day0 + 10)
        #expect(t.stage == .offered && t.volunteer == vid("v1") && v.load == 1)
        try t.accept(by: "v1", at: day0 + 20)
        try t.checkIn(by: "v1", at: day0 + 900, note: "at the door")
        #expect(t.arrival?.at == day0 + 900 && t.arrival?.by == "v1")
        try t.complete(releasing: &v, by: "v1", at: day0 + 1_000)
        #expect(t.stage == .done && v.load == 0 && t.stage.isFinal)
        #expect(t.steps.map(\.stage) == [.open, .offered, .accepted, .checkedIn, .done])
        #expect(t.steps.map(\.by) == ["coord.wu", "coord.wu", "v1", "v1", "v1"])
        #expect(try JSONDecoder().decode(VolunteerTask.self, from: JSONEncoder().encode(t)) == t)
        #expect(try JSONDecoder().decode(Volunteer.self, from: JSONEncoder().encode(v)) == v)
    }

    @Test func aDeclinedTaskIsReofferedAndRemembersWhoDeclined() throws {
        var a = volunteer("a", "sz/ft/xl/c07/g3")
        var b = volunteer("b", "sz/ft/xl/c07/g3")
        var t = task("t1", "sz/ft/xl/c07/g3/b12")
        try t.offer(to: &a, by: "coord.wu", at: day0)
        try t.decline(releasing: &a, by: "a", at: day0 + 5, reason: "out of town")
        #expect(t.stage == .declined && t.volunteer == nil && a.load == 0 && t.declinedBy == [vid("a")])
        try t.offer(to: &b, by: "coord.wu", at: day0 + 6)
        #expect(t.volunteer == vid("b") && b.load == 1)
        try t.accept(by: "b", at: day0 + 7)
        try t.checkIn(by: "b", at: day0 + 8)
        try t.fail(releasing: &b, by: "b", at: day0 + 9, reason: "nobody home")
        #expect(t.stage == .failed && b.load == 0 && t.declinedBy == [vid("a")])
        #expect(try JSONDecoder().decode(VolunteerTask.self, from: JSONEncoder().encode(t)) == t)
    }

    @Test func impossibleTransitionsAreRefusedAndNothingChanges() throws {
        var v = volunteer("v1", "sz/ft/xl/c07/g3")
        var t = task("t1", "sz/ft/xl/c07/g3/b12")
        let skip = communityError { try t.accept(by: "v1", at: day0) }
        #expect(skip == CommunityError(.invalidTransition) && skip?.message == "task t1 cannot go from open to accepted")
        #expect(throws: CommunityError(.invalidTransition)) { try t.checkIn(by: "v1", at: day0) }
        #expect(throws: CommunityError(.invalidTransition)) { try t.complete(releasing: &v, by: "v1", at: day0) }
        #expect(throws: CommunityError(.invalidTransition)) { try t.decline(releasing: &v, by: "v1", at: day0) }
        try t.offer(to: &v, by: "coord.wu", at: day0)
        #expect(throws: CommunityError(.invalidTransition)) { try t.checkIn(by: "v1", at: day0) }
        #expect(throws: CommunityError(.invalidTransition)) { try t.offer(to: &v, by: "coord.wu", at: day0) }
        // Cancelling a held task must release the volunteer.
        #expect(throws: CommunityError(.invalidTransition)) { try t.cancel(by: "coord.wu", at: day0, reason: "no longer needed") }
        try t.accept(by: "v1", at: day0 + 1)
        try t.checkIn(by: "v1", at: day0 + 2)
        let before = (t, v)
        #expect(throws: CommunityError(.invalidTransition)) {
            try t.cancel(releasing: &v, by: "coord.wu", at: day0 + 3, reason: "too late")
        }
        #expect(t == before.0 && v == before.1)
        try t.complete(releasing: &v, by: "v1", at: day0 + 3)
        #expect(throws: CommunityError(.invalidTransition)) { try t.fail(releasing: &v, by: "v1", at: day0 + 4, reason: "x") }
        #expect(t.stage == .done && v.load == 0)
    }

    @Test func failingAndCancellingNeedAReasonAndTimesNeverGoBack() throws {
        var v = volunteer("v1", "sz/ft/xl/c07/g3")
        var t = task("t1", "sz/ft/xl/c07/g3/b12")
        let back = communityError { try t.offer(to: &v, by: "coord.wu", at: day0 - 1) }
        #expect(back?.field == "at" && v.load == 0)
        try t.offer(to: &v, by: "coord.wu", at: day0)
        try t.accept(by: "v1", at: day0)
        let noReason = communityError { try t.fail(releasing: &v, by: "v1", at: day0 + 1, reason: " ") }
        #expect(noReason == CommunityError(.invalidField) && noReason?.field == "reason" && v.load == 1)
        #expect(throws: CommunityError(.invalidField)) { try t.cancel(releasing: &v, by: "coord.wu", at: day0 + 1, reason: "") }
        try t.cancel(releasing: &v, by: "coord.wu", at: day0 + 1, reason: "resident went to hospital")
        #expect(t.stage == .cancelled && v.load == 0)
        var open = task("t2", "sz/ft/xl/c07/g3/b12")
        #expect(throws: CommunityError(.invalidField)) { try open.cancel(by: "coord.wu", at: day0, reason: "") }
        try open.cancel(by: "coord.wu", at: day0, reason: "duplicate")
        #expect(throws: CommunityError(.invalidTransition)) { try open.offer(to: &v, by: "coord.wu", at: day0) }
    }

    @Test func offersCheckSkillsAvailabilityAndCapacityAndReleasesCheckTheVolunteer() throws {
        var driver = volunteer("d", "sz/ft/xl/c07", [.driving])
        var t = task("t1", "sz/ft/xl/c07/g3", kind: .transport, skills: [.transport, .driving])
        let lacks = communityError { try t.offer(to: &driver, by: "coord.wu", at: day0) }
        #expect(lacks?.field == "volunteer" && lacks?.message == "volunteer d lacks transport for task t1")
        var off = volunteer("off", "sz/ft/xl/c07", [.transport, .driving], available: false)
        #expect(throws: CommunityError(.conflict)) { try t.offer(to: &off, by: "coord.wu", at: day0) }
        var full = volunteer("full", "sz/ft/xl/c07", [.transport, .driving], capacity: 1, load: 1)
        let isFull = communityError { try t.offer(to: &full, by: "coord.wu", at: day0) }
        #expect(isFull == CommunityError(.conflict) && isFull?.message == "volunteer full holds 1 of 1 tasks")
        #expect(t.stage == .open)
        var ok = volunteer("ok", "sz/ft/xl/c07", [.transport, .driving, .medical], capacity: 2)
        try t.offer(to: &ok, by: "coord.wu", at: day0)
        var other = volunteer("other", "sz/ft/xl/c07", [.transport, .driving], capacity: 2, load: 1)
        let wrong = communityError { try t.decline(releasing: &other, by: "other", at: day0) }
        #expect(wrong?.field == "volunteer" && other.load == 1 && t.stage == .offered)
    }

    @Test func volunteersAndTasksAreValidatedAndDecodingReplaysTheHistory() throws {
        #expect(throws: CommunityError(.invalidField)) { try VolunteerID("has space") }
        let capacity = communityError {
            _ = try Volunteer(id: vid("v"), name: "A", skills: [], area: path("sz"), capacity: 101)
        }
        #expect(capacity?.field == "capacity")
        let load = communityError { _ = try Volunteer(id: vid("v"), name: "A", skills: [], area: path("sz"), capacity: 1, load: 2) }
        #expect(load?.field == "load")
        #expect(communityError { _ = try Volunteer(id: vid("v"), name: " ", skills: [], area: path("sz")) }?.field == "name")
        var v = volunteer("v", "sz", capacity: 2, load: 2)
        #expect(communityError { try v.setCapacity(1) }?.field == "capacity")
        try v.setCapacity(3)
        #expect(v.freeSlots == 1 && v.canTakeTask)
        #expect(communityError { _ = try VolunteerTask.Priority(10) }?.field == "priority")
        #expect(VolunteerTask.Priority(rawValue: -1) == nil)
        #expect(communityError { _ = try DispatchPolicy(loadWeight: -1) }?.field == "loadWeight")

        // A stored history that breaks the lifecycle does not decode.
        var t = task("t1", "sz/ft")
        var helper = volunteer("h", "sz")
        try t.offer(to: &helper, by: "coord.wu", at: day0)
        try t.accept(by: "h", at: day0 + 1)
        var json = try #require(String(data: JSONEncoder().encode(t), encoding: .utf8))
        json = json.replacingOccurrences(of: "\"accepted\"", with: "\"done\"")
        let bad = communityError { _ = try JSONDecoder().decode(VolunteerTask.self, from: Data(json.utf8)) }
        #expect(bad == CommunityError(.invalidTransition))
        let policy = try JSONDecoder().decode(DispatchPolicy.self, from: Data(#"{"loadWeight":2,"scope":"community"}"#.utf8))
        #expect(policy == (try DispatchPolicy(distanceWeight: 1, loadWeight: 2, scope: .community)))
        #expect(try JSONDecoder().decode(DispatchPolicy.self, from: JSONEncoder().encode(policy)) == policy)
        #expect(throws: CommunityError(.invalidField)) {
            try JSONDecoder().decode(DispatchPolicy.self, from: Data(#"{"scope":"planet"}"#.utf8))
        }
    }
}

@Suite struct DispatchTests {
    @Test func treeDistanceCountsEdgesThroughTheCommonAncestor() {
        #expect(DispatchPolicy.distance(path("sz/ft/xl/c07/g3"), path("sz/ft/xl/c07/g3/b12/h0402")) == 2)
        #expect(DispatchPolicy.distance(path("sz/ft/xl/c07/g3/b1"), path("sz/ft/xl/c07/g4/b2")) == 4)
        #expect(DispatchPolicy.distance(path("sz/ft"), path("sz/ft")) == 0)
        #expect(DispatchPolicy.distance(path("sz/ft"), path("gz/th")) == 4)
        let scoped = try! DispatchPolicy(scope: .community)
        #expect(scoped.reaches(path("sz/ft/xl/c07"), path("sz/ft/xl/c07/g3/b12")))
        #expect(!scoped.reaches(path("sz/ft/xl/c08"), path("sz/ft/xl/c07/g3/b12")))
        #expect(!scoped.reaches(path("sz/ft/xl"), path("sz/ft/xl/c07/g3/b12")))
        #expect(scoped.reaches(path("sz/ft/xl"), path("sz/ft/yy")))
    }

    @Test func theNearestSkilledVolunteerGetsTheTaskAndTheResultExplainsIt() throws {
        let volunteers = [
            volunteer("near", "sz/ft/xl/c07/g3/b12", [.escort]),
            volunteer("near-delivery", "sz/ft/xl/c07/g3/b12", [.delivery]),
            volunteer("far", "sz/ft/xl/c07/g4", [.escort, .delivery]),
        ]
        let plan = try Dispatcher().plan(
            tasks: [task("t1", "sz/ft/xl/c07/g3/b12/h0402", kind: .escort)], volunteers: volunteers)
        #expect(plan.assignments == [.init(task: tid("t1"), volunteer: vid("near"), priority: .routine, distance: 1, load: 0, cost: 1)])
        #expect(plan.unassigned.isEmpty && plan.totalCost == 1)
    }

    @Test func loadSpreadsWorkAndCapacityIsNeverExceeded() throws {
        let volunteers = [
            volunteer("a", "sz/ft/xl/c07/g3", capacity: 3),
            volunteer("b", "sz/ft/xl/c07/g3", capacity: 3, load: 1),
            volunteer("c", "sz/ft/xl/c07/g3", capacity: 1, load: 1),
        ]
        let tasks = (1...6).map { task("t\($0)", "sz/ft/xl/c07/g3/b1") }
        let plan = try Dispatcher().plan(tasks: tasks, volunteers: volunteers)
        let counts = Dictionary(grouping: plan.assignments, by: \.volunteer).mapValues(\.count)
        #expect(counts == [vid("a"): 3, vid("b"): 2])
        // a: loads 0,1,2; b: loads 1,2. Each at distance 1.
        #expect(plan.assignments.map(\.load).sorted() == [0, 1, 1, 2, 2])
        #expect(plan.totalCost == 5 + 6)
        #expect(plan.unassigned.map(\.reason) == [.noCapacity])
        #expect(plan.unassigned.map(\.task) == [tid("t6")])
        // Without the load term only distance counts.
        let free = try Dispatcher(policy: DispatchPolicy(loadWeight: 0)).plan(tasks: tasks, volunteers: volunteers)
        #expect(free.totalCost == 5)
    }

    @Test func higherPrioritiesAreServedFirstEvenWhenFurther() throws {
        let volunteers = [volunteer("v", "sz/ft/xl/c07/g3/b1")]
        let tasks = [
            task("near", "sz/ft/xl/c07/g3/b1/h1"),
            task("far", "sz/ft/xl/c09/g1/b1/h1", priority: .vulnerable),
        ]
        let plan = try Dispatcher().plan(tasks: tasks, volunteers: volunteers)
        #expect(plan.assignments.map(\.task) == [tid("far")])
        #expect(plan.unassigned.map(\.task) == [tid("near")] && plan.unassigned[0].reason == .noCapacity)
        #expect(plan.assignedCount(atLeast: .vulnerable) == 1)
    }

    @Test func aLowerPriorityTaskKeepsItsVolunteerWhenNoSwapWouldHelp() throws {
        // Only "driver" can do the transport; "any" can do both deliveries. The urgent delivery
        // takes "any"; the routine transport keeps "driver" even though a second urgent
        // delivery is left: no swap frees a volunteer for it.
        let volunteers = [
            volunteer("any", "sz/ft/xl/c07", [.delivery]),
            volunteer("driver", "sz/ft/xl/c07", [.transport]),
        ]
        let tasks = [
            task("u1", "sz/ft/xl/c07/g1", priority: .urgent),
            task("u2", "sz/ft/xl/c07/g2/b1", priority: .urgent),
            task("r1", "sz/ft/xl/c07/g1", kind: .transport),
        ]
        let plan = try Dispatcher().plan(tasks: tasks, volunteers: volunteers)
        #expect(Set(plan.assignments.map(\.task)) == [tid("u1"), tid("r1")])
        #expect(plan.unassigned.map(\.task) == [tid("u2")])
    }

    @Test func unassignedTasksSayWhy() throws {
        var declined = task("declined", "sz/ft/xl/c07/g3/b1")
        var v1 = volunteer("v1", "sz/ft/xl/c07/g3", capacity: 2)
        try declined.offer(to: &v1, by: "coord.wu", at: day0)
        try declined.decline(releasing: &v1, by: "v1", at: day0 + 1)
        var running = task("running", "sz/ft/xl/c07/g3/b1")
        try running.offer(to: &v1, by: "coord.wu", at: day0)
        let volunteers = [
            v1,
            volunteer("medic-off", "sz/ft/xl/c07", [.medical], available: false),
            volunteer("elsewhere", "sz/ft/xl/c09", [.escort]),
        ]
        let tasks = [
            declined, running,
            task("medical", "sz/ft/xl/c07/g3/b1", skills: [.medical]),
            task("escort", "sz/ft/xl/c07/g3/b1", kind: .escort),
            task("d1", "sz/ft/xl/c07/g3/b2", priority: .urgent),
            task("d2", "sz/ft/xl/c07/g3/b2"),
        ]
        let plan = try Dispatcher(policy: DispatchPolicy(scope: .community)).plan(tasks: tasks, volunteers: volunteers)
        #expect(plan.assignments.map(\.task) == [tid("d1")])
        let reasons = Dictionary(uniqueKeysWithValues: plan.unassigned.map { ($0.task.rawValue, $0.reason) })
        #expect(
            reasons == [
                "running": .notDispatchable, "medical": .noVolunteerWithSkills, "escort": .noVolunteerInScope,
                "declined": .declinedByAll, "d2": .noCapacity,
            ])
        #expect(plan.unassigned.first { $0.task == tid("running") }?.stage == .offered)
        #expect(try JSONDecoder().decode(DispatchPlan.self, from: JSONEncoder().encode(plan)) == plan)
    }

    @Test func aDeclinedTaskGoesToSomeoneElse() throws {
        var t = task("t", "sz/ft/xl/c07/g3/b1")
        var near = volunteer("near", "sz/ft/xl/c07/g3/b1")
        try t.offer(to: &near, by: "coord.wu", at: day0)
        try t.decline(releasing: &near, by: "near", at: day0 + 1)
        let plan = try Dispatcher().plan(
            tasks: [t, task("other", "sz/ft/xl/c07/g3/b1")], volunteers: [near, volunteer("far", "sz/ft/xl/c07")])
        #expect(plan.assignments.map { "\($0.task)>\($0.volunteer)" }.sorted() == ["other>near", "t>far"])
    }

    @Test func volunteersWhoDeclinedOneTaskStillTakeOthers() throws {
        // a declined t1, b declined t2; each task goes to the other decliner, the nearer, not
        // to "far"; the undeclined t3 may go to either.
        var a = volunteer("a", "sz/ft/xl/c07/g3/b1", capacity: 2)
        var b = volunteer("b", "sz/ft/xl/c07/g3/b2", capacity: 2)
        var t1 = task("t1", "sz/ft/xl/c07/g3/b1/h1")
        var t2 = task("t2", "sz/ft/xl/c07/g3/b2/h1")
        try t1.offer(to: &a, by: "coord.wu", at: day0)
        try t1.decline(releasing: &a, by: "a", at: day0)
        try t2.offer(to: &b, by: "coord.wu", at: day0)
        try t2.decline(releasing: &b, by: "b", at: day0)
        let plan = try Dispatcher().plan(
            tasks: [t1, t2, task("t3", "sz/ft/xl/c07/g3/b1/h2")], volunteers: [a, b, volunteer("far", "sz/ft/xl/c08")])
        #expect(plan.assignments.map { "\($0.task)>\($0.volunteer)" }.sorted() == ["t1>b", "t2>a", "t3>a"])
        #expect(plan.assignments.map(\.distance).sorted() == [1, 3, 3])
    }

    @Test func duplicateIdsAreRefused() {
        let e = communityError {
            _ = try Dispatcher().plan(tasks: [task("t", "sz"), task("t", "sz")], volunteers: [])
        }
        #expect(e?.field == "tasks")
        #expect(communityError { _ = try Dispatcher().plan(tasks: [], volunteers: [volunteer("v", "sz"), volunteer("v", "sz")]) }?.field == "volunteers")
    }

    // MARK: - Optimality against references

    @Test func matchesAnExhaustiveSearchOnSmallRandomInstances() throws {
        var rng = SeededGenerator(seed: 20_240_301)
        for round in 0..<400 {
            let instance = try RandomInstance(
                tasks: Int.random(in: 0...6, using: &rng), volunteers: Int.random(in: 0...4, using: &rng), maxCapacity: 2,
                using: &rng)
            let plan = try Dispatcher(policy: instance.policy).plan(tasks: instance.tasks, volunteers: instance.volunteers)
            let best = Reference.exhaustive(instance)
            try Reference.check(plan, against: instance, round: round)
            #expect(Reference.profile(plan) == best.profile, "round \(round)")
            #expect(plan.totalCost == best.cost, "round \(round)")
        }
    }

    @Test func matchesTheHungarianMethodOnMediumRandomInstances() throws {
        var rng = SeededGenerator(seed: 77)
        for round in 0..<40 {
            let instance = try RandomInstance(
                tasks: Int.random(in: 10...24, using: &rng), volunteers: Int.random(in: 3...9, using: &rng), maxCapacity: 3,
                using: &rng)
            let plan = try Dispatcher(policy: instance.policy).plan(tasks: instance.tasks, volunteers: instance.volunteers)
            try Reference.check(plan, against: instance, round: round)
            let best = Reference.hungarian(instance)
            #expect(Reference.weight(plan) == best.weight, "round \(round)")
            #expect(plan.totalCost == best.cost, "round \(round)")
        }
    }

    @Test func tasksDeclinedBySomeoneAreStillPlacedOptimally() throws {
        var rng = SeededGenerator(seed: 4_242)
        for round in 0..<40 {
            let instance = try RandomInstance(
                tasks: Int.random(in: 8...20, using: &rng), volunteers: Int.random(in: 3...8, using: &rng), maxCapacity: 3, declined: 60,
                using: &rng)
            let plan = try Dispatcher(policy: instance.policy).plan(tasks: instance.tasks, volunteers: instance.volunteers)
            try Reference.check(plan, against: instance, round: round)
            let best = Reference.hungarian(instance)
            #expect(Reference.weight(plan) == best.weight, "round \(round)")
            #expect(plan.totalCost == best.cost, "round \(round)")
        }
    }

    @Test func thePlanDoesNotDependOnInputOrder() throws {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<20 {
            let instance = try RandomInstance(tasks: 40, volunteers: 12, maxCapacity: 3, using: &rng)
            let dispatcher = Dispatcher(policy: instance.policy)
            let plan = try dispatcher.plan(tasks: instance.tasks, volunteers: instance.volunteers)
            let shuffled = try dispatcher.plan(tasks: instance.tasks.shuffled(using: &rng), volunteers: instance.volunteers.shuffled(using: &rng))
            #expect(plan == shuffled)
        }
    }

    @Test func aLargerBatchRespectsEveryConstraint() throws {
        var rng = SeededGenerator(seed: 11)
        let instance = try RandomInstance(tasks: 600, volunteers: 250, maxCapacity: 4, using: &rng)
        let plan = try Dispatcher(policy: instance.policy).plan(tasks: instance.tasks, volunteers: instance.volunteers)
        try Reference.check(plan, against: instance, round: 0)
        #expect(plan.assignments.count + plan.unassigned.count == 600)
    }
}

/// A random dispatch problem on a small jurisdiction tree.
private struct RandomInstance {
    var tasks: [VolunteerTask] = []
    var volunteers: [Volunteer] = []
    var policy: DispatchPolicy

    /// `declined`: the percentage of tasks declined by a random volunteer.
    init(
        tasks taskCount: Int, volunteers volunteerCount: Int, maxCapacity: Int, declined: Int = 20, using rng: inout SeededGenerator
    ) throws {
        func randomPath() -> JurisdictionPath {
            let city = Int.random(in: 0..<8, using: &rng) == 0 ? "gz" : "sz"
            let depth = Int.random(in: 1...7, using: &rng)
            var components = [city]
            for level in 1..<depth { components.append("n\(level)\(Int.random(in: 0...1, using: &rng))") }
            return try! JurisdictionPath(components: components)
        }
        let skillPool: [VolunteerSkill] = [.delivery, .escort, .driving]
        func randomSkills(_ chance: Int) -> Set<VolunteerSkill> {
            Set(skillPool.filter { _ in Int.random(in: 0..<100, using: &rng) < chance })
        }
        let scopes: [JurisdictionLevel?] = [nil, nil, .city, .district, .street, .community]
        policy = try DispatchPolicy(
            distanceWeight: Int.random(in: 0...3, using: &rng), loadWeight: Int.random(in: 0...2, using: &rng),
            scope: scopes.randomElement(using: &rng)!)
        for v in 0..<volunteerCount {
            let capacity = Int.random(in: 0...maxCapacity, using: &rng)
            volunteers.append(
                try Volunteer(
                    id: VolunteerID("v\(v)"), name: "V \(v)", skills: randomSkills(60), area: randomPath(),
                    available: Int.random(in: 0..<10, using: &rng) > 0, capacity: capacity,
                    load: Int.random(in: 0...capacity, using: &rng) / 2))
        }
        let priorities: [VolunteerTask.Priority] = [.routine, .routine, .vulnerable, .urgent, try .init(3)]
        for t in 0..<taskCount {
            var task = try VolunteerTask(
                id: VolunteerTaskID("t\(t)"), kind: .delivery, location: randomPath(), requiredSkills: randomSkills(35),
                priority: priorities.randomElement(using: &rng)!, createdBy: "coord", at: Int64(Int.random(in: 0...3, using: &rng)))
            // Some tasks were declined by a volunteer, some are already under way.
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < declined, let decliner = volunteers.randomElement(using: &rng) {
                var scratch = try Volunteer(id: decliner.id, name: "x", skills: task.requiredSkills, area: decliner.area, capacity: 1)
                try task.offer(to: &scratch, by: "coord", at: 10)
                try task.decline(releasing: &scratch, by: "coord", at: 11)
            } else if roll >= 90 {
                var scratch = try Volunteer(id: VolunteerID("busy"), name: "x", skills: task.requiredSkills, area: randomPath(), capacity: 1)
                try task.offer(to: &scratch, by: "coord", at: 10)
            }
            tasks.append(task)
        }
    }

    /// Whether task `t` may go to volunteer `v` at all.
    func compatible(_ t: VolunteerTask, _ v: Volunteer) -> Bool {
        t.stage.isDispatchable && v.available && v.hasSkills(t.requiredSkills) && policy.reaches(v.area, t.location)
            && !t.declinedBy.contains(v.id)
    }

    func cost(_ t: VolunteerTask, _ v: Volunteer) -> Int { policy.distanceWeight * DispatchPolicy.distance(v.area, t.location) }
}

/// Naive references for the dispatcher.
private enum Reference {
    /// Assigned counts per priority, highest priority first (compared lexicographically).
    static func profile(_ plan: DispatchPlan) -> [Int] {
        (0...9).reversed().map { p in plan.assignments.filter { $0.priority.rawValue == p }.count }
    }

    /// Priority weight that makes "more of a higher priority" always win: the Σ over assigned tasks.
    static func weight(_ plan: DispatchPlan) -> Int { plan.assignments.reduce(0) { $0 + $1.priority.rawValue + 1 } }

    /// Checks that the plan is feasible and its explanations add up.
    static func check(_ plan: DispatchPlan, against instance: RandomInstance, round: Int) throws {
        let tasks = Dictionary(uniqueKeysWithValues: instance.tasks.map { ($0.id, $0) })
        let volunteers = Dictionary(uniqueKeysWithValues: instance.volunteers.map { ($0.id, $0) })
        var given: [VolunteerID: [Int]] = [:]
        for a in plan.assignments {
            let t = try #require(tasks[a.task])
            let v = try #require(volunteers[a.volunteer])
            #expect(instance.compatible(t, v), "round \(round): \(a.task) to \(a.volunteer)")
            #expect(a.distance == DispatchPolicy.distance(v.area, t.location))
            #expect(a.cost == instance.policy.cost(distance: a.distance, load: a.load))
            #expect(a.priority == t.priority)
            given[a.volunteer, default: []].append(a.load)
        }
        for (id, loads) in given {
            let v = volunteers[id]!
            #expect(loads.sorted() == Array(v.load..<(v.load + loads.count)), "round \(round): loads of \(id)")
            #expect(loads.count <= v.freeSlots, "round \(round): capacity of \(id)")
        }
        #expect(Set(plan.assignments.map(\.task)).count == plan.assignments.count)
        #expect(Set(plan.assignments.map(\.task) + plan.unassigned.map(\.task)) == Set(tasks.keys))
        #expect(plan.assignments.count + plan.unassigned.count == tasks.count)
    }

    /// Every assignment of tasks to volunteers (or none), best first by profile then cost.
    static func exhaustive(_ instance: RandomInstance) -> (profile: [Int], cost: Int) {
        let tasks = instance.tasks
        let volunteers = instance.volunteers
        var used = [Int](repeating: 0, count: volunteers.count)
        var counts = [Int](repeating: 0, count: 10)
        var best: (profile: [Int], cost: Int)?
        func search(_ i: Int, _ distanceCost: Int) {
            if i == tasks.count {
                var cost = distanceCost
                for (v, m) in used.enumerated() {
                    cost += instance.policy.loadWeight * (m * volunteers[v].load + m * (m - 1) / 2)
                }
                let profile = Array(counts.reversed())
                if let b = best {
                    let bestIsBetter = profile.lexicographicallyPrecedes(b.profile) || (profile == b.profile && b.cost <= cost)
                    if bestIsBetter { return }
                }
                best = (profile, cost)
                return
            }
            search(i + 1, distanceCost)
            for (v, volunteer) in volunteers.enumerated()
            where used[v] < volunteer.freeSlots && instance.compatible(tasks[i], volunteer) {
                used[v] += 1
                counts[tasks[i].priority.rawValue] += 1
                search(i + 1, distanceCost + instance.cost(tasks[i], volunteer))
                used[v] -= 1
                counts[tasks[i].priority.rawValue] -= 1
            }
        }
        search(0, 0)
        return best!
    }

    /// The Hungarian method on tasks × (volunteer slots + one "unassigned" column per task),
    /// maximising Σ(priority + 1) first and then minimising cost, through one big weight.
    static func hungarian(_ instance: RandomInstance) -> (weight: Int, cost: Int) {
        let tasks = instance.tasks
        var slots: [(volunteer: Volunteer, load: Int)] = []
        for v in instance.volunteers { for k in 0..<v.freeSlots { slots.append((v, v.load + k)) } }
        let big = 1_000_000
        let forbidden = big * 1_000
        let n = tasks.count
        let m = slots.count + n
        var a = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in 0..<n {
            for j in 0..<m {
                if j < slots.count {
                    let s = slots[j]
                    a[i + 1][j + 1] =
                        instance.compatible(tasks[i], s.volunteer)
                        ? instance.cost(tasks[i], s.volunteer) + instance.policy.loadWeight * s.load - big * (tasks[i].priority.rawValue + 1)
                        : forbidden
                } else {
                    a[i + 1][j + 1] = 0
                }
            }
        }
        // e-maxx: rows 1...n, columns 1...m, n ≤ m.
        var u = [Int](repeating: 0, count: n + 1)
        var v = [Int](repeating: 0, count: m + 1)
        var p = [Int](repeating: 0, count: m + 1)
        var way = [Int](repeating: 0, count: m + 1)
        for i in stride(from: 1, through: n, by: 1) {
            p[0] = i
            var j0 = 0
            var minv = [Int](repeating: Int.max, count: m + 1)
            var used = [Bool](repeating: false, count: m + 1)
            repeat {
                used[j0] = true
                let i0 = p[j0]
                var delta = Int.max
                var j1 = 0
                for j in 1...m where !used[j] {
                    let cur = a[i0][j] - u[i0] - v[j]
                    if cur < minv[j] {
                        minv[j] = cur
                        way[j] = j0
                    }
                    if minv[j] < delta {
                        delta = minv[j]
                        j1 = j
                    }
                }
                for j in 0...m {
                    if used[j] {
                        u[p[j]] += delta
                        v[j] -= delta
                    } else {
                        minv[j] -= delta
                    }
                }
                j0 = j1
            } while p[j0] != 0
            repeat {
                let j1 = way[j0]
                p[j0] = p[j1]
                j0 = j1
            } while j0 != 0
        }
        var total = 0
        for j in 1...m where p[j] != 0 { total += a[p[j]][j] }
        // total = cost − big × weight, 0 ≤ cost < big.
        let weight = (-total + big - 1) / big
        return (weight, total + big * weight)
    }
}
