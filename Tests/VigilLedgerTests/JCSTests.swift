import Foundation
import Testing
import VigilLedger
import VigilTestSupport

// RFC 8785 (JSON Canonicalization Scheme) for `JSONValue`: the RFC's own examples and Appendix B
// number table, the cyberphone/json-canonicalization reference test data, a naive reference for
// ECMAScript number formatting, seeded round-trip properties, and every rejection of the parser.

@Suite struct JCSTests {
    // MARK: - RFC 8785 examples

    /// RFC 8785 §3.2.2: numbers, string escapes and literals.
    @Test func canonicalisesTheRFCSampleOfNumbersStringsAndLiterals() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected =
            #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try canonical(input) == Array(expected.utf8))
    }

    /// RFC 8785 §3.2.3: member names sort by UTF-16 code units, so U+1F600 (D83D DE00) comes
    /// before U+FB33 although its code point is larger.
    @Test func sortsMemberNamesByUTF16CodeUnitsAsInTheRFC() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected =
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\","
            + "\"\u{F6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20AC}\":\"Euro Sign\","
            + "\"\u{1F600}\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try canonical(input) == Array(expected.utf8))
    }

    @Test func sortsControlCharacterNamesFirstAndEscapesThem() throws {
        let value: JSONValue = ["\u{1F600}": 1, "\u{FB33}": 2, "a": 3, "\u{0}": 4, "\u{1F}": 5, "": 6, "\u{7F}": 7]
        #expect(
            value.canonicalBytes()
                == Array(
                    "{\"\":6,\"\\u0000\":4,\"\\u001f\":5,\"a\":3,\"\u{7F}\":7,\"\u{1F600}\":1,\"\u{FB33}\":2}".utf8))
    }

    /// Member order against the obvious reference, comparing arrays of UTF-16 code units, over
    /// seeded random names mixing ASCII, controls, BMP above and below the surrogates, and astral.
    @Test func ordersMembersAsANaiveUTF16ComparisonDoes() throws {
        var random = SeededGenerator(seed: 0x5554_4631)
        for iteration in 0..<2_000 {
            var members: [String: JSONValue] = [:]
            for index in 0..<Int.random(in: 2...8, using: &random) {
                members[RandomJSON.string(using: &random)] = .number(Double(index))
            }
            let names = members.keys.sorted { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }
            let want =
                "{"
                + names.map { JSONValue.string($0).canonicalString + ":" + members[$0]!.canonicalString }
                .joined(separator: ",") + "}"
            #expect(JSONValue.object(members).canonicalBytes() == Array(want.utf8), "iteration \(iteration)")
        }
    }

    /// cyberphone/json-canonicalization testdata/input/values.json → output/values.json.
    @Test func matchesReferenceTestDataForValues() throws {
        let input = #"""
            {
              "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],
              "escaping": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected =
            #"{"escaping":"€$\u000f\nA'B\"\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}"#
        #expect(try canonical(input) == Array(expected.utf8))
    }

    /// cyberphone/json-canonicalization testdata/input/weird.json → output/weird.json: U+0080 and
    /// U+007F are written literally, "</script>" is not escaped.
    @Test func matchesReferenceTestDataForWeirdNames() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "1": "One",
              "\u0080": "Control\u007f",
              "\ud83d\ude02": "Smiley",
              "\u00f6": "Latin Small Letter O With Diaeresis",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "</script>": "Browser Challenge"
            }
            """#
        let expected =
            "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u{80}\":\"Control\u{7F}\","
            + "\"\u{F6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20AC}\":\"Euro Sign\","
            + "\"\u{1F602}\":\"Smiley\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try canonical(input) == Array(expected.utf8))
    }

    @Test func escapesExactlyQuoteBackslashAndC0Controls() {
        let controls = String(String.UnicodeScalarView((0..<0x20).compactMap { Unicode.Scalar(UInt32($0)) }))
        let value = JSONValue.string(controls + "\"\\/\u{7F}\u{80}\u{9F}\u{A0}\u{2028}\u{2029}\u{FEFF}\u{10FFFF}<>&'")
        let expected =
            #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"#
            + "\\\"\\\\/\u{7F}\u{80}\u{9F}\u{A0}\u{2028}\u{2029}\u{FEFF}\u{10FFFF}<>&'\""
        #expect(value.canonicalBytes() == Array(expected.utf8))
    }

    // MARK: - Numbers

    /// RFC 8785 Appendix B, every finite row: IEEE-754 bits → canonical text. (The NaN and
    /// Infinity rows are errors; see `rejectsNonFiniteNumbers`.)
    @Test(
        "RFC 8785 Appendix B",
        arguments: [
            (0x0000_0000_0000_0000, "0"),
            (0x8000_0000_0000_0000, "0"),
            (0x0000_0000_0000_0001, "5e-324"),
            (0x8000_0000_0000_0001, "-5e-324"),
            (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
            (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
            (0x4340_0000_0000_0000, "9007199254740992"),
            (0xC340_0000_0000_0000, "-9007199254740992"),
            (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
            (0x44B5_2D02_C7E1_4AF6, "1e+23"),
            (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
            (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
            (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
            (0x444B_1AE4_D6E2_EF50, "1e+21"),
            (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
            (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
            (0x41B3_DE43_5555_5553, "333333333.3333332"),
            (0x41B3_DE43_5555_5554, "333333333.33333325"),
            (0x41B3_DE43_5555_5555, "333333333.3333333"),
            (0x41B3_DE43_5555_5556, "333333333.3333334"),
            (0x41B3_DE43_5555_5557, "333333333.33333343"),
            (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
            (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),  // round to even
        ] as [(UInt64, String)])
    func serialisesAppendixBNumbers(bits: UInt64, expected: String) throws {
        let number = Double(bitPattern: bits)
        #expect(JSONValue.number(number).canonicalString == expected)
        // The text reads back as the same double (-0 as 0).
        let parsed = try JSONValue(parsing: Array(expected.utf8))
        #expect(parsed.doubleValue?.bitPattern == (number == 0 ? 0 : bits))
    }

    /// The layout rules of ECMAScript Number::toString around each boundary: plain integers
    /// below 1e21, plain fractions down to 1e-6, exponent form outside.
    @Test(
        arguments: [
            (1, "1"), (-1, "-1"), (0.5, "0.5"), (-1.5, "-1.5"), (100, "100"), (4.35, "4.35"), (0.1, "0.1"),
            (123456789.125, "123456789.125"), (1e20, "100000000000000000000"), (1e21, "1e+21"),
            (1.5e21, "1.5e+21"), (123456789012345678901.0, "123456789012345680000"), (1.25e25, "1.25e+25"),
            (1.5e300, "1.5e+300"), (0.000001, "0.000001"), (0.000001234, "0.000001234"), (1e-7, "1e-7"),
            (1.234e-7, "1.234e-7"), (5e-7, "5e-7"), (1.5e-9, "1.5e-9"), (0.01234, "0.01234"),
            (9_007_199_254_740_994, "9007199254740994"), (2.5e-308, "2.5e-308"),
        ] as [(Double, String)])
    func laysOutNumbersAsECMAScriptDoes(number: Double, expected: String) {
        #expect(JSONValue.number(number).canonicalString == expected)
    }

    /// Cross-checks the number serialiser against a naive reference built on correctly rounded
    /// `printf` output: shortest digits that round-trip, the closest of those, ECMAScript layout.
    /// Covers every power of two (asymmetric rounding intervals), every power of ten, and random
    /// bit patterns and short decimals.
    @Test func agreesWithANaiveReferenceOnShortestClosestDigits() {
        var numbers: [Double] = []
        for exponent in -1074...1023 { numbers.append(Double(sign: .plus, exponent: exponent, significand: 1)) }
        for exponent in -323...308 { numbers.append(Double("1e\(exponent)")!) }
        var random = SeededGenerator(seed: 8785)
        while numbers.count < 12_000 {
            let bits = UInt64.random(in: .min ... .max, using: &random)
            let number = Double(bitPattern: bits)
            if number.isFinite { numbers.append(number) }
            let short = Double(
                "\(Int.random(in: -99_999...99_999, using: &random))e\(Int.random(in: -330...310, using: &random))")!
            if short.isFinite { numbers.append(short) }
        }
        var mismatches: [String] = []
        for number in numbers {
            let got = JSONValue.number(number).canonicalString
            let want = NaiveNumberFormatter.format(number)
            if got != want { mismatches.append("\(number.bitPattern): got \(got), want \(want)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func rejectsNonFiniteNumbers() throws {
        // Appendix B's NaN and Infinity rows: an error, never output.
        for bits: UInt64 in [0x7FFF_FFFF_FFFF_FFFF, 0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000] {
            let value: JSONValue = ["a": [.number(Double(bitPattern: bits))]]
            let error = #expect(throws: LedgerError(.malformedJSON)) { try value.validateForCanonicalization() }
            #expect(error?.message.contains("$.a[0]") == true)
            // canonicalBytes() itself never traps; it writes what JSON.stringify writes.
            #expect(value.canonicalString == #"{"a":[null]}"#)
        }
        for text in ["NaN", "Infinity", "-Infinity", "[NaN]", "1e400", "-1e400", "1e309"] {
            expectRejection(text, mentioning: text.contains("e") ? "too large" : "NaN and Infinity")
        }
        #expect(try JSONValue(parsing: Array("1e-400".utf8)) == .number(0))
        #expect(try JSONValue(parsing: Array("-0".utf8)).canonicalString == "0")
    }

    // MARK: - Round trips

    /// parse(canonical(x)) == x, and canonicalising is idempotent, over seeded random values.
    @Test func roundTripsRandomValuesThroughTheCanonicalForm() throws {
        var random = SeededGenerator(seed: 0x4A43_5331)
        for iteration in 0..<1_500 {
            let value = RandomJSON.value(depth: 0, using: &random)
            let bytes = value.canonicalBytes()
            let parsed = try JSONValue(parsing: bytes)
            #expect(parsed == value, "iteration \(iteration): \(String(decoding: bytes, as: UTF8.self))")
            #expect(parsed.hashValue == value.hashValue, "iteration \(iteration)")
            #expect(parsed.canonicalBytes() == bytes, "iteration \(iteration)")
        }
    }

    /// Whitespace, escapes, member order and number spelling do not change the canonical form.
    @Test func canonicalisesNoisySpellingsOfTheSameValueIdentically() throws {
        var random = SeededGenerator(seed: 0x4E4F_4953)
        for iteration in 0..<1_500 {
            let value = RandomJSON.value(depth: 0, using: &random)
            let noisy = NoisyWriter.write(value, using: &random)
            let parsed: JSONValue
            do {
                parsed = try JSONValue(parsing: Array(noisy.utf8))
            } catch {
                Issue.record("iteration \(iteration): \(error) in \(noisy)")
                continue
            }
            #expect(parsed == value, "iteration \(iteration): \(noisy)")
            #expect(parsed.canonicalBytes() == value.canonicalBytes(), "iteration \(iteration): \(noisy)")
        }
    }

    // MARK: - Rejections

    @Test(
        arguments: [
            // I-JSON: unique names, whole surrogate pairs.
            (#"{"a":1,"a":2}"#, "duplicate object key \"a\""),
            (#"{"a":1,"b":{"c":1},"\u0061":2}"#, "duplicate object key"),
            (#"{"\u00e9":1,"e\u0301":2}"#, "canonically equivalent"),
            (#""\ud800""#, "high surrogate without a low surrogate"),
            (#""\ud800x""#, "high surrogate without a low surrogate"),
            (#""\ud83d\u0041""#, "not a low surrogate"),
            (#""\ud83d\ud83d""#, "not a low surrogate"),
            (#""\udc00""#, "low surrogate without a high surrogate"),
            (#"["\ude00\ud83d"]"#, "low surrogate without a high surrogate"),
            // Numbers.
            ("01", "leading zero"), ("-01", "leading zero"), ("[00]", "leading zero"),
            ("1.", "after the decimal point"),
            (".5", "expected a value"), ("1e", "in the exponent"), ("1e+", "in the exponent"), ("-", "after '-'"),
            ("+1", "expected a value"), ("0x10", "expected end of input"), ("1_000", "expected end of input"),
            // Structure.
            ("", "found end of input"), ("  \n ", "found end of input"), ("{} x", "expected end of input"),
            ("[1]]", "expected end of input"), ("1 2", "expected end of input"),
            ("[1,]", "expected a value, found ']'"),
            (#"{"a":1,}"#, "to start an object key"), (#"{"a" 1}"#, "expected ':' after object key"),
            ("{a:1}", "to start an object key"), ("[1 2]", "expected ',' or ']'"),
            (#"{"a":1 "b":2}"#, "expected ',' or '}'"),
            ("[", "found end of input"), (#"{"a":"#, "found end of input"), ("tru", "expected 'true'"),
            ("nul", "expected 'null'"), ("True", "expected a value"), ("'a'", "expected a value"),
            ("[1]/*c*/", "expected end of input"), ("\u{A0}1", "byte 0xC2"),
            // Strings.
            (#""abc"#, "not terminated"), ("\"a\tb\"", "U+0009 must be escaped"),
            ("\"a\nb\"", "U+000A must be escaped"),
            (#""\x""#, #"invalid escape '\x'"#), (#""\u12G4""#, "four hex digits"), (#""\u12"#, #"inside a \u escape"#),
            (#""\"#, "inside an escape"), (#""\'""#, "invalid escape"),
        ] as [(String, String)])
    func rejectsMalformedText(text: String, fragment: String) {
        expectRejection(text, mentioning: fragment)
    }

    @Test(
        arguments: [
            ([0x22, 0xC3, 0x28, 0x22], "byte 0x28 cannot follow"),  // bad continuation
            ([0x22, 0xC0, 0xAF, 0x22], "0xC0 cannot start"),  // overlong '/'
            ([0x22, 0xE0, 0x80, 0xAF, 0x22], "byte 0x80 cannot follow"),  // overlong 3-byte
            ([0x22, 0xED, 0xA0, 0x80, 0x22], "byte 0xA0 cannot follow"),  // UTF-8-encoded surrogate
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "byte 0x90 cannot follow"),  // above U+10FFFF
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], "0xF5 cannot start"),
            ([0x22, 0xE2, 0x82, 0x22], "byte 0x22 cannot follow"),  // truncated €
            ([0x22, 0xE2, 0x82], "input ends inside the character"),
            ([0x22, 0x80, 0x22], "0x80 cannot start"),  // lone continuation
            ([0x22, 0xFF, 0x22], "0xFF cannot start"),
            ([0xEF, 0xBB, 0xBF, 0x31], "byte order mark"),
            ([0xC3, 0xA9], "byte 0xC3"),  // non-ASCII outside a string
            ([0x5B, 0x31, 0x00, 0x5D], "byte 0x00"),
        ] as [([UInt8], String)])
    func rejectsInvalidUTF8(bytes: [UInt8], fragment: String) {
        expectRejection(bytes, mentioning: fragment)
    }

    @Test func locatesErrorsByLineColumnAndByteOffset() throws {
        let error = #expect(throws: LedgerError(.malformedJSON)) {
            try JSONValue(parsing: Array("{\n  \"a\" 1}".utf8))
        }
        #expect(error?.message == "line 2, column 7 (byte offset 8): expected ':' after object key, found '1'")
        let duplicate = #expect(throws: LedgerError(.malformedJSON)) {
            try JSONValue(parsing: Array("{\"k\": 1,\r\n \"k\": 2}".utf8))
        }
        #expect(duplicate?.message == "line 2, column 2 (byte offset 11): duplicate object key \"k\"")
    }

    @Test func boundsNestingDepth() throws {
        let deepest =
            String(repeating: "[", count: JSONValue.maximumDepth)
            + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect(try JSONValue(parsing: Array(deepest.utf8)).canonicalString == deepest)
        let objects =
            String(repeating: "{\"a\":", count: JSONValue.maximumDepth) + "1"
            + String(repeating: "}", count: JSONValue.maximumDepth)
        #expect(try JSONValue(parsing: Array(objects.utf8)).canonicalString == objects)

        expectRejection("[" + deepest + "]", mentioning: "nested deeper than 64")
        // Depth bombs fail fast at the 65th level, not with a stack overflow.
        expectRejection(
            String(repeating: "[", count: 1_000_000), mentioning: "byte offset 64): arrays and objects nested deeper")
        expectRejection(String(repeating: "{\"a\":", count: 200_000), mentioning: "nested deeper than 64")
        expectRejection(String(repeating: "[{\"\":", count: 100_000), mentioning: "nested deeper than 64")

        // Values built in code can be deeper; validation says so.
        var value: JSONValue = 1
        for _ in 0..<JSONValue.maximumDepth { value = [value] }
        try value.validateForCanonicalization()
        value = ["x": value]
        let error = #expect(throws: LedgerError(.malformedJSON)) { try value.validateForCanonicalization() }
        #expect(error?.message.contains("nested deeper than 64") == true)
    }

    @Test func boundsInputSize() throws {
        let largest = [UInt8](repeating: UInt8(ascii: " "), count: JSONValue.maximumInputSize - 1) + [UInt8(ascii: "1")]
        #expect(try JSONValue(parsing: largest) == 1)
        expectRejection(largest + [UInt8(ascii: " ")], mentioning: "exceeds the limit of 16777216 bytes")
    }

    /// Seeded mutations of valid documents never trap; each either parses to a value whose
    /// canonical form is stable or fails with `malformedJSON` and a message.
    @Test func survivesMutatedAndRandomInput() throws {
        var random = SeededGenerator(seed: 0x4655_5A5A)
        let alphabet =
            Array(#"{}[]:,"\/ubfnrt0123456789+-.eE truefalsenull"#.utf8) + [
                0x00, 0x0A, 0x7F, 0x80, 0xBF, 0xC3, 0xED, 0xF0, 0xFF,
            ]
        for iteration in 0..<4_000 {
            var bytes = NoisyWriter.write(RandomJSON.value(depth: 0, using: &random), using: &random).utf8.map { $0 }
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0...bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0 where position < bytes.count: bytes[position] = alphabet.randomElement(using: &random)!
                case 1 where position < bytes.count: bytes.remove(at: position)
                default: bytes.insert(alphabet.randomElement(using: &random)!, at: position)
                }
            }
            let value: JSONValue
            do {
                value = try JSONValue(parsing: bytes)
            } catch {
                #expect(error.code == .malformedJSON && !error.message.isEmpty, "iteration \(iteration)")
                continue
            }
            #expect(try JSONValue(parsing: value.canonicalBytes()) == value, "iteration \(iteration)")
        }
    }

    // MARK: - Equality, literals, accessors

    @Test func equalityIsCanonicalEquality() {
        #expect(JSONValue.string("\u{E9}") != JSONValue.string("e\u{301}"))  // Swift's == says equal
        #expect(JSONValue.number(-0.0) == JSONValue.number(0))
        #expect(JSONValue.number(-0.0).hashValue == JSONValue.number(0).hashValue)
        #expect(JSONValue.number(.nan) == JSONValue.number(-.nan))
        let a: JSONValue = ["x": 1, "y": [true, .null], "z": "s"]
        let b: JSONValue = ["z": "s", "y": [true, .null], "x": 1]
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a != ["x": 1, "y": [.null, true], "z": "s"])
        #expect(a != ["x": 1, "y": [true, .null]])
        #expect(JSONValue.object(["\u{E9}": 1]) != JSONValue.object(["e\u{301}": 1]))
        #expect(JSONValue.bool(true) != JSONValue.number(1))
        #expect(Set<JSONValue>([a, b, 1, 1.0, "1", [1]]).count == 4)
    }

    @Test func buildsValuesFromLiterals() {
        let value: JSONValue = [
            "v": 1, "chain": "vigil.example/n1", "ok": true, "score": 0.25, "tags": ["a", "b"], "none": .null,
            "nested": ["k": [1, 2.5, "three"]],
        ]
        #expect(
            value.canonicalString
                == #"{"chain":"vigil.example/n1","nested":{"k":[1,2.5,"three"]},"none":null,"ok":true,"score":0.25,"tags":["a","b"],"v":1}"#
        )
        let duplicates: JSONValue = ["a": 1, "a": 2]  // last wins, no trap
        #expect(duplicates == ["a": 2])
    }

    @Test func readsValuesThroughAccessors() throws {
        let value = try JSONValue(
            parsing: Array(
                #"{"n":42,"f":2.5,"big":1e19,"neg":-9223372036854775808,"s":"x","a":[1,null],"o":{},"t":true}"#.utf8))
        #expect(value["n"]?.int64Value == 42)
        #expect(value["n"]?.doubleValue == 42)
        #expect(value["f"]?.int64Value == nil)
        #expect(value["f"]?.doubleValue == 2.5)
        #expect(value["big"]?.int64Value == nil)
        #expect(value["neg"]?.int64Value == .min)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["s"]?.int64Value == nil)
        #expect(value["a"]?.arrayValue == [1, .null])
        #expect(value["a"]?[1]?.isNull == true)
        #expect(value["a"]?[2] == nil)
        #expect(value["o"]?.objectValue == [:])
        #expect(value["t"]?.boolValue == true)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["x"] == nil)
        #expect(value.objectValue?.count == 8)
        #expect(
            value.stringValue == nil && value.arrayValue == nil && value.doubleValue == nil && value.boolValue == nil)
    }

    // MARK: - Helpers

    private func canonical(_ text: String) throws -> [UInt8] {
        try JSONValue(parsing: Array(text.utf8)).canonicalBytes()
    }

    private func expectRejection(
        _ text: String, mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectRejection(Array(text.utf8), mentioning: fragment, sourceLocation: sourceLocation)
    }

    private func expectRejection(
        _ bytes: [UInt8], mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let value = try JSONValue(parsing: bytes)
            Issue.record(
                "accepted \(value.canonicalString.prefix(80)), want rejection mentioning \(fragment)",
                sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .malformedJSON, sourceLocation: sourceLocation)
            #expect(
                error.message.contains("byte offset") || error.message.contains("exceeds"),
                sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "message: \(error.message)", sourceLocation: sourceLocation)
        }
    }
}

// MARK: - Naive reference for ECMAScript Number::toString

/// Finds the digits the slow, obvious way: for each length p = 1, 2, …, take the correctly rounded
/// p-digit decimal from `printf("%.*e")` and its neighbours one unit in the last place either
/// side; the first length at which one of them reads back as the number wins, and the correctly
/// rounded one (the closest) is preferred. Then lays the digits out by the ECMAScript rules.
private enum NaiveNumberFormatter {
    static func format(_ number: Double) -> String {
        if number == 0 { return "0" }
        if number < 0 { return "-" + format(-number) }
        for precision in 1...17 {
            let printed = String(format: "%.\(precision - 1)e", number)  // "d.ddde±XX"
            let parts = printed.split(separator: "e")
            let digits = parts[0].replacingOccurrences(of: ".", with: "")
            let exponent = Int(parts[1])!
            for candidate in [digits, step(digits, by: 1), step(digits, by: -1)] {
                // candidate × 10^(exponent − (precision − 1)), but a carry may have added a digit.
                guard let value = Double("\(candidate)e\(exponent - (precision - 1))"), value == number else {
                    continue
                }
                return layout(candidate, scale: exponent - (precision - 1))
            }
        }
        return "unreachable"
    }

    /// Adds `delta` (±1) to a string of decimal digits.
    static func step(_ digits: String, by delta: Int) -> String {
        var array = digits.map { Int(String($0))! }
        var index = array.count - 1
        array[index] += delta
        while index > 0 && (array[index] < 0 || array[index] > 9) {
            array[index] -= 10 * (array[index] < 0 ? -1 : 1)
            index -= 1
            array[index] += delta
        }
        if array[0] > 9 {
            array[0] -= 10
            array.insert(1, at: 0)
        }
        return array.map(String.init).joined()
    }

    /// Lays out `integer` × 10^`scale` per ECMAScript Number::toString steps 5-10.
    static func layout(_ integer: String, scale: Int) -> String {
        var s = String(integer.drop { $0 == "0" })
        var scale = scale
        while s.hasSuffix("0") {
            s.removeLast()
            scale += 1
        }
        let k = s.count
        let n = k + scale
        if k <= n && n <= 21 { return s + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 { return String(s.prefix(n)) + "." + String(s.dropFirst(n)) }
        if -6 < n && n <= 0 { return "0." + String(repeating: "0", count: -n) + s }
        let e = n - 1
        let sign = e < 0 ? "-" : "+"
        let mantissa = k == 1 ? s : String(s.prefix(1)) + "." + String(s.dropFirst())
        return mantissa + "e" + sign + String(abs(e))
    }
}

// MARK: - Random values and noisy spellings

private enum RandomJSON {
    /// Characters that exercise escaping, sorting and UTF-8: controls, quote, backslash, DEL,
    /// C1, BMP letters, a combining mark, the BOM, private use, astral characters.
    static let scalars: [Unicode.Scalar] = [
        "a", "b", "z", "A", "0", "9", " ", "\"", "\\", "/", "\u{0}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}",
        "\u{1F}", "\u{7F}", "\u{80}", "\u{E9}", "\u{301}", "\u{3B1}", "\u{20AC}", "\u{2028}", "\u{D7FF}", "\u{E000}",
        "\u{FB33}", "\u{FEFF}", "\u{FFFD}", "\u{FFFF}", "\u{10000}", "\u{1F600}", "\u{10FFFF}",
    ]

    static func string(using random: inout SeededGenerator) -> String {
        let count = Int.random(in: 0...6, using: &random)
        return String(String.UnicodeScalarView((0..<count).map { _ in scalars.randomElement(using: &random)! }))
    }

    static func number(using random: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return Double(Int.random(in: -1000...1000, using: &random))
        case 1: return Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &random))
        case 2:
            return Double(
                "\(Int.random(in: -99_999...99_999, using: &random))e\(Int.random(in: -30...30, using: &random))")!
        default:
            while true {
                let number = Double(bitPattern: UInt64.random(in: .min ... .max, using: &random))
                if number.isFinite { return number }
            }
        }
    }

    static func value(depth: Int, using random: inout SeededGenerator) -> JSONValue {
        let kinds = depth >= 4 ? 5 : 7
        switch Int.random(in: 0..<kinds, using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2, 3: return .number(number(using: &random))
        case 4: return .string(string(using: &random))
        case 5:
            return .array(
                (0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth + 1, using: &random) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                members[string(using: &random)] = value(depth: depth + 1, using: &random)
            }
            return .object(members)
        }
    }
}

/// Writes a value as valid but non-canonical JSON: random whitespace, members in random order,
/// characters escaped at random (short forms, `\u` in either case, surrogate pairs, `\/`),
/// numbers spelled the way Swift or `printf` spell them.
private enum NoisyWriter {
    static func write(_ value: JSONValue, using random: inout SeededGenerator) -> String {
        space(&random) + body(value, &random) + space(&random)
    }

    static func space(_ random: inout SeededGenerator) -> String {
        String(
            (0..<Int.random(in: 0...2, using: &random)).map { _ in
                [" ", "\t", "\n", "\r"].randomElement(using: &random)!
            })
    }

    static func body(_ value: JSONValue, _ random: inout SeededGenerator) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            switch Int.random(in: 0..<4, using: &random) {
            case 0: return number.description.replacingOccurrences(of: "e", with: "E")  // "1E-05", "100.0"
            case 1: return String(format: "%.17g", number)
            case 2: return String(format: "%.20e", number)
            default: return JSONValue.number(number).canonicalString
            }
        case .string(let string): return quoted(string, &random)
        case .array(let elements):
            return "[" + space(&random)
                + elements.map { body($0, &random) }.joined(separator: space(&random) + "," + space(&random))
                + space(&random) + "]"
        case .object(let members):
            let parts = members.shuffled(using: &random).map { key, member in
                quoted(key, &random) + space(&random) + ":" + space(&random) + body(member, &random)
            }
            return "{" + space(&random) + parts.joined(separator: space(&random) + "," + space(&random))
                + space(&random) + "}"
        }
    }

    static func quoted(_ string: String, _ random: inout SeededGenerator) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            if !mustEscape && Int.random(in: 0..<3, using: &random) > 0 {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\"" where Bool.random(using: &random): out += "\\\""
            case "\\" where Bool.random(using: &random): out += "\\\\"
            case "/" where Bool.random(using: &random): out += "\\/"
            case "\n" where Bool.random(using: &random): out += "\\n"
            case "\t" where Bool.random(using: &random): out += "\\t"
            default:
                let units = Array(String(scalar).utf16)
                for unit in units {
                    var hex = String(unit, radix: 16, uppercase: Bool.random(using: &random))
                    hex = String(repeating: "0", count: 4 - hex.count) + hex
                    out += "\\u" + hex
                }
            }
        }
        return out + "\""
    }
}
