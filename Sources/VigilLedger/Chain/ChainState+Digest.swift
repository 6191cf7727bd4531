import Crypto

extension ChainState {
    /// The state as canonical JSON: what two nodes compare, and what ``digest`` hashes.
    public var summary: JSONValue {
        var summary: [String: JSONValue] = [
            "origin": .string(origin),
            "size": .number(Double(size)),
            "clock": .number(Double(clock)),
            "leader": .string(leader),
            "stage": .string(stage.rawValue),
            "members": .object(Dictionary(uniqueKeysWithValues: members.values.map {
                ($0.name, JSONValue.object(["role": .string($0.role.rawValue), "key": .string($0.key.description)]))
            })),
            "credits": .object(Dictionary(uniqueKeysWithValues: credits.map { ($0.key, JSONValue.number(Double($0.value))) })),
            "proposals": .array(proposalOrder.map { id in
                let p = proposals[id]!
                var object: [String: JSONValue] = [
                    "id": .string(id.hex), "subject": .string(p.subject.rawValue), "author": .string(p.author),
                    "status": .string(p.status.name), "deadline": .number(Double(p.deadline)),
                    "votes": .object(Dictionary(uniqueKeysWithValues: p.votes.map { ($0.key, JSONValue.bool($0.value.approve)) })),
                ]
                switch p.status {
                case .rejected(let reason): object["reason"] = .string(reason)
                case .vetoed(let by, let reason): object["reason"] = .string("\(by): \(reason)")
                default: break
                }
                if let outcome = p.outcome { object["outcome"] = .string(outcome.rawValue) }
                if let from = p.relayedFrom { object["relayedFrom"] = .string(from) }
                return .object(object)
            }),
            "orders": .array(orders.map {
                .object([
                    "id": .string($0.id.hex), "author": .string($0.author),
                    "recipients": .array($0.recipients.map { .string($0) }),
                    "receipts": .array($0.receipts.sorted().map { .string($0) }),
                ])
            }),
            "peers": .array(peers.keys.sorted().map { .string($0) }),
            "children": .array(children.keys.sorted().map { .string($0) }),
            "shared": .array(shared.map { .object(["peer": .string($0.peer), "entry": .string($0.entry.hex), "records": .number(Double($0.records.count))]) }),
            "equivocations": .array(equivocations.map { .object(["offender": .string($0.offender), "size": .number(Double($0.size.rawValue))]) }),
        ]
        // Only when there are any, so the digests of chains without code keys stay as they were.
        if !codeKeys.isEmpty {
            summary["codeKeys"] = .object(codeKeys.mapValues { $0.json })
        }
        // Likewise for bulletins.
        if !bulletins.isEmpty {
            summary["bulletins"] = .object(bulletins.mapValues { .string($0.hex) })
        }
        return .object(summary)
    }

    /// SHA-256 of the canonical ``summary``: equal digests mean equal states.
    public var digest: Hash {
        Hash(digest: SHA256.hash(data: summary.canonicalBytes()))
    }

    /// Proposals with a given status name, in chain order.
    public func proposals(withStatus name: String) -> [Proposal] {
        proposalOrder.compactMap { proposals[$0] }.filter { $0.status.name == name }
    }

    /// Proposals in chain order.
    public var allProposals: [Proposal] { proposalOrder.compactMap { proposals[$0] } }
}

/// The result of replaying a sequence of entries.
public struct ReplayResult: Sendable {
    /// The state after the last valid entry (nil when the genesis itself is invalid).
    public var state: ChainState?
    /// The first invalid entry, by position, and why; replay stops there.
    public var rejection: (index: Int, error: LedgerError)?
}

extension ChainState {
    /// Replays `entries` from the genesis, stopping at the first invalid one.
    public static func replay(_ entries: [Entry]) -> ReplayResult {
        guard let first = entries.first else {
            return ReplayResult(state: nil, rejection: (0, LedgerError(.rejectedEntry, "no entries: a chain starts with its genesis")))
        }
        var state: ChainState
        do {
            state = try ChainState(genesis: first)
        } catch {
            return ReplayResult(state: nil, rejection: (0, error))
        }
        for (i, entry) in entries.enumerated().dropFirst() {
            do {
                try state.apply(entry)
            } catch {
                return ReplayResult(state: state, rejection: (i, error))
            }
        }
        return ReplayResult(state: state, rejection: nil)
    }
}
