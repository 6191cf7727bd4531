/// That a staff member is responsible, at a level, for everyone in a jurisdiction node.
public struct Responsibility: Sendable, Hashable, Codable {
    public let level: ResponsibilityLevel
    public let staff: StaffID
    /// The node covered: it and everything below it.
    public let scope: JurisdictionPath

    /// - Throws: ``CommunityError/Code/invalidField`` (field `scope`) when the scope's level is not
    ///   one of ``ResponsibilityLevel/scopeLevels`` (a building leader's scope is a building).
    public init(level: ResponsibilityLevel, staff: StaffID, scope: JurisdictionPath) throws {
        guard level.scopeLevels.contains(scope.level) else {
            throw CommunityError(
                .invalidField,
                "a \(level.rawValue) responsibility covers a \(level.scopeLevels.lowerBound.name)"
                    + (level.scopeLevels.lowerBound != level.scopeLevels.upperBound ? " to \(level.scopeLevels.upperBound.name)" : "")
                    + ", not a \(scope.level.name)",
                field: "scope")
        }
        self.level = level
        self.staff = staff
        self.scope = scope
    }

    /// Who is responsible for someone at `path`, nearest first: for each level, the
    /// responsibilities whose scope contains `path` and is the deepest such scope at that level
    /// (a party member for the household wins over one for the whole building); several staff
    /// with the same scope are all listed, by staff id. Levels nobody covers are left out.
    ///
    /// Linear in the number of responsibilities; a store would pass those of the path's community.
    public static func chain(for path: JurisdictionPath, in responsibilities: some Sequence<Responsibility>) -> [Responsibility] {
        var nearest: [ResponsibilityLevel: [Responsibility]] = [:]
        for r in responsibilities where r.scope.contains(path) {
            let current = nearest[r.level]?.first?.scope.components.count ?? 0
            let depth = r.scope.components.count
            if depth > current {
                nearest[r.level] = [r]
            } else if depth == current, !nearest[r.level]!.contains(r) {
                nearest[r.level]!.append(r)
            }
        }
        return ResponsibilityLevel.allCases.flatMap { level in (nearest[level] ?? []).sorted { $0.staff < $1.staff } }
    }

    enum CodingKeys: String, CodingKey { case level, staff, scope }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            level: try c.decode(ResponsibilityLevel.self, forKey: .level), staff: try c.decode(StaffID.self, forKey: .staff),
            scope: try c.decode(JurisdictionPath.self, forKey: .scope))
    }
}
