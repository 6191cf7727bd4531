import Testing
import VigilLedger
import VigilTestSupport

// Every rejection rule of the chain state machine (DESIGN §3.1–3.4, issue 3): each refused entry
// must carry its code and a message, and must change nothing ("a rejected entry changes nothing").
// Also the voting thresholds and how proposals settle.

// MARK: - Fixtures

private let rulesOrigin = "vigil.example/rules"

/// A, B and C are members (A leads), S supervises, O observes.
private func makeChain(configure: (inout Genesis) -> Void = { _ in }) throws -> ChainFixture {
    try ChainFixture(
        origin: rulesOrigin, members: [("A", .member), ("B", .member), ("C", .member), ("S", .supervisor), ("O", .observer)],
        leader: "A", configure: configure)
}

/// A suspected-case report that carries no personal data.
private func report(_ id: String = "110101199001011234") -> JSONValue { ChainFixture.suspectedCase(nationalID: id) }

private func proposalBody(_ subject: Subject, _ data: JSONValue, deadline: Int64? = nil) -> JSONValue {
    var body: [String: JSONValue] = ["subject": .string(subject.rawValue), "data": data]
    if let deadline { body["deadline"] = .number(Double(deadline)) }
    return .object(body)
}

private func voteBody(_ id: EntryHash, approve: Bool = true) -> JSONValue {
    ["proposal": .string(id.hex), "approve": .bool(approve)]
}

private func outcomeBody(_ id: EntryHash, _ result: String = "confirmed") -> JSONValue {
    ["proposal": .string(id.hex), "result": .string(result)]
}

/// A key with `name` but not the fixture's key material: what a forger holds.
private func forgedKey(_ name: String) throws -> SignerKey {
    try SignerKey(name: name, seed: [UInt8](repeating: 0xF0, count: 32))
}

/// Applies `entry` to a copy of the chain's state; expects it refused with `code` and a
/// message (mentioning `reason`, when given), and the state's digest and size unchanged.
private func expectRefused(
    _ entry: Entry, by chain: ChainFixture, _ code: LedgerError.Code, because reason: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    var state = chain.state
    let digest = state.digest
    let size = state.size
    do {
        try state.apply(entry)
        Issue.record("\(entry.kind) entry by \(entry.author) was accepted; expected \(code)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "got \(error.code): \(error.message)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        if let reason {
            #expect(error.message.contains(reason), "refused for another reason: \(error.message)", sourceLocation: sourceLocation)
        }
        #expect(state.digest == digest, "a rejected entry changes nothing", sourceLocation: sourceLocation)
        #expect(state.size == size, sourceLocation: sourceLocation)
    }
}

/// Signs `body` as `kind` by `author` on `chain` and expects it refused with `code` (and a
/// message mentioning `reason`, which pins down the rule that refused it).
private func expectRefused(
    _ kind: EntryKind, by author: String, body: JSONValue, on chain: inout ChainFixture, _ code: LedgerError.Code,
    because reason: String? = nil, time: Int64? = nil, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let entry = try chain.sign(kind, by: author, body: body, time: time)
    expectRefused(entry, by: chain, code, because: reason, sourceLocation: sourceLocation)
}

/// Expects a genesis entry refused with `code`: no state, and replay stops at entry 0.
private func expectGenesisRefused(_ entry: Entry, _ code: LedgerError.Code, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try ChainState(genesis: entry)
        Issue.record("genesis was accepted; expected \(code)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "got \(error.code): \(error.message)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
    }
    let result = ChainState.replay([entry])
    #expect(result.state?.size == nil, sourceLocation: sourceLocation)
    #expect(result.rejection?.index == 0, sourceLocation: sourceLocation)
    #expect(result.rejection?.error.code == code, sourceLocation: sourceLocation)
}

private func signGenesis(_ body: JSONValue, chain: String = rulesOrigin, by signer: SignerKey = ChainFixture.key(for: "A")) throws -> Entry {
    try Entry.sign(chain: chain, kind: .config, author: signer, time: 1_700_000_000, body: body)
}

private func defaultGenesis() -> Genesis {
    Genesis(
        origin: rulesOrigin,
        members: [ChainFixture.member("A"), ChainFixture.member("B"), ChainFixture.member("S", .supervisor), ChainFixture.member("O", .observer)],
        leader: "A")
}

/// One step into a JSON value: a member name or an array position.
private enum Step: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case key(String)
    case index(Int)
    init(stringLiteral value: String) { self = .key(value) }
    init(integerLiteral value: Int) { self = .index(value) }
}

extension JSONValue {
    /// The value with the member or element at `path` replaced (or removed, for nil).
    fileprivate func replacing(_ path: [Step], with new: JSONValue?) -> JSONValue {
        guard let step = path.first else { return new ?? .null }
        let rest = Array(path.dropFirst())
        switch (self, step) {
        case (.object(var members), .key(let key)):
            members[key] = rest.isEmpty ? new : (members[key] ?? .object([:])).replacing(rest, with: new)
            return .object(members)
        case (.array(var elements), .index(let i)) where elements.indices.contains(i):
            if rest.isEmpty {
                if let new { elements[i] = new } else { elements.remove(at: i) }
            } else {
                elements[i] = elements[i].replacing(rest, with: new)
            }
            return .array(elements)
        default:
            return self
        }
    }
}

/// A proposal or body shape that must be refused as malformed.
struct MalformedBody: Sendable, CustomTestStringConvertible {
    var name: String
    var body: JSONValue
    var testDescription: String { name }
}

private func reportWith(_ field: String, _ value: JSONValue?) -> JSONValue {
    proposalBody(.suspectedCase, report().replacing([.key(field)], with: value))
}

private let malformedProposals: [MalformedBody] = [
    MalformedBody(name: "unknown subject", body: ["subject": "vaccination", "data": report()]),
    MalformedBody(name: "no subject", body: ["data": report()]),
    MalformedBody(name: "no data", body: ["subject": "suspected-case"]),
    MalformedBody(name: "data is not an object", body: ["subject": "suspected-case", "data": "Zhang San, fever"]),
    MalformedBody(name: "body is not an object", body: ["suspected-case"]),
    MalformedBody(name: "personal data at top level", body: proposalBody(.suspectedCase, report()).replacing(["name"], with: "Zhang San")),
    MalformedBody(name: "personal data (name) in data", body: reportWith("name", "Zhang San")),
    MalformedBody(name: "personal data (phone) in data", body: reportWith("phone", "13800138000")),
    MalformedBody(name: "national id in data", body: reportWith("nationalID", "110101199001011234")),
    MalformedBody(name: "address in alert data", body: proposalBody(.alert, [
        "community": "riverside", "syndrome": "ili", "method": "ears-c2", "date": "2026-11-20", "observed": 7, "upperboundMilli": 4200,
        "address": "3 River Road",
    ])),
    MalformedBody(name: "extra field in stage data", body: proposalBody(.stage, ["stage": "alert", "note": "Zhang San is sick"])),
    MalformedBody(name: "extra field in leader data", body: proposalBody(.leader, ["leader": "B", "phone": "13800138000"])),
    MalformedBody(name: "syndrome with spaces and capitals", body: reportWith("syndrome", "Influenza Like Illness")),
    MalformedBody(name: "syndrome in capitals", body: reportWith("syndrome", "ILI")),
    MalformedBody(name: "syndrome empty", body: reportWith("syndrome", "")),
    MalformedBody(name: "syndrome too long", body: reportWith("syndrome", .string(String(repeating: "a", count: 65)))),
    MalformedBody(name: "community with non-ASCII", body: reportWith("community", "河畔")),
    MalformedBody(name: "syndrome not a string", body: reportWith("syndrome", 7)),
    MalformedBody(name: "onset month 13", body: reportWith("onset", "2026-13-01")),
    MalformedBody(name: "onset month 0", body: reportWith("onset", "2026-00-10")),
    MalformedBody(name: "onset day 32", body: reportWith("onset", "2026-11-32")),
    MalformedBody(name: "onset with slashes", body: reportWith("onset", "2026/11/20")),
    MalformedBody(name: "onset day first", body: reportWith("onset", "20-11-2026")),
    MalformedBody(name: "onset short", body: reportWith("onset", "2026-11-2")),
    MalformedBody(name: "onset with time", body: reportWith("onset", "2026-11-20T08:00")),
    MalformedBody(name: "age band reversed", body: reportWith("ageBand", "39-30")),
    MalformedBody(name: "age band words", body: reportWith("ageBand", "adult")),
    MalformedBody(name: "age band over 130", body: reportWith("ageBand", "131+")),
    MalformedBody(name: "exact age", body: reportWith("ageBand", "34")),
    MalformedBody(name: "age band empty", body: reportWith("ageBand", "")),
    MalformedBody(name: "pseudonym not hex", body: reportWith("pseudonym", .string(String(repeating: "zz", count: 32)))),
    MalformedBody(name: "pseudonym too short", body: reportWith("pseudonym", "abcd")),
    MalformedBody(name: "pseudonym is the national id", body: reportWith("pseudonym", "110101199001011234")),
    MalformedBody(name: "commitment missing", body: reportWith("commitment", nil)),
    MalformedBody(name: "deadline not a number", body: proposalBody(.suspectedCase, report()).replacing(["deadline"], with: "tomorrow")),
    MalformedBody(name: "deadline not an integer", body: proposalBody(.suspectedCase, report()).replacing(["deadline"], with: 1_700_000_100.5)),
    MalformedBody(name: "alert with negative count", body: proposalBody(.alert, [
        "community": "riverside", "syndrome": "ili", "method": "ears-c2", "date": "2026-11-20", "observed": -1, "upperboundMilli": 4200,
    ])),
    MalformedBody(name: "unknown stage", body: proposalBody(.stage, ["stage": "panic"])),
    MalformedBody(name: "admit with an unknown role", body: proposalBody(.admitMember, [
        "name": "E", "key": .string(ChainFixture.member("E").key.description), "role": "king",
    ])),
    MalformedBody(name: "admit with a key named otherwise", body: proposalBody(.admitMember, [
        "name": "E", "key": .string(ChainFixture.member("F").key.description), "role": "member",
    ])),
    MalformedBody(name: "admit with a cosignature key", body: proposalBody(.admitMember, [
        "name": "E", "key": .string(ChainFixture.key(for: "E").withType(.cosignature).verifierKey.description), "role": "member",
    ])),
    MalformedBody(name: "admit with a garbage key", body: proposalBody(.admitMember, ["name": "E", "key": "E+00000000+AAAA", "role": "member"])),
    MalformedBody(name: "peer chain with a garbage policy", body: proposalBody(.peerChain, ["origin": "vigil.example/peer", "policy": "quorum nobody\n"])),
]

