/// What city to generate: its seed and size. The same plan always generates the same ``City``.
public struct CityPlan: Sendable, Hashable {
    /// The supported number of residents.
    public static let residentRange = 50...200_000
    /// The supported number of communities.
    public static let communityRange = 1...26
    /// The fewest residents a community may have.
    public static let minimumResidentsPerCommunity = 20

    /// Determines every random choice made while generating the city.
    public var seed: UInt64
    /// How many residents the city has (50...200,000).
    public var residents: Int
    /// How many communities the one district is split into (1...26).
    public var communities: Int
    /// The calendar year the city is generated for (ages are `referenceYear - birthYear`).
    public var referenceYear: Int

    /// Creates a plan; call ``validate()`` (or ``City/generate(_:)``, which does) to check it.
    public init(seed: UInt64, residents: Int = 2000, communities: Int = 4, referenceYear: Int = 2025) {
        self.seed = seed
        self.residents = residents
        self.communities = communities
        self.referenceYear = referenceYear
    }

    /// Checks the plan's sizes.
    /// - Throws: ``OutbreakError`` with code ``OutbreakError/Code/invalidPlan`` naming the value
    ///   and the allowed range.
    public func validate() throws(OutbreakError) {
        guard Self.residentRange.contains(residents) else {
            throw OutbreakError(
                .invalidPlan,
                "residents \(residents) is outside \(Self.residentRange.lowerBound)...\(Self.residentRange.upperBound)")
        }
        guard Self.communityRange.contains(communities) else {
            throw OutbreakError(
                .invalidPlan,
                "communities \(communities) is outside \(Self.communityRange.lowerBound)...\(Self.communityRange.upperBound)")
        }
        guard residents >= communities * Self.minimumResidentsPerCommunity else {
            throw OutbreakError(
                .invalidPlan,
                "\(residents) residents in \(communities) communities is fewer than "
                    + "\(Self.minimumResidentsPerCommunity) per community (need at least "
                    + "\(communities * Self.minimumResidentsPerCommunity))")
        }
    }
}
