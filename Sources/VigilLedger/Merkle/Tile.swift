/// A tile of a C2SP `tlog-tiles` log: up to 256 consecutive hashes at tree level `8 * level`,
/// served at `tile/<L>/<N>[.p/<W>]` (or an entry bundle at `tile/entries/<N>[.p/<W>]`).
public struct TileID: Hashable, Sendable, CustomStringConvertible {
    /// Hashes per full tile.
    public static let fullWidth = 256
    /// Tree levels per tile level.
    public static let height: UInt8 = 8

    /// Tile level, 0...63. Level 0 holds leaf hashes.
    public var level: UInt8
    /// Position of the tile within its level.
    public var index: UInt64
    /// Number of hashes: 256 for a full tile, 1...255 for a partial one.
    public var width: Int

    /// Creates tile coordinates.
    /// - Throws: ``LedgerError/Code/malformedTile`` when `level > 63` or `width` is not 1...256.
    public init(level: UInt8, index: UInt64, width: Int = TileID.fullWidth) throws(LedgerError) {
        guard level <= 63 else { throw LedgerError(.malformedTile, "tile level \(level) > 63") }
        guard (1...TileID.fullWidth).contains(width) else {
            throw LedgerError(.malformedTile, "tile width \(width) is not 1...256")
        }
        self.level = level
        self.index = index
        self.width = width
    }

    /// Whether this tile has all 256 hashes.
    public var isFull: Bool { width == TileID.fullWidth }

    /// The tree nodes whose hashes the tile holds, left to right. Tiles above level 7 would
    /// cover more than 2^64 leaves, so they hold no nodes of any tree.
    public var nodes: [NodeID] {
        guard level < 8, index <= UInt64.max / UInt64(TileID.fullWidth) else { return [] }
        let first = index * UInt64(TileID.fullWidth)
        return (0..<UInt64(width)).map { NodeID(level: level &* TileID.height, index: first + $0) }
    }

    /// The path of this hash tile below the log's prefix, e.g. `tile/0/x001/x234/067.p/8`.
    public var path: String { "tile/\(level)/" + TileID.encode(index: index, width: width) }

    /// The path of the entry bundle with the same index and width, e.g. `tile/entries/067`.
    public var entriesPath: String { "tile/entries/" + TileID.encode(index: index, width: width) }

    public var description: String { path }

    /// The tiles, full and partial, that a tree of `size` leaves is served as: for each level the
    /// full tiles, then the partial tile if the level's width is not a multiple of 256.
    public static func tiles(forTreeSize size: TreeSize) -> [TileID] {
        var tiles: [TileID] = []
        var level: UInt8 = 0
        var count = size.rawValue  // hashes at tree level 8 * level
        while count > 0 {
            let full = count / UInt64(fullWidth)
            for n in 0..<full { tiles.append(try! TileID(level: level, index: n)) }
            let rest = Int(count % UInt64(fullWidth))
            if rest > 0 { tiles.append(try! TileID(level: level, index: full, width: rest)) }
            count = full
            level += 1
        }
        return tiles
    }

    /// Where a stored node's hash is found: the tile (with the width it has in a tree of `size`)
    /// and the positions of the tile's hashes under the node.
    ///
    /// Nodes at tree levels that are not multiples of 8 are recomputed from the 2^r hashes of a
    /// tile under them (r is the level's remainder) with ``MerkleHasher/perfectRoot(_:)``.
    /// - Throws: ``LedgerError/Code/malformedTile`` when the node is not complete in a tree of `size`.
    public static func locate(_ node: NodeID, inTreeOfSize size: TreeSize) throws(LedgerError) -> (
        tile: TileID, hashes: Range<Int>
    ) {
        // Complete in the tree iff (index + 1) << level <= size, computed without overflow.
        guard node.level < 64, node.index < size.rawValue >> UInt64(node.level) else {
            throw LedgerError(.malformedTile, "node \(node) is not complete in a tree of size \(size)")
        }
        let tileLevel = node.level / height
        let remainder = node.level % height
        let baseLevel = tileLevel * height
        let firstHash = node.index << UInt64(remainder)  // index at tree level 8 * tileLevel
        let tileIndex = firstHash / UInt64(fullWidth)
        let hashesAtBase = size.rawValue >> UInt64(baseLevel)
        let width = Int(min(UInt64(fullWidth), hashesAtBase - tileIndex * UInt64(fullWidth)))
        let start = Int(firstHash % UInt64(fullWidth))
        let tile = try TileID(level: tileLevel, index: tileIndex, width: width)
        return (tile, start..<(start + (1 << Int(remainder))))
    }

