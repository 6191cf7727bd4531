/// C2SP tlog-cosignature, Ed25519 (`cosignature/v1`, signature type 0x04).
public enum Cosignature {
    /// The signed message: `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint text.
    public static func message(text: [UInt8], timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + text
    }

    static func timestampBytes(_ timestamp: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * UInt64($0))) }
    }
}

/// The bytes of an Ed25519 cosignature after the key ID: a big-endian u64 timestamp and a
/// 64-byte signature.
public struct CosignatureBytes: Hashable, Sendable {
    /// POSIX seconds at which the cosigner signed.
    public var timestamp: UInt64
    /// The Ed25519 signature over ``Cosignature/message(text:timestamp:)``.
    public var signature: [UInt8]

    /// Splits the 72 bytes that follow the key ID.
    /// - Throws: ``LedgerError/Code/malformedCosignature`` for another length or a timestamp above
    ///   2^63-1.
    public init(_ bytes: [UInt8]) throws(LedgerError) {
        guard bytes.count == 72 else {
            throw LedgerError(.malformedCosignature, "cosignature is \(bytes.count + 4) bytes with its key ID, want 76")
        }
        let timestamp = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard timestamp <= UInt64(Int64.max) else {
            throw LedgerError(.malformedCosignature, "cosignature timestamp \(timestamp) exceeds 2^63-1")
        }
        self.timestamp = timestamp
        self.signature = Array(bytes[8...])
    }

    /// Parses the note signature line's bytes, key ID included.
    public init(signatureLine signature: NoteSignature) throws(LedgerError) {
        try self.init(signature.signature)
    }
}
