import Crypto
import Testing
import VigilLedger
import VigilTestSupport

// Replay determinism (issue 3: "random valid histories give the same digest regardless of how
// they are split or re-replayed"), "replay never traps on any input", the privacy helpers and
// the entry format.

// MARK: - Random valid histories

private let replayOrigin = "vigil.example/replay"

/// A random but valid history built through ``ChainFixture`` from a seed: proposals of every
/// subject, votes, vetoes, orders, outcomes, stage and leader changes, admissions, removals,
/// evidence and jumps of the clock. Every choice is made from sorted names, so the same seed
/// gives the same history in any process.
private struct RandomHistory {
    var chain: ChainFixture
    var rng: SeededGenerator
    let seed: UInt64
    var admitted = 0
    var reports = 0

    init(seed: UInt64) throws {
        self.seed = seed
        rng = SeededGenerator(seed: seed)
        chain = try ChainFixture(
            origin: replayOrigin,
            members: [("A", .member), ("B", .member), ("C", .member), ("D", .member), ("S", .supervisor), ("T", .supervisor), ("O", .observer)],
            leader: "A"
        ) { genesis in
            genesis.policies[.alert]!.threshold = .fraction(1, 2)
            genesis.policies[.suspectedCase]!.threshold = .count(2)
            genesis.policies[.peerChain]!.supervisorApproval = true
            genesis.orderRights[.recovery] = ["leader"]
        }
    }

    /// Builds a history of `count` entries (genesis included).
    static func build(seed: UInt64, count: Int) throws -> ChainFixture {
        var history = try RandomHistory(seed: seed)
        var attempts = 0
        while history.chain.entries.count < count && attempts < count * 20 {
            history.step()
            attempts += 1
        }
        return history.chain
    }

    private mutating func pick<T>(_ items: [T]) -> T? { items.randomElement(using: &rng) }
    private mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    private var voters: [String] { chain.state.members.values.filter(\.votes).map(\.name).sorted() }
    private var supervisors: [String] { chain.state.members.values.filter { $0.role == .supervisor }.map(\.name).sorted() }
    private var everyone: [String] { chain.state.members.keys.sorted() }

    mutating func step() {
        let roll = Int.random(in: 0..<100, using: &rng)
        switch roll {
        case 0..<32: vote()
        case 32..<43: report()
        case 43..<50: alert()
        case 50..<54: stage()
        case 54..<58: leader()
        case 58..<62: admit()
        case 62..<64: remove()
        case 64..<70: veto()
        case 70..<80: order()
        case 80..<88: outcome()
        case 88..<91: evidence()
        case 91..<94: jump()
        default: invalid()
        }
    }

    private mutating func deadline() -> Int64? {
        chance(30) ? chain.time + Int64.random(in: 2...40, using: &rng) : nil
    }

    mutating func vote() {
        guard let proposal = pick(chain.state.proposals(withStatus: "pending")) else { return }
        let open = voters.filter { $0 != proposal.author && proposal.votes[$0] == nil }
        guard let voter = pick(open) else { return }
        let reason: String? = chance(20) ? pick(["seen at the clinic", "no such record", "matches our data"]) : nil
        try? chain.vote(proposal.id, by: voter, approve: chance(75), reason: reason)
    }

    mutating func report() {
        guard let author = pick(voters) else { return }
        reports += 1
        let data = ChainFixture.suspectedCase(
            nationalID: "id-\(seed)-\(reports)", community: pick(["riverside", "hillside", "harbour"])!,
            syndrome: pick(["ili", "fever", "diarrhoea"])!, onset: "2026-11-\(10 + reports % 19)")
        _ = try? chain.propose(.suspectedCase, by: author, data: data, deadline: deadline())
    }

    mutating func alert() {
        guard let author = pick(voters) else { return }
        let data: JSONValue = [
            "community": .string(pick(["riverside", "hillside"])!), "syndrome": "ili", "method": .string(pick(["ears-c2", "farrington-flexible"])!),
            "date": "2026-11-20", "observed": .number(Double(Int.random(in: 0...50, using: &rng))),
            "upperboundMilli": .number(Double(Int.random(in: 0...40_000, using: &rng))),
        ]
        _ = try? chain.propose(.alert, by: author, data: data, deadline: deadline())
    }

    mutating func stage() {
        let current = chain.state.stage
        guard let author = pick(voters), let target = pick(Stage.allCases.filter { $0 != current }) else { return }
        _ = try? chain.propose(.stage, by: author, data: ["stage": .string(target.rawValue)], deadline: deadline())
    }

    mutating func leader() {
        let current = chain.state.leader
        guard let author = pick(voters), let candidate = pick(voters.filter { $0 != current }) else { return }
        _ = try? chain.propose(.leader, by: author, data: ["leader": .string(candidate)])
    }

    mutating func admit() {
        guard let author = pick(voters) else { return }
        admitted += 1
        let name = "N\(admitted)"
        let role = pick([MemberRole.member, .member, .supervisor, .observer])!
        _ = try? chain.propose(
            .admitMember, by: author, data: ["name": .string(name), "key": .string(ChainFixture.member(name).key.description), "role": .string(role.rawValue)])
    }

