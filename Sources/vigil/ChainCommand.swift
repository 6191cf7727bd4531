import ArgumentParser
import Foundation
import VigilLedger

/// `vigil chain ...`: work with a chain's entries offline.
struct ChainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Replay and inspect chains offline.",
        subcommands: [Replay.self]
    )

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay a chain's entries and print its state, or the first invalid entry and why.",
            discussion: """
                FILE holds one entry per line (canonical JSON as stored on the chain), the genesis \
                config first. Exit status 0 when every entry is valid, 1 at the first invalid one \
                (its line and the reason on standard error).
                """
        )

        @Argument(help: "The entries, one JSON object per line (default: standard input).") var file: String?

        func run() throws {
            let bytes = try IO.read(file, limit: 1 << 30)
            var entries: [Entry] = []
            var lineNumbers: [Int] = []
            for (n, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
                let entry = try IO.checking("line \(n + 1) is not an entry") { try Entry(parsing: Array(line)) }
                entries.append(entry)
                lineNumbers.append(n + 1)
            }
            let result = ChainState.replay(entries)
            if let state = result.state { print(ChainReport.text(state)) }
            if let (index, error) = result.rejection {
                let line = lineNumbers.indices.contains(index) ? lineNumbers[index] : 0
                throw IO.failure("entry \(index) (line \(line)) is invalid: \(error.message)")
            }
        }
    }
}

/// A readable summary of a chain's state.
enum ChainReport {
    static func text(_ state: ChainState) -> String {
        var lines: [String] = []
        lines.append("chain \(state.origin): \(state.size) entries, stage \(state.stage.rawValue), leader \(state.leader)")
        lines.append("digest \(state.digest.hex)")
        lines.append("members:")
        for member in state.members.values.sorted(by: { $0.name < $1.name }) {
            lines.append("  \(member.name) (\(member.role.rawValue)) credits \(state.credits[member.name] ?? 0)")
        }
        let formerMembers = state.credits.keys.filter { state.members[$0] == nil }.sorted()
        for name in formerMembers { lines.append("  \(name) (former member) credits \(state.credits[name]!)") }
        let proposals = state.allProposals
        let counts = Dictionary(grouping: proposals, by: \.status.name).mapValues(\.count)
        let byStatus = ["pending", "accepted", "rejected", "vetoed", "expired"].map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
        lines.append("proposals: \(byStatus)")
        for p in proposals {
            var line = "  \(p.id.hex.prefix(12)) \(p.subject.rawValue) by \(p.author): \(p.status)"
            if !p.approvers.isEmpty { line += "; approved by \(p.approvers.joined(separator: ", "))" }
            if let outcome = p.outcome { line += "; outcome \(outcome.rawValue)" }
            if let from = p.relayedFrom { line += "; relayed from \(from)" }
            lines.append(line)
        }
        lines.append("orders: \(state.orders.count)")
        for order in state.orders {
            lines.append("  \(order.id.hex.prefix(12)) by \(order.author) to \(order.recipients.joined(separator: ", ")): \(order.text.prefix(80))"
                + " (receipts: \(order.receipts.sorted().joined(separator: ", ")))")
        }
        if !state.peers.isEmpty { lines.append("peers: " + state.peers.keys.sorted().joined(separator: ", ")) }
        if !state.children.isEmpty { lines.append("children: " + state.children.keys.sorted().joined(separator: ", ")) }
        for e in state.equivocations { lines.append("evidence: \(e.offender) signed conflicting checkpoints at size \(e.size)") }
        return lines.joined(separator: "\n")
    }
}
