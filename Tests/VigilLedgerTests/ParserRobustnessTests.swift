import Foundation
import Testing
import VigilLedger
import VigilTestSupport

// Property tests: no byte string crashes or hangs a parser of VigilLedger, and every rejection is a
// `LedgerError` of the parser's own codes with a non-empty message. Inputs are random byte strings
// and, more usefully, mutations of valid inputs built with the library itself. Every generator is
// seeded (SeededGenerator), so a failure names the seed and case that reproduce it.

// MARK: - Deterministic randomness


// MARK: - Valid inputs, built with the library

private enum Valid {
    static func seed(_ byte: UInt8) -> [UInt8] { Array(repeating: byte, count: 32) }

    static let log = try! SignerKey(name: "vigil.example/district-1", seed: seed(1))
    static let witnesses: [SignerKey] = (1...3).map {
        try! SignerKey(name: "witness\($0).example", type: .cosignature, seed: seed(UInt8(1 + $0)))
    }
    static let stranger = try! SignerKey(name: "stranger.example/log", seed: seed(9))

    static let entries: [[UInt8]] = (0..<13).map { Array("case report \($0)\n".utf8) }
    static let store: InMemoryHashStore = {
        var store = InMemoryHashStore()
        store.append(contentsOf: entries.map(MerkleHasher.leafHash))
        return store
    }()

    static let checkpoint = try! Checkpoint(origin: log.name, size: store.tree.size, root: store.tree.root)
    static let checkpointWithExtension = try! Checkpoint(
        origin: log.name, size: store.tree.size, root: store.tree.root, extensions: ["extension one", "2 two"])
    /// The checkpoint signed by the log and cosigned by the three witnesses.
    static let note: Note = try! checkpoint.signed(by: [log]).signed(by: witnesses, timestamp: 1_700_000_000)
    static let noteBytes = note.bytes
    /// A plain (non-checkpoint) note with two signatures, one by an unknown key.
    static let plainNote: Note = try! Note(text: "Ognuno sta solo sul cuor della terra\n\ned è subito sera.\n")
        .signed(by: [log, stranger])

    static let verifiers = try! VerifierSet([log.verifierKey] + witnesses.map(\.verifierKey))

    static let policy = try! Policy(
        logs: [log.verifierKey],
        witnesses: witnesses.enumerated().map { ("w\($0.offset + 1)", $0.element.verifierKey) },
        groups: [Policy.Group(name: "two-of-three", threshold: 2, members: ["w1", "w2", "w3"])],
        quorum: "two-of-three")
    /// A policy text using every feature of the syntax: comments, tabs, URLs, nested groups.
    static let policyText = """
        # Vigil test policy
        log \(log.verifierKey) https://log.example/district-1

          witness\tw1 \(witnesses[0].verifierKey)
        witness w2 \(witnesses[1].verifierKey) https://w2.example/
        witness w3 \(witnesses[2].verifierKey)
        group pair any w1 w2
        group top 2 pair w3
        quorum top

        """

    static let proof = try! TlogProof.produce(index: 5, checkpointNote: note, store: store, extra: entries[5])
    static let proofBytes = Array(proof.formatted.utf8)

    static let vkeys = [log.verifierKey.description, witnesses[0].verifierKey.description]
    static let skeys = [log.text, witnesses[1].text]

    static let tilePaths = [
        "tile/0/x001/x234/067", "tile/0/x001/x234/067.p/8", "tile/63/000", "tile/5/999.p/255",
        "tile/2/x018/x446/x744/x073/x709/x551/615",
    ]
    static let entriesPaths = ["tile/entries/x001/x234/067", "tile/entries/000.p/1", "tile/entries/x999/999"]
}

// MARK: - Mutations

private struct Mutator {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func byte() -> UInt8 { UInt8.random(in: 0...255, using: &rng) }
    mutating func chance(_ percent: Int) -> Bool { int(0..<100) < percent }

    /// Byte strings that matter to the formats: separators, prefixes, control characters, broken
    /// UTF-8, digits with leading zeroes, base64 padding.
    static let tokens: [[UInt8]] = [
        "\n", "\n\n", "\u{2014} ", "\u{2014}", " ", "\t", "+", "=", "==", "/", "0", "00", "x", ".p/", ".p/0",
        "tile/", "entries/", "#", "none", "quorum none\n", "group g any ", "witness ", "log ", "index ", "index 0\n",
        "extra ", "c2sp.org/tlog-proof@v1\n", "PRIVATE+KEY+", "\u{00A0}", "\u{2028}", "\u{FEFF}", "\u{212A}",
        "18446744073709551616", "18446744073709551615", "-1", "AAAA", "////", "\r\n",
    ].map { Array($0.utf8) } + [[0x00], [0x01], [0x7F], [0x80], [0xC3], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]

    static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".utf8)

