/// A deterministic SEIR projection, for "research and judgement": how the epidemic would go on with
/// the current reproduction number and no change in control measures.
///
/// dS/dt = -beta S I / N, dE/dt = beta S I / N - sigma E, dI/dt = sigma E - gamma I, dR/dt = gamma I,
/// integrated with the classical fourth-order Runge-Kutta method. beta is chosen so that the effective
/// reproduction number at the start, beta / gamma * S0 / N, equals the given Rt.
public struct SEIRProjection: Sendable, Hashable {
    /// Compartment sizes at one time.
    public struct State: Sendable, Hashable {
        /// Susceptible.
        public var susceptible: Double
        /// Exposed (infected, not yet infectious).
        public var exposed: Double
        /// Infectious.
        public var infectious: Double
        /// Removed (recovered, isolated or dead).
        public var removed: Double

        /// Creates a state.
        public init(susceptible: Double, exposed: Double, infectious: Double, removed: Double) {
            self.susceptible = susceptible
            self.exposed = exposed
            self.infectious = infectious
            self.removed = removed
        }

        /// S + E + I + R.
        public var total: Double { susceptible + exposed + infectious + removed }
    }

    /// Parameters.
    public struct Parameters: Sendable, Hashable {
        /// The effective reproduction number at the start (e.g. the latest `Mean(R)`).
        public var reproductionNumber: Double
        /// Mean latent period in days (1 / sigma).
        public var latentPeriod: Double
        /// Mean infectious period in days (1 / gamma).
        public var infectiousPeriod: Double
        /// Integration steps per day (default 24).
        public var stepsPerDay: Int

        /// Creates parameters.
        public init(
            reproductionNumber: Double, latentPeriod: Double, infectiousPeriod: Double, stepsPerDay: Int = 24
        ) {
            self.reproductionNumber = reproductionNumber
            self.latentPeriod = latentPeriod
            self.infectiousPeriod = infectiousPeriod
            self.stepsPerDay = stepsPerDay
        }
    }

    /// The state at the start.
    public var initial: State
    /// The parameters.
    public var parameters: Parameters

    /// Creates a projection.
    /// - Throws: `SurveillanceError(.invalidControl)` for non-positive periods, negative compartments or Rt,
    ///   or no susceptibles.
    public init(initial: State, parameters: Parameters) throws {
        let p = parameters
        guard p.latentPeriod > 0, p.infectiousPeriod > 0, p.stepsPerDay > 0 else {
            throw SurveillanceError(
                .invalidControl,
                "latent period \(p.latentPeriod), infectious period \(p.infectiousPeriod) and steps per day \(p.stepsPerDay) must be positive"
            )
        }
        guard p.reproductionNumber >= 0, p.reproductionNumber.isFinite else {
            throw SurveillanceError(
                .invalidControl, "reproduction number \(p.reproductionNumber) must be finite and >= 0")
        }
        guard initial.susceptible > 0, initial.exposed >= 0, initial.infectious >= 0, initial.removed >= 0
        else {
            throw SurveillanceError(.invalidControl, "compartments must be non-negative with S > 0")
        }
        self.initial = initial
        self.parameters = p
    }

    /// Total population N.
    public var population: Double { initial.total }
    /// Removal rate gamma = 1 / infectious period.
    public var gamma: Double { 1 / parameters.infectiousPeriod }
    /// Progression rate sigma = 1 / latent period.
    public var sigma: Double { 1 / parameters.latentPeriod }
    /// Transmission rate beta = Rt gamma N / S0.
    public var beta: Double { parameters.reproductionNumber * gamma * population / initial.susceptible }
    /// The basic reproduction number beta / gamma.
    public var basicReproductionNumber: Double { beta / gamma }

    /// One projected day.
    public struct Day: Sendable, Hashable {
        /// Days since the start.
        public var day: Int
        /// The compartments at the end of the day.
        public var state: State
        /// New infections (S to E) during the day.
        public var newInfections: Double
        /// New infectious cases (E to I) during the day.
        public var newCases: Double
    }

    /// Projects `days` days ahead; element 0 is the start.
    public func run(days: Int) -> [Day] {
        let n = population
        let b = beta
        let s = sigma
        let g = gamma
        let h = 1 / Double(parameters.stepsPerDay)
        // y = (S, E, I, R, cumulative infections, cumulative cases)
        func derivative(_ y: [Double]) -> [Double] {
            let infection = b * y[0] * y[2] / n
            let progression = s * y[1]
            let removal = g * y[2]
            return [
                -infection, infection - progression, progression - removal, removal, infection, progression,
            ]
        }
        var y = [initial.susceptible, initial.exposed, initial.infectious, initial.removed, 0, 0]
        var out = [Day(day: 0, state: initial, newInfections: 0, newCases: 0)]
        out.reserveCapacity(days + 1)
        for day in stride(from: 1, through: days, by: 1) {
            let before = y
            for _ in 0..<parameters.stepsPerDay {
                let k1 = derivative(y)
                let k2 = derivative(zip(y, k1).map { $0 + 0.5 * h * $1 })
                let k3 = derivative(zip(y, k2).map { $0 + 0.5 * h * $1 })
                let k4 = derivative(zip(y, k3).map { $0 + h * $1 })
                for i in 0..<6 { y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) }
            }
            out.append(
                Day(
                    day: day,
                    state: State(susceptible: y[0], exposed: y[1], infectious: y[2], removed: y[3]),
                    newInfections: y[4] - before[4], newCases: y[5] - before[5]))
        }
        return out
    }

    /// The final number of susceptibles S_inf from the final-size relation
    /// log(S0 / S_inf) = R0 (N - S_inf - R(0)) / N, solved by Newton's method (the smaller root).
    public func finalSusceptible() -> Double {
        let n = population
        let r0 = basicReproductionNumber
        let s0 = initial.susceptible
        let removed0 = initial.removed
        // f(x) = log(s0/x) - r0 (n - x - removed0)/n, decreasing then increasing; root in (0, s0].
        var x = r0 > 1 ? s0 * rExp(-r0) : s0 * 0.5
        for _ in 0..<200 {
            let f = rLog(s0 / x) - r0 * (n - x - removed0) / n
            let df = -1 / x + r0 / n
            var next = x - f / df
            if !(next > 0) { next = x / 2 }
            if next > s0 { next = (x + s0) / 2 }
            if abs(next - x) <= 1e-14 * x { return next }
            x = next
        }
        return x
    }
}