private let malformedOthers: [(EntryKind, MalformedBody)] = [
    (.vote, MalformedBody(name: "vote with approve as a string", body: ["proposal": .string(String(repeating: "0", count: 64)), "approve": "yes"])),
    (.vote, MalformedBody(name: "vote with a personal field", body: [
        "proposal": .string(String(repeating: "0", count: 64)), "approve": true, "name": "Zhang San",
    ])),
    (.vote, MalformedBody(name: "vote on a non-hash", body: ["proposal": "the first one", "approve": true])),
    (.veto, MalformedBody(name: "veto without a proposal", body: ["reason": "false"])),
    (.order, MalformedBody(name: "order without recipients field", body: ["text": "screen building 3"])),
    (.order, MalformedBody(name: "order with a non-string recipient", body: ["to": [1], "text": "screen building 3"])),
    (.order, MalformedBody(name: "order with an extra field", body: ["to": ["all"], "text": "screen", "patient": "Zhang San"])),
    (.outcome, MalformedBody(name: "outcome without result", body: ["proposal": .string(String(repeating: "0", count: 64))])),
    (.relay, MalformedBody(name: "relay without from", body: ["records": [], "checkpoint": ""])),
    (.share, MalformedBody(name: "share with a non-string from", body: ["from": 1, "records": [], "checkpoint": ""])),
    (.evidence, MalformedBody(name: "evidence with no checkpoints field", body: ["notes": []])),
    (.evidence, MalformedBody(name: "evidence with three checkpoints", body: ["checkpoints": ["a", "b", "c"]])),
]

// MARK: - Tests

@Suite struct ChainRejectionTests {
    // MARK: Envelope: chain, replay, author, signature, role

    @Test func entryForAnotherChainIsRejected() throws {
        let chain = try makeChain()
        let entry = try Entry.sign(
            chain: "vigil.example/elsewhere", kind: .proposal, author: ChainFixture.key(for: "B"), time: chain.time,
            body: proposalBody(.suspectedCase, report()))
        expectRefused(entry, by: chain, .rejectedEntry, because: "is for chain")
    }

    @Test func replayedEntryIsRejected() throws {
        var chain = try makeChain()
        let order = try chain.order(by: "A", to: ["all"], text: "report fever cases daily")
        expectRefused(order, by: chain, .rejectedEntry, because: "already on the chain")
        let proposal = try chain.append(.proposal, by: "B", body: proposalBody(.suspectedCase, report()))
        expectRefused(proposal, by: chain, .rejectedEntry, because: "already on the chain")
        let vote = try chain.append(.vote, by: "C", body: voteBody(proposal.hash))
        expectRefused(vote, by: chain, .rejectedEntry, because: "already on the chain")
        // The genesis itself, replayed after it.
        expectRefused(chain.entries[0], by: chain, .rejectedEntry, because: "already on the chain")
    }

    @Test func authorWhoIsNotAMemberIsRejected() throws {
        var chain = try makeChain()
        try expectRefused(.proposal, by: "Mallory", body: proposalBody(.suspectedCase, report()), on: &chain, .rejectedEntry, because: "is not a member")
        try expectRefused(.order, by: "Mallory", body: ["to": ["all"], "text": "evacuate"], on: &chain, .rejectedEntry, because: "is not a member")
    }

    @Test func forgedSignatureNamingAMemberIsRejected() throws {
        let chain = try makeChain()
        let forged = try Entry.sign(
            chain: rulesOrigin, kind: .proposal, author: try forgedKey("B"), time: chain.time, body: proposalBody(.suspectedCase, report()))
        #expect(forged.author == "B")
        expectRefused(forged, by: chain, .rejectedEntry, because: "does not verify")
        // The leader's name on an order signed by someone else's key.
        let order = try Entry.sign(
            chain: rulesOrigin, kind: .order, author: try forgedKey("A"), time: chain.time, body: ["to": ["all"], "text": "stand down"])
        expectRefused(order, by: chain, .rejectedEntry, because: "does not verify")
    }

    @Test func bodyChangedAfterSigningIsRejected() throws {
        var chain = try makeChain()
        let genuine = try chain.sign(.order, by: "A", body: ["to": ["B"], "text": "screen building 3"])
        let edited = try JSONValue(parsing: genuine.bytes).replacing(["body", "text"], with: "close every school")
        let tampered = try Entry(parsing: edited.canonicalBytes())
        #expect(tampered.signature == genuine.signature)
        expectRefused(tampered, by: chain, .rejectedEntry, because: "does not verify")
        // So is a changed time or author on the same signature.
        let retimed = try Entry(parsing: try JSONValue(parsing: genuine.bytes).replacing(["time"], with: 1_800_000_000).canonicalBytes())
        expectRefused(retimed, by: chain, .rejectedEntry, because: "does not verify")
        let reauthored = try Entry(parsing: try JSONValue(parsing: genuine.bytes).replacing(["author"], with: "S").canonicalBytes())
        expectRefused(reauthored, by: chain, .rejectedEntry, because: "does not verify")
    }

    @Test func observerCannotAuthorEntries() throws {
        var chain = try makeChain()
        try expectRefused(.proposal, by: "O", body: proposalBody(.suspectedCase, report()), on: &chain, .rejectedEntry, because: "observer")
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try expectRefused(.vote, by: "O", body: voteBody(id), on: &chain, .rejectedEntry, because: "observer")
        try expectRefused(.order, by: "O", body: ["to": ["all"], "text": "hello"], on: &chain, .rejectedEntry, because: "observer")
    }

    @Test func configEntryAfterGenesisIsRejected() throws {
        var chain = try makeChain()
        var genesis = chain.state.genesis
        genesis.leader = "B"
        try expectRefused(.config, by: "A", body: genesis.json, on: &chain, .rejectedEntry, because: "only valid as the genesis")
        try expectRefused(.config, by: "A", body: chain.state.genesis.json, on: &chain, .rejectedEntry, because: "only valid as the genesis")
    }

    @Test func entryWithNegativeTimeIsRejected() throws {
        var chain = try makeChain()
        try expectRefused(.order, by: "A", body: ["to": ["all"], "text": "x"], on: &chain, .rejectedEntry, because: "negative", time: -1)
    }

    // MARK: Genesis

    @Test func genesisMustBeTheFirstEntry() throws {
        var chain = try makeChain()
        let order = try chain.order(by: "A", to: ["all"], text: "report daily")
        expectGenesisRefused(order, .rejectedEntry)
        let result = ChainState.replay([order, chain.entries[0]])
        #expect(result.rejection?.index == 0)
        #expect(result.state?.size == nil)
        #expect(ChainState.replay([]).rejection?.error.code == .rejectedEntry)
    }

    @Test func genesisSignedByANonMemberIsRejected() throws {
        expectGenesisRefused(try signGenesis(defaultGenesis().json, by: ChainFixture.key(for: "Mallory")), .rejectedEntry)
    }

    @Test func genesisSignedByAForgedMemberKeyIsRejected() throws {
        expectGenesisRefused(try signGenesis(defaultGenesis().json, by: try forgedKey("A")), .rejectedEntry)
    }

    /// Observers "never author entries" (``MemberRole/observer``); that includes the genesis.
    @Test func genesisSignedByAnObserverIsRejected() throws {
        expectGenesisRefused(try signGenesis(defaultGenesis().json, by: ChainFixture.key(for: "O")), .rejectedEntry)
    }

    @Test func genesisForAnotherOriginIsRejected() throws {
        expectGenesisRefused(try signGenesis(defaultGenesis().json, chain: "vigil.example/elsewhere"), .rejectedEntry)
    }

    @Test func genesisWithDuplicateMembersIsRejected() throws {
        var genesis = defaultGenesis()
        genesis.members.append(ChainFixture.member("B", .supervisor))
        expectGenesisRefused(try signGenesis(genesis.json), .malformedGenesis)
    }

    @Test func genesisWithTwoMembersSharingAKeyIsRejected() throws {
        var genesis = defaultGenesis()
        let bKey = ChainFixture.key(for: "B").verifierKey
        genesis.members.append(Member(name: "B2", key: try VerifierKey(name: "B2", type: .ed25519, publicKey: bKey.publicKey), role: .member))
        expectGenesisRefused(try signGenesis(genesis.json), .malformedGenesis)
    }

    @Test func genesisLeaderMustBeAVotingMember() throws {
        var observer = defaultGenesis()
        observer.leader = "O"
        expectGenesisRefused(try signGenesis(observer.json), .malformedGenesis)
        var stranger = defaultGenesis()
        stranger.leader = "Z"
        expectGenesisRefused(try signGenesis(stranger.json), .malformedGenesis)
    }

