/// A JSON value as RFC 8785 (JSON Canonicalization Scheme) sees it: the I-JSON data model of
/// RFC 7493, with every number an IEEE-754 double.
///
/// Ledger entries are signed over their canonical bytes, so this type is built around two exact
/// operations: a strict parser, ``init(parsing:)``, and the canonical serialisation,
/// ``canonicalBytes()``.
///
/// Equality is exact, not Unicode-aware: two values that pass ``validateForCanonicalization()``
/// are equal exactly when their canonical bytes are equal. Strings and member names compare by their Unicode scalars, so `"é"` (U+00E9) and
/// `"e\u{301}"` differ, as they do once signed; numbers compare as doubles, so `-0` equals `0`
/// (both serialise as `0`); object members compare regardless of order.
///
/// Objects are dictionaries, so a value cannot hold two members with the same name. Swift's
/// `String` treats canonically equivalent names as the same key: a dictionary literal keeps the
/// last of such names, and the parser rejects a document that uses two of them.
public enum JSONValue: Sendable {
    /// The literal `null`.
    case null
    /// The literal `true` or `false`.
    case bool(Bool)
    /// A number. Canonical JSON has only finite doubles; see ``canonicalBytes()`` for the others.
    case number(Double)
    /// A string of Unicode scalars.
    case string(String)
    /// An ordered list of values.
    case array([JSONValue])
    /// A set of named members; canonical serialisation orders them by name.
    case object([String: JSONValue])
}

// MARK: - Equality

extension JSONValue: Hashable {
    /// Whether two values have the same canonical form (see ``JSONValue``).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case (.bool(let a), .bool(let b)):
            return a == b
        case (.number(let a), .number(let b)):
            return a == b || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)):
            return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                // The dictionary finds canonically equivalent keys too; insist on the same scalars.
                guard let index = b.index(forKey: key), b[index].key.utf8.elementsEqual(key.utf8),
                    b[index].value == value
                else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// Hashes the value consistently with ``==(_:_:)``.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let value):
            hasher.combine(1 as UInt8)
            hasher.combine(value)
        case .number(let value):
            hasher.combine(2 as UInt8)
            // Double hashes -0 and 0 alike, but not NaNs with different payloads.
            if value.isNaN { hasher.combine(UInt64.max) } else { hasher.combine(value) }
        case .string(let value):
            hasher.combine(3 as UInt8)
            Self.hashScalars(of: value, into: &hasher)
        case .array(let elements):
            hasher.combine(4 as UInt8)
            hasher.combine(elements.count)
            for element in elements { hasher.combine(element) }
        case .object(let members):
            hasher.combine(5 as UInt8)
            hasher.combine(members.count)
            // Order-independent: add up one hash per member.
            var sum: UInt64 = 0
            for (key, value) in members {
                var memberHasher = Hasher()
                Self.hashScalars(of: key, into: &memberHasher)
                memberHasher.combine(value)
                sum &+= UInt64(UInt(bitPattern: memberHasher.finalize()))
            }
            hasher.combine(sum)
        }
    }

    /// Hashes the UTF-8 bytes of `string` (`String`'s own hash is Unicode-aware).
    private static func hashScalars(of string: String, into hasher: inout Hasher) {
        let utf8 = string.utf8
        hasher.combine(utf8.count)
        let done: Void? = utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            for byte in utf8 { hasher.combine(byte) }
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByBooleanLiteral {
    /// Creates `true` or `false`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// Creates a number from an integer literal.
    ///
    /// A double holds every integer up to 2^53 exactly; larger literals are rounded.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// Creates a number from a floating-point literal.
    public init(floatLiteral value: Double) { self = .number(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// Creates a string.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// Creates an array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Creates an object. Of two members with the same name, the last one wins.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

// MARK: - Accessors

extension JSONValue {
    /// The member named `key` of an object; `nil` for a missing member or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    /// The element at `index` of an array; `nil` when out of range or not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value of a boolean; `nil` for anything else.
    public var boolValue: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    /// The value of a number; `nil` for anything else.
    public var doubleValue: Double? {
        guard case .number(let value) = self else { return nil }
        return value
    }

    /// The value of a number that is an integer in `Int64`'s range; `nil` for anything else,
    /// including `1.5`, `1e19` and non-numbers.
    ///
    /// Numbers are doubles, so a document's integers beyond 2^53 have already been rounded to the
    /// nearest double when parsed (`9007199254740993` reads as `9007199254740992`).
    public var int64Value: Int64? {
        guard case .number(let value) = self else { return nil }
        return Int64(exactly: value)
    }

    /// The value of a string; `nil` for anything else.
    public var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    /// The elements of an array; `nil` for anything else.
    public var arrayValue: [JSONValue]? {
        guard case .array(let value) = self else { return nil }
        return value
    }

    /// The members of an object; `nil` for anything else.
    public var objectValue: [String: JSONValue]? {
        guard case .object(let value) = self else { return nil }
        return value
    }
}
