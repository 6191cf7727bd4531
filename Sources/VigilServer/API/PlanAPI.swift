import Foundation
import HTTPTypes
import Hummingbird
import VigilCommunity
import VigilLedger
import VigilStore
import VigilSurveillance

// Emergency plans and their evaluation (docs/plans.md, "API"). A plan is a versioned record kept
// at its scope's jurisdiction; an evaluation fills a `PlanInputs` snapshot from what the node
// stores (hospital beds, approved daily reports) and what the caller posts (alarms, risk levels,
// Rt), runs `PlanEvaluator` with the open activations from the store, and stores the day's
// events and the resulting activations. Ledger actions (stage proposals and broadcast orders) can be
// submitted to the node's chain; the other actions are returned for people to carry out.

extension RecordKind {
    /// An emergency plan (id: the plan's id), kept at its scope.
    static let emergencyPlan = RecordKind("emergency-plan")
    /// One activation of a plan (id: `plan@activatedOn`), open or ended, kept at the plan's scope.
    static let planActivation = RecordKind("plan-activation")
    /// Something that happened to a plan on an evaluated day (id: `day~plan~kind`), with what
    /// became of its actions, kept at the plan's scope.
    static let planEvent = RecordKind("plan-event")
}

extension CommunityAPI {
    static let planRoutes: [APIRoute] = [
        APIRoute(
            method: .put, path: "/plans/{id}", permission: .managePlans,
            summary: "Create an emergency plan (docs/plans.md), or edit it with If-Match; kept at its scope, version assigned by the server",
            body: "application/json", success: [200, 201]
        ) { api, request, context, caller in try await api.putPlan(request, context, caller) },
        APIRoute(
            method: .get, path: "/plans", permission: .readPlans, summary: "The emergency plans in a scope, by id",
            query: [
                ("scope", "jurisdiction path"), ("eventType", "an event type"), ("level", "IV, III, II or I"), ("active", "true or false"),
                ("after", "paging"), ("limit", "1-1000"),
            ]
        ) { api, request, _, caller in try await api.listPlans(request, caller) },
        APIRoute(
            method: .get, path: "/plans/{id}", permission: .readPlans, summary: "An emergency plan; ETag"
        ) { api, _, context, caller in try await api.getRecord(.emergencyPlan, context, caller, permission: .readPlans) },
        APIRoute(
            method: .post, path: "/plans/evaluate", permission: .managePlans,
            summary:
                "Evaluate the plans of a scope on a day: {\"day\", \"scope\", \"inputs\"?: alarms, risk levels and Rt, \"submit\"?: true to put stage proposals on the chain}; stores the events and activations",
            body: "application/json"
        ) { api, request, _, caller in try await api.evaluatePlans(request, caller) },
        APIRoute(
            method: .get, path: "/plans/activations", permission: .readPlans, summary: "Plan activations in a scope with their reasons",
            query: [("scope", "jurisdiction path"), ("open", "true: open only, false: ended only"), ("plan", "a plan id"), ("after", "paging"), ("limit", "1-1000")]
        ) { api, request, _, caller in try await api.listActivations(request, caller) },
        APIRoute(
            method: .get, path: "/plans/events", permission: .readPlans,
            summary: "What happened to the plans of a scope: activated, reinstated, superseded, deactivated, with what became of the actions",
            query: [("scope", "jurisdiction path"), ("day", "YYYY-MM-DD"), ("plan", "a plan id"), ("after", "paging"), ("limit", "1-1000")]
        ) { api, request, _, caller in try await api.listPlanEvents(request, caller) },
    ]

    /// Paths below `/plans/` that are endpoints, not plan ids.
    static let reservedPlanIDs: Set<String> = ["evaluate", "activations", "events"]

    /// Evaluations run one at a time in this process, so two cannot issue the same activation.
    static let planEvaluationGate = SerialGate()

    // MARK: Plans

