/// How close the contacts at one kind of venue are.
///
/// An infectious visitor meets up to ``contactsPerVisit`` co-present visitors (chosen at random
/// among those whose visits overlap in time) and infects each with probability
/// `1 - exp(-hourlyHazard × hours × infectiousness × (1 - contact reduction))`, where `hours` is
/// the overlap capped at ``maxHours``.
public struct VenueRisk: Sendable, Hashable {
    /// The most co-present visitors one visit brings into contact.
    public var contactsPerVisit: Int
    /// The infection hazard per hour of overlap at full infectiousness.
    public var hourlyHazard: Double
    /// The overlap beyond which longer visits add no risk.
    public var maxHours: Double

    /// Creates a venue risk profile.
    public init(contactsPerVisit: Int, hourlyHazard: Double, maxHours: Double) {
        self.contactsPerVisit = contactsPerVisit
        self.hourlyHazard = hourlyHazard
        self.maxHours = maxHours
    }
}

/// The epidemiological and behavioural parameters of an ``OutbreakSimulation``.
///
/// The defaults are calibrated to R0 ≈ 2.5 with no interventions (the mean number of secondary
/// infections of those infected in the first week; see "Calibration" in ``OutbreakSimulation``).
public struct OutbreakParameters: Sendable, Hashable {
    /// Residents infected (in ``seedCommunity``) on day 0.
    public var initialInfections = 3
    /// The community index the initial infections are placed in (clamped to the city's range).
    public var seedCommunity = 0
    /// Expected imported infections per day after day 0 (random residents), Poisson-distributed.
    public var importationsPerDay = 0.0

    /// Daily infection hazard from a fully infectious household member.
    public var householdHazard = 0.11
    /// Contact profile per venue kind.
    public var venueRisks: [VenueKind: VenueRisk] = [
        .market: VenueRisk(contactsPerVisit: 8, hourlyHazard: 0.133, maxHours: 1.5),
        .school: VenueRisk(contactsPerVisit: 12, hourlyHazard: 0.0228, maxHours: 4),
        .workplace: VenueRisk(contactsPerVisit: 8, hourlyHazard: 0.0266, maxHours: 4),
        .clinic: VenueRisk(contactsPerVisit: 6, hourlyHazard: 0.095, maxHours: 2),
        .shop: VenueRisk(contactsPerVisit: 4, hourlyHazard: 0.133, maxHours: 1),
        .hospital: VenueRisk(contactsPerVisit: 6, hourlyHazard: 0.057, maxHours: 2),
        .transitHub: VenueRisk(contactsPerVisit: 10, hourlyHazard: 0.19, maxHours: 0.5),
    ]
    /// Multiplies every venue hazard (a single calibration knob).
    public var venueHazardScale = 1.0

    /// The share of infections that never develop symptoms.
    public var asymptomaticFraction = 0.3
    /// Infectiousness of asymptomatic cases relative to symptomatic ones.
    public var asymptomaticInfectiousness = 0.5
    /// The chance a symptomatic resident stays home (no venue visits) on a given day.
    public var symptomaticStaysHome = 0.5

    /// The chance a symptomatic (non-severe) case presents at the community clinic, 1–3 days
    /// after onset. Severe cases always present.
    public var presentationProbability = 0.8
    /// Days from presentation to the confirmation test result.
    public var testDelay = 1
    /// The chance a test of an uninfected resident is positive.
    public var falsePositiveRate = 0.0
    /// The chance a test of an infected resident is negative.
    public var falseNegativeRate = 0.0

    /// Background influenza-like illness onsets per resident per day (not the outbreak).
    public var backgroundIllnessRate = 0.0006
    /// The chance a resident with background illness presents at the clinic.
    public var backgroundPresentationProbability = 0.5

    /// Base chance a symptomatic case becomes severe (hospitalised); higher with age and chronic
    /// conditions.
    public var severeFraction = 0.05
    /// Base chance a severe case dies; much higher at 70+.
    public var severeFatality = 0.02

    /// Household transmission from a quarantined resident, relative to normal.
    public var quarantineHouseholdFactor = 0.5
    /// Transmission from an isolated or hospitalised resident, relative to normal.
    public var isolationResidualFactor = 0.05
    /// The chance a quarantined resident misses the daily check-in.
    public var checkInMissProbability = 0.05

    /// Creates the default parameters.
    public init() {}

    /// The calibrated defaults.
    public static var `default`: OutbreakParameters { OutbreakParameters() }

    /// The risk profile for a venue kind (a mild default for kinds missing from ``venueRisks``).
    public func risk(for kind: VenueKind) -> VenueRisk {
        venueRisks[kind] ?? VenueRisk(contactsPerVisit: 4, hourlyHazard: 0.02, maxHours: 1)
    }
}
