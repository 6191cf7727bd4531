/// What a volunteer can do. Raw values are kebab-case and are what JSON carries (`door-to-door`).
///
/// Each task kind needs the skill of the same name by default (``VolunteerTask/Kind/skill``);
/// the others are extra requirements a task may add (a patient transport needing `driving` and
/// `medical`).
public enum VolunteerSkill: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// Carries goods to a household.
    case delivery
    /// Visits households to check on residents.
    case doorToDoor = "door-to-door"
    /// Accompanies a resident (to a clinic, a test site).
    case escort
    /// Transports residents or patients.
    case transport
    /// Holds a driving licence and may drive a vehicle.
    case driving
    /// Medical training (a doctor, nurse or first-aider).
    case medical
    /// Psychological support.
    case counselling
    /// Interprets (a language, sign language).
    case interpreting

    /// Order by raw value, so sets are written the same way every time.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }

    /// This skill's bit in a ``mask(of:)``.
    var bit: UInt32 { 1 << UInt32(Self.allCases.firstIndex(of: self)!) }

    /// The skills as a bit set: `a ⊇ b` is `a & b == b`.
    static func mask(of skills: Set<VolunteerSkill>) -> UInt32 {
        skills.reduce(0) { $0 | $1.bit }
    }
}
