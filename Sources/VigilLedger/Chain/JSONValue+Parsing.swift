extension JSONValue {
    /// The deepest nesting of arrays and objects that ``init(parsing:)`` accepts.
    public static let maximumDepth = 64

    /// The largest document, in bytes, that ``init(parsing:)`` accepts (16 MiB).
    public static let maximumInputSize = 1 << 24

    /// Parses a JSON text strictly: RFC 8259 grammar, restricted to the I-JSON (RFC 7493)
    /// documents that RFC 8785 canonicalises.
    ///
    /// Beyond RFC 8259 it rejects: bytes that are not well-formed UTF-8; a byte order mark;
    /// escapes that leave a lone surrogate (`"\ud800"`); two members of one object with the same
    /// name, or with canonically equivalent names (`JSONValue` cannot hold both); numbers that
    /// overflow a double (`1e400`; tiny ones such as `1e-400` round to `0` as in ECMAScript);
    /// nesting deeper than ``maximumDepth``; documents larger than ``maximumInputSize``.
    /// Work is linear in the input and recursion is bounded, so no input can trap or hang.
    ///
    /// - Parameter bytes: the UTF-8 text of exactly one JSON value, optionally surrounded by
    ///   whitespace.
    /// - Throws: ``LedgerError/Code/malformedJSON`` naming the line, column and byte offset
    ///   of the first problem, e.g. `line 1, column 7 (byte offset 6): expected ':' after object key`.
    public init(parsing bytes: [UInt8]) throws(LedgerError) {
        guard bytes.count <= Self.maximumInputSize else {
            throw LedgerError(
                .malformedJSON, "document of \(bytes.count) bytes exceeds the limit of \(Self.maximumInputSize) bytes")
        }
        var parser = JSONParser(bytes: bytes)
        self = try parser.parseDocument()
    }
}

