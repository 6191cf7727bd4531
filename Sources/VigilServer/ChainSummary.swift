public import VigilLedger

/// The committed state of a chain as `GET /node/v1/chains/{slug}/state` answers it: what the
/// final checkpoint covers, replayed — no personal data is on a chain, so this is as public as
/// its tiles.
public struct ChainSummary: Codable, Hashable, Sendable {
    public struct MemberSummary: Codable, Hashable, Sendable {
        public var name: String
        public var role: String
        public var credit: Int64
    }

    public struct ProposalSummary: Codable, Hashable, Sendable {
        public var id: String
        public var index: Int
        public var author: String
        public var subject: String
        public var status: String
        public var approvers: [String]
        public var rejecters: [String]
        public var vetoedBy: String?
        public var relayedFrom: String?
    }

    /// A broadcast order; a recipient's receipt is its cosignature of a checkpoint covering it.
    public struct OrderSummary: Codable, Hashable, Sendable {
        public var id: String
        public var index: Int
        public var author: String
        public var time: Int64
        public var text: String
        public var recipients: [String]
        public var receipts: [String]
    }

    public var origin: String
    /// Entries covered by the final checkpoint, genesis included.
    public var size: Int
    public var leader: String
    public var stage: String
    public var members: [MemberSummary]
    public var proposals: [ProposalSummary]
    /// Broadcast orders, oldest first.
    public var orders: [OrderSummary]
    /// Members against whom equivocation evidence is on the chain.
    public var equivocators: [String]

    public init(_ state: ChainState) {
        origin = state.origin
        size = state.size
        leader = state.leader
        stage = state.stage.rawValue
        members = state.members.values.sorted { $0.name < $1.name }.map {
            MemberSummary(name: $0.name, role: $0.role.rawValue, credit: state.credits[$0.name] ?? 0)
        }
        proposals = state.proposalOrder.compactMap { state.proposals[$0] }.map { proposal in
            var vetoedBy: String?
            if case .vetoed(let by, _) = proposal.status { vetoedBy = by }
            return ProposalSummary(
                id: proposal.id.hex, index: proposal.index, author: proposal.author, subject: proposal.subject.rawValue,
                status: proposal.status.name, approvers: proposal.approvers,
                rejecters: proposal.votes.filter { !$0.value.approve }.map(\.key).sorted(), vetoedBy: vetoedBy,
                relayedFrom: proposal.relayedFrom)
        }
        orders = state.orders.map {
            OrderSummary(
                id: $0.id.hex, index: $0.index, author: $0.author, time: $0.time, text: $0.text, recipients: $0.recipients,
                receipts: $0.receipts.sorted())
        }
        equivocators = Array(Set(state.equivocations.map(\.offender))).sorted()
    }
}

extension ChainDriver {
    /// The committed state's summary.
    public func summary() -> ChainSummary { ChainSummary(machine.committedState) }

    /// What the final checkpoint covers, replayed.
    public func committedState() -> ChainState { machine.committedState }

    /// The quorum policy final checkpoints satisfy now.
    public func checkpointPolicy() -> Policy { machine.checkpointPolicy() }
}
