public import Crypto

/// RFC 9162 §2.1.1 hashing: `SHA-256(0x00 || data)` for leaves and
/// `SHA-256(0x01 || left || right)` for interior nodes.
public enum MerkleHasher {
    /// The root of the empty tree, `SHA-256("")`.
    public static let emptyRoot: Hash = Hash(digest: SHA256.hash(data: [UInt8]()))

    /// The leaf hash of `data`.
    public static func leafHash(_ data: [UInt8]) -> Hash {
        data.withUnsafeBytes { leafHash(unsafeBytes: $0) }
    }

    /// The leaf hash of the bytes in `buffer`.
    public static func leafHash(unsafeBytes buffer: UnsafeRawBufferPointer) -> Hash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: buffer)
        return Hash(digest: hasher.finalize())
    }

    /// The hash of an interior node with children `left` and `right`.
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = 1
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[33..<65]).copyMemory(from: $0) }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
            return Hash(digest: hasher.finalize())
        }
    }

    /// The root of a perfect subtree from its 2^k bottom hashes, left to right (for example a
    /// node recomputed from the hashes of a tile).
    /// - Precondition: `hashes.count` is a power of two.
    public static func perfectRoot(_ hashes: some Collection<Hash>) -> Hash {
        precondition(hashes.count > 0 && hashes.count & (hashes.count - 1) == 0, "perfectRoot needs 2^k hashes")
        var level = Array(hashes)
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { nodeHash(level[$0], level[$0 + 1]) }
        }
        return level[0]
    }

    /// The root of the ragged range whose perfect subtrees, left to right, have `hashes`:
    /// they are folded from the right, as RFC 9162's MTH does.
    /// - Precondition: `hashes` is not empty.
    public static func fold(_ hashes: some BidirectionalCollection<Hash>) -> Hash {
        var iterator = hashes.reversed().makeIterator()
        guard var root = iterator.next() else { preconditionFailure("fold of no hashes") }
        while let left = iterator.next() { root = nodeHash(left, root) }
        return root
    }
}

extension Hash {
    /// Creates a hash from a SHA-256 digest.
    public init(digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { Hash(unsafeBytes: $0) }
    }
}
