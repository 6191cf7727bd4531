/// Why a QR symbol could not be built or read.
public enum QRError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The payload does not fit in a version 40 symbol at the requested level.
    case dataTooLong(bytes: Int, maximum: Int)
    /// The matrix side is not 17 + 4 × version for a version 1–40, or the version information
    /// names another version.
    case invalidSize(Int)
    /// Neither copy of the format information is within three bit errors of a valid one.
    case unreadableFormat
    /// Reed–Solomon block `block` (0-based, in interleaving order) has more errors than its
    /// error correction codewords can repair.
    case uncorrectable(block: Int)
    /// The corrected data codewords do not form a valid segment sequence.
    case malformedData(String)

    public var description: String {
        switch self {
        case .dataTooLong(let bytes, let maximum):
            "payload of \(bytes) bytes exceeds the maximum of \(maximum) bytes"
        case .invalidSize(let size): "matrix size \(size) is not a QR symbol size"
        case .unreadableFormat: "format information unreadable"
        case .uncorrectable(let block): "too many errors in block \(block)"
        case .malformedData(let reason): "malformed data: \(reason)"
        }
    }
}

/// A QR Code symbol (ISO/IEC 18004:2015, Model 2, versions 1–40) holding one byte-mode segment.
///
/// Building one chooses the smallest version that fits the payload, lays out the function
/// patterns, Reed–Solomon-protects and interleaves the codewords, and applies the data mask with
/// the lowest penalty score. Render it with ``svg(moduleSize:quietZone:)`` or
/// ``png(moduleSize:quietZone:)``.
public struct QRCode: Sendable {
    /// The symbol version, 1–40; the matrix has 17 + 4 × version modules per side.
    public let version: Int
    /// The error correction level.
    public let errorCorrection: QRErrorCorrection
    /// The data mask pattern, 0–7.
    public let mask: Int
    /// The finished modules, without quiet zone.
    public let matrix: QRMatrix

    /// Encodes `bytes` as a single byte-mode segment.
    ///
    /// The version is the smallest one at or above `minimumVersion` that holds the payload; the
    /// mask is the one with the lowest penalty under the four rules of 7.8.3 (ties go to the
    /// lower mask number). Mask evaluation follows the order of 7.1: format and version
    /// information are added after the mask is chosen.
    ///
    /// - Parameters:
    ///   - bytes: The payload; no ECI designator is written, so readers assume their default
    ///     character set for non-ASCII bytes.
    ///   - errorCorrection: The error correction level.
    ///   - minimumVersion: The smallest version to use, clamped to 1–40; a fixed minimum keeps
    ///     symbols of varying payloads the same size.
    /// - Throws: ``QRError/dataTooLong(bytes:maximum:)`` when the payload does not fit at
    ///   version 40.
    public init(
        bytes: some Collection<UInt8>, errorCorrection: QRErrorCorrection = .medium, minimumVersion: Int = 1
    ) throws(QRError) {
        try self.init(bytes: bytes, errorCorrection: errorCorrection, minimumVersion: minimumVersion, mask: nil)
    }

    /// Encodes the UTF-8 bytes of `text` as a single byte-mode segment.
    ///
    /// - Throws: ``QRError/dataTooLong(bytes:maximum:)`` when the text does not fit at version 40.
    public init(text: String, errorCorrection: QRErrorCorrection = .medium) throws(QRError) {
        try self.init(bytes: Array(text.utf8), errorCorrection: errorCorrection)
    }

    /// Encodes `bytes` with a fixed mask when `mask` (0–7) is given, otherwise the best one.
    init(
        bytes: some Collection<UInt8>, errorCorrection level: QRErrorCorrection, minimumVersion: Int,
        mask fixedMask: Int?
    ) throws(QRError) {
        let payload = Array(bytes)
        let start = min(max(minimumVersion, QRTables.versions.lowerBound), QRTables.versions.upperBound)
        guard
            let version = (start...QRTables.versions.upperBound).first(where: {
                QRTables.byteCapacity(version: $0, level: level) >= payload.count
            })
        else {
            let maximum = QRTables.byteCapacity(version: QRTables.versions.upperBound, level: level)
            throw .dataTooLong(bytes: payload.count, maximum: maximum)
        }

        let structure = QRBlockStructure(version: version, level: level)
        let data = Self.dataCodewords(payload, version: version, count: structure.totalDataCodewords)
        let symbol = Self.symbol(dataCodewords: data, version: version, level: level, mask: fixedMask)

        self.version = version
        self.errorCorrection = level
        self.mask = symbol.mask
        self.matrix = symbol.matrix
    }
}

