import Logging
public import VigilLedger

/// A record for the parent chain: the body of a `relay` entry carrying an accepted report of
/// this chain (its genesis, the proposal and the votes that accepted it, the membership changes
/// before them, with inclusion proofs against the final checkpoint), for the node to sign and
/// submit there.
public struct RelayRequest: Sendable {
    /// The parent chain's origin.
    public var parent: String
    /// The child chain's origin.
    public var from: String
    /// The relayed proposal on the child chain.
    public var proposal: EntryHash
    public var body: JSONValue
}

extension ChainDriver {
    /// The relays due after a commit: every accepted report (suspected case or alert) of the
    /// committed state not relayed yet, when this node is one of the chain's supervisors and the
    /// chain has a parent (DESIGN §3.4). Each is built once per run of the node; after a restart
    /// the parent chain refuses a record it already holds, so nothing is relayed twice.
    /// The indices of the accepted admissions and removals of members, with the votes that
    /// decided them, before index `end`: a relay carries them so that the parent can replay the
    /// child's membership as it was when the report was endorsed.
    static func membershipChanges(in state: ChainState, before end: Int, indexByHash: [EntryHash: Int]) -> [Int] {
        var indices: [Int] = []
        for proposal in state.proposals.values where proposal.index < end && proposal.status == .accepted {
            guard proposal.subject == .admitMember || proposal.subject == .removeMember else { continue }
            indices.append(proposal.index)
            indices += proposal.votes.values.compactMap { indexByHash[$0.entry] }.filter { $0 < end }
        }
        return indices
    }

    func dueRelays() -> [RelayRequest] {
        let state = machine.committedState
        guard let parent = state.genesis.parent, state.members[name]?.role == .supervisor, let final = machine.durable.final else { return [] }
        let committed = machine.durable.entries
        let due = state.proposals.values
            .filter { $0.status == .accepted && $0.payload.isReport && $0.relayedFrom == nil && !relayed.contains($0.id) }
            .sorted { $0.index < $1.index }
        guard !due.isEmpty else { return [] }
        // The replica's tree holds every node of the committed prefix: proofs at the final size.
        let hashes = machine.hashes
        var requests: [RelayRequest] = []
        for proposal in due {
            let votes = proposal.votes.values.compactMap { indexByHash[$0.entry] }.sorted()
            let indices = [0] + (Self.membershipChanges(in: state, before: votes.last ?? proposal.index, indexByHash: indexByHash) + [proposal.index] + votes).sorted()
            guard indices.count <= RecordBundle.maxRecords, indices.allSatisfy({ $0 < committed.count }) else {
                logger.warning("Accepted report not relayed", metadata: ["proposal": "\(proposal.id.hex)", "records": "\(indices.count)"])
                relayed.insert(proposal.id)
                continue
            }
            do {
                let body = try RecordBundle.body(
                    from: origin, entries: indices.map { committed[$0] }, indices: indices.map { LeafIndex(UInt64($0)) },
                    store: hashes, checkpoint: final)
                requests.append(RelayRequest(parent: parent, from: origin, proposal: proposal.id, body: body))
                relayed.insert(proposal.id)
            } catch {
                logger.error("Cannot build a relay", metadata: ["proposal": "\(proposal.id.hex)", "error": "\(error)"])
            }
        }
        return requests
    }
}
