import Testing

@testable import VigilCodes

@Suite struct QRMatrixDecoderTests {
    // MARK: Reed–Solomon decoding

    @Test(arguments: [2, 7, 10, 13, 17, 22, 26, 30])
    func reedSolomonCorrectsUpToHalfTheCheckSymbols(ecCount: Int) throws {
        var rng = QRTestRandom(seed: 0xEC00 + UInt64(ecCount))
        let code = ReedSolomonCode(ecCount: ecCount)
        for trial in 0..<200 {
            let dataLength = 1 + Int(rng.next() % UInt64(min(150, 255 - ecCount)))
            let data = (0..<dataLength).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let codeword = data + code.checkSymbols(for: data)
            let errors = trial % (ecCount / 2 + 1)
            var received = codeword
            for position in randomPositions(errors, in: codeword.count, using: &rng) {
                received[position] ^= UInt8(1 + rng.next() % 255)
            }
            #expect(try code.correct(&received) == errors)
            #expect(received == codeword)
        }
    }

    /// Beyond ecCount / 2 errors a bounded-distance decoder cannot promise detection: the word
    /// may lie within ecCount / 2 of another codeword. What it does promise is that it never
    /// hands back the original, and that whatever it hands back is a codeword.
    @Test(arguments: [2, 4, 7, 10, 16, 30])
    func reedSolomonNeverReturnsAWrongWordThatIsNotACodeword(ecCount: Int) throws {
        var rng = QRTestRandom(seed: 0xBEEF + UInt64(ecCount))
        let code = ReedSolomonCode(ecCount: ecCount)
        var detected = 0
        var miscorrected = 0
        for _ in 0..<300 {
            let data = (0..<26).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let codeword = data + code.checkSymbols(for: data)
            let errors = ecCount / 2 + 1 + Int(rng.next() % UInt64(ecCount / 2 + 1))
            var received = codeword
            for position in randomPositions(errors, in: codeword.count, using: &rng) {
                received[position] ^= UInt8(1 + rng.next() % 255)
            }
            let before = received
            do {
                try code.correct(&received)
                miscorrected += 1
                #expect(received != codeword)
                #expect(code.syndromes(of: received).allSatisfy { $0 == 0 })
            } catch {
                detected += 1
                #expect(received == before, "a failed correction leaves the word alone")
            }
        }
        if ecCount >= 10 {
            // Miscorrection odds are below 1e-6 per word here; seeing one would mean a bug.
            #expect(miscorrected == 0)
        }
        #expect(detected + miscorrected == 300)
    }

    @Test func reedSolomonHonoursALowerErrorLimit() throws {
        let code = ReedSolomonCode(ecCount: 7)
        let data: [UInt8] = Array(1...19)
        let codeword = data + code.checkSymbols(for: data)
        var received = codeword
        received[0] ^= 0x55
        received[10] ^= 0x01
        received[20] ^= 0xFF
        #expect(throws: ReedSolomonError.self) { try code.correct(&received, maximumErrors: 2) }
        #expect(try code.correct(&received, maximumErrors: 3) == 3)
        #expect(received == codeword)
    }

    // MARK: Round trips

    @Test(arguments: QRTables.versions)
    func decodesWhatTheEncoderWrites(version: Int) throws {
        var rng = QRTestRandom(seed: 0xD0DE + UInt64(version))
        for level in QRErrorCorrection.allCases {
            let payload = randomPayload(forVersion: version, level: level, using: &rng)
            let code = try QRCode(bytes: payload, errorCorrection: level)
            #expect(code.version == version)
            #expect(try QRMatrixDecoder.decode(code.matrix) == payload, "v\(version)-\(level.rawValue)")
        }
    }

    @Test(arguments: QRTables.versions)
    func correctsEveryBlockUpToItsCapacity(version: Int) throws {
        var rng = QRTestRandom(seed: 0xC0DE + UInt64(version))
        for level in QRErrorCorrection.allCases {
            let payload = randomPayload(forVersion: version, level: level, using: &rng)
            let code = try QRCode(bytes: payload, errorCorrection: level)
            let structure = QRBlockStructure(version: version, level: level)
            let damage = Damage(version: version, structure: structure)
            var matrix = code.matrix
            for block in 0..<structure.blockCount {
                damage.corrupt(&matrix, block: block, errors: structure.correctableErrorsPerBlock, using: &rng)
            }
            #expect(matrix != code.matrix)
            #expect(try QRMatrixDecoder.decode(matrix) == payload, "v\(version)-\(level.rawValue)")
        }
    }

