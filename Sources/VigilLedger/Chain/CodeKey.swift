/// A region's health-code signing key, as a `code-key` proposal puts it on a chain (DESIGN §6).
///
/// Once the members accept it, the key is in the chain's trust list: a code signed with it
/// verifies offline in every region that reads the chain, with no call to the issuing region.
/// Only the public key goes on the chain. A later accepted `code-key` for the same `kid`, region
/// and key may only shorten its validity (`exp`): that is how a key is retired or revoked.
public struct CodeKey: Hashable, Sendable {
    /// The issuing region: a jurisdiction path such as `sz/ft` (1-64 of a-z 0-9 . _ - /).
    public var region: String
    /// The key id codes name in their JWS header (1-64 of a-z 0-9 . _ - /).
    public var kid: String
    /// The Ed25519 public key (32 bytes); `x` in JSON, base64url without padding as in a JWK.
    public var publicKey: [UInt8]
    /// Unix seconds from which codes signed with it are valid.
    public var notBefore: Int64
    /// Unix seconds after which no code signed with it is valid.
    public var notAfter: Int64

    public init(region: String, kid: String, publicKey: [UInt8], notBefore: Int64, notAfter: Int64) {
        self.region = region
        self.kid = kid
        self.publicKey = publicKey
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    init(json: JSONValue, context: String) throws(LedgerError) {
        let r = try FieldReader(json, context: context, allowed: ["region", "kid", "x", "nbf", "exp"])
        region = try Identifier.check(try r.string("region"), r, "region")
        kid = try Identifier.check(try r.string("kid"), r, "kid")
        guard let key = Base64URL.decode(try r.string("x", maxLength: 64)), key.count == 32 else {
            throw r.fail("x", "must be a 32-byte Ed25519 public key in base64url without padding")
        }
        publicKey = key
        notBefore = try r.integer("nbf")
        notAfter = try r.integer("exp")
        guard notBefore >= 0, notAfter > notBefore else { throw r.fail("exp", "must be later than nbf (both Unix seconds ≥ 0)") }
    }

    /// The proposal data: `{"region", "kid", "x", "nbf", "exp"}`.
    public var jsonValue: JSONValue { json }

    var json: JSONValue {
        .object([
            "region": .string(region), "kid": .string(kid), "x": .string(Base64URL.encode(publicKey)),
            "nbf": .number(Double(notBefore)), "exp": .number(Double(notAfter)),
        ])
    }

    /// Whether `next` may follow this accepted key: the same region and key, valid no longer.
    func mayBeReplaced(by next: CodeKey) -> Bool {
        next.region == region && next.publicKey == publicKey && next.notBefore >= notBefore && next.notAfter <= notAfter
    }
}

/// Base64url without padding (RFC 4648 §5), as JWKs write keys.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            let shifts = rest == 2 ? [18, 12, 6] : [18, 12]
            for shift in shifts { out.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes, or nil for characters outside the alphabet, padding, or an impossible length.
    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt32] = []
        values.reserveCapacity(text.utf8.count)
        for c in text.utf8 {
            switch c {
            case 0x41...0x5A: values.append(UInt32(c - 0x41))
            case 0x61...0x7A: values.append(UInt32(c - 0x61 + 26))
            case 0x30...0x39: values.append(UInt32(c - 0x30 + 52))
            case 0x2D: values.append(62)
            case 0x5F: values.append(63)
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var i = 0
        while i + 4 <= values.count {
            let n = values[i] << 18 | values[i + 1] << 12 | values[i + 2] << 6 | values[i + 3]
            out += [UInt8(n >> 16), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
            i += 4
        }
        let rest = values.count - i
        if rest >= 2 {
            let n = values[i] << 18 | values[i + 1] << 12 | (rest == 3 ? values[i + 2] << 6 : 0)
            out.append(UInt8(n >> 16))
            if rest == 3 { out.append(UInt8((n >> 8) & 0xFF)) }
            // Canonical: the unused low bits are zero.
            guard (rest == 2 ? n & 0xFFFF : n & 0xFF) == 0 else { return nil }
        }
        return out
    }
}
