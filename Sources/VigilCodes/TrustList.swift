public import Crypto
public import VigilCommunity

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The code-signing keys of every region, against which any checkpoint verifies any region's
/// health codes offline.
///
/// A trust list is a JWKS (RFC 7517) of Ed25519 public keys (RFC 8037), each with three extra
/// members: the `region` whose codes it signs (a jurisdiction path) and its validity window
/// `nbf` ... `exp` (Unix seconds; a code must be issued at or after `nbf` and before `exp`):
///
/// ```json
/// {"keys":[{"alg":"EdDSA","crv":"Ed25519","exp":1767225600,"kid":"sz-2025","kty":"OKP",
///           "nbf":1735689600,"region":"sz","use":"sig","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}
/// ```
///
/// Loading validates every key (``init(jwks:)``); ``jwksJSON()`` writes the same document
/// deterministically (keys ordered by `kid`, members sorted), so every region publishing the
/// same keys publishes the same bytes.
public struct TrustList: Sendable, Hashable, Codable {
    /// One region's code-signing public key.
    public struct Key: Sendable, Hashable, CustomStringConvertible {
        /// `kid`.
        public let id: SigningKeyID
        /// `region`: the region whose codes the key signs; a code's `iss` must equal it.
        public let region: JurisdictionPath
        /// `x`: the Ed25519 public key.
        public let publicKey: Curve25519.Signing.PublicKey
        /// `nbf`: the first second at which the key may sign codes (Unix seconds).
        public let notBefore: Int64
        /// `exp`: the first second at which it may no longer sign codes (Unix seconds).
        public let expires: Int64

        /// - Throws: ``HealthCodeError/Code/invalidTrustList`` (field `exp`) when the window is
        ///   empty (`expires <= notBefore`).
        public init(
            id: SigningKeyID, region: JurisdictionPath, publicKey: Curve25519.Signing.PublicKey, notBefore: Int64, expires: Int64
        ) throws {
            guard notBefore < expires else {
                throw HealthCodeError(
                    .invalidTrustList, "key \(id) expires at \(expires), not after its start \(notBefore)", field: "exp")
            }
            self.id = id
            self.region = region
            self.publicKey = publicKey
            self.notBefore = notBefore
            self.expires = expires
        }

        /// Whether a code issued at `time` (Unix seconds) lies in the key's validity window.
        public func isValid(at time: Int64) -> Bool { notBefore <= time && time < expires }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.id == rhs.id && lhs.region == rhs.region && lhs.notBefore == rhs.notBefore && lhs.expires == rhs.expires
                && lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(id)
            hasher.combine(publicKey.rawRepresentation)
        }

