import Foundation
import NIOHTTP1
import Synchronization
import Testing
import VigilCommunity
import VigilServer
import VigilStore

/// Volunteers, tasks, dispatch and resident orders over the API (docs/volunteers.md, "API").
@Suite(.serialized) struct VolunteerAPITests {
    static let g1 = "\(Platform.c1)/g1"
    static let b1 = "\(Platform.c1)/g1/b1"
    static let g2 = "\(Platform.c1)/g2"
    static let far = "sz/ft/s1/c2/g1/b1"

    /// Registers a volunteer and answers the response.
    @discardableResult
    static func register(
        _ platform: Platform, _ token: String, _ id: String, area: String, skills: [String] = ["delivery"], capacity: Int = 1
    ) async throws -> HTTP.Answer {
        let answer = try await platform.call(
            .PUT, "/volunteers/\(id)", token: token, json: ["name": "Volunteer \(id)", "skills": skills, "area": area, "capacity": capacity])
        #expect(answer.status == 201, "\(answer.text)")
        return answer
    }

    static func record(_ answer: HTTP.Answer) throws -> [String: Any] {
        try #require(try answer.json()["record"] as? [String: Any], "\(answer.text)")
    }

    static func load(_ platform: Platform, _ token: String, _ id: String) async throws -> Int? {
        try record(try await platform.call(.GET, "/volunteers/\(id)", token: token))["load"] as? Int
    }

    static func stage(_ answer: HTTP.Answer) throws -> String? {
        let steps = try record(answer)["steps"] as? [[String: Any]]
        return steps?.last?["stage"] as? String
    }

    static func status(_ answer: HTTP.Answer) throws -> [String: Any] {
        try #require(try answer.json()["status"] as? [String: Any], "\(answer.text)")
    }

    static func newTask(_ platform: Platform, _ token: String, at location: String = b1, kind: String = "delivery") async throws -> String {
        let answer = try await platform.call(.POST, "/tasks", token: token, json: ["kind": kind, "location": location])
        #expect(answer.status == 201, "\(answer.text)")
        return try #require(try answer.json()["id"] as? String)
    }

    // MARK: The whole loop

