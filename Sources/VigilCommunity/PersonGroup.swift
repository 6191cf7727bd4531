/// The prevention-and-control group a person is in, ordered by severity:
/// `susceptible < key < confirmed`. A merge keeps the most severe of the two.
public enum PersonGroup: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The general population.
    case susceptible
    /// Key group: close contacts, quarantined, under follow-up.
    case key
    /// A confirmed case.
    case confirmed

    var severity: Int {
        switch self {
        case .susceptible: 0
        case .key: 1
        case .confirmed: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.severity < rhs.severity }
}
