import Foundation
import VigilLedger
import VigilSurveillance

/// A table of API items for the `table` template: chosen columns, each a path into an item's
/// JSON, every cell as text.
///
/// A column's path is dotted keys (`stage`, `counts.newConfirmed`), where a key may select in a
/// list:
/// - `steps[0]`, `steps[-1]`: the first, the last element;
/// - `steps[stage=admission]`: the last element whose `stage` reads `admission` (`[volunteer=*]`:
///   the last one that has a `volunteer`);
/// - `lines[*]`: every element (the rest of the path is followed in each; the cell lists them).
///
/// `a ?? b` takes the first path with a value (`'text'` is a literal), and `path|format` formats
/// the value: `time` (Unix seconds as `YYYY-MM-DD HH:MM` UTC), `1dp` (one decimal), `count` (a
/// list's length), or a template such as `{quantity} × {goods}` filled from each element.
struct WebTable {
    var columns: [String]
    var rows: [[String]]
    var empty: String

    /// At most `limit` rows of `items`, with `columns` as (header, path); without columns, the
    /// first item's scalar fields.
    init(_ items: [[String: JSONValue]], columns: [(String, String)]? = nil, limit: Int = 50, empty: String) {
        let chosen = columns ?? Self.scalarColumns(items.first ?? [:])
        self.columns = chosen.map(\.0)
        self.rows = items.prefix(limit).map { item in chosen.map { Self.cell(item, $0.1) } }
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

    /// The text of one cell: the first alternative of `spec` with a value, formatted.
    static func cell(_ item: [String: JSONValue], _ spec: String) -> String {
        for alternative in spec.components(separatedBy: "??") {
            let part = alternative.trimmingCharacters(in: .whitespaces)
            if part.count >= 2, part.hasPrefix("'"), part.hasSuffix("'") { return String(part.dropFirst().dropLast()) }
            let pieces = part.split(separator: "|", maxSplits: 1).map(String.init)
            let found = value(item, pieces.first ?? "")
            let text = pieces.count > 1 ? format(found, pieces[1]) : self.text(found)
            if !text.isEmpty { return text }
        }
        return ""
    }

    /// The value at a path (see the type's description); nil when it leads nowhere.
    static func value(_ item: [String: JSONValue], _ path: String) -> JSONValue? {
        follow(.object(item), path.split(separator: ".").map(String.init)[...])
    }

    static func follow(_ current: JSONValue?, _ keys: ArraySlice<String>) -> JSONValue? {
        guard let current, let first = keys.first else { return current }
        var key = first
        var selector: String?
        if let open = first.firstIndex(of: "["), first.hasSuffix("]") {
            key = String(first[..<open])
            selector = String(first[first.index(after: open)..<first.index(before: first.endIndex)])
        }
        let node = key.isEmpty ? current : current[key]
        guard let selector else { return follow(node, keys.dropFirst()) }
        guard let list = node?.arrayValue else { return nil }
        if selector == "*" {
            return .array(list.compactMap { follow($0, keys.dropFirst()) })
        }
        if let index = Int(selector) {
            let position = index < 0 ? list.count + index : index
            return list.indices.contains(position) ? follow(list[position], keys.dropFirst()) : nil
        }
        let test = selector.split(separator: "=", maxSplits: 1).map(String.init)
        guard test.count == 2 else { return nil }
        let match = list.last { element in
            guard let field = element[test[0]], field != .null else { return false }
            return test[1] == "*" || text(field) == test[1]
        }
        return follow(match, keys.dropFirst())
    }

    /// A cell's text: numbers without needless decimals, lists joined, objects as `key: value`.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let text)?: return text
        case .bool(let flag)?: return flag ? "yes" : "no"
        case .number(let number)?: return SVGCharts.f(number)
        case .array(let list)?: return list.map { text($0) }.filter { !$0.isEmpty }.joined(separator: ", ")
        case .object(let object)?: return object.keys.sorted().map { "\($0): \(text(object[$0]))" }.joined(separator: "; ")
        }
    }

    /// `value` formatted by `format` (see the type's description); a list is formatted element
    /// by element, except by `count`.
    static func format(_ value: JSONValue?, _ format: String) -> String {
        if case .array(let list)? = value, format != "count" {
            return list.map { self.format($0, format) }.filter { !$0.isEmpty }.joined(separator: ", ")
        }
        switch format {
        case "time":
            guard let seconds = value?.doubleValue else { return text(value) }
            return time(Int64(seconds.rounded(.down)))
        case "1dp":
            guard let number = value?.doubleValue else { return text(value) }
            return String(format: "%.1f", number)
        case "count":
            return value?.arrayValue.map { String($0.count) } ?? ""
        default:
            guard format.contains("{"), let value else { return text(value) }
            return fill(format, from: value)
        }
    }

    /// A template's `{path}` placeholders filled from `value`.
    static func fill(_ template: String, from value: JSONValue) -> String {
        var result = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let path = String(rest[rest.index(after: open)..<close])
            result += text(follow(value, path.split(separator: ".").map(String.init)[...]))
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// Unix seconds as `YYYY-MM-DD HH:MM` (UTC).
    static func time(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let minute = (seconds - days * 86_400) / 60
        let date = CivilDate(daysSinceEpoch: Int(days))
        return "\(date) " + String(format: "%02d:%02d", Int(minute / 60), Int(minute % 60))
    }
}