    @Test func ordersAreBatchedVulnerableFirstDispatchedDeliveredAndTheResidentSeesTheStatus() async throws {
        let platform = try await Platform.start()
        let staff = try await platform.token("staff.c1", .community, Platform.c1)
        let auditor = try await platform.token("auditor.x", .auditor, "sz")
        // Two volunteers: v.li in the building's grid, v.wu in the next grid; one task each at a time.
        let li = try await Self.register(platform, staff, "v.li", area: Self.g1, skills: ["delivery", "escort"])
        #expect(li.headers["ETag"].first == "\"v1\"" && li.headers["Location"].first == "/api/v1/volunteers/v.li")
        #expect(try Self.record(li)["load"] as? Int == 0 && Self.record(li)["skills"] as? [String] == ["delivery", "escort"])
        try await Self.register(platform, staff, "v.wu", area: Self.g2)
        // An elderly resident living alone, and a resident with an account for their household.
        let elder = try await platform.store.insertPersons([
            PersonDraft(name: "Zhang Lan", household: try JurisdictionPath(Platform.h1), vulnerabilities: [.elderlyAlone])
        ])[0].id.rawValue
        let liu = try await platform.person("Liu Yang", household: Platform.h2)
        let resident = try await platform.token("res.liu", .resident, Platform.h2)

        // The resident orders first, for their own household: they see the status, not the steps.
        let own = try await platform.call(.POST, "/orders", token: resident, json: ["resident": liu, "lines": [["goods": "rice 5 kg", "quantity": 1]]])
        #expect(own.status == 201, "\(own.text)")
        let ownID = try #require(try own.json()["id"] as? String)
        #expect(try own.json()["onBehalf"] as? Bool == false && own.json()["record"] == nil)
        #expect(try Self.status(own)["text"] as? String == "Your order has been received and is waiting to be packed.")
        // The community orders on the elder's behalf, later; and the resident cannot order for
        // another household.
        let forElder = try await platform.call(
            .POST, "/orders", token: staff,
            json: ["resident": elder, "lines": [["goods": "insulin pen", "quantity": 2], ["goods": "milk 1 l", "quantity": 3]], "note": "ring twice"])
        #expect(forElder.status == 201, "\(forElder.text)")
        let elderID = try #require(try forElder.json()["id"] as? String)
        #expect(try Self.record(forElder)["onBehalf"] as? Bool == true && Self.record(forElder)["vulnerabilities"] as? [String] == ["elderly-alone"])
        #expect(try Self.record(forElder)["orderedBy"] as? String == "staff.c1")
        let outside = try await platform.call(.POST, "/orders", token: resident, json: ["resident": elder, "lines": [["goods": "rice", "quantity": 1]]])
        #expect(outside.status == 403 && outside.problemCode == "outside-jurisdiction", "\(outside.text)")

        // Batching, one order per delivery: the elder's first although ordered later. A preview
        // writes nothing.
        let preview = try await platform.call(.POST, "/orders/batch", token: staff, json: ["scope": Platform.c1, "maxOrdersPerTask": 1])
        #expect(preview.status == 200, "\(preview.text)")
        let previewed = try #require(try preview.json()["batches"] as? [[String: Any]])
        #expect(previewed.map { $0["orders"] as? [String] ?? [] } == [[elderID], [ownID]])
        #expect(previewed.map { $0["priority"] as? Int ?? -1 } == [5, 0] && previewed.allSatisfy { $0["task"] == nil })
        #expect(try Self.status(try await platform.call(.GET, "/orders/\(ownID)", token: resident))["stage"] as? String == "placed")
        let batched = try await platform.call(.POST, "/orders/batch", token: staff, json: ["scope": Platform.c1, "maxOrdersPerTask": 1, "apply": true])
        #expect(try batched.status == 200 && batched.json()["applied"] as? Bool == true, "\(batched.text)")
        let batches = try #require(try batched.json()["batches"] as? [[String: Any]])
        let elderTask = try #require(batches.first?["task"] as? String)
        let ownTask = try #require(batches.last?["task"] as? String)
        let packed = try await platform.call(.GET, "/orders/\(ownID)", token: resident)
        #expect(try Self.status(packed)["text"] as? String == "Your order is being packed for delivery.")
        let task = try await platform.call(.GET, "/tasks/\(elderTask)", token: staff)
        #expect(try Self.record(task)["priority"] as? Int == 5 && Self.record(task)["orders"] as? [String] == [elderID])
        #expect(try Self.record(task)["location"] as? String == Self.b1 && Self.stage(task) == "open")

        // Dispatch: a preview, then the plan applied. Each volunteer takes one delivery; v.li is
        // one edge from the building, v.wu three.
        let plan = try await platform.call(.POST, "/tasks/dispatch", token: staff, json: ["scope": Platform.c1])
        #expect(plan.status == 200, "\(plan.text)")
        let planned = try plan.json()
        #expect((planned["assignments"] as? [[String: Any]])?.count == 2 && (planned["unassigned"] as? [Any])?.isEmpty == true)
        #expect(try Self.stage(try await platform.call(.GET, "/tasks/\(elderTask)", token: staff)) == "open")
        #expect(try await Self.load(platform, staff, "v.li") == 0)
        let applied = try await platform.call(.POST, "/tasks/dispatch", token: staff, json: ["scope": Platform.c1, "apply": true])
        #expect(try applied.status == 200 && applied.json()["applied"] as? Bool == true, "\(applied.text)")
        let assignments = try #require(try applied.json()["assignments"] as? [[String: Any]])
        var holder: [String: String] = [:]
        for assignment in assignments {
            let volunteer = try #require(assignment["volunteer"] as? String)
            holder[try #require(assignment["task"] as? String)] = volunteer
            #expect(assignment["distance"] as? Int == (volunteer == "v.li" ? 1 : 3) && assignment["load"] as? Int == 0)
            #expect(assignment["cost"] as? Int == assignment["distance"] as? Int)
        }
        #expect(Set(holder.keys) == [elderTask, ownTask] && Set(holder.values) == ["v.li", "v.wu"])
        #expect(try await Self.load(platform, staff, "v.li") == 1)
        #expect(try await Self.load(platform, staff, "v.wu") == 1)
        let ownHolder = try #require(holder[ownTask])
        let elderHolder = try #require(holder[elderTask])
        let ownVolunteer = try await platform.token(ownHolder, .volunteer, ownHolder == "v.li" ? Self.g1 : Self.g2)
        let elderVolunteer = try await platform.token(elderHolder, .volunteer, elderHolder == "v.li" ? Self.g1 : Self.g2)

        // A volunteer works only their own tasks.
        let notMine = try await platform.call(.POST, "/tasks/\(ownTask)/accept", token: elderVolunteer)
        #expect(notMine.status == 403 && notMine.problemCode == "not-your-task", "\(notMine.text)")
        let mine = try await platform.call(.GET, "/tasks/mine", token: ownVolunteer)
        #expect((try mine.json()["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [ownTask], "\(mine.text)")

        // Accepted and checked in: the resident sees a volunteer on the way, and confirms.
        let accepted = try await platform.call(.POST, "/tasks/\(ownTask)/accept", token: ownVolunteer)
        #expect(try accepted.status == 200 && Self.stage(accepted) == "accepted", "\(accepted.text)")
        let stops = try await platform.call(.GET, "/tasks/\(ownTask)", token: ownVolunteer)
        let stop = try #require((try stops.json()["deliveries"] as? [[String: Any]])?.first, "\(stops.text)")
        #expect(stop["household"] as? String == Platform.h2 && stop["order"] as? String == ownID)
        let arrived = try await platform.call(.POST, "/tasks/\(ownTask)/check-in", token: ownVolunteer, json: ["note": "at the gate"])
        #expect(try arrived.status == 200 && Self.stage(arrived) == "checked-in", "\(arrived.text)")
        let onTheWay = try await platform.call(.GET, "/orders/\(ownID)", token: resident)
        #expect(try Self.status(onTheWay)["text"] as? String == "A volunteer is on the way with your order.")
        let confirmed = try await platform.call(.POST, "/orders/\(ownID)/confirm", token: resident, headers: [("If-Match", "\"v3\"")])
        #expect(confirmed.status == 200, "\(confirmed.text)")
        #expect(try Self.status(confirmed)["text"] as? String == "Your order was delivered; you confirmed receipt.")
        let done = try await platform.call(.POST, "/tasks/\(ownTask)/done", token: ownVolunteer)
        #expect(try done.status == 200 && Self.stage(done) == "done", "\(done.text)")
        #expect(try Self.status(try await platform.call(.GET, "/orders/\(ownID)", token: resident))["stage"] as? String == "delivered")

        // The elder's delivery, confirmed by the volunteer on finishing.
        for action in ["accept", "check-in", "done"] {
            let step = try await platform.call(.POST, "/tasks/\(elderTask)/\(action)", token: elderVolunteer)
            #expect(step.status == 200, "\(action): \(step.text)")
        }
        let delivered = try await platform.call(.GET, "/orders/\(elderID)", token: staff)
        let steps = try #require(try Self.record(delivered)["steps"] as? [[String: Any]])
        #expect(steps.map { $0["stage"] as? String ?? "" } == ["placed", "batched", "out-for-delivery", "delivered"])
        #expect(steps.last?["confirmedBy"] as? String == "volunteer" && steps.last?["by"] as? String == elderHolder)
        #expect(try Self.status(delivered)["text"] as? String == "Your order was delivered to your door.")
        #expect(try await Self.load(platform, staff, "v.li") == 0)
        #expect(try await Self.load(platform, staff, "v.wu") == 0)
        // A volunteer reads their own record, not another's.
        #expect(try await platform.call(.GET, "/volunteers/\(ownHolder)", token: ownVolunteer).status == 200)
        #expect(try await platform.call(.GET, "/volunteers/\(elderHolder)", token: ownVolunteer).status == 403)

        // Every change and every read of an order is in the audit log.
        let log = try await platform.call(.GET, "/audit?limit=1000", token: auditor)
        let actions = Set((try log.json()["items"] as? [[String: Any]] ?? []).map { $0["action"] as? String ?? "" })
        for expected in [
            "volunteer.create", "order.create", "order.batch-preview", "order.batch", "order.batched", "task.create", "order.read", "task.read",
            "task.dispatch-preview", "task.dispatch", "task.offer", "volunteer.load", "task.mine", "task.accept", "task.check-in",
            "order.out-for-delivery", "order.confirm", "task.done", "order.delivered", "volunteer.read",
        ] {
            #expect(actions.contains(expected), "no \(expected) in the audit log")
        }
        try await platform.stop()
    }

    @Test func aFailedOrCancelledDeliveryPutsItsOrdersBackInTheQueue() async throws {
        let platform = try await Platform.start()
        let staff = try await platform.token("staff.c1", .community, Platform.c1)
        try await Self.register(platform, staff, "v.li", area: Self.g1)
        let volunteer = try await platform.token("v.li", .volunteer, Self.g1)
        let liu = try await platform.person("Liu Yang", household: Platform.h2)
        let resident = try await platform.token("res.liu", .resident, Platform.h2)
        let order = try #require(
            try await platform.call(.POST, "/orders", token: resident, json: ["resident": liu, "lines": [["goods": "bread", "quantity": 2]]]).json()["id"]
                as? String)
        let batch = try await platform.call(.POST, "/orders/batch", token: staff, json: ["apply": true])
        let task = try #require((try batch.json()["batches"] as? [[String: Any]])?.first?["task"] as? String, "\(batch.text)")
        #expect(try await platform.call(.POST, "/tasks/dispatch", token: staff, json: ["apply": true]).status == 200)
        for action in ["accept", "check-in"] {
            #expect(try await platform.call(.POST, "/tasks/\(task)/\(action)", token: volunteer).status == 200)
        }
        let noReason = try await platform.call(.POST, "/tasks/\(task)/fail", token: volunteer, json: [:])
        #expect(noReason.status == 422 && noReason.problemField == "reason", "\(noReason.text)")
        let failed = try await platform.call(.POST, "/tasks/\(task)/fail", token: volunteer, json: ["reason": "nobody home"])
        #expect(try failed.status == 200 && Self.stage(failed) == "failed", "\(failed.text)")
        #expect(try await Self.load(platform, staff, "v.li") == 0)
        let waiting = try await platform.call(.GET, "/orders/\(order)", token: resident)
        #expect(try Self.status(waiting)["stage"] as? String == "placed")
        #expect(try Self.status(waiting)["text"] as? String == "Your order is waiting for the next delivery round.")

        // Batched again, then the new task is cancelled by staff: back in the queue once more.
        let again = try await platform.call(.POST, "/orders/batch", token: staff, json: ["apply": true])
        let second = try #require((try again.json()["batches"] as? [[String: Any]])?.first?["task"] as? String, "\(again.text)")
        #expect(second != task)
        #expect(try await platform.call(.POST, "/tasks/\(second)/cancel", token: volunteer, json: ["reason": "x"]).status == 403)
        let cancelled = try await platform.call(.POST, "/tasks/\(second)/cancel", token: staff, json: ["reason": "the shop is closed"])
        #expect(try cancelled.status == 200 && Self.stage(cancelled) == "cancelled", "\(cancelled.text)")
        let steps = try #require(try Self.record(try await platform.call(.GET, "/orders/\(order)", token: staff))["steps"] as? [[String: Any]])
        #expect(steps.map { $0["stage"] as? String ?? "" } == ["placed", "batched", "out-for-delivery", "placed", "batched", "placed"])
        // The resident cancels it.
        let gone = try await platform.call(.POST, "/orders/\(order)/cancel", token: resident, json: ["reason": "a neighbour brought bread"])
        #expect(try gone.status == 200 && Self.status(gone)["stage"] as? String == "cancelled", "\(gone.text)")
        try await platform.stop()
    }

