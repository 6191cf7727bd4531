/// A seeded, deterministic agent-based simulation of an outbreak spreading through a ``City``.
///
/// Each ``step()`` advances one day and returns a ``DayReport``: who visited which venue and when,
/// ground-truth infections, symptom onsets, clinic presentations and later test results,
/// hospitalisations, recoveries, deaths, and quarantine check-ins. Interventions
/// (``quarantine(_:until:)``, ``isolate(_:)``, ``closeVenues(kind:in:)``,
/// ``setContactReduction(_:community:)``) take effect from the next step and change transmission.
///
/// ## Disease model
/// Susceptible → exposed (latent 2–4 days, mean 3) → infectious. 70% then spend 1–3 days
/// presymptomatic (mean 2) and 4–8 days symptomatic (mean 6); 30% are asymptomatic for 5–9 days at
/// half infectiousness. Symptomatic infectiousness is highest in the first two days after onset and
/// falls after, so the generation and serial intervals are about 5–6 days. About 5–15% of
/// symptomatic cases (more at 50+ and with chronic conditions) are hospitalised; deaths are rare
/// and mostly at 70+.
///
/// ## Transmission
/// Every infectious resident, each day:
/// - infects each susceptible household member with probability
///   `1 - exp(-householdHazard × infectiousness)` (reduced while quarantined, residual only while
///   isolated or in hospital);
/// - for each of their venue visits, meets up to ``VenueRisk/contactsPerVisit`` visitors whose
///   visits overlap in time (sampled from the venue's start-sorted visits, never all pairs) and
///   infects each with probability `1 - exp(-hourlyHazard × overlapHours × infectiousness ×
///   (1 - contactReduction))`.
/// So every venue infection is between residents whose reported visits overlap at that venue.
///
/// ## Calibration
/// The hazards in ``OutbreakParameters/default`` were tuned (one scale factor on all venue
/// hazards, plus the household hazard) until the ground-truth case reproduction number of the
/// residents infected on days 0–7 (``caseReproductionNumber(infectedOn:)``, the mean number of
/// people each of them went on to infect) was about 2.5 with no interventions:
/// - 20,000 residents in 10 communities, 40 initial infections: 2.6 (mean of seeds 1–3);
/// - the default 2,000-resident city, 3 initial infections: 2.6 (mean of seeds 1–10, range
///   1.75–3.6, being a handful of cases).
/// About 35% of infections happen in households and 65% at venues (workplaces and markets most).
/// Without interventions the default city has 59–316 cumulative infections by day 21 and an
/// attack rate of 77–83% by day 60 (seeds 1–10). The test suite checks these bounds.
///
/// ## Determinism
/// All randomness comes from one ``OutbreakRandom`` seeded with `seed`, drawn in resident-id order;
/// no dictionary or set is iterated. The same city, seed, parameters and interventions give
/// identical reports in every process.
public struct OutbreakSimulation: Sendable {
    /// The city being simulated.
    public let city: City
    /// The parameters in force.
    public let parameters: OutbreakParameters
    /// The seed of the simulation's random stream.
    public let seed: UInt64
    /// The day the next ``step()`` simulates (0 before the first step).
    public internal(set) var day = 0

    var random: OutbreakRandom
    // Per resident (indexed by id).
    var health: [HealthState]
    var infectedOn: [Int]
    var infectiousFrom: [Int]
    var onset: [Int]
    var endDay: [Int]
    var hospitalDay: [Int]
    var presentDay: [Int]
    var dies: [Bool]
    var offspring: [Int]
    var quarantineUntil: [Int]
    var isolated: [Bool]
    var hospitalised: [Bool]
    var illnessStart: [Int]
    var illnessEnd: [Int]
    var illnessPresent: [Int]
    // Interventions.
    var venueClosed: [Bool]
    var districtReduction = 0.0
    var communityReduction: [Double]
    var pendingTests: [TestResult] = []
    var pendingImports: [Int] = []
    var cumulativeInfections = 0
    // Precomputed from the city.
    let routines: [[RoutineStop]]
    let householdOf: [Int]
    let householdMembers: [[Int]]
    let communityOf: [Int]
    let severeProbability: [Double]
    let deathProbability: [Double]
    let venueIDs: [String]
    let venueCommunity: [Int?]
    let venueRisk: [VenueRisk]

