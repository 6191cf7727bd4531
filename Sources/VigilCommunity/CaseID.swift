/// A case record's identifier (one person may have several cases over time).
public struct CaseID: TextIdentifier {
    /// The identifier's text.
    public let rawValue: String

    /// - Throws: CommunityError/Code/invalidField (field `case`) unless 1-128 bytes without
    ///   control characters or surrounding spaces.
    public init(_ rawValue: String) throws {
        try Validation.requireKey(rawValue, field: "case")
        self.rawValue = rawValue
    }
}
