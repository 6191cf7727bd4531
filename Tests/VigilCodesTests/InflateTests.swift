import Foundation
import Testing
import VigilCodes

/// Inflate against streams made by Python's zlib (see Resources/README.md), plus hand-built
/// broken streams.
@Suite struct InflateTests {
    @Test("zlib levels 1, 6 and 9 (dynamic Huffman, a 32000-byte match) round-trip", arguments: [1, 6, 9])
    func decompressesZlibLevels(level: Int) throws {
        let stream = try QRFixtureFiles.bytes("inflate-sample.level\(level).zlib")
        let output = try Inflate.zlib(stream, maximumOutputCount: 1 << 20)
        let expected = Self.sampleInput()
        #expect(output.count == expected.count)
        #expect(output == expected)
    }

    @Test func decompressesStoredBlocksIncludingAnEmptyFlushBlock() throws {
        let stream = try QRFixtureFiles.bytes("inflate-sample-3000.level0.zlib")
        #expect(try Inflate.zlib(stream, maximumOutputCount: 1 << 20) == Array(Self.sampleInput().prefix(3000)))
    }

    @Test func decompressesAFixedHuffmanBlock() throws {
        // zlib.compress(b"hello, hello, hello vigil", 9): one fixed-Huffman block with a match.
        let stream: [UInt8] = [
            120, 218, 203, 72, 205, 201, 201, 215, 81, 200, 64, 162, 20, 202, 50, 211, 51, 115,
            0, 116, 75, 9, 16,
        ]
        #expect(try Inflate.zlib(stream, maximumOutputCount: 100) == Array("hello, hello, hello vigil".utf8))
    }

    @Test func decompressesAnOverlappingMatch() throws {
        // Raw deflate, fixed block: literal "A", then length 3 at distance 1, then end of block.
        let (output, consumed) = try Inflate.deflate([115, 4, 2, 0], maximumOutputCount: 10)
        #expect(output == Array("AAAA".utf8))
        #expect(consumed == 4)
    }

    @Test func rawDeflateReportsHowManyBytesItConsumed() throws {
        let stream = try QRFixtureFiles.bytes("inflate-sample.level6.zlib")
        // Strip the two-byte header; leave the four-byte Adler-32 trailer as trailing data.
        let (output, consumed) = try Inflate.deflate(Array(stream.dropFirst(2)), maximumOutputCount: 1 << 20)
        #expect(output == Self.sampleInput())
        #expect(consumed == stream.count - 6)
    }

    @Test func adler32MatchesKnownValues() {
        #expect(Inflate.adler32([]) == 1)
        // zlib.adler32(b"Wikipedia") == 0x11E60398.
        #expect(Inflate.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        // zlib.adler32(bytes(100000)) == 0x86AF0001: long enough to exercise the modulo reduction.
        #expect(Inflate.adler32([UInt8](repeating: 0, count: 100_000)) == 0x86AF_0001)
    }

