/// How much of a QR symbol may be damaged and still be read (ISO/IEC 18004:2015, 4.15 and Table 9).
///
/// Higher levels spend more codewords on Reed–Solomon redundancy, so the same payload needs a
/// larger version. Health codes shown on phone screens read well at ``medium``; printed codes
/// that may be scuffed or partly covered are better at ``quartile`` or ``high``.
public enum QRErrorCorrection: String, Sendable, CaseIterable {
    /// Level L: about 7 % of the codewords can be restored.
    case low = "L"
    /// Level M: about 15 % of the codewords can be restored.
    case medium = "M"
    /// Level Q: about 25 % of the codewords can be restored.
    case quartile = "Q"
    /// Level H: about 30 % of the codewords can be restored.
    case high = "H"
}

extension QRErrorCorrection {
    /// The two-bit error correction indicator of the format information (Table 12):
    /// L 01, M 00, Q 11, H 10.
    var formatIndicator: Int {
        switch self {
        case .low: 0b01
        case .medium: 0b00
        case .quartile: 0b11
        case .high: 0b10
        }
    }

    /// The level whose ``formatIndicator`` is the low two bits of `indicator`.
    init(formatIndicator indicator: Int) {
        switch indicator & 0b11 {
        case 0b01: self = .low
        case 0b00: self = .medium
        case 0b11: self = .quartile
        default: self = .high
        }
    }

    /// Row of this level in ``QRTables``' per-level tables (L, M, Q, H).
    var tableIndex: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }
}

/// Segment modes of a QR bit stream (Table 2), with their four-bit mode indicators.
enum QRSegmentMode: Int, Sendable {
    case terminator = 0b0000
    case numeric = 0b0001
    case alphanumeric = 0b0010
    case structuredAppend = 0b0011
    case byte = 0b0100
    case fnc1FirstPosition = 0b0101
    case eci = 0b0111
    case kanji = 0b1000
    case fnc1SecondPosition = 0b1001

    /// Length of the character count indicator in a symbol of `version` (Table 3), or 0 for
    /// modes that carry no count.
    func characterCountBits(version: Int) -> Int {
        let column = version <= 9 ? 0 : version <= 26 ? 1 : 2
        switch self {
        case .numeric: return [10, 12, 14][column]
        case .alphanumeric: return [9, 11, 13][column]
        case .byte: return [8, 16, 16][column]
        case .kanji: return [8, 10, 12][column]
        default: return 0
        }
    }
}

/// Constants of ISO/IEC 18004:2015 for QR Code versions 1–40.
///
/// Per-level tables are indexed `[level.tableIndex][version]`; index 0 of each row is unused so
/// versions index directly.
enum QRTables {
    /// The versions this implementation encodes and decodes (Micro QR is not supported).
    static let versions: ClosedRange<Int> = 1...40

    /// Modules per side of a symbol of `version`: 17 + 4 × version.
    static func size(version: Int) -> Int { 17 + 4 * version }

    /// Error correction codewords in each block (Table 9).
    static let ecCodewordsPerBlock: [[Int]] = [
        // 0   1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17  18  19  20
        [-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
         28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],  // L
        [-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
         26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],  // M
        [-1, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
         28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],  // Q
        [-1, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
         30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],  // H
    ]

    /// Number of error correction blocks (Table 9).
    static let blockCounts: [[Int]] = [
        // 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20
        [-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
         8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],  // L
        [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
         17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],  // M
        [-1, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
         23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],  // Q
        [-1, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
         25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],  // H
    ]

    /// Modules available for data and error correction codewords, including remainder bits:
    /// the symbol minus finder patterns with separators, timing patterns, alignment patterns,
    /// format information, the dark module and (version ≥ 7) version information.
    static func dataModuleCount(version: Int) -> Int {
        var count = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            // Alignment patterns (25 modules each, minus the overlaps with the timing patterns).
            count -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { count -= 36 }
        }
        return count
    }

    /// Codewords (data and error correction) in a symbol of `version` (Table 1).
    static func totalCodewords(version: Int) -> Int { dataModuleCount(version: version) / 8 }

    /// Data codewords in a symbol of `version` at `level` (Table 7).
    static func dataCodewords(version: Int, level: QRErrorCorrection) -> Int {
        totalCodewords(version: version)
            - ecCodewordsPerBlock[level.tableIndex][version] * blockCounts[level.tableIndex][version]
    }

    /// The largest byte-mode payload of a single segment at `version` and `level` (Table 7).
    static func byteCapacity(version: Int, level: QRErrorCorrection) -> Int {
        let header = 4 + QRSegmentMode.byte.characterCountBits(version: version)
        return (dataCodewords(version: version, level: level) * 8 - header) / 8
    }

    /// Misdecode protection codewords `p` of Table 9: for the smallest symbols some error
    /// correction codewords only detect errors, so fewer errors may be corrected.
    static func misdecodeProtection(version: Int, level: QRErrorCorrection) -> Int {
        switch (version, level) {
        case (1, .low): 3
        case (1, .medium), (2, .low): 2
        case (1, .quartile), (1, .high), (3, .low): 1
        default: 0
        }
    }

    /// Row and column coordinates of alignment pattern centres (Annex E): 6, then evenly spaced
    /// (even) steps ending at size − 7. The patterns sit at every pair of these coordinates
    /// except the three that overlap finder patterns.
    static func alignmentPatternCenters(version: Int) -> [Int] {
        guard version >= 2 else { return [] }
        let count = version / 7 + 2
        let step = version == 32 ? 26 : (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
        let last = size(version: version) - 7
        return [6] + (0..<(count - 1)).reversed().map { last - $0 * step }
    }

    /// The 15-bit format information for `level` and `mask`: five data bits, BCH(15,5) error
    /// correction with generator 0x537, XOR-masked with 0x5412 (7.9.1 and Annex C).
    static func formatBits(level: QRErrorCorrection, mask: Int) -> Int {
        formatBits(data: level.formatIndicator << 3 | mask)
    }

    /// The 15-bit format codeword for five data bits.
    static func formatBits(data: Int) -> Int {
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        return (data << 10 | remainder) ^ 0x5412
    }

    /// All 32 valid format codewords, indexed by their five data bits.
    static let allFormatBits: [Int] = (0..<32).map { formatBits(data: $0) }

    /// The 18-bit version information for `version` ≥ 7: six data bits and BCH(18,6) error
    /// correction with generator 0x1F25 (7.10 and Annex D).
    static func versionBits(version: Int) -> Int {
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        return version << 12 | remainder
    }
}

