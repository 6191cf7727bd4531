/// Visits grouped by place and sorted by time in, for finding who was at a place during a time
/// range without scanning every visit.
///
/// Per place it keeps the visits sorted by `(timeIn, end, person)` and, beside them, the
/// running maximum of their ends. A query for `[a, b]`:
///
/// 1. binary-searches the first visit whose running maximum end is ≥ `a` — every visit before
///    it ended before `a`;
/// 2. binary-searches the first visit with time in > `b` — it and everything after started too
///    late;
/// 3. scans between the two and keeps the visits that end at or after `a`.
///
/// That is O(log n + k) per query, where k is the number of visits at the place that started
/// between the earliest still-running long stay and `b` (the visits returned plus those that
/// started after a long stay but ended before `a`). A database does the same with an index on
/// `(place, time_in)` and the bound `time_in >= a - longest stay at the place`.
///
/// The index is a value: build it once from a snapshot of visits and query it from any thread.
public struct VisitIndex: Sendable {
    /// How long open visits are assumed to last, in seconds.
    public let openVisitDuration: Int64

    private struct Bucket: Sendable {
        var visits: [Visit] = []
        var ends: [Int64] = []
        var runningMaxEnd: [Int64] = []
    }

    private let buckets: [PlaceID: Bucket]

    /// The number of visits indexed.
    public let count: Int

    /// Indexes `visits`.
    /// - Parameters:
    ///   - openVisitDuration: how long a visit without a time out is assumed to last
    ///     (``Visit/defaultOpenDuration``, one hour). Negative values count as zero.
    /// - Complexity: O(n log n).
    public init(_ visits: some Sequence<Visit>, openVisitDuration: Int64 = Visit.defaultOpenDuration) {
        let open = max(0, openVisitDuration)
        var grouped: [PlaceID: [Visit]] = [:]
        var count = 0
        for visit in visits {
            grouped[visit.place, default: []].append(visit)
            count += 1
        }
        var buckets: [PlaceID: Bucket] = [:]
        buckets.reserveCapacity(grouped.count)
        for (place, list) in grouped {
            var bucket = Bucket()
            bucket.visits = list.sorted { lhs, rhs in
                let le = lhs.end(assumingOpenVisitsLast: open)
                let re = rhs.end(assumingOpenVisitsLast: open)
                return (lhs.timeIn, le, lhs.person) < (rhs.timeIn, re, rhs.person)
            }
            bucket.ends = bucket.visits.map { $0.end(assumingOpenVisitsLast: open) }
            bucket.runningMaxEnd.reserveCapacity(bucket.ends.count)
            var running = Int64.min
            for end in bucket.ends {
                running = max(running, end)
                bucket.runningMaxEnd.append(running)
            }
            buckets[place] = bucket
        }
        self.buckets = buckets
        self.count = count
        self.openVisitDuration = open
    }

    /// The places that have visits, in order.
    public var places: [PlaceID] { buckets.keys.sorted() }

    /// The visits at `place` that share at least an instant with `range`: time in ≤
    /// `range.upperBound` and end (time out, or time in plus ``openVisitDuration``) ≥
    /// `range.lowerBound`. Touching intervals are included; callers that need a positive
    /// overlap filter on it.
    ///
    /// - Returns: the visits ordered by time in, end, person.
    /// - Complexity: O(log n + k); see the type's documentation.
    public func visits(at place: PlaceID, overlapping range: ClosedRange<Int64>) -> [Visit] {
        var result: [Visit] = []
        forEachVisit(at: place, overlapping: range) { visit, _ in result.append(visit) }
        return result
    }

    /// Calls `body` with each visit at `place` overlapping `range` and its end, without
    /// building an array.
    func forEachVisit(at place: PlaceID, overlapping range: ClosedRange<Int64>, _ body: (Visit, Int64) -> Void) {
        guard let bucket = buckets[place] else { return }
        let a = range.lowerBound
        let b = range.upperBound
        let first = Self.partitionPoint(bucket.runningMaxEnd) { $0 >= a }
        let last = Self.partitionPoint(bucket.visits) { $0.timeIn > b }
        guard first < last else { return }
        for i in first..<last where bucket.ends[i] >= a {
            body(bucket.visits[i], bucket.ends[i])
        }
    }

    /// The end `visit` has in this index (its time out, or time in plus ``openVisitDuration``).
    public func end(of visit: Visit) -> Int64 { visit.end(assumingOpenVisitsLast: openVisitDuration) }

    /// The first index whose element satisfies `predicate`, for a predicate that is false then true.
    private static func partitionPoint<T>(_ array: [T], _ predicate: (T) -> Bool) -> Int {
        var low = 0
        var high = array.count
        while low < high {
            let mid = (low + high) / 2
            if predicate(array[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
