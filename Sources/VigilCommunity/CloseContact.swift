/// A person exposed to a case closely enough to be followed up: where, when and how long, and
/// whether through the household.
public struct CloseContact: Sendable, Hashable, Codable {
    /// The exposed person.
    public let contact: PersonKey
    /// The case they were exposed to.
    public let indexCase: CaseID
    /// Where the exposure happened; nil for a household exposure at home or when unknown.
    public let place: PlaceID?
    /// Unix seconds the exposure began, if known (household exposure is usually ongoing).
    public let exposureTime: Int64?
    /// How long the exposure lasted, in seconds.
    public let durationSeconds: Int64
    /// Whether the contact shares the case's household.
    public let isHousehold: Bool

    /// - Throws: ``CommunityError/Code/invalidField`` for an invalid contact key (field
    ///   `contact`), a negative duration (field `durationSeconds`), or a non-household contact
    ///   without a place (field `place`).
    public init(
        contact: PersonKey, indexCase: CaseID, place: PlaceID?, exposureTime: Int64?, durationSeconds: Int64,
        isHousehold: Bool
    ) throws {
        try Validation.requireKey(contact, field: "contact")
        guard durationSeconds >= 0 else {
            throw CommunityError(.invalidField, "duration \(durationSeconds) s is negative", field: "durationSeconds")
        }
        guard isHousehold || place != nil else {
            throw CommunityError(.invalidField, "a contact outside the household needs the exposure place", field: "place")
        }
        self.contact = contact
        self.indexCase = indexCase
        self.place = place
        self.exposureTime = exposureTime
        self.durationSeconds = durationSeconds
        self.isHousehold = isHousehold
    }

    private enum CodingKeys: String, CodingKey { case contact, indexCase, place, exposureTime, durationSeconds, isHousehold }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            contact: try c.decode(String.self, forKey: .contact), indexCase: try c.decode(CaseID.self, forKey: .indexCase),
            place: try c.decodeIfPresent(PlaceID.self, forKey: .place),
            exposureTime: try c.decodeIfPresent(Int64.self, forKey: .exposureTime),
            durationSeconds: try c.decode(Int64.self, forKey: .durationSeconds),
            isHousehold: try c.decode(Bool.self, forKey: .isHousehold))
    }
}