    @Test func genesisKeyNameMustBeTheMemberName() throws {
        var genesis = defaultGenesis()
        genesis.members[1] = Member(name: "B", key: ChainFixture.key(for: "Bee").verifierKey, role: .member)
        expectGenesisRefused(try signGenesis(genesis.json), .malformedGenesis)
        var cosigning = defaultGenesis()
        cosigning.members[1] = Member(name: "B", key: ChainFixture.key(for: "B").withType(.cosignature).verifierKey, role: .member)
        expectGenesisRefused(try signGenesis(cosigning.json), .malformedGenesis)
    }

    @Test(arguments: [
        MalformedBody(name: "personal data in the config", body: defaultGenesis().json.replacing(["contact"], with: "Zhang San 13800138000")),
        MalformedBody(name: "no members", body: defaultGenesis().json.replacing(["members"], with: [])),
        MalformedBody(name: "unknown role", body: defaultGenesis().json.replacing(["members", 1, "role"], with: "auditor")),
        MalformedBody(name: "extra member field", body: defaultGenesis().json.replacing(["members", 1, "phone"], with: "13800138000")),
        MalformedBody(name: "unknown stage", body: defaultGenesis().json.replacing(["stage"], with: "panic")),
        MalformedBody(name: "unknown subject policy", body: defaultGenesis().json.replacing(["policies", "vaccination"], with: ["threshold": 2])),
        MalformedBody(name: "fraction above one", body: defaultGenesis().json.replacing(["policies", "alert", "threshold"], with: "3/2")),
        MalformedBody(name: "zero fraction", body: defaultGenesis().json.replacing(["policies", "alert", "threshold"], with: "0/3")),
        MalformedBody(name: "threshold in words", body: defaultGenesis().json.replacing(["policies", "alert", "threshold"], with: "two")),
        MalformedBody(name: "threshold zero", body: defaultGenesis().json.replacing(["policies", "alert", "threshold"], with: 0)),
        MalformedBody(name: "threshold not an integer", body: defaultGenesis().json.replacing(["policies", "alert", "threshold"], with: 1.5)),
        MalformedBody(name: "deadline not positive", body: defaultGenesis().json.replacing(["policies", "alert", "deadline"], with: 0)),
        MalformedBody(name: "members may not order", body: defaultGenesis().json.replacing(["orderRights", "alert"], with: ["member"])),
        MalformedBody(name: "credit not an integer", body: defaultGenesis().json.replacing(["credits", "reportAccepted"], with: "ten")),
        MalformedBody(name: "child without a policy", body: defaultGenesis().json.replacing(["children"], with: [["origin": "vigil.example/child"]])),
    ])
    func malformedGenesisIsRejected(_ row: MalformedBody) throws {
        expectGenesisRefused(try signGenesis(row.body), .malformedGenesis)
    }

    // MARK: Proposal bodies: schema and identifiers

    @Test(arguments: malformedProposals)
    func malformedProposalIsRejected(_ row: MalformedBody) throws {
        var chain = try makeChain()
        try expectRefused(.proposal, by: "B", body: row.body, on: &chain, .malformedEntry)
    }

    @Test(arguments: zip(malformedOthers.map(\.1), malformedOthers.map(\.0)))
    func malformedBodyIsRejected(_ row: MalformedBody, _ kind: EntryKind) throws {
        var chain = try makeChain()
        try expectRefused(kind, by: "S", body: row.body, on: &chain, .malformedEntry)
    }