    func putPlan(_ request: Request, _ context: some RequestContext, _ caller: Caller) async throws -> Response {
        try caller.require(.managePlans)
        let id: EmergencyPlanID
        do { id = try EmergencyPlanID(context.parameters.get("id") ?? "") } catch let error as CommunityError {
            throw Problem(.badRequest, "bad-parameter", error.message).with(field: "id")
        }
        guard !Self.reservedPlanIDs.contains(id.rawValue) else {
            throw Problem(.unprocessableContent, "invalid-field", "\(id) names an endpoint, not a plan: choose another id").with(field: "id")
        }
        let bytes = try Self.planBytes(try await NodeRoutes.collect(request, limit: Self.maxJSONBytes), id: id)
        let posted = try Self.decode(EmergencyPlan.self, bytes)
        try caller.require(.managePlans, at: posted.scope)
        guard var stored = try await store.record(.emergencyPlan, id: id.rawValue) else {
            let plan = try posted.withVersion(0)
            var response = try await insert(.emergencyPlan, id: id.rawValue, at: plan.scope, person: nil, plan, caller: caller)
            response.headers[.location] = "\(Self.prefix)/plans/\(id)"
            return response
        }
        try caller.require(.managePlans, at: stored.draft.jurisdiction)
        guard request.headers[.ifMatch] != nil else {
            throw Problem(.preconditionRequired, "if-match-required", "plan \(id) exists: send If-Match with the ETag of the version you edited")
        }
        // Record version n holds plan version n - 1; the edit makes both one higher. The plan
        // moves with its scope.
        let plan = try posted.withVersion(stored.version)
        stored.draft.jurisdiction = plan.scope
        return try await save(plan, stored, request: request, caller: caller, action: "\(RecordKind.emergencyPlan).update")
    }

    /// The body of `PUT /plans/{id}` with the path's id: added when the body has none, refused
    /// (422, field `id`) when it names another.
    static func planBytes(_ bytes: [UInt8], id: EmergencyPlanID) throws -> [UInt8] {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        guard let open = bytes.firstIndex(where: { !isSpace($0) }), bytes[open] == UInt8(ascii: "{") else {
            throw Problem(.badRequest, "bad-json", "the body must be a JSON object: the plan")
        }
        struct Probe: Decodable { var id: String? }
        if let given = try decode(Probe.self, bytes).id {
            guard given == id.rawValue else {
                throw Problem(.unprocessableContent, "invalid-field", "the body's id \(given.prefix(64)) is not the path's \(id)").with(field: "id")
            }
            return bytes
        }
        let next = bytes[(open + 1)...].first(where: { !isSpace($0) })
        let member = "\"id\":\"\(id.rawValue)\"" + (next == UInt8(ascii: "}") ? "" : ",")
        return Array(bytes[...open]) + Array(member.utf8) + Array(bytes[(open + 1)...])
    }

    func listPlans(_ request: Request, _ caller: Caller) async throws -> Response {
        let query = request.uri.queryParameters
        if let level = query["level"], ResponseLevel(rawValue: String(level)) == nil {
            throw Problem(.badRequest, "bad-parameter", "level is IV, III, II or I").with(field: "level")
        }
        if let active = query["active"], active != "true", active != "false" {
            throw Problem(.badRequest, "bad-parameter", "active is true or false").with(field: "active")
        }
        return try await listRecords(.emergencyPlan, EmergencyPlan.self, request, caller, permission: .readPlans) { plan, query in
            (query["eventType"].map { $0 == plan.eventType.rawValue } ?? true) && (query["level"].map { $0 == plan.level.rawValue } ?? true)
                && (query["active"].map { ($0 == "true") == plan.isActive } ?? true)
        }
    }

    func listActivations(_ request: Request, _ caller: Caller) async throws -> Response {
        if let open = request.uri.queryParameters["open"], open != "true", open != "false" {
            throw Problem(.badRequest, "bad-parameter", "open is true or false").with(field: "open")
        }
        return try await listRecords(.planActivation, ActivationRecord.self, request, caller, permission: .readPlans) { record, query in
            (query["open"].map { ($0 == "true") == record.open } ?? true) && (query["plan"].map { $0 == record.activation.plan.rawValue } ?? true)
        }
    }

    func listPlanEvents(_ request: Request, _ caller: Caller) async throws -> Response {
        let day = try Self.day(request.uri.queryParameters["day"], required: false)
        return try await listRecords(.planEvent, PlanEventPeek.self, request, caller, permission: .readPlans) { record, query in
            (day.map { $0 == record.event.day } ?? true) && (query["plan"].map { $0 == record.event.plan.rawValue } ?? true)
        }
    }

    // MARK: Evaluation

