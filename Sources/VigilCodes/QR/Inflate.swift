/// Why a zlib or deflate stream could not be decompressed.
package enum InflateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended before the final block (or the zlib trailer) was complete.
    case truncated
    /// The two-byte zlib header is not a deflate header this decoder accepts.
    case badHeader(String)
    /// The compressed bits break RFC 1951 (bad block type, bad code lengths, distance too far back…).
    case corrupt(String)
    /// The Adler-32 checksum in the zlib trailer does not match the decompressed bytes.
    case checksumMismatch(expected: UInt32, actual: UInt32)
    /// The stream decompresses to more than the caller's limit (a decompression bomb, or simply too big).
    case outputTooLarge(limit: Int)

    package var description: String {
        switch self {
        case .truncated: "compressed data ends early"
        case .badHeader(let why): "bad zlib header: \(why)"
        case .corrupt(let why): "corrupt deflate data: \(why)"
        case .checksumMismatch(let expected, let actual):
            "Adler-32 mismatch: trailer says \(hex(expected)), data gives \(hex(actual))"
        case .outputTooLarge(let limit): "decompressed data exceeds the limit of \(limit) bytes"
        }
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}

/// A small, dependency-free decompressor for zlib (RFC 1950) and raw deflate (RFC 1951) streams:
/// stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// Every length, distance and code table read from the input is checked, so malformed input
/// throws an ``InflateError`` rather than trapping, and the output never grows past the
/// caller's `maximumOutputCount`, so a few hundred bytes that expand to gigabytes are refused early.
package enum Inflate {
    /// Decompresses a zlib stream: a two-byte header, deflate data, and a big-endian Adler-32 of
    /// the output. Bytes after the trailer are ignored.
    ///
    /// - Parameters:
    ///   - input: The zlib stream. Preset dictionaries (FDICT) are refused.
    ///   - maximumOutputCount: The most bytes the caller is willing to receive.
    /// - Throws: ``InflateError`` when the stream is malformed, truncated, fails its checksum or
    ///   would exceed `maximumOutputCount`.
    package static func zlib(_ input: [UInt8], maximumOutputCount: Int) throws(InflateError) -> [UInt8] {
        guard input.count >= 2 else { throw .truncated }
        let cmf = Int(input[0])
        let flg = Int(input[1])
        guard cmf & 0x0F == 8 else { throw .badHeader("compression method \(cmf & 0x0F), want 8 (deflate)") }
        guard cmf >> 4 <= 7 else { throw .badHeader("window size exponent \(cmf >> 4 + 8) exceeds 15") }
        guard (cmf << 8 | flg) % 31 == 0 else {
            throw .badHeader("header check bits fail (0x\(String(cmf << 8 | flg, radix: 16)))")
        }
        guard flg & 0x20 == 0 else { throw .badHeader("preset dictionary not supported") }

        var reader = BitReader(input, startingAt: 2)
        let output = try inflate(&reader, maximumOutputCount: maximumOutputCount)
        reader.alignToByte()
        var expected: UInt32 = 0
        for _ in 0..<4 { expected = expected << 8 | UInt32(try reader.bits(8)) }
        let actual = adler32(output)
        guard expected == actual else { throw .checksumMismatch(expected: expected, actual: actual) }
        return output
    }

    /// Decompresses raw deflate data (no zlib header or trailer).
    ///
    /// - Parameters:
    ///   - input: The deflate stream; bytes after the final block are ignored.
    ///   - maximumOutputCount: The most bytes the caller is willing to receive.
    /// - Returns: The decompressed bytes and how many input bytes the deflate data occupied.
    /// - Throws: ``InflateError`` when the stream is malformed, truncated or too large.
    package static func deflate(
        _ input: [UInt8], maximumOutputCount: Int
    ) throws(InflateError) -> (output: [UInt8], consumedCount: Int) {
        var reader = BitReader(input, startingAt: 0)
        let output = try inflate(&reader, maximumOutputCount: maximumOutputCount)
        reader.alignToByte()
        return (output, reader.consumedByteCount)
    }

    /// The Adler-32 checksum (RFC 1950 §8.2) of `bytes`.
    package static func adler32(_ bytes: [UInt8]) -> UInt32 {
        let modulus: UInt32 = 65_521
        var a: UInt32 = 1
        var b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            // 5552 is the largest run for which `b` cannot overflow 32 bits before the reduction.
            let end = min(index + 5552, bytes.count)
            while index < end {
                a &+= UInt32(bytes[index])
                b &+= a
                index += 1
            }
            a %= modulus
            b %= modulus
        }
        return b << 16 | a
    }

    // MARK: - Blocks

    private static func inflate(_ reader: inout BitReader, maximumOutputCount: Int) throws(InflateError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(max(reader.byteCount * 4, 1024), max(maximumOutputCount, 0)))
        var isFinal = false
        while !isFinal {
            isFinal = try reader.bits(1) == 1
            switch try reader.bits(2) {
            case 0:
                try copyStoredBlock(&reader, into: &output, limit: maximumOutputCount)
            case 1:
                try decodeBlock(
                    &reader, literals: HuffmanTable.fixedLiterals, distances: HuffmanTable.fixedDistances,
                    into: &output, limit: maximumOutputCount)
            case 2:
                let (literals, distances) = try readDynamicTables(&reader)
                try decodeBlock(
                    &reader, literals: literals, distances: distances, into: &output, limit: maximumOutputCount)
            default:
                throw .corrupt("reserved block type 3")
            }
        }
        return output
    }

    private static func copyStoredBlock(
        _ reader: inout BitReader, into output: inout [UInt8], limit: Int
    ) throws(InflateError) {
        reader.alignToByte()
        let length = try reader.bits(16)
        let complement = try reader.bits(16)
        guard length ^ complement == 0xFFFF else {
            throw .corrupt("stored block length \(length) does not match its complement \(complement)")
        }
        guard output.count + length <= limit else { throw .outputTooLarge(limit: limit) }
        try reader.copyAlignedBytes(length, into: &output)
    }

    private static func decodeBlock(
        _ reader: inout BitReader, literals: HuffmanTable, distances: HuffmanTable,
        into output: inout [UInt8], limit: Int
    ) throws(InflateError) {
        while true {
            let symbol = try reader.decode(literals)
            if symbol < 256 {
                guard output.count < limit else { throw .outputTooLarge(limit: limit) }
                output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < lengthBases.count else { throw .corrupt("invalid length symbol \(symbol)") }
            let length = lengthBases[lengthIndex] + (try reader.bits(lengthExtraBits[lengthIndex]))
            let distanceSymbol = try reader.decode(distances)
            guard distanceSymbol < distanceBases.count else {
                throw .corrupt("invalid distance symbol \(distanceSymbol)")
            }
            let distance = distanceBases[distanceSymbol] + (try reader.bits(distanceExtraBits[distanceSymbol]))
            guard distance <= output.count else {
                throw .corrupt("distance \(distance) reaches before the start of the output (\(output.count) bytes)")
            }
            guard output.count + length <= limit else { throw .outputTooLarge(limit: limit) }
            // Byte by byte, because the source may overlap the bytes being written (run-length style).
            var source = output.count - distance
            for _ in 0..<length {
                output.append(output[source])
                source += 1
            }
        }
    }

    private static func readDynamicTables(_ reader: inout BitReader) throws(InflateError) -> (
        HuffmanTable, HuffmanTable
    ) {
        let literalCount = try reader.bits(5) + 257
        let distanceCount = try reader.bits(5) + 1
        let codeLengthCount = try reader.bits(4) + 4
        guard literalCount <= 286 else { throw .corrupt("\(literalCount) literal/length codes, at most 286 allowed") }
        guard distanceCount <= 30 else { throw .corrupt("\(distanceCount) distance codes, at most 30 allowed") }

        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for index in 0..<codeLengthCount {
            codeLengthLengths[codeLengthOrder[index]] = UInt8(try reader.bits(3))
        }
        let codeLengthTable = try HuffmanTable(lengths: codeLengthLengths)

        let total = literalCount + distanceCount
        var lengths: [UInt8] = []
        lengths.reserveCapacity(total)
        while lengths.count < total {
            let symbol = try reader.decode(codeLengthTable)
            let value: UInt8
            let repeatCount: Int
            switch symbol {
            case 0...15:
                value = UInt8(symbol)
                repeatCount = 1
            case 16:
                guard let previous = lengths.last else { throw .corrupt("repeat code 16 with no previous length") }
                value = previous
                repeatCount = 3 + (try reader.bits(2))
            case 17:
                value = 0
                repeatCount = 3 + (try reader.bits(3))
            default:
                value = 0
                repeatCount = 11 + (try reader.bits(7))
            }
            guard lengths.count + repeatCount <= total else {
                throw .corrupt("code length repeat runs past the \(total) codes declared")
            }
            lengths.append(contentsOf: repeatElement(value, count: repeatCount))
        }
        guard lengths[256] != 0 else { throw .corrupt("no code for end-of-block") }
        let literals = try HuffmanTable(lengths: Array(lengths[0..<literalCount]))
        let distances = try HuffmanTable(lengths: Array(lengths[literalCount...]))
        return (literals, distances)
    }

    // MARK: - RFC 1951 constants

    private static let lengthBases: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtraBits: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBases: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
        1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    private static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
}