    /// A well-formed report with the same fields is accepted: the table above fails for its one
    /// defect only.
    @Test func wellFormedReportIsAccepted() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        #expect(chain.state.proposals[id]?.status == .pending)
        for band in ["0-9", "30-39", "80+", "100-130"] {
            try chain.propose(.suspectedCase, by: "B", data: report("band-\(band)").replacing(["ageBand"], with: .string(band)))
        }
    }

    /// Strictness of the identifiers: an onset that is not a calendar date, and age bands that
    /// `Int` parses but that are not in the canonical `NN-NN` / `NN+` form, would give one band or
    /// day several spellings on the chain.
    @Test(arguments: [("onset", "2026-02-30"), ("onset", "2026-04-31"), ("ageBand", "+30-39"), ("ageBand", "+80+")])
    func identifiersMustBeCanonical(_ field: String, _ value: String) throws {
        var chain = try makeChain()
        try expectRefused(.proposal, by: "B", body: reportWith(field, .string(value)), on: &chain, .malformedEntry)
    }

    // MARK: Proposals that the state does not allow

    @Test func stageProposalToTheCurrentStageIsRejected() throws {
        var chain = try makeChain()
        try expectRefused(.proposal, by: "B", body: proposalBody(.stage, ["stage": "prevention"]), on: &chain, .rejectedEntry, because: "already in stage")
        var alerting = try makeChain { $0.stage = .alert }
        try expectRefused(.proposal, by: "B", body: proposalBody(.stage, ["stage": "alert"]), on: &alerting, .rejectedEntry, because: "already in stage")
    }

    @Test func leaderProposalForANonMemberOrTheCurrentLeaderIsRejected() throws {
        var chain = try makeChain()
        try expectRefused(.proposal, by: "B", body: proposalBody(.leader, ["leader": "Mallory"]), on: &chain, .rejectedEntry, because: "not a voting member")
        try expectRefused(.proposal, by: "B", body: proposalBody(.leader, ["leader": "A"]), on: &chain, .rejectedEntry, because: "already the leader")
        try expectRefused(.proposal, by: "B", body: proposalBody(.leader, ["leader": "O"]), on: &chain, .rejectedEntry, because: "not a voting member")
    }

    @Test func admittingAnExistingMemberOrKeyIsRejected() throws {
        var chain = try makeChain()
        let existing = ChainFixture.member("C")
        try expectRefused(
            .proposal, by: "B", body: proposalBody(.admitMember, ["name": "C", "key": .string(existing.key.description), "role": "member"]),
            on: &chain, .rejectedEntry, because: "already a member")
        // C's name with a fresh key is still C.
        try expectRefused(
            .proposal, by: "B",
            body: proposalBody(.admitMember, ["name": "C", "key": .string(try forgedKey("C").verifierKey.description), "role": "supervisor"]),
            on: &chain, .rejectedEntry, because: "already a member")
        // C's key under a new name.
        let reused = try VerifierKey(name: "C2", type: .ed25519, publicKey: existing.key.publicKey)
        try expectRefused(
            .proposal, by: "B", body: proposalBody(.admitMember, ["name": "C2", "key": .string(reused.description), "role": "member"]),
            on: &chain, .rejectedEntry, because: "already a member's key")
    }

    @Test func removingTheLeaderOrANonMemberIsRejected() throws {
        var chain = try makeChain()
        try expectRefused(.proposal, by: "B", body: proposalBody(.removeMember, ["name": "A"]), on: &chain, .rejectedEntry, because: "leader cannot be removed")
        try expectRefused(.proposal, by: "B", body: proposalBody(.removeMember, ["name": "Mallory"]), on: &chain, .rejectedEntry, because: "is not a member")
    }

    @Test func peerChainProposalForItselfOrAKnownPeerIsRejected() throws {
        let peer = try ChainFixture(origin: "vigil.example/peer", members: [("P1", .member), ("P2", .member)], leader: "P1")
        let policy = try peer.policy(quorum: 2)
        var chain = try makeChain { $0.peers = [LinkedChain(origin: "vigil.example/peer", policy: policy)] }
        try expectRefused(
            .proposal, by: "B", body: proposalBody(.peerChain, ["origin": "vigil.example/peer", "policy": .string(policy.text)]),
            on: &chain, .rejectedEntry, because: "already a peer")
        let own = try chain.policy(quorum: 2)
        // The chain's own policy names log keys after the origin, as the link requires.
        try expectRefused(
            .proposal, by: "B", body: proposalBody(.peerChain, ["origin": .string(rulesOrigin), "policy": .string(own.text)]),
            on: &chain, .rejectedEntry, because: "already a peer")
    }

    @Test func deadlineMustBeAfterTheProposalTime() throws {
        var chain = try makeChain()
        let t = chain.time
        try expectRefused(.proposal, by: "B", body: proposalBody(.suspectedCase, report(), deadline: t), on: &chain, .rejectedEntry, because: "deadline", time: t)
        try expectRefused(.proposal, by: "B", body: proposalBody(.suspectedCase, report(), deadline: t - 100), on: &chain, .rejectedEntry, because: "deadline", time: t)
        try expectRefused(.proposal, by: "B", body: proposalBody(.suspectedCase, report(), deadline: 0), on: &chain, .rejectedEntry, because: "deadline", time: t)
        // One second after is fine.
        let ok = try chain.sign(.proposal, by: "B", body: proposalBody(.suspectedCase, report(), deadline: t + 1), time: t)
        try chain.apply(ok)
        #expect(chain.state.proposals[ok.hash]?.deadline == t + 1)
    }

    // MARK: Votes

    @Test func voteOnAnUnknownProposalIsRejected() throws {
        var chain = try makeChain()
        try expectRefused(.vote, by: "B", body: voteBody(try Hash(bytes: [UInt8](repeating: 7, count: 32))), on: &chain, .rejectedEntry, because: "unknown proposal")
        // An entry that exists but is not a proposal.
        let order = try chain.order(by: "A", to: ["all"], text: "report daily")
        try expectRefused(.vote, by: "B", body: voteBody(order.hash), on: &chain, .rejectedEntry, because: "unknown proposal")
    }

    @Test func voteOnAnAcceptedProposalIsRejected() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "C")
        try chain.vote(id, by: "S")
        #expect(chain.state.proposals[id]?.status == .accepted)
        try expectRefused(.vote, by: "A", body: voteBody(id), on: &chain, .rejectedEntry, because: "is accepted")
        try expectRefused(.vote, by: "A", body: voteBody(id, approve: false), on: &chain, .rejectedEntry, because: "is accepted")
    }

    @Test func voteOnARejectedProposalIsRejected() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "C", approve: false)
        try chain.vote(id, by: "S", approve: false)
        guard case .rejected = chain.state.proposals[id]!.status else {
            Issue.record("status is \(chain.state.proposals[id]!.status)")
            return
        }
        try expectRefused(.vote, by: "A", body: voteBody(id), on: &chain, .rejectedEntry, because: "is rejected")
    }

    @Test func voteOnAVetoedProposalIsRejected() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.veto(id, by: "S", reason: "the person was abroad")
        try expectRefused(.vote, by: "A", body: voteBody(id), on: &chain, .rejectedEntry, because: "is vetoed")
    }

    @Test func voteOnAnExpiredProposalIsRejected() throws {
        var chain = try makeChain()
        let t = chain.time
        let id = try chain.propose(.suspectedCase, by: "B", data: report(), deadline: t + 10)
        try chain.vote(id, by: "C")
        // A late vote is refused, and being refused it changes nothing (not even the clock).
        try expectRefused(.vote, by: "S", body: voteBody(id), on: &chain, .rejectedEntry, because: "expired", time: t + 11)
        #expect(chain.state.proposals[id]?.status == .pending)
        // Any later entry moves the chain's clock past the deadline: the proposal expires.
        try chain.order(by: "A", to: ["all"], text: "report daily")
        #expect(chain.state.clock > t + 10)
        #expect(chain.state.proposals[id]?.status == .expired)
        #expect(chain.state.proposals(withStatus: "expired").map(\.id) == [id])
        // Now even a vote dated before the deadline is too late.
        try expectRefused(.vote, by: "S", body: voteBody(id), on: &chain, .rejectedEntry, because: "expired", time: t + 5)
        try expectRefused(.veto, by: "S", body: ["proposal": .string(id.hex), "reason": "false"], on: &chain, .rejectedEntry, because: "expired")
    }

    @Test func voteAtTheDeadlineStillCounts() throws {
        var chain = try makeChain()
        let t = chain.time
        let id = try chain.propose(.suspectedCase, by: "B", data: report(), deadline: t + 10)
        try chain.vote(id, by: "C")
        try chain.apply(try chain.sign(.vote, by: "S", body: voteBody(id), time: t + 10))
        #expect(chain.state.proposals[id]?.status == .accepted)
    }

    @Test func authorCannotVoteOnOwnProposal() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try expectRefused(.vote, by: "B", body: voteBody(id), on: &chain, .rejectedEntry, because: "author of a proposal")
        try expectRefused(.vote, by: "B", body: voteBody(id, approve: false), on: &chain, .rejectedEntry, because: "author of a proposal")
    }

    @Test func doubleVoteIsRejected() throws {
        var chain = try makeChain { $0.policies[.suspectedCase]!.threshold = .count(3) }
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "C")
        try expectRefused(.vote, by: "C", body: voteBody(id), on: &chain, .rejectedEntry, because: "already voted")
        try expectRefused(.vote, by: "C", body: voteBody(id, approve: false), on: &chain, .rejectedEntry, because: "already voted")
        try expectRefused(.vote, by: "C", body: ["proposal": .string(id.hex), "approve": true, "reason": "again"], on: &chain, .rejectedEntry, because: "already voted")
        #expect(chain.state.proposals[id]?.votes.count == 1)
    }

    // MARK: Vetoes

    @Test func vetoByANonSupervisorIsRejected() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        for author in ["A", "C"] {
            try expectRefused(.veto, by: author, body: ["proposal": .string(id.hex), "reason": "false report"], on: &chain, .rejectedEntry, because: "only a supervisor")
        }
    }

    @Test func vetoOfASubjectWithoutVetoIsRejected() throws {
        var chain = try makeChain()
        let leader = try chain.propose(.leader, by: "B", data: ["leader": "C"])
        try expectRefused(.veto, by: "S", body: ["proposal": .string(leader.hex), "reason": "no"], on: &chain, .rejectedEntry, because: "cannot be vetoed")
        let stage = try chain.propose(.stage, by: "B", data: ["stage": "alert"])
        try expectRefused(.veto, by: "S", body: ["proposal": .string(stage.hex), "reason": "no"], on: &chain, .rejectedEntry, because: "cannot be vetoed")
        let admit = try chain.propose(
            .admitMember, by: "B", data: ["name": "E", "key": .string(ChainFixture.member("E").key.description), "role": "member"])
        try expectRefused(.veto, by: "S", body: ["proposal": .string(admit.hex), "reason": "no"], on: &chain, .rejectedEntry, because: "cannot be vetoed")
    }

    @Test func vetoWithoutAReasonIsRejected() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try expectRefused(.veto, by: "S", body: ["proposal": .string(id.hex)], on: &chain, .malformedEntry)
        try expectRefused(.veto, by: "S", body: ["proposal": .string(id.hex), "reason": .null], on: &chain, .malformedEntry)
        try expectRefused(.veto, by: "S", body: ["proposal": .string(id.hex), "reason": 42], on: &chain, .malformedEntry)
    }

    /// DESIGN §3.2: a veto rejects the proposal "with a reason"; an empty string is none.
    @Test func vetoWithAnEmptyReasonIsRejected() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try expectRefused(.veto, by: "S", body: ["proposal": .string(id.hex), "reason": ""], on: &chain, .malformedEntry)
    }

    @Test func vetoOfAClosedOrUnknownProposalIsRejected() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "C")
        try chain.vote(id, by: "A")
        #expect(chain.state.proposals[id]?.status == .accepted)
        try expectRefused(.veto, by: "S", body: ["proposal": .string(id.hex), "reason": "too late"], on: &chain, .rejectedEntry, because: "is accepted")
        let vetoed = try chain.propose(.suspectedCase, by: "C", data: report("2"))
        try chain.veto(vetoed, by: "S", reason: "false")
        try expectRefused(.veto, by: "S", body: ["proposal": .string(vetoed.hex), "reason": "again"], on: &chain, .rejectedEntry, because: "is vetoed")
        try expectRefused(
            .veto, by: "S", body: ["proposal": .string(String(repeating: "ab", count: 32)), "reason": "what"], on: &chain, .rejectedEntry, because: "unknown proposal")
    }

    @Test func vetoRejectsAtOnceAndDebitsTheReporter() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "C")
        try chain.veto(id, by: "S", reason: "the person was abroad")
        #expect(chain.state.proposals[id]?.status == .vetoed(by: "S", reason: "the person was abroad"))
        #expect(chain.state.credits["B"] == chain.state.genesis.credits.reportVetoed)
        #expect(chain.state.credits["C"] == 0)
    }

    // MARK: Orders

    @Test func orderByAPlainMemberIsRejected() throws {
        var chain = try makeChain()
        try expectRefused(.order, by: "B", body: ["to": ["all"], "text": "close the market"], on: &chain, .rejectedEntry, because: "may not issue orders")
        try expectRefused(.order, by: "C", body: ["to": ["A"], "text": "close the market"], on: &chain, .rejectedEntry, because: "may not issue orders")
    }

    /// A recipient who is not a member is a fact about the state, not about the body's shape:
    /// ``LedgerError/Code/rejectedEntry`` ("a well-formed entry that the chain's state does not
    /// allow"), as for a vote on an unknown proposal.
    @Test func orderToANonMemberIsRejected() throws {
        var chain = try makeChain()
        try expectRefused(.order, by: "A", body: ["to": ["B", "Mallory"], "text": "screen building 3"], on: &chain, .rejectedEntry, because: "not a member")
    }

    @Test func orderWithEmptyTextOrNoRecipientsIsMalformed() throws {
        var chain = try makeChain()
        try expectRefused(.order, by: "A", body: ["to": ["all"], "text": ""], on: &chain, .malformedEntry)
        try expectRefused(.order, by: "A", body: ["to": [], "text": "screen building 3"], on: &chain, .malformedEntry)
        try expectRefused(.order, by: "A", body: ["to": ["all"], "text": .string(String(repeating: "x", count: 4097))], on: &chain, .malformedEntry)
    }

    @Test func orderRightsFollowTheStagePolicy() throws {
        var leaderOnly = try makeChain { $0.orderRights[.prevention] = ["leader"] }
        try expectRefused(.order, by: "S", body: ["to": ["all"], "text": "screen"], on: &leaderOnly, .rejectedEntry, because: "may not issue orders")
        try leaderOnly.order(by: "A", to: ["all"], text: "screen")

        var supervisorOnly = try makeChain { $0.orderRights[.prevention] = ["supervisor"] }
        try expectRefused(.order, by: "A", body: ["to": ["all"], "text": "screen"], on: &supervisorOnly, .rejectedEntry, because: "may not issue orders")
        try supervisorOnly.order(by: "S", to: ["B"], text: "screen")
        #expect(supervisorOnly.state.orders.last?.recipients == ["B"])

        var nobody = try makeChain { $0.orderRights[.prevention] = [] }
        try expectRefused(.order, by: "A", body: ["to": ["all"], "text": "screen"], on: &nobody, .rejectedEntry, because: "may not issue orders")
        try expectRefused(.order, by: "S", body: ["to": ["all"], "text": "screen"], on: &nobody, .rejectedEntry, because: "may not issue orders")

        // The rights follow the stage the chain is in, not the genesis stage.
        var staged = try makeChain { $0.orderRights[.alert] = ["supervisor"] }
        try staged.order(by: "A", to: ["all"], text: "before")
        let toAlert = try staged.propose(.stage, by: "B", data: ["stage": "alert"])
        try staged.vote(toAlert, by: "C")
        try staged.vote(toAlert, by: "S")
        #expect(staged.state.stage == .alert)
        try expectRefused(.order, by: "A", body: ["to": ["all"], "text": "after"], on: &staged, .rejectedEntry, because: "may not issue orders")
    }

    // MARK: Outcomes

    @Test func outcomeOnANonReportIsRejected() throws {
        var chain = try makeChain()
        let stage = try chain.propose(.stage, by: "B", data: ["stage": "alert"])
        try chain.vote(stage, by: "C")
        try chain.vote(stage, by: "S")
        #expect(chain.state.proposals[stage]?.status == .accepted)
        try expectRefused(.outcome, by: "C", body: outcomeBody(stage), on: &chain, .rejectedEntry, because: "not a reported case")
        let order = try chain.order(by: "A", to: ["all"], text: "x")
        try expectRefused(.outcome, by: "C", body: outcomeBody(order.hash), on: &chain, .rejectedEntry, because: "not a reported case")
    }

    @Test func outcomeOnAPendingOrVetoedReportIsRejected() throws {
        var chain = try makeChain()
        let pending = try chain.propose(.suspectedCase, by: "B", data: report())
        try expectRefused(.outcome, by: "C", body: outcomeBody(pending), on: &chain, .rejectedEntry, because: "pending")
        try expectRefused(.outcome, by: "C", body: outcomeBody(pending, "ruled-out"), on: &chain, .rejectedEntry, because: "pending")
        try chain.veto(pending, by: "S", reason: "false")
        try expectRefused(.outcome, by: "C", body: outcomeBody(pending), on: &chain, .rejectedEntry, because: "vetoed")
    }

    @Test func outcomeByTheReporterIsRejected() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "C")
        try chain.vote(id, by: "S")
        try expectRefused(.outcome, by: "B", body: outcomeBody(id), on: &chain, .rejectedEntry, because: "reporter")
    }

    @Test func secondOutcomeIsRejected() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "C")
        try chain.vote(id, by: "S")
        try chain.append(.outcome, by: "S", body: outcomeBody(id, "ruled-out"))
        let rules = chain.state.genesis.credits
        #expect(chain.state.credits["B"] == rules.reportAccepted + rules.reportRuledOut)
        try expectRefused(.outcome, by: "A", body: outcomeBody(id, "confirmed"), on: &chain, .rejectedEntry, because: "already has an outcome")
        try expectRefused(.outcome, by: "S", body: outcomeBody(id, "ruled-out"), on: &chain, .rejectedEntry, because: "already has an outcome")
    }

    @Test func outcomeWithAnUnknownResultIsMalformed() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "C")
        try chain.vote(id, by: "S")
        try expectRefused(.outcome, by: "S", body: outcomeBody(id, "maybe"), on: &chain, .malformedEntry)
    }

    // MARK: Thresholds

    @Test func thresholdsCountTheEligibleVoters() {
        #expect(Threshold.count(2).needed(eligible: 7) == 2)
        #expect(Threshold.fraction(2, 3).needed(eligible: 3) == 2)
        #expect(Threshold.fraction(2, 3).needed(eligible: 4) == 3)
        #expect(Threshold.fraction(2, 3).needed(eligible: 6) == 4)
        #expect(Threshold.fraction(1, 1).needed(eligible: 5) == 5)
        #expect(Threshold.majority.needed(eligible: 3) == 2)
        #expect(Threshold.majority.needed(eligible: 4) == 3)
        #expect(Threshold.majority.needed(eligible: 5) == 3)
    }

    @Test func countThresholdAcceptsAtTheNthApproval() throws {
        var chain = try makeChain { $0.policies[.suspectedCase]!.threshold = .count(3) }
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "A")
        try chain.vote(id, by: "C")
        #expect(chain.state.proposals[id]?.status == .pending)
        try chain.vote(id, by: "S")
        #expect(chain.state.proposals[id]?.status == .accepted)
        let rules = chain.state.genesis.credits
        #expect(chain.state.credits == ["A": rules.endorsementAccepted, "B": rules.reportAccepted, "C": rules.endorsementAccepted,
                                        "S": rules.endorsementAccepted, "O": 0])
    }

    @Test func twoThirdsThresholdRoundsUp() throws {
        // Eligible for B's proposal: A, C, D, S (O observes): 2/3 of 4 needs 3.
        var chain = try ChainFixture(
            origin: rulesOrigin, members: [("A", .member), ("B", .member), ("C", .member), ("D", .member), ("S", .supervisor), ("O", .observer)],
            leader: "A")
        let e = ChainFixture.member("E")
        let id = try chain.propose(.admitMember, by: "B", data: ["name": "E", "key": .string(e.key.description), "role": "member"])
        try chain.vote(id, by: "A")
        try chain.vote(id, by: "C")
        #expect(chain.state.proposals[id]?.status == .pending)
        #expect(chain.state.members["E"] == nil)
        try chain.vote(id, by: "D")
        #expect(chain.state.proposals[id]?.status == .accepted)
        #expect(chain.state.members["E"] == e)
        #expect(chain.state.credits["E"] == 0)
    }

    @Test func majorityThresholdElectsALeader() throws {
        // Eligible for A's proposal: B, C, S: a majority is 2.
        var chain = try makeChain()
        let id = try chain.propose(.leader, by: "A", data: ["leader": "C"])
        try chain.vote(id, by: "B")
        #expect(chain.state.leader == "A")
        try chain.vote(id, by: "S", approve: false)
        #expect(chain.state.proposals[id]?.status == .pending)
        try chain.vote(id, by: "C")
        #expect(chain.state.proposals[id]?.status == .accepted)
        #expect(chain.state.leader == "C")
        // The new leader orders; the old one no longer can.
        try chain.order(by: "C", to: ["all"], text: "report daily")
        try expectRefused(.order, by: "A", body: ["to": ["all"], "text": "report daily"], on: &chain, .rejectedEntry, because: "may not issue orders")
    }

    @Test func supervisorApprovalIsNeededBesidesTheThreshold() throws {
        var chain = try makeChain()
        let id = try chain.propose(.stage, by: "A", data: ["stage": "alert"])
        try chain.vote(id, by: "B")
        try chain.vote(id, by: "C")
        // A majority of B, C, S, but not the supervisor.
        #expect(chain.state.proposals[id]?.status == .pending)
        #expect(chain.state.stage == .prevention)
        try chain.vote(id, by: "S")
        #expect(chain.state.stage == .alert)
    }

    @Test func supervisorRejectingVoteRejectsAtOnce() throws {
        var chain = try makeChain()
        let id = try chain.propose(.stage, by: "A", data: ["stage": "response"])
        try chain.vote(id, by: "S", approve: false, reason: "not yet")
        guard case .rejected(let reason) = chain.state.proposals[id]!.status else {
            Issue.record("status is \(chain.state.proposals[id]!.status)")
            return
        }
        #expect(reason.contains("S"))
        #expect(chain.state.stage == .prevention)
        // Also after a majority has approved.
        let again = try chain.propose(.stage, by: "A", data: ["stage": "response"])
        try chain.vote(again, by: "B")
        try chain.vote(again, by: "C")
        try chain.vote(again, by: "S", approve: false)
        #expect(chain.state.proposals[again]?.status.name == "rejected")
        #expect(chain.state.stage == .prevention)
    }

    @Test func proposalIsRejectedOnceItCannotReachItsThreshold() throws {
        var chain = try makeChain()
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "A", approve: false)
        #expect(chain.state.proposals[id]?.status == .pending)
        try chain.vote(id, by: "C", approve: false)
        // 0 approvals and only S undecided: 2 of 3 is out of reach.
        guard case .rejected(let reason) = chain.state.proposals[id]!.status else {
            Issue.record("status is \(chain.state.proposals[id]!.status)")
            return
        }
        #expect(reason.contains("0 approvals"))
        #expect(reason.contains("2 of 3"))
        #expect(chain.state.credits["B"] == 0)
    }

    @Test func proposalThatCanNeverReachItsThresholdIsRejectedAtOnce() throws {
        // 5 approvals among 3 eligible voters (A, C, S) can never happen.
        var chain = try makeChain { $0.policies[.alert]!.threshold = .count(5) }
        let id = try chain.propose(.alert, by: "B", data: [
            "community": "riverside", "syndrome": "ili", "method": "ears-c2", "date": "2026-11-20", "observed": 7, "upperboundMilli": 4200,
        ])
        #expect(chain.state.proposals[id]?.status.name == "rejected")
    }

    @Test func removingAMemberSettlesOtherPendingProposals() throws {
        // A leads; A, B, C, D members, S supervises. Leader proposal for B needs a majority of
        // B, C, D, S: 3. It has 2 when D is removed; then 2 of B, C, S is a majority.
        var chain = try ChainFixture(
            origin: rulesOrigin, members: [("A", .member), ("B", .member), ("C", .member), ("D", .member), ("S", .supervisor)], leader: "A")
        let leaderB = try chain.propose(.leader, by: "A", data: ["leader": "B"])
        try chain.vote(leaderB, by: "B")
        try chain.vote(leaderB, by: "C")
        #expect(chain.state.proposals[leaderB]?.status == .pending)
        let removeD = try chain.propose(.removeMember, by: "A", data: ["name": "D"])
        try chain.vote(removeD, by: "B")
        try chain.vote(removeD, by: "C")
        #expect(chain.state.members["D"] != nil)
        try chain.vote(removeD, by: "S")
        #expect(chain.state.members["D"] == nil)
        #expect(chain.state.proposals[leaderB]?.status == .accepted)
        #expect(chain.state.leader == "B")
        // D is no longer a member: its entries are refused.
        try expectRefused(.proposal, by: "D", body: proposalBody(.suspectedCase, report()), on: &chain, .rejectedEntry, because: "is not a member")
    }

    @Test func removingAMemberCanMakeAProposalUnreachable() throws {
        // count(3) among A, C, S for B's report; removing C leaves 2 eligible voters.
        var chain = try makeChain { $0.policies[.suspectedCase]!.threshold = .count(3) }
        let id = try chain.propose(.suspectedCase, by: "B", data: report())
        try chain.vote(id, by: "A")
        let removeC = try chain.propose(.removeMember, by: "A", data: ["name": "C"])
        try chain.vote(removeC, by: "B")
        try chain.vote(removeC, by: "S")
        #expect(chain.state.members["C"] == nil)
        #expect(chain.state.proposals[id]?.status.name == "rejected")
    }

    @Test func admittingAMemberRaisesTheBarForPendingProposals() throws {
        // A 2/3 proposal from B needs 2 of A, C, S, but 3 of A, C, S, E once E is admitted.
        var chain = try makeChain()
        let peer = try ChainFixture(origin: "vigil.example/peer", members: [("P1", .member)], leader: "P1")
        let policy = try peer.policy(quorum: 1)
        let link = try chain.propose(.peerChain, by: "B", data: ["origin": "vigil.example/peer", "policy": .string(policy.text)])
        try chain.vote(link, by: "C")
        let e = ChainFixture.member("E")
        let admit = try chain.propose(.admitMember, by: "A", data: ["name": "E", "key": .string(e.key.description), "role": "member"])
        try chain.vote(admit, by: "B")
        try chain.vote(admit, by: "C")
        #expect(chain.state.members["E"] == e)
        #expect(chain.state.proposals[link]?.status == .pending)
        // Two approvals would have been enough before E joined; now 2/3 of A, C, S, E is 3.
        try chain.vote(link, by: "E")
        #expect(chain.state.proposals[link]?.status == .pending)
        try chain.vote(link, by: "A")
        #expect(chain.state.proposals[link]?.status == .accepted)
        #expect(chain.state.peers["vigil.example/peer"] != nil)
    }

    // MARK: Proposals accepted after the state changed

    /// The rules checked when a proposal is made must still hold when it is accepted: a removal
    /// proposed before its target became leader must not remove the leader.
    @Test func staleRemovalCannotRemoveTheLeader() throws {
        var chain = try ChainFixture(
            origin: rulesOrigin, members: [("A", .member), ("B", .member), ("C", .member), ("D", .member), ("S", .supervisor)], leader: "A")
        let removeB = try chain.propose(.removeMember, by: "C", data: ["name": "B"])
        let leaderB = try chain.propose(.leader, by: "A", data: ["leader": "B"])
        try chain.vote(leaderB, by: "C")
        try chain.vote(leaderB, by: "D")
        try chain.vote(leaderB, by: "S")
        #expect(chain.state.leader == "B")
        // 2/3 of A, B, D, S: 3 approvals.
        try? chain.vote(removeB, by: "A")
        try? chain.vote(removeB, by: "D")
        try? chain.vote(removeB, by: "S")
        #expect(chain.state.members[chain.state.leader] != nil, "leader \(chain.state.leader) is no longer a member")
    }

    /// A leader proposal accepted after its candidate was removed must not make a non-member
    /// the leader.
    @Test func staleLeaderProposalCannotElectARemovedMember() throws {
        var chain = try ChainFixture(
            origin: rulesOrigin, members: [("A", .member), ("B", .member), ("C", .member), ("D", .member), ("S", .supervisor)], leader: "A")
        let leaderD = try chain.propose(.leader, by: "A", data: ["leader": "D"])
        let removeD = try chain.propose(.removeMember, by: "A", data: ["name": "D"])
        try chain.vote(removeD, by: "B")
        try chain.vote(removeD, by: "C")
        try chain.vote(removeD, by: "S")
        #expect(chain.state.members["D"] == nil)
        try? chain.vote(leaderD, by: "B")
        try? chain.vote(leaderD, by: "C")
        try? chain.vote(leaderD, by: "S")
        #expect(chain.state.members[chain.state.leader] != nil, "leader \(chain.state.leader) is not a member")
    }

    /// Two pending admissions of one name: accepting the second must not replace the key of the
    /// member the first admitted.
    @Test func staleAdmissionCannotReplaceAMembersKey() throws {
        var chain = try makeChain()
        let e1 = ChainFixture.member("E")
        let e2 = Member(name: "E", key: try forgedKey("E").verifierKey, role: .supervisor)
        let first = try chain.propose(.admitMember, by: "A", data: ["name": "E", "key": .string(e1.key.description), "role": "member"])
        let second = try chain.propose(.admitMember, by: "A", data: ["name": "E", "key": .string(e2.key.description), "role": "supervisor"])
        try chain.vote(first, by: "B")
        try chain.vote(first, by: "C")
        #expect(chain.state.members["E"] == e1)
        try? chain.vote(second, by: "B")
        try? chain.vote(second, by: "C")
        try? chain.vote(second, by: "S")
        #expect(chain.state.members["E"] == e1, "E's key and role were replaced by a second admission")
    }
}

