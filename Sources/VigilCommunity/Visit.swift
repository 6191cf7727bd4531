/// One person's stay at a place, as recorded by access management: a checkpoint scanned the
/// person's health code on the way in and, when it could, on the way out.
///
/// Times are Unix seconds. A visit without a time out is *open*: the person was not seen
/// leaving. For tracing, an open visit is assumed to last ``defaultOpenDuration`` (or the
/// duration a ``VisitIndex`` was built with), so a forgotten exit scan neither hides an exposure
/// nor makes the person present forever.
public struct Visit: Sendable, Hashable, Codable {
    /// How long an open visit is assumed to last for tracing: one hour.
    public static let defaultOpenDuration: Int64 = 3_600

    /// Who visited.
    public let person: PersonKey
    /// Where.
    public let place: PlaceID
    /// The checkpoint (gate, scanner) that recorded the entry, if known.
    public let checkpoint: String?
    /// When the person came in.
    public let timeIn: Int64
    /// When the person left, or nil while the visit is open.
    public let timeOut: Int64?

    /// - Throws: ``CommunityError/Code/invalidField`` for an invalid person key (field `person`)
    ///   or checkpoint (field `checkpoint`), or a time out before the time in (field `timeOut`).
    public init(person: PersonKey, place: PlaceID, checkpoint: String? = nil, timeIn: Int64, timeOut: Int64? = nil) throws {
        try Validation.requireKey(person, field: "person")
        if let checkpoint { try Validation.requireKey(checkpoint, field: "checkpoint") }
        if let timeOut, timeOut < timeIn {
            throw CommunityError(.invalidField, "time out \(timeOut) is before time in \(timeIn)", field: "timeOut")
        }
        self.person = person
        self.place = place
        self.checkpoint = checkpoint
        self.timeIn = timeIn
        self.timeOut = timeOut
    }

    /// Whether the person has not been seen leaving.
    public var isOpen: Bool { timeOut == nil }

    /// The time out, or for an open visit the time in plus `openDuration`.
    public func end(assumingOpenVisitsLast openDuration: Int64 = Visit.defaultOpenDuration) -> Int64 {
        timeOut ?? timeIn + openDuration
    }

    /// The same visit, closed at `time`.
    /// - Throws: ``CommunityError/Code/invalidTransition`` if it is already closed;
    ///   ``CommunityError/Code/invalidField`` if `time` is before the time in.
    public func closed(at time: Int64) throws -> Visit {
        if let timeOut {
            throw CommunityError(.invalidTransition, "the visit was already closed at \(timeOut)", field: "timeOut")
        }
        return try Visit(person: person, place: place, checkpoint: checkpoint, timeIn: timeIn, timeOut: time)
    }

    private enum CodingKeys: String, CodingKey { case person, place, checkpoint, timeIn, timeOut }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            person: try c.decode(String.self, forKey: .person), place: try c.decode(PlaceID.self, forKey: .place),
            checkpoint: try c.decodeIfPresent(String.self, forKey: .checkpoint), timeIn: try c.decode(Int64.self, forKey: .timeIn),
            timeOut: try c.decodeIfPresent(Int64.self, forKey: .timeOut))
    }
}
