import Testing
import VigilCommunity

@Suite struct CSVCodecTests {
    @Test func quotedCommasQuotesAndLineBreaks() throws {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nlast,,\n"
        let records = try CSVCodec.decode(text)
        #expect(records.map(\.fields) == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\r\nlines"], ["last", "", ""]])
        #expect(records.map(\.line) == [1, 2, 4])
    }

    @Test func byteOrderMarkEmptyLinesAndMissingFinalNewline() throws {
        let records = try CSVCodec.decode("\u{FEFF}name,household\n\n王伟,sz\r\n\r\n李娜,sz")
        #expect(records.map(\.fields) == [["name", "household"], ["王伟", "sz"], ["李娜", "sz"]])
        #expect(records.map(\.line) == [1, 3, 5])
        #expect(try CSVCodec.decode("").isEmpty)
        #expect(try CSVCodec.decode("a\rb\r").map(\.fields) == [["a"], ["b"]])
    }

    @Test(arguments: [
        ("a,b\n\"open,c\nd,e\n", "line 2", "never closed"),
        ("a,b\nx\"y,c\n", "line 2", "unquoted"),
        ("a,b\n\"q\"x,c\n", "line 2", "after a closing quote"),
        ("a\n\"1\n2\"z\n", "line 3", "after a closing quote"),
    ])
    func syntaxErrorsNameTheLine(_ text: String, _ line: String, _ what: String) {
        let message = Fixture.errorMessage { _ = try CSVCodec.decode(text) }
        #expect(message?.hasPrefix(line + ":") == true, "\(message ?? "no error")")
        #expect(message?.contains(what) == true)
        #expect(Fixture.errorField { _ = try CSVCodec.decode(text) } == "csv")
    }

    @Test func encodeQuotesOnlyWhenNeededAndRoundTrips() throws {
        let rows = [["plain", "with,comma", "with \"quote\"", "multi\nline", "", " spaced "], ["王伟", "+8613800138000", "\r", "a\r\nb", "x", "y"]]
        let text = CSVCodec.encode(rows)
        #expect(text.hasPrefix("plain,\"with,comma\",\"with \"\"quote\"\"\",\"multi\nline\",, spaced \r\n"))
        #expect(try CSVCodec.decode(text).map(\.fields) == rows)
        #expect(try CSVCodec.decode(CSVCodec.encode(rows, byteOrderMark: true)).map(\.fields) == rows)
    }
}
