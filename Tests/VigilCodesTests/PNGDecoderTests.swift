import Foundation
import Testing
import VigilCodes

/// PNG decoding against files written by an independent Python encoder (and by Pillow), each with
/// the expected grey levels computed in Python (`*.gray`: width × height raw bytes); see
/// Resources/README.md.
@Suite struct PNGDecoderTests {
    /// Fixture name, size, and what it covers.
    static let cases: [(name: String, width: Int, height: Int)] = [
        ("gray1", 13, 7),  // colour type 0, depth 1, filter None
        ("gray2", 11, 5),  // depth 2, Sub
        ("gray2-trns", 9, 4),  // tRNS key on a sub-byte depth
        ("gray4", 9, 6),  // depth 4, Up
        ("gray8-avg", 16, 8),  // depth 8, Average
        ("gray16-paeth", 7, 5),  // depth 16, Paeth
        ("gray8-paeth-ties", 24, 12),  // Paeth with values 0…5: ties where b must win over c
        ("gray8-trns", 8, 8),  // tRNS grey key, all five filters
        ("rgb8-allfilters", 10, 6),  // colour type 2, filters 0…4 by row
        ("rgb16", 6, 5),
        ("rgb8-trns", 5, 5),  // tRNS RGB key
        ("palette1", 12, 4),  // colour type 3, depths 1, 2, 4, 8
        ("palette2", 7, 7),
        ("palette4-trns", 11, 7),  // tRNS shorter than the palette
        ("palette8", 9, 9),
        ("grayalpha8", 9, 4),  // colour type 4
        ("grayalpha16", 5, 5),
        ("rgba8", 8, 6),  // colour type 6
        ("rgba16", 4, 4),
        ("rgb8-interlaced", 13, 11),  // Adam7
        ("gray1-interlaced", 10, 9),
        ("rgba8-interlaced-tiny", 3, 2),  // Adam7 with empty passes
        ("gray8-multi-idat", 20, 12),  // four IDAT chunks and a tEXt chunk
        ("pillow-rgba", 15, 10),  // written by Pillow, its own filter choice
        ("small-good", 8, 4),
    ]

    @Test("decodes to the grey levels Python computed", arguments: cases.map(\.name))
    func decodesFixture(name: String) throws {
        let expected = try #require(Self.cases.first { $0.name == name })
        let image = try PNGDecoder.decode(QRFixtureFiles.bytes("png-\(name).png"))
        #expect(image.width == expected.width)
        #expect(image.height == expected.height)
        let gray = try QRFixtureFiles.bytes("png-\(name).gray")
        #expect(image.pixels.count == gray.count)
        let mismatches = zip(image.pixels, gray).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(
            mismatches.isEmpty,
            "first mismatches (index, got, want): \(mismatches.prefix(5).map { ($0.offset, $0.element.0, $0.element.1) })"
        )
    }