    /// One to four random mutations of `input`.
    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<int(1..<5) { bytes = mutateOnce(bytes) }
        return bytes
    }

    private mutating func position(_ bytes: [UInt8], inclusive: Bool = false) -> Int {
        int(0..<(bytes.count + (inclusive ? 1 : 0)))
    }

    mutating func mutateOnce(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        if bytes.isEmpty { return [byte()] }
        switch int(0..<16) {
        case 0:  // flip a bit
            let i = position(bytes)
            bytes[i] ^= 1 << UInt8(int(0..<8))
        case 1:  // overwrite a byte
            bytes[position(bytes)] = byte()
        case 2:  // insert a random byte
            bytes.insert(byte(), at: position(bytes, inclusive: true))
        case 3:  // insert a control character
            let controls: [UInt8] = Array(0x00...0x1F) + [0x7F]
            bytes.insert(controls[int(0..<controls.count)], at: position(bytes, inclusive: true))
        case 4:  // delete a byte
            bytes.remove(at: position(bytes))
        case 5:  // delete a range
            let i = position(bytes)
            bytes.removeSubrange(i..<min(bytes.count, i + int(1..<40)))
        case 6:  // duplicate a range
            let i = position(bytes)
            let range = i..<min(bytes.count, i + int(1..<80))
            bytes.insert(contentsOf: bytes[range], at: position(bytes, inclusive: true))
        case 7:  // truncate
            bytes = Array(bytes.prefix(position(bytes)))
        case 8, 9:  // insert a token
            bytes.insert(contentsOf: Mutator.tokens[int(0..<Mutator.tokens.count)], at: position(bytes, inclusive: true))
        case 10:  // delete a line
            var lines = Mutator.lines(bytes)
            lines.remove(at: int(0..<lines.count))
            bytes = Mutator.join(lines)
        case 11:  // duplicate a line, possibly many times (e.g. signature lines past the limit)
            var lines = Mutator.lines(bytes)
            let i = int(0..<lines.count)
            let copies = chance(10) ? int(90..<120) : 1
            lines.insert(contentsOf: Array(repeating: lines[i], count: copies), at: i)
            bytes = Mutator.join(lines)
        case 12:  // swap two lines
            var lines = Mutator.lines(bytes)
            lines.swapAt(int(0..<lines.count), int(0..<lines.count))
            bytes = Mutator.join(lines)
        case 13:  // replace a line by a huge one
            var lines = Mutator.lines(bytes)
            let length = chance(20) ? int(60_000..<140_000) : int(200..<10_000)
            let filler = Mutator.base64Alphabet[int(0..<64)]
            lines[int(0..<lines.count)] = Array(repeating: filler, count: length)
            bytes = Mutator.join(lines)
        case 14:  // replace a line's tail with random base64 characters
            var lines = Mutator.lines(bytes)
            let i = int(0..<lines.count)
            let keep = lines[i].isEmpty ? 0 : int(0..<lines[i].count)
            lines[i] = Array(lines[i].prefix(keep)) + (0..<int(0..<60)).map { _ in Mutator.base64Alphabet[int(0..<65)] }
            bytes = Mutator.join(lines)
        default:  // swap two bytes
            bytes.swapAt(position(bytes), position(bytes))
        }
        return bytes
    }

    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    }

    static func join(_ lines: [[UInt8]]) -> [UInt8] { Array(lines.joined(separator: [0x0A])) }

    /// Random bytes, from one of several alphabets so that some get past the first checks.
    mutating func randomBytes(maxLength: Int = 300) -> [UInt8] {
        let length = int(0..<(maxLength + 1))
        switch int(0..<4) {
        case 0: return (0..<length).map { _ in byte() }
        case 1: return (0..<length).map { _ in chance(8) ? 0x0A : UInt8.random(in: 0x20...0x7E, using: &rng) }
        case 2: return (0..<length).map { _ in chance(5) ? 0x0A : Mutator.base64Alphabet[int(0..<65)] }
        default:
            var out: [UInt8] = []
            while out.count < length { out += Mutator.tokens[int(0..<Mutator.tokens.count)] }
            return out
        }
    }
}

// MARK: - Harness

/// A short, printable rendering of an input for failure messages.
private func show(_ bytes: [UInt8], limit: Int = 240) -> String {
    let head = String(decoding: bytes.prefix(limit), as: UTF8.self).unicodeScalars.map { $0.escaped(asASCII: true) }.joined()
    return "\(bytes.count) bytes: \"\(head)\"" + (bytes.count > limit ? "..." : "")
}

private func show(_ text: String) -> String { show(Array(text.utf8)) }

/// Slowest call a parser may take on one input (debug build, shared machine): generous, but a
/// hang or a quadratic blow-up on a 140 kB line exceeds it.
private let perInputLimit: Duration = .milliseconds(750)

/// Runs `body` on one input: an acceptance returns the value; a rejection must be a `LedgerError`
/// with one of `codes` and a non-empty message.
private func attempt<T, E: Error>(
    _ parser: String, codes: Set<LedgerError.Code>, input: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(E) -> T
) -> T? {
    let clock = ContinuousClock()
    let start = clock.now
    defer {
        let elapsed = clock.now - start
        if elapsed > perInputLimit {
            Issue.record("\(parser) took \(elapsed) on \(input())", sourceLocation: sourceLocation)
        }
    }
    do {
        return try body()
    } catch {
        guard let error = error as? LedgerError else {
            Issue.record("\(parser) threw \(type(of: error)), not a LedgerError: \(error) on \(input())", sourceLocation: sourceLocation)
            return nil
        }
        if !codes.contains(error.code) {
            Issue.record(
                "\(parser) threw unexpected code \(error.code) (\(error.message)) on \(input())", sourceLocation: sourceLocation)
        }
        if error.message.isEmpty {
            Issue.record("\(parser) threw \(error.code) without a reason on \(input())", sourceLocation: sourceLocation)
        }
        return nil
    }
}

/// Expects `body` to throw `code` with a message containing `fragment`.
private func expectRejection(
    _ code: LedgerError.Code, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("accepted; want \(code) containing \"\(fragment)\"", sourceLocation: sourceLocation)
    } catch let error as LedgerError {
        #expect(error.code == code, "got \(error.code): \(error.message)", sourceLocation: sourceLocation)
        #expect(error.message.contains(fragment), "message \"\(error.message)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
    } catch {
        Issue.record("threw \(type(of: error)), not a LedgerError: \(error)", sourceLocation: sourceLocation)
    }
}

private let policyW1 = Valid.witnesses[0].verifierKey
private let policyW2 = Valid.witnesses[1].verifierKey

private let noteCodes: Set<LedgerError.Code> = [.malformedNote]
private let verifyCodes: Set<LedgerError.Code> = [.malformedNote, .badSignature, .noVerifiedSignature]
private let evaluateCodes: Set<LedgerError.Code> = verifyCodes.union([.malformedCheckpoint, .unknownLog])
private let proofVerifyCodes: Set<LedgerError.Code> = evaluateCodes.union([.malformedProofFile, .policyNotSatisfied, .badProof])
private let merkleCodes: Set<LedgerError.Code> = [.badProof, .malformedHash]

// MARK: - Properties

@Suite struct ParserRobustnessTests {
    // MARK: Notes

    @Test func mutatedNotesAreRejectedWithAReasonOrVerifyOnlyTheSignedText() {
        let seed: UInt64 = 0x5eed_0001
        var mutator = Mutator(seed: seed)
        let originals = [Valid.noteBytes, Valid.plainNote.bytes]
        var accepted = 0
        for n in 0..<800 {
            let original = originals[n % 2]
            let bytes = mutator.mutate(original)
            let label = "seed \(seed) case \(n): \(show(bytes))"
            guard let note = attempt("Note(parsing:)", codes: noteCodes, input: label, { try Note(parsing: bytes) })
            else {
                _ = attempt("VerifierSet.verify", codes: verifyCodes, input: label) { try Valid.verifiers.verify(bytes) }
                continue
            }
            accepted += 1
            // What was accepted obeys the format and survives a round trip.
            #expect(note.signatures.count <= Note.maxSignatures, "\(label)")
            #expect(note.text.hasSuffix("\n"), "\(label)")
            #expect(!note.text.utf8.contains { $0 < 0x20 && $0 != 0x0A }, "\(label)")
            #expect((try? Note(parsing: note.bytes)) == note, "round trip of \(label)")
            // A note that verifies is one whose text a known key signed.
            if let verified = attempt("VerifierSet.verify", codes: verifyCodes, input: label, { try Valid.verifiers.verify(bytes) }) {
                #expect(Array(verified.text.utf8) == Array(Note.textOf(original).utf8), "verified a changed text: \(label)")
                #expect(!verified.verified.isEmpty, "\(label)")
            }
        }
        // The mutations must leave some inputs valid, or the acceptance checks test nothing.
        #expect(accepted > 20, "only \(accepted) mutated notes parsed")
    }

