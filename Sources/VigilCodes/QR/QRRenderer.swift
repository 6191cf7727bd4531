extension QRCode {
    /// The symbol as a standalone SVG document: a white background and one `<path>` of dark
    /// modules, drawn in module units (the `viewBox`) with `shape-rendering="crispEdges"`.
    ///
    /// - Parameters:
    ///   - moduleSize: Pixels per module for the `width` and `height` attributes, clamped to 1–64.
    ///   - quietZone: Light modules around the symbol, clamped to 0–16; the standard asks for 4.
    public func svg(moduleSize: Int = 4, quietZone: Int = 4) -> String {
        matrix.svg(moduleSize: moduleSize, quietZone: quietZone)
    }

    /// The symbol as a PNG image: 1-bit greyscale, one square of `moduleSize` pixels per module.
    ///
    /// - Parameters:
    ///   - moduleSize: Pixels per module side, clamped to 1–64.
    ///   - quietZone: Light modules around the symbol, clamped to 0–16; the standard asks for 4.
    public func png(moduleSize: Int = 4, quietZone: Int = 4) -> [UInt8] {
        matrix.png(moduleSize: moduleSize, quietZone: quietZone)
    }
}

extension QRMatrix {
    /// The modules as a standalone SVG document: a white background and one `<path>` of dark
    /// modules, drawn in module units (the `viewBox`) with `shape-rendering="crispEdges"`.
    ///
    /// Each horizontal run of dark modules is one closed sub-path `M x y h n v1 h-n z`.
    ///
    /// - Parameters:
    ///   - moduleSize: Pixels per module for the `width` and `height` attributes, clamped to 1–64.
    ///   - quietZone: Light modules around the symbol, clamped to 0–16.
    public func svg(moduleSize: Int = 4, quietZone: Int = 4) -> String {
        let (scale, quiet) = Self.renderingBounds(moduleSize: moduleSize, quietZone: quietZone)
        let side = size + 2 * quiet
        let pixels = side * scale
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard self[x, y] else {
                    x += 1
                    continue
                }
                let start = x
                while x < size, self[x, y] { x += 1 }
                path += "M\(start + quiet) \(y + quiet)h\(x - start)v1h-\(x - start)z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(pixels)" height="\(pixels)" \
            viewBox="0 0 \(side) \(side)" shape-rendering="crispEdges">\
            <rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path fill="#000" d="\(path)"/></svg>

            """
    }

    /// The modules as a PNG image: 1-bit greyscale (0 black, 1 white), non-interlaced, one
    /// square of `moduleSize` pixels per module.
    ///
    /// The zlib stream is a single fixed-Huffman deflate block whose only back-references are
    /// runs (distance 1) and repeats of the previous pixel row, which is all a QR image needs to
    /// shrink well.
    ///
    /// - Parameters:
    ///   - moduleSize: Pixels per module side, clamped to 1–64.
    ///   - quietZone: Light modules around the symbol, clamped to 0–16.
    public func png(moduleSize: Int = 4, quietZone: Int = 4) -> [UInt8] {
        let (scale, quiet) = Self.renderingBounds(moduleSize: moduleSize, quietZone: quietZone)
        let width = (size + 2 * quiet) * scale
        let rowBytes = (width + 7) / 8
        let stride = rowBytes + 1  // filter type byte, then the packed pixels

        // Scanlines: filter type 0 (None), pixels packed most significant bit first, 1 = white.
        // Each module row becomes one scanline, repeated `scale` times.
        var raw: [UInt8] = []
        raw.reserveCapacity(stride * width)
        var scanline = [UInt8](repeating: 0, count: stride)
        for y in (-quiet)..<(size + quiet) {
            for i in 1..<stride { scanline[i] = 0xFF }  // white, including the padding bits
            if (0..<size).contains(y) {
                for x in 0..<size where self[x, y] {
                    for px in ((x + quiet) * scale)..<((x + quiet + 1) * scale) {
                        scanline[1 + (px >> 3)] &= ~(0x80 >> UInt8(px & 7))
                    }
                }
            }
            for _ in 0..<scale { raw += scanline }
        }

        var header: [UInt8] = []
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(width))
        header += [1, 0, 0, 0, 0]  // bit depth 1, greyscale, deflate, adaptive filtering, no interlace

        var zlib: [UInt8] = [0x78, 0x01]  // deflate with a 32 KiB window, fastest; (0x7801 % 31 == 0)
        zlib += QRDeflate.compress(raw, rowStride: stride)
        zlib.appendBigEndian(QRDeflate.adler32(raw))

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png.appendPNGChunk("IHDR", header)
        png.appendPNGChunk("IDAT", zlib)
        png.appendPNGChunk("IEND", [])
        return png
    }

    /// Module size and quiet zone within the documented bounds, which keep a version 40 PNG
    /// below 14,000 pixels a side.
    private static func renderingBounds(moduleSize: Int, quietZone: Int) -> (scale: Int, quiet: Int) {
        (min(max(moduleSize, 1), 64), min(max(quietZone, 0), 16))
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) })
    }

    /// Appends length, type, data and the CRC-32 of type and data.
    fileprivate mutating func appendPNGChunk(_ type: String, _ data: [UInt8]) {
        appendBigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        append(contentsOf: typed)
        appendBigEndian(QRDeflate.crc32(typed))
    }
}

/// The pieces of zlib (RFC 1950), deflate (RFC 1951) and PNG (ISO/IEC 15948) that the PNG
/// renderer needs.
enum QRDeflate {
    /// CRC-32 (polynomial 0xEDB88320, reflected) as PNG chunks use it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// Adler-32 of the uncompressed data, the zlib trailer.
    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            // 5552 bytes is the most that cannot overflow 32 bits before reducing.
            let end = Swift.min(index + 5552, bytes.count)
            for byte in bytes[index..<end] {
                a += UInt32(byte)
                b += a
            }
            a %= 65521
            b %= 65521
            index = end
        }
        return b << 16 | a
    }

    /// One final deflate block with the fixed Huffman codes. At each position it takes the
    /// longer of the matches at distance 1 and `rowStride` (when at least 3 bytes long),
    /// otherwise a literal.
    static func compress(_ data: [UInt8], rowStride: Int) -> [UInt8] {
        var out = DeflateBitWriter()
        out.write(1, bits: 1)  // BFINAL
        out.write(1, bits: 2)  // BTYPE 01: fixed Huffman codes
        let distances = [1, rowStride].filter { $0 <= 32768 }
        data.withUnsafeBufferPointer { data in
            var i = 0
            while i < data.count {
                var best = (length: 0, distance: 0)
                for distance in distances where distance <= i {
                    let limit = Swift.min(258, data.count - i)
                    var length = 0
                    while length < limit, data[i + length] == data[i + length - distance] { length += 1 }
                    if length > best.length { best = (length, distance) }
                }
                if best.length >= 3 {
                    out.writeLength(best.length)
                    out.writeDistance(best.distance)
                    i += best.length
                } else {
                    out.writeLiteral(Int(data[i]))
                    i += 1
                }
            }
        }
        out.writeLiteral(256)  // end of block
        return out.finish()
    }
}

/// Writes deflate's bit stream: fields least significant bit first, Huffman codes most
/// significant bit first.
private struct DeflateBitWriter {
    private var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    mutating func write(_ value: Int, bits: Int) {
        buffer |= UInt64(value) << UInt64(count)
        count += bits
        while count >= 8 {
            bytes.append(UInt8(buffer & 0xFF))
            buffer >>= 8
            count -= 8
        }
    }

    /// Writes a Huffman code of `bits` bits, most significant first.
    mutating func writeCode(_ code: Int, bits: Int) {
        var reversed = 0
        for i in 0..<bits where code & (1 << i) != 0 { reversed |= 1 << (bits - 1 - i) }
        write(reversed, bits: bits)
    }

    /// A literal/length symbol (0–285) in the fixed code (RFC 1951, 3.2.6).
    mutating func writeLiteral(_ symbol: Int) {
        switch symbol {
        case 0...143: writeCode(0x30 + symbol, bits: 8)
        case 144...255: writeCode(0x190 + symbol - 144, bits: 9)
        case 256...279: writeCode(symbol - 256, bits: 7)
        default: writeCode(0xC0 + symbol - 280, bits: 8)
        }
    }

    /// A match length of 3–258 bytes.
    mutating func writeLength(_ length: Int) {
        var code = Self.lengthBases.count - 1
        while Self.lengthBases[code] > length { code -= 1 }
        writeLiteral(257 + code)
        write(length - Self.lengthBases[code], bits: Self.lengthExtraBits[code])
    }

    /// A match distance of 1–32768 bytes.
    mutating func writeDistance(_ distance: Int) {
        var code = Self.distanceBases.count - 1
        while Self.distanceBases[code] > distance { code -= 1 }
        writeCode(code, bits: 5)
        write(distance - Self.distanceBases[code], bits: Self.distanceExtraBits[code])
    }

    /// The stream, padded with zero bits to a whole byte.
    mutating func finish() -> [UInt8] {
        if count > 0 { write(0, bits: 8 - count) }
        return bytes
    }

    private static let lengthBases = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
        227, 258,
    ]
    private static let lengthExtraBits = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBases = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
}
