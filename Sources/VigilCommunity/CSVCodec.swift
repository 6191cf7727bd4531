/// RFC 4180 CSV: comma-separated fields, records ended by CRLF (LF and a lone CR are accepted
/// too); a field containing a comma, quote or line break is enclosed in double quotes, with quotes
/// inside doubled. A UTF-8 byte order mark at the start is skipped; empty lines are skipped.
///
/// The reader is strict where a lenient one would guess: a quote inside an unquoted field, text
/// after a closing quote, or a quote that is never closed is an error naming the line.
public enum CSVCodec {
    private static let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A

    /// The records of `text`, each with the line it starts on.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `csv`) for a syntax error; the message
    ///   names the line (and, for an unclosed quote, the line where the quote opened).
    public static func decode(_ text: String) throws -> [CSVRecord] {
        var text = text
        return try text.withUTF8 { try decode(bytes: $0) }
    }

    private static func decode(bytes b: UnsafeBufferPointer<UInt8>) throws -> [CSVRecord] {
        let n = b.count
        var i = 0
        if n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }
        var line = 1
        var records: [CSVRecord] = []
        var buffer: [UInt8] = []
        while i < n {
            let recordLine = line
            var fields: [String] = []
            var onlyEmpty = true
            fieldLoop: while true {
                if i < n && b[i] == quote {
                    let openedOn = line
                    i += 1
                    buffer.removeAll(keepingCapacity: true)
                    var segment = i
                    while true {
                        guard i < n else {
                            throw CommunityError(.invalidField, "line \(openedOn): a quoted field is never closed", field: "csv")
                        }
                        let c = b[i]
                        if c == quote {
                            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: b[segment..<i]))
                            if i + 1 < n && b[i + 1] == quote {
                                buffer.append(quote)
                                i += 2
                                segment = i
                                continue
                            }
                            i += 1
                            break
                        }
                        if c == lf || (c == cr && (i + 1 >= n || b[i + 1] != lf)) { line += 1 }
                        i += 1
                    }
                    if i < n && b[i] != comma && b[i] != cr && b[i] != lf {
                        throw CommunityError(
                            .invalidField, "line \(line): text after a closing quote (write \"\" for a quote)", field: "csv")
                    }
                    fields.append(String(decoding: buffer, as: UTF8.self))
                    onlyEmpty = false
                } else {
                    let start = i
                    while i < n, b[i] != comma, b[i] != cr, b[i] != lf {
                        if b[i] == quote {
                            throw CommunityError(
                                .invalidField, "line \(line): a quote inside an unquoted field (quote the field and write \"\")",
                                field: "csv")
                        }
                        i += 1
                    }
                    fields.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
                    if i > start { onlyEmpty = false }
                }
                if i < n && b[i] == comma {
                    i += 1
                    onlyEmpty = false
                    continue fieldLoop
                }
                break
            }
            if i < n {  // end of record: CRLF, LF or CR
                if b[i] == cr && i + 1 < n && b[i + 1] == lf { i += 1 }
                i += 1
                line += 1
            }
            if !onlyEmpty { records.append(CSVRecord(fields: fields, line: recordLine)) }
        }
        return records
    }

    /// The CSV text of `rows`: fields quoted only when needed, records ended by CRLF.
    /// - Parameter byteOrderMark: start with a UTF-8 byte order mark, which spreadsheet programs
    ///   need to read non-ASCII text (names in Chinese) correctly.
    public static func encode(_ rows: some Sequence<[String]>, byteOrderMark: Bool = false) -> String {
        var out = byteOrderMark ? "\u{FEFF}" : ""
        for row in rows {
            if row == [""] {  // a lone empty field would read back as an empty line, which is skipped
                out.append("\"\"\r\n")
                continue
            }
            for (k, field) in row.enumerated() {
                if k > 0 { out.append(",") }
                out.append(encode(field: field))
            }
            out.append("\r\n")
        }
        return out
    }

    /// One field, quoted when it contains a comma, quote or line break.
    public static func encode(field: String) -> String {
        guard field.utf8.contains(where: { $0 == quote || $0 == comma || $0 == cr || $0 == lf }) else { return field }
        var quoted = "\""
        for c in field.unicodeScalars {
            if c == "\"" { quoted.append("\"") }
            quoted.unicodeScalars.append(c)
        }
        quoted.append("\"")
        return quoted
    }
}