    /// One error more than a block may correct must be reported for that block. (Reed–Solomon
    /// cannot promise this, but for QR block sizes a miscorrection has odds below 1e-9, so with
    /// these fixed seeds any silent wrong answer is a decoder bug.)
    @Test(arguments: QRTables.versions)
    func reportsABlockWithOneErrorTooMany(version: Int) throws {
        var rng = QRTestRandom(seed: 0xFA11 + UInt64(version))
        for level in QRErrorCorrection.allCases {
            let payload = randomPayload(forVersion: version, level: level, using: &rng)
            let code = try QRCode(bytes: payload, errorCorrection: level)
            let structure = QRBlockStructure(version: version, level: level)
            let damage = Damage(version: version, structure: structure)
            let block = Int(rng.next() % UInt64(structure.blockCount))
            var matrix = code.matrix
            damage.corrupt(&matrix, block: block, errors: structure.correctableErrorsPerBlock + 1, using: &rng)
            #expect(throws: QRError.uncorrectable(block: block), "v\(version)-\(level.rawValue) block \(block)") {
                try QRMatrixDecoder.decode(matrix)
            }
        }
    }

    // MARK: Format and version information

    @Test func readsFormatInformationFromEitherCopy() throws {
        let code = try QRCode(bytes: Array("Vigil".utf8), errorCorrection: .quartile)
        let positions = QRSymbolLayout.formatPositions(size: code.matrix.size)
        for damaged in [positions.first, positions.second] {
            // Five bit errors: beyond repair, yet not a valid codeword either. (Inverting all 15
            // bits would be: the complement of a format codeword is another one.)
            var matrix = code.matrix
            for bit in [0, 3, 6, 9, 12] { matrix.modules[damaged[bit]].toggle() }
            #expect(try QRMatrixDecoder.readFormat(matrix) == (.quartile, code.mask))
            #expect(try QRMatrixDecoder.decode(matrix) == Array("Vigil".utf8))
        }
        // Three bit errors in each copy are still within reach.
        var matrix = code.matrix
        for bit in [0, 7, 14] {
            matrix.modules[positions.first[bit]].toggle()
            matrix.modules[positions.second[bit + (bit == 14 ? -1 : 1)]].toggle()
        }
        #expect(try QRMatrixDecoder.readFormat(matrix) == (.quartile, code.mask))
    }

    @Test func rejectsUnreadableFormatInformation() throws {
        // A 15-bit word at distance ≥ 4 from every format codeword, in both copies.
        let far = try #require(
            (0..<(1 << 15)).first { word in QRTables.allFormatBits.allSatisfy { ($0 ^ word).nonzeroBitCount >= 4 } })
        let code = try QRCode(bytes: Array("Vigil".utf8))
        var matrix = code.matrix
        let positions = QRSymbolLayout.formatPositions(size: matrix.size)
        for bit in 0..<15 {
            matrix.modules[positions.first[bit]] = (far >> bit) & 1 != 0
            matrix.modules[positions.second[bit]] = (far >> bit) & 1 != 0
        }
        #expect(throws: QRError.unreadableFormat) { try QRMatrixDecoder.decode(matrix) }
    }

    @Test func readsVersionInformationFromEitherCopy() throws {
        for version in [7, 21, 40] {
            let code = try QRCode(bytes: Array("Vigil".utf8), minimumVersion: version)
            let positions = QRSymbolLayout.versionPositions(size: code.matrix.size)
            #expect(QRMatrixDecoder.readVersion(code.matrix) == version)
            for damaged in [positions.first, positions.second] {
                var matrix = code.matrix
                for index in damaged { matrix.modules[index].toggle() }
                #expect(QRMatrixDecoder.readVersion(matrix) == version)
                #expect(try QRMatrixDecoder.decode(matrix) == Array("Vigil".utf8))
            }
        }
    }

    @Test func rejectsVersionInformationNamingAnotherVersion() throws {
        let code = try QRCode(bytes: Array("Vigil".utf8), minimumVersion: 7)
        var matrix = code.matrix
        let positions = QRSymbolLayout.versionPositions(size: matrix.size)
        let eight = QRTables.versionBits(version: 8)
        for bit in 0..<18 {
            matrix.modules[positions.first[bit]] = (eight >> bit) & 1 != 0
            matrix.modules[positions.second[bit]] = (eight >> bit) & 1 != 0
        }
        #expect(throws: QRError.invalidSize(45)) { try QRMatrixDecoder.decode(matrix) }
    }

    @Test func rejectsSizesThatAreNotQRSizes() {
        for size in [0, 17, 20, 22, 181] {
            #expect(throws: QRError.invalidSize(size)) { try QRMatrixDecoder.decode(QRMatrix(size: size)) }
        }
    }

    // MARK: Segments

    @Test func decodesTheSpecificationsNumericExample() throws {
        // ISO/IEC 18004 Annex I: "01234567" as version 1-M, numeric mode.
        let data: [UInt8] = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
        ]
        for mask in 0..<8 {
            let symbol = QRCode.symbol(dataCodewords: data, version: 1, level: .medium, mask: mask)
            #expect(try QRMatrixDecoder.decode(symbol.matrix) == Array("01234567".utf8))
        }
    }

    @Test func decodesMixedSegments() throws {
        var bits = TestBitWriter()
        bits.append(0b0111, 4)  // ECI 26 (UTF-8), one-byte designator
        bits.append(26, 8)
        bits.append(0b0100, 4)  // byte: "é"
        bits.append(2, 8)
        bits.append(0xC3, 8)
        bits.append(0xA9, 8)
        bits.append(0b0010, 4)  // alphanumeric: "AC-42" → (A,C) (-,4) (2)
        bits.append(5, 9)
        bits.append(10 * 45 + 12, 11)
        bits.append(41 * 45 + 4, 11)
        bits.append(2, 6)
        bits.append(0b0001, 4)  // numeric: "0071" → 007, 1
        bits.append(4, 10)
        bits.append(7, 10)
        bits.append(1, 4)
        bits.append(0b1000, 4)  // Kanji: 0x935F and 0xE4AA (Annex H examples)
        bits.append(2, 8)
        bits.append(0xD9F, 13)
        bits.append(0x1AAA, 13)
        bits.append(0b0111, 4)  // ECI 1000, two-byte designator
        bits.append(0b10 << 14 | 1000, 16)
        bits.append(0b0000, 4)  // terminator, then garbage that must be ignored
        bits.append(0b0100_1111, 8)
        let expected = [0xC3, 0xA9] + Array("AC-420071".utf8) + [0x93, 0x5F, 0xE4, 0xAA]
        #expect(try QRMatrixDecoder.parseSegments(bits.bytes, version: 1) == expected)

        // The same stream in a real symbol, at a version with longer count fields.
        var long = TestBitWriter()
        long.append(0b0011, 4)  // structured append header: symbol 1 of 2, parity 0x5A
        long.append(0x01, 8)
        long.append(0x5A, 8)
        long.append(0b0001, 4)  // numeric, 12-bit count at version 10
        long.append(3, 12)
        long.append(999, 10)
        long.append(0b0100, 4)  // byte, 16-bit count
        long.append(1, 16)
        long.append(0x21, 8)
        let data = padded(long.bytes, version: 10, level: .high)
        let symbol = QRCode.symbol(dataCodewords: data, version: 10, level: .high, mask: nil)
        #expect(try QRMatrixDecoder.decode(symbol.matrix) == Array("999!".utf8))
    }

    @Test func stopsWhenFewerThanFourBitsRemain() throws {
        // Numeric "42" takes 4 + 10 + 7 = 21 bits, leaving 3 bits of the last byte: no room for
        // a mode indicator, so the terminator is implied.
        var bits = TestBitWriter()
        bits.append(0b0001, 4)
        bits.append(2, 10)
        bits.append(42, 7)
        bits.append(0b101, 3)
        #expect(bits.bytes.count == 3)
        #expect(try QRMatrixDecoder.parseSegments(bits.bytes, version: 1) == Array("42".utf8))
    }

    @Test func rejectsMalformedSegments() {
        func parse(_ build: (inout TestBitWriter) -> Void) throws(QRError) -> [UInt8] {
            var bits = TestBitWriter()
            build(&bits)
            return try QRMatrixDecoder.parseSegments(bits.bytes, version: 1)
        }
        #expect(throws: QRError.self) { try parse { $0.append(0b0110, 4) } }  // no such mode
        #expect(throws: QRError.self) {  // byte count beyond the data
            try parse {
                $0.append(0b0100, 4)
                $0.append(200, 8)
            }
        }
        #expect(throws: QRError.self) {  // 1000 is not a three-digit group
            try parse {
                $0.append(0b0001, 4)
                $0.append(3, 10)
                $0.append(1000, 10)
            }
        }
        #expect(throws: QRError.self) {  // 45 × 45 is not an alphanumeric pair
            try parse {
                $0.append(0b0010, 4)
                $0.append(2, 9)
                $0.append(2025, 11)
            }
        }
        #expect(throws: QRError.self) {  // 1110xxxx is not an ECI designator
            try parse {
                $0.append(0b0111, 4)
                $0.append(0xE0, 8)
            }
        }
    }

    @Test func malformedDataInASymbolIsReported() throws {
        // Correct Reed–Solomon blocks holding a byte segment that claims more bytes than exist.
        var bits = TestBitWriter()
        bits.append(0b0100, 4)
        bits.append(100, 8)
        let symbol = QRCode.symbol(dataCodewords: padded(bits.bytes, version: 1, level: .low), version: 1, level: .low, mask: 2)
        let error = #expect(throws: QRError.self) { try QRMatrixDecoder.decode(symbol.matrix) }
        guard case .malformedData = error else {
            Issue.record("expected malformedData, got \(String(describing: error))")
            return
        }
    }
}

