import Foundation
import Testing

@testable import VigilCodes

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct QREncoderTests {
    // MARK: GF(256) and Reed–Solomon encoding

    @Test func fieldMultiplicationMatchesCarrylessReference() {
        // Shift-and-add multiplication reduced by 0x11D, for every pair.
        func reference(_ a: UInt8, _ b: UInt8) -> UInt8 {
            var product = 0
            var a = Int(a)
            var b = Int(b)
            while b != 0 {
                if b & 1 != 0 { product ^= a }
                a <<= 1
                if a & 0x100 != 0 { a ^= 0x11D }
                b >>= 1
            }
            return UInt8(product)
        }
        var mismatches = 0
        for a in 0...255 {
            for b in 0...255 where GF256.multiply(UInt8(a), UInt8(b)) != reference(UInt8(a), UInt8(b)) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
        #expect(GF256.power(255) == 1)
        #expect(GF256.power(8) == 0x1D)
        #expect(GF256.power(-1) == GF256.power(254))
    }

    @Test func fieldDivisionInvertsMultiplication() {
        for a in 0...255 {
            for b in 1...255 {
                let quotient = GF256.divide(UInt8(a), by: UInt8(b))
                #expect(GF256.multiply(quotient, UInt8(b)) == UInt8(a))
            }
        }
        for a in 1...255 { #expect(GF256.multiply(UInt8(a), GF256.inverse(UInt8(a))) == 1) }
    }

    @Test func generatorPolynomialMatchesAnnexA() {
        // ISO/IEC 18004:2015 Annex A, 7 error correction codewords:
        // x⁷ + α⁸⁷x⁶ + α²²⁹x⁵ + α¹⁴⁶x⁴ + α¹⁴⁹x³ + α²³⁸x² + α¹⁰²x + α²¹.
        let code = ReedSolomonCode(ecCount: 7)
        #expect(code.generator == [87, 229, 146, 149, 238, 102, 21].map { GF256.power($0) })
    }

    @Test func reedSolomonMatchesSpecificationExample() {
        // ISO/IEC 18004 Annex I: "01234567" as version 1-M.
        let data: [UInt8] = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
        ]
        let code = ReedSolomonCode(ecCount: 10)
        let check = code.checkSymbols(for: data)
        #expect(check == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
        #expect(code.syndromes(of: data + check).allSatisfy { $0 == 0 })
    }

    @Test func dataCodewordsMatchSpecificationLayout() {
        // Byte mode "Vigil" at 1-M: 0100, count 00000101, the bytes, terminator, pad codewords.
        let data = QRCode.dataCodewords(Array("Vigil".utf8), version: 1, count: 16)
        #expect(data == [0x40, 0x55, 0x66, 0x96, 0x76, 0x96, 0xC0, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC])
        // Version 10 and above use a 16-bit count; a full symbol has no terminator room to spare.
        let full = QRCode.dataCodewords(
            [UInt8](repeating: 0xAB, count: 213), version: 10, count: QRTables.dataCodewords(version: 10, level: .medium))
        #expect(full.count == 216)
        #expect(Array(full.prefix(4)) == [0x40, 0x0D, 0x5A, 0xBA])
    }

    // MARK: Tables

    @Test func codewordCountsMatchTable1() {
        let expected: [Int: (codewords: Int, remainder: Int)] = [
            1: (26, 0), 2: (44, 7), 6: (172, 7), 7: (196, 0), 14: (581, 3), 21: (1156, 4), 28: (1921, 3),
            40: (3706, 0),
        ]
        for (version, want) in expected {
            #expect(QRTables.totalCodewords(version: version) == want.codewords, "version \(version)")
            #expect(QRTables.dataModuleCount(version: version) % 8 == want.remainder, "version \(version)")
            #expect(QRSymbolLayout(version: version).dataPath.count == QRTables.dataModuleCount(version: version))
        }
    }

    @Test func byteCapacitiesMatchTable7() {
        let expected: [(version: Int, capacities: [Int])] = [
            (1, [17, 14, 11, 7]), (2, [32, 26, 20, 14]), (9, [230, 180, 130, 98]), (10, [271, 213, 151, 119]),
            (26, [1367, 1059, 751, 593]), (27, [1465, 1125, 805, 625]), (40, [2953, 2331, 1663, 1273]),
        ]
        for (version, capacities) in expected {
            #expect(QRErrorCorrection.allCases.map { QRTables.byteCapacity(version: version, level: $0) } == capacities)
        }
    }

    @Test func blockStructureMatchesTable9() {
        // Version 5-Q: 2 blocks of (33, 15) and 2 of (34, 16).
        let fiveQ = QRBlockStructure(version: 5, level: .quartile)
        #expect(fiveQ.blockCount == 4 && fiveQ.shortBlockCount == 2 && fiveQ.shortDataLength == 15)
        #expect(fiveQ.ecCodewordsPerBlock == 18 && fiveQ.correctableErrorsPerBlock == 9)
        // Version 40-H: 20 blocks of (45, 15) and 61 of (46, 16).
        let fortyH = QRBlockStructure(version: 40, level: .high)
        #expect(fortyH.blockCount == 81 && fortyH.shortBlockCount == 20 && fortyH.shortDataLength == 15)
        // Misdecode protection: 1-L corrects 2 errors with 7 codewords, 3-L 7 with 15.
        #expect(QRBlockStructure(version: 1, level: .low).correctableErrorsPerBlock == 2)
        #expect(QRBlockStructure(version: 3, level: .low).correctableErrorsPerBlock == 7)
        // Interleaving visits every position exactly once.
        for version in QRTables.versions {
            for level in QRErrorCorrection.allCases {
                let structure = QRBlockStructure(version: version, level: level)
                let positions = structure.interleavedPositions().flatMap { $0 }.sorted()
                #expect(positions == Array(0..<QRTables.totalCodewords(version: version)))
            }
        }
    }

    @Test func formatAndVersionInformationMatchAnnexesCAndD() {
        // Annex C example: level M, mask 101 → 100000011001110.
        #expect(QRTables.formatBits(level: .medium, mask: 5) == 0b100_0000_1100_1110)
        // Annex D example: version 7 → 000111110010010100.
        #expect(QRTables.versionBits(version: 7) == 0b00_0111_1100_1001_0100)
        #expect(QRTables.versionBits(version: 40) == 0x28C69)
        // Any two format codewords differ in at least 7 bits, any two version codewords in 8.
        let formats = QRTables.allFormatBits
        #expect(
            formats.indices.allSatisfy { i in
                formats.indices.allSatisfy { j in i == j || (formats[i] ^ formats[j]).nonzeroBitCount >= 7 }
            })
        let versions = (7...40).map { QRTables.versionBits(version: $0) }
        #expect(
            versions.indices.allSatisfy { i in
                versions.indices.allSatisfy { j in i == j || (versions[i] ^ versions[j]).nonzeroBitCount >= 8 }
            })
    }

    @Test func alignmentPatternCentersMatchAnnexE() {
        #expect(QRTables.alignmentPatternCenters(version: 1) == [])
        #expect(QRTables.alignmentPatternCenters(version: 2) == [6, 18])
        #expect(QRTables.alignmentPatternCenters(version: 7) == [6, 22, 38])
        #expect(QRTables.alignmentPatternCenters(version: 15) == [6, 26, 48, 70])
        #expect(QRTables.alignmentPatternCenters(version: 32) == [6, 34, 60, 86, 112, 138])
        #expect(QRTables.alignmentPatternCenters(version: 36) == [6, 24, 50, 76, 102, 128, 154])
        #expect(QRTables.alignmentPatternCenters(version: 40) == [6, 30, 58, 86, 114, 142, 170])
    }

    // MARK: Encoding

    /// Every version at level M; at the other levels the versions around the changes in
    /// character count length (9/10, 26/27) and the ends.
    @Test(arguments: QRErrorCorrection.allCases)
    func choosesTheSmallestVersionThatFits(level: QRErrorCorrection) throws {
        let versions = level == .medium ? Array(QRTables.versions) : [1, 2, 9, 10, 26, 27, 39, 40]
        for version in versions {
            let capacity = QRTables.byteCapacity(version: version, level: level)
            let full = try QRCode(bytes: [UInt8](repeating: 0x61, count: capacity), errorCorrection: level)
            #expect(full.version == version)
            #expect(full.matrix.size == 17 + 4 * version)
            #expect(full.errorCorrection == level)
            if version < 40 {
                let over = try QRCode(bytes: [UInt8](repeating: 0x61, count: capacity + 1), errorCorrection: level)
                #expect(over.version == version + 1)
            }
        }
    }

    @Test func honoursTheMinimumVersion() throws {
        #expect(try QRCode(bytes: Array("Vigil".utf8), minimumVersion: 5).version == 5)
        #expect(try QRCode(bytes: Array("Vigil".utf8), minimumVersion: 0).version == 1)
        #expect(try QRCode(bytes: Array("Vigil".utf8), minimumVersion: 99).version == 40)
        // 100 bytes at level M need version 6 (5-M holds 84) whatever the smaller minimum.
        #expect(try QRCode(bytes: [UInt8](repeating: 1, count: 100), minimumVersion: 2).version == 6)
    }

    @Test func rejectsPayloadsBeyondVersion40() {
        #expect(throws: QRError.dataTooLong(bytes: 2332, maximum: 2331)) {
            try QRCode(bytes: [UInt8](repeating: 0, count: 2332))
        }
        #expect(throws: QRError.dataTooLong(bytes: 1274, maximum: 1273)) {
            try QRCode(bytes: [UInt8](repeating: 0, count: 1274), errorCorrection: .high)
        }
        #expect(throws: Never.self) { try QRCode(bytes: [UInt8](repeating: 0, count: 2953), errorCorrection: .low) }
    }

    @Test func encodesTextAsUTF8() throws {
        let code = try QRCode(text: "Grüße, Vigil ✓")
        #expect(try QRMatrixDecoder.decode(code.matrix) == Array("Grüße, Vigil ✓".utf8))
        #expect(try QRCode(text: "").version == 1)
    }

    @Test func drawsFunctionPatterns() throws {
        for version in [1, 2, 7, 40] {
            let code = try QRCode(bytes: Array("Vigil".utf8), minimumVersion: version)
            let m = code.matrix
            let n = m.size
            // Finder patterns: dark ring, light ring, dark 3 × 3 centre, light separator.
            for (cx, cy) in [(3, 3), (n - 4, 3), (3, n - 4)] {
                for dy in -3...3 {
                    for dx in -3...3 {
                        let ring = max(abs(dx), abs(dy))
                        #expect(m[cx + dx, cy + dy] == (ring != 2), "finder at \(cx),\(cy) version \(version)")
                    }
                }
            }
            for i in 8..<(n - 8) {
                #expect(m[i, 6] == (i % 2 == 0), "horizontal timing \(i)")
                #expect(m[6, i] == (i % 2 == 0), "vertical timing \(i)")
            }
            #expect(m[8, n - 8], "dark module")
            // Alignment patterns: dark centre, light ring, dark ring; none over finder patterns.
            let centers = QRTables.alignmentPatternCenters(version: version)
            for cy in centers {
                for cx in centers where !(cx < 9 && cy < 9) && !(cx > n - 9 && cy < 9) && !(cx < 9 && cy > n - 9) {
                    for dy in -2...2 {
                        for dx in -2...2 {
                            #expect(m[cx + dx, cy + dy] == (max(abs(dx), abs(dy)) != 1), "alignment at \(cx),\(cy)")
                        }
                    }
                }
            }
        }
    }

    // MARK: Cross-check against segno

    /// "Vigil", byte mode, version 1-M, mask 0, as produced by segno 1.6.6:
    /// `segno.make_qr(b"Vigil", version=1, error="M", mask=0, boost_error=False, mode="byte")`,
    /// with segno's padding fixed as proposed in https://github.com/heuer/segno/issues/148 —
    /// unpatched segno appends an extra 0x00 codeword when the terminator ends on a byte
    /// boundary (always, in byte mode), where ISO/IEC 18004 7.4.10 starts the 0xEC 0x11 pad
    /// codewords directly. The patch replaces `encoder.write_padding_bits` with one that adds
    /// `-length % 8` zero bits. Rows top to bottom, `#` dark.
    static let vigilVersion1M = """
        #######...#.#.#######
        #.....#.#.##..#.....#
        #.###.#..#..#.#.###.#
        #.###.#..##...#.###.#
        #.###.#.#.#.#.#.###.#
        #.....#...#.#.#.....#
        #######.#.#.#.#######
        ...........##........
        #.#.#.#..###....#..#.
        ..####.#..#...#..####
        ####..#.....#...#####
        ###.#..#..#...#....##
        .#.######...#.#.#..##
        ........#..#.#.#.....
        #######..#.#.###.#.##
        #.....#..#.###.##....
        #.###.#.####.###...##
        #.###.#..##...##.###.
        #.###.#.##..#...###.#
        #.....#.......##...#.
        #######.###.#.##...##
        """

    /// "Vigil health pass", byte mode, version 7-Q, mask 3 (so with version information), from
    /// the same patched segno: `segno.make_qr(b"Vigil health pass", version=7, error="Q",
    /// mask=3, boost_error=False, mode="byte")`.
    static let vigilVersion7Q = """
        #######..#.####......###.#######....#.#######
        #.....#.##..#.####..##.#..#####.#..#..#.....#
        #.###.#.###..#.#.##.###..#.##....#.#..#.###.#
        #.###.#..#...#.#.###.#.#.#.#.##....##.#.###.#
        #.###.#...#.#.##..#######.##.#.##.###.#.###.#
        #.....#..##...#.#####...#...##.#......#.....#
        #######.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#######
        .........#####....#.#...#.#..#..#...#........
        .###.##..#..#..#...######..#.#..####......##.
        #..#......##.##....#.#..#..##.#.##..##..#.#..
        #...###.##..#.#.#....##.#####..#.#.....#...#.
        .###.....##.##...#.#...#..#.###..#...#.##..##
        ###..#####.##.##.##..##...#.#....#######.####
        .#.##..##.#..##..###....##..#.######..##..#..
        ###.#######.#.#.......####.#...#..##.#..#.#..
        #.#.##.#..##.#.#..##...#...##.#..#..#..#.#...
        .##.#.########.####.#.#..##....#...#######..#
        ##...#..##.##.##......#..#..#..####..#.......
        #.###.######.##..##...##.#.########.##..####.
        ...##..######.#.#..#..#..#....#.###.##.#.#.##
        .########.##..#..#.#########..#.#..#######.#.
        #.#.#...##.##.##...##...######..#.#.#...###..
        ##..#.#.#..###..##..#.#.#.####.#...##.#.####.
        #####...#.###...#..##...##.#######..#...##.##
        ##.########.##..#..#######.#..##.########..##
        ###....#.####.####....######...#####.....#.##
        .######..##...###.#...#####.###...#...####.#.
        #..###..#.#....##....#.#.###.#...#.....#.###.
        ...##.####.###..###.##..#..#####.#....#...#.#
        .###.#...##..##.###....#..#..####.###..#...#.
        .##.#####.#.######.#...###..#.###..#...######
        #.####.#..#..##...##..###.##..######.#####...
        ..##.##..#.....####.######..#.##....#.##.#..#
        .#...#.##.###..##.#.#.###.#..#.#..#.#.#..#.#.
        ....#.#..#.##..#..#.......#..#..#..#.#.####.#
        .####..###..##..##.####.##.##..#..#.##..###..
        #..##.#....#.###..#######.##.####..######.#..
        ........##.##..##...#...####.#.....##...##.#.
        #######..#...######.#.#.#...##..#####.#.##...
        #.....#.#####.###.#.#...#..###.#.####...#.#..
        #.###.#..###...#...######.##.##.#...#####...#
        #.###.#.##.#.#####.##..####.###..##..##..##..
        #.###.#.#.#..#.#.#.##...#.....#..###.#.......
        #.....#.#.###.###..####...##.#.##..#####..#.#
        #######..#.######....###.##.##.#.######......
        """

    @Test func matchesSegnoForVigilAtVersion1M() throws {
        let code = try QRCode(bytes: Array("Vigil".utf8), errorCorrection: .medium, minimumVersion: 1, mask: 0)
        #expect(code.version == 1 && code.mask == 0)
        #expect(Self.picture(code.matrix) == Self.vigilVersion1M)
    }

    @Test func matchesSegnoForVersion7WithVersionInformation() throws {
        let code = try QRCode(
            bytes: Array("Vigil health pass".utf8), errorCorrection: .quartile, minimumVersion: 7, mask: 3)
        #expect(code.version == 7 && code.mask == 3)
        #expect(Self.picture(code.matrix) == Self.vigilVersion7Q)
    }

    /// segno's automatic choices (version and mask) for these payloads, from
    /// `segno.make_qr(payload, error=level, boost_error=False, mode="byte")` with the padding
    /// patch above. segno scores masks by the rules of 7.8.3.1 before format and version
    /// information are placed (the order of 7.1), as this encoder does.
    static let segnoChoices: [(payload: String, level: QRErrorCorrection, version: Int, mask: Int)] = [
        ("Vigil", .low, 1, 1), ("Vigil", .medium, 1, 0), ("Vigil", .quartile, 1, 5), ("Vigil", .high, 1, 1),
        ("https://vigil.example/h/eyJhbGciOiJFZERTQSJ9", .low, 3, 0),
        ("https://vigil.example/h/eyJhbGciOiJFZERTQSJ9", .medium, 4, 7),
        ("https://vigil.example/h/eyJhbGciOiJFZERTQSJ9", .high, 5, 2),
        ("HELLO WORLD", .medium, 1, 4), ("HELLO WORLD", .quartile, 1, 3), ("HELLO WORLD", .high, 2, 3),
        (String(repeating: "Vigil health code", count: 5), .medium, 6, 2),
        (String(repeating: "Vigil health code", count: 5), .quartile, 7, 7),
        (String(repeating: "Vigil health code", count: 5), .high, 9, 3),
        (segnoJWS, .low, 9, 3), (segnoJWS, .medium, 10, 1), (segnoJWS, .quartile, 12, 6), (segnoJWS, .high, 15, 2),
    ]

    static let segnoJWS =
        "eyJhbGciOiJFZERTQSIsImtpZCI6InZpZ2lsLTIwMjYifQ.eyJzdWIiOiJwZXJzb24tNDIiLCJldnQiOiJ2YWNjaW5hdGlvbiIs"
        + "ImlhdCI6MTc2NDkzMzYwMH0.MEUCIQDx-Yz_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

    @Test func choosesTheSameVersionAndMaskAsSegno() throws {
        for choice in Self.segnoChoices {
            let code = try QRCode(text: choice.payload, errorCorrection: choice.level)
            #expect(
                code.version == choice.version && code.mask == choice.mask,
                "\(choice.payload.prefix(20)) at \(choice.level.rawValue)")
        }
    }

    @Test func fastPenaltyMatchesNaiveReference() throws {
        var rng = QRTestRandom(seed: 0x5EED_0001)
        // Random matrices of every symbol size, including biased ones with long runs.
        for size in stride(from: 21, through: 177, by: 12) {
            let density = [2, 8, 16][size % 3]
            let modules = (0..<(size * size)).map { _ in UInt8(rng.next() % 16 < density ? 1 : 0) }
            let fast = QRMaskEvaluator(modules: modules, size: size).penalty(mask: nil)
            #expect(fast == naivePenalty(modules, size: size), "size \(size)")
        }
        // Lines built around finder-like patterns, including the overlapping 10111011101 and
        // 1011101011101.
        let snippets: [[UInt8]] = [
            [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1], [1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0],
            [1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1],
            [1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1],
            [1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1], [0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 1],
        ]
        for size in [21, 25, 57, 177] {
            for _ in 0..<8 {
                var modules = (0..<(size * size)).map { _ in UInt8(rng.next() & 1) }
                for _ in 0..<(size / 2) {
                    let snippet = snippets[Int(rng.next() % UInt64(snippets.count))]
                    let y = Int(rng.next() % UInt64(size))
                    let x = Int(rng.next() % UInt64(size - snippet.count + 1))
                    let vertical = rng.next() & 1 == 0
                    for (i, v) in snippet.enumerated() {
                        modules[vertical ? (x + i) * size + y : y * size + x + i] = v
                    }
                }
                let fast = QRMaskEvaluator(modules: modules, size: size).penalty(mask: nil)
                #expect(fast == naivePenalty(modules, size: size), "size \(size)")
            }
        }
        // Real symbols, every mask.
        for version in [1, 6, 7, 21, 40] {
            let layout = QRSymbolLayout(version: version)
            let data = (0..<QRTables.dataCodewords(version: version, level: .medium)).map { _ in UInt8(rng.next() & 0xFF) }
            let codewords = QRCode.interleave(data, structure: QRBlockStructure(version: version, level: .medium))
            var modules = layout.functionModules
            for (k, byte) in codewords.enumerated() {
                for bit in 0..<8 where byte & (0x80 >> bit) != 0 { modules[layout.dataPath[8 * k + bit]] = 1 }
            }
            let evaluator = QRMaskEvaluator(modules: modules, layout: layout)
            for mask in 0..<8 {
                var masked = modules
                QRCode.applyMask(mask, to: &masked, layout: layout)
                #expect(evaluator.penalty(mask: mask) == naivePenalty(masked, size: layout.size), "v\(version) mask \(mask)")
            }
        }
    }

    // MARK: Rendering

    @Test func svgIsWellFormedAndDrawsExactlyTheDarkModules() throws {
        for (version, quiet) in [(1, 4), (7, 0), (25, 2)] {
            let code = try QRCode(bytes: Array("Vigil".utf8), minimumVersion: version)
            let svg = code.svg(moduleSize: 3, quietZone: quiet)
            let side = code.matrix.size + 2 * quiet

            let parser = XMLParser(data: Data(svg.utf8))
            let recorder = SVGRecorder()
            parser.delegate = recorder
            #expect(parser.parse(), "SVG is not well-formed XML")
            #expect(recorder.elements == ["svg", "rect", "path"])
            #expect(recorder.attributes["svg"]?["viewBox"] == "0 0 \(side) \(side)")
            #expect(recorder.attributes["svg"]?["width"] == "\(side * 3)")
            #expect(recorder.attributes["svg"]?["shape-rendering"] == "crispEdges")

            // Paint the path's runs and compare with the matrix, module by module.
            let d = try #require(recorder.attributes["path"]?["d"])
            var painted = [Bool](repeating: false, count: side * side)
            var count = 0
            let scanner = Scanner(string: d)
            while !scanner.isAtEnd {
                #expect(scanner.scanString("M") != nil)
                let x = try #require(scanner.scanInt())
                let y = try #require(scanner.scanInt())
                #expect(scanner.scanString("h") != nil)
                let length = try #require(scanner.scanInt())
                #expect(scanner.scanString("v1h-\(length)z") != nil)
                for i in x..<(x + length) {
                    #expect(!painted[y * side + i], "module painted twice")
                    painted[y * side + i] = true
                }
                count += length
            }
            #expect(count == code.matrix.modules.filter { $0 }.count)
            for y in 0..<side {
                for x in 0..<side {
                    let inside = (quiet..<(quiet + code.matrix.size))
                    let dark = inside.contains(x) && inside.contains(y) && code.matrix[x - quiet, y - quiet]
                    #expect(painted[y * side + x] == dark)
                }
            }
        }
    }

    @Test func renderingClampsModuleSizeAndQuietZone() throws {
        let code = try QRCode(text: "Vigil")
        #expect(code.png(moduleSize: 0, quietZone: -3) == code.png(moduleSize: 1, quietZone: 0))
        #expect(code.png(moduleSize: 1000, quietZone: 1000) == code.png(moduleSize: 64, quietZone: 16))
        #expect(code.svg(moduleSize: -1, quietZone: 99) == code.svg(moduleSize: 1, quietZone: 16))
    }

    @Test(arguments: [(1, 4, 4), (10, 3, 2), (40, 1, 0), (2, 5, 4)])
    func pngIsValidAndShowsTheMatrix(version: Int, moduleSize: Int, quiet: Int) throws {
        let code = try QRCode(bytes: Array("Vigil".utf8), minimumVersion: version)
        let png = code.png(moduleSize: moduleSize, quietZone: quiet)
        let side = (code.matrix.size + 2 * quiet) * moduleSize

        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var chunks: [(type: String, data: [UInt8])] = []
        var offset = 8
        while offset < png.count {
            let length = Int(bigEndian32(png, offset))
            let typeAndData = Array(png[(offset + 4)..<(offset + 8 + length)])
            #expect(bigEndian32(png, offset + 8 + length) == referenceCRC32(typeAndData), "chunk CRC")
            chunks.append((String(decoding: typeAndData.prefix(4), as: UTF8.self), Array(typeAndData.dropFirst(4))))
            offset += 12 + length
        }
        #expect(offset == png.count)
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        let header = chunks[0].data
        #expect(bigEndian32(header, 0) == UInt32(side) && bigEndian32(header, 4) == UInt32(side))
        #expect(Array(header[8...]) == [1, 0, 0, 0, 0])  // 1-bit greyscale, no interlace

        let zlib = chunks[1].data
        #expect((Int(zlib[0]) << 8 | Int(zlib[1])) % 31 == 0 && zlib[0] & 0x0F == 8)
        let raw = try TestInflater.inflate(Array(zlib[2..<(zlib.count - 4)]))
        #expect(bigEndian32(zlib, zlib.count - 4) == referenceAdler32(raw))

        let stride = (side + 7) / 8 + 1
        #expect(raw.count == stride * side)
        for py in 0..<side {
            #expect(raw[py * stride] == 0, "filter type None")
            for px in 0..<side {
                let white = raw[py * stride + 1 + px / 8] & (0x80 >> UInt8(px % 8)) != 0
                let x = px / moduleSize - quiet
                let y = py / moduleSize - quiet
                let inside = (0..<code.matrix.size)
                let dark = inside.contains(x) && inside.contains(y) && code.matrix[x, y]
                if white == dark {
                    Issue.record("pixel \(px),\(py) wrong")
                    return
                }
            }
        }
    }

    // MARK: zbarimg round trip

    @Test(
        .enabled(if: ZBar.executable != nil, "zbarimg (Debian package zbar-tools) is not on PATH; skipped"),
        arguments: QRTables.versions)
    func zbarimgReadsEveryVersionAtLevelsMAndQ(version: Int) throws {
        var rng = QRTestRandom(seed: 0x2BA5_0000 + UInt64(version))
        // M: the fullest payload of this version; Q: the emptiest one that still needs it.
        let lengths: [(QRErrorCorrection, Int)] = [
            (.medium, QRTables.byteCapacity(version: version, level: .medium)),
            (.quartile, version == 1 ? 1 : QRTables.byteCapacity(version: version - 1, level: .quartile) + 1),
        ]
        for (level, length) in lengths {
            let payload = Array(randomBase64URL(length: length, using: &rng).utf8)
            let code = try QRCode(bytes: payload, errorCorrection: level)
            #expect(code.version == version)
            #expect(try ZBar.read(code, name: "v\(version)-\(level.rawValue)") == payload, "v\(version)-\(level.rawValue)")
        }
    }

    @Test(
        .enabled(if: ZBar.executable != nil, "zbarimg (Debian package zbar-tools) is not on PATH; skipped"),
        arguments: [1, 2, 5, 7, 10, 14, 20, 27, 33, 40])
    func zbarimgReadsLevelsLAndH(version: Int) throws {
        var rng = QRTestRandom(seed: 0x2BA5_1000 + UInt64(version))
        for level in [QRErrorCorrection.low, .high] {
            let payload = Array(randomBase64URL(length: QRTables.byteCapacity(version: version, level: level), using: &rng).utf8)
            let code = try QRCode(bytes: payload, errorCorrection: level)
            #expect(code.version == version)
            #expect(try ZBar.read(code, name: "v\(version)-\(level.rawValue)") == payload, "v\(version)-\(level.rawValue)")
        }
    }

    @Test(.enabled(if: ZBar.executable != nil, "zbarimg (Debian package zbar-tools) is not on PATH; skipped"))
    func zbarimgReadsJWSTokens() throws {
        var rng = QRTestRandom(seed: 0x0005_7A11)
        for (index, length) in [150, 240, 300, 310, 350].enumerated() {
            // header.payload.signature, base64url without padding, like a compact JWS.
            let header = randomBase64URL(length: 36, using: &rng)
            let signature = randomBase64URL(length: 86, using: &rng)
            let token = header + "." + randomBase64URL(length: length - 124, using: &rng) + "." + signature
            for level in QRErrorCorrection.allCases {
                let code = try QRCode(text: token, errorCorrection: level)
                for (moduleSize, quiet) in [(4, 4), (2, 4), (3, 2)] {
                    let png = code.png(moduleSize: moduleSize, quietZone: quiet)
                    let read = try ZBar.read(png: png, name: "jws\(index)-\(level.rawValue)-\(moduleSize)")
                    #expect(read == Array(token.utf8), "JWS \(length) at \(level.rawValue), module \(moduleSize)")
                }
            }
        }
        #expect(try ZBar.read(QRCode(text: Self.segnoJWS), name: "segno-jws") == Array(Self.segnoJWS.utf8))
    }

    @Test(.enabled(if: ZBar.executable != nil, "zbarimg (Debian package zbar-tools) is not on PATH; skipped"))
    func zbarimgReadsBinaryPayloads() throws {
        let everyByte = [UInt8](0...255) + [UInt8](0...255).reversed()
        let code = try QRCode(bytes: everyByte, errorCorrection: .quartile)
        #expect(try ZBar.read(png: code.png(), name: "binary", binary: true) == everyByte)
    }
}