/// A canonical Huffman code as a single lookup table indexed by the next `bitCount` input bits
/// (least significant bit first, as deflate packs them).
private struct HuffmanTable: Sendable {
    /// `symbol << 4 | codeLength` per index; 0 marks bit patterns that are not a code.
    let entries: [UInt16]
    /// Index bits: the longest code length in use (at least 1).
    let bitCount: Int

    /// Builds the canonical code for `lengths` (RFC 1951 §3.2.2). Incomplete codes are accepted
    /// (deflate uses them, e.g. a single distance code); over-subscribed ones are corrupt.
    init(lengths: [UInt8]) throws(InflateError) {
        var countPerLength = [Int](repeating: 0, count: 16)
        for length in lengths { countPerLength[Int(length)] += 1 }
        countPerLength[0] = 0
        var available = 1
        for length in 1...15 {
            available = available << 1 - countPerLength[length]
            guard available >= 0 else { throw .corrupt("over-subscribed Huffman code lengths") }
        }
        let longest = (1...15).last { countPerLength[$0] > 0 } ?? 1
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + countPerLength[length - 1]) << 1
            nextCode[length] = code
        }
        var entries = [UInt16](repeating: 0, count: 1 << longest)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let length = Int(length)
            let reversed = Self.reverse(nextCode[length], bits: length)
            nextCode[length] += 1
            let entry = UInt16(symbol << 4 | length)
            for index in stride(from: reversed, to: entries.count, by: 1 << length) {
                entries[index] = entry
            }
        }
        self.entries = entries
        self.bitCount = longest
    }

    private static func reverse(_ value: Int, bits: Int) -> Int {
        var result = 0
        var value = value
        for _ in 0..<bits {
            result = result << 1 | value & 1
            value >>= 1
        }
        return result
    }

    static let fixedLiterals: HuffmanTable = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for symbol in 144..<256 { lengths[symbol] = 9 }
        for symbol in 256..<280 { lengths[symbol] = 7 }
        // The fixed lengths form a complete code, so construction cannot fail.
        return (try? HuffmanTable(lengths: lengths)) ?? HuffmanTable(empty: ())
    }()

    static let fixedDistances: HuffmanTable = {
        // 32 five-bit codes; symbols 30 and 31 exist in the code but are invalid in data.
        (try? HuffmanTable(lengths: [UInt8](repeating: 5, count: 32))) ?? HuffmanTable(empty: ())
    }()

    private init(empty: Void) {
        entries = [0, 0]
        bitCount = 1
    }
}