// MARK: - Helpers

/// A payload of random bytes just long enough to need `version` at `level`.
private func randomPayload(forVersion version: Int, level: QRErrorCorrection, using rng: inout QRTestRandom) -> [UInt8] {
    let smallest = version == 1 ? 0 : QRTables.byteCapacity(version: version - 1, level: level) + 1
    let largest = QRTables.byteCapacity(version: version, level: level)
    let length = smallest + Int(rng.next() % UInt64(largest - smallest + 1))
    return (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
}

/// `count` distinct positions in 0..<range.
private func randomPositions(_ count: Int, in range: Int, using rng: inout QRTestRandom) -> [Int] {
    var all = Array(0..<range)
    for i in 0..<count { all.swapAt(i, i + Int(rng.next() % UInt64(range - i))) }
    return Array(all.prefix(count))
}

/// Damages codewords of a symbol in the matrix, block by block.
private struct Damage {
    let layout: QRSymbolLayout
    let positions: [[Int]]

    init(version: Int, structure: QRBlockStructure) {
        layout = QRSymbolLayout(version: version)
        positions = structure.interleavedPositions()
    }

    /// Damages `errors` distinct codewords of `block` by flipping a random non-empty subset of
    /// each codeword's eight modules (sometimes all eight).
    func corrupt(_ matrix: inout QRMatrix, block: Int, errors: Int, using rng: inout QRTestRandom) {
        let positions = positions[block]
        for offset in randomPositions(errors, in: positions.count, using: &rng) {
            let pattern: UInt8 = rng.next() % 4 == 0 ? 0xFF : UInt8(1 + rng.next() % 255)
            let codeword = positions[offset]
            for bit in 0..<8 where pattern & (0x80 >> bit) != 0 {
                matrix.modules[layout.dataPath[8 * codeword + bit]].toggle()
            }
        }
    }
}

/// `bits` (already byte-aligned) followed by the standard pad codewords.
private func padded(_ bytes: [UInt8], version: Int, level: QRErrorCorrection) -> [UInt8] {
    var data = bytes
    let count = QRTables.dataCodewords(version: version, level: level)
    while data.count < count { data.append(data.count % 2 == bytes.count % 2 ? 0xEC : 0x11) }
    return data
}

/// Appends bit fields most significant bit first; the last byte is zero-padded.
private struct TestBitWriter {
    private(set) var bytes: [UInt8] = []
    private var count = 0

    mutating func append(_ value: Int, _ width: Int) {
        for shift in stride(from: width - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 { bytes[bytes.count - 1] |= 0x80 >> UInt8(count % 8) }
            count += 1
        }
    }
}
