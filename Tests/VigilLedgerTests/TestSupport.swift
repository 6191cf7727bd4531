import Crypto
import VigilLedger



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
