import ArgumentParser
import Foundation
import Testing
import VigilLedger

@testable import vigil

// The `vigil` command line: argument parsing in-process, then the built binary end to end (exit
// status 0 = valid, 1 = invalid or malformed input with the reason on standard error, 64 = usage).

// MARK: - Parsing

@Suite struct CLIParsingTests {
    @Test func keygenTakesANameAndOptions() throws {
        let command = try #require(try Vigil.parseAsRoot(["keygen", "clinic.example/riverside", "--out", "k.key", "--force"]) as? Keygen)
        #expect(command.name == "clinic.example/riverside")
        #expect(command.out == "k.key")
        #expect(command.force)
        #expect(!command.cosignature)
        let witness = try #require(try Vigil.parseAsRoot(["keygen", "w.example", "--cosignature"]) as? Keygen)
        #expect(witness.cosignature && witness.out == nil && !witness.force)
    }

    @Test func verifyInclusionTakesItsFiveOptions() throws {
        let command = try #require(
            try Vigil.parseAsRoot([
                "verify", "inclusion", "--index", "2", "--size", "7", "--leaf-hash", "AAA=", "--root", "BBB=", "--proof", "C=,D=",
            ]) as? Verify.Inclusion)
        #expect(command.index == 2)
        #expect(command.size == 7)
        #expect(command.leafHash == "AAA=")
        #expect(command.root == "BBB=")
        #expect(command.proof == "C=,D=")
    }

    @Test func verifyConsistencyAcceptsAnEmptyProof() throws {
        let command = try #require(
            try Vigil.parseAsRoot([
                "verify", "consistency", "--old", "3", "--new", "3", "--old-root", "A=", "--new-root", "B=", "--proof", "",
            ]) as? Verify.Consistency)
        #expect(command.old == 3 && command.new == 3)
        #expect(command.oldRoot == "A=" && command.newRoot == "B=")
        #expect(command.proof == "")
    }

    @Test func verifyNoteTakesRepeatedKeysAndAnOptionalFile() throws {
        let command = try #require(try Vigil.parseAsRoot(["verify", "note", "--key", "a+1+x", "--key", "b+2+y", "n.txt"]) as? Verify.NoteCommand)
        #expect(command.keys == ["a+1+x", "b+2+y"])
        #expect(command.file == "n.txt")
        let stdin = try #require(try Vigil.parseAsRoot(["verify", "note", "--key", "a+1+x"]) as? Verify.NoteCommand)
        #expect(stdin.file == nil)
    }

    @Test func verifyProofTakesAFileAPolicyAndAnOptionalEntry() throws {
        let command = try #require(try Vigil.parseAsRoot(["verify", "proof", "p.tlog-proof", "--policy", "policy.txt"]) as? Verify.Proof)
        #expect(command.file == "p.tlog-proof")
        #expect(command.policy == "policy.txt")
        #expect(command.entry == nil)
        let withEntry = try #require(
            try Vigil.parseAsRoot(["verify", "proof", "--policy", "p", "f", "--entry", "e.json"]) as? Verify.Proof)
        #expect(withEntry.entry == "e.json" && withEntry.file == "f")
    }

    @Test func signTakesAKeyFileATimestampAndAnOptionalInput() throws {
        let command = try #require(try Vigil.parseAsRoot(["sign", "--key", "k.key", "--timestamp", "1700000000", "in.txt"]) as? Sign)
        #expect(command.key == "k.key")
        #expect(command.timestamp == 1_700_000_000)
        #expect(command.file == "in.txt")
    }

    @Test(arguments: [
        ["verify", "inclusion", "--index", "2", "--size", "7", "--leaf-hash", "A=", "--root", "B="],  // no --proof
        ["verify", "inclusion", "--index", "-1", "--size", "7", "--leaf-hash", "A=", "--root", "B=", "--proof", ""],
        ["verify", "inclusion", "--index", "x", "--size", "7", "--leaf-hash", "A=", "--root", "B=", "--proof", ""],
        ["verify", "consistency", "--old", "1", "--new", "2", "--old-root", "A=", "--proof", ""],  // no --new-root
        ["verify", "note"],  // no --key
        ["verify", "note", "--key"],
        ["verify", "proof", "p.tlog-proof"],  // no --policy
        ["keygen"],
        ["sign", "in.txt"],
        ["verify", "frobnicate"],
        ["keygen", "a", "--bogus"],
    ])
    func usageErrorsExitWith64(arguments: [String]) {
        do {
            let command = try Vigil.parseAsRoot(arguments)
            Issue.record("parsed \(arguments) as \(command)")
        } catch {
            #expect(Vigil.exitCode(for: error) == ExitCode(64), "\(arguments): \(error)")
        }
    }
}