// MARK: - Layers, sharing and evidence

extension ChainRejectionTests {
@Suite struct Links {
    private static let childOrigin = "vigil.example/child"

    /// A child chain (CA leads, CB reports, S supervises) with an accepted report, and the parent
    /// rules chain registering it with a quorum of `quorum` of its members.
    private func layers(quorum: Int = 2) throws -> (child: ChainFixture, caseID: EntryHash, parent: ChainFixture) {
        var child = try ChainFixture(origin: Self.childOrigin, members: [("CA", .member), ("CB", .member), ("S", .supervisor)], leader: "CA")
        let id = try child.propose(.suspectedCase, by: "CB", data: report("child-1"))
        try child.vote(id, by: "CA")
        try child.vote(id, by: "S")
        #expect(child.state.proposals[id]?.status == .accepted)
        let policy = try child.policy(quorum: quorum)
        let parent = try makeChain { $0.children = [LinkedChain(origin: Self.childOrigin, policy: policy)] }
        return (child, id, parent)
    }

    /// The relay body for the child's genesis, `proposal` and its votes (or for `indices`), with a
    /// checkpoint cosigned by `cosigners`.
    private func relayBody(_ child: ChainFixture, _ proposal: EntryHash, cosigners: [String] = ["CA", "S"], indices: [Int]? = nil) throws -> JSONValue {
        let p = child.entries.firstIndex { $0.hash == proposal }!
        let votes = child.entries.indices.filter { child.entries[$0].kind == .vote && child.entries[$0].body["proposal"] == .string(proposal.hex) }
        let chosen = indices ?? [0, p] + votes
        return try RecordBundle.body(
            from: child.state.origin, entries: chosen.map { child.entries[$0] }, indices: chosen.map { LeafIndex(UInt64($0)) },
            store: child.store, checkpoint: try child.checkpoint(cosigners: cosigners))
    }

