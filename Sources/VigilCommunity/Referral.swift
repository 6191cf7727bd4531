/// A patient's referral from a community clinic to a designated hospital, followed to its
/// outcome.
///
/// Stages, each recorded as a ``Step`` with time and actor; times never go backwards:
///
/// | from      | to                    | rule                                    |
/// |-----------|-----------------------|-----------------------------------------|
/// | —         | screening             | at the clinic                           |
/// | screening | transport, cancelled  | cancelling needs a reason               |
/// | transport | admission, cancelled  | admission needs a free bed; takes it    |
/// | admission | treatment, outcome    |                                         |
/// | treatment | outcome               | the outcome frees the bed               |
/// | outcome, cancelled | —            | final                                   |
///
/// Admission (with ``admit(by:at:capacity:note:)``) and the outcome (with
/// ``recordOutcome(_:by:at:capacity:note:)``) update the hospital's ``HospitalCapacity`` in the
/// same call, so the store can persist both in one transaction.
public struct Referral: Sendable, Hashable, Codable {
    /// Where the referral is.
    public enum Stage: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case screening, transport, admission, treatment, outcome, cancelled

        /// The stages this one may move to.
        public var allowedNext: [Stage] {
            switch self {
            case .screening: [.transport, .cancelled]
            case .transport: [.admission, .cancelled]
            case .admission: [.treatment, .outcome]
            case .treatment: [.outcome]
            case .outcome, .cancelled: []
            }
        }

