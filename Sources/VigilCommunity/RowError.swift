/// A problem with one row of an imported file, naming the row and the field.
public struct RowError: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The data row, 1-based (the header is not counted).
    public var row: Int
    /// The physical line of the file the row starts on, 1-based (the header is line 1).
    public var line: Int
    /// The column (``Person``'s JSON name), or `row` for a problem with the whole row.
    public var field: String
    /// What is wrong, without repeating the value.
    public var message: String

    public init(row: Int, line: Int, field: String, message: String) {
        self.row = row
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String { "row \(row) (line \(line)), \(field): \(message)" }
}