    @Test func validRelayIsAccepted() throws {
        let (child, id, registered) = try layers()
        var parent = registered
        let relay = try parent.append(.relay, by: "S", body: try relayBody(child, id))
        #expect(parent.state.proposals[relay.hash]?.relayedFrom == Self.childOrigin)
        #expect(parent.state.proposals[relay.hash]?.status == .pending)
        // Parent members vote on it as on any report (S relayed it, so A, B, C vote).
        try parent.vote(relay.hash, by: "A")
        try parent.vote(relay.hash, by: "B")
        #expect(parent.state.proposals[relay.hash]?.status == .accepted)
        #expect(parent.state.credits["S"] == parent.state.genesis.credits.reportAccepted)
    }

    @Test func relayFromAnUnregisteredChildIsRejected() throws {
        let (child, id, _) = try layers()
        var orphan = try makeChain()
        try expectRefused(.relay, by: "S", body: try relayBody(child, id), on: &orphan, .rejectedEntry, because: "not a registered child")
        var (_, _, parent) = try layers()
        try expectRefused(
            .relay, by: "S", body: try relayBody(child, id).replacing(["from"], with: "vigil.example/stranger"), on: &parent, .rejectedEntry, because: "not a registered child")
    }

    @Test func relayWhoseCheckpointMissesTheChildQuorumIsRejected() throws {
        let (child, id, strict) = try layers(quorum: 3)
        var parent = strict
        try expectRefused(.relay, by: "S", body: try relayBody(child, id, cosigners: ["CA", "S"]), on: &parent, .rejectedEntry, because: "quorum")
        let (child2, id2, lenient) = try layers(quorum: 2)
        var parent2 = lenient
        try expectRefused(.relay, by: "S", body: try relayBody(child2, id2, cosigners: ["CA"]), on: &parent2, .rejectedEntry, because: "quorum")
        try expectRefused(.relay, by: "S", body: try relayBody(child2, id2, cosigners: []), on: &parent2, .rejectedEntry, because: "quorum")
        // Cosignatures by keys the child's policy does not know do not count.
        try expectRefused(.relay, by: "S", body: try relayBody(child2, id2, cosigners: ["CA", "Mallory"]), on: &parent2, .rejectedEntry, because: "quorum")
    }

    @Test func relayWithATamperedProofOrIndexIsRejected() throws {
        let (child, id, registered) = try layers()
        var parent = registered
        let body = try relayBody(child, id)
        let proofHash = try Hash(base64: body["records"]![1]!["proof"]![0]!.stringValue!)
        let tampered = body.replacing(["records", 1, "proof", 0], with: .string(proofHash.flipping(bit: 3).base64))
        try expectRefused(.relay, by: "S", body: tampered, on: &parent, .rejectedEntry, because: "is not in")
        let shortened = body.replacing(["records", 1, "proof", 0], with: nil)
        try expectRefused(.relay, by: "S", body: shortened, on: &parent, .rejectedEntry, because: "is not in")
        let index = body["records"]![1]!["index"]!.int64Value!
        for wrong in [index + 1, index - 1, 1000] {
            try expectRefused(
                .relay, by: "S", body: body.replacing(["records", 1, "index"], with: .number(Double(wrong))), on: &parent, .rejectedEntry, because: "is not in")
        }
        // A vote's proof carried by the proposal record.
        let voteProof = body["records"]![2]!["proof"]!
        try expectRefused(.relay, by: "S", body: body.replacing(["records", 1, "proof"], with: voteProof), on: &parent, .rejectedEntry, because: "is not in")
    }