    @Test func randomBytesAreRejectedAsNotesWithAReason() {
        let seed: UInt64 = 0x5eed_0002
        var mutator = Mutator(seed: seed)
        for n in 0..<1_000 {
            let bytes = mutator.randomBytes()
            let label = "seed \(seed) case \(n): \(show(bytes))"
            if let note = attempt("Note(parsing:)", codes: noteCodes, input: label, { try Note(parsing: bytes) }) {
                #expect((try? Note(parsing: note.bytes)) == note, "round trip of \(label)")
            }
            _ = attempt("VerifierSet.verify", codes: verifyCodes, input: label) { try Valid.verifiers.verify(bytes) }
        }
    }

    /// Notes whose signature lines name known keys but carry garbage of every length: each must be
    /// rejected as a bad signature, never crash (a short cosignature, a 2 kB blob).
    @Test func garbageSignaturesByKnownKeysAreBadSignatures() {
        let seed: UInt64 = 0x5eed_0003
        var mutator = Mutator(seed: seed)
        let keys = [Valid.log.verifierKey] + Valid.witnesses.map(\.verifierKey)
        for n in 0..<400 {
            let key = keys[n % keys.count]
            let length = mutator.chance(10) ? mutator.int(100..<2_000) : mutator.int(1..<100)
            let garbage = key.keyID.bytes + (0..<length).map { _ in mutator.byte() }
            let bytes = Array((Valid.checkpoint.text + "\n\u{2014} \(key.name) \(Data(garbage).base64EncodedString())\n").utf8)
            let label = "seed \(seed) case \(n): \(show(bytes))"
            do {
                _ = try Valid.verifiers.verify(bytes)
                Issue.record("garbage signature verified: \(label)")
            } catch {
                #expect(error.code == .badSignature, "\(error.code): \(error.message) for \(label)")
                #expect(!error.message.isEmpty)
            }
        }
    }

    // MARK: Keys

    @Test func mutatedVerifierKeysAreRejectedWithAReasonOrRoundTrip() {
        let seed: UInt64 = 0x5eed_0004
        var mutator = Mutator(seed: seed)
        var accepted = 0
        for n in 0..<1_000 {
            let bytes = n % 5 == 4 ? mutator.randomBytes(maxLength: 120) : mutator.mutate(Array(Valid.vkeys[n % 2].utf8))
            let text = String(decoding: bytes, as: UTF8.self)
            let label = "seed \(seed) case \(n): \(show(bytes))"
            guard let key = attempt("VerifierKey(_:)", codes: [.malformedKey], input: label, { try VerifierKey(text) })
            else { continue }
            accepted += 1
            #expect((try? VerifierKey(key.description)) == key, "round trip of \(label)")
            #expect(key.keyID == KeyID(name: key.name, type: key.type, publicKey: key.publicKey), "\(label)")
            #expect(key.publicKey.count == 32 && NoteName.isValid(key.name), "\(label)")
        }
        #expect(accepted > 0)
    }

    @Test func mutatedSignerKeysAreRejectedWithAReasonThatHoldsNoKeyMaterial() {
        let seed: UInt64 = 0x5eed_0005
        var mutator = Mutator(seed: seed)
        for n in 0..<1_000 {
            let original = Valid.skeys[n % 2]
            let material = String(original.split(separator: "+").last!)
            let bytes = n % 5 == 4 ? mutator.randomBytes(maxLength: 120) : mutator.mutate(Array(original.utf8))
            let text = String(decoding: bytes, as: UTF8.self)
            let label = "seed \(seed) case \(n): \(show(bytes))"
            do {
                let key = try SignerKey(text)
                #expect((try? SignerKey(key.text))?.verifierKey == key.verifierKey, "round trip of \(label)")
            } catch {
                #expect(error.code == .malformedKey, "\(error.code): \(error.message) for \(label)")
                #expect(!error.message.isEmpty, "\(label)")
                // The reason never quotes the private key, not even a piece of it.
                let windows = stride(from: 0, to: material.count - 10, by: 1).map {
                    String(material.dropFirst($0).prefix(10))
                }
                #expect(!windows.contains { error.message.contains($0) }, "message leaks key material: \(error.message)")
            }
        }
    }

    // MARK: Checkpoints

    @Test func mutatedCheckpointsAreRejectedWithAReasonOrRoundTrip() {
        let seed: UInt64 = 0x5eed_0006
        var mutator = Mutator(seed: seed)
        let originals = [Valid.checkpoint.text, Valid.checkpointWithExtension.text]
        var accepted = 0
        for n in 0..<1_000 {
            let bytes = n % 6 == 5 ? mutator.randomBytes() : mutator.mutate(Array(originals[n % 2].utf8))
            let text = String(decoding: bytes, as: UTF8.self)
            let label = "seed \(seed) case \(n): \(show(bytes))"
            guard let checkpoint = attempt("Checkpoint(text:)", codes: [.malformedCheckpoint], input: label, { try Checkpoint(text: text) })
            else { continue }
            accepted += 1
            #expect((try? Checkpoint(text: checkpoint.text)) == checkpoint, "round trip of \(label)")
            #expect(!checkpoint.origin.isEmpty && !checkpoint.extensions.contains(""), "\(label)")
        }
        #expect(accepted > 20, "only \(accepted) mutated checkpoints parsed")
    }

    // MARK: Policies

    @Test func mutatedPoliciesAreRejectedWithAReasonOrRoundTripAndEvaluate() {
        let seed: UInt64 = 0x5eed_0007
        var mutator = Mutator(seed: seed)
        let originals = [Valid.policyText, Valid.policy.text]
        var accepted = 0
        for n in 0..<1_200 {
            let bytes = n % 8 == 7 ? mutator.randomBytes() : mutator.mutate(Array(originals[n % 2].utf8))
            let text = String(decoding: bytes, as: UTF8.self)
            let label = "seed \(seed) case \(n): \(show(bytes))"
            guard let policy = attempt("Policy(parsing:)", codes: [.malformedPolicy], input: label, { try Policy(parsing: text) })
            else { continue }
            accepted += 1
            #expect((try? Policy(parsing: policy.text)) == policy, "round trip of \(label)")
            if let evaluation = attempt("Policy.evaluate", codes: evaluateCodes, input: label, { try policy.evaluate(Valid.noteBytes) }) {
                #expect(evaluation.checkpoint == Valid.checkpoint, "\(label)")
                #expect(evaluation.isSatisfied == evaluation.missing.isEmpty, "\(label)")
            }
        }
        #expect(accepted > 20, "only \(accepted) mutated policies parsed")
    }

