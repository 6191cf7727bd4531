public import VigilCommunity

/// A test on a ``CodeSubjectStatus``: the "when" of a ``ColourRule``.
///
/// In JSON a condition is an object with exactly one member:
///
/// | JSON                                 | holds when                                                   |
/// |--------------------------------------|--------------------------------------------------------------|
/// | `{"case": "confirmed"}`              | the open case has this status (`suspect`, `probable`, `confirmed`, `ruledOut`) |
/// | `{"group": "confirmed"}`             | the person is in this group (`susceptible`, `key`, `confirmed`) |
/// | `{"quarantine": "home"}`             | a quarantine of this kind (`home`, `centralised`, `hospital`) is in force on the status day |
/// | `{"closeContact": true}`             | the person is a close contact under follow-up on the status day |
/// | `{"highRiskVisitWithinDays": 14}`    | a visit to a high-risk place lies within the last N days: 0 ... N−1 days ago, the status day included (N in 1...365) |
/// | `{"missedCheckInsAtLeast": 2}`       | at least N daily check-ins in a row were missed (N in 1...365) |
public enum ColourCondition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The open case has this status (`{"case": ...}`).
    case caseStatus(Case.Status)
    /// The person is in this group (`{"group": ...}`).
    case group(PersonGroup)
    /// A quarantine of this kind is in force on the status day (`{"quarantine": ...}`).
    case quarantine(Quarantine.Kind)
    /// The person is a close contact under follow-up on the status day (`{"closeContact": true}`).
    case closeContactUnderFollowUp
    /// A visit to a high-risk place 0 ... `withinDays` − 1 days before the status day
    /// (`{"highRiskVisitWithinDays": N}`).
    case highRiskVisit(withinDays: Int)
    /// At least this many consecutive daily check-ins missed (`{"missedCheckInsAtLeast": N}`).
    case missedCheckIns(atLeast: Int)

    /// The longest window or threshold a condition may name, in days.
    public static let maximumDays = 365

    /// The reason code a rule with this condition reports unless configured otherwise:
    /// `case-confirmed`, `case-probable`, `case-suspect`, `case-ruled-out`, `group-confirmed`,
    /// `group-key`, `group-susceptible`, `quarantine-home`, `quarantine-centralised`,
    /// `quarantine-hospital`, `close-contact`, `high-risk-visit`, `missed-check-ins`.
    public var defaultReasonCode: String {
        switch self {
        case .caseStatus(let status): "case-\(status == .ruledOut ? "ruled-out" : status.rawValue)"
        case .group(let group): "group-\(group.rawValue)"
        case .quarantine(let kind): "quarantine-\(kind.rawValue)"
        case .closeContactUnderFollowUp: "close-contact"
        case .highRiskVisit: "high-risk-visit"
        case .missedCheckIns: "missed-check-ins"
        }
    }

    /// A short English explanation when the condition holds for `status`, or nil when it does not.
    public func explanation(for status: CodeSubjectStatus) -> String? {
        switch self {
        case .caseStatus(let wanted):
            guard status.caseStatus == wanted else { return nil }
            return switch wanted {
            case .confirmed: "confirmed case"
            case .probable: "probable case"
            case .suspect: "suspect case"
            case .ruledOut: "case ruled out"
            }
        case .group(let wanted):
            guard status.group == wanted else { return nil }
            return "in the \(wanted.rawValue) group"
        case .quarantine(let wanted):
            guard let quarantine = status.quarantineInForce, quarantine.kind == wanted else { return nil }
            return "in \(wanted.rawValue) quarantine until \(quarantine.until)"
        case .closeContactUnderFollowUp:
            guard status.isUnderFollowUp, let until = status.followUpUntil else { return nil }
            return "close contact under follow-up until \(until)"
        case .highRiskVisit(let window):
            guard let latest = status.highRiskVisitDaysAgo.filter({ $0 < window }).min() else { return nil }
            return switch latest {
            case 0: "visited a high-risk place today"
            case 1: "visited a high-risk place 1 day ago"
            default: "visited a high-risk place \(latest) days ago"
            }
        case .missedCheckIns(let threshold):
            let missed = status.consecutiveMissedCheckIns
            guard missed >= threshold else { return nil }
            return "missed \(missed) daily check-in\(missed == 1 ? "" : "s") in a row"
        }
    }

    /// Whether the condition holds for `status`.
    public func holds(for status: CodeSubjectStatus) -> Bool { explanation(for: status) != nil }

    /// The condition as written in configuration, e.g. `{"missedCheckInsAtLeast": 2}`.
    public var description: String {
        switch self {
        case .caseStatus(let status): "{\"case\": \"\(status.rawValue)\"}"
        case .group(let group): "{\"group\": \"\(group.rawValue)\"}"
        case .quarantine(let kind): "{\"quarantine\": \"\(kind.rawValue)\"}"
        case .closeContactUnderFollowUp: "{\"closeContact\": true}"
        case .highRiskVisit(let days): "{\"highRiskVisitWithinDays\": \(days)}"
        case .missedCheckIns(let count): "{\"missedCheckInsAtLeast\": \(count)}"
        }
    }

    /// Checks the numbers: windows and thresholds in 1...``maximumDays``.
    /// - Throws: ``HealthCodeError/Code/invalidConfiguration`` naming `field` plus the member.
    func validate(field: String) throws {
        switch self {
        case .highRiskVisit(let days) where !(1...Self.maximumDays).contains(days):
            throw HealthCodeError(
                .invalidConfiguration, "high-risk visit window of \(days) days is outside 1...\(Self.maximumDays)",
                field: ConfigPath.join(field, "highRiskVisitWithinDays"))
        case .missedCheckIns(let count) where !(1...Self.maximumDays).contains(count):
            throw HealthCodeError(
                .invalidConfiguration, "missed check-in threshold \(count) is outside 1...\(Self.maximumDays)",
                field: ConfigPath.join(field, "missedCheckInsAtLeast"))
        default: break
        }
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case caseStatus = "case", group, quarantine, closeContact, highRiskVisitWithinDays, missedCheckInsAtLeast
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes the one-member object form.
    /// - Throws: ``HealthCodeError/Code/invalidConfiguration`` naming the field for an object
    ///   with no member, several members or an unknown one, an unknown status, group or kind, a
    ///   `closeContact` other than `true`, or a window or threshold outside 1...365.
    public init(from decoder: any Decoder) throws {
        let field = ConfigPath.describe(decoder.codingPath)
        let all = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        let known = CodingKeys.allCases.map(\.stringValue)
        if let unknown = all.first(where: { !known.contains($0) }) {
            throw HealthCodeError(
                .invalidConfiguration, "unknown condition \"\(unknown.prefix(40))\"; use one of \(known.joined(separator: ", "))",
                field: ConfigPath.join(field, String(unknown.prefix(40))))
        }
        guard all.count == 1 else {
            throw HealthCodeError(
                .invalidConfiguration, "a condition has exactly one of \(known.joined(separator: ", ")), not \(all.count)",
                field: field.isEmpty ? nil : field)
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func named<T>(_ key: CodingKeys, _ parse: (String) -> T?, _ allowed: [String]) throws -> T {
            let text = try c.decode(String.self, forKey: key)
            guard let value = parse(text) else {
                throw HealthCodeError(
                    .invalidConfiguration, "\"\(text.prefix(40))\" is not one of \(allowed.joined(separator: ", "))",
                    field: ConfigPath.join(field, key.stringValue))
            }
            return value
        }
        if c.contains(.caseStatus) {
            self = .caseStatus(try named(.caseStatus, Case.Status.init(rawValue:), Case.Status.allCases.map(\.rawValue)))
        } else if c.contains(.group) {
            self = .group(try named(.group, PersonGroup.init(rawValue:), PersonGroup.allCases.map(\.rawValue)))
        } else if c.contains(.quarantine) {
            self = .quarantine(try named(.quarantine, Quarantine.Kind.init(rawValue:), Quarantine.Kind.allCases.map(\.rawValue)))
        } else if c.contains(.closeContact) {
            guard try c.decode(Bool.self, forKey: .closeContact) else {
                throw HealthCodeError(
                    .invalidConfiguration, "closeContact must be true (leave the rule out to turn it off)",
                    field: ConfigPath.join(field, "closeContact"))
            }
            self = .closeContactUnderFollowUp
        } else if c.contains(.highRiskVisitWithinDays) {
            self = .highRiskVisit(withinDays: try c.decode(Int.self, forKey: .highRiskVisitWithinDays))
        } else {
            self = .missedCheckIns(atLeast: try c.decode(Int.self, forKey: .missedCheckInsAtLeast))
        }
        try validate(field: field)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .caseStatus(let status): try c.encode(status.rawValue, forKey: .caseStatus)
        case .group(let group): try c.encode(group.rawValue, forKey: .group)
        case .quarantine(let kind): try c.encode(kind.rawValue, forKey: .quarantine)
        case .closeContactUnderFollowUp: try c.encode(true, forKey: .closeContact)
        case .highRiskVisit(let days): try c.encode(days, forKey: .highRiskVisitWithinDays)
        case .missedCheckIns(let count): try c.encode(count, forKey: .missedCheckInsAtLeast)
        }
    }
}
