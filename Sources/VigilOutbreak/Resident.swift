/// A resident's sex as recorded in the registry.
public enum Sex: String, Sendable, Hashable, CaseIterable {
    /// Female (even sequence digit in the national ID).
    case female
    /// Male (odd sequence digit in the national ID).
    case male
}

/// A circumstance that makes a resident need extra help during a response.
public enum Vulnerability: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Aged 70 or over and living alone.
    case elderlyAlone
    /// Living with a disability.
    case disabled
    /// Living with a chronic condition (raises the risk of severe illness).
    case chronic
    /// Pregnant.
    case pregnant

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A skill a community volunteer offers.
public enum VolunteerSkill: String, Sendable, Hashable, CaseIterable {
    /// Delivering food and medicine to households in quarantine.
    case delivery
    /// Door-to-door visits: registration, notices, temperature rounds.
    case doorToDoor = "door-to-door"
    /// Escorting residents to the clinic or a quarantine site.
    case escort
    /// Driving.
    case driving
}

/// One regular venue visit in a resident's routine.
///
/// Each simulated day the visit happens with ``probability`` (only Monday to Friday when
/// ``weekdaysOnly``), starting ``startMinute`` ± ``jitterMinutes`` and lasting about
/// ``durationMinutes``.
public struct RoutineStop: Sendable, Hashable {
    /// The index of the venue in ``City/venues``.
    public var venue: Int
    /// The usual start, in minutes after midnight.
    public var startMinute: Int
    /// The usual length of the visit, in minutes.
    public var durationMinutes: Int
    /// How far the start varies from day to day, in minutes either side.
    public var jitterMinutes: Int
    /// The chance, on a day it applies, that the visit happens.
    public var probability: Double
    /// Whether the visit happens only on weekdays (days 0–4 of each week; day 0 is a Monday).
    public var weekdaysOnly: Bool

    /// Creates a routine stop.
    public init(venue: Int, startMinute: Int, durationMinutes: Int, jitterMinutes: Int, probability: Double, weekdaysOnly: Bool) {
        self.venue = venue
        self.startMinute = startMinute
        self.durationMinutes = durationMinutes
        self.jitterMinutes = jitterMinutes
        self.probability = probability
        self.weekdaysOnly = weekdaysOnly
    }
}

/// A synthetic resident of the city. All personal data is generated, never real.
public struct Resident: Sendable, Hashable, Identifiable {
    /// Dense identifier: residents are numbered `0..<city.residents.count`.
    public var id: Int
    /// The family name (shared by most of the household).
    public var familyName: String
    /// The given name.
    public var givenName: String
    /// The full name as written locally: family name then given name.
    public var name: String { familyName + givenName }
    /// The year of birth.
    public var birthYear: Int
    /// The month of birth (1...12).
    public var birthMonth: Int
    /// The day of the month of birth (1...28).
    public var birthDay: Int
    /// The date of birth as `YYYY-MM-DD` (also encoded in ``nationalID``).
    public var birthDate: String {
        "\(birthYear)-\(birthMonth < 10 ? "0" : "")\(birthMonth)-\(birthDay < 10 ? "0" : "")\(birthDay)"
    }
    /// The age in the plan's reference year.
    public var age: Int
    /// The registered sex.
    public var sex: Sex
    /// A synthetic 11-digit mobile number, unique within the city.
    public var phone: String
    /// A synthetic 18-character national ID (region, birth date, sequence, check character),
    /// unique within the city.
    public var nationalID: String
    /// The index of the resident's household in ``City/households``.
    public var household: Int
    /// The index of the resident's community in ``City/communities``.
    public var community: Int
    /// The grid (`g1`…) within the community.
    public var grid: String
    /// The building (`b1`…) within the community.
    public var building: String
    /// Circumstances that need extra help in a response.
    public var vulnerabilities: Set<Vulnerability>
    /// The resident's regular venue visits, in order of usual start time.
    public var routine: [RoutineStop]
    /// Whether the resident is a registered community volunteer.
    public var isVolunteer: Bool
    /// The skills a volunteer offers (empty for non-volunteers).
    public var volunteerSkills: [VolunteerSkill]

    /// Creates a resident.
    public init(
        id: Int, familyName: String, givenName: String, birthYear: Int, birthMonth: Int, birthDay: Int, age: Int, sex: Sex,
        phone: String, nationalID: String, household: Int, community: Int, grid: String,
        building: String, vulnerabilities: Set<Vulnerability>, routine: [RoutineStop],
        isVolunteer: Bool, volunteerSkills: [VolunteerSkill]
    ) {
        self.id = id
        self.familyName = familyName
        self.givenName = givenName
        self.birthYear = birthYear
        self.birthMonth = birthMonth
        self.birthDay = birthDay
        self.age = age
        self.sex = sex
        self.phone = phone
        self.nationalID = nationalID
        self.household = household
        self.community = community
        self.grid = grid
        self.building = building
        self.vulnerabilities = vulnerabilities
        self.routine = routine
        self.isVolunteer = isVolunteer
        self.volunteerSkills = volunteerSkills
    }
}
