public import VigilLedger
import VigilStore

/// The chain a node reports its suspected cases to, as the community API uses it: entries signed
/// with the node's key and submitted to the node's own driver, the committed state, and offline
/// proofs of committed entries.
///
/// Only pseudonymous data reaches it: the API builds every body from ``SuspectedCase`` (a
/// pseudonym, a commitment, coarse attributes), votes and outcomes; on a bulletin chain
/// (``bulletinChain(of:)``), from ``Bulletin`` (desensitised counts).
public struct CaseLedger: Sendable {
    public let node: Node
    /// The chain's URL name on the node.
    public let slug: String
    /// The secret the area's agencies share for `HMAC-SHA256(secret, national id)`.
    let areaSecret: [UInt8]

    public init(node: Node, slug: String, areaSecret: [UInt8]) {
        self.node = node
        self.slug = slug
        self.areaSecret = areaSecret
    }

    /// The ledger of the node's chain that carries an area secret (``ChainSetup/areaSecret``),
    /// or nil when none does.
    public static func forNode(_ node: Node) -> CaseLedger? {
        guard let chain = node.setup.chains.first(where: { $0.areaSecret != nil }), let secret = chain.areaSecret else { return nil }
        return CaseLedger(node: node, slug: chain.slug, areaSecret: secret)
    }

    /// The ledger of the node's bulletin chain (``ChainSetup/bulletins``), or nil when none is.
    /// It carries no area secret: bulletins hold no pseudonyms.
    public static func bulletinChain(of node: Node) -> CaseLedger? {
        node.setup.chains.first(where: \.bulletins).map { CaseLedger(node: node, slug: $0.slug, areaSecret: []) }
    }

    /// Why the ledger cannot be used now.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The chain's driver once the node has loaded it.
    func driver() throws -> ChainDriver {
        guard let driver = node.chain(slug: slug) else { throw Unavailable(description: "the chain \(slug) is not loaded yet") }
        return driver
    }

    /// The node's member name, the author of what it submits.
    public var author: String { node.setup.name }

    /// The pseudonymous subject of a person with `nationalID` on this chain.
    public func pseudonym(nationalID: String) -> Hash {
        Privacy.pseudonym(areaSecret: areaSecret, nationalID: nationalID)
    }

    /// Signs `body` as an entry of `kind` by this node and submits it to the chain.
    /// - Returns: the entry and the reasons the protocol refused it (empty when it was taken).
    /// - Throws: ``Unavailable`` when the chain is not loaded, halted or shutting down.
    public func submit(_ kind: EntryKind, body: JSONValue, time: Int64) async throws -> (entry: Entry, refusals: [String]) {
        let driver = try driver()
        let entry = try Entry.sign(chain: driver.origin, kind: kind, author: node.setup.key, time: time, body: body)
        return (entry, try await submit(entry))
    }

    /// Signs `body` as an entry of `kind` by this node, without submitting it: the chain need
    /// not be loaded.
    public func sign(_ kind: EntryKind, body: JSONValue, time: Int64) throws -> Entry {
        guard let origin = node.setup.chains.first(where: { $0.slug == slug })?.origin else {
            throw Unavailable(description: "the node serves no chain \(slug)")
        }
        return try Entry.sign(chain: origin, kind: kind, author: node.setup.key, time: time, body: body)
    }

    /// Submits an entry signed before (again: submitting is idempotent).
    /// - Returns: the reasons the protocol refused it (empty when it was taken).
    /// - Throws: ``Unavailable`` when the chain is not loaded, halted or shutting down.
    public func submit(_ entry: Entry) async throws -> [String] {
        switch try await driver().submit(entry) {
        case .handled(let refusals): return refusals
        case .unavailable(let reason): throw Unavailable(description: reason)
        }
    }

    /// What the chain's final checkpoint covers, replayed.
    public func committedState() async throws -> ChainState {
        try await driver().committedState()
    }

    /// Where an entry stands on this node.
    public func status(of entry: EntryHash) async throws -> EntryStatus? {
        try await driver().entryStatus(entry)
    }

    /// A C2SP tlog-proof of a committed entry against the final checkpoint (with its
    /// cosignatures), or nil when the entry is not committed yet. With `extra` (the entry's
    /// bytes), the proof carries what it proves, so `vigil verify proof` needs nothing else.
    public func proof(of entry: EntryHash, extra: [UInt8]? = nil) async throws -> TlogProof? {
        let driver = try driver()
        guard case .committed(let index, let checkpoint?) = await driver.entryStatus(entry) else { return nil }
        let size = try Checkpoint(text: checkpoint.text).size
        let path = try await node.store.inclusionProof(index: LeafIndex(index), size: size, of: driver.origin)
        return TlogProof(extra: extra, index: LeafIndex(index), inclusionProof: path, checkpointNote: checkpoint)
    }

    /// The chain's quorum policy, to check a proof offline.
    public func policy() async throws -> Policy {
        try await driver().checkpointPolicy()
    }
}
