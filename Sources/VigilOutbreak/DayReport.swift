/// One venue visit: who was where, from when to when, on the report's day.
public struct Visit: Sendable, Hashable {
    /// The visiting resident's id.
    public var resident: Int
    /// The venue id (``Venue/id``).
    public var venue: String
    /// The venue's index in ``City/venues``.
    public var venueIndex: Int
    /// Arrival, in minutes after midnight.
    public var start: Int
    /// Departure, in minutes after midnight (greater than ``start``).
    public var end: Int

    /// Creates a visit.
    public init(resident: Int, venue: String, venueIndex: Int, start: Int, end: Int) {
        self.resident = resident
        self.venue = venue
        self.venueIndex = venueIndex
        self.start = start
        self.end = end
    }

    /// Whether two visits to the same venue overlap in time.
    public func overlaps(_ other: Visit) -> Bool {
        venueIndex == other.venueIndex && start < other.end && other.start < end
    }
}

/// Where an infection happened.
public enum InfectionPlace: Sendable, Hashable, CustomStringConvertible {
    /// At home, from a household member.
    case household
    /// At a venue, from a co-present visitor.
    case venue(String)
    /// Imported from outside the city (initial and later importations).
    case imported

    /// `household`, the venue id, or `imported`.
    public var id: String {
        switch self {
        case .household: "household"
        case .venue(let id): id
        case .imported: "imported"
        }
    }

    public var description: String { id }
}

/// Ground truth for one new infection.
public struct Infection: Sendable, Hashable {
    /// Who was infected.
    public var infectee: Int
    /// Who infected them (`nil` for importations).
    public var infector: Int?
    /// Where it happened.
    public var place: InfectionPlace
    /// The day of infection.
    public var day: Int

    /// Creates an infection record.
    public init(infectee: Int, infector: Int?, place: InfectionPlace, day: Int) {
        self.infectee = infectee
        self.infector = infector
        self.place = place
        self.day = day
    }
}

/// A resident whose symptoms started on the report's day.
public struct SymptomOnset: Sendable, Hashable {
    /// The resident.
    public var resident: Int
    /// `true` for the outbreak infection, `false` for background influenza-like illness.
    public var isOutbreak: Bool

    /// Creates a symptom onset.
    public init(resident: Int, isOutbreak: Bool) {
        self.resident = resident
        self.isOutbreak = isOutbreak
    }
}

/// A symptomatic resident presenting at their community clinic (a suspected case).
///
/// A presenting resident who is free to move visits the clinic that day (and makes no other
/// visit); a quarantined or isolated one presents without a visit (a home visit or referral).
/// Every presentation is tested; the ``TestResult`` arrives ``OutbreakParameters/testDelay`` days
/// later.
public struct Presentation: Sendable, Hashable {
    /// The resident.
    public var resident: Int
    /// The day of presentation.
    public var day: Int
    /// The clinic's venue id.
    public var clinic: String
    /// The day symptoms started.
    public var onsetDay: Int
    /// Ground truth: whether the resident carries the outbreak infection.
    public var trueInfection: Bool

    /// Creates a presentation.
    public init(resident: Int, day: Int, clinic: String, onsetDay: Int, trueInfection: Bool) {
        self.resident = resident
        self.day = day
        self.clinic = clinic
        self.onsetDay = onsetDay
        self.trueInfection = trueInfection
    }
}

/// A confirmation test result for a presented resident.
public struct TestResult: Sendable, Hashable {
    /// The resident.
    public var resident: Int
    /// Whether the test found the outbreak infection.
    public var positive: Bool
    /// The day the result is available.
    public var day: Int
    /// The day the sample was taken (the presentation day).
    public var sampledOn: Int

    /// Creates a test result.
    public init(resident: Int, positive: Bool, day: Int, sampledOn: Int) {
        self.resident = resident
        self.positive = positive
        self.day = day
        self.sampledOn = sampledOn
    }
}

/// A quarantined resident's daily self-report.
public struct CheckIn: Sendable, Hashable {
    /// The resident.
    public var resident: Int
    /// The day of the check-in.
    public var day: Int
    /// The reported temperature in degrees Celsius, to one decimal (36.3–37.2 when well,
    /// 37.5 or more with symptoms).
    public var temperature: Double
    /// Whether the resident reports symptoms.
    public var symptoms: Bool

    /// Creates a check-in.
    public init(resident: Int, day: Int, temperature: Double, symptoms: Bool) {
        self.resident = resident
        self.day = day
        self.temperature = temperature
        self.symptoms = symptoms
    }
}

/// How many residents are in each state at the end of a day.
public struct HealthCounts: Sendable, Hashable {
    /// Never infected.
    public var susceptible = 0
    /// Infected, not yet infectious.
    public var exposed = 0
    /// Infectious (presymptomatic, symptomatic or asymptomatic).
    public var infectious = 0
    /// Recovered.
    public var recovered = 0
    /// Died of the infection.
    public var dead = 0
    /// Infections so far, including importations.
    public var cumulativeInfections = 0
    /// Currently in hospital.
    public var hospitalised = 0
    /// Currently in quarantine.
    public var quarantined = 0
    /// Currently isolated.
    public var isolated = 0

    /// Creates counts.
    public init() {}
}

/// Everything that happened on one simulated day, in deterministic order.
///
/// Lists about residents are sorted by resident id; ``visits`` by resident, then start time.
public struct DayReport: Sendable, Hashable {
    /// The day number (0, 1, 2, …; day 0 is a Monday).
    public var day: Int
    /// Every venue visit by residents who were out and about.
    public var visits: [Visit] = []
    /// Ground truth: new infections.
    public var infections: [Infection] = []
    /// Symptom onsets (outbreak and background illness).
    public var symptomOnsets: [SymptomOnset] = []
    /// Symptomatic residents presenting at their clinic.
    public var presentations: [Presentation] = []
    /// Test results arriving today for earlier presentations.
    public var testResults: [TestResult] = []
    /// Residents admitted to hospital today (severe cases).
    public var hospitalisations: [Int] = []
    /// Residents who recovered today.
    public var recoveries: [Int] = []
    /// Residents who died today.
    public var deaths: [Int] = []
    /// Check-ins by quarantined residents.
    public var checkIns: [CheckIn] = []
    /// Quarantined residents who did not check in today.
    public var missedCheckIns: [Int] = []
    /// State totals at the end of the day.
    public var counts = HealthCounts()
    /// New infections today by community index.
    public var newInfectionsByCommunity: [Int] = []

    /// Creates an empty report for a day.
    public init(day: Int, communities: Int) {
        self.day = day
        newInfectionsByCommunity = Array(repeating: 0, count: communities)
    }
}
