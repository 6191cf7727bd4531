/// A volunteer in the registry: what they can do, where they live or work, whether they can take
/// tasks now, and how many they hold.
///
/// ``load`` counts the tasks the volunteer holds: offered and not yet declined, accepted, or
/// checked in (``VolunteerTask/Stage/holdsVolunteer``). It is changed only by the task
/// lifecycle (``VolunteerTask/offer(to:by:at:)`` takes a slot, declining, completing, failing
/// and cancelling give it back), so it never exceeds ``capacity``: `0 ≤ load ≤ capacity ≤ 100`.
public struct Volunteer: Sendable, Hashable, Codable, Identifiable {
    /// The largest ``capacity`` accepted: a bound that keeps dispatch costs small.
    public static let maximumCapacity = 100

    public let id: VolunteerID
    /// Trimmed, 1-100 characters, no control characters (the person rules).
    public private(set) var name: String
    /// `+` and digits, as ``Person/phone``.
    public private(set) var phone: String?
    /// What the volunteer can do.
    public var skills: Set<VolunteerSkill>
    /// Where the volunteer is based (any level; usually a grid, building or household). Dispatch
    /// measures distances from here.
    public var area: JurisdictionPath
    /// Whether the volunteer takes new tasks now (off duty, ill or in quarantine: false). Tasks
    /// already held are not affected.
    public var available: Bool
    /// How many tasks the volunteer may hold at once.
    public private(set) var capacity: Int
    /// How many tasks the volunteer holds now.
    public private(set) var load: Int

    /// Slots left: `capacity − load`.
    public var freeSlots: Int { capacity - load }

    /// Whether a task may be offered now: available with a free slot.
    public var canTakeTask: Bool { available && freeSlots > 0 }

    /// - Throws: ``CommunityError/Code/invalidField`` for a bad `name` or `phone`, a `capacity`
    ///   outside 0...100, or a `load` outside 0...capacity.
    public init(
        id: VolunteerID, name: String, phone: String? = nil, skills: Set<VolunteerSkill>, area: JurisdictionPath,
        available: Bool = true, capacity: Int = 1, load: Int = 0
    ) throws {
        self.id = id
        self.name = try PersonRules.name(name)
        self.phone = try PersonRules.phone(phone)
        self.skills = skills
        self.area = area
        self.available = available
        guard (0...Self.maximumCapacity).contains(capacity) else {
            throw CommunityError(.invalidField, "capacity \(capacity) is outside 0...\(Self.maximumCapacity)", field: "capacity")
        }
        guard (0...capacity).contains(load) else {
            throw CommunityError(.invalidField, "load \(load) is outside 0...\(capacity) (the capacity)", field: "load")
        }
        self.capacity = capacity
        self.load = load
    }

    /// Whether the volunteer has every skill in `required`.
    public func hasSkills(_ required: Set<VolunteerSkill>) -> Bool { required.isSubset(of: skills) }

    /// Renames the volunteer or changes the phone.
    /// - Throws: ``CommunityError/Code/invalidField`` (`name` or `phone`) under the person rules;
    ///   nothing changes then.
    public mutating func updateContact(name: String, phone: String?) throws {
        let name = try PersonRules.name(name)
        let phone = try PersonRules.phone(phone)
        self.name = name
        self.phone = phone
    }

    /// Changes how many tasks the volunteer may hold.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `capacity`) outside 0...100 or below
    ///   the tasks held now.
    public mutating func setCapacity(_ newCapacity: Int) throws {
        guard (0...Self.maximumCapacity).contains(newCapacity) else {
            throw CommunityError(.invalidField, "capacity \(newCapacity) is outside 0...\(Self.maximumCapacity)", field: "capacity")
        }
        guard newCapacity >= load else {
            throw CommunityError(.invalidField, "cannot have capacity \(newCapacity) holding \(load) tasks", field: "capacity")
        }
        capacity = newCapacity
    }

    /// Takes a slot for a task offered to the volunteer.
    /// - Throws: ``CommunityError/Code/conflict`` (field `volunteer`) when unavailable or full.
    mutating func takeSlot() throws {
        guard available else {
            throw CommunityError(.conflict, "volunteer \(id) is not available", field: "volunteer")
        }
        guard freeSlots > 0 else {
            throw CommunityError(.conflict, "volunteer \(id) holds \(load) of \(capacity) tasks", field: "volunteer")
        }
        load += 1
    }

    /// Gives back a slot when a held task is declined, finished or cancelled.
    /// - Throws: ``CommunityError/Code/conflict`` (field `volunteer`) when no task is held.
    mutating func releaseSlot() throws {
        guard load > 0 else {
            throw CommunityError(.conflict, "volunteer \(id) holds no task to release", field: "volunteer")
        }
        load -= 1
    }

    private enum CodingKeys: String, CodingKey { case id, name, phone, skills, area, available, capacity, load }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            id: try c.decode(VolunteerID.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
            phone: try c.decodeIfPresent(String.self, forKey: .phone),
            skills: Set(try c.decode([VolunteerSkill].self, forKey: .skills)),
            area: try c.decode(JurisdictionPath.self, forKey: .area), available: try c.decode(Bool.self, forKey: .available),
            capacity: try c.decode(Int.self, forKey: .capacity), load: try c.decode(Int.self, forKey: .load))
    }

    /// Skills are written sorted, so equal volunteers encode to equal JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(phone, forKey: .phone)
        try c.encode(skills.sorted(), forKey: .skills)
        try c.encode(area, forKey: .area)
        try c.encode(available, forKey: .available)
        try c.encode(capacity, forKey: .capacity)
        try c.encode(load, forKey: .load)
    }
}
