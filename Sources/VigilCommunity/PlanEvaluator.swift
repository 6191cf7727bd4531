public import VigilSurveillance

/// Decides which emergency plans are active on a day, from a ``PlanInputs`` snapshot, and
/// records why: pure, deterministic (the same plans, inputs, day and previous activations give
/// the same evaluation, whatever their order), and it executes nothing.
///
/// Build one evaluator per snapshot: `init(inputs:)` indexes the snapshot once (alarms by day,
/// risk levels in a day × community table, scope series as dense arrays with prefix sums), so a
/// day costs O(plans × communities) and a replay over many days slides each window along
/// instead of recounting it.
///
/// The rules (`docs/plans.md` has the details):
///
/// * **Activation.** An active plan (``EmergencyPlan/isActive``) without an open activation
///   activates on a day its trigger holds, with the conditions that held as reasons.
/// * **Persistence.** An open activation is not renewed while the trigger holds; it records the
///   last day the trigger held, and ends (a `deactivated` event) on the first evaluated day D
///   on which the trigger does not hold and D − last held day ≥ the plan's
///   ``EmergencyPlan/deactivateAfterDays`` (evaluated daily: false for that many consecutive
///   days). It also ends when the plan is made inactive or is no longer given.
/// * **Escalation.** Among the open activations of one event type, one whose level is higher
///   and whose scope contains another's supersedes it. A superseded plan stays active but its
///   actions are not issued; if it is superseded on the day it activates, its event is
///   `superseded` instead of `activated`. When nothing outranks it any more it is `reinstated`
///   and its actions are issued again (de-escalation back to the lower plan's measures).
public struct PlanEvaluator: Sendable {
    /// Communities sorted by path, and their descriptions (binary-searched by scope).
    let communities: [JurisdictionPath]
    let communityKeys: [String]
    let communityIndex: [JurisdictionPath: Int]
    /// The days of community data: `firstDay` (days since 1970) and how many.
    let firstDay: Int
    let dayCount: Int
    /// Alarms by day: entries `alarmOffsets[k] ..< alarmOffsets[k + 1]` for day `firstDay + k`,
    /// sorted by community then syndrome.
    let alarmOffsets: [Int]
    let alarmCommunity: [Int32]
    let alarmSyndrome: [Int32]
    let syndromeIndex: [Syndrome: Int32]
    /// Risk levels, `risk[k * communities.count + c]`, -1 when none.
    let risk: [Int8]
    /// Scope series by exact scope.
    let scopes: [JurisdictionPath: ScopeIndex]

    struct ScopeIndex: Sendable {
        var rtFirst = 0
        var rtMean: [Double] = []
        var rtLower: [Double] = []
        var bedsFirst = 0
        var occupied: [Int] = []
        var total: [Int] = []
        var casesFirst = 0
        /// casesPrefix[k] = cases on the days before casesFirst + k.
        var casesPrefix: [Int] = [0]
    }

