/// The levels of the jurisdiction tree, from the top: city → district → street → community →
/// grid → building → household.
public enum JurisdictionLevel: Int, Sendable, Hashable, Comparable, CaseIterable, Codable {
    case city, district, street, community, grid, building, household

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The level's name as written in paths, CSV files and the API (`"community"`).
    public var name: String { "\(self)" }

    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = level
    }
}

/// A node of the jurisdiction tree, named by the codes of its ancestors and itself:
/// `sz/ft/xl/c07/g3/b12/h0402` is household `h0402` of building `b12` of grid `g3` ... of city `sz`.
/// The depth is the level: one component is a city, seven a household.
///
/// A path contains itself and everything below it, which is how access by jurisdiction is
/// checked (``contains(_:)``) and how lists are scoped (a prefix match on ``description``
/// followed by `/`).
public struct JurisdictionPath: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The codes from the city down.
    public let components: [String]

    /// - Throws: ``CommunityError/Code/invalidField`` for an empty path, more than seven levels,
    ///   or a code that is empty, longer than 32 bytes, or not made of `a-z A-Z 0-9 - _ .`.
    public init(components: [String]) throws {
        guard (1...JurisdictionLevel.allCases.count).contains(components.count) else {
            throw CommunityError(.invalidField, "a jurisdiction path has 1 to 7 levels, not \(components.count)", field: "jurisdiction")
        }
        for code in components where !Self.isValidCode(code) {
            throw CommunityError(
                .invalidField, "jurisdiction code \"\(code.prefix(40))\" must be 1-32 of a-z A-Z 0-9 - _ .", field: "jurisdiction")
        }
        self.components = components
    }

    /// Parses `a/b/c`.
    public init(_ text: some StringProtocol) throws {
        try self.init(components: String(text).split(separator: "/", omittingEmptySubsequences: false).map(String.init))
    }

    static func isValidCode(_ code: String) -> Bool {
        !code.isEmpty && code.utf8.count <= 32
            && code.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x2E
            }
    }

    /// The level of the node this path names.
    public var level: JurisdictionLevel { JurisdictionLevel(rawValue: components.count - 1)! }

    /// The node above, or nil for a city.
    public var parent: JurisdictionPath? {
        components.count > 1 ? JurisdictionPath(trusted: Array(components.dropLast())) : nil
    }

    /// The ancestor (or self) at `level`, or nil when this path is above that level.
    public func ancestor(at level: JurisdictionLevel) -> JurisdictionPath? {
        components.count > level.rawValue ? JurisdictionPath(trusted: Array(components.prefix(level.rawValue + 1))) : nil
    }

    /// The child named `code` one level down.
    public func child(_ code: String) throws -> JurisdictionPath {
        try JurisdictionPath(components: components + [code])
    }

    /// Whether `other` is this node or below it.
    public func contains(_ other: JurisdictionPath) -> Bool {
        other.components.count >= components.count && other.components.prefix(components.count).elementsEqual(components)
    }

    private init(trusted components: [String]) { self.components = components }

    public var description: String { components.joined(separator: "/") }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
