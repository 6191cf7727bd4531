public import VigilSurveillance

/// A suspected, probable, confirmed or ruled-out case of the disease under watch, with the
/// history of its classification.
///
/// Classification changes only along the allowed transitions (``Status/allowedNext``); each
/// change records who made it and when, and going back (probable → suspect, confirmed → ruled
/// out, re-opening a ruled-out case) needs a reason. A case's status is the last transition's.
public struct Case: Sendable, Hashable, Codable {
    /// A case's classification.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case suspect, probable, confirmed, ruledOut

        /// The statuses this one may change to:
        ///
        /// | from      | to                            |
        /// |-----------|-------------------------------|
        /// | suspect   | probable, confirmed, ruledOut |
        /// | probable  | suspect*, confirmed, ruledOut |
        /// | confirmed | ruledOut*                     |
        /// | ruledOut  | suspect*                      |
        ///
        /// `*` needs a reason. A confirmed case never goes back to suspect or probable; it can
        /// only be retracted (ruled out, e.g. a false-positive test).
        public var allowedNext: [Status] {
            switch self {
            case .suspect: [.probable, .confirmed, .ruledOut]
            case .probable: [.suspect, .confirmed, .ruledOut]
            case .confirmed: [.ruledOut]
            case .ruledOut: [.suspect]
            }
        }

        /// Whether changing from this status to `next` needs a reason.
        public func needsReason(toBecome next: Status) -> Bool {
            switch (self, next) {
            case (.probable, .suspect), (.confirmed, .ruledOut), (.ruledOut, .suspect): true
            default: false
            }
        }

        public var description: String { rawValue }
    }

    /// One change of classification.
    public struct Transition: Sendable, Hashable, Codable {
        /// The status before, nil for the report that opened the case.
        public let from: Status?
        public let to: Status
        /// Who made the change.
        public let by: ActorKey
        /// When, in Unix seconds.
        public let at: Int64
        /// Why, when the change needs a reason (or the reporter gave one).
        public let reason: String?

        /// Creates the value from its parts (a history step or result; the owner checks it).
        public init(from: Status?, to: Status, by: ActorKey, at: Int64, reason: String? = nil) {
            self.from = from
            self.to = to
            self.by = by
            self.at = at
            self.reason = reason
        }
    }

    /// The case's identifier.
    public let id: CaseID
    /// The person who is the case.
    public let person: PersonKey
    /// The day symptoms began, if known.
    public var onset: CivilDate?
    /// Every change of classification, the opening report first. Never empty.
    public private(set) var history: [Transition]

    /// The current classification.
    public var status: Status { history[history.count - 1].to }

    /// Opens a case.
    /// - Parameters:
    ///   - status: the first classification: suspect (the usual), probable or confirmed.
    ///   - reportedBy: who reported it; `at`: when.
    /// - Throws: ``CommunityError/Code/invalidTransition`` when opening as ruled out;
    ///   ``CommunityError/Code/invalidField`` for an invalid person or actor key.
    public init(
        id: CaseID, person: PersonKey, status: Status = .suspect, onset: CivilDate? = nil, reportedBy: ActorKey, at time: Int64,
        reason: String? = nil
    ) throws {
        try Validation.requireKey(person, field: "person")
        try Validation.requireKey(reportedBy, field: "by")
        guard status != .ruledOut else {
            throw CommunityError(.invalidTransition, "a case cannot be opened as ruledOut", field: "status")
        }
        self.id = id
        self.person = person
        self.onset = onset
        self.history = [Transition(from: nil, to: status, by: reportedBy, at: time, reason: reason)]
    }

    /// Changes the classification to `next`.
    /// - Throws: ``CommunityError/Code/invalidTransition`` when the lifecycle does not allow it
    ///   (the message names both statuses); ``CommunityError/Code/invalidField`` when a reason
    ///   is needed and missing (field `reason`), the time is before the last change (field `at`)
    ///   or the actor key is invalid (field `by`).
    public mutating func transition(to next: Status, by actor: ActorKey, at time: Int64, reason: String? = nil) throws {
        let current = status
        guard current.allowedNext.contains(next) else {
            throw CommunityError(.invalidTransition, "case \(id) cannot go from \(current) to \(next)", field: "status")
        }
        try Validation.requireKey(actor, field: "by")
        if current.needsReason(toBecome: next) {
            _ = try Validation.requireReason(reason, for: "changing case \(id) from \(current) to \(next)")
        }
        try Validation.requireNotBefore(time, history.last?.at)
        history.append(Transition(from: current, to: next, by: actor, at: time, reason: reason))
    }

    /// When the case was reported, in Unix seconds.
    public var reportedAt: Int64 { history[0].at }

    private enum CodingKeys: String, CodingKey { case id, person, onset, history }

    /// Decodes a case and replays its history through the lifecycle, so a stored or received
    /// case with an impossible history is refused.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let history = try c.decode([Transition].self, forKey: .history)
        guard let first = history.first, first.from == nil else {
            throw CommunityError(.invalidField, "a case's history must start with its opening report", field: "history")
        }
        try self.init(
            id: try c.decode(CaseID.self, forKey: .id), person: try c.decode(String.self, forKey: .person), status: first.to,
            onset: try c.decodeIfPresent(CivilDate.self, forKey: .onset), reportedBy: first.by, at: first.at, reason: first.reason)
        for step in history.dropFirst() {
            guard step.from == status else {
                throw CommunityError(
                    .invalidField, "history step from \(step.from.map(\.rawValue) ?? "nil") follows \(status)", field: "history")
            }
            try transition(to: step.to, by: step.by, at: step.at, reason: step.reason)
        }
    }
}