// MARK: - End to end

/// Runs the built `vigil` binary.
enum VigilBinary {
    /// Where `swift build` / `swift test` put the executable: beside the test bundle.
    static let location: Result<URL, LocationError> = {
        var candidates: [URL] = []
        if let argument = ProcessInfo.processInfo.arguments.first {
            candidates.append(URL(fileURLWithPath: argument).deletingLastPathComponent())
        }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for directory in candidates {
            let url = directory.appendingPathComponent("vigil")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: url.path)
            {
                return .success(url)
            }
        }
        return .failure(LocationError(searched: candidates.map(\.path)))
    }()

    struct LocationError: Error, CustomStringConvertible {
        var searched: [String]
        var description: String {
            "the vigil executable was not found beside the test bundle (searched \(searched.joined(separator: ", "))); "
                + "build it with `swift build` before `swift test --skip-build`"
        }
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `vigil arguments` in `directory`, with `input` on standard input.
    static func run(_ arguments: [String], input: [UInt8] = [], in directory: URL) throws -> Run {
        let executable = try location.get()
        let stdoutURL = directory.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let stderrURL = directory.appendingPathComponent(".stderr-\(UUID().uuidString)")
        let stdinURL = directory.appendingPathComponent(".stdin-\(UUID().uuidString)")
        try Data(input).write(to: stdinURL)
        try Data().write(to: stdoutURL)
        try Data().write(to: stderrURL)
        defer {
            for url in [stdoutURL, stderrURL, stdinURL] { try? FileManager.default.removeItem(at: url) }
        }
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        let stdin = try FileHandle(forReadingFrom: stdinURL)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        process.waitUntilExit()
        try stdout.close()
        try stderr.close()
        try stdin.close()
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self))
    }
}

/// A fresh temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

private func write(_ text: String, to directory: URL, _ name: String) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

