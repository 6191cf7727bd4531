/// A greyscale picture: one luminance byte per pixel, row by row from the top left.
public struct GrayImage: Sendable, Equatable {
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `width × height` luminance values, 0 = black, 255 = white, row-major.
    public var pixels: [UInt8]

    /// Wraps `pixels`, or returns nil when their count is not `width × height` (or a side is negative).
    public init?(width: Int, height: Int, pixels: [UInt8]) {
        guard width >= 0, height >= 0, width.multipliedReportingOverflow(by: height) == (pixels.count, false) else {
            return nil
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image of one uniform shade.
    public init(width: Int, height: Int, filledWith value: UInt8) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.pixels = Array(repeating: value, count: self.width * self.height)
    }

    /// The pixel at column `x`, row `y`. Both must be in range.
    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }
}

/// Why a PNG file could not be decoded.
public enum PNGError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes do not start with the PNG signature.
    case notPNG
    /// The file ends inside a chunk, or before the IEND chunk.
    case truncated
    /// A chunk's CRC-32 does not match its type and data.
    case badCRC(chunk: String)
    /// Valid PNG that this decoder does not handle (an unknown critical chunk, a new compression method…).
    case unsupported(String)
    /// The file breaks the PNG specification; the message says where.
    case corruptData(String)
    /// The image has more pixels than the caller allowed.
    case tooLarge(width: Int, height: Int, maximumPixels: Int)

    public var description: String {
        switch self {
        case .notPNG: "not a PNG file (signature missing)"
        case .truncated: "PNG file is truncated"
        case .badCRC(let chunk): "CRC mismatch in \(chunk) chunk"
        case .unsupported(let what): "unsupported PNG feature: \(what)"
        case .corruptData(let why): "corrupt PNG: \(why)"
        case .tooLarge(let width, let height, let maximumPixels):
            "PNG image is \(width)×\(height) pixels, more than the limit of \(maximumPixels)"
        }
    }
}

/// Decodes PNG files (ISO/IEC 15948) to greyscale, in pure Swift.
///
/// Supports every standard colour type (grey, RGB, palette, grey + alpha, RGBA) and bit depth
/// (1, 2, 4, 8, 16), all five row filters, Adam7 interlacing, `tRNS` transparency and any number
/// of `IDAT` chunks. Colour becomes luminance with the Rec. 601 weights
/// (0.299 R + 0.587 G + 0.114 B); transparency is composited over white; 16-bit samples are
/// rounded to 8 bits. Gamma, colour profiles and other ancillary chunks are ignored, though
/// their CRCs are still checked.
public enum PNGDecoder {
    /// Decodes a whole PNG file.
    ///
    /// - Parameters:
    ///   - bytes: The file's contents.
    ///   - maximumPixels: The largest `width × height` to accept; larger images are refused before
    ///     any pixel data is decompressed, so a hostile header cannot make us allocate gigabytes.
    /// - Returns: The image as luminance, composited over white.
    /// - Throws: ``PNGError`` describing the first problem found.
    public static func decode(_ bytes: [UInt8], maximumPixels: Int = 16_000_000) throws(PNGError) -> GrayImage {
        var chunks = ChunkReader(bytes)
        try chunks.readSignature()

        let first = try chunks.next()
        guard first.type == "IHDR" else { throw .corruptData("first chunk is \(first.type), want IHDR") }
        let header = try Header(first.data)
        let (pixelCount, overflow) = header.width.multipliedReportingOverflow(by: header.height)
        guard !overflow, pixelCount <= maximumPixels else {
            throw .tooLarge(width: header.width, height: header.height, maximumPixels: maximumPixels)
        }

        var palette: [UInt8] = []
        var transparency: [UInt8]?
        var compressed: [UInt8] = []
        var sawData = false
        var dataEnded = false
        chunkLoop: while true {
            let chunk = try chunks.next()
            switch chunk.type {
            case "IEND":
                break chunkLoop
            case "IHDR":
                throw .corruptData("second IHDR chunk")
            case "PLTE":
                guard !sawData else { throw .corruptData("PLTE after IDAT") }
                guard chunk.data.count % 3 == 0, (3...768).contains(chunk.data.count) else {
                    throw .corruptData("PLTE length \(chunk.data.count) is not 3 × (1…256)")
                }
                palette = chunk.data
            case "tRNS":
                guard !sawData else { throw .corruptData("tRNS after IDAT") }
                transparency = chunk.data
            case "IDAT":
                guard !dataEnded else { throw .corruptData("IDAT chunks are not consecutive") }
                sawData = true
                compressed.append(contentsOf: chunk.data)
            default:
                if sawData { dataEnded = true }
                // Bit 5 of the first letter clear (upper case) marks a chunk needed to show the image.
                if let firstLetter = chunk.type.utf8.first, firstLetter & 0x20 == 0 {
                    throw .unsupported("critical chunk \(chunk.type)")
                }
            }
        }
        guard sawData else { throw .corruptData("no IDAT chunk") }
        if header.colorType == .palette && palette.isEmpty { throw .corruptData("palette image without PLTE chunk") }

        guard let expectedCount = header.filteredByteCount else {
            throw .tooLarge(width: header.width, height: header.height, maximumPixels: maximumPixels)
        }
        let raw: [UInt8]
        do {
            raw = try Inflate.zlib(compressed, maximumOutputCount: expectedCount)
        } catch {
            switch error {
            case .truncated: throw .corruptData("image data ends early")
            case .outputTooLarge:
                throw .corruptData("image data is longer than the \(expectedCount) bytes the header implies")
            default: throw .corruptData("image data: \(error)")
            }
        }
        guard raw.count == expectedCount else {
            throw .corruptData("image data is \(raw.count) bytes, the header implies \(expectedCount)")
        }

        let converter = try PixelConverter(header: header, palette: palette, transparency: transparency)
        var image = GrayImage(width: header.width, height: header.height, filledWith: 255)
        var offset = 0
        for pass in header.passes where pass.width > 0 && pass.height > 0 {
            let rowBytes = header.rowByteCount(width: pass.width)
            let length = pass.height * (rowBytes + 1)
            let rows = try unfilter(
                raw[offset..<offset + length], rowByteCount: rowBytes,
                bytesPerPixel: header.filterStride, rowCount: pass.height)
            offset += length
            for row in 0..<pass.height {
                let y = pass.y0 + row * pass.dy
                converter.convertRow(rows, rowStart: row * rowBytes, count: pass.width) { column, value in
                    image[pass.x0 + column * pass.dx, y] = value
                }
            }
        }
        return image
    }