/// Reads deflate's least-significant-bit-first bit stream from a byte array.
private struct BitReader {
    private let bytes: [UInt8]
    private var position: Int
    private var buffer: UInt64 = 0
    private var bufferedBits = 0

    init(_ bytes: [UInt8], startingAt position: Int) {
        self.bytes = bytes
        self.position = position
    }

    var byteCount: Int { bytes.count }

    /// Input bytes consumed so far, counting a partly read byte as consumed.
    var consumedByteCount: Int { position - bufferedBits / 8 }

    private mutating func refill() {
        while bufferedBits <= 56 && position < bytes.count {
            buffer |= UInt64(bytes[position]) << UInt64(bufferedBits)
            position += 1
            bufferedBits += 8
        }
    }

    /// The next `count` bits (0…32) as an integer, first bit least significant.
    mutating func bits(_ count: Int) throws(InflateError) -> Int {
        if count == 0 { return 0 }
        if bufferedBits < count { refill() }
        guard bufferedBits >= count else { throw .truncated }
        let value = Int(buffer & (UInt64(1) << UInt64(count) - 1))
        buffer >>= UInt64(count)
        bufferedBits -= count
        return value
    }

    /// Decodes one symbol of `table`.
    mutating func decode(_ table: HuffmanTable) throws(InflateError) -> Int {
        if bufferedBits < table.bitCount { refill() }
        // Past the end of input the missing high bits read as zero; the length check below
        // tells a real code from one that needed bits we do not have.
        let entry = Int(table.entries[Int(buffer & (UInt64(1) << UInt64(table.bitCount) - 1))])
        let length = entry & 15
        guard length > 0 else {
            if bufferedBits < table.bitCount { throw .truncated }
            throw .corrupt("bit pattern is not a code of the current Huffman table")
        }
        guard length <= bufferedBits else { throw .truncated }
        buffer >>= UInt64(length)
        bufferedBits -= length
        return entry >> 4
    }

    /// Drops the bits up to the next byte boundary.
    mutating func alignToByte() {
        let drop = bufferedBits % 8
        buffer >>= UInt64(drop)
        bufferedBits -= drop
    }

    /// Appends `count` whole bytes to `output`. The reader must be byte-aligned.
    mutating func copyAlignedBytes(_ count: Int, into output: inout [UInt8]) throws(InflateError) {
        var remaining = count
        while remaining > 0 && bufferedBits >= 8 {
            output.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            bufferedBits -= 8
            remaining -= 1
        }
        guard remaining <= bytes.count - position else { throw .truncated }
        output.append(contentsOf: bytes[position..<position + remaining])
        position += remaining
    }
}
