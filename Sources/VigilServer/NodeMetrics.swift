import Synchronization

/// The node's Prometheus metrics, rendered at `/metrics` in the text exposition format.
///
/// Every series has a fixed, small set of label values (message kinds, chain slugs from the
/// config, HTTP methods and status codes), never one per request, entry or peer address.
public final class NodeMetrics: Sendable {
    struct Series: Hashable, Comparable {
        var name: String
        var labels: [(String, String)]

        static func == (lhs: Series, rhs: Series) -> Bool {
            lhs.name == rhs.name && lhs.labels.elementsEqual(rhs.labels, by: { $0 == $1 })
        }
        func hash(into hasher: inout Hasher) {
            hasher.combine(name)
            for (k, v) in labels {
                hasher.combine(k)
                hasher.combine(v)
            }
        }
        static func < (lhs: Series, rhs: Series) -> Bool { lhs.text < rhs.text }

        var text: String {
            guard !labels.isEmpty else { return name }
            let body = labels.map { "\($0.0)=\"\(Series.escape($0.1))\"" }.joined(separator: ",")
            return "\(name){\(body)}"
        }

        static func escape(_ value: String) -> String {
            var out = ""
            for character in value {
                switch character {
                case "\\": out += "\\\\"
                case "\"": out += "\\\""
                case "\n": out += "\\n"
                default: out.append(character)
                }
            }
            return out
        }
    }

    struct State {
        var counters: [Series: UInt64] = [:]
        var gauges: [Series: Int64] = [:]
    }

    static let help: [String: (type: String, help: String)] = [
        "vigil_messages_received_total": ("counter", "Signed node messages accepted for processing, by chain and kind."),
        "vigil_messages_refused_total": ("counter", "Node messages refused before processing, by reason."),
        "vigil_protocol_refusals_total": ("counter", "Inputs the protocol state machine refused, by chain."),
        "vigil_messages_sent_total": ("counter", "Node messages delivered to peers, by chain and kind."),
        "vigil_message_send_failures_total": ("counter", "Node messages that could not be delivered, by chain and kind."),
        "vigil_entries_submitted_total": ("counter", "Entries accepted by the submission endpoint, by chain."),
        "vigil_entries_committed_total": ("counter", "Entries newly covered by a final checkpoint, by chain."),
        "vigil_final_checkpoints_total": ("counter", "Final checkpoints adopted, by chain."),
        "vigil_view_changes_total": ("counter", "Views this node moved to, by chain."),
        "vigil_store_failures_total": ("counter", "Store operations that failed, by chain (the chain then stops)."),
        "vigil_witness_requests_total": ("counter", "C2SP add-checkpoint requests, by HTTP status."),
        "vigil_http_requests_total": ("counter", "HTTP requests, by method and status code."),
        "vigil_chain_size": ("gauge", "Entries held, by chain."),
        "vigil_chain_committed_size": ("gauge", "Entries covered by the latest final checkpoint, by chain."),
        "vigil_chain_halted": ("gauge", "1 when the chain stopped after a store failure, by chain."),
    ]

    private let state = Mutex(State())

    public init() {}

    func increment(_ name: String, _ labels: [(String, String)] = [], by amount: UInt64 = 1) {
        let series = Series(name: name, labels: labels)
        state.withLock { $0.counters[series, default: 0] &+= amount }
    }

    func set(_ name: String, _ labels: [(String, String)] = [], to value: Int64) {
        let series = Series(name: name, labels: labels)
        state.withLock { $0.gauges[series] = value }
    }

    /// The value of a counter (for tests and the status page).
    public func counter(_ name: String, _ labels: [String: String] = [:]) -> UInt64 {
        state.withLock { state in
            state.counters.filter { series, _ in
                series.name == name && labels.allSatisfy { key, value in series.labels.contains { $0 == (key, value) } }
            }.values.reduce(0, +)
        }
    }

    // MARK: Named events

    func messageReceived(chain: String, kind: String) { increment("vigil_messages_received_total", [("chain", chain), ("kind", kind)]) }
    func messageRefused(reason: String) { increment("vigil_messages_refused_total", [("reason", reason)]) }
    func protocolRefusal(chain: String) { increment("vigil_protocol_refusals_total", [("chain", chain)]) }
    func messageSent(chain: String, kind: String) { increment("vigil_messages_sent_total", [("chain", chain), ("kind", kind)]) }
    func sendFailed(chain: String, kind: String) { increment("vigil_message_send_failures_total", [("chain", chain), ("kind", kind)]) }
    func entrySubmitted(chain: String) { increment("vigil_entries_submitted_total", [("chain", chain)]) }
    func entriesCommitted(chain: String, count: UInt64) { increment("vigil_entries_committed_total", [("chain", chain)], by: count) }
    func finalCheckpoint(chain: String) { increment("vigil_final_checkpoints_total", [("chain", chain)]) }
    func viewChange(chain: String) { increment("vigil_view_changes_total", [("chain", chain)]) }
    func storeFailure(chain: String) { increment("vigil_store_failures_total", [("chain", chain)]) }
    func witnessRequest(status: Int) { increment("vigil_witness_requests_total", [("status", String(status))]) }
    func httpRequest(method: String, status: Int) {
        increment("vigil_http_requests_total", [("method", method), ("status", String(status))])
    }
    func chainSizes(chain: String, size: UInt64, committed: UInt64, halted: Bool) {
        set("vigil_chain_size", [("chain", chain)], to: Int64(clamping: size))
        set("vigil_chain_committed_size", [("chain", chain)], to: Int64(clamping: committed))
        set("vigil_chain_halted", [("chain", chain)], to: halted ? 1 : 0)
    }

    /// The Prometheus text exposition (version 0.0.4).
    public func render() -> String {
        let snapshot = state.withLock { $0 }
        var byName: [String: [(Series, String)]] = [:]
        for (series, value) in snapshot.counters { byName[series.name, default: []].append((series, String(value))) }
        for (series, value) in snapshot.gauges { byName[series.name, default: []].append((series, String(value))) }
        var out = ""
        for name in byName.keys.sorted() {
            if let help = Self.help[name] {
                out += "# HELP \(name) \(help.help)\n# TYPE \(name) \(help.type)\n"
            }
            for (series, value) in byName[name]!.sorted(by: { $0.0 < $1.0 }) { out += "\(series.text) \(value)\n" }
        }
        return out
    }
}