    @Test func relayWhoseFirstRecordIsNotAProposalIsRejected() throws {
        let (child, id, registered) = try layers()
        var parent = registered
        let votes = child.entries.indices.filter { child.entries[$0].kind == .vote }
        try expectRefused(.relay, by: "S", body: try relayBody(child, id, indices: votes), on: &parent, .rejectedEntry, because: "starts with the child chain's genesis")
        try expectRefused(.relay, by: "S", body: try relayBody(child, id, indices: [0]), on: &parent, .rejectedEntry, because: "starts with the child chain's genesis")
        try expectRefused(.relay, by: "S", body: try relayBody(child, id, indices: [0] + votes), on: &parent, .rejectedEntry, because: "must be the relayed proposal")
        let p = child.entries.firstIndex { $0.hash == id }!
        try expectRefused(.relay, by: "S", body: try relayBody(child, id, indices: [0, votes[0], p]), on: &parent, .rejectedEntry, because: "in chain order")
        try expectRefused(.relay, by: "S", body: try relayBody(child, id, indices: [0, p, p] + votes), on: &parent, .rejectedEntry, because: "in chain order")
    }

    @Test func relayWithRecordsThatAreNotVotesOnItIsRejected() throws {
        var (child, id, parent) = try layers()
        let order = try child.order(by: "CA", to: ["all"], text: "report daily")
        let p = child.entries.firstIndex { $0.hash == id }!
        let o = child.entries.firstIndex { $0.hash == order.hash }!
        try expectRefused(.relay, by: "S", body: try relayBody(child, id, indices: [0, p, o]), on: &parent, .rejectedEntry, because: "must be votes on it")
    }

    /// A report endorsed by a member the child admitted after its genesis: the relay carries the
    /// admission and its votes, so the parent replays the membership the endorsement needed.
    @Test func aRelayCarriesTheAdmissionOfALaterEndorser() throws {
        var child = try ChainFixture(origin: Self.childOrigin, members: [("CA", .member), ("CB", .member), ("S", .supervisor)], leader: "CA")
        let newcomer = ChainFixture.member("CD")
        let admission = try child.propose(.admitMember, by: "CA", data: ["name": "CD", "key": .string(newcomer.key.description), "role": "member"])
        try child.vote(admission, by: "CB")
        try child.vote(admission, by: "S")
        #expect(child.state.members["CD"] == newcomer)
        let id = try child.propose(.suspectedCase, by: "CB", data: report("child-2"))
        try child.vote(id, by: "CD")
        try child.vote(id, by: "S")
        #expect(child.state.proposals[id]?.status == .accepted)
        let parentRules = try makeChain { $0.children = [LinkedChain(origin: Self.childOrigin, policy: try! child.policy(quorum: 2))] }
        let at = { (hash: EntryHash) in child.entries.firstIndex { $0.hash == hash }! }
        let admissionRecords = child.entries.indices.filter { i in
            i == at(admission) || (child.entries[i].kind == .vote && child.entries[i].body["proposal"] == .string(admission.hex))
        }
        let reportRecords = child.entries.indices.filter { i in
            i == at(id) || (child.entries[i].kind == .vote && child.entries[i].body["proposal"] == .string(id.hex))
        }
        // Without the admission, CD's vote is not valid under the child's genesis.
        var parent = parentRules
        try expectRefused(
            .relay, by: "S", body: try relayBody(child, id, cosigners: ["CA", "S"], indices: [0] + reportRecords), on: &parent, .rejectedEntry,
            because: "not valid under \(Self.childOrigin)'s rules")
        let relay = try parent.append(.relay, by: "S", body: try relayBody(child, id, cosigners: ["CA", "S"], indices: [0] + admissionRecords + reportRecords))
        #expect(parent.state.proposals[relay.hash]?.relayedFrom == Self.childOrigin)
        // Any other kind of record between them is still refused.
        var other = parentRules
        let order = try child.order(by: "CA", to: ["all"], text: "report daily")
        try expectRefused(
            .relay, by: "S", body: try relayBody(child, id, cosigners: ["CA", "S"], indices: [0] + admissionRecords + reportRecords + [at(order.hash)]),
            on: &other, .rejectedEntry, because: "must be votes on it")
    }

    /// A log registered as the child whose first entry is a config that is no valid genesis.
    @Test func aRelayWhoseGenesisIsInvalidIsRejected() throws {
        let genesis = Genesis(origin: Self.childOrigin, members: [ChainFixture.member("CA"), ChainFixture.member("S", .supervisor)], leader: "Nobody")
        let bad = try Entry.sign(chain: Self.childOrigin, kind: .config, author: ChainFixture.key(for: "S"), time: 1_700_000_000, body: genesis.json)
        let proposal = try Entry.sign(
            chain: Self.childOrigin, kind: .proposal, author: ChainFixture.key(for: "CA"), time: 1_700_000_001,
            body: ["subject": "suspected-case", "data": report("child-3")])
        var store = InMemoryHashStore()
        store.append(contentsOf: [bad.hash, proposal.hash])
        let checkpoint = try Checkpoint(origin: Self.childOrigin, size: store.tree.size, root: store.tree.root)
            .signed(by: [ChainFixture.logKey(origin: Self.childOrigin)])
            .signed(by: ["CA", "S"].map { ChainFixture.key(for: $0).withType(.cosignature) }, timestamp: 1_700_000_000)
        let body = try RecordBundle.body(from: Self.childOrigin, entries: [bad, proposal], indices: [0, 1], store: store, checkpoint: checkpoint)
        let (child, _, _) = try layers()
        var parent = try makeChain { $0.children = [LinkedChain(origin: Self.childOrigin, policy: try! child.policy(quorum: 2))] }
        try expectRefused(.relay, by: "S", body: body, on: &parent, .rejectedEntry, because: "relayed genesis of \(Self.childOrigin)")
    }

    @Test func relayOfANonReportProposalIsRejected() throws {
        var (child, _, parent) = try layers()
        let stage = try child.propose(.stage, by: "CB", data: ["stage": "alert"])
        try child.vote(stage, by: "CA")
        try child.vote(stage, by: "S")
        try expectRefused(.relay, by: "S", body: try relayBody(child, stage), on: &parent, .rejectedEntry, because: "only suspected-case and alert")
    }

    @Test func relayOfTheSameRecordTwiceIsRejected() throws {
        var (child, id, parent) = try layers()
        try parent.append(.relay, by: "S", body: try relayBody(child, id))
        // Later, with a newer checkpoint and another author.
        try child.order(by: "CA", to: ["all"], text: "report daily")
        try expectRefused(.relay, by: "S", body: try relayBody(child, id), on: &parent, .rejectedEntry, because: "already relayed")
        // Only a supervisor of the child may relay from it.
        try expectRefused(.relay, by: "A", body: try relayBody(child, id, cosigners: ["CA", "CB", "S"]), on: &parent, .rejectedEntry, because: "not a supervisor of")
        // The proposal without the votes that accepted it does not show it was accepted.
        let p = child.entries.firstIndex { $0.hash == id }!
        try expectRefused(.relay, by: "S", body: try relayBody(child, id, indices: [0, p]), on: &parent, .rejectedEntry, because: "not accepted")
    }

    // MARK: Sharing

    private static let peerOrigin = "vigil.example/peer"

    private func peerChain() throws -> ChainFixture {
        var peer = try ChainFixture(origin: Self.peerOrigin, members: [("P1", .member), ("P2", .member)], leader: "P1")
        try peer.order(by: "P1", to: ["all"], text: "watch the river district")
        return peer
    }

    private func shareBody(_ peer: ChainFixture) throws -> JSONValue {
        try RecordBundle.body(
            from: Self.peerOrigin, entries: [peer.entries[1]], indices: [1], store: peer.store, checkpoint: try peer.checkpoint(cosigners: ["P1", "P2"]))
    }

    @Test func shareFromANonPeerIsRejected() throws {
        let peer = try peerChain()
        var chain = try makeChain()
        try expectRefused(.share, by: "B", body: try shareBody(peer), on: &chain, .rejectedEntry, because: "not a registered peer")
    }

    @Test func shareFromAPeerAdmittedByVoteIsAccepted() throws {
        let peer = try peerChain()
        var chain = try makeChain()
        let link = try chain.propose(
            .peerChain, by: "A", data: ["origin": .string(Self.peerOrigin), "policy": .string(try peer.policy(quorum: 2).text)])
        // Before the vote: refused.
        try expectRefused(.share, by: "B", body: try shareBody(peer), on: &chain, .rejectedEntry, because: "not a registered peer")
        try chain.vote(link, by: "B")
        try chain.vote(link, by: "C")
        #expect(chain.state.peers[Self.peerOrigin] != nil)
        let share = try chain.append(.share, by: "B", body: try shareBody(peer))
        #expect(chain.state.shared.count == 1)
        #expect(chain.state.shared.first?.peer == Self.peerOrigin)
        #expect(chain.state.shared.first?.entry == share.hash)
        #expect(chain.state.shared.first?.records == [peer.entries[1].hash])
        // A share whose checkpoint misses the peer's quorum is still refused.
        let weak = try RecordBundle.body(
            from: Self.peerOrigin, entries: [peer.entries[1]], indices: [1], store: peer.store, checkpoint: try peer.checkpoint(cosigners: ["P1"]))
        try expectRefused(.share, by: "C", body: weak, on: &chain, .rejectedEntry, because: "quorum")
    }

