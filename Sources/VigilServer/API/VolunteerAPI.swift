import Foundation
import HTTPTypes
import Hummingbird
import VigilCommunity
import VigilStore

// Volunteers, their tasks and dispatch, and resident orders batched into deliveries
// (docs/volunteers.md, "API"). Each is a versioned record: a volunteer at their area, a task at
// its location, an order at its household. A task's change and its volunteer's load (and the
// task's orders, when the delivery moves on) are written in one `store.updateRecords`
// transaction, as a referral and its hospital's beds are.
//
// A volunteer's user name is their volunteer id: the user `v.li` (role `volunteer`) works the
// tasks offered to the volunteer record `v.li`, and nobody else's.

extension RecordKind {
    /// A volunteer (id: the volunteer id, which is also their user name), kept at their area.
    static let volunteer = RecordKind("volunteer")
    /// A volunteer task (id `task-…`), kept at its location.
    static let volunteerTask = RecordKind("task")
    /// A resident's order of goods (id `order-…`), kept at the household it is delivered to.
    static let residentOrder = RecordKind("order")
}

extension CommunityAPI {
    static let volunteerRoutes: [APIRoute] = [
        APIRoute(
            method: .put, path: "/volunteers/{id}", permission: .manageVolunteers,
            summary:
                "Register or edit a volunteer: {\"name\",\"phone\",\"skills\",\"area\",\"available\",\"capacity\"}; the id is the volunteer's user name; If-Match to edit; the load is kept",
            body: "application/json", success: [200, 201]
        ) { api, request, context, caller in try await api.putVolunteer(request, context, caller) },
        APIRoute(
            method: .get, path: "/volunteers", permission: .readVolunteers, summary: "The volunteers whose area lies in a scope, by id",
            query: [
                ("scope", "jurisdiction path"), ("skill", "only volunteers with this skill"), ("available", "true or false"), ("after", "paging"),
                ("limit", "1-1000"),
            ],
            audited: true
        ) { api, request, _, caller in try await api.listVolunteers(request, caller) },
        APIRoute(
            method: .get, path: "/volunteers/{id}", permission: .readVolunteers,
            summary: "A volunteer with skills, area, availability, capacity and load (a volunteer may read their own); ETag", audited: true
        ) { api, _, context, caller in try await api.getVolunteer(context, caller) },
        APIRoute(
            method: .post, path: "/tasks", permission: .manageVolunteers,
            summary:
                "Open a task: {\"kind\": delivery|door-to-door|escort|transport, \"location\", \"requiredSkills\", \"priority\": 0-9, \"person\", \"note\"}",
            body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.openVolunteerTask(request, caller) },
        APIRoute(
            method: .get, path: "/tasks", permission: .readVolunteers, summary: "The tasks located in a scope, by id",
            query: [
                ("scope", "jurisdiction path"), ("stage", "open, offered, accepted, declined, checked-in, done, failed or cancelled"),
                ("volunteer", "only the tasks this volunteer holds or held"), ("after", "paging"), ("limit", "1-1000"),
            ],
            audited: true
        ) { api, request, _, caller in try await api.listVolunteerTasks(request, caller) },
        APIRoute(
            method: .get, path: "/tasks/mine", permission: .workTasks,
            summary: "The calling volunteer's tasks (offered to them, under way or over), in their city", query: [("stage", "a stage")],
            audited: true
        ) { api, request, _, caller in try await api.volunteersOwnTasks(request, caller) },
        APIRoute(
            method: .post, path: "/tasks/dispatch", permission: .manageVolunteers,
            summary:
                "Plan (and with apply, offer) the open and declined tasks of a scope to its volunteers by skill, distance and load: {\"scope\", \"policy\": {\"distanceWeight\",\"loadWeight\",\"scope\"}, \"apply\"}",
            body: "application/json"
        ) { api, request, _, caller in try await api.dispatchVolunteerTasks(request, caller) },
        APIRoute(
            method: .get, path: "/tasks/{id}", permission: .readVolunteers,
            summary: "A task with every step, and for a delivery its stops (its volunteer may read it too); ETag", audited: true
        ) { api, _, context, caller in try await api.getVolunteerTask(context, caller) },
        APIRoute(
            method: .post, path: "/tasks/{id}/{action}", permission: .workTasks,
            summary:
                "accept, decline, check-in, done, fail (the volunteer offered the task); cancel (volunteers.manage): {\"note\", \"reason\"}; the task, the volunteer's load and the delivery's orders change together",
            body: "application/json"
        ) { api, request, context, caller in try await api.volunteerTaskStep(request, context, caller) },
        APIRoute(
            method: .post, path: "/orders", permission: .placeOrders,
            summary:
                "Place an order: {\"resident\", \"lines\": [{\"goods\",\"quantity\"}], \"note\", \"onBehalf\"}; a resident for their household, staff on a resident's behalf",
            body: "application/json", success: [201]
        ) { api, request, _, caller in try await api.placeResidentOrder(request, caller) },
        APIRoute(
            method: .get, path: "/orders", permission: .readOrders, summary: "The orders delivered to a scope, by id (a resident: their household's)",
            query: [
                ("scope", "jurisdiction path"), ("stage", "placed, batched, out-for-delivery, delivered or cancelled"), ("after", "paging"),
                ("limit", "1-1000"),
            ],
            audited: true
        ) { api, request, _, caller in try await api.listResidentOrders(request, caller) },
        APIRoute(
            method: .post, path: "/orders/batch", permission: .manageVolunteers,
            summary:
                "Batch the placed orders of a scope into delivery tasks, vulnerable residents first: {\"scope\", \"maxOrdersPerTask\", \"groupLevel\", \"apply\"}",
            body: "application/json"
        ) { api, request, _, caller in try await api.batchResidentOrders(request, caller) },
        APIRoute(
            method: .get, path: "/orders/{id}", permission: .readOrders,
            summary: "An order and its status as the resident sees it (a resident sees only that); ETag", audited: true
        ) { api, _, context, caller in try await api.getResidentOrder(context, caller) },
        APIRoute(
            method: .post, path: "/orders/{id}/{action}", permission: .placeOrders,
            summary: "cancel ({\"reason\"}) or confirm the delivery ({\"note\"}), by the resident or staff for them", body: "application/json"
        ) { api, request, context, caller in try await api.residentOrderStep(request, context, caller) },
    ]

