import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The 32-bit key ID that prefixes every note signature:
/// `SHA-256(name || 0x0A || type || public key)[:4]`, big-endian.
public struct KeyID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The key ID of `publicKey` under `name` for signatures of `type`.
    public init(name: String, type: SignatureType, publicKey: [UInt8]) {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, type.rawValue] + publicKey)
        let digest = Array(hasher.finalize())
        rawValue = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    /// The four bytes, big-endian.
    public var bytes: [UInt8] { [UInt8(rawValue >> 24), UInt8(rawValue >> 16 & 0xff), UInt8(rawValue >> 8 & 0xff), UInt8(rawValue & 0xff)] }

    /// Eight lowercase hex digits, as in key text.
    public var description: String { Hex.encode(bytes) }
}

/// The signature types of C2SP signed-note that Vigil uses.
public enum SignatureType: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// Ed25519 over the note text (C2SP signed-note).
    case ed25519 = 0x01
    /// Timestamped Ed25519 witness cosignature (C2SP tlog-cosignature, `cosignature/v1`).
    case cosignature = 0x04

    public var description: String {
        switch self {
        case .ed25519: "ed25519 (0x01)"
        case .cosignature: "cosignature/v1 (0x04)"
        }
    }
}

/// Something that can check one signature line of a note: a known key.
public protocol NoteVerifier: Sendable {
    /// The key name that signature lines carry.
    var name: String { get }
    /// The key ID that signature lines carry.
    var keyID: KeyID { get }
    /// Whether `signature` (the bytes after the key ID) is valid over the note `text`.
    func verify(text: [UInt8], signature: [UInt8]) -> Bool
}

/// A C2SP verifier key (vkey): `name+hex8+base64(type || Ed25519 public key)`.
public struct VerifierKey: NoteVerifier, Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let keyID: KeyID
    /// Which kind of signature this key checks.
    public let type: SignatureType
    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]
    nonisolated(unsafe) private let key: Curve25519.Signing.PublicKey

    /// Longest vkey text accepted.
    public static let maxLength = 1024

    /// Creates a verifier for `publicKey` under `name`.
    /// - Throws: ``LedgerError/Code/malformedKey`` for a bad name or key.
    public init(name: String, type: SignatureType, publicKey: [UInt8]) throws(LedgerError) {
        guard NoteName.isValid(name) else { throw LedgerError(.malformedKey, "invalid key name \(NoteName.quoted(name))") }
        guard publicKey.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            throw LedgerError(.malformedKey, "Ed25519 public key is \(publicKey.count) bytes, want 32")
        }
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.key = key
        self.keyID = KeyID(name: name, type: type, publicKey: publicKey)
    }

    /// Parses vkey text.
    /// - Throws: ``LedgerError/Code/malformedKey`` with the reason (bad name, hex, base64, type,
    ///   length, or a key ID that does not match the key).
    public init(_ text: String) throws(LedgerError) {
        guard text.utf8.count <= VerifierKey.maxLength else {
            throw LedgerError(.malformedKey, "verifier key is longer than \(VerifierKey.maxLength) bytes")
        }
        // The base64 key may itself contain '+': split at the first two only.
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw LedgerError(.malformedKey, "verifier key must be name+keyid+key, got \(parts.count) fields")
        }
        let (type, key) = try KeyText.decode(name: String(parts[0]), keyID: parts[1], key: parts[2])
        try self.init(name: String(parts[0]), type: type, publicKey: key)
    }

    /// The vkey text.
    public var description: String {
        "\(name)+\(keyID)+" + Data([type.rawValue] + publicKey).base64EncodedString()
    }

    public func verify(text: [UInt8], signature: [UInt8]) -> Bool {
        switch type {
        case .ed25519:
            return signature.count == 64 && key.isValidSignature(signature, for: text)
        case .cosignature:
            guard let parsed = try? CosignatureBytes(signature) else { return false }
            let message = Cosignature.message(text: text, timestamp: parsed.timestamp)
            return key.isValidSignature(parsed.signature, for: message)
        }
    }

    public static func == (lhs: VerifierKey, rhs: VerifierKey) -> Bool {
        lhs.name == rhs.name && lhs.type == rhs.type && lhs.publicKey == rhs.publicKey
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(type)
        hasher.combine(publicKey)
    }
}

/// A signing key with its note name: Ed25519, used for note signatures (type 0x01) or
/// cosignatures (type 0x04). Its text form is `PRIVATE+KEY+name+hex8+base64(type || seed)`.
public struct SignerKey: Sendable, CustomStringConvertible {
    public let name: String
    public let type: SignatureType
    nonisolated(unsafe) private let key: Curve25519.Signing.PrivateKey

