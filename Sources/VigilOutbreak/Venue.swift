/// What a venue is; decides who goes there, when, and how close the contacts are.
public enum VenueKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The community's wet market (one per community).
    case market
    /// The community's school (when the community has school-age children).
    case school
    /// An office, factory or other workplace (one to three per community).
    case workplace
    /// The community health clinic (one per community), where symptomatic residents present.
    case clinic
    /// A neighbourhood shop.
    case shop
    /// The district's designated hospital.
    case hospital
    /// The district's transit hub (bus and metro interchange).
    case transitHub

    /// Whether venues of this kind run a health-code checkpoint at the entrance.
    public var hasCheckpoint: Bool {
        switch self {
        case .market, .school, .clinic, .hospital, .transitHub: true
        case .workplace, .shop: false
        }
    }

    public var description: String { rawValue }
}

/// A place residents visit, where co-present residents can infect each other.
public struct Venue: Sendable, Hashable, Identifiable {
    /// A stable identifier such as `c1-market`, `c2-work1` or `district-hospital`.
    public var id: String
    /// A human-readable name such as "Riverside Market".
    public var name: String
    /// What kind of venue this is.
    public var kind: VenueKind
    /// The index of the community the venue belongs to; `nil` for district-level venues.
    public var community: Int?
    /// The grid the venue is in (`g1`…), `nil` for district-level venues.
    public var grid: String?
    /// Whether the venue runs a health-code checkpoint (scans on entry).
    public var checkpoint: Bool

    /// Creates a venue.
    public init(id: String, name: String, kind: VenueKind, community: Int?, grid: String?, checkpoint: Bool) {
        self.id = id
        self.name = name
        self.kind = kind
        self.community = community
        self.grid = grid
        self.checkpoint = checkpoint
    }
}