    // MARK: Volunteers

    private func putVolunteer(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.manageVolunteers)
        let id: VolunteerID
        do { id = try VolunteerID(context.parameters.get("id") ?? "") } catch let error as CommunityError {
            throw Problem(.badRequest, "bad-parameter", error.message).with(field: "id")
        }
        let body = try await Self.decode(VolunteerPutBody.self, request)
        let area = try Self.volunteerBodyPath(body.area, field: "area")
        try caller.require(.manageVolunteers, at: area)
        guard let stored = try await store.record(.volunteer, id: id.rawValue) else {
            let volunteer = try Volunteer(
                id: id, name: body.name, phone: body.phone, skills: Set(body.skills), area: area, available: body.available ?? true,
                capacity: body.capacity ?? 1)
            return try await insert(.volunteer, id: id.rawValue, at: area, person: nil, volunteer, caller: caller)
        }
        try caller.require(.manageVolunteers, at: stored.draft.jurisdiction)
        guard request.headers[.ifMatch] != nil else {
            throw Problem(.preconditionRequired, "if-match-required", "volunteer \(id) exists: send If-Match with the ETag of the version you edited")
        }
        var volunteer = try Self.decodeStored(Volunteer.self, stored)
        try volunteer.updateContact(name: body.name, phone: body.phone)
        volunteer.skills = Set(body.skills)
        volunteer.area = area
        if let available = body.available { volunteer.available = available }
        if let capacity = body.capacity { try volunteer.setCapacity(capacity) }
        var moved = stored
        moved.draft.jurisdiction = area
        return try await save(volunteer, moved, request: request, caller: caller, action: "volunteer.update")
    }

    private func listVolunteers(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readVolunteers)
        let query = request.uri.queryParameters
        let skill = try Self.optional(query["skill"], field: "skill") { VolunteerSkill(rawValue: $0) }
        let available = try Self.optional(query["available"], field: "available") { ["true": true, "false": false][$0] }
        return try await listRecords(.volunteer, Volunteer.self, request, caller, permission: .readVolunteers) { volunteer, _ in
            (skill.map { volunteer.skills.contains($0) } ?? true) && (available.map { $0 == volunteer.available } ?? true)
        }
    }

    /// Staff with `volunteers.read` in the volunteer's area, or the volunteer themself.
    private func getVolunteer(_ context: some RequestContext, _ caller: Caller) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let isSelf = AccessPolicy.allows(caller.role, .workTasks) && caller.name == id
        if !isSelf { try caller.require(.readVolunteers) }
        guard let stored = try await store.record(.volunteer, id: id) else { throw Problem.notFound("no volunteer \(id.prefix(64))") }
        if !isSelf { try caller.require(.readVolunteers, at: stored.draft.jurisdiction) }
        try await audit(caller, "volunteer.read", "volunteer/\(id)")
        return try Self.recordResponse(stored)
    }

    // MARK: Tasks

    private func openVolunteerTask(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.manageVolunteers)
        let body = try await Self.decode(VolunteerTaskCreateBody.self, request)
        let location = try Self.volunteerBodyPath(body.location, field: "location")
        try caller.require(.manageVolunteers, at: location)
        var person: PersonKey?
        if let key = body.person { person = try await self.person(key, caller, .manageVolunteers).id.rawValue }
        let id = Self.newID("task-")
        let task = try VolunteerTask(
            id: VolunteerTaskID(id), kind: body.kind, location: location, requiredSkills: body.requiredSkills.map { Set($0) },
            priority: try body.priority.map { try VolunteerTask.Priority($0) } ?? .routine, person: person, note: body.note,
            createdBy: caller.name, at: clock())
        return try await insert(.volunteerTask, id: id, at: location, person: person, task, caller: caller)
    }

    private func listVolunteerTasks(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readVolunteers)
        let query = request.uri.queryParameters
        let stage = try Self.optional(query["stage"], field: "stage") { VolunteerTask.Stage(rawValue: $0) }
        let volunteer = query["volunteer"].map(String.init)
        return try await listRecords(.volunteerTask, VolunteerTask.self, request, caller, permission: .readVolunteers) { task, _ in
            (stage.map { $0 == task.stage } ?? true) && (volunteer.map { $0 == task.volunteer?.rawValue } ?? true)
        }
    }

    /// The tasks whose latest offer went to the calling volunteer, searched in the city of their
    /// area (dispatch without a scope could reach further, but offers across cities are not
    /// listed here; `GET /tasks/{id}` still answers them).
    private func volunteersOwnTasks(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.workTasks)
        let stage = try Self.optional(request.uri.queryParameters["stage"], field: "stage") { VolunteerTask.Stage(rawValue: $0) }
        guard let record = try await store.record(.volunteer, id: caller.name) else {
            throw Problem.notFound("no volunteer \(caller.name.prefix(64)): a volunteer's user name is their volunteer id")
        }
        let me = try Self.decodeStored(Volunteer.self, record)
        var items: [[UInt8]] = []
        for stored in try await store.allRecords(.volunteerTask, in: me.area.ancestor(at: .city) ?? me.area) {
            let task = try Self.decodeStored(VolunteerTask.self, stored)
            if task.volunteer == me.id, stage.map({ $0 == task.stage }) ?? true { items.append(try Self.envelope(stored)) }
        }
        try await audit(caller, "task.mine", "tasks?volunteer=\(me.id)&count=\(items.count)")
        return try Self.envelopeItems(items)
    }

    /// Staff with `volunteers.read` at the task's location, or a volunteer it was offered to.
    /// A delivery shows its stops (each order's household, goods and stage) to staff and, while
    /// they hold it, to its volunteer; those reads of orders are audited.
    private func getVolunteerTask(_ context: some RequestContext, _ caller: Caller) async throws -> Response {
        let staff = AccessPolicy.allows(caller.role, .readVolunteers)
        let worker = AccessPolicy.allows(caller.role, .workTasks)
        if !staff && !worker { try caller.require(.readVolunteers) }
        let id = context.parameters.get("id") ?? ""
        guard let stored = try await store.record(.volunteerTask, id: id) else { throw Problem.notFound("no task \(id.prefix(64))") }
        let task = try Self.decodeStored(VolunteerTask.self, stored)
        let asStaff = staff && caller.scope.contains(stored.draft.jurisdiction)
        guard asStaff || (worker && task.steps.contains { $0.stage == .offered && $0.volunteer?.rawValue == caller.name }) else {
            if staff { try caller.require(.readVolunteers, at: stored.draft.jurisdiction) }
            throw Problem(.forbidden, "not-your-task", "task \(id.prefix(64)) was not offered to \(caller.name)")
        }
        var events = [("task.read", "task/\(id)")]
        var bytes = try Self.envelope(stored)
        if !task.orders.isEmpty, asStaff || (task.volunteer?.rawValue == caller.name && task.stage.holdsVolunteer) {
            var stops: [TaskDeliveryStop] = []
            for orderID in task.orders {
                guard let record = try await store.record(.residentOrder, id: orderID.rawValue) else { continue }
                let order = try Self.decodeStored(ResidentOrder.self, record)
                stops.append(
                    TaskDeliveryStop(
                        order: order.id.rawValue, stage: order.task == task.id ? order.stage.rawValue : "moved", household: order.household.description,
                        lines: order.lines, note: order.note))
                events.append(("order.read", "order/\(order.id)"))
            }
            bytes.removeLast()
            bytes += Array(",\"deliveries\":".utf8) + (try Self.encode(stops)) + [UInt8(ascii: "}")]
        }
        try await auditVolunteerEvents(caller, events)
        return Response(
            status: .ok, headers: [.contentType: "application/json", .eTag: Self.etag(stored.version)], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private static let volunteerTaskActions = ["accept", "decline", "check-in", "done", "fail", "cancel"]

    /// One step of a task's lifecycle. The task, its volunteer's load (decline, done, fail,
    /// cancel of a held task) and the orders it delivers (check-in: out for delivery; done:
    /// delivered, confirmed by the volunteer; fail, cancel: back to the queue) are written in one
    /// transaction, or nothing is (412 when any of them changed meanwhile).
    private func volunteerTaskStep(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        let action = context.parameters.get("action") ?? ""
        guard Self.volunteerTaskActions.contains(action) else {
            throw Problem(.notFound, "not-found", "no task action \(action.prefix(20)): accept, decline, check-in, done, fail or cancel")
        }
        let permission: Permission = action == "cancel" ? .manageVolunteers : .workTasks
        try caller.require(permission)
        let body = try await Self.decodeIfPresent(VolunteerTaskStepBody.self, request) ?? VolunteerTaskStepBody()
        let id = context.parameters.get("id") ?? ""
        guard let stored = try await store.record(.volunteerTask, id: id) else { throw Problem.notFound("no task \(id.prefix(64))") }
        var task = try Self.decodeStored(VolunteerTask.self, stored)
        if action == "cancel" {
            try caller.require(.manageVolunteers, at: stored.draft.jurisdiction)
        } else if task.volunteer?.rawValue != caller.name {
            throw Problem(.forbidden, "not-your-task", "task \(id.prefix(64)) is not offered to \(caller.name): only its volunteer may \(action) it")
        }
        try Self.requireTaskIfMatch(request, stored)

        // The volunteer whose slot the step gives back.
        var volunteer: (Volunteer, StoredRecord)?
        if ["decline", "done", "fail", "cancel"].contains(action), task.stage.holdsVolunteer, let holder = task.volunteer {
            guard let record = try await store.record(.volunteer, id: holder.rawValue) else {
                throw Problem(.conflict, "no-volunteer", "volunteer \(holder) holding task \(id.prefix(64)) is not registered")
            }
            volunteer = (try Self.decodeStored(Volunteer.self, record), record)
        }
        // The orders the delivery still carries.
        var orders: [(ResidentOrder, StoredRecord)] = []
        if ["check-in", "done", "fail", "cancel"].contains(action) {
            for orderID in task.orders {
                guard let record = try await store.record(.residentOrder, id: orderID.rawValue) else { continue }
                let order = try Self.decodeStored(ResidentOrder.self, record)
                if order.task == task.id { orders.append((order, record)) }
            }
        }
        let now = ([clock(), task.steps[task.steps.count - 1].at] + orders.map { $0.0.steps[$0.0.steps.count - 1].at }).max()!
        let by = caller.name
        var reason = ""
        switch action {
        case "accept":
            try task.accept(by: by, at: now)
        case "check-in":
            try task.checkIn(by: by, at: now, note: body.note)
        case "decline", "done", "fail":
            guard var held = volunteer?.0 else {
                throw Problem(.conflict, "invalid-transition", "task \(id.prefix(64)) is \(task.stage): nothing to \(action)").with(field: "stage")
            }
            switch action {
            case "decline": try task.decline(releasing: &held, by: by, at: now, reason: body.reason ?? body.note)
            case "done": try task.complete(releasing: &held, by: by, at: now, note: body.note)
            default:
                reason = try Self.reason(ReasonBody(reason: body.reason))
                try task.fail(releasing: &held, by: by, at: now, reason: reason)
            }
            volunteer?.0 = held
        default:  // cancel
            reason = try Self.reason(ReasonBody(reason: body.reason))
            if var held = volunteer?.0 {
                try task.cancel(releasing: &held, by: by, at: now, reason: reason)
                volunteer?.0 = held
            } else {
                try task.cancel(by: by, at: now, reason: reason)
            }
        }

        var updates = [Self.versionedUpdate(stored, with: try Self.encode(task), time: now)]
        var events = [("task.\(action)", "task/\(id)")]
        if case let (held, record)? = volunteer {
            updates.append(Self.versionedUpdate(record, with: try Self.encode(held), time: now))
            events.append(("volunteer.load", "volunteer/\(held.id)"))
        }
        let why = "delivery task \(id) \(action == "fail" ? "failed" : "was cancelled"): \(reason.prefix(400))"
        for (original, record) in orders {
            var order = original
            let stage = order.stage
            let carried = stage == .batched || stage == .outForDelivery
            if action == "check-in" && stage == .batched {
                try order.startDelivery(by: by, at: now)
            } else if action == "done" && carried {
                if stage == .batched { try order.startDelivery(by: by, at: now) }
                try order.confirmDelivery(by: by, at: now, confirmedBy: .volunteer)
            } else if (action == "fail" || action == "cancel") && carried {
                try order.returnToQueue(by: by, at: now, reason: why)
            } else {
                continue
            }
            updates.append(Self.versionedUpdate(record, with: try Self.encode(order), time: now))
            events.append(("order.\(order.stage == .placed ? "return" : order.stage.rawValue)", "order/\(order.id)"))
        }
        let saved: [StoredRecord]
        do { saved = try await store.updateRecords(updates) } catch let error as StoreError where error.code == .conflict {
            throw Problem(.preconditionFailed, "version-changed", "the task, its volunteer or its orders changed meanwhile: read them again")
        }
        try await auditVolunteerEvents(caller, events)
        return try Self.recordResponse(saved[0])
    }

    /// ``Dispatcher`` over the dispatchable tasks located in the scope and the volunteers whose
    /// area lies in it. With `apply`, every assignment becomes an offer: the tasks and the
    /// volunteers' loads are written in one transaction, or nothing is (412).
    private func dispatchVolunteerTasks(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.manageVolunteers)
        let body = try await Self.decodeIfPresent(TaskDispatchBody.self, request) ?? TaskDispatchBody()
        let scope = try body.scope.map { try Self.volunteerBodyPath($0, field: "scope") } ?? caller.scope
        try caller.require(.manageVolunteers, at: scope)
        let policy = try body.policy?.policy() ?? .standard
        var tasks: [VolunteerTaskID: (VolunteerTask, StoredRecord)] = [:]
        for record in try await store.allRecords(.volunteerTask, in: scope) {
            let task = try Self.decodeStored(VolunteerTask.self, record)
            if task.stage.isDispatchable { tasks[task.id] = (task, record) }
        }
        var volunteers: [VolunteerID: (Volunteer, StoredRecord)] = [:]
        for record in try await store.allRecords(.volunteer, in: scope) {
            let volunteer = try Self.decodeStored(Volunteer.self, record)
            volunteers[volunteer.id] = (volunteer, record)
        }
        let plan = try Dispatcher(policy: policy).plan(tasks: tasks.values.map(\.0), volunteers: volunteers.values.map(\.0))
        let apply = body.apply ?? false
        var events = [("task.dispatch\(apply ? "" : "-preview")", "tasks?scope=\(scope)&assigned=\(plan.assignments.count)&unassigned=\(plan.unassigned.count)")]
        if apply && !plan.assignments.isEmpty {
            let now = clock()
            var offered: Set<VolunteerID> = []
            var updates: [RecordUpdate] = []
            for assignment in plan.assignments {
                guard case let (original, record)? = tasks[assignment.task], var volunteer = volunteers[assignment.volunteer]?.0 else {
                    continue
                }
                var task = original
                let at = max(now, task.steps[task.steps.count - 1].at)
                try task.offer(to: &volunteer, by: caller.name, at: at)
                volunteers[assignment.volunteer]!.0 = volunteer
                offered.insert(volunteer.id)
                updates.append(Self.versionedUpdate(record, with: try Self.encode(task), time: at))
                events.append(("task.offer", "task/\(task.id)"))
            }
            for id in offered.sorted() {
                let (volunteer, record) = volunteers[id]!
                updates.append(Self.versionedUpdate(record, with: try Self.encode(volunteer), time: now))
                events.append(("volunteer.load", "volunteer/\(id)"))
            }
            do { _ = try await store.updateRecords(updates) } catch let error as StoreError where error.code == .conflict {
                throw Problem(.preconditionFailed, "version-changed", "a task or volunteer of the scope changed meanwhile: nothing was offered; dispatch again")
            }
        }
        try await auditVolunteerEvents(caller, events)
        return try Self.json(
            TaskDispatchAnswer(
                scope: scope.description, applied: apply, policy: plan.policy, assignments: plan.assignments, unassigned: plan.unassigned,
                totalCost: plan.totalCost, tasks: tasks.count, volunteers: volunteers.count))
    }

    // MARK: Resident orders

    private func placeResidentOrder(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.placeOrders)
        let body = try await Self.decode(ResidentOrderPlaceBody.self, request)
        let resident = try await person(body.resident, caller, .placeOrders, field: "resident")
        let onBehalf = caller.role != .resident
        if let claimed = body.onBehalf, claimed != onBehalf {
            let detail = onBehalf ? "staff order on a resident's behalf: onBehalf is true" : "a resident orders for their own household: onBehalf is false"
            throw Problem(.unprocessableContent, "invalid-field", detail).with(field: "onBehalf")
        }
        var lines: [ResidentOrder.Line] = []
        for (index, line) in body.lines.enumerated() {
            do { lines.append(try ResidentOrder.Line(goods: line.goods, quantity: line.quantity)) } catch let error as CommunityError {
                throw Problem(.unprocessableContent, "invalid-field", error.message).with(field: "lines[\(index)].\(error.field ?? "goods")")
            }
        }
        let id = Self.newID("order-")
        let now = clock()
        let order = try ResidentOrder(
            id: ResidentOrderID(id), resident: resident.id.rawValue, household: resident.household, lines: lines,
            vulnerabilities: resident.vulnerabilities, orderedBy: caller.name, onBehalf: onBehalf, at: now, note: body.note)
        let stored = try await store.insertRecord(
            RecordDraft(
                kind: .residentOrder, id: id, jurisdiction: resident.household, person: resident.id.rawValue, body: try Self.encode(order), time: now))
        try await audit(caller, "order.create", "order/\(id)")
        var response = try Self.residentOrderResponse(stored, order, caller, status: .created)
        response.headers[.location] = "\(Self.prefix)/orders/\(id)"
        return response
    }

    private func listResidentOrders(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.readOrders)
        let query = request.uri.queryParameters
        let scope = try query["scope"].map { try Self.path(String($0), field: "scope") } ?? caller.scope
        try caller.require(.readOrders, at: scope)
        let stage = try Self.optional(query["stage"], field: "stage") { ResidentOrder.Stage(rawValue: $0) }
        let limit = try Self.limit(query["limit"])
        var items: [[UInt8]] = []
        var after = query["after"].map(String.init)
        var next: String?
        repeat {
            let page = try await store.records(RecordQuery(kind: .residentOrder, scope: scope, after: after, limit: limit))
            for record in page.items where items.count < limit {
                let order = try Self.decodeStored(ResidentOrder.self, record)
                if stage.map({ $0 == order.stage }) ?? true { items.append(try Self.residentOrderBytes(record, order, caller)) }
                next = record.draft.id
            }
            after = page.next
        } while after != nil && items.count < limit
        if after == nil && items.count < limit { next = nil }
        try await audit(caller, "order.list", "orders?scope=\(scope)&count=\(items.count)")
        return try Self.envelopeItems(items, next: next)
    }

    private func getResidentOrder(_ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.readOrders)
        let (order, stored) = try await load(ResidentOrder.self, .residentOrder, id: context.parameters.get("id") ?? "", caller, .readOrders)
        try await audit(caller, "order.read", "order/\(stored.draft.id)")
        return try Self.residentOrderResponse(stored, order, caller)
    }

    /// `cancel` (with a reason) or `confirm` the delivery: the resident confirmed receipt, on
    /// their own account or through staff (`confirmedBy: resident`). A volunteer confirms by
    /// finishing the task.
    private func residentOrderStep(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        let action = context.parameters.get("action") ?? ""
        guard action == "cancel" || action == "confirm" else {
            throw Problem(.notFound, "not-found", "no order action \(action.prefix(20)): cancel or confirm")
        }
        try caller.require(.placeOrders)
        let body = try await Self.decodeIfPresent(ResidentOrderStepBody.self, request) ?? ResidentOrderStepBody()
        var (order, stored) = try await load(ResidentOrder.self, .residentOrder, id: context.parameters.get("id") ?? "", caller, .placeOrders)
        let now = max(clock(), order.steps[order.steps.count - 1].at)
        if action == "cancel" {
            try order.cancel(by: caller.name, at: now, reason: try Self.reason(ReasonBody(reason: body.reason)))
        } else {
            try order.confirmDelivery(by: caller.name, at: now, confirmedBy: .resident, note: body.note)
        }
        let saved = try await saveRecord(order, stored, request: request, caller: caller, action: "order.\(action)")
        return try Self.residentOrderResponse(saved, order, caller)
    }

    /// ``OrderBatcher`` over the placed orders delivered to the scope. With `apply`, the orders
    /// are marked batched and each batch's delivery task is stored, all in one transaction (412
    /// and nothing written when an order changed meanwhile).
    private func batchResidentOrders(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.manageVolunteers)
        let body = try await Self.decodeIfPresent(ResidentOrderBatchBody.self, request) ?? ResidentOrderBatchBody()
        let scope = try body.scope.map { try Self.volunteerBodyPath($0, field: "scope") } ?? caller.scope
        try caller.require(.manageVolunteers, at: scope)
        try caller.require(.readOrders, at: scope)
        var level = JurisdictionLevel.building
        if let name = body.groupLevel {
            guard let named = JurisdictionLevel(name: name) else {
                throw Problem(.unprocessableContent, "invalid-field", "groupLevel is a jurisdiction level (building, grid, ...)").with(field: "groupLevel")
            }
            level = named
        }
        let policy = try OrderBatchingPolicy(maxOrdersPerTask: body.maxOrdersPerTask ?? 10, groupLevel: level)
        var orders: [ResidentOrderID: (ResidentOrder, StoredRecord)] = [:]
        for record in try await store.allRecords(.residentOrder, in: scope) {
            let order = try Self.decodeStored(ResidentOrder.self, record)
            if order.stage.isOpen { orders[order.id] = (order, record) }
        }
        let batches = try OrderBatcher.batches(for: orders.values.map(\.0), policy: policy)
        let apply = body.apply ?? false
        var summary = ("order.batch\(apply ? "" : "-preview")", "orders?scope=\(scope)&orders=\(orders.count)&batches=\(batches.count)")
        guard apply && !batches.isEmpty else {
            try await auditVolunteerEvents(caller, [summary])
            return try Self.json(ResidentOrderBatchAnswer(scope: scope.description, applied: false, batches: batches.map { ResidentOrderBatchView($0, task: nil) }))
        }
        let now = clock()
        var tasks: [VolunteerTask] = []
        var updates: [RecordUpdate] = []
        var events: [(String, String)] = []
        for batch in batches {
            let task = try batch.makeTask(id: VolunteerTaskID(Self.newID("task-")), createdBy: caller.name, at: now)
            tasks.append(task)
            for id in batch.orders {
                guard case let (original, record)? = orders[id] else { continue }
                var order = original
                let at = max(now, order.steps[order.steps.count - 1].at)
                try order.batch(into: task.id, by: caller.name, at: at)
                orders[id]!.0 = order
                updates.append(Self.versionedUpdate(record, with: try Self.encode(order), time: at))
                events.append(("order.batched", "order/\(id)"))
            }
        }
        // The delivery tasks are inserted in the same transaction as the orders they batch.
        for task in tasks {
            updates.append(
                .insert(RecordDraft(kind: .volunteerTask, id: task.id.rawValue, jurisdiction: task.location, body: try Self.encode(task), time: now)))
            events.append(("task.create", "task/\(task.id)"))
        }
        do { _ = try await store.updateRecords(updates) } catch let error as StoreError where error.code == .conflict {
            throw Problem(.preconditionFailed, "version-changed", "an order of the scope changed meanwhile: nothing was batched; batch again")
        }
        summary.1 += "&tasks=\(tasks.count)"
        try await auditVolunteerEvents(caller, [summary] + events)
        return try Self.json(
            ResidentOrderBatchAnswer(scope: scope.description, applied: true, batches: zip(batches, tasks).map { ResidentOrderBatchView($0, task: $1.id.rawValue) }))
    }

    // MARK: Helpers

    /// An order as the caller sees it: a resident sees the lines and the status text, not who
    /// did what; staff see the record with every step, plus the resident's status.
    private static func residentOrderBytes(_ stored: StoredRecord, _ order: ResidentOrder, _ caller: Caller) throws -> [UInt8] {
        guard caller.role != .resident else {
            return try encode(
                ResidentOrderView(
                    id: order.id.rawValue, version: stored.version, resident: order.resident, household: order.household.description,
                    lines: order.lines, onBehalf: order.onBehalf, note: order.note, status: order.residentStatus))
        }
        var bytes = try envelope(stored)
        bytes.removeLast()
        bytes += Array(",\"status\":".utf8) + (try encode(order.residentStatus)) + [UInt8(ascii: "}")]
        return bytes
    }

    private static func residentOrderResponse(_ stored: StoredRecord, _ order: ResidentOrder, _ caller: Caller, status: HTTPResponse.Status = .ok) throws
        -> Response
    {
        Response(
            status: status, headers: [.contentType: "application/json", .eTag: etag(stored.version)],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try residentOrderBytes(stored, order, caller))))
    }

    /// `{"items": [...], "next": ...}` of envelopes already encoded.
    private static func envelopeItems(_ items: [[UInt8]], next: String? = nil) throws -> Response {
        var body = Array("{\"items\":[".utf8)
        for (index, item) in items.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += item
        }
        body += Array("],\"next\":".utf8) + (try encode(next))
        body.append(UInt8(ascii: "}"))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }


    private static func decodeStored<T: Decodable>(_ type: T.Type, _ record: StoredRecord) throws -> T {
        try JSONDecoder().decode(type, from: Data(record.draft.body))
    }

    /// The update writing `body` over `record` if it is still at the version read.
    private static func versionedUpdate(_ record: StoredRecord, with body: [UInt8], time: Int64) -> RecordUpdate {
        var draft = record.draft
        draft.body = body
        draft.time = time
        return RecordUpdate(draft, expectedVersion: record.version)
    }

    /// 412 when `If-Match` names another version than the stored one.
    private static func requireTaskIfMatch(_ request: Request, _ stored: StoredRecord) throws {
        guard let ifMatch = request.headers[.ifMatch] else { return }
        guard let expected = version(fromETag: ifMatch) else {
            throw Problem(.badRequest, "bad-if-match", "If-Match must be an ETag of this API, like \"v3\"").with(field: "If-Match")
        }
        guard expected == stored.version else {
            throw Problem(.preconditionFailed, "version-changed", "the record is at version \(stored.version), not \(expected): read it again")
        }
    }

    /// A jurisdiction path in a request body: 422 naming the field.
    private static func volunteerBodyPath(_ text: String, field: String) throws -> JurisdictionPath {
        do { return try JurisdictionPath(text) } catch let error as CommunityError {
            throw Problem(.unprocessableContent, "invalid-field", error.message).with(field: field)
        }
    }

    /// Several audit events of one request, in one append.
    private func auditVolunteerEvents(_ caller: Caller, _ events: [(String, String)]) async throws {
        guard !events.isEmpty else { return }
        let now = clock()
        _ = try await store.appendAudit(
            events.map { AuditEvent(time: now, actor: caller.name, role: caller.role, action: $0.0, resource: $0.1, purpose: caller.purpose) })
    }
}