    @Test func rejectsFilesWithoutTheSignature() {
        #expect(throws: PNGError.notPNG) { try PNGDecoder.decode([]) }
        #expect(throws: PNGError.notPNG) {
            try PNGDecoder.decode([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46])
        }
        #expect(throws: PNGError.notPNG) { try PNGDecoder.decode(Array("GIF89a and more text".utf8)) }
    }

    @Test func reportsEveryTruncationAsTruncated() throws {
        let file = try QRFixtureFiles.bytes("png-small-good.png")
        for length in 8..<file.count {
            #expect(throws: PNGError.truncated, "cut at \(length)") {
                try PNGDecoder.decode(Array(file.prefix(length)))
            }
        }
        #expect(throws: PNGError.notPNG) { try PNGDecoder.decode(Array(file.prefix(5))) }
    }

    @Test func namesTheChunkWhoseCRCFails() throws {
        let file = try QRFixtureFiles.bytes("png-small-good.png")
        // Layout: signature (8), IHDR (8 + 13 + 4 = 25, data at 16), IDAT (data at 41), IEND (last 12 bytes).
        var damagedHeader = file
        damagedHeader[16 + 3] ^= 0x01  // width 8 → 9
        #expect(throws: PNGError.badCRC(chunk: "IHDR")) { try PNGDecoder.decode(damagedHeader) }

        var damagedData = file
        damagedData[43] ^= 0x40
        #expect(throws: PNGError.badCRC(chunk: "IDAT")) { try PNGDecoder.decode(damagedData) }

        var damagedEnd = file
        damagedEnd[file.count - 1] ^= 0xFF
        #expect(throws: PNGError.badCRC(chunk: "IEND")) { try PNGDecoder.decode(damagedEnd) }
    }

    @Test func reportsDamagedImageDataWithValidCRCs() throws {
        #expect(throws: PNGError.corruptData("image data: corrupt deflate data: reserved block type 3")) {
            try PNGDecoder.decode(QRFixtureFiles.bytes("png-bad-zlib.png"))
        }
        #expect(throws: PNGError.corruptData("row 0 has filter type 7, want 0…4")) {
            try PNGDecoder.decode(QRFixtureFiles.bytes("png-bad-filter.png"))
        }
        #expect(throws: PNGError.corruptData("image data is 27 bytes, the header implies 36")) {
            try PNGDecoder.decode(QRFixtureFiles.bytes("png-short-data.png"))
        }
    }

    @Test func refusesUnknownCriticalChunks() throws {
        #expect(throws: PNGError.unsupported("critical chunk ZZZZ")) {
            try PNGDecoder.decode(QRFixtureFiles.bytes("png-unknown-critical.png"))
        }
    }

    @Test func refusesImagesOverThePixelLimitBeforeDecompressing() throws {
        #expect(throws: PNGError.tooLarge(width: 100_000, height: 100_000, maximumPixels: 16_000_000)) {
            try PNGDecoder.decode(QRFixtureFiles.bytes("png-huge-header.png"))
        }
        let small = try QRFixtureFiles.bytes("png-small-good.png")
        #expect(throws: PNGError.tooLarge(width: 8, height: 4, maximumPixels: 31)) {
            try PNGDecoder.decode(small, maximumPixels: 31)
        }
        #expect(try PNGDecoder.decode(small, maximumPixels: 32).pixels.count == 32)
    }

    @Test func survivesAHugeHeaderWhenTheCallerLiftsTheLimit() throws {
        // 100000 × 100000 RGBA at 16 bits is 80 GB of pixel data: the one-byte IDAT stream
        // cannot produce it, so the file is refused without allocating anything that size.
        var file = try QRFixtureFiles.bytes("png-huge-header.png")
        file[16 + 8] = 16  // bit depth
        file[16 + 9] = 6  // colour type RGBA
        Self.recomputeCRCs(&file)
        #expect(throws: PNGError.corruptData("image data is 1 bytes, the header implies 80000100000")) {
            try PNGDecoder.decode(file, maximumPixels: .max)
        }
    }

    @Test func errorsDescribeThemselves() {
        #expect(PNGError.badCRC(chunk: "IDAT").description == "CRC mismatch in IDAT chunk")
        #expect(
            PNGError.tooLarge(width: 5, height: 6, maximumPixels: 7).description
                == "PNG image is 5×6 pixels, more than the limit of 7")
    }

    @Test func survivesRandomDamage() throws {
        let files = try ["png-rgb8-interlaced.png", "png-palette4-trns.png", "qr-v2-s5.5-r90.png"]
            .map(QRFixtureFiles.bytes)
        var random = ImageTestRandom(seed: 0xBAD_F11E)
        for index in 0..<600 {
            var file = files[index % files.count]
            // Damage past the signature, then half the time cut the file short too.
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                file[Int.random(in: 8..<file.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            // Half the time repair the CRCs so the damage reaches the header, inflate and filter code.
            if index % 2 == 0 { Self.recomputeCRCs(&file) }
            if index % 3 == 0 { file = Array(file.prefix(Int.random(in: 8..<file.count, using: &random))) }
            // Either an image or a PNGError; the typed throw guarantees nothing else escapes.
            _ = try? PNGDecoder.decode(file)
        }
    }

    /// Rewrites each chunk's CRC-32 (bitwise reference implementation), as far as the lengths allow.
    static func recomputeCRCs(_ file: inout [UInt8]) {
        var position = 8
        while position + 12 <= file.count {
            let length = file[position..<position + 4].reduce(0) { $0 << 8 | Int($1) }
            guard length <= file.count - position - 12 else { return }
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in file[position + 4..<position + 8 + length] {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            crc ^= 0xFFFF_FFFF
            for i in 0..<4 { file[position + 8 + length + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(i))) }
            position += 12 + length
        }
    }

    @Test func referenceCRCAgreesWithTheFixtures() throws {
        // Guards the fuzz test above: repairing an undamaged file must not change it.
        let file = try QRFixtureFiles.bytes("png-gray8-multi-idat.png")
        var copy = file
        Self.recomputeCRCs(&copy)
        #expect(copy == file)
    }
}
