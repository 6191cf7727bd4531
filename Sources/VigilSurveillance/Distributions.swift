// Distribution functions used by the detectors and the reproduction-number estimator.
//
// They are written for accuracy over the whole double range the algorithms use, and checked
// against values from R's `stats` package (the reference the surveillance methods are defined by).

/// The normal distribution: `pnorm` and `qnorm`.
public enum Normal {
    /// The cumulative distribution function, `pnorm(x, mean, sd, lower.tail = !upperTail)`.
    public static func cdf(_ x: Double, mean: Double = 0, sd: Double = 1, upperTail: Bool = false) -> Double {
        if x.isNaN || mean.isNaN || sd.isNaN || sd < 0 { return .nan }
        if sd == 0 {
            let lower: Double = x < mean ? 0 : 1
            return upperTail ? 1 - lower : lower
        }
        let z = (x - mean) / sd
        if z.isInfinite {
            let lower: Double = z < 0 ? 0 : 1
            return upperTail ? 1 - lower : lower
        }
        // Phi(z) = erfc(-z / sqrt 2) / 2, accurate in both tails.
        let u = (upperTail ? z : -z) * 0.70710678118654752440084436210485
        return 0.5 * rErfc(u)
    }

    /// The density, `dnorm(x, mean, sd)`.
    public static func density(_ x: Double, mean: Double = 0, sd: Double = 1) -> Double {
        let z = (x - mean) / sd
        return rExp(-0.5 * z * z) / (sqrt2Pi * sd)
    }

    /// The quantile function, `qnorm(p, mean, sd, lower.tail = !upperTail)`.
    ///
    /// A rational first guess refined by Halley steps on the complementary error function,
    /// so the result is accurate to a few units in the last place, like R's AS 241.
    public static func quantile(_ p: Double, mean: Double = 0, sd: Double = 1, upperTail: Bool = false)
        -> Double
    {
        if p.isNaN || mean.isNaN || sd.isNaN || p < 0 || p > 1 { return .nan }
        let lowerP = upperTail ? 1 - p : p
        if p == 0 { return upperTail ? .infinity : -.infinity }
        if p == 1 { return upperTail ? -.infinity : .infinity }
        // Work with the smaller tail probability q, on the side of z >= 0.
        // For p in [0.5, 1], 1 - p is exact (Sterbenz), so nothing is lost.
        let q: Double
        let sign: Double
        if upperTail {
            if p <= 0.5 {
                q = p
                sign = 1
            } else {
                q = 1 - p
                sign = -1
            }
        } else {
            if lowerP >= 0.5 {
                q = 1 - lowerP
                sign = 1
            } else {
                q = lowerP
                sign = -1
            }
        }
        if q == 0.5 { return mean }
        // Abramowitz & Stegun 26.2.23 as the starting value (|error| < 4.5e-4).
        let t = (-2 * rLog(q)).squareRoot()
        var z =
            t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
            / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
        // Halley iterations on f(z) = Q(z) - q, Q the upper tail.
        for _ in 0..<50 {
            let f = 0.5 * rErfc(z * 0.70710678118654752440084436210485) - q
            let phi = rExp(-0.5 * z * z) / sqrt2Pi
            if phi == 0 { break }
            // f'(z) = -phi, f''(z) = z phi
            let newton = f / phi
            let step = newton / (1 - 0.5 * z * newton)
            z += step
            if abs(step) <= 1e-16 * max(1, abs(z)) { break }
        }
        return mean + sd * sign * z
    }
}