    // MARK: One transaction

    @Test func aTaskAndItsVolunteersLoadAreWrittenTogetherOrNotAtAll() async throws {
        let store = RacingStore()
        let platform = try await Platform.start(store: store)
        let staff = try await platform.token("staff.c1", .community, Platform.c1)
        try await Self.register(platform, staff, "v.li", area: Self.g1, capacity: 2)
        let volunteer = try await platform.token("v.li", .volunteer, Self.g1)
        let task = try await Self.newTask(platform, staff)

        // Someone edits the volunteer while the plan is applied: nothing is offered.
        store.race(RecordKind("volunteer"))
        let raced = try await platform.call(.POST, "/tasks/dispatch", token: staff, json: ["apply": true])
        #expect(raced.status == 412 && raced.problemCode == "version-changed", "\(raced.text)")
        #expect(try Self.stage(try await platform.call(.GET, "/tasks/\(task)", token: staff)) == "open")
        #expect(try await Self.load(platform, staff, "v.li") == 0)
        let offered = try await platform.call(.POST, "/tasks/dispatch", token: staff, json: ["apply": true])
        #expect(try offered.status == 200 && (offered.json()["assignments"] as? [Any])?.count == 1, "\(offered.text)")
        let current = try await platform.call(.GET, "/tasks/\(task)", token: staff)
        #expect(try Self.stage(current) == "offered" && current.headers["ETag"].first == "\"v2\"")
        #expect(try await Self.load(platform, staff, "v.li") == 1)

        // A stale If-Match: 412, nothing changes.
        let stale = try await platform.call(.POST, "/tasks/\(task)/decline", token: volunteer, headers: [("If-Match", "\"v1\"")])
        #expect(stale.status == 412 && stale.problemCode == "version-changed", "\(stale.text)")
        // The volunteer record changes under the decline: 412, neither the task nor the load changes.
        store.race(RecordKind("volunteer"))
        let racedDecline = try await platform.call(.POST, "/tasks/\(task)/decline", token: volunteer, headers: [("If-Match", "\"v2\"")])
        #expect(racedDecline.status == 412, "\(racedDecline.text)")
        #expect(try Self.stage(try await platform.call(.GET, "/tasks/\(task)", token: staff)) == "offered")
        #expect(try await Self.load(platform, staff, "v.li") == 1)
        let declined = try await platform.call(.POST, "/tasks/\(task)/decline", token: volunteer, json: ["reason": "no car today"])
        #expect(try declined.status == 200 && Self.stage(declined) == "declined", "\(declined.text)")
        #expect(try await Self.load(platform, staff, "v.li") == 0)
        // Dispatch does not offer it to the volunteer who declined.
        let again = try await platform.call(.POST, "/tasks/dispatch", token: staff, json: [:])
        let unassigned = try #require(try again.json()["unassigned"] as? [[String: Any]])
        #expect(unassigned.first?["task"] as? String == task && unassigned.first?["reason"] as? String == "declined-by-all", "\(again.text)")
        try await platform.stop()
    }

