/// A deterministic pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// The outbreak model never uses `SystemRandomNumberGenerator` or the standard library's
/// `random(in:)` helpers: every draw goes through this generator with the helpers below, so the
/// same seed gives the same city and the same epidemic in every process and on every platform.
public struct OutbreakRandom: RandomNumberGenerator, Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Creates a generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        var state = seed
        func splitMix() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform value in `0..<1` with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform integer in `0..<bound`; returns 0 when `bound <= 0`.
    public mutating func int(below bound: Int) -> Int {
        guard bound > 0 else { return 0 }
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.upperBound - range.lowerBound + 1)
    }

    /// `true` with probability `probability` (clamped to 0...1).
    public mutating func chance(_ probability: Double) -> Bool {
        if probability <= 0 { return false }
        if probability >= 1 { return true }
        return uniform() < probability
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        var total = 0.0
        for weight in weights { total += max(0, weight) }
        var target = uniform() * total
        for (index, weight) in weights.enumerated() {
            target -= max(0, weight)
            if target < 0 { return index }
        }
        return max(0, weights.count - 1)
    }

    /// A Poisson-distributed count with the given mean (normal approximation above 30).
    public mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 30 {
            // Irwin–Hall: the sum of 12 uniforms minus 6 is close to a standard normal.
            var normal = -6.0
            for _ in 0..<12 { normal += uniform() }
            return Int(max(0, mean + normal * OutbreakMath.squareRoot(mean)) + 0.5)
        }
        let limit = OutbreakMath.exp(-mean)
        var product = uniform()
        var count = 0
        while product > limit {
            count += 1
            product *= uniform()
        }
        return count
    }
}

/// Deterministic elementary functions, so the module needs no Foundation.
enum OutbreakMath {
    /// e^x by halving into a short Taylor series and squaring back; accurate to ~1e-12 for |x| < 700.
    static func exp(_ x: Double) -> Double {
        var reduced = x
        var halvings = 0
        while abs(reduced) > 0.125 && halvings < 64 {
            reduced /= 2
            halvings += 1
        }
        var term = 1.0
        var sum = 1.0
        for n in 1...10 {
            term *= reduced / Double(n)
            sum += term
        }
        for _ in 0..<halvings { sum *= sum }
        return sum
    }

    /// The square root of a non-negative value by Newton's method.
    static func squareRoot(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        var root = x > 1 ? x / 2 : 1
        for _ in 0..<64 {
            let next = (root + x / root) / 2
            if abs(next - root) <= 1e-12 * root { return next }
            root = next
        }
        return root
    }

    /// The probability that at least one event occurs for a Poisson process with this hazard.
    static func probability(hazard: Double) -> Double {
        hazard <= 0 ? 0 : 1 - exp(-hazard)
    }
}
