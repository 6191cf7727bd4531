/// A person's sex as recorded; `unknown` when not recorded.
public enum Sex: String, Sendable, Hashable, Codable, CaseIterable {
    case female, male, unknown

    /// Reads the CSV spellings: `female`/`male`/`unknown`, `f`/`m`/`u` (any case), `女`/`男`,
    /// and the empty text (unknown).
    public init?(csv text: some StringProtocol) {
        switch text.lowercased() {
        case "female", "f", "女": self = .female
        case "male", "m", "男": self = .male
        case "unknown", "u", "": self = .unknown
        default: return nil
        }
    }
}