    @Test func mutatedCheckpointNotesEvaluateToTheSignedCheckpointOrAreRejectedWithAReason() {
        let seed: UInt64 = 0x5eed_0008
        var mutator = Mutator(seed: seed)
        var satisfied = 0
        for n in 0..<1_000 {
            let bytes = n % 10 == 9 ? mutator.randomBytes() : mutator.mutate(Valid.noteBytes)
            let label = "seed \(seed) case \(n): \(show(bytes))"
            guard let evaluation = attempt("Policy.evaluate", codes: evaluateCodes, input: label, { try Valid.policy.evaluate(bytes) })
            else { continue }
            // No mutation can make the policy vouch for another checkpoint.
            #expect(evaluation.checkpoint == Valid.checkpoint, "\(label)")
            #expect(Set(evaluation.cosigners).isSubset(of: ["w1", "w2", "w3"]), "\(label)")
            #expect(evaluation.isSatisfied == (Set(evaluation.cosigners).count >= 2), "\(label)")
            if evaluation.isSatisfied { satisfied += 1 }
        }
        #expect(satisfied > 0)
    }

    // MARK: tlog-proof

    @Test func mutatedProofsAreRejectedWithAReasonOrProveATrueEntry() {
        let seed: UInt64 = 0x5eed_0009
        var mutator = Mutator(seed: seed)
        var verified = 0
        for n in 0..<1_200 {
            let bytes = n % 10 == 9 ? mutator.randomBytes() : mutator.mutate(Valid.proofBytes)
            let label = "seed \(seed) case \(n): \(show(bytes))"
            let parsed = attempt("TlogProof(parsing:)", codes: [.malformedProofFile, .malformedNote], input: label) {
                try TlogProof(parsing: bytes)
            }
            guard let proof = parsed else { continue }
            #expect((try? TlogProof(parsing: Array(proof.formatted.utf8))) == proof, "round trip of \(label)")
            #expect(proof.inclusionProof.count <= MerkleProof.maxProofLength, "\(label)")
            guard let evaluation = attempt("TlogProof.verify", codes: proofVerifyCodes, input: label, { try proof.verify(policy: Valid.policy) })
            else { continue }
            verified += 1
            // Whatever survived proves a true statement: that entry is at that index.
            let index = Int(proof.index.rawValue)
            #expect(evaluation.checkpoint == Valid.checkpoint, "\(label)")
            #expect(Valid.entries.indices.contains(index) && proof.extra == Valid.entries[index], "\(label)")
        }
        #expect(verified > 0)
    }

    // MARK: Tiles and hashes

    @Test func mutatedTilePathsAreRejectedWithAReasonOrParseStably() {
        let seed: UInt64 = 0x5eed_000a
        var mutator = Mutator(seed: seed)
        let alphabet = Array("tile/entries0123456789x.p/".utf8)
        var accepted = 0
        for n in 0..<3_000 {
            let bytes: [UInt8]
            switch n % 4 {
            case 0: bytes = mutator.mutate(Array(Valid.tilePaths[n / 4 % Valid.tilePaths.count].utf8))
            case 1: bytes = mutator.mutate(Array(Valid.entriesPaths[n / 4 % Valid.entriesPaths.count].utf8))
            case 2: bytes = Array("tile/".utf8) + (0..<mutator.int(0..<40)).map { _ in alphabet[mutator.int(0..<alphabet.count)] }
            default: bytes = mutator.randomBytes(maxLength: 60)
            }
            let path = String(decoding: bytes, as: UTF8.self)
            let label = "seed \(seed) case \(n): \(show(bytes))"
            if let tile = attempt("TileID(path:)", codes: [.malformedTile], input: label, { try TileID(path: path) }) {
                accepted += 1
                #expect((try? TileID(path: tile.path)) == tile, "\(label)")
                #expect(tile.level <= 63 && (1...256).contains(tile.width), "\(label)")
            }
            if let tile = attempt("TileID(entriesPath:)", codes: [.malformedTile], input: label, { try TileID(entriesPath: path) }) {
                accepted += 1
                #expect((try? TileID(entriesPath: tile.entriesPath)) == tile, "\(label)")
                #expect(tile.level == 0 && (1...256).contains(tile.width), "\(label)")
            }
        }
        #expect(accepted > 30, "only \(accepted) mutated tile paths parsed")
    }

