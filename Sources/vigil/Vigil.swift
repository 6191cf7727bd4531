import ArgumentParser
import VigilServer

/// The `vigil` command-line tool: wiring only; the work is done by the libraries.
@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Vigil: joint prevention and control of public health events on a verifiable multi-party ledger.",
        subcommands: [
            Demo.self, Keygen.self, Sign.self, Verify.self, ChainCommand.self, Detect.self, Rt.self, Bench.self, ServeCommand.self,
            NetworkCommand.self, UserCommand.self, TokenCommand.self, ImportCommand.self, ExportCommand.self, RetentionCommand.self,
            CodeCommand.self,
        ]
    )

    /// The entry point: first lets SIGTERM and SIGINT through (a parent may have blocked them),
    /// then parses and runs the command.
    static func main() async {
        unblockTerminationSignals()
        await main(nil)
    }
}