    func evaluatePlans(_ request: Request, _ caller: Caller) async throws -> Response {
        try caller.require(.managePlans)
        let body = try await Self.decode(PlanEvaluateBody.self, request)
        try caller.require(.managePlans, at: body.scope)
        let answer = try await Self.planEvaluationGate.run { try await self.evaluate(body, caller) }
        return try Self.json(answer)
    }

    /// One evaluation: inputs, the evaluator, the ledger, then the writes (nothing when the day
    /// issues nothing and no activation changed).
    func evaluate(_ body: PlanEvaluateBody, _ caller: Caller) async throws -> PlanEvaluationAnswer {
        let plans = try await all(.emergencyPlan, EmergencyPlan.self, in: body.scope)
        var openRecords: [EmergencyPlanID: (ActivationRecord, StoredRecord)] = [:]
        // The activations of the whole tree above the scope too: an open one of a plan whose
        // scope contains this one, of an event type of the plans here, would supersede them, and
        // only an evaluation that includes that plan can judge it.
        let top = (try? JurisdictionPath(components: [body.scope.components[0]])) ?? body.scope
        let eventTypes = Set(plans.map(\.eventType))
        for stored in try await storedRecords(.planActivation, in: top) {
            guard body.scope.contains(stored.draft.jurisdiction) || stored.draft.jurisdiction.contains(body.scope) else { continue }
            let record = try JSONDecoder().decode(ActivationRecord.self, from: Data(stored.draft.body))
            guard record.open else { continue }
            guard body.scope.contains(record.activation.scope) else {
                guard !eventTypes.contains(record.activation.eventType) else {
                    throw Problem(
                        .conflict, "evaluate-wider",
                        "plan \(record.activation.plan) (level \(record.activation.level), \(record.activation.eventType)) is active over \(record.activation.scope), which contains \(body.scope): evaluate \(record.activation.scope) so that escalation between the plans is judged"
                    ).with(field: "scope")
                }
                continue
            }
            guard openRecords[record.activation.plan] == nil else {
                throw Problem(.conflict, "conflict", "plan \(record.activation.plan) has two open activations: end one (\(stored.draft.id))")
            }
            openRecords[record.activation.plan] = (record, stored)
        }
        let (inputs, summary) = try await planInputs(body, plans: plans)
        let evaluation = try PlanEvaluator(inputs: inputs).evaluate(
            plans, on: body.day, previousActivations: openRecords.values.map(\.0.activation).sorted { $0.plan < $1.plan })

        // What becomes of each action of the events issued now.
        var outcomes: [PlanActionOutcome] = []
        var outcomesByEvent: [[PlanActionOutcome]] = []
        for event in evaluation.events {
            var mine: [PlanActionOutcome] = []
            for (index, action) in event.actions.enumerated() {
                mine.append(try await carryOut(action, index: index, of: event, submit: body.submit, caller: caller))
            }
            outcomesByEvent.append(mine)
            outcomes += mine
        }

        // The activations as they stand after the day: changed ones updated (in one
        // transaction), ended ones closed, new ones inserted.
        let now = clock()
        var updates: [RecordUpdate] = []
        let after = Dictionary(uniqueKeysWithValues: evaluation.activations.map { ($0.plan, $0) })
        let endings = Dictionary(
            evaluation.events.filter { $0.kind == .deactivated }.map { ($0.plan, $0.summary) }, uniquingKeysWith: { first, _ in first })
        for (plan, (record, stored)) in openRecords.sorted(by: { $0.key < $1.key }) {
            var changed = record
            if let activation = after[plan] {
                guard activation != record.activation else { continue }
                changed.activation = activation
            } else {
                changed.open = false
                changed.endedOn = body.day
                changed.ending = endings[plan] ?? "ended"
            }
            var draft = stored.draft
            draft.body = try Self.encode(changed)
            draft.time = now
            updates.append(RecordUpdate(draft, expectedVersion: stored.version))
        }
        if !updates.isEmpty {
            do { _ = try await store.updateRecords(updates) } catch let error as StoreError where error.code == .conflict {
                throw Problem(.conflict, "version-changed", "an activation changed during the evaluation (another evaluation ran): evaluate again")
            }
        }
        var inserted = 0
        for activation in evaluation.activations where openRecords[activation.plan] == nil {
            _ = try await insertUnique(
                .planActivation, id: "\(activation.plan)@\(activation.activatedOn)", at: activation.scope,
                ActivationRecord(activation: activation, open: true), time: now)
            inserted += 1
        }
        for (event, mine) in zip(evaluation.events, outcomesByEvent) {
            _ = try await insertUnique(
                .planEvent, id: "\(event.day)~\(event.plan)~\(event.kind)", at: event.scope,
                PlanEventRecord(event: event, outcomes: mine, evaluatedBy: caller.name, at: now), time: now)
        }
        let written = PlanEvaluationAnswer.Written(events: evaluation.events.count, activations: updates.count + inserted)
        if written.events + written.activations > 0 {
            try await audit(
                caller, "plan.evaluate",
                "plans/evaluate?scope=\(body.scope)&day=\(body.day)&events=\(written.events)&activations=\(written.activations)")
        }
        return PlanEvaluationAnswer(
            day: body.day, scope: body.scope, plans: plans.count, inputs: summary, events: evaluation.events, activations: evaluation.activations,
            actions: outcomes, written: written,
            note:
                "the node carries out only ledger actions (stage proposals and broadcast orders, with submit); supply reallocations and volunteer call-ups are returned for people to carry out"
        )
    }

