public import Crypto
public import VigilCommunity

/// The subject of a health code: a pseudonym for a person, never a name or an identifier.
///
/// The caller computes it with its area's secret, usually with ``derived(from:areaSecret:)``:
/// the same person and secret always give the same pseudonym, so the area's server can link a
/// scanned code back to the person, while a checkpoint or anyone else who reads the code learns
/// nothing about who it is. ``HealthCodeIssuer`` takes the pseudonym as given.
///
/// A pseudonym is 16 to 64 characters of the base64url alphabet (`A-Z a-z 0-9 - _`).
public struct Pseudonym: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The pseudonym's text.
    public let value: String

    /// - Throws: ``HealthCodeError/Code/invalidArgument`` (field `sub`) for text that is not 16 to
    ///   64 base64url characters.
    public init(_ value: String) throws {
        guard Self.isValid(value.utf8) else {
            throw HealthCodeError(
                .invalidArgument, "a pseudonym is 16-64 characters of A-Z a-z 0-9 - _, not \(value.utf8.count) bytes of text",
                field: "sub")
        }
        self.value = value
    }

    init(unchecked value: String) { self.value = value }

    static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        (16...64).contains(bytes.count)
            && bytes.allSatisfy { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
            }
    }

    /// The pseudonym of `person` in the area whose secret is `areaSecret`: the first 16 bytes
    /// of HMAC-SHA256(areaSecret, "vigil/health-code/subject/v1" ‖ 0x00 ‖ person), base64url (22
    /// characters).
    ///
    /// The secret must stay on the area's servers: with it, anyone could test guesses of a
    /// person's key against a pseudonym.
    public static func derived(from person: PersonKey, areaSecret: SymmetricKey) -> Pseudonym {
        var message = Array("vigil/health-code/subject/v1".utf8)
        message.append(0)
        message.append(contentsOf: person.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: areaSecret)
        return Pseudonym(unchecked: Base64URL.encode(Array(mac).prefix(16)))
    }

    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