/// How a symbol's codewords are split into Reed–Solomon blocks and interleaved (7.5.2, 7.6).
///
/// A symbol has `blockCount` blocks, each with `ecCodewordsPerBlock` error correction
/// codewords. The first `shortBlockCount` blocks carry `shortDataLength` data codewords, the rest
/// one more. The final sequence takes data codeword 0 of every block, then codeword 1, and so on
/// (short blocks are skipped once exhausted), followed by the error correction codewords in the
/// same column order.
struct QRBlockStructure: Sendable, Equatable {
    /// Error correction codewords in each block.
    let ecCodewordsPerBlock: Int
    /// Number of blocks.
    let blockCount: Int
    /// Number of blocks with ``shortDataLength`` data codewords; the others have one more.
    let shortBlockCount: Int
    /// Data codewords in each of the first ``shortBlockCount`` blocks.
    let shortDataLength: Int
    /// Errors each block may correct: half its error correction codewords, less the misdecode
    /// protection codewords of the smallest symbols.
    let correctableErrorsPerBlock: Int

    /// The block structure of a symbol of `version` (1–40) at `level`.
    init(version: Int, level: QRErrorCorrection) {
        let row = level.tableIndex
        ecCodewordsPerBlock = QRTables.ecCodewordsPerBlock[row][version]
        blockCount = QRTables.blockCounts[row][version]
        let total = QRTables.totalCodewords(version: version)
        shortBlockCount = blockCount - total % blockCount
        shortDataLength = total / blockCount - ecCodewordsPerBlock
        correctableErrorsPerBlock =
            (ecCodewordsPerBlock - QRTables.misdecodeProtection(version: version, level: level)) / 2
    }

    /// Data codewords in block `block`.
    func dataLength(ofBlock block: Int) -> Int {
        block < shortBlockCount ? shortDataLength : shortDataLength + 1
    }

    /// Data codewords in all blocks.
    var totalDataCodewords: Int { blockCount * shortDataLength + (blockCount - shortBlockCount) }

    /// Codewords in all blocks.
    var totalCodewords: Int { totalDataCodewords + blockCount * ecCodewordsPerBlock }

    /// For each block, the position in the interleaved sequence of each of its codewords (data
    /// first, then error correction).
    func interleavedPositions() -> [[Int]] {
        var positions = (0..<blockCount).map { block in
            [Int](repeating: 0, count: dataLength(ofBlock: block) + ecCodewordsPerBlock)
        }
        var next = 0
        for column in 0...shortDataLength {
            for block in 0..<blockCount where column < dataLength(ofBlock: block) {
                positions[block][column] = next
                next += 1
            }
        }
        for column in 0..<ecCodewordsPerBlock {
            for block in 0..<blockCount {
                positions[block][dataLength(ofBlock: block) + column] = next
                next += 1
            }
        }
        return positions
    }
}

/// The fixed parts of a symbol of one version: function pattern modules, the reserved format and
/// version information areas, and the order in which data modules are filled (6.3, 7.7.3).
///
/// Modules are flat indices `y * size + x`, as in ``QRMatrix``.
struct QRSymbolLayout: Sendable {
    /// Symbol version, 1–40.
    let version: Int
    /// Modules per side.
    let size: Int
    /// Finder patterns with separators, timing and alignment patterns (1 = dark); every other
    /// module, including the reserved format and version areas and the dark module, is 0.
    let functionModules: [UInt8]
    /// True for modules outside the encoding region: function patterns, format and version
    /// information and the dark module.
    let isFunction: [Bool]
    /// The encoding region in placement order: two-module-wide columns from the right, zig-zag
    /// up and down, skipping the vertical timing pattern. Codeword `k` fills entries
    /// `8k ..< 8k + 8`, most significant bit first; leftover entries are remainder bits.
    let dataPath: [Int]

