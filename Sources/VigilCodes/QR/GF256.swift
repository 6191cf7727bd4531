/// Arithmetic in GF(2⁸) reduced by x⁸ + x⁴ + x³ + x² + 1 (0x11D) with primitive element α = 2,
/// the field of QR code Reed–Solomon codes (ISO/IEC 18004:2015, 7.5.2).
///
/// Addition and subtraction are both XOR; multiplication and division go through logarithm
/// tables.
enum GF256 {
    /// αⁱ for i in 0..<510, so that the sum of two logarithms indexes it without reduction.
    static let exponentials: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for i in 0..<255 {
            table[i] = UInt8(value)
            table[i + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    /// log_α(x) for x in 1...255; entry 0 is unused.
    static let logarithms: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for i in 0..<255 { table[Int(exponentials[i])] = i }
        return table
    }()

    /// αᵉ for any integer exponent (reduced modulo 255).
    static func power(_ exponent: Int) -> UInt8 {
        let reduced = exponent % 255
        return exponentials[reduced < 0 ? reduced + 255 : reduced]
    }

    /// The product `a · b`.
    @inline(__always)
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exponentials[logarithms[Int(a)] + logarithms[Int(b)]]
    }

    /// The quotient `a / b`.
    ///
    /// - Precondition: `b` is not zero.
    static func divide(_ a: UInt8, by b: UInt8) -> UInt8 {
        precondition(b != 0, "division by zero in GF(256)")
        if a == 0 { return 0 }
        return exponentials[logarithms[Int(a)] + 255 - logarithms[Int(b)]]
    }

    /// The multiplicative inverse of `a`.
    ///
    /// - Precondition: `a` is not zero.
    static func inverse(_ a: UInt8) -> UInt8 { divide(1, by: a) }
}

/// Why a Reed–Solomon block could not be corrected.
struct ReedSolomonError: Error, Equatable, Sendable {
    /// Number of errors the block seemed to need, when known; more than the decoder may fix.
    var errorCount: Int?
}

/// A Reed–Solomon code over ``GF256`` with `ecCount` check symbols and generator polynomial
/// (x − α⁰)(x − α¹)…(x − α^(ecCount−1)), as QR codes use (7.5.2, Annex A).
///
/// Codewords are byte arrays whose first byte is the coefficient of the highest power of x;
/// the last `ecCount` bytes are the check symbols.
struct ReedSolomonCode: Sendable {
    /// Number of error correction (check) symbols per codeword.
    let ecCount: Int
    /// Coefficients of the monic generator polynomial below its leading 1, highest power first.
    let generator: [UInt8]

    /// The code with `ecCount` (1–254) check symbols.
    init(ecCount: Int) {
        precondition((1..<255).contains(ecCount), "Reed–Solomon check symbol count out of range")
        self.ecCount = ecCount
        var coefficients = [UInt8](repeating: 0, count: ecCount)
        coefficients[ecCount - 1] = 1  // the polynomial 1, stored below an implicit leading x^ecCount
        var root: UInt8 = 1
        for _ in 0..<ecCount {
            // Multiply by (x − root): shift up one power and add root times the old polynomial.
            for j in 0..<ecCount {
                coefficients[j] = GF256.multiply(coefficients[j], root)
                if j + 1 < ecCount { coefficients[j] ^= coefficients[j + 1] }
            }
            root = GF256.multiply(root, 2)
        }
        generator = coefficients
    }

    /// The check symbols for `data`: the remainder of data(x) · x^ecCount divided by the
    /// generator.
    func checkSymbols(for data: some Collection<UInt8>) -> [UInt8] {
        var remainder = [UInt8](repeating: 0, count: ecCount)
        let generatorLogs = generator.map { $0 == 0 ? -1 : GF256.logarithms[Int($0)] }
        for byte in data {
            let factor = byte ^ remainder[0]
            for i in 0..<(ecCount - 1) { remainder[i] = remainder[i + 1] }
            remainder[ecCount - 1] = 0
            if factor == 0 { continue }
            let factorLog = GF256.logarithms[Int(factor)]
            for i in 0..<ecCount where generatorLogs[i] >= 0 {
                remainder[i] ^= GF256.exponentials[generatorLogs[i] + factorLog]
            }
        }
        return remainder
    }

    /// The syndromes S_j = r(αʲ) for j in 0..<ecCount; all zero exactly when `received` is a
    /// codeword.
    func syndromes(of received: [UInt8]) -> [UInt8] {
        (0..<ecCount).map { j in
            let point = GF256.power(j)
            var value: UInt8 = 0
            for byte in received { value = GF256.multiply(value, point) ^ byte }
            return value
        }
    }

