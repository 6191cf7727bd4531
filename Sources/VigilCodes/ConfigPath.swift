/// Names a place in a decoded document the way a person would write it: `rules[2].when`.
enum ConfigPath {
    /// The coding path as `a.b[2].c`, with `last` appended as one more key if given.
    static func describe(_ path: [any CodingKey], _ last: String? = nil) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        if let last { text += text.isEmpty ? last : ".\(last)" }
        return text
    }

    /// `base.member`, or `member` alone when `base` is empty.
    static func join(_ base: String, _ member: String) -> String { base.isEmpty ? member : "\(base).\(member)" }

    /// A `DecodingError` as a ``HealthCodeError`` with `code`, naming the field where it happened.
    static func error(_ error: DecodingError, code: HealthCodeError.Code, document: String) -> HealthCodeError {
        switch error {
        case .keyNotFound(let key, let context):
            return HealthCodeError(
                code, "\(document) is missing \"\(key.stringValue)\"", field: describe(context.codingPath, key.stringValue))
        case .typeMismatch(let type, let context):
            return HealthCodeError(code, "\(document) has a value that is not a \(type)", field: describe(context.codingPath))
        case .valueNotFound(let type, let context):
            return HealthCodeError(code, "\(document) has null where a \(type) is needed", field: describe(context.codingPath))
        case .dataCorrupted(let context):
            let field = describe(context.codingPath)
            return HealthCodeError(code, "\(document) is not valid JSON: \(context.debugDescription)", field: field.isEmpty ? nil : field)
        @unknown default:
            return HealthCodeError(code, "\(document) could not be decoded")
        }
    }
}
