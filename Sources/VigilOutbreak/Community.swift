/// A community (residents' committee area) of the district, with its grids and buildings.
public struct Community: Sendable, Hashable, Identifiable {
    /// The position in ``City/communities``.
    public var index: Int
    /// The stable slug: `c1`, `c2`, …
    public var slug: String
    /// A human-readable name such as "Riverside".
    public var name: String
    /// The community's grids: `g1`, `g2`, … (about one per 150 residents).
    public var grids: [String]
    /// The community's residential buildings (about one per 40 residents).
    public var buildings: [Building]
    /// The ids of the residents living here (a contiguous range).
    public var residents: Range<Int>
    /// The indices of the households living here (a contiguous range).
    public var households: Range<Int>

    /// The slug, as the stable identity.
    public var id: String { slug }

    /// Creates a community.
    public init(index: Int, slug: String, name: String, grids: [String], buildings: [Building], residents: Range<Int>, households: Range<Int>) {
        self.index = index
        self.slug = slug
        self.name = name
        self.grids = grids
        self.buildings = buildings
        self.residents = residents
        self.households = households
    }
}

/// A residential building in one grid of a community.
public struct Building: Sendable, Hashable, Identifiable {
    /// The building id within its community: `b1`, `b2`, …
    public var id: String
    /// The grid the building is in.
    public var grid: String

    /// Creates a building.
    public init(id: String, grid: String) {
        self.id = id
        self.grid = grid
    }
}

/// People living together in one dwelling; household members are each other's closest contacts.
public struct Household: Sendable, Hashable, Identifiable {
    /// The position in ``City/households``.
    public var index: Int
    /// The community index.
    public var community: Int
    /// The grid within the community.
    public var grid: String
    /// The building within the community.
    public var building: String
    /// The resident ids of the members (1 to 5), in ascending order.
    public var members: [Int]

    /// The index, as the stable identity.
    public var id: Int { index }

    /// Creates a household.
    public init(index: Int, community: Int, grid: String, building: String, members: [Int]) {
        self.index = index
        self.community = community
        self.grid = grid
        self.building = building
        self.members = members
    }
}