    /// The layout of a symbol of `version` (1–40).
    init(version: Int) {
        let size = QRTables.size(version: version)
        var modules = [UInt8](repeating: 0, count: size * size)
        var function = [Bool](repeating: false, count: size * size)

        func set(_ x: Int, _ y: Int, dark: Bool) {
            modules[y * size + x] = dark ? 1 : 0
            function[y * size + x] = true
        }

        // Timing patterns (6.3.5), drawn first so finders and alignments overwrite their ends.
        for i in 0..<size {
            set(6, i, dark: i % 2 == 0)
            set(i, 6, dark: i % 2 == 0)
        }
        // Finder patterns with their separators (6.3.3, 6.3.4).
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = cx + dx
                    let y = cy + dy
                    guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                    let ring = max(abs(dx), abs(dy))
                    set(x, y, dark: ring != 2 && ring != 4)
                }
            }
        }
        // Alignment patterns (6.3.6), except where they would overlap a finder pattern.
        let centers = QRTables.alignmentPatternCenters(version: version)
        for (i, cy) in centers.enumerated() {
            for (j, cx) in centers.enumerated() {
                let first = 0
                let last = centers.count - 1
                if (i == first && j == first) || (i == first && j == last) || (i == last && j == first) {
                    continue
                }
                for dy in -2...2 {
                    for dx in -2...2 { set(cx + dx, cy + dy, dark: max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        // Reserved areas: format information, the dark module and version information.
        let format = Self.formatPositions(size: size)
        for index in format.first + format.second + [Self.darkModulePosition(size: size)] {
            modules[index] = 0
            function[index] = true
        }
        if version >= 7 {
            let versionInfo = Self.versionPositions(size: size)
            for index in versionInfo.first + versionInfo.second {
                modules[index] = 0
                function[index] = true
            }
        }

        var path: [Int] = []
        path.reserveCapacity(QRTables.dataModuleCount(version: version))
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for vertical in 0..<size {
                let y = upward ? size - 1 - vertical : vertical
                if !function[y * size + right] { path.append(y * size + right) }
                if !function[y * size + right - 1] { path.append(y * size + right - 1) }
            }
            right -= 2
        }

        self.version = version
        self.size = size
        functionModules = modules
        isFunction = function
        dataPath = path
    }

    /// Flat indices of the two copies of the 15 format information bits, indexed by bit number
    /// (bit 0 is the least significant) (7.9.1, Figure 25).
    ///
    /// The first copy surrounds the top-left finder pattern; the second is split between the
    /// top-right (bits 0–7) and bottom-left (bits 8–14) finder patterns.
    static func formatPositions(size: Int) -> (first: [Int], second: [Int]) {
        func at(_ x: Int, _ y: Int) -> Int { y * size + x }
        var first: [Int] = []
        var second: [Int] = []
        for bit in 0..<15 {
            switch bit {
            case 0...5: first.append(at(8, bit))
            case 6: first.append(at(8, 7))
            case 7: first.append(at(8, 8))
            case 8: first.append(at(7, 8))
            default: first.append(at(14 - bit, 8))
            }
            second.append(bit < 8 ? at(size - 1 - bit, 8) : at(8, size - 15 + bit))
        }
        return (first, second)
    }

    /// Flat index of the module that is always dark, beside the bottom-left format copy.
    static func darkModulePosition(size: Int) -> Int { (size - 8) * size + 8 }

    /// Flat indices of the two copies of the 18 version information bits, indexed by bit number
    /// (7.10, Figure 27): a 6 × 3 block above the bottom-left finder and its transpose left of
    /// the top-right finder.
    static func versionPositions(size: Int) -> (first: [Int], second: [Int]) {
        var bottomLeft: [Int] = []
        var topRight: [Int] = []
        for bit in 0..<18 {
            let a = size - 11 + bit % 3
            let b = bit / 3
            bottomLeft.append(a * size + b)
            topRight.append(b * size + a)
        }
        return (topRight, bottomLeft)
    }

    /// Whether data mask pattern `mask` (0–7) inverts the module at column `x`, row `y`
    /// (7.8.2, Table 10; `i` is the row and `j` the column there).
    @inline(__always)
    static func maskInverts(_ mask: Int, x: Int, y: Int) -> Bool {
        switch mask {
        case 0: return (y + x) % 2 == 0
        case 1: return y % 2 == 0
        case 2: return x % 3 == 0
        case 3: return (y + x) % 3 == 0
        case 4: return (y / 2 + x / 3) % 2 == 0
        case 5: return (y * x) % 2 + (y * x) % 3 == 0
        case 6: return ((y * x) % 2 + (y * x) % 3) % 2 == 0
        default: return ((y + x) % 2 + (y * x) % 3) % 2 == 0
        }
    }
}