    /// Parses a hash-tile path `tile/<L>/<N>[.p/<W>]`.
    /// - Throws: ``LedgerError/Code/malformedTile`` with the reason.
    public init(path: String) throws(LedgerError) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "tile", parts[1] != "entries" else {
            throw LedgerError(.malformedTile, "not a hash tile path: \(path.prefix(100))")
        }
        guard let level = StrictDecimal.parse(parts[1]), level <= 63 else {
            throw LedgerError(.malformedTile, "bad tile level \(parts[1].prefix(20))")
        }
        let (index, width) = try TileID.decode(parts[2...])
        try self.init(level: UInt8(level), index: index, width: width)
    }

    /// Parses an entry-bundle path `tile/entries/<N>[.p/<W>]`; the result has level 0.
    public init(entriesPath path: String) throws(LedgerError) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "tile", parts[1] == "entries" else {
            throw LedgerError(.malformedTile, "not an entry bundle path: \(path.prefix(100))")
        }
        let (index, width) = try TileID.decode(parts[2...])
        try self.init(level: 0, index: index, width: width)
    }

    /// Encodes `index` as zero-padded 3-digit elements, all but the last prefixed with `x`, then
    /// `.p/<W>` for a partial width.
    static func encode(index: UInt64, width: Int) -> String {
        var groups: [String] = []
        var n = index
        repeat {
            let group = String(n % 1000)
            groups.append(String(repeating: "0", count: 3 - group.count) + group)
            n /= 1000
        } while n > 0
        groups.reverse()
        var path = groups.dropLast().map { "x" + $0 }.joined(separator: "/")
        if !path.isEmpty { path += "/" }
        path += groups.last!
        if width < fullWidth { path += ".p/\(width)" }
        return path
    }

    private static func decode(_ parts: ArraySlice<Substring>) throws(LedgerError) -> (UInt64, Int) {
        var elements = Array(parts)
        var width = fullWidth
        // A partial tile ends in "<NNN>.p/<W>".
        if elements.count >= 2, elements[elements.count - 2].hasSuffix(".p") {
            guard let w = StrictDecimal.parse(elements.removeLast()), w >= 1, w < UInt64(fullWidth) else {
                throw LedgerError(.malformedTile, "bad partial tile width in \(parts.joined(separator: "/").prefix(100))")
            }
            width = Int(w)
            elements[elements.count - 1] = elements[elements.count - 1].dropLast(2)
        }
        guard !elements.isEmpty, elements.count <= 7 else {
            throw LedgerError(.malformedTile, "bad tile index \(parts.joined(separator: "/").prefix(100))")
        }
        var index: UInt64 = 0
        for (i, element) in elements.enumerated() {
            var digits = element
            if i < elements.count - 1 {
                guard digits.first == "x" else {
                    throw LedgerError(.malformedTile, "tile index element \(element.prefix(8)) lacks the x prefix")
                }
                digits = digits.dropFirst()
            }
            guard digits.count == 3, digits.utf8.allSatisfy({ (48...57).contains($0) }), let group = UInt64(digits)
            else {
                throw LedgerError(.malformedTile, "tile index element \(element.prefix(8)) is not three digits")
            }
            let (scaled, overflow1) = index.multipliedReportingOverflow(by: 1000)
            let (sum, overflow2) = scaled.addingReportingOverflow(group)
            guard !overflow1, !overflow2 else { throw LedgerError(.malformedTile, "tile index overflows") }
            index = sum
        }
        // Only the tile's own encoding names it: no redundant x000 groups.
        let canonical = encode(index: index, width: width)
        guard canonical == parts.joined(separator: "/") else {
            throw LedgerError(.malformedTile, "tile path \(parts.joined(separator: "/").prefix(100)) is not in canonical form \(canonical)")
        }
        return (index, width)
    }
}
