public import VigilSurveillance

/// An order that a person stay in one place from one day to another, both inclusive.
public struct Quarantine: Sendable, Hashable, Codable {
    /// Where the person is quarantined.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// At home, in the person's household.
        case home
        /// At a centralised quarantine site (a designated hotel).
        case centralised
        /// In a hospital.
        case hospital
    }

    /// How the order was given.
    public enum OrderMethod: String, Sendable, Hashable, Codable, CaseIterable {
        /// A written order with a document reference.
        case orderDocument
        /// Spoken by an authorised official and recorded afterwards.
        case verbal
        /// The person declared it themselves (e.g. after returning from a risk area).
        case selfReported
    }

    /// The place of quarantine: a household for home quarantine, a registered site otherwise.
    /// JSON: `{"household": "sz/ft/xl/c07/g3/b12/h0402"}` or `{"site": "hotel.riverside"}`.
    public enum Location: Sendable, Hashable, Codable {
        case household(JurisdictionPath)
        case site(PlaceID)

        private enum CodingKeys: String, CodingKey { case household, site }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let path = try c.decodeIfPresent(JurisdictionPath.self, forKey: .household) {
                self = .household(path)
            } else {
                self = .site(try c.decode(PlaceID.self, forKey: .site))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .household(let path): try c.encode(path, forKey: .household)
            case .site(let place): try c.encode(place, forKey: .site)
            }
        }
    }

    /// Who is quarantined.
    public let person: PersonKey
    public let kind: Kind
    public let location: Location
    /// The first day.
    public let from: CivilDate
    /// The last day.
    public let to: CivilDate
    /// Who ordered it.
    public let orderedBy: ActorKey
    /// How it was ordered.
    public let method: OrderMethod
    /// The order document's reference, for ``OrderMethod/orderDocument``.
    public let orderReference: String?

    /// - Throws: ``CommunityError/Code/invalidField`` when `from` is after `to` (field `to`);
    ///   when home quarantine is not at a household path, or centralised or hospital quarantine
    ///   is not at a site (field `location`); when an order document has no reference (field
    ///   `orderReference`); or for invalid keys.
    public init(
        person: PersonKey, kind: Kind, location: Location, from: CivilDate, to: CivilDate, orderedBy: ActorKey,
        method: OrderMethod, orderReference: String? = nil
    ) throws {
        try Validation.requireKey(person, field: "person")
        try Validation.requireKey(orderedBy, field: "orderedBy")
        guard from <= to else {
            throw CommunityError(.invalidField, "quarantine ends \(to) before it starts \(from)", field: "to")
        }
        switch (kind, location) {
        case (.home, .household(let path)) where path.level == .household: break
        case (.centralised, .site), (.hospital, .site): break
        default:
            throw CommunityError(
                .invalidField, "\(kind) quarantine needs \(kind == .home ? "a household path" : "a site")", field: "location")
        }
        if method == .orderDocument, Validation.isBlank(orderReference) {
            throw CommunityError(.invalidField, "an order document needs its reference", field: "orderReference")
        }
        self.person = person
        self.kind = kind
        self.location = location
        self.from = from
        self.to = to
        self.orderedBy = orderedBy
        self.method = method
        self.orderReference = orderReference
    }

    /// The number of days, both ends included.
    public var days: Int { to.daysSinceEpoch - from.daysSinceEpoch + 1 }

    /// Whether the person is under quarantine on `day`.
    public func contains(_ day: CivilDate) -> Bool { from <= day && day <= to }

    /// The household and period, for home quarantine (what ``ElectricitySignal`` checks).
    public var householdPeriod: HouseholdPeriod? {
        guard case .household(let path) = location else { return nil }
        return try? HouseholdPeriod(household: path, from: from, to: to)
    }

    private enum CodingKeys: String, CodingKey { case person, kind, location, from, to, orderedBy, method, orderReference }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            person: try c.decode(String.self, forKey: .person), kind: try c.decode(Kind.self, forKey: .kind),
            location: try c.decode(Location.self, forKey: .location), from: try c.decode(CivilDate.self, forKey: .from),
            to: try c.decode(CivilDate.self, forKey: .to), orderedBy: try c.decode(String.self, forKey: .orderedBy),
            method: try c.decode(OrderMethod.self, forKey: .method),
            orderReference: try c.decodeIfPresent(String.self, forKey: .orderReference))
    }
}