// MARK: - Helpers

extension QREncoderTests {
    /// The matrix as rows of `#` (dark) and `.` (light).
    static func picture(_ matrix: QRMatrix) -> String {
        (0..<matrix.size).map { y in String((0..<matrix.size).map { matrix[$0, y] ? "#" : "." }) }
            .joined(separator: "\n")
    }
}

/// Rule-by-rule mask penalty, written after segno's `mask_scores` (ISO/IEC 18004:2015 7.8.3.1)
/// with one module at a time: the reference for ``QRMaskEvaluator``.
private func naivePenalty(_ modules: [UInt8], size n: Int) -> Int {
    func at(_ x: Int, _ y: Int) -> UInt8 { modules[y * n + x] }
    var lines: [[UInt8]] = []
    for i in 0..<n {
        lines.append((0..<n).map { at($0, i) })
        lines.append((0..<n).map { at(i, $0) })
    }
    var score = 0
    for line in lines {
        // Rule 1.
        var start = 0
        while start < n {
            var end = start
            while end < n, line[end] == line[start] { end += 1 }
            if end - start >= 5 { score += 3 + (end - start - 5) }
            start = end
        }
        // Rule 3: find 1011101 from the left; count it with four light modules (or the edge)
        // before or after, then continue after it; otherwise continue at its fifth module.
        let pattern: [UInt8] = [1, 0, 1, 1, 1, 0, 1]
        var i = 0
        while i + 7 <= n {
            guard Array(line[i..<(i + 7)]) == pattern else {
                i += 1
                continue
            }
            let before = line[max(0, i - 4)..<i].allSatisfy { $0 == 0 }
            let after = line[(i + 7)..<min(n, i + 11)].allSatisfy { $0 == 0 }
            if before || after {
                score += 40
                i += 7
            } else {
                i += 4
            }
        }
    }
    // Rule 2.
    for y in 0..<(n - 1) {
        for x in 0..<(n - 1) {
            let colour = at(x, y)
            if at(x + 1, y) == colour && at(x, y + 1) == colour && at(x + 1, y + 1) == colour { score += 3 }
        }
    }
    // Rule 4.
    let percent = Double(modules.filter { $0 == 1 }.count) / Double(n * n) * 100
    score += 10 * Int(abs(percent - 50) / 5)
    return score
}