    @Test func mutatedBase64HashesAreRejectedWithAReasonOrRoundTrip() {
        let seed: UInt64 = 0x5eed_000b
        var mutator = Mutator(seed: seed)
        let original = Array(Valid.store.tree.root.base64.utf8)
        for n in 0..<3_000 {
            let bytes: [UInt8]
            switch n % 3 {
            case 0: bytes = mutator.mutate(original)
            case 1: bytes = (0..<mutator.int(40..<50)).map { _ in Mutator.base64Alphabet[mutator.int(0..<65)] }
            default: bytes = mutator.randomBytes(maxLength: 80)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let label = "seed \(seed) case \(n): \(show(bytes))"
            if let hash = attempt("Hash(base64:)", codes: [.malformedHash], input: label, { try Hash(base64: text) }) {
                #expect(Data(base64Encoded: hash.base64).map(Array.init) == hash.bytes, "\(label)")
                #expect(Data(base64Encoded: text)?.count == 32, "\(label)")
            }
        }
    }

    @Test func cosignatureBytesOfAnyLengthAreRejectedWithAReasonUnlessWellFormed() {
        let seed: UInt64 = 0x5eed_000c
        var mutator = Mutator(seed: seed)
        for n in 0..<3_000 {
            let length = n % 2 == 0 ? 72 : mutator.int(0..<160)
            let bytes = (0..<length).map { _ in mutator.byte() }
            let label = "seed \(seed) case \(n): \(bytes.count) bytes, first \(bytes.first ?? 0)"
            let parsed = attempt("CosignatureBytes(_:)", codes: [.malformedCosignature], input: label) { () throws(LedgerError) in
                try CosignatureBytes(bytes)
            }
            let wellFormed = bytes.count == 72 && bytes[0] < 0x80
            #expect((parsed != nil) == wellFormed, "\(label)")
            if let parsed {
                #expect(parsed.signature == Array(bytes[8...]) && parsed.timestamp <= UInt64(Int64.max), "\(label)")
            }
        }
    }

    // MARK: Merkle proofs from raw bytes

    /// Interesting sizes: tiny, powers of two and their neighbours, the extremes of UInt64.
    private static func interestingNumber(_ mutator: inout Mutator) -> UInt64 {
        switch mutator.int(0..<5) {
        case 0: return UInt64(mutator.int(0..<20))
        case 1:
            let power = UInt64(1) << UInt64(mutator.int(0..<64))
            return power &+ UInt64(bitPattern: Int64(mutator.int(-2..<3)))
        case 2: return UInt64.max &- UInt64(mutator.int(0..<3))
        case 3: return UInt64(mutator.int(0..<5_000))
        default: return mutator.rng.next()
        }
    }

    private static func randomHashBytes(_ mutator: inout Mutator) -> [UInt8] {
        let length = mutator.chance(85) ? 32 : mutator.int(0..<70)
        return (0..<length).map { _ in mutator.byte() }
    }

    @Test func randomRawMerkleProofsAreRejectedWithAReason() {
        let seed: UInt64 = 0x5eed_000d
        var mutator = Mutator(seed: seed)
        for n in 0..<2_000 {
            let a = Self.interestingNumber(&mutator)
            let b = Self.interestingNumber(&mutator)
            let count = mutator.chance(90) ? mutator.int(0..<66) : mutator.int(66..<300)
            let proof = (0..<count).map { _ in Self.randomHashBytes(&mutator) }
            let h1 = Self.randomHashBytes(&mutator)
            let h2 = mutator.chance(5) ? h1 : Self.randomHashBytes(&mutator)
            let label = "seed \(seed) case \(n): a=\(a) b=\(b) proof \(proof.map(\.count))"
            _ = attempt("verifyInclusion(raw)", codes: merkleCodes, input: label) { () throws(LedgerError) in
                try MerkleProof.verifyInclusion(index: a, size: b, leafHash: h1, proof: proof, root: h2)
            }
            _ = attempt("verifyConsistency(raw)", codes: merkleCodes, input: label) { () throws(LedgerError) in
                try MerkleProof.verifyConsistency(from: a, to: b, proof: proof, oldRoot: h1, newRoot: h2)
            }
        }
    }

    @Test func mutatedRawMerkleProofsFailWithAReason() throws {
        let seed: UInt64 = 0x5eed_000e
        var mutator = Mutator(seed: seed)
        var store = InMemoryHashStore()
        store.append(contentsOf: (0..<300).map { MerkleHasher.leafHash(Array("leaf \($0)".utf8)) })
        for n in 0..<600 {
            let size = UInt64(mutator.int(2..<301))
            let index = UInt64(mutator.int(0..<Int(size)))
            let old = UInt64(mutator.int(1..<Int(size)))
            let root = try MerkleProof.root(size: TreeSize(size), store: store).bytes
            let oldRoot = try MerkleProof.root(size: TreeSize(old), store: store).bytes
            let leaf = try store.hashes(for: [NodeID(level: 0, index: index)])[0].bytes
            let inclusion = try MerkleProof.inclusionProof(index: LeafIndex(index), size: TreeSize(size), store: store).map(\.bytes)
            let consistency = try MerkleProof.consistencyProof(from: TreeSize(old), to: TreeSize(size), store: store).map(\.bytes)
            // The valid proofs verify...
            try MerkleProof.verifyInclusion(index: index, size: size, leafHash: leaf, proof: inclusion, root: root)
            try MerkleProof.verifyConsistency(from: old, to: size, proof: consistency, oldRoot: oldRoot, newRoot: size == old ? oldRoot : root)
            // ...and one flipped bit anywhere in a hash makes them fail, with a reason.
            var parts = [leaf, root] + inclusion
            let which = mutator.int(0..<parts.count)
            if parts[which].isEmpty { continue }
            parts[which][mutator.int(0..<32)] ^= 1 << UInt8(mutator.int(0..<8))
            let label = "seed \(seed) case \(n): index \(index) size \(size) part \(which)"
            #expect(
                attempt("verifyInclusion(raw)", codes: [.badProof], input: label) { () throws(LedgerError) in
                    try MerkleProof.verifyInclusion(index: index, size: size, leafHash: parts[0], proof: Array(parts[2...]), root: parts[1])
                } == nil, "a flipped bit verified: \(label)")
            var cparts = [oldRoot, root] + consistency
            let cwhich = mutator.int(0..<cparts.count)
            cparts[cwhich][mutator.int(0..<32)] ^= 1 << UInt8(mutator.int(0..<8))
            #expect(
                attempt("verifyConsistency(raw)", codes: [.badProof], input: label) { () throws(LedgerError) in
                    try MerkleProof.verifyConsistency(from: old, to: size, proof: Array(cparts[2...]), oldRoot: cparts[0], newRoot: cparts[1])
                } == nil, "a flipped bit verified: \(label) part \(cwhich)")
            // Structural mutations (a hash dropped, duplicated, truncated) fail too.
            var structural = inclusion
            switch mutator.int(0..<3) {
            case 0: if !structural.isEmpty { structural.removeLast() } else { structural.append(root) }
            case 1: structural.append(structural.first ?? root)
            default: if !structural.isEmpty { structural[0] = Array(structural[0].dropLast()) } else { structural = [[]] }
            }
            #expect(
                attempt("verifyInclusion(raw)", codes: merkleCodes, input: label) { () throws(LedgerError) in
                    try MerkleProof.verifyInclusion(index: index, size: size, leafHash: leaf, proof: structural, root: root)
                } == nil, "a structurally broken proof verified: \(label)")
        }
    }
}

// MARK: - Known bad inputs and their reasons

@Suite struct KnownBadInputTests {
    private static func signatureLine(name: String, bytes: [UInt8]) -> String {
        "\u{2014} \(name) \(Data(bytes).base64EncodedString())\n"
    }

    @Test func aNoteWith101SignaturesIsRejectedButOneWith100Parses() throws {
        let line = Valid.note.signatures[0].line
        let text = Valid.checkpoint.text + "\n"
        let hundred = try Note(parsing: text + String(repeating: line, count: 100))
        #expect(hundred.signatures.count == 100)
        expectRejection(.malformedNote, containing: "more than 100 signatures") {
            _ = try Note(parsing: text + String(repeating: line, count: 101))
        }
        // Signing cannot push a note over the limit either.
        let full = try Note(text: Valid.checkpoint.text, signatures: Array(repeating: Valid.note.signatures[0], count: 100))
        expectRejection(.malformedNote, containing: "more than 100 signatures") {
            _ = try full.signed(by: [Valid.stranger])
        }
    }

