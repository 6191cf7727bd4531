#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A SHA-256 hash: a Merkle tree node, a leaf hash or a root.
///
/// Stored inline (no heap allocation), so trees and proofs can hold many of them cheaply.
public struct Hash: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The number of bytes in a hash.
    public static let byteCount = 32

    // The 32 bytes in memory order.
    private var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Creates a hash from exactly 32 bytes of raw memory.
    /// - Precondition: `buffer.count >= 32`.
    @usableFromInline
    init(unsafeBytes buffer: UnsafeRawBufferPointer) {
        self.init(
            buffer.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
            buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            buffer.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
            buffer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    @usableFromInline
    init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Creates a hash from its 32 bytes.
    /// - Throws: ``LedgerError/Code/malformedHash`` when `bytes` is not 32 bytes long.
    public init(bytes: some Collection<UInt8>) throws(LedgerError) {
        guard bytes.count == Hash.byteCount else {
            throw LedgerError(.malformedHash, "hash is \(bytes.count) bytes, want 32")
        }
        let array = Array(bytes)
        self = array.withUnsafeBytes { Hash(unsafeBytes: $0) }
    }

    /// Parses standard (RFC 4648 §4) base64 of 32 bytes.
    /// - Throws: ``LedgerError/Code/malformedHash`` for bad base64 or a wrong length.
    public init(base64: some StringProtocol) throws(LedgerError) {
        guard let data = Data(base64Encoded: String(base64)) else {
            throw LedgerError(.malformedHash, "hash is not valid base64: \(base64.prefix(64))")
        }
        try self.init(bytes: data)
    }

    /// Parses 64 lowercase or uppercase hexadecimal digits.
    public init(hex: some StringProtocol) throws(LedgerError) {
        guard let bytes = Hex.decode(hex) else {
            throw LedgerError(.malformedHash, "hash is not valid hex: \(hex.prefix(80))")
        }
        try self.init(bytes: bytes)
    }

    /// Calls `body` with the hash's 32 bytes.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self) { try body($0) }
    }

    /// The 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Standard base64 of the 32 bytes.
    public var base64: String { Data(bytes).base64EncodedString() }

    /// Lowercase hexadecimal of the 32 bytes.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { base64 }

    public static func < (lhs: Hash, rhs: Hash) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// Hexadecimal encoding helpers.
package enum Hex {
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = value(utf8[i]), let lo = value(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
