/// The number of leaves in a Merkle tree.
public struct TreeSize: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }
    public init(integerLiteral value: UInt64) { self.rawValue = value }
    public static func < (lhs: TreeSize, rhs: TreeSize) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// The zero-based position of a leaf in a Merkle tree.
public struct LeafIndex: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }
    public init(integerLiteral value: UInt64) { self.rawValue = value }
    public static func < (lhs: LeafIndex, rhs: LeafIndex) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// A node of a Merkle tree that is the root of a perfect subtree: `level` 0 is a leaf, and the
/// node at (`level`, `index`) covers leaves `index << level ..< (index + 1) << level`.
///
/// Only such nodes are ever stored; hashes of the ragged right edge of a tree are recomputed
/// from them (RFC 9162 trees, as in transparency-dev/merkle's `compact.NodeID`).
public struct NodeID: Hashable, Sendable, CustomStringConvertible {
    /// Height of the node above the leaves.
    public var level: UInt8
    /// Position of the node among the nodes of its level, from the left.
    public var index: UInt64

    public init(level: UInt8, index: UInt64) {
        self.level = level
        self.index = index
    }

    /// The leaves this node covers.
    /// - Precondition: the node fits in a tree of at most 2^64 - 1 leaves
    ///   (`index < UInt64.max >> level`).
    public var coverage: Range<UInt64> {
        precondition(level < 64 && index < UInt64.max >> UInt64(level), "node \(self) lies beyond 2^64 leaves")
        return (index << level)..<((index + 1) << level)
    }

    public var description: String { "(\(level),\(index))" }
}

extension NodeID {
    /// The perfect subtrees, left to right, whose leaves make up `begin..<end`.
    ///
    /// Each is the largest aligned power of two that fits, so the list has O(log n) entries.
    public static func decompose(_ range: Range<UInt64>) -> [NodeID] {
        var nodes: [NodeID] = []
        decompose(range, into: &nodes)
        return nodes
    }

    /// Appends the decomposition of `range` to `nodes`.
    public static func decompose(_ range: Range<UInt64>, into nodes: inout [NodeID]) {
        var begin = range.lowerBound
        let end = range.upperBound
        while begin < end {
            // Largest power of two that divides `begin` (any, when begin is 0) and fits.
            var level = begin == 0 ? 63 : UInt8(begin.trailingZeroBitCount)
            while level > 0 && (end - begin) < (UInt64(1) << level) { level -= 1 }
            nodes.append(NodeID(level: level, index: begin >> level))
            begin += UInt64(1) << level
        }
    }
}

/// The number rule shared by the C2SP text formats (tile paths, checkpoints, policies, proofs,
/// witness requests): ASCII decimal digits with no leading zeroes (except "0"), fitting in 64 bits.
enum StrictDecimal {
    static func parse(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }),
            text == "0" || text.first != "0"
        else { return nil }
        return UInt64(text)
    }
}
