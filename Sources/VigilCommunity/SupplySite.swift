/// Where stock is kept: a community (a jurisdiction path at the community level) or a named
/// depot (a district or city warehouse, a hospital store).
///
/// JSON: `{"community": "sz/ft/xl/c07"}` or `{"depot": "depot.futian"}`. Sites order
/// communities first, by path, then depots by name.
public enum SupplySite: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    case community(JurisdictionPath)
    case depot(PlaceID)

    /// A community site.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `community`) unless `path` is at the
    ///   community level.
    public static func validCommunity(_ path: JurisdictionPath) throws -> SupplySite {
        guard path.level == .community else {
            throw CommunityError(.invalidField, "\(path) is a \(path.level), not a community", field: "community")
        }
        return .community(path)
    }

    /// The community, for a community site.
    public var community: JurisdictionPath? {
        if case .community(let path) = self { return path }
        return nil
    }

    /// `community sz/ft/xl/c07` or `depot depot.futian`.
    public var description: String {
        switch self {
        case .community(let path): "community \(path)"
        case .depot(let place): "depot \(place)"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.community(let a), .community(let b)): a < b
        case (.depot(let a), .depot(let b)): a < b
        case (.community, .depot): true
        case (.depot, .community): false
        }
    }

    private enum CodingKeys: String, CodingKey { case community, depot }

    /// - Throws: ``CommunityError/Code/invalidField`` (field `community`) for a path that is not
    ///   at the community level.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let path = try c.decodeIfPresent(JurisdictionPath.self, forKey: .community) {
            self = try Self.validCommunity(path)
        } else {
            self = .depot(try c.decode(PlaceID.self, forKey: .depot))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .community(let path): try c.encode(path, forKey: .community)
        case .depot(let place): try c.encode(place, forKey: .depot)
        }
    }
}
