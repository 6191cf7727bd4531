/// Weighted max-min fair division of whole units (water-filling): the arithmetic behind
/// ``SupplyAllocation`` and ``SupplyTransferPlan``, kept apart from their records.
///
/// Claimant `i` has a cap `c_i ≥ 0` and a weight `w_i > 0`; its index is its rank in ties.
/// 1. If the supply `S` covers `Σ c_i`, everyone gets its cap.
/// 2. Otherwise find the level `λ` with `Σ min(c_i, w_i·λ) = S`: sort by `c_i / w_i` (exactly,
///    by cross-multiplying), and walk up, capping claimant `i` while `c_i ≤ w_i · S' / W'`
///    (`S'`, `W'`: the supply and weight not yet capped). The rest share `S'` at
///    `λ = S' / W'`, each `x_i = w_i·λ`.
/// 3. Whole units: each uncapped claimant gets `⌊x_i⌋`; the `S' − Σ⌊x_i⌋` units left (fewer
///    than the uncapped claimants) go one each to the largest remainders `x_i − ⌊x_i⌋`, ties to
///    the lower index. A claimant with `x_i < c_i` and a remainder has `⌊x_i⌋ + 1 ≤ c_i`, so no
///    one exceeds its cap.
///
/// All arithmetic is on integers (double-width products), so the result is exact and the same
/// on every machine. O(n log n).
struct WaterFilling {
    /// Units per claimant.
    private(set) var quantities: [Int]
    /// Whether the claimant got its whole cap because its cap was at or below its weighted
    /// share (or the supply covered every cap).
    private(set) var capped: [Bool]
    /// Whether the claimant got one of the leftover units.
    private(set) var roundedUp: [Bool]
    /// The level `λ` as `numerator / denominator`, or nil when the supply covered every cap.
    private(set) var level: (numerator: Int, denominator: Int)?

    /// - Precondition: `caps.count == weights.count`, caps and supply ≥ 0, weights > 0, and
    ///   the sums of caps and weights fit in `Int`.
    init(supply: Int, caps: [Int], weights: [Int]) {
        let n = caps.count
        quantities = caps
        capped = Array(repeating: true, count: n)
        roundedUp = Array(repeating: false, count: n)
        level = nil
        if supply >= caps.reduce(0, +) { return }

        // c_i / w_i < c_j / w_j  ⇔  c_i·w_j < c_j·w_i; ties by index.
        let order = (0..<n).sorted { i, j in
            let lhs = caps[i].multipliedFullWidth(by: weights[j])
            let rhs = caps[j].multipliedFullWidth(by: weights[i])
            return lhs != rhs ? Self.less(lhs, rhs) : i < j
        }
        var rest = supply
        var weight = weights.reduce(0, +)
        var k = 0
        // Cap while c_i / w_i ≤ S' / W'; ends before the last claimant because S < Σ c_i.
        while k < n {
            let i = order[k]
            guard !Self.less(weights[i].multipliedFullWidth(by: rest), caps[i].multipliedFullWidth(by: weight)) else { break }
            rest -= caps[i]
            weight -= weights[i]
            k += 1
        }
        level = (rest, weight)
        let uncapped = order[k...]
        var remainders: [(index: Int, remainder: Int)] = []
        remainders.reserveCapacity(uncapped.count)
        var left = rest
        for i in uncapped {
            let (whole, remainder) = weight.dividingFullWidth(weights[i].multipliedFullWidth(by: rest))
            quantities[i] = whole
            capped[i] = false
            left -= whole
            if remainder > 0 { remainders.append((i, remainder)) }
        }
        if left > 0 {
            remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }
            for (i, _) in remainders.prefix(left) {
                quantities[i] += 1
                roundedUp[i] = true
            }
        }
    }

    private static func less(_ a: (high: Int, low: UInt), _ b: (high: Int, low: UInt)) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }
}

/// `value` with two decimals, for explanations (`12.75`, `0.40`).
func formatTwoDecimals(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    let hundredths = Int((value * 100).rounded())
    let sign = hundredths < 0 ? "-" : ""
    let magnitude = abs(hundredths)
    let fraction = magnitude % 100
    return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
