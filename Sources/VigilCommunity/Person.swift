public import VigilSurveillance

/// One person's file ("one person, one file"): identity, contact, where they belong, how
/// vulnerable they are and which prevention group they are in.
///
/// A `Person` is always valid: it is made only from a ``PersonDraft`` that passed
/// ``PersonDraft/validated()``, and decoding runs the same checks. ``version`` counts changes
/// for optimistic concurrency: a store writes a person only if the stored version is the one the
/// change was based on.
public struct Person: Sendable, Hashable, Codable, Identifiable {
    public let id: PersonID
    public internal(set) var nationalID: String?
    public internal(set) var name: String
    public internal(set) var sex: Sex
    public internal(set) var birthDate: CivilDate?
    /// `+` and digits only.
    public internal(set) var phone: String?
    public internal(set) var address: String?
    /// The jurisdiction node the person belongs to, at any level down to a household.
    public internal(set) var household: JurisdictionPath
    public internal(set) var vulnerabilities: Set<Vulnerability>
    public internal(set) var group: PersonGroup
    /// 0 when created, one more on every change (update or merge).
    public internal(set) var version: Int

    /// A person from a draft, checked and normalised by ``PersonDraft/validated()``.
    /// - Throws: ``CommunityError/Code/invalidField`` for the first broken field (JSON name in
    ///   ``CommunityError/field``), including `id` when the draft proposes a different id and
    ///   `version` when it is negative.
    public init(id: PersonID, validating draft: PersonDraft, version: Int = 0) throws {
        if let proposed = draft.id, proposed != id {
            throw CommunityError(.invalidField, "the draft's id differs from the person's", field: "id")
        }
        guard version >= 0 else { throw CommunityError(.invalidField, "a version is 0 or more, not \(version)", field: "version") }
        let draft = try draft.validated()
        self.id = id
        self.nationalID = draft.nationalID
        self.name = draft.name
        self.sex = draft.sex
        self.birthDate = draft.birthDate
        self.phone = draft.phone
        self.address = draft.address
        self.household = draft.household
        self.vulnerabilities = draft.vulnerabilities
        self.group = draft.group
        self.version = version
    }

    /// The editable form, carrying this person's id.
    public var draft: PersonDraft {
        PersonDraft(
            id: id, nationalID: nationalID, name: name, sex: sex, birthDate: birthDate, phone: phone, address: address,
            household: household, vulnerabilities: vulnerabilities, group: group)
    }

    /// The person changed to the draft's values, one version later.
    /// - Throws: ``CommunityError/Code/invalidField`` as ``init(id:validating:version:)``.
    public func updated(from draft: PersonDraft) throws -> Person {
        try Person(id: id, validating: draft, version: version + 1)
    }

    /// Decodes and validates the JSON form (``PersonDraft``'s properties plus `id` and `version`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: PersonDraft.CodingKeys.self)
        try self.init(
            id: try c.decode(PersonID.self, forKey: .id), validating: try PersonDraft(from: decoder),
            version: try c.decode(Int.self, forKey: .version))
    }

    /// Encodes ``PersonDraft``'s JSON form plus `version`.
    public func encode(to encoder: any Encoder) throws {
        try draft.encode(to: encoder)
        var c = encoder.container(keyedBy: PersonDraft.CodingKeys.self)
        try c.encode(version, forKey: .version)
    }
}
