import VigilSurveillance

/// A leaf condition over one scope: plans sharing it share its series.
struct LeafKey: Hashable {
    var scope: JurisdictionPath
    var trigger: PlanTrigger
}

/// A leaf condition judged on each day of a range: whether it held and the numbers behind it.
struct LeafSeries {
    let trigger: PlanTrigger
    var held: [Bool]
    /// The observed value (see ``TriggerReason/observed``).
    var observed: [Double]
    /// Extra numbers for the reason: communities in the scope; Rt run length; occupied beds.
    var a: [Int]
    /// Total beds, for occupancy.
    var b: [Int]

    init(trigger: PlanTrigger, count: Int) {
        self.trigger = trigger
        held = [Bool](repeating: false, count: count)
        observed = [Double](repeating: 0, count: count)
        a = [Int](repeating: 0, count: count)
        b = a
    }

    func reason(_ i: Int, day: CivilDate) -> TriggerReason {
        let x = observed[i]
        switch trigger {
        case .alarms(let t):
            let syndrome = t.syndrome.map { " (\($0))" } ?? ""
            return TriggerReason(
                kind: .alarms, observed: x, threshold: Double(t.communities),
                text: "alarms\(syndrome) in \(Int(x)) of \(a[i]) communities in the last \(t.days) days ≥ \(t.communities)")
        case .rt(let t):
            let run = a[i] == t.days ? "\(t.days) days" : "\(a[i]) days (≥ \(t.days))"
            return TriggerReason(
                kind: .rt, observed: x, threshold: t.above,
                text: "Rt \(t.statistic) \(PlanText.number(x, distinctFrom: t.above)) > \(PlanText.number(t.above)) for \(run)")
        case .riskLevel(let t):
            switch t.target {
            case .communities(let k):
                return TriggerReason(
                    kind: .riskLevel, observed: x, threshold: Double(k),
                    text: "risk level ≥ \(t.atLeast) in \(Int(x)) of \(a[i]) communities ≥ \(k)")
            case .community(let c):
                let level = RiskLevel(rawValue: Int(x))!
                return TriggerReason(
                    kind: .riskLevel, observed: x, threshold: Double(t.atLeast.rawValue),
                    text: "community \(c) at risk level \(level) ≥ \(t.atLeast)")
            }
        case .occupancy(let t):
            return TriggerReason(
                kind: .occupancy, observed: x, threshold: t.atLeast,
                text:
                    "hospital occupancy \(PlanText.number(x, distinctFrom: t.atLeast)) (\(a[i]) of \(b[i]) beds) ≥ \(PlanText.number(t.atLeast))"
            )
        case .cases(let t):
            return TriggerReason(
                kind: .cases, observed: x, threshold: Double(t.atLeast),
                text: "confirmed cases in the last \(t.days) days \(Int(x)) ≥ \(t.atLeast)")
        case .all, .any:
            preconditionFailure("a leaf series is never a composite")
        }
    }
}

/// A plan's trigger with its leaves judged over a range of days.
indirect enum CompiledTrigger {
    case leaf(LeafSeries)
    case all([CompiledTrigger])
    case any([CompiledTrigger])

    func holds(_ i: Int) -> Bool {
        switch self {
        case .leaf(let s): s.held[i]
        case .all(let children): children.allSatisfy { $0.holds(i) }
        case .any(let children): children.contains { $0.holds(i) }
        }
    }

    /// The leaves that held, in the trigger's order (for `all`, every one; for `any`, those that did).
    func reasons(_ i: Int, day: CivilDate) -> [TriggerReason] {
        switch self {
        case .leaf(let s): s.held[i] ? [s.reason(i, day: day)] : []
        case .all(let children), .any(let children): children.flatMap { $0.holds(i) ? $0.reasons(i, day: day) : [] }
        }
    }
}

extension PlanEvaluator {
    /// Judges `trigger` over `scope` on the days `from ..< from + count` (days since 1970).
    func compile(
        _ trigger: PlanTrigger, scope: JurisdictionPath, from: Int, count: Int, cache: inout [LeafKey: LeafSeries]
    ) -> CompiledTrigger {
        switch trigger {
        case .all(let children):
            return .all(children.map { compile($0, scope: scope, from: from, count: count, cache: &cache) })
        case .any(let children):
            return .any(children.map { compile($0, scope: scope, from: from, count: count, cache: &cache) })
        case .alarms, .rt, .riskLevel, .occupancy, .cases:
            let key = LeafKey(scope: scope, trigger: trigger)
            if let s = cache[key] { return .leaf(s) }
            let s = leafSeries(trigger, scope: scope, from: from, count: count)
            cache[key] = s
            return .leaf(s)
        }
    }

    /// The communities a scope contains, as a range of indices into the sorted communities.
    func communityRange(_ scope: JurisdictionPath) -> Range<Int> {
        if scope.level >= .community {
            guard let i = communityIndex[scope] else { return 0..<0 }
            return i..<(i + 1)
        }
        // Paths below `p` are exactly the keys in ["p/", "p0"): '0' follows '/' in ASCII.
        let p = scope.description
        return lowerBound(p + "/")..<lowerBound(p + "0")
    }

