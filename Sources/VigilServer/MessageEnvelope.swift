public import VigilLedger

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A node-to-node message as sent over HTTP: who sends it to whom, for which chain, when, and
/// the message. The body is this JSON object; the sender signs
/// `"vigil-message/v1\n" || body` with its Ed25519 node key (the 0x01 key its chains list it
/// under) and sends the 64-byte signature, base64, in the ``signatureHeader`` header.
///
/// ```json
/// {"v":1,"chain":"vigil.example/district-1/riverside","from":"clinic.hill","to":"community.riverside",
///  "time":1767225600,"message":{"type":"cosign","size":12,"cosigner":"clinic.hill","signature":"..."}}
/// ```
public struct MessageEnvelope: Codable, Hashable, Sendable {
    /// The envelope version (1).
    public var v: Int
    /// The chain's origin.
    public var chain: String
    public var from: String
    public var to: String
    /// Unix seconds when sent; receivers refuse envelopes more than ``maxSkew`` away.
    public var time: Int64
    public var message: WireMessage

    /// The name of the HTTP header carrying the base64 signature.
    public static let signatureHeader = "Vigil-Signature"
    /// The signature's domain separator.
    public static let domain = Array("vigil-message/v1\n".utf8)
    /// How far the envelope's time may be from the receiver's clock, in seconds.
    public static let maxSkew: Int64 = 600
    /// The default limit on an envelope's size.
    public static let defaultMaxBytes = 8 << 20

    public init(chain: String, from: String, to: String, time: Int64, message: NodeMessage) {
        v = 1
        self.chain = chain
        self.from = from
        self.to = to
        self.time = time
        self.message = WireMessage(message)
    }

    /// The body and its signature by `key`.
    public func sealed(by key: SignerKey) throws -> (body: [UInt8], signature: [UInt8]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = Array(try encoder.encode(self))
        return (body, try key.withType(.ed25519).sign(text: Self.domain + body).signature)
    }

    /// Reads an envelope (not yet verified).
    /// - Throws: ``Problem`` 400 when the body is not an envelope.
    static func decode(_ body: [UInt8]) throws(Problem) -> MessageEnvelope {
        let envelope: MessageEnvelope
        do { envelope = try JSONDecoder().decode(MessageEnvelope.self, from: Data(body)) } catch {
            throw Problem.badRequest("malformed", "the body is not a message envelope: \(Self.describe(error))")
        }
        guard envelope.v == 1 else { throw Problem.badRequest("malformed", "envelope version \(envelope.v), want 1") }
        return envelope
    }

    /// Whether `signature` by `key` covers `body`.
    static func verify(body: [UInt8], signature: [UInt8], key: VerifierKey) -> Bool {
        guard key.type == .ed25519 else { return false }
        return key.verify(text: domain + body, signature: signature)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field \"\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type"
        case DecodingError.dataCorrupted:
            return "not valid JSON"
        default:
            return "not valid JSON"
        }
    }
}