    @Test func keyNamesWithSpacesOrPlusAreRejected() {
        let publicKey = Valid.log.verifierKey.publicKey
        for name in ["clinic riverside", "clinic\u{00A0}riverside", "clinic\triverside", "clinic+riverside", "", "a\u{2003}b"] {
            expectRejection(.malformedKey, containing: "invalid key name") {
                _ = try VerifierKey(name: name, type: .ed25519, publicKey: publicKey)
            }
            expectRejection(.malformedKey, containing: "invalid key name") {
                _ = try SignerKey(name: name, seed: Valid.seed(1))
            }
        }
        expectRejection(.malformedKey, containing: "invalid key name") {
            let good = Valid.log.verifierKey.description
            _ = try VerifierKey("bad name" + good.drop { $0 != "+" })
        }
        // In a signature line the name ends at the first space; a non-breaking space is part of it.
        expectRejection(.malformedNote, containing: "invalid key name") {
            _ = try Note(parsing: Valid.checkpoint.text + "\n" + Self.signatureLine(name: "a\u{00A0}b", bytes: Array(repeating: 1, count: 68)))
        }
    }

    @Test func aLineAfterTheSignaturesIsRejected() {
        expectRejection(.malformedNote, containing: "line 5 after the blank line is not a signature line") {
            _ = try Note(parsing: Valid.note.formatted + "trailing text\n")
        }
        expectRejection(.malformedNote, containing: "no signature lines") {
            _ = try Note(parsing: Valid.note.formatted + "\n")
        }
        expectRejection(.malformedNote, containing: "does not end in a newline") {
            _ = try Note(parsing: String(Valid.note.formatted.dropLast()))
        }
        expectRejection(.malformedNote, containing: "no blank line") {
            _ = try Note(parsing: Valid.checkpoint.text)
        }
        expectRejection(.malformedNote, containing: "no signature lines") {
            _ = try Note(parsing: Valid.checkpoint.text + "\n")
        }
    }

    @Test func textWithControlCharactersOrBadUTF8IsRejected() {
        expectRejection(.malformedNote, containing: "control character 0x01 at byte 0") {
            _ = try Note(parsing: [0x01] + Valid.noteBytes)
        }
        var carriageReturn = Valid.noteBytes
        carriageReturn.insert(0x0D, at: 5)
        expectRejection(.malformedNote, containing: "control character 0x0d at byte 5") { _ = try Note(parsing: carriageReturn) }
        expectRejection(.malformedNote, containing: "not valid UTF-8") { _ = try Note(parsing: [0xC3] + Valid.noteBytes) }
        expectRejection(.malformedNote, containing: "control character") { _ = try Note(text: "tab\there\n") }
        expectRejection(.malformedNote, containing: "does not end in a newline") { _ = try Note(text: "no newline") }
        expectRejection(.malformedNote, containing: "at most") { _ = try Note(parsing: Array(repeating: 0x41, count: Note.maxSize + 1)) }
    }

    @Test func aVerifierKeyGivenTwiceIsAmbiguous() {
        expectRejection(.ambiguousKey, containing: Valid.log.name) {
            _ = try VerifierSet([Valid.log.verifierKey, Valid.witnesses[0].verifierKey, Valid.log.verifierKey])
        }
        // The same seed under another type has another key ID: not ambiguous.
        #expect(throws: Never.self) { _ = try VerifierSet([Valid.log.verifierKey, Valid.log.withType(.cosignature).verifierKey]) }
    }

    @Test func aKnownKeyWhoseSignatureFailsRejectsTheNote() throws {
        var note = Valid.note
        note.signatures[2].signature[20] ^= 0x01
        expectRejection(.badSignature, containing: "\(Valid.witnesses[1].name)+\(Valid.witnesses[1].verifierKey.keyID)") {
            _ = try Valid.verifiers.verify(note.bytes)
        }
        // A changed text fails every known signature.
        let changed = try Note(text: Valid.note.text.replacingOccurrences(of: "\n13\n", with: "\n14\n"), signatures: Valid.note.signatures)
        expectRejection(.badSignature, containing: "does not verify") { _ = try Valid.verifiers.verify(changed.bytes) }
    }

    @Test func unknownKeysAreIgnoredButOneKnownSignatureIsNeeded() throws {
        let verified = try VerifierSet([Valid.log.verifierKey]).verify(Valid.plainNote.bytes)
        #expect(verified.verified.map(\.name) == [Valid.log.name])
        #expect(verified.unknown.map(\.name) == [Valid.stranger.name])
        // Same name, other key ID: unknown, ignored even though its signature is garbage.
        let impostor = NoteSignature(
            name: Valid.log.name, keyID: KeyID(rawValue: Valid.log.verifierKey.keyID.rawValue ^ 1), signature: Array(repeating: 7, count: 64))
        let note = try Note(text: Valid.plainNote.text, signatures: Valid.plainNote.signatures + [impostor])
        #expect(try VerifierSet([Valid.log.verifierKey]).verify(note.bytes).unknown.count == 2)
        expectRejection(.noVerifiedSignature, containing: "no signature by a known key") {
            _ = try VerifierSet([Valid.witnesses[0].verifierKey]).verify(Valid.plainNote.bytes)
        }
    }

    @Test func aPlainSignatureIsNotACosignature() throws {
        let plain = Valid.plainNote.signatures[0]
        #expect(plain.keyID.bytes.count + plain.signature.count == 68)
        expectRejection(.malformedCosignature, containing: "cosignature is 68 bytes with its key ID, want 76") {
            _ = try CosignatureBytes(signatureLine: plain)
        }
        expectRejection(.malformedCosignature, containing: "exceeds 2^63-1") {
            _ = try CosignatureBytes([0x80] + Array(repeating: 0, count: 71))
        }
        // A witness key given a 64-byte Ed25519 signature under its own name and key ID: a bad
        // signature by a known key, so the note is rejected.
        let witness = Valid.witnesses[0]
        let forged = try witness.withType(.ed25519).sign(text: Array(Valid.checkpoint.text.utf8))
        let note = try Note(
            text: Valid.checkpoint.text,
            signatures: [NoteSignature(name: witness.name, keyID: witness.verifierKey.keyID, signature: forged.signature)])
        expectRejection(.badSignature, containing: witness.name) {
            _ = try VerifierSet([witness.verifierKey]).verify(note)
        }
    }

