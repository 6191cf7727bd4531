#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import VigilCommunity

/// Configurable rules that give a person's health code its colour, each result with its reasons.
///
/// The rules are an ordered list of {condition, colour, reason}. Every rule whose condition holds
/// contributes its reason; the worst colour among them wins; with none, the colour is green (see
/// ``ColourDecision``). A deployment keeps its rules in JSON (``init(json:)``) to change
/// thresholds, windows and the colour each condition gives.
///
/// The default rules, ``standard``:
///
/// | condition                                    | colour | reason                   |
/// |----------------------------------------------|--------|--------------------------|
/// | open case confirmed                          | red    | `case-confirmed`         |
/// | person in the confirmed group                | red    | `group-confirmed`        |
/// | open case probable                           | red    | `case-probable`          |
/// | open case suspect                            | red    | `case-suspect`           |
/// | centralised quarantine in force              | red    | `quarantine-centralised` |
/// | hospital quarantine in force                 | red    | `quarantine-hospital`    |
/// | home quarantine in force                     | yellow | `quarantine-home`        |
/// | close contact under follow-up                | yellow | `close-contact`          |
/// | a visit to a high-risk place within 14 days  | yellow | `high-risk-visit`        |
/// | at least 2 consecutive missed check-ins      | yellow | `missed-check-ins`       |
/// | none of these                                | green  | —                        |
///
/// "Within 14 days" means 0 to 13 days before the status day: the status day and the 13 before.
public struct ColourRules: Sendable, Hashable, Codable {
    /// The rules, in order.
    public let rules: [ColourRule]

    /// - Throws: ``HealthCodeError/Code/invalidConfiguration`` for an empty list (field `rules`),
    ///   or two rules with the same reason code (field `rules[i].reason`).
    public init(rules: [ColourRule]) throws {
        guard !rules.isEmpty else {
            throw HealthCodeError(
                .invalidConfiguration, "there are no colour rules, so every code would be green; leave \"rules\" out for the defaults",
                field: "rules")
        }
        var seen: [String: Int] = [:]
        for (index, rule) in rules.enumerated() {
            if let first = seen[rule.reason] {
                throw HealthCodeError(
                    .invalidConfiguration, "reason code \"\(rule.reason)\" is already used by rules[\(first)]",
                    field: "rules[\(index)].reason")
            }
            seen[rule.reason] = index
        }
        self.rules = rules
    }

    /// The default rules (see the table above).
    public static let standard: ColourRules = {
        let table: [(ColourCondition, HealthColour)] = [
            (.caseStatus(.confirmed), .red),
            (.group(.confirmed), .red),
            (.caseStatus(.probable), .red),
            (.caseStatus(.suspect), .red),
            (.quarantine(.centralised), .red),
            (.quarantine(.hospital), .red),
            (.quarantine(.home), .yellow),
            (.closeContactUnderFollowUp, .yellow),
            (.highRiskVisit(withinDays: 14), .yellow),
            (.missedCheckIns(atLeast: 2), .yellow),
        ]
        // The table is valid by construction; a failure here is a programming error.
        return try! ColourRules(rules: table.map { try ColourRule(when: $0.0, colour: $0.1) })
    }()

    /// The colour for `status` and every reason for it.
    public func evaluate(_ status: CodeSubjectStatus) -> ColourDecision {
        var reasons: [ColourReason] = []
        for rule in rules {
            if let reason = rule.reason(for: status) { reasons.append(reason) }
        }
        let colour = reasons.map(\.colour).max() ?? .green
        // Worst colour first, rule order within a colour.
        let ordered = HealthColour.allCases.reversed().flatMap { c in reasons.filter { $0.colour == c } }
        return ColourDecision(colour: colour, reasons: ordered)
    }

    // MARK: JSON configuration

    /// Reads rules from JSON: `{"rules": [{"when": {...}, "colour": "red", "reason": "...", "text": "..."}, ...]}`.
    /// Without `"rules"` (e.g. `{}`) the ``standard`` rules apply. See ``ColourCondition`` for the
    /// conditions and ``ColourRule`` for a rule's members.
    /// - Throws: ``HealthCodeError/Code/invalidConfiguration`` whose ``HealthCodeError/field``
    ///   names the bad key, e.g. `rules[2].when.missedCheckInsAtLeast` or `rules[0].colour`.
    public init(json: Data) throws {
        do {
            self = try JSONDecoder().decode(ColourRules.self, from: json)
        } catch let error as DecodingError {
            throw ConfigPath.error(error, code: .invalidConfiguration, document: "colour-rule configuration")
        }
    }

    /// The rules as JSON in the form ``init(json:)`` reads, keys sorted, so it round-trips.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    private enum CodingKeys: String, CodingKey { case rules }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let rules = try c.decodeIfPresent([ColourRule].self, forKey: .rules) else {
            self = .standard
            return
        }
        try self.init(rules: rules)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rules, forKey: .rules)
    }
}
