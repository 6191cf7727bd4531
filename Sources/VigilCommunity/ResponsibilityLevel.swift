/// The four levels of responsibility, nearest to the resident first:
/// party member → unit (building section) → building → community.
public enum ResponsibilityLevel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// A party member looking after a few households.
    case partyMember = "party-member"
    /// The leader of a unit (a section of a building with its own stairway).
    case unit
    /// The leader of a building.
    case building
    /// The community leader.
    case community

    /// The jurisdiction levels a scope at this level may have. The tree has no unit level, so a
    /// unit leader's scope is the building or its households, one responsibility per household.
    public var scopeLevels: ClosedRange<JurisdictionLevel> {
        switch self {
        case .partyMember, .unit: .building ... .household
        case .building: .building ... .building
        case .community: .community ... .community
        }
    }

    var rank: Int { Self.allCases.firstIndex(of: self)! }

    /// Nearest first: `partyMember < unit < building < community`.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
