#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One signature line of a note: `— <name> base64(keyID || signature)`.
public struct NoteSignature: Hashable, Sendable {
    public var name: String
    public var keyID: KeyID
    /// The signature bytes after the key ID.
    public var signature: [UInt8]

    public init(name: String, keyID: KeyID, signature: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// The base64 field of the line.
    public var base64: String { Data(keyID.bytes + signature).base64EncodedString() }

    /// The whole line, with its final newline.
    public var line: String { "\u{2014} \(name) \(base64)\n" }
}

/// A C2SP signed note: a UTF-8 text ending in a newline, a blank line, and signature lines.
///
/// Parsing checks the format only; ``VerifierSet/verify(_:)`` checks the signatures.
public struct Note: Hashable, Sendable {
    /// Largest note accepted, in bytes.
    public static let maxSize = 1 << 20
    /// Most signature lines accepted (as golang.org/x/mod/sumdb/note).
    public static let maxSignatures = 100
    /// Longest signature line accepted, in bytes.
    public static let maxSignatureLineLength = 8 * 1024

    /// The text, including its final newline.
    public var text: String
    /// The signature lines, in order.
    public var signatures: [NoteSignature]

    /// Creates a note.
    /// - Throws: ``LedgerError/Code/malformedNote`` when `text` is not a valid note text.
    public init(text: String, signatures: [NoteSignature] = []) throws(LedgerError) {
        try Note.checkText(Array(text.utf8))
        self.text = text
        self.signatures = signatures
    }

    /// Parses a signed note.
    /// - Throws: ``LedgerError/Code/malformedNote`` with the reason.
    public init(parsing bytes: [UInt8]) throws(LedgerError) {
        guard bytes.count <= Note.maxSize else {
            throw LedgerError(.malformedNote, "note is \(bytes.count) bytes, at most \(Note.maxSize)")
        }
        try Note.checkCharacters(bytes)
        // The text ends at the last blank line.
        var split: Int? = nil
        if bytes.count >= 2 {
            for i in stride(from: bytes.count - 2, through: 0, by: -1) where bytes[i] == 0x0A && bytes[i + 1] == 0x0A {
                split = i
                break
            }
        }
        guard let split else { throw LedgerError(.malformedNote, "note has no blank line before the signatures") }
        let textBytes = Array(bytes[...split])
        let signatureBytes = bytes[(split + 2)...]
        guard !signatureBytes.isEmpty else { throw LedgerError(.malformedNote, "note has no signature lines") }
        guard signatureBytes.last == 0x0A else {
            throw LedgerError(.malformedNote, "the last signature line does not end in a newline")
        }
        var signatures: [NoteSignature] = []
        for (n, line) in signatureBytes.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            guard signatures.count < Note.maxSignatures else {
                throw LedgerError(.malformedNote, "note has more than \(Note.maxSignatures) signatures")
            }
            signatures.append(try Note.parseSignatureLine(Array(line), number: n + 1))
        }
        self.text = String(decoding: textBytes, as: UTF8.self)
        self.signatures = signatures
    }

    /// Parses a note from a string.
    public init(parsing text: String) throws(LedgerError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// The note as text: the text, a blank line and the signature lines.
    public var formatted: String { text + "\n" + signatures.map(\.line).joined() }

    /// The note as bytes.
    public var bytes: [UInt8] { Array(formatted.utf8) }

    /// Returns the note with a signature by each of `signers` added (replacing an existing
    /// signature by the same name and key ID).
    /// - Parameter timestamp: POSIX seconds, used by cosignature keys.
    public func signed(by signers: [SignerKey], timestamp: UInt64 = 0) throws(LedgerError) -> Note {
        let textBytes = Array(text.utf8)
        var result = self
        for signer in signers {
            let signature = try signer.sign(text: textBytes, timestamp: timestamp)
            result.signatures.removeAll { $0.name.sameBytes(signature.name) && $0.keyID == signature.keyID }
            result.signatures.append(signature)
        }
        guard result.signatures.count <= Note.maxSignatures else {
            throw LedgerError(.malformedNote, "note would have more than \(Note.maxSignatures) signatures")
        }
        return result
    }

    // MARK: Rules

    /// Valid UTF-8 without control characters other than newline.
    static func checkCharacters(_ bytes: [UInt8]) throws(LedgerError) {
        if let i = bytes.firstIndex(where: { $0 < 0x20 && $0 != 0x0A }) {
            throw LedgerError(.malformedNote, "note has control character 0x\(Hex.encode([bytes[i]])) at byte \(i)")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw LedgerError(.malformedNote, "note is not valid UTF-8")
        }
    }

    static func checkText(_ bytes: [UInt8]) throws(LedgerError) {
        try checkCharacters(bytes)
        guard bytes.last == 0x0A else { throw LedgerError(.malformedNote, "note text does not end in a newline") }
        guard bytes.count <= maxSize else { throw LedgerError(.malformedNote, "note text is larger than \(maxSize) bytes") }
    }

    private static let signaturePrefix: [UInt8] = Array("\u{2014} ".utf8)

    private static func parseSignatureLine(_ line: [UInt8], number: Int) throws(LedgerError) -> NoteSignature {
        guard line.count <= maxSignatureLineLength else {
            throw LedgerError(.malformedNote, "signature line \(number) is longer than \(maxSignatureLineLength) bytes")
        }
        guard line.starts(with: signaturePrefix) else {
            throw LedgerError(.malformedNote, "line \(number) after the blank line is not a signature line (\u{2014} name signature)")
        }
        let rest = line.dropFirst(signaturePrefix.count)
        guard let space = rest.firstIndex(of: 0x20) else {
            throw LedgerError(.malformedNote, "signature line \(number) has no signature after the key name")
        }
        let name = String(decoding: rest[..<space], as: UTF8.self)
        let base64 = String(decoding: rest[(space + 1)...], as: UTF8.self)
        guard NoteName.isValid(name) else {
            throw LedgerError(.malformedNote, "signature line \(number) has invalid key name \(NoteName.quoted(name))")
        }
        guard !base64.isEmpty, let raw = Data(base64Encoded: base64) else {
            throw LedgerError(.malformedNote, "signature line \(number) is not valid base64")
        }
        guard raw.count >= 5 else {
            throw LedgerError(.malformedNote, "signature line \(number) holds \(raw.count) bytes, need a key ID and a signature")
        }
        let bytes = Array(raw)
        let keyID = KeyID(rawValue: UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3]))
        return NoteSignature(name: name, keyID: keyID, signature: Array(bytes[4...]))
    }
}

