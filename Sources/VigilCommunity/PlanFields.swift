import VigilSurveillance

/// A JSON property name, for the hand-written `Codable` of the emergency-plan values.
struct PlanKey: CodingKey, Hashable {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Strict reading of one JSON object of the emergency-plan values: unknown properties are
/// refused (a misspelt optional `syndrome` must not silently widen a trigger), and every failure
/// is a ``CommunityError`` naming the property, relative to this object.
struct PlanObjectReader {
    let container: KeyedDecodingContainer<PlanKey>

    /// - Throws: ``CommunityError/Code/invalidField`` when the value is not an object or has a
    ///   property outside `allowed` (the field is that property).
    init(_ decoder: any Decoder, allowed: Set<String>) throws {
        do {
            container = try decoder.container(keyedBy: PlanKey.self)
        } catch {
            throw CommunityError(.invalidField, "must be a JSON object")
        }
        if let unknown = container.allKeys.map(\.stringValue).filter({ !allowed.contains($0) }).sorted().first {
            throw CommunityError(
                .invalidField, "unknown property; expected one of \(allowed.sorted().joined(separator: ", "))", field: unknown)
        }
    }

    func has(_ key: String) -> Bool { container.contains(PlanKey(key)) }

    /// A scalar value (a number, a string, or a wrapper such as a jurisdiction path): any error
    /// is reported with `key` as its field.
    func value<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T {
        guard let value = try optionalValue(key, as: type) else {
            throw CommunityError(.invalidField, "\(key) is required", field: key)
        }
        return value
    }

    func optionalValue<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T? {
        let k = PlanKey(key)
        guard container.contains(k) else { return nil }
        do {
            if try container.decodeNil(forKey: k) { return nil }
            return try container.decode(T.self, forKey: k)
        } catch var error as CommunityError {
            error.field = key
            throw error
        } catch {
            throw CommunityError(.invalidField, "\(key) has the wrong type or form", field: key)
        }
    }

    /// A nested object: its errors' fields are prefixed with `key`.
    func nested<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T {
        let k = PlanKey(key)
        guard container.contains(k) else { throw CommunityError(.invalidField, "\(key) is required", field: key) }
        return try PlanFieldPath.prefixing(key) {
            do {
                return try container.decode(T.self, forKey: k)
            } catch let error as CommunityError {
                throw error
            } catch {
                throw CommunityError(.invalidField, "has the wrong type or form")
            }
        }
    }

    /// An array of nested objects: errors are reported as `key[i].field`.
    func nestedArray<T: Decodable>(_ key: String, of type: T.Type = T.self) throws -> [T] {
        let k = PlanKey(key)
        guard container.contains(k) else { throw CommunityError(.invalidField, "\(key) is required", field: key) }
        var array: any UnkeyedDecodingContainer
        do {
            array = try container.nestedUnkeyedContainer(forKey: k)
        } catch {
            throw CommunityError(.invalidField, "\(key) must be an array", field: key)
        }
        var result: [T] = []
        while !array.isAtEnd {
            let i = result.count
            let element: T = try PlanFieldPath.prefixing("\(key)[\(i)]") {
                do {
                    return try array.decode(T.self)
                } catch let error as CommunityError {
                    throw error
                } catch {
                    throw CommunityError(.invalidField, "has the wrong type or form")
                }
            }
            result.append(element)
        }
        return result
    }
}

/// Field paths of nested emergency-plan values: `trigger.of[1].days`, `actions[0].stage`.
enum PlanFieldPath {
    /// Runs `body`, prefixing the field of any ``CommunityError`` it throws with `prefix`.
    static func prefixing<T>(_ prefix: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as CommunityError {
            error.field = error.field.map { $0.hasPrefix("[") ? prefix + $0 : "\(prefix).\($0)" } ?? prefix
            throw error
        }
    }
}

/// Rules and formatting shared by the emergency-plan values.
enum PlanText {
    /// Free text (a title, a message): trimmed of surrounding white space, 1...`maximum`
    /// characters, no control characters except line breaks when `lines` is true.
    /// - Throws: ``CommunityError/Code/invalidField`` naming `field`.
    static func validated(_ text: String, field: String, maximum: Int, lines: Bool = false) throws -> String {
        var scalars = Substring(text)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        let trimmed = String(scalars)
        guard !trimmed.isEmpty else { throw CommunityError(.invalidField, "\(field) must not be blank", field: field) }
        guard trimmed.count <= maximum else {
            throw CommunityError(.invalidField, "\(field) has \(trimmed.count) characters, more than \(maximum)", field: field)
        }
        let bad = trimmed.unicodeScalars.contains { s in
            s.properties.generalCategory == .control && !(lines && (s == "\n" || s == "\r" || s == "\t"))
        }
        guard !bad else { throw CommunityError(.invalidField, "\(field) contains control characters", field: field) }
        return trimmed
    }

    /// A number for a reason's text: integers as integers, others rounded to two decimals, or
    /// to as many more (up to six) as it takes to tell it apart from `distinctFrom` (so a reason
    /// never reads "1.2 > 1.2").
    static func number(_ x: Double, distinctFrom other: Double? = nil) -> String {
        if x.isNaN { return "NaN" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        var digits = 2
        while true {
            let text = rounded(x, digits)
            if digits >= 6 { return text }
            guard let other, x != other, text == rounded(other, digits) else { return text }
            digits += 1
        }
    }

    private static func rounded(_ x: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (x * scale).rounded() / scale
        if r == r.rounded(), abs(r) < 1e15 { return String(Int(r)) }
        return "\(r)"
    }

    /// `RiskLevel` by name (`"high"`) or by its raw value (`2`), as plan authors may write either.
    static func decodeRiskLevel(from decoder: any Decoder) throws -> RiskLevel {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(Int.self), let level = RiskLevel(rawValue: n) { return level }
        if let name = try? container.decode(String.self), let level = RiskLevel.allCases.first(where: { $0.description == name }) {
            return level
        }
        throw CommunityError(.invalidField, "a risk level is low, medium or high (or 0, 1, 2)")
    }
}

/// A `RiskLevel` coded by name; decodes a name or a raw value.
struct NamedRiskLevel: Codable {
    var level: RiskLevel
    init(_ level: RiskLevel) { self.level = level }
    init(from decoder: any Decoder) throws { level = try PlanText.decodeRiskLevel(from: decoder) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(level.description)
    }
}
