import Foundation
import Testing
import VigilSurveillance

/// `CivilDate(iso8601:)` reads the common `DDDD-DD-DD` form from its bytes; every text must parse
/// exactly as the general rule does (three `-`-separated parts of at least 4, 2 and 2 characters
/// that `Int` reads, a real month and day).
@Suite struct CivilDateParsingTests {
    /// The general rule, as written before the byte path.
    static func reference(_ text: String) -> CivilDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count >= 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        let days = [31, y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(m), d >= 1, d <= days[m - 1] else { return nil }
        return CivilDate(year: y, month: m, day: d)
    }

    @Test(arguments: [
        "2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "0000-01-01", "9999-12-31", "2024-00-10", "2024-13-01",
        "2024-04-31", "2024-04-00", "+2024-01-01", "2024-+1-01", "20240-01-01", "2024-1-01", "2024-01-1", "2024/01/01",
        "２０２４-01-01", "2024-01-01 ", " 2024-01-01", "2024-01-01\n", "", "----------", "2024-01-0a",
    ])
    func agreesWithTheGeneralRule(_ text: String) {
        #expect(CivilDate(iso8601: text) == Self.reference(text))
        #expect(CivilDate(iso8601: Substring(text)) == Self.reference(text))
    }

    @Test func agreesOnRandomTexts() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789-+ 1229")
        for _ in 0..<20_000 {
            let length = Int.random(in: 8...12, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            #expect(CivilDate(iso8601: text) == Self.reference(text), "\(text)")
        }
        // Well-formed dates, valid or not, across the years.
        for _ in 0..<20_000 {
            let text = String(format: "%04d-%02d-%02d", Int.random(in: 0...9999), Int.random(in: 0...14), Int.random(in: 0...33))
            #expect(CivilDate(iso8601: text) == Self.reference(text), "\(text)")
        }
    }
}
