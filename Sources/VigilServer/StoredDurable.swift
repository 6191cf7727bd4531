import Foundation
import VigilLedger

/// The part of ``NodeMachine/Durable`` kept in the store's view-state blob (everything but the
/// committed entries and the final checkpoint, which have tables of their own), as JSON.
///
/// `committed` is how many committed entries the blob was written with, so that a load after a
/// crash between appending entries and writing the blob can tell which pending entries were
/// committed meanwhile.
struct StoredDurable: Codable, Hashable, Sendable {
    struct Witness: Codable, Hashable, Sendable {
        var size: UInt64
        /// Base64.
        var root: String
    }

    var committed: UInt64
    var view: UInt64
    var witness: Witness?
    /// Base64 canonical entry bytes.
    var pending: [String]
    var lock: WireCertificate?
    /// Whether the node had left its view's predecessor and waited for the view to start.
    var changing: Bool?
    /// Checkpoints seen signed by a member as leader (note texts with that signature): what
    /// equivocation evidence is made of.
    var checkpoints: [String]?

    init(_ durable: NodeMachine.Durable) {
        committed = UInt64(durable.entries.count)
        view = durable.view
        witness = durable.witness.map { Witness(size: $0.size.rawValue, root: $0.root.base64) }
        pending = durable.pending.map(Wire.encode)
        lock = durable.lock.map(WireCertificate.init)
        changing = durable.changing
        checkpoints = durable.checkpoints.isEmpty ? nil : durable.checkpoints.map(\.formatted)
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    static func decode(_ blob: [UInt8]) throws -> StoredDurable {
        try JSONDecoder().decode(StoredDurable.self, from: Data(blob))
    }

    /// The durable state these fields describe, over the stored committed `entries` and `final`.
    func durable(origin: String, entries: [Entry], final: Note?) throws -> NodeMachine.Durable {
        let witness = try self.witness.map { WitnessRecord(origin: origin, size: TreeSize($0.size), root: try Hash(base64: $0.root)) }
        let pending = try self.pending.enumerated().map { i, text throws(WireError) in try Wire.entry(text, field: "pending[\(i)]") }
        let checkpoints = try (self.checkpoints ?? []).enumerated().map { i, text throws(WireError) in
            try Wire.note(text, field: "checkpoints[\(i)]")
        }
        return NodeMachine.Durable(
            entries: entries, final: final, witness: witness, view: view, pending: pending, lock: try lock?.certificate(field: "lock"),
            changing: changing ?? false, checkpoints: checkpoints)
    }
}
