public import VigilSurveillance

/// A person's file as entered (API body, CSV row, form): not yet checked, without the id and
/// version the store assigns. ``validated()`` checks and normalises it;
/// ``Person/init(id:validating:version:)`` turns it into a ``Person``.
public struct PersonDraft: Sendable, Hashable, Codable {
    /// An id the source proposes (a CSV `id` column, e.g. from an export); nil for a new person.
    public var id: PersonID?
    /// GB 11643 citizen id (see ``NationalID``).
    public var nationalID: String?
    public var name: String
    public var sex: Sex
    public var birthDate: CivilDate?
    public var phone: String?
    public var address: String?
    /// The jurisdiction node the person belongs to, at any level down to a household.
    public var household: JurisdictionPath
    public var vulnerabilities: Set<Vulnerability>
    public var group: PersonGroup

    public init(
        id: PersonID? = nil, nationalID: String? = nil, name: String, sex: Sex = .unknown, birthDate: CivilDate? = nil,
        phone: String? = nil, address: String? = nil, household: JurisdictionPath, vulnerabilities: Set<Vulnerability> = [],
        group: PersonGroup = .susceptible
    ) {
        self.id = id
        self.nationalID = nationalID
        self.name = name
        self.sex = sex
        self.birthDate = birthDate
        self.phone = phone
        self.address = address
        self.household = household
        self.vulnerabilities = vulnerabilities
        self.group = group
    }

    /// The draft checked and normalised: names and addresses trimmed, empty texts as nil, the
    /// national id upper-cased, the phone reduced to `+` and digits.
    ///
    /// Rules: `nationalID` per ``NationalID``; `name` 1-100 characters without control
    /// characters; `phone` an optional `+` and 6-20 digits (spaces `-` `.` `(` `)` allowed and
    /// removed); `address` at most 200 characters without control characters; `birthDate` equal to
    /// the date in the national id when both are given.
    /// - Throws: ``CommunityError/Code/invalidField`` for the first broken field, named by its
    ///   JSON property.
    public func validated() throws -> PersonDraft {
        var draft = self
        draft.nationalID = try PersonRules.nationalID(nationalID)
        draft.name = try PersonRules.name(name)
        draft.birthDate = try PersonRules.birthDate(birthDate, nationalID: draft.nationalID)
        draft.phone = try PersonRules.phone(phone)
        draft.address = try PersonRules.address(address)
        return draft
    }

    enum CodingKeys: String, CodingKey {
        case id, nationalID, name, sex, birthDate, phone, address, household, vulnerabilities, group, version
    }

    /// Decodes the JSON form; absent `sex`, `vulnerabilities` and `group` take their defaults.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `birthDate`) for a date that is not
    ///   `YYYY-MM-DD`, as well as the decoder's errors.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decodeIfPresent(PersonID.self, forKey: .id),
            nationalID: try c.decodeIfPresent(String.self, forKey: .nationalID),
            name: try c.decode(String.self, forKey: .name),
            sex: try c.decodeIfPresent(Sex.self, forKey: .sex) ?? .unknown,
            birthDate: try c.decodeCivilDateIfPresent(forKey: .birthDate),
            phone: try c.decodeIfPresent(String.self, forKey: .phone),
            address: try c.decodeIfPresent(String.self, forKey: .address),
            household: try c.decode(JurisdictionPath.self, forKey: .household),
            vulnerabilities: try c.decodeIfPresent(Set<Vulnerability>.self, forKey: .vulnerabilities) ?? [],
            group: try c.decodeIfPresent(PersonGroup.self, forKey: .group) ?? .susceptible)
    }

    /// Encodes the JSON form: absent values omitted, vulnerabilities sorted.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encodeIfPresent(nationalID, forKey: .nationalID)
        try c.encode(name, forKey: .name)
        try c.encode(sex, forKey: .sex)
        try c.encodeIfPresent(birthDate?.description, forKey: .birthDate)
        try c.encodeIfPresent(phone, forKey: .phone)
        try c.encodeIfPresent(address, forKey: .address)
        try c.encode(household, forKey: .household)
        try c.encode(vulnerabilities.sorted(), forKey: .vulnerabilities)
        try c.encode(group, forKey: .group)
    }
}

extension KeyedDecodingContainer {
    func decodeCivilDateIfPresent(forKey key: Key) throws -> CivilDate? {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let date = CivilDate(iso8601: text) else {
            throw CommunityError(.invalidField, "a date is written YYYY-MM-DD", field: key.stringValue)
        }
        return date
    }
}