/// The gamma distribution and the regularized incomplete gamma function.
public enum Gamma {
    /// The regularized incomplete gamma functions `(P(a, x), Q(a, x))`, each accurate in its own tail.
    public static func regularized(shape a: Double, _ x: Double) -> (lower: Double, upper: Double) {
        if a.isNaN || x.isNaN || a < 0 { return (.nan, .nan) }
        if x <= 0 { return (0, 1) }
        if x.isInfinite { return (1, 0) }
        if a == 0 { return (1, 0) }
        if x < a + 1 {
            // Series: P = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a+1)...(a+n)).
            var term = 1.0
            var sum = 1.0
            var n = 1.0
            while n < 10_000_000 {
                term *= x / (a + n)
                sum += term
                if term < sum * 1e-17 { break }
                n += 1
            }
            let p = min(1, poissonDensityRaw(a, x) * sum)
            return (p, 1 - p)
        }
        // Legendre continued fraction for Q (modified Lentz).
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while i < 10_000_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
            i += 1
        }
        // x^a e^-x / Gamma(a) = a * dpois_raw(a, x)
        let q = min(1, a * poissonDensityRaw(a, x) * h)
        return (1 - q, q)
    }

    /// The cumulative distribution function, `pgamma(x, shape, scale = scale, lower.tail = !upperTail)`.
    public static func cdf(_ x: Double, shape: Double, scale: Double = 1, upperTail: Bool = false) -> Double {
        let r = regularized(shape: shape, x / scale)
        return upperTail ? r.upper : r.lower
    }

    /// The density, `dgamma(x, shape, scale = scale)`.
    public static func density(_ x: Double, shape: Double, scale: Double = 1) -> Double {
        if x < 0 { return 0 }
        if x == 0 { return shape < 1 ? .infinity : (shape > 1 ? 0 : 1 / scale) }
        let y = x / scale
        if shape < 1 { return shape * poissonDensityRaw(shape, y) / x }
        return poissonDensityRaw(shape - 1, y) / scale
    }

    /// The quantile function, `qgamma(p, shape, scale = scale)`.
    ///
    /// Newton steps on log(x) from the Wilson-Hilferty approximation, safeguarded by bisection,
    /// iterated to full double precision.
    public static func quantile(_ p: Double, shape a: Double, scale: Double = 1) -> Double {
        if p.isNaN || a.isNaN || scale.isNaN || p < 0 || p > 1 || a < 0 || scale <= 0 { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        if a == 0 { return 0 }
        let useUpper = p > 0.5
        let target = useUpper ? 1 - p : p
        // Starting value.
        var x: Double
        let z = Normal.quantile(p)
        let c = 1 / (9 * a)
        let wh = a * rPow(1 - c + z * c.squareRoot(), 3)
        if wh > 0 && a > 0.5 {
            x = wh
        } else {
            // Small shape: P(a, x) ~ x^a / Gamma(a + 1).
            x = rExp((rLog(p) + rLogGamma(a + 1)) / a)
            if !(x > 0) || !x.isFinite { x = max(wh, 1e-300) }
        }
        var lo = 0.0
        var hi = Double.infinity
        for _ in 0..<200 {
            let r = regularized(shape: a, x)
            let value = useUpper ? r.upper : r.lower
            // f(x) = value - target, increasing in x for the lower tail, decreasing for the upper.
            let f = useUpper ? target - value : value - target
            if f == 0 { break }
            if f > 0 { hi = min(hi, x) } else { lo = max(lo, x) }
            // d(P)/d(log x) = x * density = a * dpois_raw(a, x)
            let slope = a * poissonDensityRaw(a, x)
            var next: Double
            if slope > 0 && slope.isFinite {
                let step = f / slope
                // Newton converges quadratically: after a step this small the error is negligible.
                if abs(step) <= 1e-11 {
                    x *= rExp(-step)
                    break
                }
                next = x * rExp(-max(min(step, 5), -5))
            } else {
                next = .nan
            }
            if !(next > lo && next < hi) || !next.isFinite {
                next = hi.isFinite ? 0.5 * (lo + hi) : max(2 * x, 1)
            }
            if next == x { break }
            x = next
        }
        return x * scale
    }
}

/// The regularized incomplete beta function `I_x(a, b)` and the Student t distribution.
public enum Beta {
    /// `(I_x(a, b), 1 - I_x(a, b))`, each accurate in its own tail (`pbeta`).
    public static func regularized(_ x: Double, a: Double, b: Double) -> (lower: Double, upper: Double) {
        if x.isNaN || a.isNaN || b.isNaN || a < 0 || b < 0 { return (.nan, .nan) }
        if x <= 0 { return (0, 1) }
        if x >= 1 { return (1, 0) }
        if a == 0 { return (1, 0) }
        if b == 0 { return (0, 1) }
        if x < (a + 1) / (a + b + 2) {
            let v = front(x, a, b) * continuedFraction(x, a, b) / a
            return (v, 1 - v)
        } else {
            let v = front(1 - x, b, a) * continuedFraction(1 - x, b, a) / b
            return (1 - v, v)
        }
    }

    private static func front(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let logBeta = rLogGamma(a) + rLogGamma(b) - rLogGamma(a + b)
        return rExp(a * rLog(x) + b * rLog1p(-x) - logBeta)
    }

    private static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        var m = 1.0
        while m < 100_000 {
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
            m += 1
        }
        return h
    }
}

