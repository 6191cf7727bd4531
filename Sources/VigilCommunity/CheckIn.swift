public import VigilSurveillance

/// A resident's self check-in (or a follow-up call's answer): symptoms and body temperature at
/// a time.
public struct CheckIn: Sendable, Hashable, Codable {
    /// The lowest and highest plausible body temperatures, in °C; anything outside is a typo or a
    /// broken thermometer and is refused.
    public static let plausibleTemperature: ClosedRange<Double> = 34.0...43.0
    /// The temperature from which a check-in counts as fever, in °C.
    public static let feverThreshold = 37.3

    /// Who checked in.
    public let person: PersonKey
    /// When, in Unix seconds.
    public let time: Int64
    /// The symptoms reported; empty when none.
    public let symptoms: Set<Symptom>
    /// The measured temperature in °C, if measured.
    public let temperatureCelsius: Double?

    /// - Throws: ``CommunityError/Code/invalidField`` for a temperature outside
    ///   ``plausibleTemperature`` or not finite (field `temperatureCelsius`) or an invalid
    ///   person key.
    public init(person: PersonKey, time: Int64, symptoms: Set<Symptom> = [], temperatureCelsius: Double? = nil) throws {
        try Validation.requireKey(person, field: "person")
        let range = Self.plausibleTemperature
        if let t = temperatureCelsius, !range.contains(t) {
            throw CommunityError(
                .invalidField, "temperature \(t) °C is outside \(range.lowerBound)...\(range.upperBound)", field: "temperatureCelsius")
        }
        self.person = person
        self.time = time
        self.symptoms = symptoms
        self.temperatureCelsius = temperatureCelsius
    }

    /// Whether the measured temperature is at least ``feverThreshold`` (a reported
    /// ``Symptom/fever`` without a measurement does not set it; see ``isAbnormal``).
    public var hasFever: Bool { (temperatureCelsius ?? 0) >= Self.feverThreshold }

    /// Whether the check-in needs a follow-up: fever or any symptom.
    public var isAbnormal: Bool { hasFever || !symptoms.isEmpty }

    /// The local calendar day of the check-in in a zone `offset` seconds east of UTC.
    public func day(timeZoneOffsetSeconds offset: Int64) -> CivilDate { civilDay(ofUnixTime: time, offset: offset) }

    private enum CodingKeys: String, CodingKey { case person, time, symptoms, temperatureCelsius }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            person: try c.decode(String.self, forKey: .person), time: try c.decode(Int64.self, forKey: .time),
            symptoms: try c.decodeIfPresent(Set<Symptom>.self, forKey: .symptoms) ?? [],
            temperatureCelsius: try c.decodeIfPresent(Double.self, forKey: .temperatureCelsius))
    }

    /// Encodes the symptoms in order, so equal check-ins give equal JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(person, forKey: .person)
        try c.encode(time, forKey: .time)
        try c.encode(symptoms.sorted(), forKey: .symptoms)
        try c.encodeIfPresent(temperatureCelsius, forKey: .temperatureCelsius)
    }
}