    /// C2SP signed-note: "Verifiers MUST ignore signatures from unknown keys, even if they share
    /// a name or ID (but not both) with a known key." Names are byte strings: U+212A KELVIN SIGN
    /// and U+004B "K" are different names (Swift's `String ==` says they are equal).
    @Test func aSignatureUnderACanonicallyEquivalentNameIsFromAnUnknownKey() throws {
        let kelvin = try SignerKey(name: "\u{212A}.example", seed: Valid.seed(7))
        let signed = try Note(text: "text\n").signed(by: [kelvin])
        // A signature line with the ASCII name and the Kelvin key's ID: another key, unknown.
        let lookalike = NoteSignature(name: "K.example", keyID: kelvin.verifierKey.keyID, signature: Array(repeating: 0, count: 64))
        let note = try Note(text: "text\n", signatures: signed.signatures + [lookalike])
        let verified = try VerifierSet([kelvin.verifierKey]).verify(note.bytes)
        #expect(verified.verified.map(\.name) == [kelvin.name])
        #expect(verified.unknown.map { Array($0.name.utf8) } == [Array("K.example".utf8)])
        // And a valid signature re-labelled with the look-alike name is not by the known key.
        let relabelled = try Note(
            text: "text\n",
            signatures: [NoteSignature(name: "K.example", keyID: kelvin.verifierKey.keyID, signature: signed.signatures[0].signature)])
        expectRejection(.noVerifiedSignature, containing: "no signature by a known key") {
            _ = try VerifierSet([kelvin.verifierKey]).verify(relabelled.bytes)
        }
    }

    // MARK: Policies

    private static let w1 = policyW1
    private static let w2 = policyW2

    @Test(arguments: [
        ("log \(Valid.log.verifierKey)\nwitnes w1 \(policyW1)\nquorum none\n", "line 2: unknown keyword witnes"),
        (
            "witness w1 \(policyW1)\ngroup g any w1 w2\nwitness w2 \(policyW2)\nquorum g\n",
            "line 2: group member w2 is not defined on an earlier line"
        ),
        (
            "witness w1 \(policyW1)\nwitness w2 \(policyW2)\ngroup g 3 w1 w2\nquorum g\n",
            "line 3: threshold 3 is not all, any or a number from 1 to 2"
        ),
        ("witness w1 \(policyW1)\nwitness w2 \(policyW2)\ngroup g 0 w1 w2\nquorum g\n", "line 3: threshold 0"),
        ("witness w1 \(policyW1)\nwitness w2 \(policyW2)\ngroup g 02 w1 w2\nquorum g\n", "line 3: threshold 02"),
        ("witness w1 \(policyW1)\nwitness w2 \(policyW2)\ngroup g -1 w1 w2\nquorum g\n", "line 3: threshold -1"),
        ("witness w1 \(policyW1)\nwitness w2 \(policyW1)\nquorum w1\n", "line 2: duplicate key"),
        ("log \(Valid.log.verifierKey)\nlog \(Valid.log.verifierKey)\nquorum none\n", "line 2: duplicate key"),
        ("witness w1 \(policyW1)\nwitness w1 \(policyW2)\nquorum w1\n", "line 2: name w1 is defined twice"),
        ("witness w1 \(policyW1)\nquorum w1\nquorum none\n", "line 3: a second quorum line"),
        ("witness w1 \(policyW1)\nquorum none\nquorum w1\n", "line 3: a second quorum line"),
        ("log \(Valid.log.verifierKey)\nwitness w1 \(policyW1)\n", "no quorum line"),
        ("", "no quorum line"),
        ("quorum w1\nwitness w1 \(policyW1)\n", "line 1: quorum w1 is not defined on an earlier line"),
        ("witness none \(policyW1)\nquorum none\n", "line 1: the name none is reserved"),
        ("witness w1 \(policyW1)\ngroup g any w1 none\nquorum g\n", "line 2: none cannot be a group member"),
        ("witness w1 \(policyW1)\ngroup g all w1 w1\nquorum g\n", "line 2: group member w1 is listed twice"),
        ("witness w1 \(policyW1)\ngroup g all\nquorum g\n", "line 2: want: group"),
        ("witness w1 \(Valid.log.verifierKey)\nquorum w1\n", "line 1: key \(Valid.log.name) is of type"),
        ("log \(policyW1)\nquorum none\n", "line 1: key witness1.example is of type"),
        ("log \(Valid.log.verifierKey) https://a https://b\nquorum none\n", "line 1: want: log"),
        ("witness w1 not-a-key\nquorum none\n", "line 1: verifier key must be name+keyid+key"),
        ("quorum none extra\n", "line 1: want: quorum"),
        ("quorum none\r\n", "control character 0x0d"),
        ("quorum none\u{7F}\n", "control character 0x7f"),
    ])
    func malformedPoliciesAreRejectedWithTheLineAndReason(text: String, reason: String) {
        expectRejection(.malformedPolicy, containing: reason) { _ = try Policy(parsing: text) }
    }

    @Test func policiesBuiltFromPartsAreCheckedLikeParsedOnes() {
        expectRejection(.malformedPolicy, containing: "threshold 4") {
            _ = try Policy(logs: [], witnesses: [("w1", Self.w1)], groups: [.init(name: "g", threshold: 4, members: ["w1"])], quorum: "g")
        }
        expectRejection(.malformedPolicy, containing: "duplicate key") {
            _ = try Policy(logs: [], witnesses: [("w1", Self.w1), ("w2", Self.w1)], groups: [], quorum: nil)
        }
    }

    @Test func policyLimitsAreEnforced() {
        expectRejection(.malformedPolicy, containing: "at most \(Policy.maxSize)") {
            _ = try Policy(parsing: String(repeating: "# comment\n", count: Policy.maxSize / 10 + 1))
        }
        let keys = (0..<(Policy.maxEntries + 1)).map {
            try! SignerKey(name: "w\($0)", type: .cosignature, seed: Array(repeating: UInt8($0 % 256), count: 31) + [UInt8($0 / 256)]).verifierKey
        }
        let text = keys.enumerated().map { "witness w\($0.offset) \($0.element)\n" }.joined() + "quorum none\n"
        expectRejection(.malformedPolicy, containing: "more than \(Policy.maxEntries)") { _ = try Policy(parsing: text) }
    }

    /// C2SP tlog-policy: "names must be handled as opaque octet strings, e.g., the name 0x4B
    /// (ASCII "K") is different from the name 0xE2 0x84 0xAA (a Kelvin sign encoded using UTF-8)."
    @Test func policyNamesAreOpaqueOctetStrings() throws {
        let text = "witness K \(Self.w1)\nwitness \u{212A} \(Self.w2)\ngroup both all K \u{212A}\nquorum both\n"
        let policy = try Policy(parsing: text)
        #expect(policy.witnesses.count == 2)
        #expect(policy.groups.first?.members.count == 2)
        // And a group may not name the Kelvin witness by its ASCII look-alike.
        expectRejection(.malformedPolicy, containing: "not defined") {
            _ = try Policy(parsing: "witness \u{212A} \(Self.w1)\ngroup g any K\nquorum g\n")
        }
    }

