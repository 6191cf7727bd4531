/// Reads the payload of a QR Code symbol from its modules (ISO/IEC 18004:2015, clause 12).
///
/// The input is a clean module grid, as ``QRCode`` produces or an image reader samples;
/// locating and sampling a symbol in a picture is not this type's job. Mirrored symbols are not
/// recognised.
public enum QRMatrixDecoder {
    /// Decodes the bytes held in `matrix`.
    ///
    /// Steps: the format information is taken from whichever copy is nearest to a valid
    /// codeword (at most three bit errors); for version ≥ 7 the version information is read the
    /// same way and must agree with the matrix size (an unreadable one is ignored, as the size
    /// already fixes the version); the data mask is removed; codewords are read in placement
    /// order, de-interleaved and Reed–Solomon-corrected block by block; the segments are parsed
    /// up to the terminator. Numeric, alphanumeric and byte segments yield their characters
    /// (ASCII for the first two); Kanji segments yield Shift JIS bytes; ECI designators,
    /// structured append headers and FNC1 indicators are skipped.
    ///
    /// - Throws: ``QRError/invalidSize(_:)``, ``QRError/unreadableFormat``,
    ///   ``QRError/uncorrectable(block:)`` or ``QRError/malformedData(_:)``.
    public static func decode(_ matrix: QRMatrix) throws(QRError) -> [UInt8] {
        guard let version = matrix.version else { throw .invalidSize(matrix.size) }
        let size = matrix.size
        let (level, mask) = try readFormat(matrix)
        if version >= 7, let encoded = readVersion(matrix), encoded != version {
            throw .invalidSize(size)
        }

        let layout = QRSymbolLayout(version: version)
        let structure = QRBlockStructure(version: version, level: level)
        var codewords = [UInt8](repeating: 0, count: structure.totalCodewords)
        for k in 0..<codewords.count {
            var byte: UInt8 = 0
            for bit in 0..<8 {
                let index = layout.dataPath[8 * k + bit]
                var dark = matrix.modules[index]
                if QRSymbolLayout.maskInverts(mask, x: index % size, y: index / size) { dark.toggle() }
                byte = byte << 1 | (dark ? 1 : 0)
            }
            codewords[k] = byte
        }

        let code = ReedSolomonCode(ecCount: structure.ecCodewordsPerBlock)
        var data: [UInt8] = []
        data.reserveCapacity(structure.totalDataCodewords)
        for (block, positions) in structure.interleavedPositions().enumerated() {
            var received = positions.map { codewords[$0] }
            do {
                try code.correct(&received, maximumErrors: structure.correctableErrorsPerBlock)
            } catch {
                throw .uncorrectable(block: block)
            }
            data += received[0..<structure.dataLength(ofBlock: block)]
        }
        return try parseSegments(data, version: version)
    }

    /// The error correction level and mask from the better of the two format copies.
    static func readFormat(_ matrix: QRMatrix) throws(QRError) -> (QRErrorCorrection, Int) {
        let positions = QRSymbolLayout.formatPositions(size: matrix.size)
        var best = (data: 0, distance: Int.max)
        for copy in [positions.first, positions.second] {
            var read = 0
            for (bit, index) in copy.enumerated() where matrix.modules[index] { read |= 1 << bit }
            for (data, valid) in QRTables.allFormatBits.enumerated() {
                let distance = (read ^ valid).nonzeroBitCount
                if distance < best.distance { best = (data, distance) }
            }
        }
        guard best.distance <= 3 else { throw .unreadableFormat }
        return (QRErrorCorrection(formatIndicator: best.data >> 3), best.data & 7)
    }

    /// The version named by the better of the two version information copies, or nil when
    /// neither is within three bit errors of a valid one.
    static func readVersion(_ matrix: QRMatrix) -> Int? {
        let positions = QRSymbolLayout.versionPositions(size: matrix.size)
        var best = (version: 0, distance: Int.max)
        for copy in [positions.first, positions.second] {
            var read = 0
            for (bit, index) in copy.enumerated() where matrix.modules[index] { read |= 1 << bit }
            for version in 7...40 {
                let distance = (read ^ QRTables.versionBits(version: version)).nonzeroBitCount
                if distance < best.distance { best = (version, distance) }
            }
        }
        return best.distance <= 3 ? best.version : nil
    }

