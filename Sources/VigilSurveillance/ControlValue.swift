import FoundationEssentials

/// A parsed JSON value, for control lists whose keys and types are checked one by one.
public enum ControlValue: Sendable, Hashable, Decodable {
    /// `null`
    case null
    /// `true` / `false`
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([ControlValue])
    /// An object.
    case object([String: ControlValue])

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? container.decode(Double.self) {
            self = .number(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([ControlValue].self) {
            self = .array(a)
        } else {
            self = .object(try container.decode([String: ControlValue].self))
        }
    }

    /// Parses a JSON text.
    /// - Throws: `SurveillanceError(.invalidControl)` if the text is not valid JSON.
    public init(parsing text: String) throws {
        do {
            self = try JSONDecoder().decode(ControlValue.self, from: Data(text.utf8))
        } catch {
            throw SurveillanceError(.invalidControl, "control is not valid JSON: \(error)")
        }
    }
}
