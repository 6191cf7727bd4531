import ArgumentParser
import Foundation
import VigilLedger

/// `vigil verify ...`: offline verification of proofs, notes and tlog-proofs.
///
/// Exit status 0 means valid; 1 means invalid or malformed input, with the reason on standard
/// error.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify Merkle proofs, signed notes and offline proofs. Exit 0 = valid, 1 = invalid.",
        subcommands: [Inclusion.self, Consistency.self, NoteCommand.self, Proof.self, VerifyChain.self]
    )

    struct Inclusion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an RFC 9162 inclusion proof of a leaf hash in a tree.")

        @Option(help: "Zero-based index of the leaf.") var index: UInt64
        @Option(help: "Tree size.") var size: UInt64
        @Option(help: "Leaf hash, base64.") var leafHash: String
        @Option(help: "Root hash, base64.") var root: String
        @Option(help: "Proof hashes, base64, comma-separated (\"\" for an empty proof).") var proof: String

        func run() throws {
            let leaf = try IO.hash(leafHash, what: "--leaf-hash")
            let rootBytes = try IO.hash(root, what: "--root")
            let proofBytes = try IO.base64List(proof, what: "--proof")
            try IO.checking("invalid inclusion proof") {
                try MerkleProof.verifyInclusion(index: index, size: size, leafHash: leaf, proof: proofBytes, root: rootBytes)
            }
            print("valid: leaf \(index) is in the tree of size \(size)")
        }
    }

    struct Consistency: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an RFC 9162 consistency proof between two tree sizes.")

        @Option(help: "Old tree size.") var old: UInt64
        @Option(help: "New tree size.") var new: UInt64
        @Option(help: "Old root hash, base64.") var oldRoot: String
        @Option(help: "New root hash, base64.") var newRoot: String
        @Option(help: "Proof hashes, base64, comma-separated (\"\" for an empty proof).") var proof: String

        func run() throws {
            let oldBytes = try IO.hash(oldRoot, what: "--old-root")
            let newBytes = try IO.hash(newRoot, what: "--new-root")
            let proofBytes = try IO.base64List(proof, what: "--proof")
            try IO.checking("invalid consistency proof") {
                try MerkleProof.verifyConsistency(from: old, to: new, proof: proofBytes, oldRoot: oldBytes, newRoot: newBytes)
            }
            print("valid: the tree of size \(new) extends the tree of size \(old)")
        }
    }

    struct NoteCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "note",
            abstract: "Verify a signed note against verifier keys; print the names whose signatures verified.",
            discussion: """
                Keys of type 0x01 (note signatures) and 0x04 (cosignatures over a checkpoint) are \
                accepted. Signatures by other keys are ignored; a failing signature by a given key \
                rejects the note; at least one must verify.
                """
        )

        @Option(name: .customLong("key"), help: "A verifier key (repeat for several).") var keys: [String] = []
        @Argument(help: "The note (default: standard input).") var file: String?

        func validate() throws {
            guard !keys.isEmpty else { throw ValidationError("give at least one --key") }
        }

        func run() throws {
            let verifiers = try keys.map { text in try IO.checking("--key") { try VerifierKey(text) } }
            let input = try IO.read(file, limit: Note.maxSize)
            let verified = try IO.checking("invalid note") { try VerifierSet(verifiers).verify(input) }
            for signature in verified.verified { print(signature.name) }
        }
    }

    struct Proof: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a C2SP tlog-proof against a C2SP tlog-policy, offline.",
            discussion: """
                Checks the checkpoint's log signature and witness quorum, then the inclusion of \
                the entry: the one given with --entry, or else the proof's extra data.
                """
        )

        @Argument(help: "The .tlog-proof file.") var file: String
        @Option(help: "The policy file.") var policy: String
        @Option(help: "The entry whose inclusion is proved (default: the proof's extra data).") var entry: String?

        func run() throws {
            let policyText = try IO.read(policy, limit: VigilLedger.Policy.maxSize)
            let parsedPolicy = try IO.checking("policy \(policy)") {
                try VigilLedger.Policy(parsing: String(decoding: policyText, as: UTF8.self))
            }
            let proofBytes = try IO.read(file, limit: TlogProof.maxSize)
            let proof = try IO.checking("proof \(file)") { try TlogProof(parsing: proofBytes) }
            let entryBytes = try entry.map { try IO.read($0, limit: 16 << 20) }
            let evaluation = try IO.checking("invalid proof") { try proof.verify(entry: entryBytes, policy: parsedPolicy) }
            print("valid: entry \(proof.index) of \(evaluation.checkpoint.origin) at size \(evaluation.checkpoint.size)")
            if !evaluation.cosigners.isEmpty { print("cosigned by: " + evaluation.cosigners.joined(separator: ", ")) }
        }
    }
}