    /// The snapshot for the plans of `body.scope` on `body.day`: per plan scope, the beds of the
    /// node's hospital-capacity records in it (their current counts, as of the day) and the new
    /// confirmed cases of its approved or published daily reports of the last 365 days; per
    /// community and day, what the caller posted; the communities registered in the scope, those
    /// that reported and those posted.
    func planInputs(_ body: PlanEvaluateBody, plans: [EmergencyPlan]) async throws -> (PlanInputs, PlanInputsSummary) {
        let posted = try body.inputs ?? PlanInputs()
        let first = body.day.addingDays(-364)
        let reports = try await all(.dailyReport, DailyReport.self, in: body.scope).filter {
            $0.status >= .approved && first <= $0.day && $0.day <= body.day
        }
        let hospitals = try await storedRecords(.hospitalCapacity, in: body.scope).map {
            ($0.draft.jurisdiction, try JSONDecoder().decode(HospitalCapacity.self, from: Data($0.draft.body)))
        }
        var communities = Set(try await jurisdictions(in: body.scope).map(\.path).filter { $0.level == .community })
        communities.formUnion(reports.map(\.community))
        communities.formUnion(posted.communities)

        let postedScopes = Dictionary(uniqueKeysWithValues: posted.scopes.map { ($0.scope, $0) })
        let planScopes = Set(plans.filter(\.isActive).map(\.scope))
        var scopes: [PlanInputs.Scope] = []
        var summary = PlanInputsSummary(communities: communities.count, postedDays: posted.days.count)
        for scope in planScopes.union(postedScopes.keys).sorted() {
            var beds: [PlanInputs.Beds] = []
            var confirmed: [PlanInputs.Confirmed] = []
            if planScopes.contains(scope) {
                let inScope = hospitals.filter { scope.contains($0.0) }.map(\.1)
                if !inScope.isEmpty {
                    let occupied = inScope.reduce(0) { $0 + $1.occupied }
                    let total = inScope.reduce(0) { $0 + $1.total }
                    beds = [try PlanInputs.Beds(day: body.day, occupied: occupied, total: total)]
                    summary.beds.append(.init(scope: scope, hospitals: inScope.count, occupied: occupied, total: total))
                }
                var byDay: [CivilDate: Int] = [:]
                var count = 0
                for report in reports where scope.contains(report.community) {
                    byDay[report.day, default: 0] += report.counts.newConfirmed
                    count += 1
                }
                confirmed = try byDay.sorted { $0.key < $1.key }.map { try PlanInputs.Confirmed(day: $0.key, count: $0.value) }
                summary.confirmed.append(
                    .init(scope: scope, reports: count, cases: byDay.values.reduce(0, +), onDay: byDay[body.day] ?? 0))
            }
            scopes.append(try PlanInputs.Scope(scope: scope, rt: postedScopes[scope]?.rt ?? [], beds: beds, confirmed: confirmed))
        }
        return (try PlanInputs(communities: communities.sorted(), days: posted.days, scopes: scopes), summary)
    }

