import VigilLedger

/// A table of API items for the `table` template: chosen columns, each a dotted path into an
/// item's JSON (`stage`, `counts.newConfirmed`), every cell as text.
struct WebTable {
    var columns: [String]
    var rows: [[String]]
    var empty: String

    /// At most `limit` rows of `items`, with `columns` as (header, path); without columns, the
    /// first item's scalar fields.
    init(_ items: [[String: JSONValue]], columns: [(String, String)]? = nil, limit: Int = 50, empty: String) {
        let chosen = columns ?? Self.scalarColumns(items.first ?? [:])
        self.columns = chosen.map(\.0)
        self.rows = items.prefix(limit).map { item in chosen.map { Self.text(Self.value(item, $0.1)) } }
        self.empty = empty
    }

    var context: [String: Any] {
        ["columns": columns, "rows": rows.map { ["cells": $0] }, "hasRows": !rows.isEmpty, "empty": empty]
    }

    /// The scalar fields of `item`, `id` first, at most eight; for a stored record's envelope
    /// (`{"id", "version", "jurisdiction", "record": {...}}`), its id and the record's fields.
    static func scalarColumns(_ item: [String: JSONValue]) -> [(String, String)] {
        if let record = item["record"]?.objectValue {
            return [("id", "id")] + scalarColumns(record).filter { $0.0 != "id" }.prefix(7).map { ($0.0, "record." + $0.1) }
        }
        let keys = item.keys.filter { key in
            switch item[key] {
            case .string, .number, .bool: true
            default: false
            }
        }.sorted { ($0 == "id" ? "" : $0) < ($1 == "id" ? "" : $1) }
        return keys.prefix(8).map { ($0, $0) }
    }

    /// The value at a dotted path.
    static func value(_ item: [String: JSONValue], _ path: String) -> JSONValue? {
        var current: JSONValue? = .object(item)
        for key in path.split(separator: ".") { current = current?[String(key)] }
        return current
    }

    /// A cell's text: numbers without needless decimals, lists joined, objects as `key: value`.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let text)?: return text
        case .bool(let flag)?: return flag ? "yes" : "no"
        case .number(let number)?: return SVGCharts.f(number)
        case .array(let list)?: return list.map { text($0) }.joined(separator: ", ")
        case .object(let object)?: return object.keys.sorted().map { "\($0): \(text(object[$0]))" }.joined(separator: "; ")
        }
    }
}