private func expectRun(
    _ run: VigilBinary.Run, status: Int32, stderrContains fragments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(run.status == status, "exit \(run.status), want \(status); stderr: \(run.stderr)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(run.stderr.contains(fragment), "stderr \"\(run.stderr)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
    }
    if status == 1 {
        #expect(run.stderr.hasPrefix("vigil: "), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    }
}

private enum CLIFixtures {
    static func seed(_ byte: UInt8) -> [UInt8] { Array(repeating: byte, count: 32) }
    static let log = try! SignerKey(name: "vigil.example/district-1", seed: seed(0x41))
    static let clinic = try! SignerKey(name: "clinic.example/riverside", seed: seed(0x42))
    static let witnesses = (1...3).map { try! SignerKey(name: "w\($0).example", type: .cosignature, seed: seed(UInt8(0x50 + $0))) }

    static let entries: [[UInt8]] = (0..<7).map { Array("{\"report\":\($0)}\n".utf8) }
    static let store: InMemoryHashStore = {
        var store = InMemoryHashStore()
        store.append(contentsOf: entries.map(MerkleHasher.leafHash))
        return store
    }()
    static func root(_ size: UInt64) -> String { try! MerkleProof.root(size: TreeSize(size), store: store).base64 }
    static func leaf(_ index: UInt64) -> String { try! store.hashes(for: [NodeID(level: 0, index: index)])[0].base64 }
    static func inclusion(_ index: UInt64, _ size: UInt64) -> [String] {
        try! MerkleProof.inclusionProof(index: LeafIndex(index), size: TreeSize(size), store: store).map(\.base64)
    }
    static func consistency(_ old: UInt64, _ new: UInt64) -> [String] {
        try! MerkleProof.consistencyProof(from: TreeSize(old), to: TreeSize(new), store: store).map(\.base64)
    }

    static let policy = """
        log \(log.verifierKey)
        witness w1 \(witnesses[0].verifierKey)
        witness w2 \(witnesses[1].verifierKey)
        witness w3 \(witnesses[2].verifierKey)
        group two 2 w1 w2 w3
        quorum two

        """

    static func proof(cosignedBy cosigners: [SignerKey], extra: Bool = true) -> String {
        let checkpoint = try! Checkpoint(origin: log.name, size: store.tree.size, root: store.tree.root)
        let note = try! checkpoint.signed(by: [log]).signed(by: cosigners, timestamp: 1_700_000_000)
        return try! TlogProof.produce(index: 4, checkpointNote: note, store: store, extra: extra ? entries[4] : nil).formatted
    }
}

private typealias C = CLIFixtures

@Suite struct CLIEndToEndTests {
    @Test func theBinaryIsBuiltBesideTheTests() {
        if case .failure(let error) = VigilBinary.location { Issue.record("\(error)") }
    }

    @Test func keygenWritesAPrivateKeyFileAndPrintsTheVerifierKey() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("clinic.key").path
            let run = try VigilBinary.run(["keygen", "clinic.example/riverside", "--out", path], in: directory)
            expectRun(run, status: 0)
            let printed = try VerifierKey(run.stdout.trimmingCharacters(in: .newlines))
            #expect(printed.name == "clinic.example/riverside")
            #expect(printed.type == .ed25519)
            #expect(run.stdout.hasSuffix("\n") && run.stdout.filter { $0 == "\n" }.count == 1)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasPrefix("PRIVATE+KEY+clinic.example/riverside+"))
            let signer = try SignerKey(text.trimmingCharacters(in: .newlines))
            #expect(signer.verifierKey == printed)

            // No silent overwrite...
            let again = try VigilBinary.run(["keygen", "clinic.example/riverside", "--out", path], in: directory)
            expectRun(again, status: 1, stderrContains: ["exists", "--force"])
            #expect(again.stdout.isEmpty)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
            // ...unless forced, and a forced file is private again even if it was not.
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            let forced = try VigilBinary.run(["keygen", "clinic.example/riverside", "--out", path, "--force"], in: directory)
            expectRun(forced, status: 0)
            #expect(try String(contentsOfFile: path, encoding: .utf8) != text)
            #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
    }

    @Test func keygenDefaultsToTheNameAndMakesCosignatureKeys() throws {
        try withTemporaryDirectory { directory in
            let run = try VigilBinary.run(["keygen", "witness.example/w1", "--cosignature"], in: directory)
            expectRun(run, status: 0)
            #expect(try VerifierKey(run.stdout.trimmingCharacters(in: .newlines)).type == .cosignature)
            let path = directory.appendingPathComponent("witness.example_w1.key").path
            #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            let bad = try VigilBinary.run(["keygen", "bad name"], in: directory)
            expectRun(bad, status: 1, stderrContains: ["invalid key name"])
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("bad name.key").path))
        }
    }

    @Test func signedNotesVerifyAndPrintTheNamesThatSigned() throws {
        try withTemporaryDirectory { directory in
            let clinicKey = try write(C.clinic.text + "\n", to: directory, "clinic.key")
            let logKey = try write(C.log.text + "\n", to: directory, "log.key")
            let text = try write("measles: 3 cases\nweek 47\n", to: directory, "report.txt")

            let signed = try VigilBinary.run(["sign", "--key", clinicKey, text], in: directory)
            expectRun(signed, status: 0)
            let note = try Note(parsing: signed.stdout)
            #expect(note.text == "measles: 3 cases\nweek 47\n")
            #expect(note.signatures.map(\.name) == [C.clinic.name])
            // A second signature is added to the signed note, from standard input.
            let twice = try VigilBinary.run(["sign", "--key", logKey], input: Array(signed.stdout.utf8), in: directory)
            expectRun(twice, status: 0)
            let notePath = try write(twice.stdout, to: directory, "report.note")

            let one = try VigilBinary.run(["verify", "note", "--key", "\(C.clinic.verifierKey)", notePath], in: directory)
            expectRun(one, status: 0)
            #expect(one.stdout == "\(C.clinic.name)\n")
            let both = try VigilBinary.run(
                ["verify", "note", "--key", "\(C.log.verifierKey)", "--key", "\(C.clinic.verifierKey)", notePath], in: directory)
            expectRun(both, status: 0)
            #expect(both.stdout == "\(C.clinic.name)\n\(C.log.name)\n")
            let stdin = try VigilBinary.run(["verify", "note", "--key", "\(C.log.verifierKey)"], input: Array(twice.stdout.utf8), in: directory)
            expectRun(stdin, status: 0)
            #expect(stdin.stdout == "\(C.log.name)\n")
        }
    }

    @Test func witnessesCosignCheckpointsAndCosignatureKeysVerifyThem() throws {
        try withTemporaryDirectory { directory in
            let witnessKey = try write(C.witnesses[0].text + "\n", to: directory, "w1.key")
            let checkpoint = try Checkpoint(origin: C.log.name, size: C.store.tree.size, root: C.store.tree.root)
            let signed = try write(try checkpoint.signed(by: [C.log]).formatted, to: directory, "checkpoint")

            let cosigned = try VigilBinary.run(["sign", "--key", witnessKey, "--timestamp", "1700000000", signed], in: directory)
            expectRun(cosigned, status: 0)
            let note = try Note(parsing: cosigned.stdout)
            #expect(note.signatures.map(\.name) == [C.log.name, C.witnesses[0].name])
            #expect(try CosignatureBytes(signatureLine: note.signatures[1]).timestamp == 1_700_000_000)
            let path = try write(cosigned.stdout, to: directory, "cosigned")

            let run = try VigilBinary.run(
                ["verify", "note", "--key", "\(C.witnesses[0].verifierKey)", "--key", "\(C.log.verifierKey)", path], in: directory)
            expectRun(run, status: 0)
            #expect(run.stdout == "\(C.log.name)\n\(C.witnesses[0].name)\n")

            // A cosignature is over a checkpoint, never over any text.
            let text = try write("not a checkpoint\n", to: directory, "text")
            expectRun(try VigilBinary.run(["sign", "--key", witnessKey, text], in: directory), status: 1, stderrContains: ["checkpoint"])
        }
    }

    @Test func notesFailWithAWrongKeyATamperedTextOrBadInput() throws {
        try withTemporaryDirectory { directory in
            let note = try Note(text: "measles: 3 cases\n").signed(by: [C.clinic])
            let notePath = try write(note.formatted, to: directory, "report.note")
            let stranger = try SignerKey(name: "stranger.example", seed: C.seed(0x99)).verifierKey

            let wrong = try VigilBinary.run(["verify", "note", "--key", "\(stranger)", notePath], in: directory)
            expectRun(wrong, status: 1, stderrContains: ["invalid note", "no signature by a known key"])
            #expect(wrong.stdout.isEmpty)

            let tampered = try write(note.formatted.replacingOccurrences(of: "3 cases", with: "0 cases"), to: directory, "tampered.note")
            let bad = try VigilBinary.run(["verify", "note", "--key", "\(C.clinic.verifierKey)", tampered], in: directory)
            expectRun(bad, status: 1, stderrContains: ["does not verify"])

            let malformedKey = try VigilBinary.run(["verify", "note", "--key", "clinic.example+zz+AAAA", notePath], in: directory)
            expectRun(malformedKey, status: 1, stderrContains: ["--key", "not 8 hex digits"])

            let twice = try VigilBinary.run(
                ["verify", "note", "--key", "\(C.clinic.verifierKey)", "--key", "\(C.clinic.verifierKey)", notePath], in: directory)
            expectRun(twice, status: 1, stderrContains: ["ambiguous key"])

            let missing = try VigilBinary.run(["verify", "note", "--key", "\(C.clinic.verifierKey)", "nope.note"], in: directory)
            expectRun(missing, status: 1, stderrContains: ["cannot read nope.note"])

            let control = try VigilBinary.run(["verify", "note", "--key", "\(C.clinic.verifierKey)"], input: [0x01] + note.bytes, in: directory)
            expectRun(control, status: 1, stderrContains: ["control character 0x01 at byte 0"])

            let noKey = try VigilBinary.run(["verify", "note", notePath], in: directory)
            expectRun(noKey, status: 64, stderrContains: ["--key"])
        }
    }

    /// A directory (or a file that cannot be opened) is reported as `vigil: cannot read PATH: REASON`,
    /// never as a Foundation error, by every command that reads files.
    @Test func unreadableInputsAreNamedWithTheReason() throws {
        try withTemporaryDirectory { directory in
            let folder = directory.appendingPathComponent("folder")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let key = try write(C.clinic.text + "\n", to: directory, "clinic.key")
            let policy = try write(C.policy, to: directory, "policy.txt")
            let series = try write("observed\n" + String(repeating: "1\n", count: 20), to: directory, "series.csv")
            let runs: [[String]] = [
                ["verify", "note", "--key", "\(C.clinic.verifierKey)", folder.path],
                ["sign", "--key", key, folder.path],
                ["sign", "--key", folder.path],
                ["verify", "proof", folder.path, "--policy", policy],
                ["verify", "proof", policy, "--policy", folder.path],
                ["chain", "replay", folder.path],
                ["detect", "--method", "ears-c1", "--input", folder.path],
                ["detect", "--method", "ears-c1", "--input", series, "--control", "@" + folder.path],
                ["rt", "--input", folder.path, "--method", "parametric-si", "--mean-si", "2.6", "--std-si", "1.5"],
            ]
            for arguments in runs {
                let run = try VigilBinary.run(arguments, in: directory)
                expectRun(run, status: 1, stderrContains: ["vigil: cannot read \(folder.path): is a directory"])
                #expect(!run.stderr.contains("Error Domain") && !run.stderr.contains("Error:"), "\(arguments): \(run.stderr)")
                #expect(run.stdout.isEmpty, "\(arguments): \(run.stdout)")
            }
            let missing = try VigilBinary.run(["verify", "note", "--key", "\(C.clinic.verifierKey)", "nope.note"], in: directory)
            expectRun(missing, status: 1, stderrContains: ["cannot read nope.note: no such file or directory"])
        }
    }

    @Test func inclusionProofsVerifyOrFailWithTheReason() throws {
        try withTemporaryDirectory { directory in
            let proof = C.inclusion(2, 7)
            #expect(proof.count == 3)
            func inclusion(index: String = "2", size: String = "7", leaf: String = C.leaf(2), root: String = C.root(7), proof: [String]) throws
                -> VigilBinary.Run
            {
                try VigilBinary.run(
                    [
                        "verify", "inclusion", "--index", index, "--size", size, "--leaf-hash", leaf, "--root", root,
                        "--proof", proof.joined(separator: ","),
                    ],
                    in: directory)
            }
            let valid = try inclusion(proof: proof)
            expectRun(valid, status: 0)
            #expect(valid.stdout == "valid: leaf 2 is in the tree of size 7\n")

            expectRun(
                try inclusion(proof: Array(proof.prefix(2))), status: 1,
                stderrContains: ["invalid inclusion proof", "wrong proof size 2, want 3"])
            expectRun(try inclusion(proof: proof + [proof[0]]), status: 1, stderrContains: ["wrong proof size 4, want 3"])
            expectRun(try inclusion(index: "3", proof: proof), status: 1, stderrContains: ["calculated root"])
            expectRun(try inclusion(root: C.root(6), proof: proof), status: 1, stderrContains: ["calculated root"])
            expectRun(try inclusion(index: "7", proof: proof), status: 1, stderrContains: ["beyond the tree size"])
            // Malformed base64 anywhere is invalid input, named.
            expectRun(try inclusion(root: "not*base64", proof: proof), status: 1, stderrContains: ["--root is not valid base64"])
            expectRun(try inclusion(leaf: "@@@@", proof: proof), status: 1, stderrContains: ["--leaf-hash is not valid base64"])
            expectRun(try inclusion(proof: [proof[0], "%%%", proof[2]]), status: 1, stderrContains: ["--proof[1] is not valid base64"])
            expectRun(try inclusion(proof: [proof[0], "AAAA", proof[2]]), status: 1, stderrContains: ["proof[1] is 3 bytes, want 32"])
            expectRun(try inclusion(leaf: "AAAA", proof: proof), status: 1, stderrContains: ["want 32"])
            // Sixty-five hashes are refused before any work.
            expectRun(try inclusion(proof: Array(repeating: proof[0], count: 65)), status: 1, stderrContains: ["65 hashes, at most 64"])

            // The empty proof: leaf 0 of a one-leaf tree is the root.
            let single = try inclusion(index: "0", size: "1", leaf: C.leaf(0), root: C.leaf(0), proof: [])
            expectRun(single, status: 0)
            expectRun(try inclusion(proof: []), status: 1, stderrContains: ["wrong proof size 0, want 3"])
        }
    }

    @Test func consistencyProofsVerifyOrFailWithTheReason() throws {
        try withTemporaryDirectory { directory in
            func consistency(old: UInt64 = 3, new: UInt64 = 7, oldRoot: String? = nil, newRoot: String? = nil, proof: [String]) throws
                -> VigilBinary.Run
            {
                try VigilBinary.run(
                    [
                        "verify", "consistency", "--old", "\(old)", "--new", "\(new)", "--old-root", oldRoot ?? C.root(old),
                        "--new-root", newRoot ?? C.root(new), "--proof", proof.joined(separator: ","),
                    ], in: directory)
            }
            let proof = C.consistency(3, 7)
            let valid = try consistency(proof: proof)
            expectRun(valid, status: 0)
            #expect(valid.stdout == "valid: the tree of size 7 extends the tree of size 3\n")
            expectRun(try consistency(old: 4, new: 7, proof: C.consistency(4, 7)), status: 0)

            expectRun(
                try consistency(proof: Array(proof.dropLast())), status: 1,
                stderrContains: ["invalid consistency proof", "wrong proof size \(proof.count - 1), want \(proof.count)"])
            expectRun(try consistency(newRoot: C.root(6), proof: proof), status: 1, stderrContains: ["calculated new root"])
            expectRun(try consistency(oldRoot: C.root(2), proof: proof), status: 1, stderrContains: ["calculated old root"])
            expectRun(
                try consistency(old: 7, new: 3, oldRoot: C.root(7), newRoot: C.root(3), proof: proof), status: 1,
                stderrContains: ["new size 3 < old size 7"])
            expectRun(try consistency(oldRoot: "!!", proof: proof), status: 1, stderrContains: ["--old-root is not valid base64"])

            // --proof "": equal sizes and roots are consistent; different ones need hashes.
            let same = try consistency(old: 7, new: 7, proof: [])
            expectRun(same, status: 0)
            expectRun(try consistency(old: 7, new: 7, oldRoot: C.root(7), newRoot: C.root(6), proof: []), status: 1, stderrContains: ["roots differ"])
            expectRun(try consistency(proof: []), status: 1, stderrContains: ["wrong proof size 0, want \(proof.count)"])
        }
    }

    @Test func aMissingOptionIsAUsageError() throws {
        try withTemporaryDirectory { directory in
            let run = try VigilBinary.run(
                ["verify", "inclusion", "--index", "2", "--size", "7", "--leaf-hash", C.leaf(2), "--root", C.root(7)], in: directory)
            expectRun(run, status: 64, stderrContains: ["--proof", "Usage:"])
            #expect(run.stdout.isEmpty)
            expectRun(try VigilBinary.run(["verify", "proof", "x.tlog-proof"], in: directory), status: 64, stderrContains: ["--policy"])
            expectRun(try VigilBinary.run(["frobnicate"], in: directory), status: 64)
        }
    }

    @Test func proofsVerifyAgainstAPolicyOrNameWhatIsMissing() throws {
        try withTemporaryDirectory { directory in
            let policy = try write(C.policy, to: directory, "policy.txt")
            let good = try write(C.proof(cosignedBy: [C.witnesses[0], C.witnesses[2]]), to: directory, "good.tlog-proof")
            let valid = try VigilBinary.run(["verify", "proof", good, "--policy", policy], in: directory)
            expectRun(valid, status: 0)
            #expect(valid.stdout == "valid: entry 4 of \(C.log.name) at size 7\ncosigned by: w1, w3\n")

            // The entry given from a file, for a proof without extra data.
            let bare = try write(C.proof(cosignedBy: C.witnesses, extra: false), to: directory, "bare.tlog-proof")
            let entry = try write(String(decoding: C.entries[4], as: UTF8.self), to: directory, "entry.json")
            expectRun(try VigilBinary.run(["verify", "proof", bare, "--policy", policy, "--entry", entry], in: directory), status: 0)
            let other = try write(String(decoding: C.entries[5], as: UTF8.self), to: directory, "other.json")
            expectRun(
                try VigilBinary.run(["verify", "proof", bare, "--policy", policy, "--entry", other], in: directory), status: 1,
                stderrContains: ["invalid proof", "calculated root"])
            expectRun(try VigilBinary.run(["verify", "proof", bare, "--policy", policy], in: directory), status: 1, stderrContains: ["no entry"])

            // One cosignature where two are needed: the reason names the group and who is missing.
            let weak = try write(C.proof(cosignedBy: [C.witnesses[1]]), to: directory, "weak.tlog-proof")
            let unmet = try VigilBinary.run(["verify", "proof", weak, "--policy", policy], in: directory)
            expectRun(unmet, status: 1, stderrContains: ["quorum not met", "group two needs 1 more of: w1, w3"])
            #expect(unmet.stdout.isEmpty)

            // Malformed inputs name the file and the reason.
            let badPolicy = try write(C.policy.replacingOccurrences(of: "quorum two", with: "quorum three"), to: directory, "bad-policy.txt")
            expectRun(
                try VigilBinary.run(["verify", "proof", good, "--policy", badPolicy], in: directory), status: 1,
                stderrContains: ["policy \(badPolicy)", "line 6: quorum three is not defined"])
            let badProof = try write(
                C.proof(cosignedBy: C.witnesses).replacingOccurrences(of: "index 4", with: "index 04"), to: directory, "bad.tlog-proof")
            expectRun(
                try VigilBinary.run(["verify", "proof", badProof, "--policy", policy], in: directory), status: 1,
                stderrContains: ["proof \(badProof)", "index N"])
        }
    }
}
