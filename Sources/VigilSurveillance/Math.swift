#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// Small numerical helpers shared by the distribution functions, the GLM and the detectors.
// They follow the R `nmath` library where it matters for matching R's numbers.

@inline(__always)
func rLog(_ x: Double) -> Double { log(x) }

@inline(__always)
func rExp(_ x: Double) -> Double { exp(x) }

@inline(__always)
func rPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

@inline(__always)
func rLogGamma(_ x: Double) -> Double { lgamma(x) }

@inline(__always)
func rErfc(_ x: Double) -> Double { erfc(x) }

@inline(__always)
func rLog1p(_ x: Double) -> Double { log1p(x) }

/// R's `pmax(a, b)` for two doubles: NaN if either is NaN, else the larger.
@inline(__always)
func rMax(_ a: Double, _ b: Double) -> Double {
    if a.isNaN || b.isNaN { return .nan }
    return a >= b ? a : b
}

/// R's `mean()` of doubles: sum, then one correction pass (as in R's `summary.c`).
func rMean(_ values: UnsafeBufferPointer<Double>) -> Double {
    let n = Double(values.count)
    var sum = 0.0
    for v in values { sum += v }
    var s = sum / n
    if s.isFinite {
        var t = 0.0
        for v in values { t += v - s }
        s += t / n
    }
    return s
}

/// R's `sd()`: two-pass sample standard deviation with the n - 1 denominator.
func rStandardDeviation(_ values: UnsafeBufferPointer<Double>, mean: Double) -> Double {
    let n = values.count
    if n < 2 { return .nan }
    var ss = 0.0
    for v in values {
        let d = v - mean
        ss += d * d
    }
    return (ss / Double(n - 1)).squareRoot()
}

let lnSqrt2Pi = 0.918938533204672741780329736406  // log(sqrt(2*pi))
let sqrt2Pi = 2.506628274631000502415765284811

/// Stirling's formula error term `log(n!) - log(sqrt(2 pi n) (n/e)^n)` (R `stirlerr`).
func stirlingError(_ n: Double) -> Double {
    let s0 = 1.0 / 12.0
    let s1 = 1.0 / 360.0
    let s2 = 1.0 / 1260.0
    let s3 = 1.0 / 1680.0
    let s4 = 1.0 / 1188.0
    if n <= 15 {
        return rLogGamma(n + 1) - (n + 0.5) * rLog(n) + n - lnSqrt2Pi
    }
    let nn = n * n
    if n > 500 { return (s0 - s1 / nn) / n }
    if n > 80 { return (s0 - (s1 - s2 / nn) / nn) / n }
    if n > 35 { return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n }
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n
}

/// Deviance term `x log(x/np) + np - x`, computed without cancellation (R `bd0`).
func devianceTerm(_ x: Double, _ np: Double) -> Double {
    if abs(x - np) < 0.1 * (x + np) {
        var v = (x - np) / (x + np)
        var s = (x - np) * v
        if abs(s) < Double.leastNormalMagnitude { return s }
        var ej = 2 * x * v
        v *= v
        var j = 1.0
        while j < 1000 {
            ej *= v
            let s1 = s + ej / (2 * j + 1)
            if s1 == s { return s1 }
            s = s1
            j += 1
        }
    }
    return x * rLog(x / np) + np - x
}

/// `lambda^x e^-lambda / Gamma(x + 1)` for real x >= 0 (R `dpois_raw`).
func poissonDensityRaw(_ x: Double, _ lambda: Double) -> Double {
    if lambda == 0 { return x == 0 ? 1 : 0 }
    if !lambda.isFinite || x < 0 { return 0 }
    if x <= lambda * Double.leastNormalMagnitude { return rExp(-lambda) }
    if lambda < x * Double.leastNormalMagnitude {
        return rExp(-lambda + x * rLog(lambda) - rLogGamma(x + 1))
    }
    return rExp(-stirlingError(x) - devianceTerm(x, lambda)) / (sqrt2Pi * x.squareRoot())
}

@inline(__always)
func cosine(_ x: Double) -> Double { cos(x) }

@inline(__always)
func sine(_ x: Double) -> Double { sin(x) }

/// The digamma function psi(x) for x > 0: recurrence up to x >= 10, then the asymptotic series.
func digamma(_ x0: Double) -> Double {
    var x = x0
    var result = 0.0
    while x < 10 {
        result -= 1 / x
        x += 1
    }
    let f = 1 / (x * x)
    let series =
        f
        * (-1.0 / 12 + f
            * (1.0 / 120 + f
                * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760 + f * (-1.0 / 12)))))))
    return result + rLog(x) - 0.5 / x + series
}

/// The trigamma function psi'(x) for x > 0: recurrence up to x >= 10, then the asymptotic series.
func trigamma(_ x0: Double) -> Double {
    var x = x0
    var result = 0.0
    while x < 10 {
        result += 1 / (x * x)
        x += 1
    }
    let f = 1 / (x * x)
    // 1/x + 1/(2x^2) + sum B_{2k} / x^{2k+1}
    let series =
        (1 + f
            * (1.0 / 6 + f
                * (-1.0 / 30 + f
                    * (1.0 / 42 + f * (-1.0 / 30 + f * (5.0 / 66 + f * (-691.0 / 2730 + f * (7.0 / 6))))))))
        / x
    return result + series + 0.5 * f
}