    @Test func refusesADecompressionBomb() throws {
        let stream = try QRFixtureFiles.bytes("zeros-1MiB.level9.zlib")
        #expect(stream.count < 2000)
        #expect(throws: InflateError.outputTooLarge(limit: 65_536)) {
            try Inflate.zlib(stream, maximumOutputCount: 65_536)
        }
        // One byte short of the real size is still refused; the exact size is accepted.
        #expect(throws: InflateError.outputTooLarge(limit: (1 << 20) - 1)) {
            try Inflate.zlib(stream, maximumOutputCount: (1 << 20) - 1)
        }
        let output = try Inflate.zlib(stream, maximumOutputCount: 1 << 20)
        #expect(output.count == 1 << 20)
        #expect(output.allSatisfy { $0 == 0 })
    }

    @Test func refusesAStoredBlockLargerThanTheLimit() throws {
        let stream = try QRFixtureFiles.bytes("inflate-sample-3000.level0.zlib")
        #expect(throws: InflateError.outputTooLarge(limit: 2000)) {
            try Inflate.zlib(stream, maximumOutputCount: 2000)
        }
    }

    @Test func detectsAChecksumMismatch() throws {
        var stream = try QRFixtureFiles.bytes("inflate-sample.level1.zlib")
        stream[stream.count - 1] ^= 0x01
        #expect {
            try Inflate.zlib(stream, maximumOutputCount: 1 << 20)
        } throws: { error in
            guard case .checksumMismatch(let expected, let actual) = error as? InflateError else { return false }
            return expected ^ actual == 1
        }
    }

    @Test(
        "every truncation of a stream is reported as truncated",
        arguments: [
            "inflate-sample.level1.zlib",
            "inflate-sample-3000.level0.zlib",
        ])
    func reportsTruncation(name: String) throws {
        let stream = try QRFixtureFiles.bytes(name)
        for length in stride(from: 0, to: stream.count, by: 37) {
            #expect(throws: InflateError.truncated, "cut at \(length)") {
                try Inflate.zlib(Array(stream.prefix(length)), maximumOutputCount: 1 << 20)
            }
        }
        #expect(throws: InflateError.truncated) {
            try Inflate.zlib(Array(stream.dropLast()), maximumOutputCount: 1 << 20)
        }
    }

    @Test func rejectsBadZlibHeaders() {
        let cases: [[UInt8]] = [
            [0x78, 0x9D, 0x03, 0x00],  // check bits: 0x789D is not a multiple of 31
            [0x77, 0x9C, 0x03, 0x00],  // compression method 7
            [0x88, 0x98, 0x03, 0x00],  // window exponent 8 + 8 = 16
            [0x78, 0xBB, 0x03, 0x00],  // preset dictionary (FDICT)
        ]
        for stream in cases {
            #expect {
                try Inflate.zlib(stream, maximumOutputCount: 100)
            } throws: { error in
                if case .badHeader = error as? InflateError { return true }
                return false
            }
        }
    }

    @Test(
        "malformed deflate bits are corrupt, not a crash",
        arguments: [
            ([UInt8]([0x07]), "reserved block type 3"),
            ([0x01, 0x05, 0x00, 0x00, 0x00], "stored length does not match its complement"),
            ([3, 2, 0], "a match reaching before the start of the output"),
            ([115, 4, 62, 0], "distance symbol 30 in a fixed block"),
            ([5, 0, 146, 4], "over-subscribed code-length code"),
            // zlib: "invalid code -- missing end-of-block".
            ([5, 192, 129, 0, 0, 0, 0, 0, 16, 254, 171, 9], "dynamic block without an end-of-block code"),
        ])
    func rejectsCorruptDeflate(stream: [UInt8], why: String) {
        #expect {
            try Inflate.deflate(stream, maximumOutputCount: 100)
        } throws: { error in
            if case .corrupt = error as? InflateError { return true }
            return false
        }
    }

    @Test func survivesRandomDamage() throws {
        let original = try QRFixtureFiles.bytes("inflate-sample.level6.zlib")
        let expected = Self.sampleInput()
        var random = ImageTestRandom(seed: 0x5EED)
        for _ in 0..<300 {
            var stream = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                stream[Int.random(in: 0..<stream.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            do {
                // A change confined to padding bits can still decode to the original.
                #expect(try Inflate.zlib(stream, maximumOutputCount: 1 << 20) == expected)
            } catch {
                // Any InflateError is fine; reaching here at all means no trap.
            }
        }
    }

    /// The same 42000 bytes as `sample_input()` in Resources/generate_fixtures.py: 2000 random
    /// bytes, 30000 bytes of word text, the random bytes again, 8000 more bytes of text.
    static func sampleInput() -> [UInt8] {
        var state: UInt32 = 0x1234_5678
        func next() -> UInt32 {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return state
        }
        let words = ["vigil", "health", "code", "case", "report", "district", "fever", "cough", "alert", "sample"]
            .map { Array($0.utf8) }
        let noise = (0..<2000).map { _ in UInt8(next() & 0xFF) }
        func text(_ count: Int) -> [UInt8] {
            var result: [UInt8] = []
            var wordCount = 0
            while result.count < count {
                result += words[Int(next() % 10)]
                wordCount += 1
                result.append(wordCount % 12 == 0 ? 0x0A : 0x20)
            }
            return Array(result.prefix(count))
        }
        let first = text(30000)
        let second = text(8000)
        return noise + first + noise + second
    }
}

/// SplitMix64: a small seeded generator so randomised tests repeat exactly.
struct ImageTestRandom: RandomNumberGenerator {
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

/// Loads the files in Resources/ (see Resources/README.md for how each was made).
enum QRFixtureFiles {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "fixture \(name) not found in the test bundle" }
    }

    static func url(_ name: String) throws -> URL {
        guard let folder = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw Missing(name: "Resources/")
        }
        let url = folder.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(name: name) }
        return url
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(name)))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try bytes(name), as: UTF8.self)
    }
}