    /// The payload of the segments in `data` (7.4), stopping at a terminator or when fewer than
    /// four bits remain.
    static func parseSegments(_ data: [UInt8], version: Int) throws(QRError) -> [UInt8] {
        var reader = QRBitReader(data)
        var output: [UInt8] = []
        while reader.remaining >= 4 {
            let indicator = try reader.read(4)
            guard let mode = QRSegmentMode(rawValue: indicator) else {
                throw .malformedData("unknown mode indicator \(indicator)")
            }
            switch mode {
            case .terminator:
                return output
            case .fnc1FirstPosition:
                continue
            case .fnc1SecondPosition:
                _ = try reader.read(8)  // application indicator
            case .structuredAppend:
                _ = try reader.read(16)  // position, total and parity
            case .eci:
                // The designator is one, two or three bytes, announced by 0, 10 or 110 (7.4.2.2).
                let first = try reader.read(8)
                let extraBytes = first & 0x80 == 0 ? 0 : first & 0xC0 == 0x80 ? 1 : first & 0xE0 == 0xC0 ? 2 : -1
                guard extraBytes >= 0 else { throw .malformedData("invalid ECI designator \(first)") }
                _ = try reader.read(8 * extraBytes)
            case .numeric:
                var count = try reader.read(mode.characterCountBits(version: version))
                while count > 0 {
                    let digits = min(count, 3)
                    let value = try reader.read([0, 4, 7, 10][digits])
                    guard value < [1, 10, 100, 1000][digits] else {
                        throw .malformedData("numeric group \(value) has more than \(digits) digits")
                    }
                    let text = String(value)
                    output += [UInt8](repeating: UInt8(ascii: "0"), count: digits - text.utf8.count)
                    output += text.utf8
                    count -= digits
                }
            case .alphanumeric:
                var count = try reader.read(mode.characterCountBits(version: version))
                while count > 0 {
                    if count >= 2 {
                        let value = try reader.read(11)
                        guard value < 45 * 45 else { throw .malformedData("alphanumeric pair \(value) out of range") }
                        output.append(alphanumericCharacters[value / 45])
                        output.append(alphanumericCharacters[value % 45])
                        count -= 2
                    } else {
                        let value = try reader.read(6)
                        guard value < 45 else { throw .malformedData("alphanumeric value \(value) out of range") }
                        output.append(alphanumericCharacters[value])
                        count -= 1
                    }
                }
            case .byte:
                let count = try reader.read(mode.characterCountBits(version: version))
                guard count * 8 <= reader.remaining else {
                    throw .malformedData("byte segment of \(count) bytes, only \(reader.remaining / 8) remain")
                }
                for _ in 0..<count { output.append(UInt8(try reader.read(8))) }
            case .kanji:
                let count = try reader.read(mode.characterCountBits(version: version))
                for _ in 0..<count {
                    let value = try reader.read(13)
                    var code = (value / 0xC0) << 8 | (value % 0xC0)
                    code += code < 0x1F00 ? 0x8140 : 0xC140  // back into the two Shift JIS ranges
                    output.append(UInt8(code >> 8))
                    output.append(UInt8(code & 0xFF))
                }
            }
        }
        return output
    }

    /// The 45 characters of alphanumeric mode, in value order (Table 5).
    private static let alphanumericCharacters: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)
}

/// Reads bit fields, most significant bit first, from bytes.
private struct QRBitReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Bits not yet read.
    var remaining: Int { bytes.count * 8 - position }

    /// The next `count` bits as an unsigned integer.
    mutating func read(_ count: Int) throws(QRError) -> Int {
        guard count <= remaining else { throw .malformedData("segment runs past the end of the data") }
        var value = 0
        for _ in 0..<count {
            value = value << 1 | Int((bytes[position >> 3] >> (7 - UInt8(position & 7))) & 1)
            position += 1
        }
        return value
    }
}