// MARK: - Bodies

private struct VolunteerPutBody: Decodable {
    var name: String
    var phone: String?
    var skills: [VolunteerSkill]
    var area: String
    var available: Bool?
    var capacity: Int?
}

private struct VolunteerTaskCreateBody: Decodable {
    var kind: VolunteerTask.Kind
    var location: String
    var requiredSkills: [VolunteerSkill]?
    var priority: Int?
    var person: String?
    var note: String?
}

private struct VolunteerTaskStepBody: Decodable {
    var note: String?
    var reason: String?
}

private struct TaskDispatchBody: Decodable {
    var scope: String?
    var policy: TaskDispatchPolicyBody?
    var apply: Bool?
}

/// A ``DispatchPolicy`` with errors naming `policy.<field>`.
private struct TaskDispatchPolicyBody: Decodable {
    var distanceWeight: Int?
    var loadWeight: Int?
    var scope: String?

    func policy() throws -> DispatchPolicy {
        var level: JurisdictionLevel?
        if let scope {
            guard let named = JurisdictionLevel(name: scope) else {
                throw Problem(.unprocessableContent, "invalid-field", "policy.scope is a jurisdiction level (community, grid, ...)").with(field: "policy.scope")
            }
            level = named
        }
        do { return try DispatchPolicy(distanceWeight: distanceWeight ?? 1, loadWeight: loadWeight ?? 1, scope: level) } catch let error as CommunityError {
            throw Problem(.unprocessableContent, "invalid-field", error.message).with(field: "policy.\(error.field ?? "distanceWeight")")
        }
    }
}