    /// Carries out one action of an event, as far as the node does: a stage proposal goes to the
    /// chain as a `proposal`, and a broadcast as an `order` to every member (the chain accepts
    /// orders only from its leader or a supervisor), when `submit` is set and the node has a
    /// chain; an alert is skipped (the chain's alert report is one community's detection with
    /// its numbers, which a plan's alert does not carry); reallocations and call-ups are for people.
    func carryOut(_ action: PlanAction, index: Int, of event: PlanEvent, submit: Bool, caller: Caller) async throws -> PlanActionOutcome {
        var outcome = PlanActionOutcome(plan: event.plan, event: event.kind, index: index, action: action, result: .skipped)
        let body: JSONValue
        let kind: EntryKind
        switch action {
        case .proposeStage(let proposal):
            kind = .proposal
            body = .object(["subject": .string(Subject.stage.rawValue), "data": .object(["stage": .string(proposal.stage)])])
        case .broadcast(let order):
            kind = .order
            body = .object(["to": .array([.string("all")]), "text": .string(Self.orderText(order, plan: event.plan))])
        case .proposeAlert:
            outcome.reason = "alert-not-ledger-shaped"
            outcome.detail =
                "the chain's alert is one community's aberration (community, syndrome, method, date, observed count, upper bound) without free text; the plan's alert has a message and no detection numbers: raise it from the detection instead"
            return outcome
        case .reallocateSupplies, .callUpVolunteers:
            outcome.result = .forPeople
            outcome.detail = "for people to carry out: \(action)"
            return outcome
        }
        guard submit else {
            outcome.reason = "not-requested"
            outcome.detail = "evaluate with \"submit\": true to put it on the chain"
            return outcome
        }
        guard let ledger else {
            outcome.reason = "no-ledger"
            outcome.detail = "this node reports to no chain (give one chain an areaSecretFile in its configuration)"
            return outcome
        }
        do {
            let signed = try await ledger.submit(kind, body: body, time: clock())
            outcome.entry = signed.entry.hash.hex
            if signed.refusals.isEmpty {
                outcome.result = .submitted
                outcome.status = EntryStatusBody(try await ledger.status(of: signed.entry.hash))
            } else {
                outcome.result = .refused
                outcome.reason = "ledger-refused"
                outcome.detail = signed.refusals.joined(separator: "; ")
            }
            try await audit(caller, "plan.submit", "plan/\(event.plan)->\(signed.entry.hash.hex)")
        } catch let error as LedgerError {
            outcome.result = .refused
            outcome.reason = "ledger-refused"
            outcome.detail = error.message
        } catch let error as CaseLedger.Unavailable {
            outcome.reason = "ledger-unavailable"
            outcome.detail = "the chain cannot take entries now: \(error.description)"
        }
        return outcome
    }

    /// The text of a broadcast's chain order: the plan's text, then whom it is for (the chain's
    /// recipients are its member organisations; the roles and residents are theirs to reach).
    static func orderText(_ order: PlanAction.BroadcastOrder, plan: EmergencyPlanID) -> String {
        var audience = order.recipients.roles.map(\.rawValue)
        if order.recipients.residents { audience.append("residents") }
        let scope = order.recipients.scope.map { " in \($0)" } ?? ""
        return "\(order.text)\n\n(plan \(plan); for \(audience.joined(separator: ", "))\(scope))"
    }

    // MARK: Records

    /// Every stored record of `kind` in `scope`.
    func storedRecords(_ kind: RecordKind, in scope: JurisdictionPath) async throws -> [StoredRecord] {
        try await store.allRecords(kind, in: scope)
    }

    /// Inserts a record at `id`, or `id~2`, `id~3`, ... when that id is taken (a plan that
    /// activates again on the day an earlier activation of it ended).
    func insertUnique(_ kind: RecordKind, id: String, at jurisdiction: JurisdictionPath, _ value: some Encodable, time: Int64) async throws
        -> StoredRecord
    {
        let body = try Self.encode(value)
        for n in 1...100 {
            do {
                return try await store.insertRecord(
                    RecordDraft(kind: kind, id: n == 1 ? id : "\(id)~\(n)", jurisdiction: jurisdiction, body: body, time: time))
            } catch let error as StoreError where error.code == .conflict {
                continue
            }
        }
        throw Problem(.conflict, "conflict", "\(kind) \(id) exists 100 times")
    }
}