    // MARK: Evidence

    private func checkpoint(size: UInt64 = 5, root: UInt8, origin: String = rulesOrigin, signer: SignerKey, timestamp: UInt64 = 1_700_000_000) throws -> String {
        try Checkpoint(origin: origin, size: TreeSize(size), root: try Hash(bytes: [UInt8](repeating: root, count: 32)))
            .signed(by: [signer], timestamp: timestamp).formatted
    }

    private func evidenceBody(_ notes: [String]) -> JSONValue { ["checkpoints": .array(notes.map { .string($0) })] }

    @Test func evidenceWithoutAConflictIsRejected() throws {
        var chain = try makeChain()
        let b = ChainFixture.key(for: "B")
        let sameRoot = [try checkpoint(root: 1, signer: b), try checkpoint(root: 1, signer: b, timestamp: 7)]
        try expectRefused(.evidence, by: "A", body: evidenceBody(sameRoot), on: &chain, .rejectedEntry, because: "do not conflict")
        let sizes = [try checkpoint(size: 5, root: 1, signer: b), try checkpoint(size: 6, root: 2, signer: b)]
        try expectRefused(.evidence, by: "A", body: evidenceBody(sizes), on: &chain, .rejectedEntry, because: "do not conflict")
        let elsewhere = [try checkpoint(root: 1, origin: "vigil.example/elsewhere", signer: b), try checkpoint(root: 2, origin: "vigil.example/elsewhere", signer: b)]
        try expectRefused(.evidence, by: "A", body: evidenceBody(elsewhere), on: &chain, .rejectedEntry, because: "not of this chain")
        try expectRefused(.evidence, by: "A", body: evidenceBody([try checkpoint(root: 1, signer: b)]), on: &chain, .malformedEntry)
        try expectRefused(.evidence, by: "A", body: evidenceBody(["not a note", "neither"]), on: &chain, .rejectedEntry, because: "evidence checkpoint")
    }

    @Test func evidenceSignedByANonMemberIsRejected() throws {
        var chain = try makeChain()
        let mallory = ChainFixture.key(for: "Mallory")
        try expectRefused(
            .evidence, by: "A", body: evidenceBody([try checkpoint(root: 1, signer: mallory), try checkpoint(root: 2, signer: mallory)]),
            on: &chain, .rejectedEntry, because: "valid signature")
        // A forged key that carries a member's name.
        let forged = try forgedKey("B")
        try expectRefused(
            .evidence, by: "A", body: evidenceBody([try checkpoint(root: 1, signer: forged), try checkpoint(root: 2, signer: forged)]),
            on: &chain, .rejectedEntry, because: "valid signature")
        // Two members, one checkpoint each: nobody signed both.
        try expectRefused(
            .evidence, by: "A",
            body: evidenceBody([try checkpoint(root: 1, signer: ChainFixture.key(for: "B")), try checkpoint(root: 2, signer: ChainFixture.key(for: "C"))]),
            on: &chain, .rejectedEntry, because: "valid signature")
    }

    @Test(arguments: ["note key", "cosignature key", "one of each"])
    func validEvidenceDebitsTheOffender(_ keys: String) throws {
        var chain = try makeChain()
        let note = ChainFixture.key(for: "B")
        let cosign = note.withType(.cosignature)
        let signers: (SignerKey, SignerKey) = switch keys {
        case "note key": (note, note)
        case "cosignature key": (cosign, cosign)
        default: (note, cosign)
        }
        let notes = [try checkpoint(root: 1, signer: signers.0), try checkpoint(root: 2, signer: signers.1)]
        let entry = try chain.append(.evidence, by: "A", body: evidenceBody(notes))
        #expect(chain.state.credits["B"] == chain.state.genesis.credits.evidenceOfLying)
        #expect(chain.state.equivocations.map(\.offender) == ["B"])
        #expect(chain.state.equivocations.first?.size == 5)
        #expect(chain.state.equivocations.first?.entry == entry.hash)
        // The same evidence again, from someone else or with the checkpoints swapped, is refused.
        try expectRefused(.evidence, by: "C", body: evidenceBody(notes), on: &chain, .rejectedEntry, because: "already recorded")
        try expectRefused(.evidence, by: "A", body: evidenceBody(notes.reversed()), on: &chain, .rejectedEntry, because: "already recorded")
        // Another pair at the same size is the same lie.
        try expectRefused(
            .evidence, by: "C", body: evidenceBody([try checkpoint(root: 3, signer: note), try checkpoint(root: 4, signer: note)]),
            on: &chain, .rejectedEntry, because: "already recorded")
        // The exact entry replayed.
        expectRefused(entry, by: chain, .rejectedEntry, because: "already on the chain")
        #expect(chain.state.credits["B"] == chain.state.genesis.credits.evidenceOfLying)
    }
}
}

// MARK: Health-code keys

@Suite struct CodeKeyTests {
    private static func keyData(_ kid: String, region: String = "sz/ft", seed: UInt8, nbf: Int64 = 1_700_000_000, exp: Int64 = 1_900_000_000) -> JSONValue {
        .object([
            "region": .string(region), "kid": .string(kid), "x": .string(Base64URL.encode([UInt8](repeating: seed, count: 32))),
            "nbf": .number(Double(nbf)), "exp": .number(Double(exp)),
        ])
    }

    @Test func anAcceptedCodeKeyIsInTheTrustListAndMayOnlyBeShortened() throws {
        var chain = try makeChain()
        let before = chain.state.digest
        let id = try chain.propose(.codeKey, by: "B", data: Self.keyData("ft-2026", seed: 7))
        try chain.vote(id, by: "A")
        #expect(chain.state.codeKeys.isEmpty, "2 of 3 eligible voters are needed")
        try chain.vote(id, by: "C")
        let key = try #require(chain.state.codeKeys["ft-2026"])
        #expect(key.region == "sz/ft" && key.publicKey == [UInt8](repeating: 7, count: 32) && key.notAfter == 1_900_000_000)
        #expect(chain.state.digest != before)

        // Retiring it early is allowed; extending it, moving it or re-keying it is not.
        try expectRefused(
            .proposal, by: "B", body: proposalBody(.codeKey, Self.keyData("ft-2026", seed: 7, exp: 2_000_000_000)),
            on: &chain, .rejectedEntry, because: "may only shorten")
        try expectRefused(
            .proposal, by: "B", body: proposalBody(.codeKey, Self.keyData("ft-2026", region: "sz/lh", seed: 7)),
            on: &chain, .rejectedEntry, because: "may only shorten")
        try expectRefused(
            .proposal, by: "B", body: proposalBody(.codeKey, Self.keyData("ft-2026", seed: 8)), on: &chain, .rejectedEntry, because: "may only shorten")
        try expectRefused(
            .proposal, by: "B", body: proposalBody(.codeKey, Self.keyData("ft-other", seed: 7)), on: &chain, .rejectedEntry,
            because: "already accepted as code key ft-2026")
        let retire = try chain.propose(.codeKey, by: "C", data: Self.keyData("ft-2026", seed: 7, exp: 1_800_000_000))
        try chain.vote(retire, by: "A")
        try chain.vote(retire, by: "B")
        #expect(chain.state.codeKeys["ft-2026"]?.notAfter == 1_800_000_000)
    }

    @Test func twoPendingKeysForOneKidCannotBothBeAccepted() throws {
        var chain = try makeChain()
        let first = try chain.propose(.codeKey, by: "B", data: Self.keyData("ft-2026", seed: 1))
        let second = try chain.propose(.codeKey, by: "C", data: Self.keyData("ft-2026", seed: 2))
        try chain.vote(first, by: "A")
        try chain.vote(first, by: "C")
        try chain.vote(second, by: "A")
        try chain.vote(second, by: "B")
        #expect(chain.state.codeKeys["ft-2026"]?.publicKey == [UInt8](repeating: 1, count: 32))
        #expect(chain.state.proposals[second]?.status.name == "rejected")
    }

    @Test func malformedCodeKeysAreRefused() throws {
        var chain = try makeChain()
        let good = Self.keyData("k1", seed: 3)
        guard case .object(let fields) = good else { return }
        let cases: [(String, JSONValue, String)] = [
            ("short key", .string(Base64URL.encode([1, 2, 3])), "32-byte"),
            ("padding", .string(Base64URL.encode([UInt8](repeating: 3, count: 32)) + "="), "32-byte"),
            ("standard base64", .string("+" + Base64URL.encode([UInt8](repeating: 3, count: 32)).dropFirst()), "32-byte"),
        ]
        for (name, x, reason) in cases {
            var data = fields
            data["x"] = x
            try expectRefused(.proposal, by: "B", body: proposalBody(.codeKey, .object(data)), on: &chain, .malformedEntry, because: reason)
            _ = name
        }
        var backwards = fields
        backwards["exp"] = .number(1_600_000_000)
        try expectRefused(.proposal, by: "B", body: proposalBody(.codeKey, .object(backwards)), on: &chain, .malformedEntry, because: "later than nbf")
        var region = fields
        region["region"] = .string("Shenzhen Futian")
        try expectRefused(.proposal, by: "B", body: proposalBody(.codeKey, .object(region)), on: &chain, .malformedEntry, because: "region")
        var extra = fields
        extra["name"] = .string("someone")
        try expectRefused(.proposal, by: "B", body: proposalBody(.codeKey, .object(extra)), on: &chain, .malformedEntry)
    }

    @Test func base64URLRoundTripsAndRefusesNonCanonicalText() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes, "length \(length)")
        }
        #expect(Base64URL.decode("AQ") == [1])
        #expect(Base64URL.decode("AR") == nil, "unused bits set")
        #expect(Base64URL.decode("A") == nil)
        #expect(Base64URL.decode("AQ==") == nil)
    }
}
