/// A calendar day in the proleptic Gregorian calendar, without time zone.
///
/// Enough calendar arithmetic for R's date-based reference weeks: day numbers, weekdays,
/// and `seq(date, by = "-1 year")` with R's normalisation (29 February minus a year is 1 March).
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Year.
    public var year: Int
    /// Month, 1...12.
    public var month: Int
    /// Day of month, 1...31.
    public var day: Int

    /// Creates a date; the components are not normalised.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `daysSinceEpoch` days after 1970-01-01.
    public init(daysSinceEpoch z0: Int) {
        // Howard Hinnant's civil_from_days.
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: m <= 2 ? y + 1 : y, month: m, day: d)
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso8601 text: some StringProtocol) {
        // The common form, exactly `DDDD-DD-DD` in ASCII, read from its bytes; anything else
        // (longer years, a sign) takes the general path below.
        if let parts = Self.tenBytes(text.utf8) {
            guard let date = CivilDate.checked(year: parts.year, month: parts.month, day: parts.day) else { return nil }
            self = date
            return
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count >= 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            let date = CivilDate.checked(year: y, month: m, day: d)
        else { return nil }
        self = date
    }

    /// The date, or nil when the month or the day does not exist in that year.
    public static func checked(year: Int, month: Int, day: Int) -> CivilDate? {
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    /// Year, month and day of text that is exactly `DDDD-DD-DD` in ASCII digits, unchecked;
    /// nil for any other text.
    static func tenBytes(_ utf8: some Collection<UInt8>) -> (year: Int, month: Int, day: Int)? {
        guard utf8.count == 10 else { return nil }
        var values = (0, 0, 0)
        for (i, byte) in utf8.enumerated() {
            if i == 4 || i == 7 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let digit = Int(byte - 0x30)
            switch i {
            case 0..<4: values.0 = values.0 * 10 + digit
            case 5..<7: values.1 = values.1 * 10 + digit
            default: values.2 = values.2 * 10 + digit
            }
        }
        return values
    }

    /// Days since 1970-01-01 (R's `as.numeric(date)`), normalising out-of-range days like R's `mktime`.
    public var daysSinceEpoch: Int {
        let y0 = month <= 2 ? year - 1 : year
        let era = (y0 >= 0 ? y0 : y0 - 399) / 400
        let yoe = y0 - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Day of the week, 0 = Sunday ... 6 = Saturday (R's `format(date, "%w")`).
    public var weekday: Int {
        let d = daysSinceEpoch
        return ((d % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
    }

    /// The same day `years` years earlier or later, normalised like R's `seq.Date(by = "year")`.
    public func addingYears(_ years: Int) -> CivilDate {
        CivilDate(daysSinceEpoch: CivilDate(year: year + years, month: month, day: day).daysSinceEpoch)
    }

    /// The date `days` days later.
    public func addingDays(_ days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// `YYYY-MM-DD`.
    public var description: String {
        let y = String(year)
        let m = month < 10 ? "0\(month)" : "\(month)"
        let d = day < 10 ? "0\(day)" : "\(day)"
        return "\(String(repeating: "0", count: max(0, 4 - y.count)))\(y)-\(m)-\(d)"
    }

    /// Chronological order.
    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
