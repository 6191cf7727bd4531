/// A stretch of time a contact spent at a place while the index case was there or while the
/// air the case left behind could still carry the infection (the linger window).
public struct Encounter: Sendable, Hashable, Codable {
    /// Where.
    public let place: PlaceID
    /// Unix seconds the exposure began: the later of the contact's arrival and the start of the
    /// case's risk interval.
    public let start: Int64
    /// Unix seconds it ended: the earlier of the contact's departure and the end of the case's
    /// risk interval (the case's departure plus the linger window).
    public let end: Int64

    /// `end - start`, in seconds.
    public var overlapSeconds: Int64 { end - start }

    /// Creates the value from its parts (a history step or result; the owner checks it).
    public init(place: PlaceID, start: Int64, end: Int64) {
        self.place = place
        self.start = start
        self.end = end
    }
}
