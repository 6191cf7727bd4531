import Foundation
import Testing
import VigilCodes

/// Reading module grids from pictures of QR codes made by segno (an independent encoder), rendered
/// and rotated in Python (see Resources/README.md), plus pictures rendered here from the same
/// matrices at other scales and rotations.
@Suite struct QRImageReaderTests {
    static let fixtures = [
        "qr-v1-s10-r0",  // 8-bit grey
        "qr-v2-s5.5-r90",  // 1-bit grey, non-integer scale
        "qr-v7-s4-r180",  // RGB, navy on cream, version information
        "qr-v10-s3-r270",  // palette
        "qr-v15-s5.5-r0",
        "qr-v15-s3-r90",
        "qr-v2-s4-inverted",  // light modules on black
        "qr-v7-s5.5-antialiased-r270",  // box-filtered edges: grey levels at module boundaries
    ]

    @Test("reads exactly segno's matrix", arguments: fixtures)
    func readsFixture(name: String) throws {
        let image = try PNGDecoder.decode(QRFixtureFiles.bytes("\(name).png"))
        let expected = try Self.matrix(QRFixtureFiles.text("\(name).txt"))
        let matrix = try QRImageReader.read(image)
        #expect(matrix.size == expected.size)
        try #require(matrix.size == expected.size)
        let wrong = Self.differences(matrix, expected)
        #expect(wrong.isEmpty, "\(wrong.count) modules differ, first (column, row): \(wrong.prefix(8))")
    }

    @Test(
        "reads codes rendered here at other scales and rotations",
        arguments: [
            ("qr-v1-s10-r0", 2.5, 1), ("qr-v2-s4-inverted", 3.3, 2), ("qr-v7-s4-r180", 2.2, 3),
            ("qr-v10-s3-r270", 7.25, 0), ("qr-v10-s3-r270", 4.6, 1), ("qr-v15-s5.5-r0", 3.75, 2),
            ("qr-v15-s3-r90", 2.6, 3), ("qr-v7-s5.5-antialiased-r270", 12, 1),
        ])
    func readsRenderedCode(name: String, scale: Double, quarterTurns: Int) throws {
        let expected = try Self.matrix(QRFixtureFiles.text("\(name).txt"))
        let image = Self.render(expected, scale: scale, quietZone: 4, quarterTurns: quarterTurns)
        let matrix = try QRImageReader.read(image)
        try #require(matrix.size == expected.size)
        #expect(Self.differences(matrix, expected).isEmpty)
    }

    @Test func readsACodeOffCentreInALargerPicture() throws {
        let expected = try Self.matrix(QRFixtureFiles.text("qr-v7-s4-r180.txt"))
        let code = Self.render(expected, scale: 3.5, quietZone: 1, quarterTurns: 0)
        var canvas = GrayImage(width: code.width + 120, height: code.height + 40, filledWith: 255)
        for y in 0..<code.height {
            for x in 0..<code.width { canvas[x + 90, y + 7] = code[x, y] }
        }
        #expect(try QRImageReader.read(canvas) == expected)
    }

    @Test(
        "reads a slightly tilted code (best effort: the reader targets axis-aligned codes)",
        arguments: [-4.0, 2.5, 7.0])
    func readsTiltedCode(degrees: Double) throws {
        let expected = try Self.matrix(QRFixtureFiles.text("qr-v2-s5.5-r90.txt"))
        let upright = Self.render(expected, scale: 8, quietZone: 4, quarterTurns: 0)
        // Nearest-neighbour rotation about the centre, white outside.
        let angle = degrees * Double.pi / 180
        let (c, s) = (cos(angle), sin(angle))
        let half = Double(upright.width) / 2
        var tilted = GrayImage(width: upright.width, height: upright.height, filledWith: 255)
        for y in 0..<upright.height {
            for x in 0..<upright.width {
                let (dx, dy) = (Double(x) + 0.5 - half, Double(y) + 0.5 - half)
                let sx = Int((c * dx + s * dy + half).rounded(.down))
                let sy = Int((-s * dx + c * dy + half).rounded(.down))
                if (0..<upright.width).contains(sx), (0..<upright.height).contains(sy) {
                    tilted[x, y] = upright[sx, sy]
                }
            }
        }
        #expect(try QRImageReader.read(tilted) == expected)
    }