    // MARK: Bad input

    @Test func badInputIsRefusedNamingTheField() async throws {
        let platform = try await Platform.start()
        let staff = try await platform.token("staff.c1", .community, Platform.c1)
        let liu = try await platform.person("Liu Yang", household: Platform.h2)
        func expect(_ method: HTTPMethod, _ path: String, _ json: Any?, status: Int, field: String?, sourceLocation: SourceLocation = #_sourceLocation)
            async throws
        {
            let answer = try await platform.call(method, path, token: staff, json: json)
            #expect(answer.status == status && answer.problemField == field, "\(method) \(path): \(answer.text)", sourceLocation: sourceLocation)
        }
        let volunteer: [String: Any] = ["name": "Li Ming", "skills": ["delivery"], "area": Self.g1]
        try await expect(.PUT, "/volunteers/v.li", volunteer.merging(["skills": ["flying"]]) { $1 }, status: 422, field: "skills[0]")
        try await expect(.PUT, "/volunteers/v.li", volunteer.merging(["capacity": 101]) { $1 }, status: 422, field: "capacity")
        try await expect(.PUT, "/volunteers/v.li", volunteer.merging(["area": "sz//c1"]) { $1 }, status: 422, field: "area")
        try await expect(.PUT, "/volunteers/v.li", volunteer.merging(["phone": "call me"]) { $1 }, status: 422, field: "phone")
        try await expect(.PUT, "/volunteers/v.li", ["skills": [] as [String], "area": Self.g1], status: 422, field: "name")
        try await expect(.PUT, "/volunteers/bad%20id", volunteer, status: 400, field: "id")
        try await Self.register(platform, staff, "v.li", area: Self.g1)
        let unconditional = try await platform.call(.PUT, "/volunteers/v.li", token: staff, json: volunteer)
        #expect(unconditional.status == 428, "\(unconditional.text)")
        try await expect(.GET, "/volunteers?skill=flying", nil, status: 400, field: "skill")
        try await expect(.GET, "/volunteers?available=maybe", nil, status: 400, field: "available")

        try await expect(.POST, "/tasks", ["kind": "flying", "location": Self.b1], status: 422, field: "kind")
        try await expect(.POST, "/tasks", ["location": Self.b1], status: 422, field: "kind")
        try await expect(.POST, "/tasks", ["kind": "escort", "location": Self.b1, "priority": 12], status: 422, field: "priority")
        try await expect(.POST, "/tasks", ["kind": "escort", "location": "/"], status: 422, field: "location")
        try await expect(.POST, "/tasks", ["kind": "escort", "location": Self.b1, "person": "nobody"], status: 422, field: "person")
        try await expect(.POST, "/tasks", ["kind": "escort", "location": Self.b1, "requiredSkills": ["x"]], status: 422, field: "requiredSkills[0]")
        try await expect(.GET, "/tasks?stage=lost", nil, status: 400, field: "stage")
        try await expect(.POST, "/tasks/dispatch", ["policy": ["distanceWeight": 5000]], status: 422, field: "policy.distanceWeight")
        try await expect(.POST, "/tasks/dispatch", ["policy": ["scope": "planet"]], status: 422, field: "policy.scope")
        try await expect(.POST, "/tasks/dispatch", ["scope": 7], status: 422, field: "scope")
        let task = try await Self.newTask(platform, staff)
        try await expect(.POST, "/tasks/\(task)/cancel", [:] as [String: Any], status: 422, field: "reason")
        let unknownAction = try await platform.call(.POST, "/tasks/\(task)/teleport", token: staff)
        #expect(unknownAction.status == 404 && unknownAction.problemCode == "not-found")

        let line: [String: Any] = ["goods": "rice", "quantity": 1]
        try await expect(.POST, "/orders", ["lines": [line]], status: 422, field: "resident")
        try await expect(.POST, "/orders", ["resident": "nobody", "lines": [line]], status: 422, field: "resident")
        try await expect(.POST, "/orders", ["resident": liu, "lines": [] as [Any]], status: 422, field: "lines")
        try await expect(.POST, "/orders", ["resident": liu, "lines": [line, line]], status: 422, field: "lines")
        try await expect(.POST, "/orders", ["resident": liu, "lines": [["goods": "rice", "quantity": 0]]], status: 422, field: "lines[0].quantity")
        try await expect(.POST, "/orders", ["resident": liu, "lines": [line, ["goods": " ", "quantity": 1]]], status: 422, field: "lines[1].goods")
        try await expect(.POST, "/orders", ["resident": liu, "lines": [["goods": "rice", "quantity": "one"]]], status: 422, field: "lines[0].quantity")
        try await expect(.POST, "/orders", ["resident": liu, "lines": [line], "onBehalf": false], status: 422, field: "onBehalf")
        try await expect(.GET, "/orders?stage=lost", nil, status: 400, field: "stage")
        try await expect(.POST, "/orders/batch", ["maxOrdersPerTask": 0], status: 422, field: "maxOrdersPerTask")
        try await expect(.POST, "/orders/batch", ["groupLevel": "planet"], status: 422, field: "groupLevel")
        let order = try #require(try await platform.call(.POST, "/orders", token: staff, json: ["resident": liu, "lines": [line]]).json()["id"] as? String)
        try await expect(.POST, "/orders/\(order)/cancel", [:] as [String: Any], status: 422, field: "reason")
        // Confirming an order nobody has delivered yet.
        let early = try await platform.call(.POST, "/orders/\(order)/confirm", token: staff)
        #expect(early.status == 409 && early.problemCode == "invalid-transition", "\(early.text)")
        let resident = try await platform.token("res.liu", .resident, Platform.h2)
        let claimed = try await platform.call(.POST, "/orders", token: resident, json: ["resident": liu, "lines": [line], "onBehalf": true])
        #expect(claimed.status == 422 && claimed.problemField == "onBehalf", "\(claimed.text)")
        try await platform.stop()
    }

    // MARK: Role × endpoint × jurisdiction

    @Test func everyRoleReachesExactlyTheVolunteerEndpointsItsPermissionsAllow() async throws {
        let platform = try await Platform.start()
        let admin = try await platform.token("admin.all", .admin, "sz")
        let mine = try await platform.person("Wang Fang", household: Platform.h1)
        let theirs = try await platform.person("Zhao Lei", household: Platform.other)
        try await Self.register(platform, admin, "v.here", area: Self.g1)
        try await Self.register(platform, admin, "v.there", area: "sz/ft/s1/c2/g1")
        let taskHere = try await Self.newTask(platform, admin)
        let taskThere = try await Self.newTask(platform, admin, at: Self.far)
        let line: [String: Any] = ["goods": "rice", "quantity": 1]
        var orders: [String] = []
        for person in [mine, theirs] {
            let answer = try await platform.call(.POST, "/orders", token: admin, json: ["resident": person, "lines": [line]])
            orders.append(try #require(try answer.json()["id"] as? String, "\(answer.text)"))
        }
        let (orderHere, orderThere) = (orders[0], orders[1])
        let volunteer: (String) -> [String: Any] = { ["name": "New Volunteer", "skills": ["escort"], "area": $0] }
        // (name, permission, inside the caller's jurisdiction `Platform.c1`, method, path, body).
        // An allowed call may still fail for its input or state (an existing volunteer without
        // If-Match, no volunteer record for /tasks/mine, an order not yet delivered), never with
        // 403. Working a task is allowed only to the volunteer it is offered to: these tasks are
        // offered to nobody, so that probe is "outside" for every role.
        let probes: [(String, Permission, Bool, HTTPMethod, String, Any?)] = [
            ("list volunteers here", .readVolunteers, true, .GET, "/volunteers?scope=\(Platform.c1)", nil),
            ("list volunteers there", .readVolunteers, false, .GET, "/volunteers?scope=\(Platform.c2)", nil),
            ("read a volunteer here", .readVolunteers, true, .GET, "/volunteers/v.here", nil),
            ("read a volunteer there", .readVolunteers, false, .GET, "/volunteers/v.there", nil),
            ("register a volunteer here", .manageVolunteers, true, .PUT, "/volunteers/v.new", volunteer(Self.g1)),
            ("register a volunteer there", .manageVolunteers, false, .PUT, "/volunteers/v.far", volunteer("sz/ft/s1/c2/g1")),
            ("move a volunteer away", .manageVolunteers, false, .PUT, "/volunteers/v.here", volunteer("sz/ft/s1/c2/g1")),
            ("open a task here", .manageVolunteers, true, .POST, "/tasks", ["kind": "escort", "location": Self.b1]),
            ("open a task there", .manageVolunteers, false, .POST, "/tasks", ["kind": "escort", "location": Self.far]),
            ("list tasks here", .readVolunteers, true, .GET, "/tasks?scope=\(Platform.c1)", nil),
            ("list tasks there", .readVolunteers, false, .GET, "/tasks?scope=\(Platform.c2)", nil),
            ("read a task here", .readVolunteers, true, .GET, "/tasks/\(taskHere)", nil),
            ("read a task there", .readVolunteers, false, .GET, "/tasks/\(taskThere)", nil),
            ("own tasks", .workTasks, true, .GET, "/tasks/mine", nil),
            ("accept a task offered to nobody", .workTasks, false, .POST, "/tasks/\(taskHere)/accept", nil),
            ("cancel a task there", .manageVolunteers, false, .POST, "/tasks/\(taskThere)/cancel", ["reason": "probe"]),
            ("dispatch here", .manageVolunteers, true, .POST, "/tasks/dispatch", ["scope": Platform.c1]),
            ("dispatch there", .manageVolunteers, false, .POST, "/tasks/dispatch", ["scope": Platform.c2]),
            ("order here", .placeOrders, true, .POST, "/orders", ["resident": mine, "lines": [line]]),
            ("order there", .placeOrders, false, .POST, "/orders", ["resident": theirs, "lines": [line]]),
            ("list orders here", .readOrders, true, .GET, "/orders?scope=\(Platform.c1)", nil),
            ("list orders there", .readOrders, false, .GET, "/orders?scope=\(Platform.c2)", nil),
            ("read an order here", .readOrders, true, .GET, "/orders/\(orderHere)", nil),
            ("read an order there", .readOrders, false, .GET, "/orders/\(orderThere)", nil),
            ("confirm an order here", .placeOrders, true, .POST, "/orders/\(orderHere)/confirm", nil),
            ("cancel an order there", .placeOrders, false, .POST, "/orders/\(orderThere)/cancel", ["reason": "probe"]),
            ("batch orders here", .manageVolunteers, true, .POST, "/orders/batch", ["scope": Platform.c1]),
            ("batch orders there", .manageVolunteers, false, .POST, "/orders/batch", ["scope": Platform.c2]),
        ]
        var checked = 0
        for role in Role.allCases {
            let token = try await platform.token("user.\(role.rawValue)", role, Platform.c1)
            for (name, permission, inside, method, path, json) in probes {
                let answer = try await platform.call(method, path, token: token, json: json)
                if AccessPolicy.allows(role, permission) && inside {
                    #expect(answer.status != 403 && answer.status < 500, "\(role) may \(name): \(answer.status) \(answer.text)")
                } else {
                    #expect(answer.status == 403, "\(role) may not \(name): \(answer.status) \(answer.text)")
                }
                checked += 1
            }
        }
        #expect(checked == Role.allCases.count * probes.count)
        // Nothing the probes were refused changed anything there.
        #expect(try Self.stage(try await platform.call(.GET, "/tasks/\(taskThere)", token: admin)) == "open")
        #expect(try Self.status(try await platform.call(.GET, "/orders/\(orderThere)", token: admin))["stage"] as? String == "placed")
        #expect(try await platform.call(.GET, "/volunteers/v.far", token: admin).status == 404)
        // The policy itself: volunteers work tasks and nothing else; residents order and read orders.
        #expect(Permission.allCases.filter { AccessPolicy.allows(.volunteer, $0) } == [.workTasks])
        #expect(Set(Permission.allCases.filter { AccessPolicy.allows(.resident, $0) }) == [.placeOrders, .readOrders, .issueCodes])
        try await platform.stop()
    }
}

/// An in-memory store that, when armed, lets another writer change a record of the armed kind
/// just before the next transaction that writes one: the transaction then meets a newer version.
final class RacingStore: ForwardingCommunityStore {
    let inner = InMemoryCommunityStore()
    private let armed = Mutex<RecordKind?>(nil)

    /// The next `updateRecords` writing a record of `kind` loses a race for it.
    func race(_ kind: RecordKind) { armed.withLock { $0 = kind } }

    func updateRecords(_ updates: [RecordUpdate]) async throws -> [StoredRecord] {
        let kind = armed.withLock { kind in
            defer { kind = nil }
            return kind
        }
        if let kind, let target = updates.first(where: { $0.record.kind == kind }), let current = try await inner.record(kind, id: target.record.id) {
            _ = try await inner.updateRecords([RecordUpdate(current.draft, expectedVersion: current.version)])
        } else if let kind {
            armed.withLock { $0 = kind }
        }
        return try await inner.updateRecords(updates)
    }
}
