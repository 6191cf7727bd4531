/// One record of a CSV text: its fields and the physical line it starts on (1-based; a quoted
/// field with line breaks makes a record span several lines).
public struct CSVRecord: Sendable, Hashable {
    public var fields: [String]
    public var line: Int

    public init(fields: [String], line: Int) {
        self.fields = fields
        self.line = line
    }
}