        public var description: String { rawValue }
    }

    /// How the hospital stay ended.
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        case recovered, died, transferred, discharged
    }

    /// One stage reached.
    public struct Step: Sendable, Hashable, Codable {
        public let stage: Stage
        public let by: ActorKey
        /// Unix seconds.
        public let at: Int64
        /// For the outcome stage.
        public let outcome: Outcome?
        /// Free text: the reason for a cancellation (required), otherwise optional notes.
        public let note: String?

        /// Creates the value from its parts (a history step or result; the owner checks it).
        public init(stage: Stage, by: ActorKey, at: Int64, outcome: Outcome? = nil, note: String? = nil) {
            self.stage = stage
            self.by = by
            self.at = at
            self.outcome = outcome
            self.note = note
        }
    }

    /// The patient.
    public let person: PersonKey
    /// The referring clinic.
    public let clinic: PlaceID
    /// The designated hospital.
    public let hospital: PlaceID
    /// The stages reached, screening first.
    public private(set) var steps: [Step]

    /// The current stage.
    public var stage: Stage { steps[steps.count - 1].stage }

    /// The outcome, once recorded.
    public var outcome: Outcome? { steps.last?.outcome }

    /// Whether the patient holds a bed at the hospital (admitted, not yet out).
    public var holdsBed: Bool { stage == .admission || stage == .treatment }

    /// Opens a referral at screening.
    /// - Throws: ``CommunityError/Code/invalidField`` when the clinic is the hospital (field
    ///   `hospital`) or a key is invalid.
    public init(person: PersonKey, clinic: PlaceID, hospital: PlaceID, screenedBy actor: ActorKey, at time: Int64, note: String? = nil)
        throws
    {
        try Validation.requireKey(person, field: "person")
        try Validation.requireKey(actor, field: "by")
        guard clinic != hospital else {
            throw CommunityError(
                .invalidField, "a referral goes from a clinic to another place, not \(clinic) to itself", field: "hospital")
        }
        self.person = person
        self.clinic = clinic
        self.hospital = hospital
        self.steps = [Step(stage: .screening, by: actor, at: time, note: note)]
    }

    /// The patient leaves for the hospital.
    public mutating func startTransport(by actor: ActorKey, at time: Int64, note: String? = nil) throws {
        try apply(Step(stage: .transport, by: actor, at: time, note: note))
    }

    /// The hospital admits the patient and a bed is taken in `capacity`.
    /// - Throws: ``CommunityError/Code/conflict`` when the hospital has no free bed;
    ///   ``CommunityError/Code/invalidField`` (field `hospital`) when `capacity` is another
    ///   hospital's; otherwise as the lifecycle. Neither value changes when it throws.
    public mutating func admit(by actor: ActorKey, at time: Int64, capacity: inout HospitalCapacity, note: String? = nil) throws {
        try requireSameHospital(capacity)
        var updated = self
        try updated.apply(Step(stage: .admission, by: actor, at: time, note: note))
        try capacity.occupyBed()
        self = updated
    }

    /// Treatment begins.
    public mutating func startTreatment(by actor: ActorKey, at time: Int64, note: String? = nil) throws {
        try apply(Step(stage: .treatment, by: actor, at: time, note: note))
    }

    /// The hospital stay ends with `outcome`, freeing the bed in `capacity`.
    /// - Throws: as ``admit(by:at:capacity:note:)``; ``CommunityError/Code/conflict`` if no bed
    ///   is occupied in `capacity`.
    public mutating func recordOutcome(
        _ outcome: Outcome, by actor: ActorKey, at time: Int64, capacity: inout HospitalCapacity, note: String? = nil
    ) throws {
        try requireSameHospital(capacity)
        var updated = self
        try updated.apply(Step(stage: .outcome, by: actor, at: time, outcome: outcome, note: note))
        try capacity.releaseBed()
        self = updated
    }

    /// Cancels the referral before admission.
    /// - Throws: ``CommunityError/Code/invalidTransition`` once admitted; ``CommunityError/Code/invalidField``
    ///   (field `reason`) without a reason.
    public mutating func cancel(by actor: ActorKey, at time: Int64, reason: String) throws {
        try apply(Step(stage: .cancelled, by: actor, at: time, note: reason))
    }

    private func requireSameHospital(_ capacity: HospitalCapacity) throws {
        guard capacity.hospital == hospital else {
            throw CommunityError(
                .invalidField, "capacity of \(capacity.hospital) given for a referral to \(hospital)", field: "hospital")
        }
    }

    /// Applies one step: the lifecycle's rules (not the beds), used by the methods above and
    /// when decoding.
    /// - Throws: ``CommunityError/Code/invalidTransition`` naming both stages;
    ///   ``CommunityError/Code/invalidField`` for a time before the last step (field `at`), a
    ///   cancellation without a reason, an outcome stage without an outcome or another stage
    ///   with one (field `outcome`), or an invalid actor key.
    mutating func apply(_ step: Step) throws {
        guard stage.allowedNext.contains(step.stage) else {
            throw CommunityError(.invalidTransition, "a referral cannot go from \(stage) to \(step.stage)", field: "stage")
        }
        try Validation.requireKey(step.by, field: "by")
        try Validation.requireNotBefore(step.at, steps.last?.at)
        if step.stage == .cancelled { _ = try Validation.requireReason(step.note, for: "cancelling a referral") }
        guard (step.stage == .outcome) == (step.outcome != nil) else {
            throw CommunityError(.invalidField, "only the outcome stage carries an outcome", field: "outcome")
        }
        steps.append(step)
    }

    private enum CodingKeys: String, CodingKey { case person, clinic, hospital, steps }

    /// Decodes a referral and replays its steps through the lifecycle (bed counts are the
    /// ``HospitalCapacity``'s own record and are not replayed).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let steps = try c.decode([Step].self, forKey: .steps)
        guard let first = steps.first, first.stage == .screening, first.outcome == nil else {
            throw CommunityError(.invalidField, "a referral's steps start with screening", field: "steps")
        }
        try self.init(
            person: try c.decode(String.self, forKey: .person), clinic: try c.decode(PlaceID.self, forKey: .clinic),
            hospital: try c.decode(PlaceID.self, forKey: .hospital), screenedBy: first.by, at: first.at, note: first.note)
        for step in steps.dropFirst() { try apply(step) }
    }
}