    mutating func remove() {
        let current = chain.state.leader
        guard let author = pick(voters), let target = pick(everyone.filter { $0 != current && $0 != author }) else { return }
        _ = try? chain.propose(.removeMember, by: author, data: ["name": .string(target)])
    }

    mutating func veto() {
        let reports = chain.state.proposals(withStatus: "pending").filter { $0.payload.isReport }
        guard let supervisor = pick(supervisors), let target = pick(reports) else { return }
        try? chain.veto(target.id, by: supervisor, reason: pick(["false report", "out of the district", "duplicate"])!)
    }

    mutating func order() {
        let author = chance(60) ? chain.state.leader : (pick(supervisors) ?? chain.state.leader)
        let others = everyone.filter { $0 != author }
        let to = chance(50) || others.isEmpty ? ["all"] : Array(others.filter { _ in chance(50) }.prefix(3))
        _ = try? chain.order(by: author, to: to.isEmpty ? ["all"] : to, text: pick(["screen building 3", "report daily", "close the market"])!)
    }

    mutating func outcome() {
        let open = chain.state.proposals(withStatus: "accepted").filter { $0.payload.isReport && $0.outcome == nil }
        guard let target = pick(open), let author = pick(voters.filter { $0 != target.author }) else { return }
        _ = try? chain.append(.outcome, by: author, body: ["proposal": .string(target.id.hex), "result": chance(60) ? "confirmed" : "ruled-out"])
    }

    mutating func evidence() {
        guard let offender = pick(everyone), let author = pick(voters) else { return }
        let size = TreeSize(UInt64.random(in: 1...1000, using: &rng))
        let key = ChainFixture.key(for: offender)
        let signers = chance(50) ? key : key.withType(.cosignature)
        let notes: [JSONValue] = (1...2).map { root in
            let checkpoint = try! Checkpoint(origin: replayOrigin, size: size, root: try! Hash(bytes: [UInt8](repeating: UInt8(root), count: 32)))
            return .string(try! checkpoint.signed(by: [signers], timestamp: 1_700_000_000).formatted)
        }
        _ = try? chain.append(.evidence, by: author, body: ["checkpoints": .array(notes)])
    }

    /// An order far in the future: pending proposals past their deadline expire.
    mutating func jump() {
        let time = chain.time + Int64.random(in: 1_000...200_000, using: &rng)
        _ = try? chain.append(.order, by: chain.state.leader, body: ["to": ["all"], "text": "new reporting period"], time: time)
    }

    /// Something the state refuses (a double vote, a vote by the author, an order by a plain
    /// member): the fixture keeps only valid entries, so these must leave no trace.
    mutating func invalid() {
        let before = chain.state.digest
        if let proposal = pick(chain.state.proposals(withStatus: "pending")) {
            try? chain.vote(proposal.id, by: proposal.author)
        }
        _ = try? chain.order(by: "O", to: ["all"], text: "observers do not order")
        if chain.state.digest != before { Issue.record("a refused entry changed the state") }
    }
}

private let historySeeds: [UInt64] = [1, 2, 3, 0xC0FFEE]
private let historyLength = 110

/// The histories, built once for every test that reads them.
private let histories: [UInt64: ChainFixture] = Dictionary(uniqueKeysWithValues: historySeeds.map { seed in
    (seed, try! RandomHistory.build(seed: seed, count: historyLength))
})

/// The state after each prefix of `entries`: `states[k]` has applied `entries[0...k]`.
private func prefixStates(_ entries: [Entry]) throws -> [ChainState] {
    var state = try ChainState(genesis: entries[0])
    var states = [state]
    for entry in entries.dropFirst() {
        try state.apply(entry)
        states.append(state)
    }
    return states
}

