import Crypto
import VigilLedger

/// A deliberately naive RFC 9162 §2.1 implementation, written straight from the recursive
/// definitions (MTH, PATH, PROOF/SUBPROOF), to cross-check the fast code. It shares nothing with
/// the library but SHA-256. MTH results are memoised per range so that checking every proof of
/// every size stays affordable.
final class NaiveMerkle {
    let leaves: [[UInt8]]
    private var memo: [Range<Int>: [UInt8]] = [:]

    init(leaves: [[UInt8]]) { self.leaves = leaves }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// k, the largest power of two smaller than n (n > 1).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[range]).
    func mth(_ range: Range<Int>) -> [UInt8] {
        if let hash = memo[range] { return hash }
        let hash: [UInt8]
        switch range.count {
        case 0: hash = Self.sha256([])
        case 1: hash = Self.sha256([0] + leaves[range.lowerBound])
        default:
            let k = Self.split(range.count)
            let mid = range.lowerBound + k
            hash = Self.sha256([1] + mth(range.lowerBound..<mid) + mth(mid..<range.upperBound))
        }
        memo[range] = hash
        return hash
    }

    /// PATH(m, D[range]).
    func path(_ m: Int, _ range: Range<Int>) -> [[UInt8]] {
        let n = range.count
        if n == 1 { return [] }
        let k = Self.split(n)
        let mid = range.lowerBound + k
        if m < k { return path(m, range.lowerBound..<mid) + [mth(mid..<range.upperBound)] }
        return path(m - k, mid..<range.upperBound) + [mth(range.lowerBound..<mid)]
    }

    /// PROOF(m, D[0:n]).
    func consistency(_ m: Int, _ n: Int) -> [[UInt8]] { subproof(m, 0..<n, true) }

    private func subproof(_ m: Int, _ range: Range<Int>, _ b: Bool) -> [[UInt8]] {
        let n = range.count
        if m == n { return b ? [] : [mth(range)] }
        let k = Self.split(n)
        let mid = range.lowerBound + k
        if m <= k { return subproof(m, range.lowerBound..<mid, b) + [mth(mid..<range.upperBound)] }
        return subproof(m - k, mid..<range.upperBound, false) + [mth(range.lowerBound..<mid)]
    }
}
