extension TransmissionGraph {
    /// The graph as plain nodes and edges, for JSON: nodes in key order with their generation
    /// and root, edges ordered by infector then infectee.
    public struct Export: Sendable, Hashable, Codable {
        public struct Node: Sendable, Hashable, Codable {
            public let id: PersonKey
            public let generation: Int
            /// The root of the node's chain, which names its cluster.
            public let root: PersonKey
        }
        public let nodes: [Node]
        public let edges: [Edge]
    }

    /// The nodes and edges to encode as JSON (`JSONEncoder` with `.sortedKeys` gives a
    /// byte-stable document, since the arrays are already ordered).
    public func exported() -> Export {
        let generations = generations()
        return Export(
            nodes: persons.sorted().map { Export.Node(id: $0, generation: generations[$0] ?? 1, root: root(of: $0)) },
            edges: edges)
    }

    /// The graph in Graphviz DOT, deterministic: a `digraph` named `name`, every person as a
    /// quoted node in key order, then the edges ordered by infector then infectee, with the
    /// evidence as the edge label. Quotes, backslashes and line breaks in keys and labels are
    /// escaped.
    ///
    /// ```
    /// digraph "transmission" {
    ///   "A";
    ///   "B";
    ///   "A" -> "B" [label="household"];
    /// }
    /// ```
    public func dot(name: String = "transmission") -> String {
        var out = "digraph \(Self.quoted(name)) {\n"
        for person in persons.sorted() { out += "  \(Self.quoted(person));\n" }
        for edge in edges {
            out += "  \(Self.quoted(edge.infector)) -> \(Self.quoted(edge.infectee))"
            if let evidence = edge.evidence { out += " [label=\(Self.quoted(evidence))]" }
            out += ";\n"
        }
        return out + "}\n"
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for ch in text {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n", "\r\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.append(ch)
            }
        }
        return out + "\""
    }
}
