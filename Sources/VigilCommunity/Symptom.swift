/// A symptom a resident reports in a check-in. Extensible: the common ones are constants, and
/// any other short code is accepted.
public struct Symptom: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Any code of 1-128 bytes without control characters or surrounding spaces; nil otherwise.
    public init?(rawValue: String) {
        guard (try? Validation.requireKey(rawValue, field: "symptom")) != nil else { return nil }
        self.rawValue = rawValue
    }

    private init(known: String) { rawValue = known }

    public static let fever = Symptom(known: "fever")
    public static let cough = Symptom(known: "cough")
    public static let soreThroat = Symptom(known: "soreThroat")
    public static let shortnessOfBreath = Symptom(known: "shortnessOfBreath")
    public static let fatigue = Symptom(known: "fatigue")
    public static let lossOfTasteOrSmell = Symptom(known: "lossOfTasteOrSmell")
    public static let musclePain = Symptom(known: "musclePain")
    public static let headache = Symptom(known: "headache")
    public static let diarrhoea = Symptom(known: "diarrhoea")
    public static let runnyNose = Symptom(known: "runnyNose")

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
