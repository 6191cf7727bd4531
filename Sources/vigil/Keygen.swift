import ArgumentParser
import Foundation
import VigilLedger

/// `vigil keygen NAME [--out FILE]`: a new Ed25519 signer key.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate an Ed25519 key: write the signer key (mode 0600) and print the verifier key.",
        discussion: """
            The signer key (PRIVATE+KEY+NAME+...) is written to FILE, by default NAME.key with \
            every '/' replaced by '_'. The verifier key (NAME+keyid+...) is printed on standard \
            output; give it to the parties that verify this key's signatures.
            """
    )

    @Argument(help: "The key name, e.g. clinic.riverside or vigil.example/district-1.")
    var name: String

    @Option(help: "Where to write the signer key.")
    var out: String?

    @Flag(help: "Make a witness cosignature key (type 0x04) instead of a note signing key (0x01).")
    var cosignature = false

    @Flag(help: "Replace FILE if it exists.")
    var force = false

    func run() throws {
        let key = try IO.checking("keygen") {
            try SignerKey.generate(name: name, type: cosignature ? .cosignature : .ed25519)
        }
        let path = out ?? name.replacingOccurrences(of: "/", with: "_") + ".key"
        try IO.writePrivate(key.text + "\n", to: path, overwrite: force)
        print(key.verifierKey)
    }
}