    /// Indexes a snapshot.
    public init(inputs: PlanInputs) {
        communities = inputs.communities
        communityKeys = inputs.communities.map(\.description)
        var index: [JurisdictionPath: Int] = [:]
        index.reserveCapacity(communities.count)
        for (i, c) in communities.enumerated() { index[c] = i }
        communityIndex = index

        let dayNumbers = inputs.days.map(\.day.daysSinceEpoch)
        let first = dayNumbers.min() ?? 0
        let count = dayNumbers.isEmpty ? 0 : dayNumbers.max()! - first + 1
        firstDay = first
        dayCount = count

        var syndromes: Set<Syndrome> = []
        for d in inputs.days { syndromes.formUnion(d.alarms) }
        var synIndex: [Syndrome: Int32] = [:]
        for (i, s) in syndromes.sorted().enumerated() { synIndex[s] = Int32(i) }
        syndromeIndex = synIndex

        let n = communities.count
        var riskTable = [Int8](repeating: -1, count: count * n)
        var perDay = [Int](repeating: 0, count: count + 1)
        var rows: [(day: Int, community: Int)] = []
        rows.reserveCapacity(inputs.days.count)
        for (d, k) in zip(inputs.days, dayNumbers) {
            let c = index[d.community]!
            rows.append((k - first, c))
            if let level = d.riskLevel { riskTable[(k - first) * n + c] = Int8(level.rawValue) }
            perDay[k - first + 1] += d.alarms.count
        }
        for k in 0..<count { perDay[k + 1] += perDay[k] }
        let alarmTotal = perDay[count]
        var community = [Int32](repeating: 0, count: alarmTotal)
        var syndrome = [Int32](repeating: 0, count: alarmTotal)
        var fill = perDay
        for (d, row) in zip(inputs.days, rows) where !d.alarms.isEmpty {
            for s in d.alarms {
                community[fill[row.day]] = Int32(row.community)
                syndrome[fill[row.day]] = synIndex[s]!
                fill[row.day] += 1
            }
        }
        // Sort each day's entries so that the index does not depend on the input order.
        for k in 0..<count where perDay[k + 1] - perDay[k] > 1 {
            let range = perDay[k]..<perDay[k + 1]
            let sorted = range.map { (community[$0], syndrome[$0]) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            for (j, e) in zip(range, sorted) {
                community[j] = e.0
                syndrome[j] = e.1
            }
        }
        alarmOffsets = perDay
        alarmCommunity = community
        alarmSyndrome = syndrome
        risk = riskTable

        var scopeIndex: [JurisdictionPath: ScopeIndex] = [:]
        for s in inputs.scopes {
            var x = ScopeIndex()
            if let low = s.rt.map(\.day.daysSinceEpoch).min(), let high = s.rt.map(\.day.daysSinceEpoch).max() {
                x.rtFirst = low
                x.rtMean = [Double](repeating: .nan, count: high - low + 1)
                x.rtLower = x.rtMean
                for p in s.rt {
                    x.rtMean[p.day.daysSinceEpoch - low] = p.mean
                    x.rtLower[p.day.daysSinceEpoch - low] = p.lower
                }
            }
            if let low = s.beds.map(\.day.daysSinceEpoch).min(), let high = s.beds.map(\.day.daysSinceEpoch).max() {
                x.bedsFirst = low
                x.occupied = [Int](repeating: -1, count: high - low + 1)
                x.total = x.occupied
                for b in s.beds {
                    x.occupied[b.day.daysSinceEpoch - low] = b.occupied
                    x.total[b.day.daysSinceEpoch - low] = b.total
                }
            }
            if let low = s.confirmed.map(\.day.daysSinceEpoch).min(), let high = s.confirmed.map(\.day.daysSinceEpoch).max() {
                x.casesFirst = low
                var daily = [Int](repeating: 0, count: high - low + 1)
                for c in s.confirmed { daily[c.day.daysSinceEpoch - low] = c.count }
                x.casesPrefix = [0]
                x.casesPrefix.reserveCapacity(daily.count + 1)
                for v in daily { x.casesPrefix.append(x.casesPrefix.last! &+ v) }
            }
            scopeIndex[s.scope] = x
        }
        scopes = scopeIndex
    }

    /// Evaluates `plans` on one day of `inputs` (indexing the snapshot first; to evaluate many
    /// days, build a ``PlanEvaluator`` once or use ``evaluate(_:from:through:previousActivations:)``).
    /// - Throws: as ``evaluate(_:on:previousActivations:)``.
    public static func evaluate(
        plans: [EmergencyPlan], inputs: PlanInputs, on day: CivilDate, previousActivations: [PlanActivation] = []
    ) throws -> PlanEvaluation {
        try PlanEvaluator(inputs: inputs).evaluate(plans, on: day, previousActivations: previousActivations)
    }

    /// Evaluates `plans` on `day`.
    /// - Parameters:
    ///   - plans: the plans, in any order, each id once.
    ///   - day: the day evaluated; not before any previous activation's last evaluation
    ///     (evaluating that same day again is allowed and issues nothing new).
    ///   - previousActivations: the open activations after the last evaluated day, each plan once.
    /// - Throws: ``CommunityError/Code/invalidField`` naming `id` (a plan id twice),
    ///   `previousActivations` (a plan twice) or `day` (before a previous evaluation).
    public func evaluate(
        _ plans: [EmergencyPlan], on day: CivilDate, previousActivations: [PlanActivation] = []
    ) throws -> PlanEvaluation {
        try evaluate(plans, from: day, through: day, previousActivations: previousActivations)[0]
    }

    /// Evaluates `plans` on every day of `from...through` in turn, each day starting from the
    /// previous day's activations: a replay, with each trigger's windows slid along the days.
    /// - Throws: as ``evaluate(_:on:previousActivations:)``, and ``CommunityError/Code/invalidField``
    ///   (field `through`) when `through` is before `from` or more than
    ///   ``PlanInputs/maximumSpanDays`` after it.
    public func evaluate(
        _ plans: [EmergencyPlan], from: CivilDate, through: CivilDate, previousActivations: [PlanActivation] = []
    ) throws -> [PlanEvaluation] {
        let start = from.daysSinceEpoch
        let count = through.daysSinceEpoch - start + 1
        guard (1...PlanInputs.maximumSpanDays).contains(count) else {
            throw CommunityError(
                .invalidField, "the days \(from)...\(through) are not 1 to \(PlanInputs.maximumSpanDays) days", field: "through")
        }
        let sorted = plans.sorted { $0.id < $1.id }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.id == b.id {
            throw CommunityError(.invalidField, "two plans have the id \(a.id)", field: "id")
        }
        var state: [EmergencyPlanID: PlanActivation] = [:]
        for a in previousActivations {
            guard state[a.plan] == nil else {
                throw CommunityError(.invalidField, "two open activations of plan \(a.plan)", field: "previousActivations")
            }
            guard a.evaluatedOn <= from, a.lastHeldOn <= from, a.activatedOn <= from else {
                throw CommunityError(
                    .invalidField, "day \(from) is before the last evaluation of plan \(a.plan) on \(a.evaluatedOn)", field: "day")
            }
            state[a.plan] = a
        }
        var cache: [LeafKey: LeafSeries] = [:]
        let compiled = sorted.map { plan in
            plan.isActive ? compile(plan.trigger, scope: plan.scope, from: start, count: count, cache: &cache) : nil
        }
        var result: [PlanEvaluation] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            result.append(step(sorted, compiled, at: i, day: from.addingDays(i), state: &state))
        }
        return result
    }