    /// Groups may nest (each refers only to earlier names), so a policy of a few dozen groups,
    /// each made of the two before it, is legal; its evaluation must stay polynomial. An
    /// evaluator that re-evaluates every member recursively does Fibonacci-many calls.
    @Test func evaluatingDeeplySharedNestedGroupsDoesNotBlowUp() throws {
        let depth = 21
        var lines = ["log \(Valid.log.verifierKey)", "witness a \(Self.w1)", "witness b \(Self.w2)", "group g1 any a", "group g2 any b"]
        for i in 3...depth { lines.append("group g\(i) all g\(i - 1) g\(i - 2)") }
        lines.append("quorum g\(depth)")
        let policy = try Policy(parsing: lines.joined(separator: "\n") + "\n")
        let cosigned = try Valid.checkpoint.signed(by: [Valid.log]).signed(by: [Valid.witnesses[0], Valid.witnesses[1]], timestamp: 1).bytes
        let logOnly = try Valid.checkpoint.signed(by: [Valid.log]).bytes
        let clock = ContinuousClock()
        let start = clock.now
        let satisfied = try policy.evaluate(cosigned)
        let unmet = try policy.evaluate(logOnly)
        let elapsed = clock.now - start
        #expect(satisfied.isSatisfied && !unmet.isSatisfied)
        // One shortfall per unmet group at most: the groups and the two witnesses.
        #expect(unmet.missing.count <= depth, "\(unmet.missing.count) shortfalls for \(depth) groups")
        #expect(elapsed < .milliseconds(200), "evaluation of \(depth) nested groups took \(elapsed)")
    }

    // MARK: tlog-proof

    @Test func proofFilesWithoutAnIndexOrWithTooManyHashesAreRejected() {
        let note = Valid.note.formatted
        let hash = Valid.store.tree.root.base64
        expectRejection(.malformedProofFile, containing: "missing line \"index N\"") {
            _ = try TlogProof(parsing: Array("c2sp.org/tlog-proof@v1\n\(hash)\n\n\(note)".utf8))
        }
        expectRejection(.malformedProofFile, containing: "missing line \"index N\"") {
            _ = try TlogProof(parsing: Array("c2sp.org/tlog-proof@v1\nindex 05\n\n\(note)".utf8))
        }
        expectRejection(.malformedProofFile, containing: "missing line \"index N\"") {
            _ = try TlogProof(parsing: Array("c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n\n\(note)".utf8))
        }
        let lines = String(repeating: hash + "\n", count: 65)
        expectRejection(.malformedProofFile, containing: "inclusion proof has 65 hashes, at most 64") {
            _ = try TlogProof(parsing: Array("c2sp.org/tlog-proof@v1\nindex 5\n\(lines)\n\(note)".utf8))
        }
        expectRejection(.malformedProofFile, containing: "first line is not c2sp.org/tlog-proof@v1") {
            _ = try TlogProof(parsing: Array("c2sp.org/tlog-proof@v2\nindex 5\n\n\(note)".utf8))
        }
        expectRejection(.malformedProofFile, containing: "no empty line") {
            _ = try TlogProof(parsing: Array("c2sp.org/tlog-proof@v1\nindex 5\n".utf8))
        }
        expectRejection(.malformedProofFile, containing: "extra line is not valid base64") {
            _ = try TlogProof(parsing: Array("c2sp.org/tlog-proof@v1\nextra !!\nindex 5\n\n\(note)".utf8))
        }
        expectRejection(.malformedProofFile, containing: "inclusion proof hash 1") {
            _ = try TlogProof(parsing: Array("c2sp.org/tlog-proof@v1\nindex 5\n\(hash)\nAAAA\n\n\(note)".utf8))
        }
        // A note error inside a proof keeps the note's code and reason.
        expectRejection(.malformedNote, containing: "no blank line") {
            _ = try TlogProof(parsing: Array("c2sp.org/tlog-proof@v1\nindex 5\n\n\(Valid.checkpoint.text)".utf8))
        }
    }

    @Test func malformedCheckpointsAreRejectedWithTheReason() {
        let root = Valid.store.tree.root.base64
        expectRejection(.malformedCheckpoint, containing: "has 2 lines") { _ = try Checkpoint(text: "origin\n13\n") }
        expectRejection(.malformedCheckpoint, containing: "not a decimal") { _ = try Checkpoint(text: "origin\n013\n\(root)\n") }
        expectRejection(.malformedCheckpoint, containing: "not a decimal") { _ = try Checkpoint(text: "origin\n+13\n\(root)\n") }
        expectRejection(.malformedCheckpoint, containing: "not a decimal") { _ = try Checkpoint(text: "origin\n18446744073709551616\n\(root)\n") }
        expectRejection(.malformedCheckpoint, containing: "root hash") { _ = try Checkpoint(text: "origin\n13\nAAAA\n") }
        expectRejection(.malformedCheckpoint, containing: "origin") { _ = try Checkpoint(text: "\n13\n\(root)\n") }
        expectRejection(.malformedCheckpoint, containing: "extension lines must be non-empty") {
            _ = try Checkpoint(text: "origin\n13\n\(root)\n\nextension\n")
        }
        expectRejection(.malformedCheckpoint, containing: "newline") { _ = try Checkpoint(text: "origin\n13\n\(root)") }
    }

    @Test func hashesMustBe32BytesOfStandardBase64() {
        let root = Valid.store.tree.root.base64
        expectRejection(.malformedHash, containing: "not valid base64") { _ = try Hash(base64: "!" + root.dropFirst()) }
        expectRejection(.malformedHash, containing: "want 32") { _ = try Hash(base64: "AAAA") }
        expectRejection(.malformedHash, containing: "want 32") { _ = try Hash(base64: "") }
        expectRejection(.malformedHash, containing: "hash is 33 bytes, want 32") {
            _ = try Hash(base64: Data(Valid.store.tree.root.bytes + [0]).base64EncodedString())
        }
        expectRejection(.malformedHash, containing: "not valid base64") { _ = try Hash(base64: root + "AAAA") }
        // The URL-safe alphabet is not standard base64.
        expectRejection(.malformedHash, containing: "not valid base64") {
            _ = try Hash(base64: String(root.map { $0 == "/" ? "_" : $0 == "+" ? "-" : $0 }) + "_")
        }
    }
}

private extension Note {
    /// The text of a formatted note (up to its last blank line).
    static func textOf(_ bytes: [UInt8]) -> String {
        (try? Note(parsing: bytes))?.text ?? ""
    }
}