/// SplitMix64, seeded, so every run of the QR tests sees the same "random" payloads.
struct QRTestRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `length` characters of the base64url alphabet.
private func randomBase64URL(length: Int, using rng: inout QRTestRandom) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return String((0..<length).map { _ in alphabet[Int(rng.next() % 64)] })
}

private func bigEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
}

/// Bit-by-bit CRC-32 (ISO-HDLC), independent of the renderer's table-driven one.
private func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

private func referenceAdler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1
    var b: UInt32 = 0
    for byte in bytes {
        a = (a + UInt32(byte)) % 65521
        b = (b + a) % 65521
    }
    return b << 16 | a
}

/// A minimal inflater for stored and fixed-Huffman deflate blocks (RFC 1951), enough to check
/// the renderer's output without trusting its own tables.
private enum TestInflater {
    struct Failure: Error { var reason: String }

    static func inflate(_ input: [UInt8]) throws -> [UInt8] {
        var position = 0  // in bits
        func bit() throws -> Int {
            guard position < input.count * 8 else { throw Failure(reason: "out of data") }
            defer { position += 1 }
            return Int(input[position >> 3] >> UInt8(position & 7)) & 1
        }
        func bits(_ count: Int) throws -> Int {
            var value = 0
            for i in 0..<count { value |= try bit() << i }
            return value
        }
        // Fixed literal/length code, read MSB-first one bit at a time (RFC 1951, 3.2.6).
        func literal() throws -> Int {
            var code = 0
            for length in 1...9 {
                code = code << 1 | (try bit())
                switch length {
                case 7 where code <= 0b0010111: return 256 + code
                case 8 where (0b0011_0000...0b1011_1111).contains(code): return code - 0b0011_0000
                case 8 where (0b1100_0000...0b1100_0111).contains(code): return 280 + code - 0b1100_0000
                case 9 where (0b1_1001_0000...0b1_1111_1111).contains(code): return 144 + code - 0b1_1001_0000
                default: continue
                }
            }
            throw Failure(reason: "bad literal code")
        }
        let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
        let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        let distanceBase = [
            1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
            4097, 6145, 8193, 12289, 16385, 24577,
        ]
        var output: [UInt8] = []
        var final = 0
        repeat {
            final = try bit()
            switch try bits(2) {
            case 0:
                position = (position + 7) & ~7
                let length = try bits(16)
                guard try bits(16) == length ^ 0xFFFF else { throw Failure(reason: "bad stored length") }
                for _ in 0..<length { output.append(UInt8(try bits(8))) }
            case 1:
                while true {
                    let symbol = try literal()
                    if symbol < 256 {
                        output.append(UInt8(symbol))
                        continue
                    }
                    if symbol == 256 { break }
                    guard symbol - 257 < lengthBase.count else { throw Failure(reason: "bad length code") }
                    let length = lengthBase[symbol - 257] + (try bits(lengthExtra[symbol - 257]))
                    var distanceCode = 0
                    for _ in 0..<5 { distanceCode = distanceCode << 1 | (try bit()) }
                    guard distanceCode < 30 else { throw Failure(reason: "bad distance code") }
                    let distance = distanceBase[distanceCode] + (try bits(max(0, distanceCode / 2 - 1)))
                    guard distance <= output.count else { throw Failure(reason: "distance too far back") }
                    for _ in 0..<length { output.append(output[output.count - distance]) }
                }
            default:
                throw Failure(reason: "unsupported block type")
            }
        } while final == 0
        return output
    }
}

/// Records element names and attributes of a parsed SVG.
private final class SVGRecorder: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var attributes: [String: [String: String]] = [:]

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        elements.append(elementName)
        attributes[elementName] = attributeDict
    }
}

/// Runs `zbarimg` (zbar-tools) on PNG files in a temporary directory.
private enum ZBar {
    /// The zbarimg executable on PATH, if any.
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/zbarimg" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static func read(_ code: QRCode, name: String) throws -> [UInt8]? {
        try read(png: code.png(), name: name)
    }

    /// The payload zbarimg finds in `png`, or nil when it finds none. With `binary`, zbarimg
    /// prints the bytes as they are (`-Sbinary`); otherwise it prints text and a newline.
    static func read(png: [UInt8], name: String, binary: Bool = false) throws -> [UInt8]? {
        guard let executable else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-qr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("\(name).png")
        try Data(png).write(to: file)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--raw", "-q"] + (binary ? ["-Sbinary"] : []) + [file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        var bytes = [UInt8](data)
        if !binary, bytes.last == 0x0A { bytes.removeLast() }
        return bytes
    }
}
