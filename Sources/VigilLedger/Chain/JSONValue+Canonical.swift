extension JSONValue {
    /// The canonical UTF-8 form of the value under RFC 8785 (JSON Canonicalization Scheme):
    /// the bytes that ledger entries are signed and hashed over.
    ///
    /// - No whitespace.
    /// - Object members sorted by the UTF-16 code units of their names (§3.2.3).
    /// - Strings escape only `"`, `\` and U+0000–U+001F: `\b \t \n \f \r` in short form, the
    ///   other controls as `\u00xx` in lowercase hex; every other character, U+007F and non-ASCII
    ///   included, is written as its UTF-8 (§3.2.2.2).
    /// - Numbers as ECMAScript's `Number.prototype.toString` writes them (§3.2.2.3): the shortest
    ///   digits that read back as the same double, `-0` as `0`, plain notation for magnitudes in
    ///   [1e-6, 1e21) and exponent notation (`1e+21`, `1e-7`) outside it.
    ///
    /// RFC 8785 requires an error for NaN and ±infinity, which the parser never produces; a value
    /// built in code that holds one is written as `null` here, as ECMAScript's `JSON.stringify`
    /// does. Call ``validateForCanonicalization()`` first to reject such values instead.
    public func canonicalBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        CanonicalWriter.write(self, to: &output)
        return output
    }

    /// The canonical form of ``canonicalBytes()`` as a string.
    public var canonicalString: String {
        String(decoding: canonicalBytes(), as: UTF8.self)
    }

    /// Checks that ``canonicalBytes()`` of this value is exact and parses back to an equal value:
    /// every number is finite and nesting is at most ``maximumDepth`` deep.
    ///
    /// Parsed values always pass; values built in code may not.
    /// - Throws: ``LedgerError/Code/malformedJSON`` naming the first offending path, e.g. `$.body.score`.
    public func validateForCanonicalization() throws(LedgerError) {
        try validate(path: "$", depth: 0)
    }

    private func validate(path: String, depth: Int) throws(LedgerError) {
        switch self {
        case .null, .bool, .string:
            return
        case .number(let value):
            guard value.isFinite else {
                throw LedgerError(.malformedJSON, "number at \(path) is \(value); canonical JSON needs finite numbers")
            }
        case .array(let elements):
            guard depth < Self.maximumDepth else {
                throw LedgerError(.malformedJSON, "\(path) is nested deeper than \(Self.maximumDepth) levels")
            }
            for (index, element) in elements.enumerated() {
                try element.validate(path: "\(path)[\(index)]", depth: depth + 1)
            }
        case .object(let members):
            guard depth < Self.maximumDepth else {
                throw LedgerError(.malformedJSON, "\(path) is nested deeper than \(Self.maximumDepth) levels")
            }
            for (key, value) in CanonicalWriter.sorted(members) {
                try value.validate(path: "\(path).\(key)", depth: depth + 1)
            }
        }
    }
}