    /// Reverses PNG row filtering; returns the rows without their filter-type bytes.
    private static func unfilter(
        _ data: ArraySlice<UInt8>, rowByteCount: Int, bytesPerPixel: Int, rowCount: Int
    ) throws(PNGError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rowByteCount * rowCount)
        var input = data.startIndex
        for row in 0..<rowCount {
            let filter = data[input]
            input += 1
            let start = row * rowByteCount
            let previous = start - rowByteCount  // only read when row > 0
            switch filter {
            case 0:
                for i in 0..<rowByteCount { out[start + i] = data[input + i] }
            case 1:
                for i in 0..<rowByteCount {
                    let left = i >= bytesPerPixel ? out[start + i - bytesPerPixel] : 0
                    out[start + i] = data[input + i] &+ left
                }
            case 2:
                for i in 0..<rowByteCount {
                    let up = row > 0 ? out[previous + i] : 0
                    out[start + i] = data[input + i] &+ up
                }
            case 3:
                for i in 0..<rowByteCount {
                    let left = i >= bytesPerPixel ? Int(out[start + i - bytesPerPixel]) : 0
                    let up = row > 0 ? Int(out[previous + i]) : 0
                    out[start + i] = data[input + i] &+ UInt8((left + up) / 2)
                }
            case 4:
                for i in 0..<rowByteCount {
                    let left = i >= bytesPerPixel ? Int(out[start + i - bytesPerPixel]) : 0
                    let up = row > 0 ? Int(out[previous + i]) : 0
                    let upLeft = row > 0 && i >= bytesPerPixel ? Int(out[previous + i - bytesPerPixel]) : 0
                    out[start + i] = data[input + i] &+ paeth(left, up, upLeft)
                }
            default:
                throw .corruptData("row \(row) has filter type \(filter), want 0…4")
            }
            input += rowByteCount
        }
        return out
    }

    private static func paeth(_ a: Int, _ b: Int, _ c: Int) -> UInt8 {
        let p = a + b - c
        let pa = abs(p - a)
        let pb = abs(p - b)
        let pc = abs(p - c)
        if pa <= pb && pa <= pc { return UInt8(a) }
        return pb <= pc ? UInt8(b) : UInt8(c)
    }
}

// MARK: - Chunks

