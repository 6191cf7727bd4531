import Crypto
import VigilLedger

/// A deterministic generator for test inputs (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum TestHex {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static func decode(_ hex: String) -> [UInt8] {
        let chars = Array(hex.utf8)
        return stride(from: 0, to: chars.count, by: 2).map { UInt8(String(decoding: chars[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    static func sha256(_ bytes: [UInt8]) -> String { encode(SHA256.hash(data: bytes)) }
}

extension Hash {
    /// The same hash with bit `bit` (0..<256) flipped.
    func flipping(bit: Int) -> Hash {
        var b = bytes
        b[bit / 8] ^= 1 << UInt8(bit % 8)
        return try! Hash(bytes: b)
    }
}
