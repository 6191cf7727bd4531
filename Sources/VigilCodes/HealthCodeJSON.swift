import JWTKit
import VigilCommunity

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// jwt-kit's JSON encoder for health-code payloads: ``HealthCodeClaims`` written directly, every
/// other value through Foundation's `JSONEncoder` with the same options (sorted keys, slashes
/// unescaped).
///
/// Why: `JSONEncoder` took about 4 µs per payload, a quarter of an Ed25519 signature. The direct
/// form writes the same bytes as `JSONEncoder` (`{"col":"g","exp":…,"iat":…,"iss":"…","jur":"…",
/// "sub":"…","v":1}`); it needs no escaping because pseudonyms and jurisdiction codes are
/// restricted to characters JSON strings carry as they are.
struct HealthCodeJSONEncoder: JWTJSONEncoder {
    private let fallback: JSONEncoder

    init() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        fallback = encoder
    }

    func encode<T: Encodable>(_ value: T) throws -> Data {
        guard let claims = value as? HealthCodeClaims else { return try fallback.encode(value) }
        return Data(Self.json(claims))
    }

    static func json(_ claims: HealthCodeClaims) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        func key(_ name: StaticString, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func string(_ text: String) {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "{"))
        key("col", first: true)
        string(claims.colour.letter)
        key("exp")
        out.append(contentsOf: String(claims.expiresAt).utf8)
        key("iat")
        out.append(contentsOf: String(claims.issuedAt).utf8)
        key("iss")
        string(claims.issuer.description)
        key("jur")
        string(claims.jurisdiction.description)
        key("sub")
        string(claims.subject.value)
        key("v")
        out.append(contentsOf: String(claims.version).utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// jwt-kit's JSON decoder for health-code payloads: the common form of ``HealthCodeClaims`` read
/// directly, anything else through Foundation's `JSONDecoder` and the claims' `Decodable`
/// conformance.
///
/// Why: `JSONDecoder` took about 5 µs per payload, near a tenth of an Ed25519 verification. The
/// direct reader accepts only what it can read without doubt — one flat object of ASCII
/// strings without escapes and plain integers, every claim present once and valid — and hands
/// everything else, valid or not, to `JSONDecoder`, which then gives the same result or the
/// precise error. So both paths agree on every input the direct one accepts. A claim given
/// twice is refused outright (``HealthCodeError/Code/malformedToken``), since readers differ on
/// which of the two counts.
struct HealthCodeJSONDecoder: JWTJSONDecoder {
    private let fallback = JSONDecoder()

    func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        if T.self == HealthCodeClaims.self, let claims = try data.withUnsafeBytes({ try Self.claims(from: $0) }) {
            return claims as! T
        }
        return try fallback.decode(T.self, from: data)
    }

    /// The claims in `json` when it has the plain form, else nil.
    /// - Throws: ``HealthCodeError/Code/malformedToken`` when a claim appears twice.
    static func claims(from json: UnsafeRawBufferPointer) throws -> HealthCodeClaims? {
        var reader = FlatObjectReader(json)
        var sub: Pseudonym?
        var iss: String?
        var jur: String?
        var col: HealthColour?
        var iat: Int64?
        var exp: Int64?
        var v: Int64?
        var seen: UInt8 = 0
        var duplicate: String?
        let plain = reader.readObject { name, value in
            let bit: UInt8
            switch name {
            case "sub": bit = 1
            case "iss": bit = 2
            case "jur": bit = 4
            case "col": bit = 8
            case "iat": bit = 16
            case "exp": bit = 32
            case "v": bit = 64
            default: return true  // other members are ignored, as the Decodable conformance does
            }
            guard seen & bit == 0 else {
                duplicate = name
                return false
            }
            seen |= bit
            switch (name, value) {
            case ("sub", .string(let text)) where Pseudonym.isValid(text.utf8): sub = Pseudonym(unchecked: text)
            case ("iss", .string(let text)): iss = text
            case ("jur", .string(let text)): jur = text
            case ("col", .string(let text)):
                guard let colour = HealthColour(letter: text) else { return false }
                col = colour
            case ("iat", .integer(let n)): iat = n
            case ("exp", .integer(let n)): exp = n
            case ("v", .integer(let n)): v = n
            default: return false
            }
            return true
        }
        if let duplicate {
            throw HealthCodeError(.malformedToken, "claim \"\(duplicate)\" appears twice", field: duplicate)
        }
        guard plain, let sub, let iss, let jur, let col, let iat, let exp, v == Int64(HealthCodeClaims.formatVersion),
            let issuer = try? JurisdictionPath(iss), let jurisdiction = try? JurisdictionPath(jur)
        else { return nil }
        return HealthCodeClaims(subject: sub, issuer: issuer, jurisdiction: jurisdiction, colour: col, issuedAt: iat, expiresAt: exp)
    }
}

/// Reads one flat JSON object whose values are ASCII strings without escapes or integers that
/// fit `Int64`; anything else (or trailing bytes) makes ``readObject(_:)`` return false.
private struct FlatObjectReader {
    enum Value {
        case string(String)
        case integer(Int64)
    }

    private let bytes: UnsafeRawBufferPointer
    private var i = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    private mutating func consume(_ c: UInt8) -> Bool {
        skipSpace()
        guard i < bytes.count, bytes[i] == c else { return false }
        i += 1
        return true
    }

    private mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = i
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(i - 1)]), as: UTF8.self)
            }
            // Escapes, control characters and non-ASCII go to the full decoder.
            guard c >= 0x20, c < 0x80, c != UInt8(ascii: "\\") else { return nil }
            i += 1
        }
        return nil
    }

    private mutating func integer() -> Int64? {
        skipSpace()
        let negative = i < bytes.count && bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let start = i
        var value: Int64 = 0
        while i < bytes.count, (0x30...0x39).contains(bytes[i]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int64(bytes[i] - 0x30))
            guard !o1, !o2 else { return nil }
            value = sum
            i += 1
        }
        let digits = i - start
        // No digits, a leading zero, "-0", or a fraction or exponent next: not plain.
        guard digits > 0, !(digits > 1 && bytes[start] == 0x30), !(negative && value == 0) else { return nil }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            return nil
        }
        return negative ? -value : value
    }

    private mutating func value() -> Value? {
        skipSpace()
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: "\"") { return string().map(Value.string) }
        return integer().map(Value.integer)
    }

    /// Reads the object, calling `member` for each name and value in order; false when the
    /// input is not in the plain form or `member` returns false.
    mutating func readObject(_ member: (String, Value) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) {
            skipSpace()
            return i == bytes.count
        }
        repeat {
            guard let name = string(), consume(UInt8(ascii: ":")), let value = value(), member(name, value) else { return false }
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { return false }
        skipSpace()
        return i == bytes.count
    }
}
