public import VigilSurveillance

/// The utility's daily readings as CSV: a header naming the columns `household`, `day`
/// (`YYYY-MM-DD`) and `kWh`, in any order, then one row per household and day.
public enum ElectricityCSV {
    public static let columns = ["household", "day", "kWh"]

    /// The readings of a file and the errors of its bad rows, each naming the data row, the
    /// file line and the field.
    public struct Parsed: Sendable, Hashable {
        public var total: Int
        public var readings: [ElectricityReading]
        public var errors: [RowError]
    }

    /// - Throws: ``CommunityError/Code/invalidField`` (field `csv`) for an empty file, a header
    ///   without one of ``columns`` or with an unknown or repeated column, or unreadable CSV.
    public static func parse(_ text: String) throws -> Parsed {
        let records = try CSVCodec.decode(text)
        guard let header = records.first else {
            throw CommunityError(.invalidField, "the file is empty: the first line names the columns household, day, kWh", field: "csv")
        }
        var position: [String: Int] = [:]
        for (index, name) in header.fields.enumerated() {
            let name = String(name.trimmingWhiteSpace())
            guard columns.contains(name) else {
                throw CommunityError(.invalidField, "unknown column \(name.prefix(40)): the columns are household, day, kWh", field: "csv")
            }
            guard position[name] == nil else { throw CommunityError(.invalidField, "column \(name) appears twice", field: "csv") }
            position[name] = index
        }
        for name in columns where position[name] == nil {
            throw CommunityError(.invalidField, "the header has no column \(name)", field: "csv")
        }
        var parsed = Parsed(total: records.count - 1, readings: [], errors: [])
        for (k, record) in records.dropFirst().enumerated() {
            let row = k + 1
            func fail(_ field: String, _ message: String) {
                parsed.errors.append(RowError(row: row, line: record.line, field: field, message: message))
            }
            guard record.fields.count == header.fields.count else {
                fail("row", "the row has \(record.fields.count) fields, the header \(header.fields.count)")
                continue
            }
            let household: JurisdictionPath
            do { household = try JurisdictionPath(String(record.fields[position["household"]!].trimmingWhiteSpace())) } catch let error as CommunityError {
                fail("household", error.message)
                continue
            }
            guard let day = CivilDate(iso8601: String(record.fields[position["day"]!].trimmingWhiteSpace())) else {
                fail("day", "a day is written YYYY-MM-DD")
                continue
            }
            guard let kWh = Double(String(record.fields[position["kWh"]!].trimmingWhiteSpace())) else {
                fail("kWh", "consumption is a number of kWh, like 3.25")
                continue
            }
            do { parsed.readings.append(try ElectricityReading(household: household, day: day, kWh: kWh)) } catch let error as CommunityError {
                fail(error.field ?? "row", error.message)
            }
        }
        return parsed
    }
}