    @Test func findsNoCodeInABlankImage() {
        #expect(throws: QRImageError.noCodeFound) {
            try QRImageReader.read(GrayImage(width: 200, height: 150, filledWith: 255))
        }
        #expect(throws: QRImageError.noCodeFound) {
            try QRImageReader.read(GrayImage(width: 64, height: 64, filledWith: 0))
        }
    }

    @Test func findsNoCodeInNoiseOrStripes() throws {
        var random = ImageTestRandom(seed: 42)
        let noise = try #require(
            GrayImage(
                width: 160, height: 120,
                pixels: (0..<160 * 120).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }))
        #expect(throws: QRImageError.noCodeFound) { try QRImageReader.read(noise) }
        let stripes = try #require(
            GrayImage(width: 100, height: 100, pixels: (0..<100 * 100).map { ($0 % 100) / 5 % 2 == 0 ? 0 : 255 }))
        #expect(throws: QRImageError.noCodeFound) { try QRImageReader.read(stripes) }
    }

    @Test func findsNoCodeWithOnlyTwoFinders() throws {
        var code = try Self.matrix(QRFixtureFiles.text("qr-v2-s5.5-r90.txt"))
        // Paint over the bottom-left finder.
        for row in code.size - 8..<code.size { for column in 0..<8 { code[column, row] = false } }
        #expect(throws: QRImageError.noCodeFound) {
            try QRImageReader.read(Self.render(code, scale: 5, quietZone: 4, quarterTurns: 0))
        }
    }

    @Test func refusesTinyImages() {
        #expect(throws: QRImageError.imageTooSmall(width: 20, height: 40)) {
            try QRImageReader.read(GrayImage(width: 20, height: 40, filledWith: 255))
        }
    }

    @Test func refusesAPixelBufferThatDoesNotMatchTheSize() {
        var image = GrayImage(width: 30, height: 30, filledWith: 255)
        image.pixels.removeLast()
        #expect(throws: QRImageError.invalidImage("899 pixel values for a 30×30 image")) {
            try QRImageReader.read(image)
        }
    }

    @Test func sizesALargeCodeFromItsTimingPatternsWhenVersionInformationIsUnreadable() throws {
        var code = try Self.matrix(QRFixtureFiles.text("qr-v15-s3-r90.txt"))
        // Blank both version-information blocks (as a logo might); at 2.6 px per module the
        // finder spacing alone suggests 73 modules, so only the timing patterns give 77.
        for bit in 0..<18 {
            code[code.size - 11 + bit % 3, bit / 3] = false
            code[bit / 3, code.size - 11 + bit % 3] = false
        }
        let matrix = try QRImageReader.read(Self.render(code, scale: 2.6, quietZone: 4, quarterTurns: 3))
        #expect(matrix.size == 77)
        #expect(matrix == code)
    }

    @Test func reportsVersionInformationThatContradictsTheGrid() throws {
        var code = try Self.matrix(QRFixtureFiles.text("qr-v7-s4-r180.txt"))
        // Write version 9's information (0x09A99, from ISO/IEC 18004 Table D.1) into both blocks
        // of this 45-module version 7 code.
        let word = 0x09A99
        for bit in 0..<18 {
            let dark = word >> bit & 1 == 1
            code[code.size - 11 + bit % 3, bit / 3] = dark
            code[bit / 3, code.size - 11 + bit % 3] = dark
        }
        #expect {
            try QRImageReader.read(Self.render(code, scale: 4, quietZone: 4, quarterTurns: 0))
        } throws: { error in
            guard case .inconsistentVersion(let details) = error as? QRImageError else { return false }
            return details.contains("version 9")
        }
    }

    @Test func reportsFinderSpacingOutsideTheVersionRange() {
        // Three lone finder patterns 190 modules apart: no QR code is that large.
        let span = 190 + 7
        var code = QRMatrix(size: span)
        for (left, top) in [(0, 0), (span - 7, 0), (0, span - 7)] {
            for dy in 0..<7 {
                for dx in 0..<7 {
                    let ring = max(abs(dx - 3), abs(dy - 3))
                    code[left + dx, top + dy] = ring != 2
                }
            }
        }
        #expect {
            try QRImageReader.read(Self.render(code, scale: 2, quietZone: 2, quarterTurns: 0))
        } throws: { error in
            guard case .inconsistentVersion = error as? QRImageError else { return false }
            return true
        }
    }

    // MARK: Helpers

    /// Parses lines of 0/1 (1 = dark) into a matrix.
    static func matrix(_ text: String) throws -> QRMatrix {
        let rows = text.split(separator: "\n").map { line in line.map { $0 == "1" } }
        try #require(rows.allSatisfy { $0.count == rows.count })
        return QRMatrix(size: rows.count, modules: rows.flatMap { $0 })
    }

    /// (column, row) of every module that differs.
    static func differences(_ a: QRMatrix, _ b: QRMatrix) -> [(Int, Int)] {
        var result: [(Int, Int)] = []
        for row in 0..<a.size {
            for column in 0..<a.size where a[column, row] != b[column, row] { result.append((column, row)) }
        }
        return result
    }

    /// Nearest-neighbour rendering with a quiet zone, black on white, turned clockwise by
    /// `quarterTurns` × 90°. Pixel (x, y) shows the module under its centre.
    static func render(_ code: QRMatrix, scale: Double, quietZone: Int, quarterTurns: Int) -> GrayImage {
        let modules = code.size + 2 * quietZone
        let side = Int((Double(modules) * scale).rounded())
        var image = GrayImage(width: side, height: side, filledWith: 255)
        for y in 0..<side {
            for x in 0..<side {
                let column = Int((Double(x) + 0.5) / scale) - quietZone
                let row = Int((Double(y) + 0.5) / scale) - quietZone
                guard (0..<code.size).contains(column), (0..<code.size).contains(row), code[column, row] else {
                    continue
                }
                // Clockwise quarter turn: (x, y) → (side − 1 − y, x).
                var (tx, ty) = (x, y)
                for _ in 0..<quarterTurns % 4 { (tx, ty) = (side - 1 - ty, tx) }
                image[tx, ty] = 0
            }
        }
        return image
    }
}