extension QRCode {
    /// Builds the symbol for a complete set of data codewords: Reed–Solomon blocks, interleaving,
    /// placement, masking (the given mask when it is 0–7, else the one with the lowest penalty),
    /// then format and version information.
    ///
    /// - Precondition: `dataCodewords` has exactly as many codewords as `version` and `level` hold.
    static func symbol(
        dataCodewords data: [UInt8], version: Int, level: QRErrorCorrection, mask fixedMask: Int?
    ) -> (matrix: QRMatrix, mask: Int) {
        let structure = QRBlockStructure(version: version, level: level)
        precondition(data.count == structure.totalDataCodewords, "wrong number of data codewords")
        let codewords = interleave(data, structure: structure)
        let layout = QRSymbolLayout(version: version)

        var modules = layout.functionModules
        for (k, byte) in codewords.enumerated() {
            for bit in 0..<8 where byte & (0x80 >> bit) != 0 {
                modules[layout.dataPath[8 * k + bit]] = 1
            }
        }

        let chosenMask: Int
        if let fixedMask, (0..<8).contains(fixedMask) {
            chosenMask = fixedMask
        } else {
            let evaluator = QRMaskEvaluator(modules: modules, layout: layout)
            var best = (mask: 0, penalty: Int.max)
            for candidate in 0..<8 {
                let penalty = evaluator.penalty(mask: candidate)
                if penalty < best.penalty { best = (candidate, penalty) }
            }
            chosenMask = best.mask
        }
        applyMask(chosenMask, to: &modules, layout: layout)
        drawFormatAndVersion(level: level, mask: chosenMask, into: &modules, layout: layout)
        return (QRMatrix(size: layout.size, modules: modules.map { $0 != 0 }), chosenMask)
    }

