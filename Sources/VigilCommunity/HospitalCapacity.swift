/// A designated hospital's beds for the disease under watch: how many there are and how many
/// are taken.
public struct HospitalCapacity: Sendable, Hashable, Codable {
    /// The hospital.
    public let hospital: PlaceID
    /// Beds in service.
    public private(set) var total: Int
    /// Beds taken.
    public private(set) var occupied: Int

    /// - Throws: ``CommunityError/Code/invalidField`` unless 0 ≤ `occupied` ≤ `total` (field
    ///   `occupied`, or `total` when negative).
    public init(hospital: PlaceID, total: Int, occupied: Int = 0) throws {
        guard total >= 0 else { throw CommunityError(.invalidField, "total beds \(total) is negative", field: "total") }
        guard (0...total).contains(occupied) else {
            throw CommunityError(.invalidField, "occupied beds \(occupied) is outside 0...\(total)", field: "occupied")
        }
        self.hospital = hospital
        self.total = total
        self.occupied = occupied
    }

    /// Beds free.
    public var free: Int { total - occupied }

    /// Takes a bed.
    /// - Throws: ``CommunityError/Code/conflict`` when none is free.
    public mutating func occupyBed() throws {
        guard free > 0 else {
            throw CommunityError(
                .conflict, "hospital \(hospital) has no free bed (\(occupied) of \(total) occupied)", field: "hospital")
        }
        occupied += 1
    }

    /// Frees a bed.
    /// - Throws: ``CommunityError/Code/conflict`` when no bed is occupied.
    public mutating func releaseBed() throws {
        guard occupied > 0 else {
            throw CommunityError(.conflict, "hospital \(hospital) has no occupied bed to release", field: "hospital")
        }
        occupied -= 1
    }

    /// Changes the number of beds in service (beds opened or closed).
    /// - Throws: ``CommunityError/Code/invalidField`` (field `total`) below the occupied beds.
    public mutating func setTotal(_ newTotal: Int) throws {
        guard newTotal >= occupied else {
            throw CommunityError(.invalidField, "cannot have \(newTotal) beds with \(occupied) occupied", field: "total")
        }
        total = newTotal
    }

    private enum CodingKeys: String, CodingKey { case hospital, total, occupied }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            hospital: try c.decode(PlaceID.self, forKey: .hospital), total: try c.decode(Int.self, forKey: .total),
            occupied: try c.decode(Int.self, forKey: .occupied))
    }
}