/// A recursive-descent parser over UTF-8 bytes; recursion is bounded by `JSONValue.maximumDepth`.
private struct JSONParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws(LedgerError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw failure(at: 0, "byte order mark before the value; canonical JSON has none")
        }
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else {
            throw failure(at: index, "expected end of input after the value, found \(found(at: index))")
        }
        return value
    }

    // MARK: Values

    mutating func parseValue(depth: Int) throws(LedgerError) -> JSONValue {
        guard index < bytes.count else { throw failure(at: index, "expected a value, found end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw failure(at: index, "NaN and Infinity are not JSON numbers")
        default:
            throw failure(at: index, "expected a value, found \(found(at: index))")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(LedgerError) {
        let start = index
        let text = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for expected in text {
            guard index < bytes.count, bytes[index] == expected else {
                throw failure(
                    at: index, "expected '\(literal)' starting at byte offset \(start), found \(found(at: index))")
            }
            index += 1
        }
    }

    mutating func parseArray(depth: Int) throws(LedgerError) -> JSONValue {
        try checkDepth(depth)
        index += 1  // '['
        skipWhitespace()
        var elements: [JSONValue] = []
        if peek == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                throw failure(at: index, "expected ',' or ']' after array element, found \(found(at: index))")
            }
        }
    }

    mutating func parseObject(depth: Int) throws(LedgerError) -> JSONValue {
        try checkDepth(depth)
        index += 1  // '{'
        skipWhitespace()
        var members: [String: JSONValue] = [:]
        if peek == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else {
                throw failure(at: index, "expected '\"' to start an object key, found \(found(at: index))")
            }
            let keyOffset = index
            let key = try parseString()
            if let existing = members.index(forKey: key) {
                if members[existing].key.utf8.elementsEqual(key.utf8) {
                    throw failure(at: keyOffset, "duplicate object key \(Self.quoted(key))")
                }
                throw failure(
                    at: keyOffset,
                    "object key \(Self.quoted(key)) is canonically equivalent to the earlier key "
                        + "\(Self.quoted(members[existing].key))")
            }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else {
                throw failure(at: index, "expected ':' after object key, found \(found(at: index))")
            }
            index += 1
            skipWhitespace()
            members[key] = try parseValue(depth: depth)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default:
                throw failure(at: index, "expected ',' or '}' after object member, found \(found(at: index))")
            }
        }
    }

    func checkDepth(_ depth: Int) throws(LedgerError) {
        guard depth <= JSONValue.maximumDepth else {
            throw failure(at: index, "arrays and objects nested deeper than \(JSONValue.maximumDepth) levels")
        }
    }

    // MARK: Numbers

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, converted with correct rounding.
    mutating func parseNumber() throws(LedgerError) -> Double {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard isDigit(peek) else {
            if peek == UInt8(ascii: "I") { throw failure(at: index, "NaN and Infinity are not JSON numbers") }
            throw failure(at: index, "expected a digit after '-', found \(found(at: index))")
        }
        if peek == UInt8(ascii: "0") {
            index += 1
            if isDigit(peek) { throw failure(at: start, "number has a leading zero") }
        } else {
            skipDigits()
        }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard isDigit(peek) else {
                throw failure(at: index, "expected a digit after the decimal point, found \(found(at: index))")
            }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard isDigit(peek) else {
                throw failure(at: index, "expected a digit in the exponent, found \(found(at: index))")
            }
            skipDigits()
        }
        // The grammar above is a subset of what Double's parser reads; it rounds correctly.
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw failure(at: start, "number \(Self.abbreviated(text)) is too large for a double")
        }
        return value
    }

    mutating func skipDigits() {
        while isDigit(peek) { index += 1 }
    }

    func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote: escapes decoded, UTF-8 validated.
    mutating func parseString() throws(LedgerError) -> String {
        let start = index
        index += 1  // '"'
        var decoded: [UInt8] = []
        var runStart = index
        while true {
            guard index < bytes.count else {
                throw failure(at: start, "string starting here is not terminated")
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let run = bytes[runStart..<index]
                index += 1
                if decoded.isEmpty { return String(decoding: run, as: UTF8.self) }
                decoded.append(contentsOf: run)
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                decoded.append(contentsOf: bytes[runStart..<index])
                try parseEscape(into: &decoded)
                runStart = index
            case 0x00..<0x20:
                throw failure(
                    at: index, "control character U+\(Self.hex(UInt32(byte), width: 4)) must be escaped in a string")
            case 0x20..<0x80:
                index += 1
            default:
                try skipUTF8Sequence()
            }
        }
    }

    /// Decodes the escape at `index` (a backslash) and appends its UTF-8 to `decoded`.
    mutating func parseEscape(into decoded: inout [UInt8]) throws(LedgerError) {
        let start = index
        index += 1  // '\'
        guard index < bytes.count else { throw failure(at: start, "string ends inside an escape") }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(letter)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeStart: start)
            let scalar: UInt32
            switch unit {
            case 0xD800...0xDBFF:
                let lowStart = index
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else {
                    throw failure(
                        at: start,
                        "escape \\u\(Self.hex(unit, width: 4)) is a high surrogate without a low surrogate after it")
                }
                index += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure(
                        at: start,
                        "escape \\u\(Self.hex(unit, width: 4)) is a high surrogate followed by \\u\(Self.hex(low, width: 4)), "
                            + "not a low surrogate")
                }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            case 0xDC00...0xDFFF:
                throw failure(
                    at: start,
                    "escape \\u\(Self.hex(unit, width: 4)) is a low surrogate without a high surrogate before it")
            default:
                scalar = unit
            }
            Self.appendUTF8(scalar, to: &decoded)
        default:
            throw failure(at: start, "invalid escape '\\\(Self.printable(letter))' in string")
        }
    }

    /// Reads the four hex digits after `\u`.
    mutating func parseHex4(escapeStart: Int) throws(LedgerError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw failure(at: escapeStart, "string ends inside a \\u escape") }
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                throw failure(at: index, "expected four hex digits after \\u, found \(found(at: index))")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Steps over one well-formed multi-byte UTF-8 sequence (Unicode Table 3-7): no overlong
    /// forms, no encoded surrogates, nothing above U+10FFFF.
    mutating func skipUTF8Sequence() throws(LedgerError) {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: (length, secondRange) = (3, 0x80...0x9F)  // not D800–DFFF
        case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
        case 0xF1...0xF3: length = 4
        case 0xF4: (length, secondRange) = (4, 0x80...0x8F)  // not above U+10FFFF
        default:
            throw failure(
                at: index, "invalid UTF-8: byte 0x\(Self.hex(UInt32(lead), width: 2)) cannot start a character")
        }
        for position in 1..<length {
            let at = index + position
            let range = position == 1 ? secondRange : 0x80...0xBF
            guard at < bytes.count else {
                throw failure(at: at, "invalid UTF-8: input ends inside the character starting at byte offset \(index)")
            }
            guard range.contains(bytes[at]) else {
                throw failure(
                    at: at,
                    "invalid UTF-8: byte 0x\(Self.hex(UInt32(bytes[at]), width: 2)) cannot follow "
                        + "0x\(Self.hex(UInt32(lead), width: 2)) in the character starting at byte offset \(index)")
            }
        }
        index += length
    }

    // MARK: Helpers

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = peek,
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\t")
        {
            index += 1
        }
    }

    /// Describes the byte at `offset` for a message: `'x'`, `byte 0xC3` or `end of input`.
    func found(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Self.printable(byte))'" }
        return "byte 0x\(Self.hex(UInt32(byte), width: 2))"
    }

    /// An error at `offset`, located by line and column (1-based, columns counted in bytes).
    func failure(at offset: Int, _ problem: String) -> LedgerError {
        let end = min(offset, bytes.count)
        var line = 1
        var lineStart = 0
        for position in 0..<end where bytes[position] == UInt8(ascii: "\n") {
            line += 1
            lineStart = position + 1
        }
        return LedgerError(
            .malformedJSON, "line \(line), column \(end - lineStart + 1) (byte offset \(offset)): \(problem)")
    }

    /// Appends the UTF-8 form of `scalar`, a Unicode scalar value (surrogates were paired or rejected).
    static func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(0xC0 | UInt8(scalar >> 6))
            bytes.append(0x80 | UInt8(scalar & 0x3F))
        case 0x800..<0x10000:
            bytes.append(0xE0 | UInt8(scalar >> 12))
            bytes.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            bytes.append(0x80 | UInt8(scalar & 0x3F))
        default:
            bytes.append(0xF0 | UInt8(scalar >> 18 & 0x07))
            bytes.append(0x80 | UInt8(scalar >> 12 & 0x3F))
            bytes.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            bytes.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    static func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "0x\(hex(UInt32(byte), width: 2))"
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// A key in canonical JSON form, cut to 40 scalars, for messages.
    static func quoted(_ key: String) -> String {
        let scalars = key.unicodeScalars
        let short = scalars.count > 40 ? String(String.UnicodeScalarView(scalars.prefix(40))) + "…" : key
        return JSONValue.string(short).canonicalString
    }

    static func abbreviated(_ text: String) -> String {
        text.utf8.count > 40 ? String(text.prefix(20)) + "…(\(text.utf8.count) bytes)" : text
    }
}