/// Student's t distribution (`pt`), used for the t-test of GLM coefficients.
public enum StudentT {
    /// The cumulative distribution function, `pt(t, df, lower.tail = !upperTail)`.
    public static func cdf(_ t: Double, df: Double, upperTail: Bool = false) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        if t.isInfinite {
            let lower: Double = t < 0 ? 0 : 1
            return upperTail ? 1 - lower : lower
        }
        if df.isInfinite { return Normal.cdf(t, upperTail: upperTail) }
        // P(|T| > |t|) = I_{df/(df+t^2)}(df/2, 1/2)
        let x = df / (df + t * t)
        let r = Beta.regularized(x, a: df / 2, b: 0.5)
        let halfTail = 0.5 * r.lower  // P(T > |t|)
        let lowerTail = t > 0 ? 1 - halfTail : halfTail
        if upperTail { return t > 0 ? halfTail : 1 - halfTail }
        return lowerTail
    }
}

/// The Poisson distribution: `ppois`, `qpois`.
public enum Poisson {
    /// `ppois(k, mean, lower.tail = !upperTail)`: P(X <= k), or P(X > k) for the upper tail.
    public static func cdf(_ k: Double, mean lambda: Double, upperTail: Bool = false) -> Double {
        if k.isNaN || lambda.isNaN || lambda < 0 { return .nan }
        if k < 0 { return upperTail ? 1 : 0 }
        if lambda == 0 || k.isInfinite { return upperTail ? 0 : 1 }
        let x = (k + 1e-7).rounded(.down)
        // P(X <= x) = Q(x + 1, lambda)
        let r = Gamma.regularized(shape: x + 1, lambda)
        return upperTail ? r.lower : r.upper
    }

    /// `qpois(p, mean)`: the smallest integer x with P(X <= x) >= p (with R's left-continuity fuzz).
    public static func quantile(_ p: Double, mean lambda: Double) -> Double {
        if p.isNaN || lambda.isNaN || lambda < 0 || p < 0 || p > 1 { return .nan }
        if lambda == 0 { return 0 }
        if p == 0 { return 0 }
        if p + 1.01 * Double.ulpOfOne >= 1 { return .infinity }
        let sigma = lambda.squareRoot()
        let gamma = 1 / sigma
        let z = Normal.quantile(p)
        let y0 = max(0, (lambda + sigma * (z + gamma * (z * z - 1) / 6)).rounded())
        return discreteSearch(start: y0, p: p * (1 - 64 * Double.ulpOfOne)) { cdf($0, mean: lambda) }
    }
}

/// The negative binomial distribution: `pnbinom`, `qnbinom` (size / prob parametrisation).
public enum NegativeBinomial {
    /// `pnbinom(k, size, prob, lower.tail = !upperTail)`.
    public static func cdf(_ k: Double, size: Double, prob: Double, upperTail: Bool = false) -> Double {
        if k.isNaN || size.isNaN || prob.isNaN || size < 0 || prob <= 0 || prob > 1 { return .nan }
        if k < 0 { return upperTail ? 1 : 0 }
        if size == 0 || k.isInfinite { return upperTail ? 0 : 1 }
        let x = (k + 1e-7).rounded(.down)
        let r = Beta.regularized(prob, a: size, b: x + 1)
        return upperTail ? r.upper : r.lower
    }

    /// `qnbinom(p, size, prob)`: the smallest integer x with P(X <= x) >= p (with R's fuzz).
    public static func quantile(_ p: Double, size: Double, prob: Double) -> Double {
        if p.isNaN || size.isNaN || prob.isNaN || prob <= 0 || prob > 1 || size < 0 || p < 0 || p > 1 {
            return .nan
        }
        if prob == 1 || size == 0 { return 0 }
        if p == 0 { return 0 }
        if p + 1.01 * Double.ulpOfOne >= 1 { return .infinity }
        let q = 1 / prob
        let pp = (1 - prob) * q
        let mu = size * pp
        let sigma = (size * pp * q).squareRoot()
        let gamma = (q + pp) / sigma
        let z = Normal.quantile(p)
        let y0 = max(0, (mu + sigma * (z + gamma * (z * z - 1) / 6)).rounded())
        return discreteSearch(start: y0, p: p * (1 - 64 * Double.ulpOfOne)) {
            cdf($0, size: size, prob: prob)
        }
    }
}

/// The smallest integer y >= 0 with cdf(y) >= p, searching from a starting guess.
func discreteSearch(start: Double, p: Double, cdf: (Double) -> Double) -> Double {
    var y = start
    if cdf(y) >= p {
        while y > 0 && cdf(y - 1) >= p { y -= 1 }
        return y
    }
    while true {
        y += 1
        if cdf(y) >= p { return y }
        if y > 1e15 { return .infinity }
    }
}