    /// Creates a signer from a 32-byte Ed25519 seed.
    /// - Throws: ``LedgerError/Code/malformedKey`` for a bad name or seed.
    public init(name: String, type: SignatureType = .ed25519, seed: [UInt8]) throws(LedgerError) {
        guard NoteName.isValid(name) else { throw LedgerError(.malformedKey, "invalid key name \(NoteName.quoted(name))") }
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw LedgerError(.malformedKey, "Ed25519 seed is \(seed.count) bytes, want 32")
        }
        self.name = name
        self.type = type
        self.key = key
    }

    /// A new random key.
    public static func generate(name: String, type: SignatureType = .ed25519) throws(LedgerError) -> SignerKey {
        try SignerKey(name: name, type: type, seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
    }

    /// Parses signer key text.
    /// - Throws: ``LedgerError/Code/malformedKey`` with the reason. The message never contains
    ///   key material.
    public init(_ text: String) throws(LedgerError) {
        guard text.utf8.count <= VerifierKey.maxLength else {
            throw LedgerError(.malformedKey, "signer key is longer than \(VerifierKey.maxLength) bytes")
        }
        let parts = text.split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY" else {
            throw LedgerError(.malformedKey, "signer key must be PRIVATE+KEY+name+keyid+key")
        }
        let name = String(parts[2])
        guard let hexID = Hex.decode(parts[3]), hexID.count == 4, parts[3].count == 8 else {
            throw LedgerError(.malformedKey, "signer key ID is not 8 hex digits")
        }
        guard let raw = Data(base64Encoded: String(parts[4])), raw.count == 33,
            let type = SignatureType(rawValue: raw[raw.startIndex])
        else {
            throw LedgerError(.malformedKey, "signer key material is not base64 of a type byte and a 32-byte seed")
        }
        try self.init(name: name, type: type, seed: Array(raw.dropFirst()))
        guard verifierKey.keyID.bytes == hexID else {
            throw LedgerError(.malformedKey, "signer key ID does not match the key")
        }
    }

    /// The matching verifier key.
    public var verifierKey: VerifierKey {
        // The public key of a valid private key is always valid.
        try! VerifierKey(name: name, type: type, publicKey: Array(key.publicKey.rawRepresentation))
    }

    /// The same key with another signature type (a node signs checkpoints with 0x01 and
    /// cosigns with 0x04; the key IDs differ, so the uses stay apart).
    public func withType(_ type: SignatureType) -> SignerKey {
        try! SignerKey(name: name, type: type, seed: Array(key.rawRepresentation))
    }

    /// The same key under another name (a node's key as its chain's checkpoint signer).
    public func renamed(_ name: String) throws(LedgerError) -> SignerKey {
        try SignerKey(name: name, type: type, seed: Array(key.rawRepresentation))
    }

    /// The signer key text. It holds the private key: store it with mode 0600.
    public var text: String {
        "PRIVATE+KEY+\(name)+\(verifierKey.keyID)+" + Data([type.rawValue] + Array(key.rawRepresentation)).base64EncodedString()
    }

    /// A redacted description: never the key material.
    public var description: String { "SignerKey(\(name), \(type))" }

    /// Signs a note text. For a cosignature key, `timestamp` (POSIX seconds) is signed with it.
    public func sign(text: [UInt8], timestamp: UInt64 = 0) throws(LedgerError) -> NoteSignature {
        let signature: [UInt8]
        do {
            switch type {
            case .ed25519:
                signature = Array(try key.signature(for: text))
            case .cosignature:
                guard timestamp <= UInt64(Int64.max) else {
                    throw LedgerError(.malformedCosignature, "cosignature timestamp \(timestamp) exceeds 2^63-1")
                }
                let message = Cosignature.message(text: text, timestamp: timestamp)
                signature = Cosignature.timestampBytes(timestamp) + Array(try key.signature(for: message))
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.badSignature, "signing failed: \(error)")
        }
        return NoteSignature(name: name, keyID: verifierKey.keyID, signature: signature)
    }
}

/// Key text helpers shared by verifier and signer keys.
enum KeyText {
    static func decode(name: String, keyID: Substring, key: Substring) throws(LedgerError) -> (SignatureType, [UInt8]) {
        guard NoteName.isValid(name) else { throw LedgerError(.malformedKey, "invalid key name \(NoteName.quoted(name))") }
        guard keyID.count == 8, let idBytes = Hex.decode(keyID) else {
            throw LedgerError(.malformedKey, "key ID \(keyID.prefix(16)) is not 8 hex digits")
        }
        guard let raw = Data(base64Encoded: String(key)), !raw.isEmpty else {
            throw LedgerError(.malformedKey, "key material is not valid base64")
        }
        guard let type = SignatureType(rawValue: raw[raw.startIndex]) else {
            throw LedgerError(.malformedKey, "unsupported signature type 0x\(Hex.encode([raw[raw.startIndex]]))")
        }
        let publicKey = Array(raw.dropFirst())
        guard publicKey.count == 32 else {
            throw LedgerError(.malformedKey, "Ed25519 public key is \(publicKey.count) bytes, want 32")
        }
        let computed = KeyID(name: name, type: type, publicKey: publicKey)
        guard computed.bytes == idBytes else {
            throw LedgerError(.malformedKey, "key ID \(keyID) does not match the key (want \(computed))")
        }
        return (type, publicKey)
    }
}

/// Key name rules of C2SP signed-note.
public enum NoteName {
    /// Names are non-empty and contain no Unicode white space and no `+`.
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 512
            && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 }
    }

    /// A short, printable rendering of a name for messages.
    static func quoted(_ name: String) -> String {
        let escaped = name.prefix(64).unicodeScalars.map { $0.escaped(asASCII: true) }.joined()
        return "\"\(escaped)\""
    }
}