/// The RFC 8785 serialiser behind ``JSONValue/canonicalBytes()``.
private enum CanonicalWriter {
    static func write(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            writeNumber(number, to: &output)
        case .string(let string):
            writeString(string, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in sorted(members).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                write(member.value, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Members in RFC 8785 §3.2.3 order: by the UTF-16 code units of their names. (Not `String`'s
    /// `<`, which orders by normalised scalars: U+1F600 is D83D DE00 in UTF-16 and sorts before U+FB33.)
    static func sorted(_ members: [String: JSONValue]) -> [(key: String, value: JSONValue)] {
        members.sorted { precedesInUTF16Order($0.key, $1.key) }
    }

    /// Whether `a` sorts before `b` by UTF-16 code units, computed on their UTF-8 bytes.
    ///
    /// UTF-8 byte order is code point order, which UTF-16 order matches except that U+E000–U+FFFF
    /// (lead bytes EE–EF) sort after every supplementary character (lead bytes F0–F4, surrogates
    /// D800–DFFF in UTF-16). The first differing bytes are lead bytes or continuation bytes in both
    /// strings, as everything before them is shared, so one check at that byte suffices.
    static func precedesInUTF16Order(_ a: String, _ b: String) -> Bool {
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            guard let x = left.next() else { return right.next() != nil }
            guard let y = right.next() else { return false }
            if x != y {
                if (0xEE...0xEF).contains(x) && y >= 0xF0 { return false }
                if (0xEE...0xEF).contains(y) && x >= 0xF0 { return true }
                return x < y
            }
        }
    }

    // MARK: Strings (RFC 8785 §3.2.2.2)

    static func writeString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        let utf8 = string.utf8
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.append(contentsOf: utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x00..<0x20:
                output.append(contentsOf: "\\u00".utf8)
                output.append(hexDigit(byte >> 4))
                output.append(hexDigit(byte & 0x0F))
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    // MARK: Numbers (RFC 8785 §3.2.2.3, ECMAScript Number::toString)

    static func writeNumber(_ number: Double, to output: inout [UInt8]) {
        guard number.isFinite else {
            output.append(contentsOf: "null".utf8)
            return
        }
        if number == 0 {  // 0 and -0
            output.append(UInt8(ascii: "0"))
            return
        }
        if number < 0 { output.append(UInt8(ascii: "-")) }
        if number.magnitude <= 0x1p53, let integer = UInt64(exactly: number.magnitude) {
            // Up to 2^53 every integer is exact, and its digits are the shortest that round-trip.
            writeDigits(of: integer, to: &output)
            return
        }
        // The value is 0.d₁d₂…d_k × 10^n with d₁ ≠ 0, in ECMAScript's terms s × 10^(n−k).
        let (digits, n) = shortestDigits(of: number.magnitude)
        let k = digits.count
        guard k > 0 else {  // unreachable for a nonzero double; never trap
            output.append(UInt8(ascii: "0"))
            return
        }
        if k <= n && n <= 21 {
            // An integer below 1e21: the digits, then n − k zeros.
            output.append(contentsOf: digits)
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {
            // A fraction with n digits before the point.
            output.append(contentsOf: digits[..<n])
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            // 0.000001 ≤ |x| < 1: "0.", −n zeros, the digits.
            output.append(contentsOf: "0.".utf8)
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            output.append(contentsOf: digits)
        } else {
            // Exponent form: d₁[.d₂…d_k]e±(n−1).
            output.append(digits[0])
            if k > 1 {
                output.append(UInt8(ascii: "."))
                output.append(contentsOf: digits[1...])
            }
            let exponent = n - 1
            output.append(UInt8(ascii: "e"))
            output.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            output.append(contentsOf: String(exponent.magnitude).utf8)
        }
    }

    /// Writes the decimal digits of `integer`.
    static func writeDigits(of integer: UInt64, to output: inout [UInt8]) {
        let start = output.count
        var rest = integer
        repeat {
            output.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        output[start...].reverse()
    }

    /// The shortest decimal digits that read back as `magnitude` (positive and finite), closest to
    /// it when several are as short, as ASCII digits d₁…d_k without leading or trailing zeros, and
    /// the exponent n with `magnitude` = 0.d₁…d_k × 10^n.
    ///
    /// Swift's `description` computes exactly these digits (SwiftDtoa: shortest, then closest,
    /// as ECMAScript asks) but lays them out its own way ("1e-05", "100.0", "1.5e+300");
    /// this reads the digits and exponent back out of that layout.
    static func shortestDigits(of magnitude: Double) -> (digits: [UInt8], exponent: Int) {
        var digits: [UInt8] = []
        digits.reserveCapacity(17)
        var pointPosition: Int?
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for byte in magnitude.description.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExponent {
                    exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                } else {
                    digits.append(byte)
                }
            case UInt8(ascii: "."):
                pointPosition = digits.count
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                inExponent = true
            case UInt8(ascii: "-"):
                exponentSign = -1
            default:  // "+"
                break
            }
        }
        var n = (pointPosition ?? digits.count) + exponentSign * exponent
        let leadingZeros = digits.prefix { $0 == UInt8(ascii: "0") }.count
        n -= leadingZeros
        var end = digits.count
        while end > leadingZeros && digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
        return (Array(digits[leadingZeros..<end]), n)
    }
}
