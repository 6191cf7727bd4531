/// The node protocol's HTTP paths (docs/node-server.md).
public enum NodeAPI {
    /// The prefix of every node-protocol path; also the C2SP tlog-witness submission prefix.
    public static let prefix = "/node/v1"

    /// The path of chain `slug`'s tlog-tiles prefix (append `checkpoint`, `tile/...`).
    public static func chainPath(_ slug: String) -> String { "\(prefix)/chains/\(slug)" }
}