    private func lowerBound(_ key: String) -> Int {
        var low = 0
        var high = communityKeys.count
        while low < high {
            let mid = (low + high) / 2
            if communityKeys[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func leafSeries(_ trigger: PlanTrigger, scope: JurisdictionPath, from: Int, count: Int) -> LeafSeries {
        var s = LeafSeries(trigger: trigger, count: count)
        switch trigger {
        case .alarms(let t): alarms(t, scope: scope, from: from, into: &s)
        case .rt(let t): rt(t, scope: scope, from: from, into: &s)
        case .riskLevel(let t): riskLevels(t, scope: scope, from: from, into: &s)
        case .occupancy(let t): occupancy(t, scope: scope, from: from, into: &s)
        case .cases(let t): cases(t, scope: scope, from: from, into: &s)
        case .all, .any: break
        }
        return s
    }

    /// Sliding window: per community of the scope, the alarm entries in the window; a community
    /// counts while it has at least one. Each day adds the entries of D and, after recording,
    /// removes those of D − d + 1, so a range costs O(days + alarms in it), not O(days × d).
    private func alarms(_ t: PlanTrigger.Alarms, scope: JurisdictionPath, from: Int, into s: inout LeafSeries) {
        let range = communityRange(scope)
        let count = s.held.count
        for i in 0..<count { s.a[i] = range.count }
        guard !range.isEmpty, dayCount > 0 else { return }
        let wanted: Int32? = t.syndrome.map { syndromeIndex[$0] ?? -1 }
        var inWindow = [Int32](repeating: 0, count: range.count)
        var communitiesWithAlarms = 0
        func apply(_ day: Int, _ add: Bool) {
            let k = day - firstDay
            guard k >= 0, k < dayCount else { return }
            for e in alarmOffsets[k]..<alarmOffsets[k + 1] {
                let c = Int(alarmCommunity[e])
                guard range.contains(c), wanted == nil || alarmSyndrome[e] == wanted! else { continue }
                let j = c - range.lowerBound
                if add {
                    if inWindow[j] == 0 { communitiesWithAlarms += 1 }
                    inWindow[j] += 1
                } else {
                    inWindow[j] -= 1
                    if inWindow[j] == 0 { communitiesWithAlarms -= 1 }
                }
            }
        }
        let lastDataDay = firstDay + dayCount - 1
        for day in max(from - t.days + 1, firstDay)..<max(from, firstDay) where day <= lastDataDay { apply(day, true) }
        for i in 0..<count {
            let day = from + i
            apply(day, true)
            s.observed[i] = Double(communitiesWithAlarms)
            s.held[i] = communitiesWithAlarms >= t.communities
            apply(day - t.days + 1, false)
        }
    }

    /// The run of consecutive days ending on D whose statistic exceeds the value, carried from
    /// the first estimate of the scope; a day without an estimate resets it.
    private func rt(_ t: PlanTrigger.Rt, scope: JurisdictionPath, from: Int, into s: inout LeafSeries) {
        let count = s.held.count
        for i in 0..<count { s.observed[i] = .nan }
        guard let x = scopes[scope] else { return }
        let values = t.statistic == .mean ? x.rtMean : x.rtLower
        guard !values.isEmpty else { return }
        let last = x.rtFirst + values.count - 1
        func value(_ day: Int) -> Double { day >= x.rtFirst && day <= last ? values[day - x.rtFirst] : .nan }
        var run = 0
        var day = x.rtFirst
        while day < from && day <= last {
            run = value(day) > t.above ? run + 1 : 0
            day += 1
        }
        if day < from { run = 0 }  // days without estimates between the last one and `from`
        for i in 0..<count {
            let v = value(from + i)
            run = v > t.above ? run + 1 : 0
            s.observed[i] = v
            s.a[i] = run
            s.held[i] = run >= t.days
        }
    }

    private func riskLevels(_ t: PlanTrigger.RiskLevels, scope: JurisdictionPath, from: Int, into s: inout LeafSeries) {
        let count = s.held.count
        let n = communities.count
        let level = Int8(t.atLeast.rawValue)
        switch t.target {
        case .communities(let k):
            let range = communityRange(scope)
            for i in 0..<count {
                s.a[i] = range.count
                let d = from + i - firstDay
                guard d >= 0, d < dayCount else { continue }
                var at = 0
                let base = d * n
                for c in range where risk[base + c] >= level { at += 1 }
                s.observed[i] = Double(at)
                s.held[i] = at >= k
            }
        case .community(let path):
            let c = scope.contains(path) ? communityIndex[path] : nil
            for i in 0..<count {
                s.observed[i] = -1
                let d = from + i - firstDay
                guard let c, d >= 0, d < dayCount else { continue }
                let r = risk[d * n + c]
                s.observed[i] = Double(r)
                s.held[i] = r >= level
            }
        }
    }

    private func occupancy(_ t: PlanTrigger.Occupancy, scope: JurisdictionPath, from: Int, into s: inout LeafSeries) {
        let count = s.held.count
        for i in 0..<count { s.observed[i] = .nan }
        guard let x = scopes[scope] else { return }
        for i in 0..<count {
            let k = from + i - x.bedsFirst
            guard k >= 0, k < x.total.count, x.total[k] > 0 else { continue }
            let fraction = Double(x.occupied[k]) / Double(x.total[k])
            s.observed[i] = fraction
            s.a[i] = x.occupied[k]
            s.b[i] = x.total[k]
            s.held[i] = fraction >= t.atLeast
        }
    }

    private func cases(_ t: PlanTrigger.ConfirmedCases, scope: JurisdictionPath, from: Int, into s: inout LeafSeries) {
        guard let x = scopes[scope] else { return }
        let days = x.casesPrefix.count - 1
        func prefix(_ day: Int) -> Int { x.casesPrefix[min(max(day - x.casesFirst, 0), days)] }  // cases before `day`
        for i in 0..<s.held.count {
            let day = from + i
            let n = prefix(day + 1) - prefix(day - t.days + 1)
            s.observed[i] = Double(n)
            s.held[i] = n >= t.atLeast
        }
    }
}