/// Walks the chunk list, checking lengths and CRCs.
private struct ChunkReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func readSignature() throws(PNGError) {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw .notPNG }
        position = 8
    }

    mutating func next() throws(PNGError) -> (type: String, data: [UInt8]) {
        guard bytes.count - position >= 12 else { throw .truncated }
        let length = Int(readUInt32(at: position))
        guard length <= 0x7FFF_FFFF else { throw .corruptData("chunk length \(length) exceeds 2^31 - 1") }
        let typeBytes = bytes[position + 4..<position + 8]
        guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            throw .corruptData("chunk type bytes \(Array(typeBytes)) are not ASCII letters")
        }
        let type = String(decoding: typeBytes, as: UTF8.self)
        guard bytes.count - position - 12 >= length else { throw .truncated }
        let dataStart = position + 8
        let stored = readUInt32(at: dataStart + length)
        guard CRC32.checksum(bytes[position + 4..<dataStart + length]) == stored else { throw .badCRC(chunk: type) }
        position = dataStart + length + 4
        return (type, Array(bytes[dataStart..<dataStart + length]))
    }

    private func readUInt32(at index: Int) -> UInt32 {
        bytes[index..<index + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}

/// CRC-32 as used by PNG (ISO 3309, polynomial 0xEDB88320 reflected).
private enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

// MARK: - Header and pixel layout

private enum ColorType: UInt8 {
    case gray = 0
    case rgb = 2
    case palette = 3
    case grayAlpha = 4
    case rgba = 6

    var channels: Int {
        switch self {
        case .gray, .palette: 1
        case .grayAlpha: 2
        case .rgb: 3
        case .rgba: 4
        }
    }

    var allowedBitDepths: Set<Int> {
        switch self {
        case .gray: [1, 2, 4, 8, 16]
        case .palette: [1, 2, 4, 8]
        case .rgb, .grayAlpha, .rgba: [8, 16]
        }
    }
}

/// One Adam7 pass (or the whole image when not interlaced): which pixels it holds.
private struct Pass {
    let x0: Int, y0: Int, dx: Int, dy: Int
    let width: Int, height: Int
}

private struct Header {
    let width: Int
    let height: Int
    let bitDepth: Int
    let colorType: ColorType
    let isInterlaced: Bool

    init(_ data: [UInt8]) throws(PNGError) {
        guard data.count == 13 else { throw .corruptData("IHDR is \(data.count) bytes, want 13") }
        func uint32(_ index: Int) -> Int { data[index..<index + 4].reduce(0) { $0 << 8 | Int($1) } }
        width = uint32(0)
        height = uint32(4)
        guard (1...0x7FFF_FFFF).contains(width), (1...0x7FFF_FFFF).contains(height) else {
            throw .corruptData("image size \(width)×\(height) is out of range")
        }
        bitDepth = Int(data[8])
        guard let colorType = ColorType(rawValue: data[9]) else {
            throw .corruptData("colour type \(data[9]) is not 0, 2, 3, 4 or 6")
        }
        self.colorType = colorType
        guard colorType.allowedBitDepths.contains(bitDepth) else {
            throw .corruptData("bit depth \(bitDepth) is not allowed for colour type \(colorType.rawValue)")
        }
        guard data[10] == 0 else { throw .unsupported("compression method \(data[10])") }
        guard data[11] == 0 else { throw .unsupported("filter method \(data[11])") }
        guard data[12] <= 1 else { throw .unsupported("interlace method \(data[12])") }
        isInterlaced = data[12] == 1
    }

    var bitsPerPixel: Int { bitDepth * colorType.channels }

    /// The byte distance filters use for "the pixel to the left".
    var filterStride: Int { max(1, bitsPerPixel / 8) }

    func rowByteCount(width: Int) -> Int { (width * bitsPerPixel + 7) / 8 }

    var passes: [Pass] {
        guard isInterlaced else { return [Pass(x0: 0, y0: 0, dx: 1, dy: 1, width: width, height: height)] }
        let adam7: [(Int, Int, Int, Int)] = [
            (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
            (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
        ]
        return adam7.map { x0, y0, dx, dy in
            Pass(
                x0: x0, y0: y0, dx: dx, dy: dy,
                width: (width - x0 + dx - 1) / dx, height: (height - y0 + dy - 1) / dy)
        }
    }

    /// Bytes of decompressed data: every non-empty pass's rows, each with its filter byte; nil
    /// if that overflows `Int` (only possible when the caller lifts the pixel limit).
    var filteredByteCount: Int? {
        var total = 0
        for pass in passes where pass.width > 0 && pass.height > 0 {
            let (bits, bitsOverflow) = pass.width.multipliedReportingOverflow(by: bitsPerPixel)
            guard !bitsOverflow else { return nil }
            let (bytes, bytesOverflow) = pass.height.multipliedReportingOverflow(by: (bits + 7) / 8 + 1)
            guard !bytesOverflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(bytes)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return total
    }
}

/// Turns unfiltered row bytes into luminance, applying palette, transparency and alpha.
private struct PixelConverter {
    let header: Header
    /// For palette images: each entry's luminance already composited with its tRNS alpha.
    let paletteGray: [UInt8]
    /// For grey and RGB images: the sample values (at full bit depth) that are fully transparent.
    let transparentKey: [Int]?

    init(header: Header, palette: [UInt8], transparency: [UInt8]?) throws(PNGError) {
        self.header = header
        var key: [Int]?
        var paletteGray: [UInt8] = []
        switch header.colorType {
        case .palette:
            let entries = palette.count / 3
            if let transparency, transparency.count > entries {
                throw .corruptData("tRNS has \(transparency.count) entries, the palette \(entries)")
            }
            for index in 0..<entries {
                let gray = Self.luminance(palette[3 * index], palette[3 * index + 1], palette[3 * index + 2])
                let alpha = transparency.flatMap { index < $0.count ? $0[index] : nil } ?? 255
                paletteGray.append(Self.overWhite(gray, alpha: alpha))
            }
        case .gray, .rgb:
            if let transparency {
                let samples = header.colorType.channels
                guard transparency.count == 2 * samples else {
                    throw .corruptData("tRNS is \(transparency.count) bytes, want \(2 * samples)")
                }
                key = (0..<samples).map { Int(transparency[2 * $0]) << 8 | Int(transparency[2 * $0 + 1]) }
            }
        case .grayAlpha, .rgba:
            if transparency != nil { throw .corruptData("tRNS is not allowed with an alpha channel") }
        }
        self.paletteGray = paletteGray
        self.transparentKey = key
    }

    /// Calls `store(column, luminance)` for each of the `count` pixels of the row at `rowStart`.
    func convertRow(_ rows: [UInt8], rowStart: Int, count: Int, store: (Int, UInt8) -> Void) {
        let depth = header.bitDepth
        switch header.colorType {
        case .gray where depth < 8:
            let maximum = (1 << depth) - 1
            for column in 0..<count {
                let value = packedSample(rows, rowStart: rowStart, index: column, depth: depth)
                if let key = transparentKey, key[0] == value {
                    store(column, 255)
                    continue
                }
                store(column, UInt8(value * 255 / maximum))
            }
        case .palette:
            for column in 0..<count {
                let index =
                    depth < 8
                    ? packedSample(rows, rowStart: rowStart, index: column, depth: depth)
                    : Int(rows[rowStart + column])
                // An index past the palette is an error; libpng shows it as black, so do we.
                store(column, index < paletteGray.count ? paletteGray[index] : 0)
            }
        case .gray, .rgb, .grayAlpha, .rgba:
            let channels = header.colorType.channels
            let bytesPerSample = depth / 8
            for column in 0..<count {
                var samples = (0, 0, 0, 0)
                let base = rowStart + column * channels * bytesPerSample
                func sample(_ channel: Int) -> Int {
                    let at = base + channel * bytesPerSample
                    return bytesPerSample == 2 ? Int(rows[at]) << 8 | Int(rows[at + 1]) : Int(rows[at])
                }
                samples.0 = sample(0)
                if channels >= 3 {
                    samples.1 = sample(1)
                    samples.2 = sample(2)
                }
                if channels == 2 { samples.3 = sample(1) }
                if channels == 4 { samples.3 = sample(3) }
                if let key = transparentKey {
                    let matches =
                        channels == 1
                        ? key[0] == samples.0
                        : key[0] == samples.0 && key[1] == samples.1 && key[2] == samples.2
                    if matches {
                        store(column, 255)
                        continue
                    }
                }
                let gray =
                    channels >= 3
                    ? Self.luminance(to8(samples.0, depth), to8(samples.1, depth), to8(samples.2, depth))
                    : to8(samples.0, depth)
                let hasAlpha = channels == 2 || channels == 4
                store(column, hasAlpha ? Self.overWhite(gray, alpha: to8(samples.3, depth)) : gray)
            }
        }
    }

    private func packedSample(_ rows: [UInt8], rowStart: Int, index: Int, depth: Int) -> Int {
        let bit = index * depth
        let byte = rows[rowStart + bit / 8]
        let shift = 8 - depth - bit % 8
        return Int(byte >> UInt8(shift)) & ((1 << depth) - 1)
    }

    private func to8(_ value: Int, _ depth: Int) -> UInt8 {
        depth == 16 ? UInt8((value * 255 + 32_767) / 65_535) : UInt8(value)
    }

    /// Rec. 601 luma, rounded: (299 R + 587 G + 114 B) / 1000.
    static func luminance(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let weighted: Int = 299 * Int(r) + 587 * Int(g) + 114 * Int(b)
        return UInt8((weighted + 500) / 1000)
    }

    /// `gray` at opacity `alpha` over a white background, rounded.
    static func overWhite(_ gray: UInt8, alpha: UInt8) -> UInt8 {
        let opacity = Int(alpha)
        let blended: Int = Int(gray) * opacity + 255 * (255 - opacity)
        return UInt8((blended + 127) / 255)
    }
}