/// The code of the error thrown by `body`, or nil; records an issue for an error that is not a
/// ``LedgerError`` or has no message.
private func ledgerErrorCode(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> LedgerError.Code? {
    do {
        try body()
        return nil
    } catch let error as LedgerError {
        #expect(!error.message.isEmpty, "\(error.code) without a message", sourceLocation: sourceLocation)
        return error.code
    } catch {
        Issue.record("not a LedgerError: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

// MARK: - JSON helpers

/// Writes a value as valid but non-canonical JSON: keys in reverse order, whitespace
/// everywhere, ASCII letters in strings as `\u00XX` escapes, `/` as `\/`, integers as `N.0`.
private func looseJSON(_ value: JSONValue) -> String {
    switch value {
    case .null, .bool:
        return " \(value.canonicalString)\t"
    case .number:
        let text = value.canonicalString
        return text.allSatisfy({ $0.isNumber || $0 == "-" }) ? " \(text).0 " : " \(text) "
    case .string(let s):
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += "\\/"
            case _ where scalar.value < 0x20 || (scalar.isASCII && scalar.properties.isAlphabetic):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex.uppercased()
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    case .array(let elements):
        return "[ " + elements.map(looseJSON).joined(separator: " ,\n ") + " ]"
    case .object(let members):
        return "{\r\n" + members.keys.sorted(by: >).map { looseJSON(.string($0)) + " :  " + looseJSON(members[$0]!) }.joined(separator: ",\n\t") + "\n}"
    }
}

/// Every path to a node of a JSON value, the root included.
private func allPaths(_ value: JSONValue, prefix: [JSONPathStep] = []) -> [[JSONPathStep]] {
    var paths = [prefix]
    switch value {
    case .object(let members):
        for key in members.keys.sorted() { paths += allPaths(members[key]!, prefix: prefix + [.key(key)]) }
    case .array(let elements):
        for (i, element) in elements.enumerated() { paths += allPaths(element, prefix: prefix + [.index(i)]) }
    default: break
    }
    return paths
}

private enum JSONPathStep {
    case key(String)
    case index(Int)
}

extension JSONValue {
    /// The value with the node at `path` replaced (or removed, for nil).
    fileprivate func replacingNode(_ path: ArraySlice<JSONPathStep>, with new: JSONValue?) -> JSONValue {
        guard let step = path.first else { return new ?? .null }
        let rest = path.dropFirst()
        switch (self, step) {
        case (.object(var members), .key(let key)):
            members[key] = rest.isEmpty ? new : members[key].map { $0.replacingNode(rest, with: new) }
            return .object(members)
        case (.array(var elements), .index(let i)) where elements.indices.contains(i):
            if rest.isEmpty {
                if let new { elements[i] = new } else { elements.remove(at: i) }
            } else {
                elements[i] = elements[i].replacingNode(rest, with: new)
            }
            return .array(elements)
        default:
            return self
        }
    }
}

/// Values that stress a body: wrong types, extreme numbers, long and odd strings, deep and wide
/// containers. (Not the fraction "9223372036854775807/9223372036854775807": it traps, see
/// ``ChainReplayTests/genesisWithAHugeFractionThresholdDoesNotTrap()``.)
private func weirdValue(_ rng: inout SeededGenerator) -> JSONValue {
    var deep: JSONValue = "bottom"
    for _ in 0..<Int.random(in: 1...58, using: &rng) { deep = chance(50, &rng) ? .array([deep]) : .object(["x": deep]) }
    let values: [JSONValue] = [
        .null, true, false, 0, -1, 1, 2, 0.5, -0.0, 1e300, -1e300, .number(Double.greatestFiniteMagnitude), 9_007_199_254_740_993.0,
        .number(-9_007_199_254_740_992), .number(Double(Int64.max)), 1e-300, 86_400, 1_700_000_000,
        "", " ", "all", "A", "S", "O", "Mallory", "majority", "1/3", "2/2", "0/0", "-1/2", "prevention", "response", "confirmed",
        "suspected-case", "stage", "leader", "admit-member", "peer-chain", "2026-02-29", "80+", "30-39",
        .string(String(repeating: "a", count: 10_000)), .string(String(repeating: "ab", count: 32)), .string(String(repeating: "0", count: 64)),
        "line\nbreak", "\u{0}", "\u{FFFD}\u{10FFFF}", "é", "e\u{301}", "Zhang San", "+", "-",
        .array([]), .array(Array(repeating: .null, count: 1500)), .array(Array(repeating: "A", count: 1001)),
        .object([:]), .object(Dictionary(uniqueKeysWithValues: (0..<300).map { ("k\($0)", JSONValue.number(Double($0))) })),
        deep,
    ]
    return values.randomElement(using: &rng)!
}

private func chance(_ percent: Int, _ rng: inout SeededGenerator) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

// MARK: - Tests

@Suite struct ChainReplayTests {
    // MARK: Determinism

    @Test(arguments: historySeeds)
    func replayGivesTheFixtureState(_ seed: UInt64) throws {
        let chain = try #require(histories[seed])
        #expect(chain.entries.count == historyLength)
        let result = ChainState.replay(chain.entries)
        #expect(result.rejection == nil, "\(result.rejection.map { "entry \($0.index): \($0.error.message)" } ?? "")")
        let state = try #require(result.state)
        #expect(state.digest == chain.state.digest)
        #expect(state.size == chain.entries.count)
        #expect(state.summary.canonicalBytes() == chain.state.summary.canonicalBytes())
        #expect(state.leader == chain.state.leader)
        #expect(state.stage == chain.state.stage)
        #expect(state.credits == chain.state.credits)
    }

    /// The histories are not trivial: together they reach every status, several stages and
    /// leaders, admissions, removals, outcomes, evidence and orders.
    @Test func historiesExerciseEveryRule() throws {
        var statuses = Set<String>()
        var kinds = Set<EntryKind>()
        var subjects = Set<Subject>()
        var proposed = Set<Subject>()
        var outcomes = 0
        var admittedOrRemoved = 0
        for seed in historySeeds {
            let chain = try #require(histories[seed])
            statuses.formUnion(chain.state.allProposals.map(\.status.name))
            kinds.formUnion(chain.entries.map(\.kind))
            subjects.formUnion(chain.state.proposals(withStatus: "accepted").map(\.subject))
            proposed.formUnion(chain.state.allProposals.map(\.subject))
            outcomes += chain.state.allProposals.filter { $0.outcome != nil }.count
            admittedOrRemoved += chain.state.proposals(withStatus: "accepted").filter { $0.subject == .admitMember || $0.subject == .removeMember }.count
        }
        #expect(statuses == ["pending", "accepted", "rejected", "vetoed", "expired"])
        #expect(kinds.isSuperset(of: [.config, .proposal, .vote, .veto, .order, .outcome, .evidence]))
        #expect(subjects.isSuperset(of: [.suspectedCase, .stage, .leader, .admitMember]), "accepted subjects: \(subjects)")
        #expect(proposed.isSuperset(of: [.suspectedCase, .alert, .stage, .leader, .admitMember, .removeMember]), "proposed: \(proposed)")
        #expect(outcomes > 0)
        #expect(admittedOrRemoved > 0)
    }

    @Test(arguments: historySeeds)
    func everySplitGivesTheSameDigest(_ seed: UInt64) throws {
        let entries = try #require(histories[seed]).entries
        let states = try prefixStates(entries)
        let final = states.last!.digest
        var rng = SeededGenerator(seed: seed ^ 0x5151)
        var splits: Set<Int> = [1, 2, entries.count / 2, entries.count - 1, entries.count]
        while splits.count < 10 { splits.insert(Int.random(in: 1...entries.count, using: &rng)) }
        for k in splits.sorted() {
            // A fresh replay of the prefix, then the rest applied to it.
            let prefix = ChainState.replay(Array(entries[..<k]))
            #expect(prefix.rejection == nil)
            var state = try #require(prefix.state)
            #expect(state.digest == states[k - 1].digest, "prefix of \(k)")
            for entry in entries[k...] { try state.apply(entry) }
            #expect(state.digest == final, "split at \(k)")
            #expect(state.size == entries.count)
        }
        // The rest in several chunks, each continuing the previous state.
        var state = states[0]
        var i = 1
        while i < entries.count {
            let end = min(entries.count, i + Int.random(in: 1...30, using: &rng))
            for entry in entries[i..<end] { try state.apply(entry) }
            #expect(state.digest == states[end - 1].digest)
            i = end
        }
        #expect(state.digest == final)
        // Every prefix has its own digest: the size alone tells them apart.
        #expect(Set(states.map(\.digest)).count == states.count)
    }

    @Test(arguments: historySeeds)
    func replayingTwiceGivesTheSameState(_ seed: UInt64) throws {
        let entries = try #require(histories[seed]).entries
        let first = try #require(ChainState.replay(entries).state)
        let second = try #require(ChainState.replay(entries).state)
        #expect(first.digest == second.digest)
        #expect(first.summary == second.summary)
        // Re-submitting any entry of the history changes nothing (idempotent by hash).
        var state = first
        for entry in entries.dropFirst() {
            #expect(throws: LedgerError(.rejectedEntry)) { try state.apply(entry) }
        }
        #expect(state.digest == first.digest)
    }

    /// What the genesis validation and the proposal rules guarantee must hold in every state a
    /// valid history reaches: the leader is a voting member, members' keys are distinct and
    /// named after them, every member has a balance, nothing pending is past its deadline.
    @Test(arguments: historySeeds)
    func stateInvariantsHoldAfterEveryEntry(_ seed: UInt64) throws {
        let entries = try #require(histories[seed]).entries
        for (i, state) in try prefixStates(entries).enumerated() {
            let problems = [
                state.members[state.leader]?.votes == true ? nil : "the leader \(state.leader) is not a voting member",
                Set(state.members.values.map(\.key.publicKey)).count == state.members.count ? nil : "two members share a key",
                state.members.allSatisfy({ $0.key == $0.value.name && $0.value.key.name == $0.key }) ? nil : "a member's key is named otherwise",
                state.members.keys.allSatisfy({ state.credits[$0] != nil }) ? nil : "a member has no balance",
                state.proposals(withStatus: "pending").allSatisfy({ $0.deadline >= state.clock }) ? nil : "a pending proposal is past its deadline",
            ].compactMap { $0 }
            guard problems.isEmpty else {
                let entry = entries[i]
                Issue.record("seed \(seed), after entry \(i) (\(entry.kind) by \(entry.author), body \(entry.body.canonicalString.prefix(120))): \(problems.joined(separator: "; "))")
                return
            }
        }
    }

    @Test func differentHistoriesHaveDifferentDigests() throws {
        let digests = try historySeeds.map { try #require(histories[$0]).state.digest }
        #expect(Set(digests).count == historySeeds.count)
    }

    @Test(arguments: historySeeds)
    func shuffledHistoryIsRejectedOrConsistent(_ seed: UInt64) throws {
        let entries = try #require(histories[seed]).entries
        var rng = SeededGenerator(seed: seed &* 31)
        var rejected = 0
        for round in 0..<8 {
            var shuffled = Array(entries.dropFirst())
            if round < 4 {
                shuffled.shuffle(using: &rng)
            } else {
                // Gentler: swap a few neighbours, which is often still a valid history.
                for _ in 0..<3 {
                    let i = Int.random(in: 0..<(shuffled.count - 1), using: &rng)
                    shuffled.swapAt(i, i + 1)
                }
            }
            shuffled.insert(entries[0], at: 0)
            let result = ChainState.replay(shuffled)
            let state = try #require(result.state)
            if let rejection = result.rejection {
                let (index, error) = (rejection.index, rejection.error)
                rejected += 1
                #expect(index >= 1 && index < shuffled.count)
                #expect([LedgerError.Code.rejectedEntry, .malformedEntry].contains(error.code), "\(error.code): \(error.message)")
                #expect(!error.message.isEmpty)
                // The state is the one the valid prefix gives, and the refused entry is refused
                // again from it.
                #expect(state.size == index)
                #expect(state.digest == ChainState.replay(Array(shuffled[..<index])).state?.digest)
                var again = state
                #expect(throws: LedgerError.self) { try again.apply(shuffled[index]) }
                #expect(again.digest == state.digest)
            } else {
                #expect(state.size == shuffled.count)
                #expect(ChainState.replay(shuffled).state?.digest == state.digest)
            }
            let bytes = state.summary.canonicalBytes()
            #expect(try JSONValue(parsing: bytes).canonicalBytes() == bytes)
        }
        #expect(rejected >= 4, "a full shuffle of a history puts some vote before its proposal")
    }

    @Test(arguments: historySeeds)
    func summaryIsCanonicalJSON(_ seed: UInt64) throws {
        let entries = try #require(histories[seed]).entries
        let states = try prefixStates(entries)
        for state in states where state.size % 10 == 1 || state.size == entries.count {
            let summary = state.summary
            try summary.validateForCanonicalization()
            let bytes = summary.canonicalBytes()
            let parsed = try JSONValue(parsing: bytes)
            #expect(parsed == summary)
            #expect(parsed.canonicalBytes() == bytes)
            #expect(state.digest.bytes == Array(SHA256.hash(data: bytes)))
            #expect(parsed["size"]?.int64Value == Int64(state.size))
            #expect(parsed["leader"]?.stringValue == state.leader)
            #expect(parsed["proposals"]?.arrayValue?.count == state.allProposals.count)
        }
    }

    /// The digest does not depend on the process: a child process (with its own hash seed, so
    /// its own dictionary order) builds and replays the same history and gets the same digest.
    @Test func digestIsTheSameInAnotherProcess() async throws {
        let digest = try #require(histories[historySeeds[0]]).state.digest.hex
        await #expect(processExitsWith: .success) { [digest = digest as String] in
            let chain = try! RandomHistory.build(seed: historySeeds[0], count: historyLength)
            guard ChainState.replay(chain.entries).state?.digest.hex == digest else { fatalError("another digest in another process") }
        }
    }

    // MARK: Replay never traps

    /// Random bytes, JSON-looking noise and byte-level mutations of valid entries, through
    /// `Entry(parsing:)` and `apply`: only ledger errors with messages, never a trap.
    @Test func randomAndMutatedBytesNeverTrap() throws {
        let entries = try #require(histories[historySeeds[1]]).entries
        let states = try prefixStates(entries)
        var rng = SeededGenerator(seed: 0xB17E5)
        let tokens = Array("{}[]:,\"\\ 0123456789.-+eEtruefalsnul/abcxyz\u{00}\n".utf8) + [0xC3, 0xA9, 0xFF, 0xED, 0xA0, 0x80]
        var parsed = 0
        var applied = 0
        for round in 0..<2500 {
            var input: [UInt8]
            var position = Int.random(in: 1..<entries.count, using: &rng)
            switch round % 3 {
            case 0:
                input = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 1:
                input = (0..<Int.random(in: 0...200, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }
            default:
                position = Int.random(in: 0..<entries.count, using: &rng)
                input = entries[position].bytes
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let i = Int.random(in: 0..<input.count, using: &rng)
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0: input[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                    case 1: input[i] = tokens.randomElement(using: &rng)!
                    case 2: input.remove(at: i)
                    case 3: input.insert(tokens.randomElement(using: &rng)!, at: i)
                    default: input = Array(input[..<i])
                    }
                    if input.isEmpty { break }
                }
            }
            var entry: Entry?
            _ = ledgerErrorCode { entry = try Entry(parsing: input) }
            guard let entry else { continue }
            parsed += 1
            var state = states[max(0, position - 1)]
            let before = state.digest
            if ledgerErrorCode({ try state.apply(entry) }) == nil {
                // Only the original entry, perhaps with whitespace added, can still be valid.
                #expect(entry.hash == entries[position].hash, "a mutated entry was applied: \(String(decoding: input, as: UTF8.self))")
                applied += 1
            } else {
                #expect(state.digest == before)
            }
            _ = ledgerErrorCode { _ = try ChainState(genesis: entry) }
        }
        #expect(parsed > 0)
        #expect(applied < parsed)
    }

    /// Valid entries with one field changed (type, extreme number, long string, deep or wide
    /// container, removal, an extra field), re-signed by their author so that the body rules
    /// are what decides, applied where the original stood.
    @Test func mutatedFieldsNeverTrap() throws {
        let entries = try #require(histories[historySeeds[2]]).entries
        let states = try prefixStates(entries)
        var rng = SeededGenerator(seed: 0xF1E1D)
        var outcomes: [String: Int] = [:]
        for round in 0..<700 {
            let position = round % 7 == 0 ? 0 : Int.random(in: 1..<entries.count, using: &rng)
            let original = entries[position]
            var json = try JSONValue(parsing: original.bytes)
            let paths = allPaths(json).filter { !$0.isEmpty }
            let path = paths.randomElement(using: &rng)!
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: json = json.replacingNode(path[...], with: nil)
            case 1:
                // An extra member next to an existing one (personal data, say).
                let parent = path.dropLast()
                json = json.replacingNode(parent + [.key("name")], with: "Zhang San")
            default: json = json.replacingNode(path[...], with: weirdValue(&rng))
            }
            var text = json.canonicalBytes()
            if chance(10, &rng) { text = Array(looseJSON(json).utf8) }
            var parsedEntry: Entry?
            if let code = ledgerErrorCode({ parsedEntry = try Entry(parsing: text) }) {
                outcomes["parse: \(code)", default: 0] += 1
                continue
            }
            let parsed = try #require(parsedEntry)
            // Re-sign with the (possibly changed) author's fixture key, keeping every field.
            let resigned = try Entry.sign(
                chain: parsed.chain, kind: parsed.kind, author: ChainFixture.key(for: parsed.author), time: parsed.time, body: parsed.body)
            if position == 0 {
                var genesisState: ChainState?
                if let code = ledgerErrorCode({ genesisState = try ChainState(genesis: resigned) }) {
                    outcomes["genesis: \(code)", default: 0] += 1
                    continue
                }
                // A changed genesis that is still valid: replay the start of the history on it
                // (proposals, votes and settling run under the changed policies).
                var state = try #require(genesisState)
                for entry in entries[1..<min(entries.count, 30)] { _ = ledgerErrorCode { try state.apply(entry) } }
                outcomes["genesis: accepted", default: 0] += 1
                continue
            }
            var state = states[position - 1]
            let before = state.digest
            for candidate in [parsed, resigned] {
                if let code = ledgerErrorCode({ try state.apply(candidate) }) {
                    #expect(state.digest == before, "a refused entry changed the state")
                    outcomes["apply: \(code)", default: 0] += 1
                } else {
                    outcomes["apply: accepted", default: 0] += 1
                    break
                }
            }
        }
        // Most changes are refused, and for more than one reason.
        #expect(outcomes.keys.filter { $0.hasPrefix("apply:") }.count >= 3, "\(outcomes)")
    }

    @Test func hugeAndNestedBodiesAreRefusedWithReasons() throws {
        let chain = try ChainFixture(origin: replayOrigin, members: [("A", .member), ("B", .member), ("C", .member)], leader: "A")
        let key = ChainFixture.key(for: "B")
        let nested = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        let text = #"{"v":1,"chain":"vigil.example/replay","kind":"order","author":"B","time":1,"sig":"\#(String(repeating: "A", count: 86))==","body":\#(nested)}"#
        #expect(ledgerErrorCode { _ = try Entry(parsing: Array(text.utf8)) } == .malformedJSON)
        let big = #"{"v":1,"body":""# + String(repeating: "x", count: Entry.maxSize) + #""}"#
        #expect(ledgerErrorCode { _ = try Entry(parsing: Array(big.utf8)) } == .malformedEntry)
        #expect(ledgerErrorCode {
            _ = try Entry.sign(chain: replayOrigin, kind: .order, author: key, time: 1, body: ["text": .string(String(repeating: "x", count: Entry.maxSize))])
        } == .malformedEntry)

        // Built in memory (no parser limits), signed, applied: refused by the body rules.
        var deep: JSONValue = "x"
        for _ in 0..<300 { deep = .array([deep]) }
        let bodies: [JSONValue] = [
            ["subject": "suspected-case", "data": deep],
            ["subject": "suspected-case", "data": .array(Array(repeating: deep, count: 3))],
            ["subject": "stage", "data": ["stage": deep]],
            ["subject": "suspected-case", "data": .object(Dictionary(uniqueKeysWithValues: (0..<2000).map { ("f\($0)", JSONValue.number(Double($0))) }))],
            ["subject": .string(String(repeating: "s", count: 100_000)), "data": [:]],
            ["subject": "alert", "data": ["community": "riverside", "syndrome": "ili", "method": "ears-c2", "date": "2026-11-20",
                                          "observed": 1e300, "upperboundMilli": .number(-Double.greatestFiniteMagnitude)]],
        ]
        for body in bodies {
            // Either signing refuses it (a body nested too deep would not read back as itself) or
            // the state refuses it by the body rules.
            let entry: Entry
            do {
                entry = try Entry.sign(chain: replayOrigin, kind: .proposal, author: key, time: chain.time, body: body)
            } catch {
                #expect(error.code == .malformedEntry)
                continue
            }
            var state = chain.state
            #expect(ledgerErrorCode { try state.apply(entry) } == .malformedEntry)
            #expect(state.digest == chain.state.digest)
        }
        let wideOrder = try Entry.sign(
            chain: replayOrigin, kind: .order, author: ChainFixture.key(for: chain.state.leader), time: chain.time,
            body: ["to": .array(Array(repeating: "B", count: 1001)), "text": "x"])
        var state = chain.state
        #expect(ledgerErrorCode { try state.apply(wideOrder) } == .malformedEntry)
    }

    /// A genesis fraction threshold such as `9223372036854775807/9223372036854775807` passes
    /// `0 < p <= q`, and `Threshold.needed` then computes `p * eligible + q - 1`, which
    /// overflows. Run in a child process so a trap fails this test only.
    @Test func genesisWithAHugeFractionThresholdDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            let huge = Int.max
            guard var chain = try? ChainFixture(
                origin: "vigil.example/huge", members: [("A", .member), ("B", .member), ("C", .member)], leader: "A",
                configure: { $0.policies[.alert]!.threshold = .fraction(huge, huge) })
            else { return }  // refusing the genesis is fine too
            _ = try? chain.propose(.alert, by: "B", data: [
                "community": "riverside", "syndrome": "ili", "method": "ears-c2", "date": "2026-11-20", "observed": 7, "upperboundMilli": 4200,
            ])
        }
    }

    /// `Entry.sign` accepts any `Int64` time; a proposal at the far end of time must be refused
    /// or applied, not trap on `time + deadline`.
    @Test func proposalAtTheEndOfTimeDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            var chain = try! ChainFixture(origin: "vigil.example/time", members: [("A", .member), ("B", .member), ("C", .member)], leader: "A")
            for time: Int64 in [Int64.max, Int64.max - 1, Int64.max - 86_400, 9_007_199_254_740_992, 9_007_199_254_740_991] {
                // Times beyond JSON's exact integers are refused at signing; the rest must apply
                // or be refused without trapping on `time + deadline`.
                guard let entry = try? Entry.sign(
                    chain: "vigil.example/time", kind: .proposal, author: ChainFixture.key(for: "B"), time: time,
                    body: ["subject": "leader", "data": ["leader": "C"]])
                else { continue }
                var state = chain.state
                try? state.apply(entry)
            }
            _ = try? chain.append(.order, by: "A", body: ["to": ["all"], "text": "x"], time: Int64.max - 1)
            _ = try? chain.append(.order, by: "A", body: ["to": ["all"], "text": "x"], time: 9_007_199_254_740_992)
        }
    }

    // MARK: Privacy helpers

    @Test func pseudonymIsHMACSHA256OfTheNationalID() throws {
        let cases: [(String, String)] = [
            ("area-1 secret for tests", "110101199001011234"), ("area-1 secret for tests", "110101199001011235"),
            ("", "x"), (String(repeating: "k", count: 200), "320102198002023456"), ("秘密", "身份证"),
        ]
        for (secret, id) in cases {
            let expected = HMAC<SHA256>.authenticationCode(for: Array(id.utf8), using: SymmetricKey(data: Array(secret.utf8)))
            #expect(Privacy.pseudonym(areaSecret: Array(secret.utf8), nationalID: id).bytes == Array(expected))
        }
        // Computed independently with:
        //   python3 -c "import hmac,hashlib; print(hmac.new(b'area-1 secret for tests',
        //     b'110101199001011234', hashlib.sha256).hexdigest())"
        // and likewise with b'area-2 secret'.
        let area1 = Privacy.pseudonym(areaSecret: Array("area-1 secret for tests".utf8), nationalID: "110101199001011234")
        #expect(area1.hex == "54695ecefc8a76edb47756bf675362de966625ff9d4a6ca1a170df2acf8f90cb")
        let area2 = Privacy.pseudonym(areaSecret: Array("area-2 secret".utf8), nationalID: "110101199001011234")
        #expect(area2.hex == "43a7aa322f7903e179223c6582754bdc8a7d1c9188f5a719f0899f4900b20339")
        // Another area's agencies cannot match the subject; another person is another subject.
        #expect(area1 != area2)
        #expect(area1 != Privacy.pseudonym(areaSecret: Array("area-1 secret for tests".utf8), nationalID: "110101199001011235"))
        // The fixture's reports carry exactly this pseudonym and not the id.
        let data = ChainFixture.suspectedCase(nationalID: "110101199001011234")
        #expect(data["pseudonym"]?.stringValue == area1.hex)
        #expect(!data.canonicalString.contains("110101199001011234"))
    }

    @Test func commitmentIsSHA256OfSaltAndRecord() throws {
        let salt = Array("0123456789abcdef".utf8)
        let record = Array("record of 110101199001011234".utf8)
        let commitment = Privacy.commitment(salt: salt, record: record)
        #expect(commitment.bytes == Array(SHA256.hash(data: salt + record)))
        // Computed independently with:
        //   python3 -c "import hashlib; print(hashlib.sha256(b'0123456789abcdef' +
        //     b'record of 110101199001011234').hexdigest())"
        #expect(commitment.hex == "55bc484e9fdb31e8fc36d7679e7e0de739cc61a7c2acc81b5e19f393a70a7feb")
        #expect(commitment != Privacy.commitment(salt: Array("0123456789abcdeF".utf8), record: record))
        #expect(commitment != Privacy.commitment(salt: salt, record: record + [0]))
        // The salt is what keeps a guessable record from being confirmed by hashing guesses.
        #expect(commitment.bytes != Array(SHA256.hash(data: record)))
    }

    // MARK: Entries

    @Test func entriesRoundTripThroughTheirBytes() throws {
        for seed in historySeeds {
            for entry in try #require(histories[seed]).entries {
                let parsed = try Entry(parsing: entry.bytes)
                #expect(parsed == entry)
                #expect(parsed.hash == entry.hash)
                #expect(parsed.bytes == entry.bytes)
            }
        }
    }

    @Test func nonCanonicalInputParsesToTheSameEntry() throws {
        let entries = try #require(histories[historySeeds[0]]).entries
        for entry in entries.prefix(40) {
            let json = try JSONValue(parsing: entry.bytes)
            let loose = Array(looseJSON(json).utf8)
            #expect(loose != entry.bytes)
            let parsed = try Entry(parsing: loose)
            #expect(parsed.hash == entry.hash)
            #expect(parsed.bytes == entry.bytes)
            #expect(parsed == entry)
            // Also with surrounding whitespace only.
            #expect(try Entry(parsing: Array(" \n\t".utf8) + entry.bytes + Array("\r\n ".utf8)).hash == entry.hash)
        }
    }

    @Test func isSignedByOnlyTheAuthorsKey() throws {
        let entries = try #require(histories[historySeeds[0]]).entries
        for entry in entries.prefix(20) {
            let key = ChainFixture.key(for: entry.author)
            #expect(entry.isSigned(by: key.verifierKey))
            #expect(!entry.isSigned(by: key.withType(.cosignature).verifierKey))
            #expect(!entry.isSigned(by: ChainFixture.key(for: entry.author == "B" ? "C" : "B").verifierKey))
            #expect(!entry.isSigned(by: try SignerKey(name: entry.author, seed: [UInt8](repeating: 9, count: 32)).verifierKey))
            // The author's public key under another name is not the author.
            #expect(!entry.isSigned(by: try VerifierKey(name: "Z", type: .ed25519, publicKey: key.verifierKey.publicKey)))
        }
    }

    @Test func signRejectsACosignatureKey() throws {
        let key = ChainFixture.key(for: "B").withType(.cosignature)
        #expect(throws: LedgerError(.malformedEntry)) {
            _ = try Entry.sign(chain: replayOrigin, kind: .order, author: key, time: 1, body: ["to": ["all"], "text": "x"])
        }
    }

    /// Whatever `Entry.sign` returns must be the entry that its bytes parse back to: otherwise
    /// the signer's own state (built from the `Entry` value) and every other node's (built from
    /// the bytes) disagree, or the bytes are refused everywhere else. `sign` should refuse a
    /// time or body that has no exact canonical form.
    @Test(arguments: ["time 2^53 + 1", "time Int64.max", "NaN in the body", "body nested 70 deep"])
    func signedEntriesParseBackToThemselves(_ edge: String) throws {
        var body: JSONValue = ["to": ["all"], "text": "x"]
        var time: Int64 = 1_700_000_000
        switch edge {
        case "time 2^53 + 1": time = 9_007_199_254_740_993
        case "time Int64.max": time = .max
        case "NaN in the body": body = ["to": ["all"], "text": "x", "score": .number(.nan)]
        default:
            var deep: JSONValue = "x"
            for _ in 0..<70 { deep = .array([deep]) }
            body = ["to": ["all"], "text": deep]
        }
        let entry: Entry
        do {
            entry = try Entry.sign(chain: replayOrigin, kind: .order, author: ChainFixture.key(for: "A"), time: time, body: body)
        } catch {
            return  // refusing to sign it is fine
        }
        let parsed: Entry
        do {
            parsed = try Entry(parsing: entry.bytes)
        } catch {
            Issue.record("Entry.sign returned an entry whose bytes do not parse: \(error.message)")
            return
        }
        #expect(parsed.time == entry.time)
        #expect(parsed.body == entry.body, "signed body \(entry.body.canonicalString.prefix(80)) parses back as \(parsed.body.canonicalString.prefix(80))")
        #expect(parsed.hash == entry.hash)
    }
}