/// A signature that verified, with the cosignature timestamp when it is one.
public struct VerifiedSignature: Hashable, Sendable {
    public var name: String
    public var keyID: KeyID
    public var type: SignatureType
    /// For a cosignature, the POSIX time it was made.
    public var timestamp: UInt64?
}

/// A note whose signatures were checked against a ``VerifierSet``.
public struct VerifiedNote: Hashable, Sendable {
    /// The note as parsed.
    public var note: Note
    /// Signatures by known keys, all valid, in note order (a repeated one listed once).
    public var verified: [VerifiedSignature]
    /// Signatures by keys the set does not know: ignored, never trusted.
    public var unknown: [NoteSignature]

    /// The note text; trust it only because ``verified`` is not empty.
    public var text: String { note.text }
}

/// The known keys against which notes are verified.
///
/// The C2SP rules: signatures by unknown keys are ignored; a signature by a known key (same name
/// and key ID) must verify, or the whole note is rejected; at least one must verify.
public struct VerifierSet: Sendable {
    private var byID: [Key: VerifierKey] = [:]

    // Names compare byte for byte (C2SP): "K" and the Kelvin sign are different names, though
    // Swift's String equality would call them equal.
    private struct Key: Hashable {
        var name: [UInt8]
        var keyID: KeyID
        init(name: String, keyID: KeyID) {
            self.name = Array(name.utf8)
            self.keyID = keyID
        }
    }

    /// The keys, in no particular order.
    public var keys: [VerifierKey] { Array(byID.values) }

    /// A set of known keys.
    /// - Throws: ``LedgerError/Code/ambiguousKey`` when two keys share a name and key ID.
    public init(_ keys: [VerifierKey]) throws(LedgerError) {
        for key in keys {
            let id = Key(name: key.name, keyID: key.keyID)
            guard byID[id] == nil else {
                throw LedgerError(.ambiguousKey, "ambiguous key \(key.name)+\(key.keyID): given twice")
            }
            byID[id] = key
        }
    }

    /// The known key for a signature line, if any.
    public func key(for signature: NoteSignature) -> VerifierKey? {
        byID[Key(name: signature.name, keyID: signature.keyID)]
    }

    /// Parses `bytes` as a note and verifies it.
    /// - Throws: ``LedgerError/Code/malformedNote``, ``LedgerError/Code/badSignature`` (a known key's
    ///   signature fails) or ``LedgerError/Code/noVerifiedSignature``.
    public func verify(_ bytes: [UInt8]) throws(LedgerError) -> VerifiedNote {
        try verify(try Note(parsing: bytes))
    }

    /// Verifies a parsed note.
    public func verify(_ note: Note) throws(LedgerError) -> VerifiedNote {
        let text = Array(note.text.utf8)
        var verified: [VerifiedSignature] = []
        var unknown: [NoteSignature] = []
        var seen = Set<Key>()
        for signature in note.signatures {
            guard let key = key(for: signature) else {
                if !unknown.contains(where: { $0.line.sameBytes(signature.line) }) { unknown.append(signature) }
                continue
            }
            guard seen.insert(Key(name: signature.name, keyID: signature.keyID)).inserted else { continue }
            guard key.verify(text: text, signature: signature.signature) else {
                throw LedgerError(.badSignature, "signature by known key \(key.name)+\(key.keyID) does not verify")
            }
            let timestamp = key.type == .cosignature ? (try? CosignatureBytes(signature.signature))?.timestamp : nil
            verified.append(VerifiedSignature(name: key.name, keyID: key.keyID, type: key.type, timestamp: timestamp))
        }
        guard !verified.isEmpty else {
            throw LedgerError(
                .noVerifiedSignature,
                "no signature by a known key (note has \(note.signatures.count) signatures: "
                    + note.signatures.map { "\($0.name)+\($0.keyID)" }.prefix(8).joined(separator: ", ") + ")")
        }
        return VerifiedNote(note: note, verified: verified, unknown: unknown)
    }
}

extension String {
    /// Byte-for-byte equality of the UTF-8 encodings, as the C2SP formats compare names (Swift's
    /// `==` treats canonically equivalent strings as equal).
    package func sameBytes(_ other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}
