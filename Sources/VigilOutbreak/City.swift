/// A synthetic district: communities, grids, buildings, households, residents with daily
/// routines, and the venues they visit.
///
/// Generate one with ``generate(_:)``; the same ``CityPlan`` always gives an identical city.
public struct City: Sendable, Equatable {
    /// The plan the city was generated from.
    public var plan: CityPlan
    /// The name of the one district.
    public var districtName: String
    /// The district's communities, in order `c1`, `c2`, …
    public var communities: [Community]
    /// Every household; each resident belongs to exactly one.
    public var households: [Household]
    /// Every resident, indexed by ``Resident/id``.
    public var residents: [Resident]
    /// Every venue: per community its market, school, workplaces, clinic and shops, then the
    /// district hospital and transit hub.
    public var venues: [Venue]
    /// The index of the district's designated hospital in ``venues``.
    public var hospital: Int
    /// The index of the district's transit hub in ``venues``.
    public var transitHub: Int
    /// The index in ``venues`` of each community's clinic, by community index.
    public var clinics: [Int]

    private var venueIndexByID: [String: Int]

    init(
        plan: CityPlan, districtName: String, communities: [Community], households: [Household],
        residents: [Resident], venues: [Venue], hospital: Int, transitHub: Int, clinics: [Int]
    ) {
        self.plan = plan
        self.districtName = districtName
        self.communities = communities
        self.households = households
        self.residents = residents
        self.venues = venues
        self.hospital = hospital
        self.transitHub = transitHub
        self.clinics = clinics
        var index: [String: Int] = [:]
        for (position, venue) in venues.enumerated() { index[venue.id] = position }
        venueIndexByID = index
    }

    /// The index in ``venues`` of the venue with this id, or `nil` if there is none.
    public func venueIndex(id: String) -> Int? { venueIndexByID[id] }

    /// The venue with this id, or `nil` if there is none.
    public func venue(id: String) -> Venue? { venueIndexByID[id].map { venues[$0] } }

    /// The registered volunteers, in id order.
    public var volunteers: [Resident] { residents.filter(\.isVolunteer) }

    /// The resident ids of the other members of `resident`'s household (empty for an unknown id).
    public func householdContacts(of resident: Int) -> [Int] {
        guard residents.indices.contains(resident) else { return [] }
        return households[residents[resident].household].members.filter { $0 != resident }
    }
}