        /// `kid (region, nbf ... exp)`; no key material.
        public var description: String { "\(id) (\(region), \(notBefore) ... \(expires))" }
    }

    /// The keys, ordered by ``Key/id``.
    public let keys: [Key]
    private let index: [SigningKeyID: Int]

    /// A trust list of `keys`, in any order.
    /// - Throws: ``HealthCodeError/Code/duplicateKeyID`` (field `keys[i].kid`, `i` in `keys`'
    ///   given order) when two keys share an id.
    public init(keys: [Key]) throws {
        var index: [SigningKeyID: Int] = [:]
        for (i, key) in keys.enumerated() {
            if let first = index[key.id] {
                throw HealthCodeError(
                    .duplicateKeyID, "key id \(key.id) appears at keys[\(first)] and keys[\(i)]", field: "keys[\(i)].kid")
            }
            index[key.id] = i
        }
        let sorted = keys.sorted { $0.id < $1.id }
        self.keys = sorted
        self.index = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($0.element.id, $0.offset) })
    }

    /// The key with `id`, or nil.
    public subscript(id: SigningKeyID) -> Key? { index[id].map { keys[$0] } }

    /// The keys of `region`, ordered by id.
    public func keys(of region: JurisdictionPath) -> [Key] { keys.filter { $0.region == region } }

    /// This list with `other`'s keys added, as when a region merges the keys published by others.
    /// - Throws: ``HealthCodeError/Code/duplicateKeyID`` when both hold a key with the same id
    ///   (an identical key is kept once).
    public func merging(_ other: TrustList) throws -> TrustList {
        try TrustList(keys: keys + other.keys.filter { key in self[key.id] != key })
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.keys == rhs.keys }
    public func hash(into hasher: inout Hasher) { hasher.combine(keys) }

    // MARK: JWKS

    /// Reads and validates a JWKS document.
    /// - Throws: ``HealthCodeError`` whose ``HealthCodeError/field`` names the member, e.g.
    ///   `keys[1].x`: ``HealthCodeError/Code/unsupportedKeyType`` for a `kty` other than `OKP`, a
    ///   `crv` other than `Ed25519`, an `alg` other than `EdDSA` or a `use` other than `sig`;
    ///   ``HealthCodeError/Code/invalidKeyEncoding`` for an `x` that is not unpadded base64url;
    ///   ``HealthCodeError/Code/wrongKeyLength`` for an `x` of other than 32 bytes;
    ///   ``HealthCodeError/Code/duplicateKeyID`` for a repeated `kid`;
    ///   ``HealthCodeError/Code/invalidTrustList`` for anything else: not JSON, a missing or
    ///   mistyped member, a bad `kid` or `region`, `exp` not after `nbf`, or a private key (`d`).
    public init(jwks: Data) throws {
        do {
            self = try JSONDecoder().decode(TrustList.self, from: jwks)
        } catch let error as DecodingError {
            throw ConfigPath.error(error, code: .invalidTrustList, document: "the trust list")
        }
    }

    /// The JWKS document: keys ordered by `kid`, members sorted, no whitespace; the same keys
    /// always give the same bytes.
    public func jwksJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and integers always encode.
        return try! encoder.encode(self)
    }

    private enum CodingKeys: String, CodingKey { case keys }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var list = try c.nestedUnkeyedContainer(forKey: .keys)
        var keys: [Key] = []
        while !list.isAtEnd {
            let i = list.currentIndex
            keys.append(try list.decode(JWK.self).key(field: "keys[\(i)]"))
        }
        try self.init(keys: keys)
    }

    /// Writes `{"keys":[...]}` in ``keys`` order; use ``jwksJSON()`` for sorted members.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(keys.map(JWK.init), forKey: .keys)
    }

    /// One JWKS entry as written, every member optional so that validation can name what is wrong.
    private struct JWK: Codable {
        var kty: String?
        var crv: String?
        var x: String?
        var d: String?
        var kid: String?
        var alg: String?
        var use: String?
        var region: String?
        var nbf: Int64?
        var exp: Int64?

        init(_ key: Key) {
            kty = "OKP"
            crv = "Ed25519"
            x = Base64URL.encode(key.publicKey.rawRepresentation)
            kid = key.id.value
            alg = "EdDSA"
            use = "sig"
            region = key.region.description
            nbf = key.notBefore
            exp = key.expires
        }

        func key(field: String) throws -> Key {
            func name(_ member: String) -> String { "\(field).\(member)" }
            func required<T>(_ value: T?, _ member: String) throws -> T {
                guard let value else {
                    throw HealthCodeError(.invalidTrustList, "a trust-list key needs \"\(member)\"", field: name(member))
                }
                return value
            }
            func expect(_ value: String?, _ wanted: String, _ member: String, required isRequired: Bool) throws {
                if value == nil, !isRequired { return }
                let value = try required(value, member)
                guard value == wanted else {
                    throw HealthCodeError(
                        .unsupportedKeyType, "\(member) \"\(value.prefix(20))\" is not supported; only \"\(wanted)\"", field: name(member))
                }
            }
            try expect(kty, "OKP", "kty", required: true)
            try expect(crv, "Ed25519", "crv", required: true)
            try expect(alg, "EdDSA", "alg", required: false)
            try expect(use, "sig", "use", required: false)
            guard d == nil else {
                throw HealthCodeError(.invalidTrustList, "a trust list holds public keys only, this key has \"d\"", field: name("d"))
            }
            let id: SigningKeyID
            do {
                id = try SigningKeyID(try required(kid, "kid"))
            } catch let error as HealthCodeError where error.code == .invalidArgument {
                throw HealthCodeError(.invalidTrustList, error.message, field: name("kid"))
            }
            guard let raw = Base64URL.decode(try required(x, "x")) else {
                throw HealthCodeError(.invalidKeyEncoding, "key \(id): x is not unpadded base64url", field: name("x"))
            }
            guard raw.count == 32 else {
                throw HealthCodeError(
                    .wrongKeyLength, "key \(id): x has \(raw.count) bytes, an Ed25519 public key has 32", field: name("x"))
            }
            let region: JurisdictionPath
            do {
                region = try JurisdictionPath(try required(self.region, "region"))
            } catch let error as CommunityError {
                throw HealthCodeError(.invalidTrustList, "key \(id): region: \(error.message)", field: name("region"))
            }
            let notBefore = try required(nbf, "nbf")
            let expires = try required(exp, "exp")
            do {
                return try Key(
                    id: id, region: region, publicKey: try Curve25519.Signing.PublicKey(rawRepresentation: raw), notBefore: notBefore,
                    expires: expires)
            } catch let error as HealthCodeError {
                throw HealthCodeError(error.code, error.message, field: name("exp"))
            } catch {
                throw HealthCodeError(.wrongKeyLength, "key \(id): x is not an Ed25519 public key", field: name("x"))
            }
        }
    }
}