extension EmergencyPlan {
    /// The same plan at `version`.
    func withVersion(_ version: Int) throws -> EmergencyPlan {
        try EmergencyPlan(
            id: id, title: title, eventType: eventType, level: level, scope: scope, trigger: trigger, actions: actions, isActive: isActive,
            version: version, deactivateAfterDays: deactivateAfterDays)
    }
}

/// Runs bodies one at a time, in arrival order (an async mutex).
actor SerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    private func enter() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
    }

    private func leave() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await enter()
        do {
            let result = try await body()
            leave()
            return result
        } catch {
            leave()
            throw error
        }
    }
}

// MARK: - Bodies

/// A JSON property name.
struct AnyJSONKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// `POST /plans/evaluate`: `{"day", "scope", "inputs"?, "submit"?}`. Unknown properties are
/// refused (a misspelt `submit` must not silently do nothing); every error names its field, with
/// `inputs.` before the fields of the posted inputs (`inputs.days[3].riskLevel`).
struct PlanEvaluateBody: Decodable, Sendable {
    var day: CivilDate
    var scope: JurisdictionPath
    var inputs: PlanInputs?
    var submit: Bool

    private struct Skip: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// The posted order of `communities` and `scopes` (``PlanInputs`` sorts them), to name them.
    private struct Peek: Decodable {
        struct Scope: Decodable {
            var scope: String?
            var beds: [Skip]?
            var confirmed: [Skip]?
        }
        var communities: [String]?
        var scopes: [Scope]?
    }

    init(from decoder: any Decoder) throws {
        let c: KeyedDecodingContainer<AnyJSONKey>
        do { c = try decoder.container(keyedBy: AnyJSONKey.self) } catch {
            throw CommunityError(.invalidField, "the body must be a JSON object: {\"day\", \"scope\", \"inputs\", \"submit\"}")
        }
        let allowed = ["day", "scope", "inputs", "submit"]
        if let unknown = c.allKeys.map(\.stringValue).filter({ !allowed.contains($0) }).sorted().first {
            throw CommunityError(.invalidField, "unknown property; expected one of \(allowed.joined(separator: ", "))", field: unknown)
        }
        func required<T: Decodable>(_ key: String, _ what: String) throws -> T {
            guard c.contains(AnyJSONKey(key)) else { throw CommunityError(.invalidField, "\(key) is required", field: key) }
            do { return try c.decode(T.self, forKey: AnyJSONKey(key)) } catch var error as CommunityError {
                error.field = key
                throw error
            } catch {
                throw CommunityError(.invalidField, "\(key) must be \(what)", field: key)
            }
        }
        day = try required("day", "a date YYYY-MM-DD")
        scope = try required("scope", "a jurisdiction path")
        submit = try c.contains(AnyJSONKey("submit")) ? required("submit", "true or false") : false
        guard c.contains(AnyJSONKey("inputs")) else {
            inputs = nil
            return
        }
        let posted: PlanInputs
        do { posted = try c.decode(PlanInputs.self, forKey: AnyJSONKey("inputs")) } catch var error as CommunityError {
            error.field = error.field.map { $0.hasPrefix("[") ? "inputs\($0)" : "inputs.\($0)" } ?? "inputs"
            throw error
        } catch {
            throw CommunityError(.invalidField, "inputs must be an object {\"communities\", \"days\", \"scopes\"}", field: "inputs")
        }
        // The posted data must be about the evaluated scope; beds and confirmed cases come from
        // the node's own records.
        let peek = try? c.decode(Peek.self, forKey: AnyJSONKey("inputs"))
        for (i, text) in (peek?.communities ?? []).enumerated() {
            if let community = try? JurisdictionPath(text), !scope.contains(community) {
                throw CommunityError(.invalidField, "\(community) is outside the evaluated scope \(scope)", field: "inputs.communities[\(i)]")
            }
        }
        for (i, day) in posted.days.enumerated() where !scope.contains(day.community) {
            throw CommunityError(.invalidField, "\(day.community) is outside the evaluated scope \(scope)", field: "inputs.days[\(i)].community")
        }
        for (i, entry) in (peek?.scopes ?? []).enumerated() {
            let field = "inputs.scopes[\(i)]"
            if let text = entry.scope, let path = try? JurisdictionPath(text), !scope.contains(path) {
                throw CommunityError(.invalidField, "\(path) is outside the evaluated scope \(scope)", field: "\(field).scope")
            }
            if !(entry.beds ?? []).isEmpty {
                throw CommunityError(.invalidField, "beds come from the node's hospital-capacity records; do not post them", field: "\(field).beds")
            }
            if !(entry.confirmed ?? []).isEmpty {
                throw CommunityError(.invalidField, "confirmed cases come from the node's approved daily reports; do not post them", field: "\(field).confirmed")
            }
        }
        inputs = posted
    }
}