private struct TaskDispatchAnswer: Encodable {
    var scope: String
    var applied: Bool
    var policy: DispatchPolicy
    var assignments: [DispatchPlan.Assignment]
    var unassigned: [DispatchPlan.Unassigned]
    var totalCost: Int
    /// Dispatchable tasks and volunteers considered.
    var tasks: Int
    var volunteers: Int
}

private struct TaskDeliveryStop: Encodable {
    var order: String
    /// The order's stage, or `moved` when it now rides another task.
    var stage: String
    var household: String
    var lines: [ResidentOrder.Line]
    var note: String?
}

private struct ResidentOrderPlaceBody: Decodable {
    var resident: String
    var lines: [ResidentOrderLineBody]
    var note: String?
    var onBehalf: Bool?
}

private struct ResidentOrderLineBody: Decodable {
    var goods: String
    var quantity: Int
}

private struct ResidentOrderStepBody: Decodable {
    var reason: String?
    var note: String?
}

private struct ResidentOrderBatchBody: Decodable {
    var scope: String?
    var maxOrdersPerTask: Int?
    var groupLevel: String?
    var apply: Bool?
}

private struct ResidentOrderBatchView: Encodable {
    /// The delivery task made from the batch (nil in a preview).
    var task: String?
    var area: String
    var orders: [String]
    var priority: Int
    var vulnerableOrders: Int
    var earliestPlacedAt: Int64

    init(_ batch: OrderBatch, task: String?) {
        self.task = task
        area = batch.area.description
        orders = batch.orders.map(\.rawValue)
        priority = batch.priority.rawValue
        vulnerableOrders = batch.vulnerableOrders
        earliestPlacedAt = batch.earliestPlacedAt
    }
}

private struct ResidentOrderBatchAnswer: Encodable {
    var scope: String
    var applied: Bool
    /// Vulnerable residents' batches first.
    var batches: [ResidentOrderBatchView]
}

/// What a resident is shown of an order: no steps, so no one else's name.
private struct ResidentOrderView: Encodable {
    var id: String
    var version: Int
    var resident: String
    var household: String
    var lines: [ResidentOrder.Line]
    var onBehalf: Bool
    var note: String?
    var status: ResidentOrder.ResidentStatus
}