    /// Corrects up to `maximumErrors` symbol errors in `received` in place and returns how many
    /// symbols were changed.
    ///
    /// Berlekamp–Massey finds the error locator polynomial from the syndromes, a Chien search
    /// its roots (the error positions) and Forney's formula the error values. More errors than
    /// `maximumErrors` (at most `ecCount / 2`) are reported rather than corrected; but like any
    /// bounded-distance decoder, a pattern of more than `ecCount / 2` errors that lies within
    /// `maximumErrors` of another codeword is "corrected" to that codeword.
    ///
    /// - Parameters:
    ///   - received: A codeword of at most 255 symbols, possibly with errors. Left unchanged
    ///     when correction fails.
    ///   - maximumErrors: The most errors to correct; defaults to `ecCount / 2`.
    /// - Throws: ``ReedSolomonError`` when the errors cannot be located or exceed the limit.
    @discardableResult
    func correct(_ received: inout [UInt8], maximumErrors: Int? = nil) throws(ReedSolomonError) -> Int {
        let limit = min(maximumErrors ?? ecCount / 2, ecCount / 2)
        let n = received.count
        guard n <= 255, n > ecCount else { throw ReedSolomonError(errorCount: nil) }
        let s = syndromes(of: received)
        if s.allSatisfy({ $0 == 0 }) { return 0 }

        // Berlekamp–Massey: the shortest LFSR (locator Λ, lowest power first) generating s.
        var locator: [UInt8] = [1]
        var previous: [UInt8] = [1]
        var length = 0
        var shift = 1
        var previousDiscrepancy: UInt8 = 1
        for step in 0..<ecCount {
            var discrepancy = s[step]
            if length > 0 {
                for i in 1...length where i < locator.count {
                    discrepancy ^= GF256.multiply(locator[i], s[step - i])
                }
            }
            if discrepancy == 0 {
                shift += 1
                continue
            }
            let factor = GF256.divide(discrepancy, by: previousDiscrepancy)
            var updated = locator
            if updated.count < previous.count + shift {
                updated += [UInt8](repeating: 0, count: previous.count + shift - updated.count)
            }
            for (i, coefficient) in previous.enumerated() {
                updated[i + shift] ^= GF256.multiply(factor, coefficient)
            }
            if 2 * length <= step {
                previous = locator
                length = step + 1 - length
                previousDiscrepancy = discrepancy
                shift = 1
            } else {
                shift += 1
            }
            locator = updated
        }
        while locator.count > 1, locator[locator.count - 1] == 0 { locator.removeLast() }
        guard length <= limit, locator.count - 1 == length else {
            throw ReedSolomonError(errorCount: length)
        }

        // Chien search: byte i carries x^(n−1−i); it is in error when Λ(α^−(n−1−i)) = 0.
        var positions: [Int] = []
        for i in 0..<n {
            let inverseLocation = GF256.power(-(n - 1 - i))
            if evaluate(locator, at: inverseLocation) == 0 { positions.append(i) }
        }
        guard positions.count == length else { throw ReedSolomonError(errorCount: length) }

        // Forney: e = X · Ω(X⁻¹) / Λ'(X⁻¹) with Ω = S · Λ mod x^ecCount (first root α⁰).
        var evaluator = [UInt8](repeating: 0, count: ecCount)
        for (i, si) in s.enumerated() where si != 0 {
            for (j, lj) in locator.enumerated() where i + j < ecCount {
                evaluator[i + j] ^= GF256.multiply(si, lj)
            }
        }
        // Formal derivative: in characteristic 2 only odd powers survive.
        var derivative = [UInt8](repeating: 0, count: max(locator.count - 1, 1))
        for i in stride(from: 1, to: locator.count, by: 2) { derivative[i - 1] = locator[i] }

        var corrected = received
        for i in positions {
            let location = GF256.power(n - 1 - i)
            let inverseLocation = GF256.inverse(location)
            let denominator = evaluate(derivative, at: inverseLocation)
            guard denominator != 0 else { throw ReedSolomonError(errorCount: length) }
            let magnitude = GF256.multiply(
                location, GF256.divide(evaluate(evaluator, at: inverseLocation), by: denominator))
            corrected[i] ^= magnitude
        }
        guard syndromes(of: corrected).allSatisfy({ $0 == 0 }) else {
            throw ReedSolomonError(errorCount: length)
        }
        received = corrected
        return positions.count
    }

    /// p(x) for coefficients listed lowest power first (Horner's rule).
    private func evaluate(_ polynomial: [UInt8], at x: UInt8) -> UInt8 {
        var value: UInt8 = 0
        for coefficient in polynomial.reversed() { value = GF256.multiply(value, x) ^ coefficient }
        return value
    }
}