/// A stored activation: the ``PlanActivation`` with, flattened into the same object, whether it
/// is still open and, once ended, the day and why.
struct ActivationRecord: Codable, Equatable {
    var activation: PlanActivation
    var open: Bool
    var endedOn: CivilDate?
    var ending: String?

    init(activation: PlanActivation, open: Bool, endedOn: CivilDate? = nil, ending: String? = nil) {
        self.activation = activation
        self.open = open
        self.endedOn = endedOn
        self.ending = ending
    }

    private enum Keys: String, CodingKey { case open, endedOn, ending }

    init(from decoder: any Decoder) throws {
        activation = try PlanActivation(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        open = try c.decode(Bool.self, forKey: .open)
        endedOn = try c.decodeIfPresent(CivilDate.self, forKey: .endedOn)
        ending = try c.decodeIfPresent(String.self, forKey: .ending)
    }

    func encode(to encoder: any Encoder) throws {
        try activation.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(open, forKey: .open)
        try c.encodeIfPresent(endedOn, forKey: .endedOn)
        try c.encodeIfPresent(ending, forKey: .ending)
    }
}

/// A stored event, with what became of its actions.
struct PlanEventRecord: Encodable {
    var event: PlanEvent
    var outcomes: [PlanActionOutcome]
    var evaluatedBy: String
    var at: Int64
}

/// The part of a stored event that `GET /plans/events` filters on.
struct PlanEventPeek: Decodable {
    struct Event: Decodable {
        var day: CivilDate
        var plan: EmergencyPlanID
    }
    var event: Event
}

/// What became of one action of an event.
struct PlanActionOutcome: Encodable {
    enum Result: String, Encodable {
        /// On the chain (`entry`, `status`).
        case submitted
        /// The chain did not take it (`detail` says why).
        case refused
        /// Not submitted (`reason`: `not-requested`, `no-ledger`, `alert-not-ledger-shaped`,
        /// `ledger-unavailable`).
        case skipped
        /// A supply reallocation or a volunteer call-up: for people to carry out.
        case forPeople = "for-people"
    }

    var plan: EmergencyPlanID
    var event: PlanEvent.Kind
    /// The action's position in the plan's actions.
    var index: Int
    var action: PlanAction
    var result: Result
    var reason: String?
    var detail: String?
    /// The ledger entry's hash, hex.
    var entry: String?
    var status: EntryStatusBody?
}

/// What the node read into the snapshot.
struct PlanInputsSummary: Encodable {
    struct Beds: Encodable {
        var scope: JurisdictionPath
        var hospitals: Int
        var occupied: Int
        var total: Int
    }

    struct Confirmed: Encodable {
        var scope: JurisdictionPath
        /// Approved or published daily reports of the last 365 days in the scope.
        var reports: Int
        /// Their new confirmed cases.
        var cases: Int
        /// Those reported for the evaluated day.
        var onDay: Int
    }

    /// Communities in the snapshot (registered, reporting or posted).
    var communities: Int
    /// Community-days posted by the caller.
    var postedDays: Int
    var beds: [Beds] = []
    var confirmed: [Confirmed] = []
}

/// The answer of `POST /plans/evaluate`.
struct PlanEvaluationAnswer: Encodable {
    struct Written: Encodable {
        var events: Int
        var activations: Int
    }

    var day: CivilDate
    var scope: JurisdictionPath
    /// Plans in the scope (active or not).
    var plans: Int
    var inputs: PlanInputsSummary
    var events: [PlanEvent]
    /// The open activations after the day.
    var activations: [PlanActivation]
    /// What became of each action of the events, in event order.
    var actions: [PlanActionOutcome]
    /// Records written: none when the day had been evaluated already with the same result.
    var written: Written
    var note: String
}