    /// The conditions of `plan`'s trigger that hold on `day` if the trigger holds, else nil:
    /// for showing a plan's standing without evaluating activations.
    public func reasons(for plan: EmergencyPlan, on day: CivilDate) -> [TriggerReason]? {
        var cache: [LeafKey: LeafSeries] = [:]
        let c = compile(plan.trigger, scope: plan.scope, from: day.daysSinceEpoch, count: 1, cache: &cache)
        return c.holds(0) ? c.reasons(0, day: day) : nil
    }

    /// One day of the state machine.
    private func step(
        _ plans: [EmergencyPlan], _ compiled: [CompiledTrigger?], at i: Int, day: CivilDate,
        state: inout [EmergencyPlanID: PlanActivation]
    ) -> PlanEvaluation {
        var events: [PlanEvent] = []
        var next: [EmergencyPlanID: PlanActivation] = [:]
        var fresh: [EmergencyPlanID: [TriggerReason]] = [:]
        var byID: [EmergencyPlanID: EmergencyPlan] = [:]
        for plan in plans { byID[plan.id] = plan }

        for (id, a) in state.sorted(by: { $0.key < $1.key }) where byID[id]?.isActive != true {
            let why = byID[id] == nil ? "the plan was removed" : "the plan was made inactive"
            events.append(event(.deactivated, a, title: byID[id]?.title ?? id.rawValue, day: day, summary: "ended: \(why)"))
        }
        for (plan, trigger) in zip(plans, compiled) {
            guard let trigger else { continue }
            let held = trigger.holds(i)
            if var a = state[plan.id] {
                a.evaluatedOn = day
                if held {
                    a.lastHeldOn = day
                    next[plan.id] = a
                } else if day.daysSinceEpoch - a.lastHeldOn.daysSinceEpoch >= plan.deactivateAfterDays {
                    let falseDays = day.daysSinceEpoch - a.lastHeldOn.daysSinceEpoch
                    events.append(
                        event(
                            .deactivated, a, title: plan.title, day: day,
                            summary:
                                "ended: trigger false for \(falseDays) days since \(a.lastHeldOn.addingDays(1)) (ends after \(plan.deactivateAfterDays))"
                        ))
                } else {
                    next[plan.id] = a
                }
            } else if held {
                let reasons = trigger.reasons(i, day: day)
                fresh[plan.id] = reasons
                next[plan.id] = PlanActivation(
                    plan: plan.id, version: plan.version, eventType: plan.eventType, level: plan.level, scope: plan.scope,
                    activatedOn: day, reasons: reasons, lastHeldOn: day, evaluatedOn: day)
            }
        }

        // Escalation: the highest level covering a plan's scope, among the open activations of its event type.
        let open = next.values.sorted { $0.plan < $1.plan }
        var byType: [EmergencyEventType: [PlanActivation]] = [:]
        for a in open { byType[a.eventType, default: []].append(a) }
        for a in open {
            var best: PlanActivation? = nil
            for q in byType[a.eventType]! where q.level > a.level && q.scope.contains(a.scope) {
                if let b = best,
                    (b.level, b.scope.components.count) >= (q.level, q.scope.components.count)
                {
                    continue  // ties keep the smaller plan id, met first
                }
                best = q
            }
            let plan = byID[a.plan]!
            let was = state[a.plan]?.supersededBy
            next[a.plan]!.supersededBy = best?.plan
            if let reasons = fresh[a.plan] {
                if let best {
                    events.append(
                        event(
                            .superseded, next[a.plan]!, title: plan.title, day: day, reasons: reasons, by: best.plan,
                            summary: "triggered but superseded by plan \(best.plan) (level \(best.level)): "
                                + reasons.map(\.text).joined(separator: "; ")))
                } else {
                    events.append(
                        event(
                            .activated, next[a.plan]!, title: plan.title, day: day, reasons: reasons, actions: plan.actions,
                            summary: "level \(a.level) \(a.eventType) plan for \(a.scope) activated: "
                                + reasons.map(\.text).joined(separator: "; ")))
                }
            } else if was == nil, let best {
                events.append(
                    event(
                        .superseded, next[a.plan]!, title: plan.title, day: day, by: best.plan,
                        summary: "superseded by plan \(best.plan) (level \(best.level))"))
            } else if let was, best == nil {
                events.append(
                    event(
                        .reinstated, next[a.plan]!, title: plan.title, day: day, actions: plan.actions,
                        summary: "in effect again: no longer superseded by plan \(was)"))
            }
        }
        events.sort { ($0.kind.order, -$0.level.severity, $0.plan) < ($1.kind.order, -$1.level.severity, $1.plan) }
        state = next
        return PlanEvaluation(day: day, events: events, activations: next.values.sorted { $0.plan < $1.plan })
    }

    private func event(
        _ kind: PlanEvent.Kind, _ a: PlanActivation, title: String, day: CivilDate, reasons: [TriggerReason] = [],
        actions: [PlanAction] = [], by: EmergencyPlanID? = nil, summary: String
    ) -> PlanEvent {
        PlanEvent(
            kind: kind, day: day, plan: a.plan, title: title, level: a.level, eventType: a.eventType, scope: a.scope,
            activatedOn: a.activatedOn, reasons: reasons, actions: actions, supersededBy: by, summary: summary)
    }
}
