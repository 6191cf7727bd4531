/// The identifier of a code-signing key: the `kid` of the JWS header and of the trust list entry.
///
/// 1 to 64 characters of `A-Z a-z 0-9 - _ . :`, e.g. `sz-2024-06`, so it needs no escaping in
/// JSON and stays short in the QR code. Unique across the trust list (every region's keys).
public struct SigningKeyID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The identifier's text.
    public let value: String

    /// - Throws: ``HealthCodeError/Code/invalidArgument`` (field `kid`) for any other text.
    public init(_ value: String) throws {
        guard Self.isValid(value.utf8) else {
            throw HealthCodeError(
                .invalidArgument, "a key id is 1-64 characters of A-Z a-z 0-9 - _ . :, not \"\(value.prefix(70))\"", field: "kid")
        }
        self.value = value
    }

    static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        (1...64).contains(bytes.count)
            && bytes.allSatisfy { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
                    || c == 0x2E || c == 0x3A
            }
    }

    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