    /// Creates a simulation of `city` with everyone susceptible; infections are seeded on day 0.
    /// - Parameters:
    ///   - city: The city (see ``City/generate(_:)``).
    ///   - seed: Determines every random draw of the simulation.
    ///   - parameters: Disease and behaviour parameters.
    public init(city: City, seed: UInt64, parameters: OutbreakParameters = .default) {
        self.city = city
        self.parameters = parameters
        self.seed = seed
        random = OutbreakRandom(seed: seed ^ 0x0B5E_A400_0000_0002)
        let n = city.residents.count
        health = Array(repeating: .susceptible, count: n)
        infectedOn = Array(repeating: -1, count: n)
        infectiousFrom = Array(repeating: -1, count: n)
        onset = Array(repeating: -1, count: n)
        endDay = Array(repeating: -1, count: n)
        hospitalDay = Array(repeating: -1, count: n)
        presentDay = Array(repeating: -1, count: n)
        dies = Array(repeating: false, count: n)
        offspring = Array(repeating: 0, count: n)
        quarantineUntil = Array(repeating: Int.min, count: n)
        isolated = Array(repeating: false, count: n)
        hospitalised = Array(repeating: false, count: n)
        illnessStart = Array(repeating: Int.min, count: n)
        illnessEnd = Array(repeating: Int.min, count: n)
        illnessPresent = Array(repeating: -1, count: n)
        venueClosed = Array(repeating: false, count: city.venues.count)
        communityReduction = Array(repeating: 0, count: city.communities.count)
        routines = city.residents.map(\.routine)
        householdOf = city.residents.map(\.household)
        householdMembers = city.households.map(\.members)
        communityOf = city.residents.map(\.community)
        severeProbability = city.residents.map { Self.severeProbability($0, base: parameters.severeFraction) }
        deathProbability = city.residents.map { Self.deathProbability($0, base: parameters.severeFatality) }
        venueIDs = city.venues.map(\.id)
        venueCommunity = city.venues.map(\.community)
        venueRisk = city.venues.map { venue in
            var risk = parameters.risk(for: venue.kind)
            risk.hourlyHazard *= parameters.venueHazardScale
            return risk
        }
    }

    static func severeProbability(_ resident: Resident, base: Double) -> Double {
        var p = base
        switch resident.age {
        case ..<18: p *= 0.2
        case 18..<50: p *= 0.6
        case 50..<70: p *= 2
        default: p *= 5
        }
        if resident.vulnerabilities.contains(.chronic) { p *= 2 }
        if resident.vulnerabilities.contains(.pregnant) { p *= 1.5 }
        return min(0.8, p)
    }

    static func deathProbability(_ resident: Resident, base: Double) -> Double {
        var p = base
        switch resident.age {
        case ..<50: p *= 0.5
        case 50..<70: p *= 3
        default: p *= 12
        }
        if resident.vulnerabilities.contains(.chronic) { p *= 1.5 }
        return min(0.9, p)
    }

    // MARK: Queries

    /// The outbreak state of a resident.
    /// - Precondition: `resident` is a valid id (`0..<city.residents.count`).
    public func state(of resident: Int) -> HealthState {
        precondition(health.indices.contains(resident), "unknown resident \(resident), the city has \(health.count)")
        return health[resident]
    }

    /// The day a resident was infected, or `nil` if never (or an unknown id).
    public func infectionDay(of resident: Int) -> Int? {
        guard infectedOn.indices.contains(resident), infectedOn[resident] >= 0 else { return nil }
        return infectedOn[resident]
    }

    /// Whether the resident stays home in quarantine on the next simulated day.
    public func isQuarantined(_ resident: Int) -> Bool {
        quarantineUntil.indices.contains(resident) && quarantineUntil[resident] > day
    }

    /// Whether the resident is isolated (confirmed case; ends on recovery, death or ``release(_:)``).
    public func isIsolated(_ resident: Int) -> Bool {
        isolated.indices.contains(resident) && isolated[resident]
    }

    /// Whether the resident is in hospital.
    public func isHospitalised(_ resident: Int) -> Bool {
        hospitalised.indices.contains(resident) && hospitalised[resident]
    }

    /// Residents in quarantine on the next simulated day, in id order.
    public var quarantinedResidents: [Int] {
        quarantineUntil.indices.filter { quarantineUntil[$0] > day }
    }

    /// Infections so far, including importations.
    public var totalInfections: Int { cumulativeInfections }

    /// Ground-truth case reproduction number: the mean number of people infected (so far) by the
    /// residents infected on `days`; `nil` if nobody was infected then. Exact once those residents
    /// are no longer infectious (about 15 days later).
    public func caseReproductionNumber(infectedOn days: ClosedRange<Int>) -> Double? {
        var cases = 0
        var secondary = 0
        for resident in infectedOn.indices where days.contains(infectedOn[resident]) {
            cases += 1
            secondary += offspring[resident]
        }
        return cases == 0 ? nil : Double(secondary) / Double(cases)
    }

    /// The ids of the venues currently closed, in venue order.
    public var closedVenues: [String] {
        venueClosed.indices.filter { venueClosed[$0] }.map { venueIDs[$0] }
    }

    /// The contact reduction in force at venues of a community (`nil`: district-level venues).
    public func contactReduction(community: Int?) -> Double {
        guard let community, communityReduction.indices.contains(community) else { return districtReduction }
        return max(districtReduction, communityReduction[community])
    }
}
