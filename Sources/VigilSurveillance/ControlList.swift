/// An R control list given as a JSON object: typed access by R's key names, with unknown keys rejected.
public struct ControlList: Sendable {
    /// The keys and values.
    public var values: [String: ControlValue]

    /// Creates a control list from a JSON object (or `null`/absent for an empty list).
    /// - Throws: `SurveillanceError(.invalidControl)` if the value is not an object.
    public init(_ json: ControlValue?) throws {
        switch json {
        case .none, .some(.null): values = [:]
        case .some(.object(let object)): values = object
        default: throw SurveillanceError(.invalidControl, "control must be a JSON object")
        }
    }

    /// Parses a JSON text (`nil` for an empty list).
    public init(parsing text: String?) throws {
        if let text, !text.trimmingWhitespace().isEmpty {
            try self.init(ControlValue(parsing: text))
        } else {
            try self.init(nil)
        }
    }

    /// Rejects keys outside `allowed`.
    /// - Throws: `SurveillanceError(.invalidControl)` naming the unknown keys and the allowed ones.
    public func requireKeys(in allowed: [String], method: String) throws {
        let unknown = values.keys.filter { !allowed.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw SurveillanceError(
                .invalidControl,
                "unknown control key\(unknown.count > 1 ? "s" : "") \(unknown.map { "'\($0)'" }.joined(separator: ", ")) for \(method); allowed: \(allowed.joined(separator: ", "))"
            )
        }
    }

    /// Whether the key is present and not `null`.
    public func has(_ key: String) -> Bool {
        if let v = values[key], v != .null { return true }
        return false
    }

    /// A number, or `nil` when absent or `null`.
    public func double(_ key: String) throws -> Double? {
        switch values[key] {
        case .none, .some(.null): return nil
        case .some(.number(let d)): return d
        case .some(.array(let a)) where a.count == 1:
            if case .number(let d) = a[0] { return d }
        default: break
        }
        throw SurveillanceError(.invalidControl, "control '\(key)' must be a number")
    }

    /// An integer, or `nil` when absent or `null`.
    public func int(_ key: String) throws -> Int? {
        guard let d = try double(key) else { return nil }
        guard d == d.rounded(), abs(d) < 1e15 else {
            throw SurveillanceError(.invalidControl, "control '\(key)' must be an integer, got \(d)")
        }
        return Int(d)
    }

    /// A boolean, or `nil` when absent or `null`.
    public func bool(_ key: String) throws -> Bool? {
        switch values[key] {
        case .none, .some(.null): return nil
        case .some(.bool(let b)): return b
        case .some(.number(let d)) where d == 0 || d == 1: return d == 1
        default: throw SurveillanceError(.invalidControl, "control '\(key)' must be true or false")
        }
    }

    /// A string, or `nil` when absent or `null`.
    public func string(_ key: String) throws -> String? {
        switch values[key] {
        case .none, .some(.null): return nil
        case .some(.string(let s)): return s
        default: throw SurveillanceError(.invalidControl, "control '\(key)' must be a string")
        }
    }

    /// A string restricted to `choices` (R's `match.arg`, exact match), or `nil`.
    public func choice(_ key: String, _ choices: [String]) throws -> String? {
        guard let s = try string(key) else { return nil }
        guard choices.contains(s) else {
            throw SurveillanceError(
                .invalidControl,
                "control '\(key)' is '\(s)', must be one of \(choices.map { "'\($0)'" }.joined(separator: ", "))"
            )
        }
        return s
    }

    /// A numeric vector, or `nil`.
    public func numbers(_ key: String) throws -> [Double]? {
        switch values[key] {
        case .none, .some(.null): return nil
        case .some(.number(let d)): return [d]
        case .some(.array(let a)):
            return try a.map {
                guard case .number(let d) = $0 else {
                    throw SurveillanceError(.invalidControl, "control '\(key)' must be an array of numbers")
                }
                return d
            }
        default:
            throw SurveillanceError(
                .invalidControl, "control '\(key)' must be a number or an array of numbers")
        }
    }

    /// A range of 1-based time points: `"a:b"` (inclusive), a single number, or an array of
    /// consecutive integers; `nil` when absent.
    public func range(_ key: String = "range") throws -> ClosedRange<Int>? {
        switch values[key] {
        case .none, .some(.null): return nil
        case .some(.string(let s)): return try Self.parseRange(s, key: key)
        default:
            guard let v = try numbers(key), !v.isEmpty else { return nil }
            let ints = try v.map { d -> Int in
                guard d == d.rounded(), abs(d) < 1e12 else {
                    throw SurveillanceError(.invalidControl, "control '\(key)' must hold integers")
                }
                return Int(d)
            }
            for (a, b) in zip(ints, ints.dropFirst()) where b != a + 1 {
                throw SurveillanceError(
                    .invalidControl, "control '\(key)' must be consecutive time points (write \"a:b\")")
            }
            return ints[0]...ints[ints.count - 1]
        }
    }

    /// Parses `"a:b"` (1-based, inclusive, a <= b) or a single integer.
    public static func parseRange(_ text: String, key: String = "range") throws -> ClosedRange<Int> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map {
            $0.trimmingWhitespace()
        }
        if parts.count == 1, let a = Int(parts[0]) { return a...a }
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) else {
            throw SurveillanceError(.invalidControl, "'\(key)' must be \"a:b\", got \"\(text)\"")
        }
        guard a <= b else { throw SurveillanceError(.invalidControl, "'\(key)' \(text) must have a <= b") }
        return a...b
    }
}
