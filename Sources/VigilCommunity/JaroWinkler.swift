/// Jaro-Winkler similarity (Winkler 1990): 1 for equal texts, 0 for texts with nothing in common.
///
/// Jaro counts characters that match within a window of `max(|a|, |b|) / 2 - 1` positions and the
/// transpositions among them; Winkler adds `0.1` per character of common prefix (up to four) of
/// the remaining distance. `MARTHA`/`MARHTA` score 0.961, `DWAYNE`/`DUANE` 0.840,
/// `DIXON`/`DICKSONX` 0.813. Texts are compared by Unicode scalar, as given: normalise first.
public enum JaroWinkler {
    /// The Jaro-Winkler similarity of `a` and `b`, in 0...1.
    public static func similarity(_ a: String, _ b: String) -> Double {
        similarity(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }

    /// The Jaro similarity of `a` and `b` (no prefix bonus), in 0...1.
    public static func jaro(_ a: String, _ b: String) -> Double {
        jaro(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }

    static func similarity<T: Equatable>(_ a: [T], _ b: [T]) -> Double {
        let j = jaro(a, b)
        var prefix = 0
        while prefix < 4, prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        return j + Double(prefix) * 0.1 * (1 - j)
    }

    static func jaro<T: Equatable>(_ a: [T], _ b: [T]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        if a.isEmpty || b.isEmpty { return 0 }
        let window = max(0, max(a.count, b.count) / 2 - 1)
        var bMatched = [Bool](repeating: false, count: b.count)
        var aMatches: [T] = []
        aMatches.reserveCapacity(min(a.count, b.count))
        for i in a.indices {
            let lo = max(0, i - window)
            let hi = min(b.count - 1, i + window)
            guard lo <= hi else { continue }
            for j in lo...hi where !bMatched[j] && a[i] == b[j] {
                bMatched[j] = true
                aMatches.append(a[i])
                break
            }
        }
        let m = aMatches.count
        guard m > 0 else { return 0 }
        var outOfOrder = 0
        var k = 0
        for j in b.indices where bMatched[j] {
            if b[j] != aMatches[k] { outOfOrder += 1 }
            k += 1
        }
        let md = Double(m)
        return (md / Double(a.count) + md / Double(b.count) + (md - Double(outOfOrder) / 2) / md) / 3
    }
}