    /// The data codewords: mode indicator, character count, payload, terminator, zero bits to
    /// the byte boundary, then the pad codewords 0xEC 0x11 alternately (7.4).
    ///
    /// - Precondition: the payload fits in `count` codewords at `version`.
    static func dataCodewords(_ payload: [UInt8], version: Int, count: Int) -> [UInt8] {
        var writer = QRBitWriter(capacity: count)
        writer.append(QRSegmentMode.byte.rawValue, bits: 4)
        writer.append(payload.count, bits: QRSegmentMode.byte.characterCountBits(version: version))
        for byte in payload { writer.append(Int(byte), bits: 8) }
        writer.append(0, bits: min(4, count * 8 - writer.bitCount))
        writer.append(0, bits: (8 - writer.bitCount % 8) % 8)
        var codewords = writer.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < count {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// Splits `data` into blocks, appends each block's Reed–Solomon check codewords and
    /// interleaves the result (7.5, 7.6).
    static func interleave(_ data: [UInt8], structure: QRBlockStructure) -> [UInt8] {
        let code = ReedSolomonCode(ecCount: structure.ecCodewordsPerBlock)
        var result = [UInt8](repeating: 0, count: structure.totalCodewords)
        var offset = 0
        for (block, positions) in structure.interleavedPositions().enumerated() {
            let length = structure.dataLength(ofBlock: block)
            let blockData = data[offset..<(offset + length)]
            offset += length
            for (i, byte) in (Array(blockData) + code.checkSymbols(for: blockData)).enumerated() {
                result[positions[i]] = byte
            }
        }
        return result
    }

    /// Inverts every encoding-region module that data mask `mask` selects; applying it twice
    /// restores the modules.
    static func applyMask(_ mask: Int, to modules: inout [UInt8], layout: QRSymbolLayout) {
        let size = layout.size
        modules.withUnsafeMutableBufferPointer { modules in
            layout.isFunction.withUnsafeBufferPointer { isFunction in
                for y in 0..<size {
                    for x in 0..<size where !isFunction[y * size + x] {
                        if QRSymbolLayout.maskInverts(mask, x: x, y: y) { modules[y * size + x] ^= 1 }
                    }
                }
            }
        }
    }

    /// Writes the format information (both copies), the dark module and, for version ≥ 7, the
    /// version information (both copies).
    static func drawFormatAndVersion(
        level: QRErrorCorrection, mask: Int, into modules: inout [UInt8], layout: QRSymbolLayout
    ) {
        let format = QRTables.formatBits(level: level, mask: mask)
        let formatPositions = QRSymbolLayout.formatPositions(size: layout.size)
        for bit in 0..<15 {
            let value = UInt8((format >> bit) & 1)
            modules[formatPositions.first[bit]] = value
            modules[formatPositions.second[bit]] = value
        }
        modules[QRSymbolLayout.darkModulePosition(size: layout.size)] = 1
        guard layout.version >= 7 else { return }
        let versionBits = QRTables.versionBits(version: layout.version)
        let versionPositions = QRSymbolLayout.versionPositions(size: layout.size)
        for bit in 0..<18 {
            let value = UInt8((versionBits >> bit) & 1)
            modules[versionPositions.first[bit]] = value
            modules[versionPositions.second[bit]] = value
        }
    }
}

/// Appends bit fields, most significant bit first, into bytes.
private struct QRBitWriter {
    private(set) var bytes: [UInt8] = []
    private(set) var bitCount = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Appends the low `bits` bits of `value`.
    mutating func append(_ value: Int, bits: Int) {
        for shift in stride(from: bits - 1, through: 0, by: -1) {
            if bitCount % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 != 0 { bytes[bytes.count - 1] |= 0x80 >> UInt8(bitCount % 8) }
            bitCount += 1
        }
    }
}

/// Scores the eight data masks of one symbol (7.8.3.1, Table 11) without building eight
/// matrices: every row and column is a 192-bit line, so each rule is a handful of shifts, ANDs
/// and population counts per line.
///
/// The score is the sum, lower being better, of
/// 1. each run of 5 + i same-coloured modules in a row or column: 3 + i;
/// 2. each 2 × 2 block of one colour (overlapping blocks counted separately): 3;
/// 3. each dark–light–dark–dark–dark–light–dark (1:1:3:1:1) pattern in a row or column with
///    four light modules before or after it, modules beyond the edge counting as light: 40. The
///    line is scanned from its start and a counted pattern is skipped whole, so in the rare
///    overlaps `10111011101` and `1011101011101` the second pattern is not counted once the
///    first is (segno's reading of the rule);
/// 4. 10 for every full 5 % by which the dark proportion deviates from 50 %.
struct QRMaskEvaluator {
    private let size: Int
    private let rows: [QRLineBits]
    private let columns: [QRLineBits]
    private let dataRows: [QRLineBits]
    private let dataColumns: [QRLineBits]

    /// An evaluator for unmasked `modules` (1 = dark) of a symbol with `layout`.
    init(modules: [UInt8], layout: QRSymbolLayout) {
        let n = layout.size
        var rows = [QRLineBits](repeating: QRLineBits(), count: n)
        var columns = rows
        var dataRows = rows
        var dataColumns = rows
        for y in 0..<n {
            for x in 0..<n {
                if modules[y * n + x] != 0 {
                    rows[y].set(x)
                    columns[x].set(y)
                }
                if !layout.isFunction[y * n + x] {
                    dataRows[y].set(x)
                    dataColumns[x].set(y)
                }
            }
        }
        self.init(size: n, rows: rows, columns: columns, dataRows: dataRows, dataColumns: dataColumns)
    }

    /// An evaluator for a finished matrix, to score it as it stands (`penalty(mask: nil)`).
    init(modules: [UInt8], size n: Int) {
        var rows = [QRLineBits](repeating: QRLineBits(), count: n)
        var columns = rows
        for y in 0..<n {
            for x in 0..<n where modules[y * n + x] != 0 {
                rows[y].set(x)
                columns[x].set(y)
            }
        }
        let none = [QRLineBits](repeating: QRLineBits(), count: n)
        self.init(size: n, rows: rows, columns: columns, dataRows: none, dataColumns: none)
    }

    private init(
        size: Int, rows: [QRLineBits], columns: [QRLineBits], dataRows: [QRLineBits], dataColumns: [QRLineBits]
    ) {
        precondition(size <= QRLineBits.capacity, "lines longer than 192 modules")
        self.size = size
        self.rows = rows
        self.columns = columns
        self.dataRows = dataRows
        self.dataColumns = dataColumns
    }

    /// The penalty score after applying data mask `mask` (0–7) to the encoding region, or of
    /// the modules as given when `mask` is nil.
    func penalty(mask: Int?) -> Int {
        let n = size
        let all = QRLineBits.ones(n)
        let allButLast = QRLineBits.ones(n - 1)
        var score = 0
        var dark = 0
        var previousRow = QRLineBits()
        var previousEqualsNext = QRLineBits()
        for i in 0..<n {
            var row = rows[i]
            var column = columns[i]
            if let mask {
                row ^= Self.rowPatterns[mask][i % 12] & dataRows[i]
                column ^= Self.columnPatterns[mask][i % 12] & dataColumns[i]
            }
            dark += row.nonzeroBitCount
            let rowEqualsNext = ~(row ^ (row >> 1)) & allButLast
            score += Self.runPenalty(rowEqualsNext) + Self.runPenalty(~(column ^ (column >> 1)) & allButLast)
            score += Self.finderLikePenalty(row, count: n) + Self.finderLikePenalty(column, count: n)
            if i > 0 {
                // Rule 2 for the blocks whose lower row is this one.
                let vertical = ~(previousRow ^ row) & all
                score += 3 * (vertical & (vertical >> 1) & previousEqualsNext).nonzeroBitCount
            }
            previousRow = row
            previousEqualsNext = rowEqualsNext
        }
        let total = n * n
        score += 10 * (abs(dark * 20 - total * 10) / total)
        return score
    }

    /// Rule 1 for one line, given the bits "module j equals module j + 1".
    @inline(__always)
    private static func runPenalty(_ equalsNext: QRLineBits) -> Int {
        // Bit j: modules j ... j + 4 share a colour. A run of length L ≥ 5 sets L − 4 such bits,
        // and scores L − 2: two more per run, counted at the run's first such bit.
        let fives = equalsNext & (equalsNext >> 1) & (equalsNext >> 2) & (equalsNext >> 3)
        return fives.nonzeroBitCount + 2 * (fives & ~(fives << 1)).nonzeroBitCount
    }

    /// Rule 3 for one line of `count` modules.
    @inline(__always)
    private static func finderLikePenalty(_ line: QRLineBits, count n: Int) -> Int {
        let d = line
        let l = ~line  // light; bits past the end count as light
        let patterns = d & (l >> 1) & (d >> 2) & (d >> 3) & (d >> 4) & (l >> 5) & (d >> 6)
        if patterns.isZero { return 0 }
        // Patterns overlapping by three modules or one are scored in order, as the scan does.
        if !(patterns & (patterns >> 4 | patterns >> 6)).isZero { return sequentialFinderLikePenalty(line, count: n) }
        let lightFour = l & (l >> 1) & (l >> 2) & (l >> 3)  // bit j: modules j ... j + 3 light
        // Bit j: modules j − 4 ... j − 1 light, those before the line counting as light.
        let lightBefore = (l << 1 | .ones(1)) & (l << 2 | .ones(2)) & (l << 3 | .ones(3)) & (l << 4 | .ones(4))
        return 40 * (patterns & (lightBefore | lightFour >> 7)).nonzeroBitCount
    }

    /// Rule 3 by scanning, for lines where patterns overlap.
    private static func sequentialFinderLikePenalty(_ line: QRLineBits, count n: Int) -> Int {
        func light(_ range: Range<Int>) -> Bool { range.allSatisfy { !line[$0] } }
        var score = 0
        var i = 0
        while i <= n - 7 {
            if line[i], !line[i + 1], line[i + 2], line[i + 3], line[i + 4], !line[i + 5], line[i + 6] {
                if light(max(0, i - 4)..<i) || light((i + 7)..<min(n, i + 11)) {
                    score += 40
                    i += 7
                } else {
                    i += 4  // no pattern can start at i + 1 ... i + 3
                }
            } else {
                i += 1
            }
        }
        return score
    }

    /// Rows `y % 12` of each mask pattern: bit x set where the mask inverts (x, y). Every
    /// pattern repeats every 12 rows and every 6 columns.
    private static let rowPatterns: [[QRLineBits]] = (0..<8).map { mask in
        (0..<12).map { y in
            var line = QRLineBits()
            for x in 0..<QRLineBits.capacity where QRSymbolLayout.maskInverts(mask, x: x, y: y) { line.set(x) }
            return line
        }
    }

    /// Columns `x % 12` of each mask pattern: bit y set where the mask inverts (x, y).
    private static let columnPatterns: [[QRLineBits]] = (0..<8).map { mask in
        (0..<12).map { x in
            var line = QRLineBits()
            for y in 0..<QRLineBits.capacity where QRSymbolLayout.maskInverts(mask, x: x, y: y) { line.set(y) }
            return line
        }
    }
}

/// A row or column of up to 192 modules as bits: bit j is module j, 1 = dark.
struct QRLineBits: Equatable, Sendable {
    /// The most modules a line holds.
    static let capacity = 192

    private var w0: UInt64 = 0
    private var w1: UInt64 = 0
    private var w2: UInt64 = 0

    init() {}

    private init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
    }

    /// Bits 0 ..< `count` set.
    static func ones(_ count: Int) -> QRLineBits {
        func word(_ bits: Int) -> UInt64 { bits >= 64 ? .max : bits <= 0 ? 0 : (1 << UInt64(bits)) - 1 }
        return QRLineBits(word(count), word(count - 64), word(count - 128))
    }

    var isZero: Bool { w0 | w1 | w2 == 0 }

    var nonzeroBitCount: Int { w0.nonzeroBitCount + w1.nonzeroBitCount + w2.nonzeroBitCount }

    subscript(bit: Int) -> Bool {
        let word = bit < 64 ? w0 : bit < 128 ? w1 : w2
        return (word >> UInt64(bit & 63)) & 1 != 0
    }

    mutating func set(_ bit: Int) {
        let mask: UInt64 = 1 << UInt64(bit & 63)
        switch bit >> 6 {
        case 0: w0 |= mask
        case 1: w1 |= mask
        default: w2 |= mask
        }
    }

    /// Bit j of the result is bit j + k of `a` (0 ≤ k < 64); zeros shift in at the top.
    @inline(__always)
    static func >> (a: QRLineBits, k: Int) -> QRLineBits {
        guard k > 0 else { return a }
        let s = UInt64(k)
        return QRLineBits(a.w0 >> s | a.w1 << (64 - s), a.w1 >> s | a.w2 << (64 - s), a.w2 >> s)
    }

    /// Bit j of the result is bit j − k of `a` (0 ≤ k < 64); zeros shift in at the bottom.
    @inline(__always)
    static func << (a: QRLineBits, k: Int) -> QRLineBits {
        guard k > 0 else { return a }
        let s = UInt64(k)
        return QRLineBits(a.w0 << s, a.w1 << s | a.w0 >> (64 - s), a.w2 << s | a.w1 >> (64 - s))
    }

    @inline(__always)
    static func & (a: QRLineBits, b: QRLineBits) -> QRLineBits { QRLineBits(a.w0 & b.w0, a.w1 & b.w1, a.w2 & b.w2) }

    @inline(__always)
    static func | (a: QRLineBits, b: QRLineBits) -> QRLineBits { QRLineBits(a.w0 | b.w0, a.w1 | b.w1, a.w2 | b.w2) }

    @inline(__always)
    static func ^ (a: QRLineBits, b: QRLineBits) -> QRLineBits { QRLineBits(a.w0 ^ b.w0, a.w1 ^ b.w1, a.w2 ^ b.w2) }

    @inline(__always)
    static func ^= (a: inout QRLineBits, b: QRLineBits) { a = a ^ b }

    @inline(__always)
    static prefix func ~ (a: QRLineBits) -> QRLineBits { QRLineBits(~a.w0, ~a.w1, ~a.w2) }
}
