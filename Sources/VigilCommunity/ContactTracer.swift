/// Finds the people an index case may have infected: everyone co-present with the case at the
/// same place, plus the case's household.
///
/// The rules, all parameters of the tracer:
///
/// * Only the case's visits that overlap the look-back period `[now - lookbackDays·86400, now]`
///   count; each gives a **risk interval** from its time in (no earlier than the period's start)
///   to its end plus ``lingerWindow``, because the air stays infectious for a while after the
///   case leaves. Risk intervals at the same place that overlap or touch are merged, so nobody's
///   time is counted twice.
/// * A visit by someone else at that place is an **encounter** when it overlaps a merged risk
///   interval by at least ``minOverlap`` seconds and by more than zero: touching intervals (one
///   leaves at the instant the other arrives) are not co-presence unless the linger window
///   covers the arrival.
/// * Open visits (no time out) last the ``VisitIndex/openVisitDuration`` of the index, for the
///   case and for everyone else alike.
/// * The case's own visits in the index are never encounters; household members are always
///   contacts, with or without encounters.
///
/// Results are ranked by exposure: household members first, then total overlap (longest first),
/// then number of encounters (most first), then person key, so equal inputs give equal output.
///
/// Cost: with m merged risk intervals, O(m log n + k) where k is the number of visits scanned
/// (see ``VisitIndex``), plus O(c log c) to rank c contacts.
public struct ContactTracer: Sendable, Hashable, Codable {
    /// The least overlap, in seconds, that makes an encounter (default 900: fifteen minutes).
    public let minOverlap: Int64
    /// How long after the case leaves a place its air still counts as exposure, in seconds
    /// (default 1800: thirty minutes).
    public let lingerWindow: Int64
    /// How many days before `now` the case's visits are traced (default 14).
    public let lookbackDays: Int

    /// - Throws: ``CommunityError/Code/invalidField`` for a negative `minOverlap` or
    ///   `lingerWindow`, or `lookbackDays` outside 1...366.
    public init(minOverlap: Int64 = 900, lingerWindow: Int64 = 1_800, lookbackDays: Int = 14) throws {
        guard minOverlap >= 0 else {
            throw CommunityError(.invalidField, "minimum overlap \(minOverlap) s is negative", field: "minOverlap")
        }
        guard lingerWindow >= 0 else {
            throw CommunityError(.invalidField, "linger window \(lingerWindow) s is negative", field: "lingerWindow")
        }
        guard (1...366).contains(lookbackDays) else {
            throw CommunityError(.invalidField, "look-back of \(lookbackDays) days is outside 1...366", field: "lookbackDays")
        }
        self.minOverlap = minOverlap
        self.lingerWindow = lingerWindow
        self.lookbackDays = lookbackDays
    }

    /// The contacts of the case `person`, ranked by exposure.
    ///
    /// - Parameters:
    ///   - person: the index case's person; excluded from the result.
    ///   - caseVisits: the case's visits (the store loads those of the look-back period; older
    ///     ones and later ones are ignored here anyway).
    ///   - household: the case's household members.
    ///   - index: everyone's visits (it may include the case's own).
    ///   - now: the end of the look-back period, in Unix seconds.
    public func trace(
        person: PersonKey, caseVisits: [Visit], household: [PersonKey] = [], in index: VisitIndex, now: Int64
    ) -> [TracedContact] {
        let risk = riskIntervals(caseVisits: caseVisits, now: now, openVisitDuration: index.openVisitDuration)
        var encounters: [PersonKey: [Encounter]] = [:]
        for place in risk.keys.sorted() {
            for interval in risk[place]! {
                index.forEachVisit(at: place, overlapping: interval) { other, otherEnd in
                    guard other.person != person else { return }
                    let start = max(interval.lowerBound, other.timeIn)
                    let end = min(interval.upperBound, otherEnd)
                    let overlap = end - start
                    guard overlap > 0, overlap >= minOverlap else { return }
                    encounters[other.person, default: []].append(Encounter(place: place, start: start, end: end))
                }
            }
        }

        let householdSet = Set(household).subtracting([person])
        var contacts: [TracedContact] = []
        contacts.reserveCapacity(encounters.count + householdSet.count)
        for member in householdSet {
            contacts.append(TracedContact(person: member, isHousehold: true, encounters: encounters.removeValue(forKey: member) ?? []))
        }
        for (other, list) in encounters {
            contacts.append(TracedContact(person: other, isHousehold: false, encounters: list))
        }
        return contacts.sorted(by: TracedContact.ranksBefore)
    }

    /// The merged risk intervals of the case, per place: each of `caseVisits` that overlaps the
    /// look-back period `[now - lookbackDays·86400, now]` gives the interval from its time in (no
    /// earlier than the period's start) to its end plus ``lingerWindow``; intervals at the same
    /// place that overlap or touch are merged. ``trace(person:caseVisits:household:in:now:)``
    /// finds encounters only in these intervals, so an index (or a store query) needs only the
    /// visits at each place that overlap one of them.
    ///
    /// - Parameters:
    ///   - openVisitDuration: how long the case's open visits last (the index's
    ///     ``VisitIndex/openVisitDuration``); negative values count as zero.
    /// - Returns: per place, disjoint intervals in increasing order, each separated from the next
    ///   by at least a second; places without risk are absent.
    public func riskIntervals(caseVisits: [Visit], now: Int64, openVisitDuration: Int64 = Visit.defaultOpenDuration) -> [PlaceID: [ClosedRange<Int64>]] {
        let open = max(0, openVisitDuration)
        let periodStart = now - Int64(lookbackDays) * 86_400
        var intervals: [PlaceID: [(start: Int64, end: Int64)]] = [:]
        for visit in caseVisits {
            let end = visit.end(assumingOpenVisitsLast: open)
            guard visit.timeIn <= now, end >= periodStart else { continue }
            intervals[visit.place, default: []].append((max(visit.timeIn, periodStart), end + lingerWindow))
        }
        return intervals.mapValues { Self.merged($0).map { $0.start...$0.end } }
    }

    /// Sorts intervals and merges those that overlap or touch.
    static func merged(_ intervals: [(start: Int64, end: Int64)]) -> [(start: Int64, end: Int64)] {
        var result: [(start: Int64, end: Int64)] = []
        for interval in intervals.sorted(by: { ($0.start, $0.end) < ($1.start, $1.end) }) {
            if let last = result.last, interval.start <= last.end {
                result[result.count - 1].end = max(last.end, interval.end)
            } else {
                result.append(interval)
            }
        }
        return result
    }

    private enum CodingKeys: String, CodingKey { case minOverlap, lingerWindow, lookbackDays }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            minOverlap: try c.decode(Int64.self, forKey: .minOverlap), lingerWindow: try c.decode(Int64.self, forKey: .lingerWindow),
            lookbackDays: try c.decode(Int.self, forKey: .lookbackDays))
    }
}
