import Foundation
import Testing
import VigilCommunity

@Suite struct TransmissionGraphTests {
    typealias Edge = TransmissionGraph.Edge

    func sample() throws -> TransmissionGraph {
        try TransmissionGraph(
            persons: ["E"],
            edges: [
                Edge(infector: "C", infectee: "D", evidence: #"lab "WGS""#), Edge(infector: "A", infectee: "B", evidence: "household"),
                Edge(infector: "A", infectee: "C"),
            ])
    }

    @Test func dotOutputIsExactAndDeterministic() throws {
        let expected = """
            digraph "transmission" {
              "A";
              "B";
              "C";
              "D";
              "E";
              "A" -> "B" [label="household"];
              "A" -> "C";
              "C" -> "D" [label="lab \\"WGS\\""];
            }

            """
        #expect(try sample().dot() == expected)
    }

    @Test func chainsDescendantsGenerationsAndClusters() throws {
        var g = try sample()
        try g.add(Edge(infector: "X", infectee: "Y"))
        #expect(g.chain(to: "D") == ["A", "C", "D"])
        #expect(g.root(of: "D") == "A")
        #expect(g.chain(to: "A") == ["A"])
        #expect(g.descendants(of: "A") == ["B", "C", "D"])
        #expect(g.descendants(of: "D") == [])
        #expect(g.generation(of: "D") == 3)
        #expect(g.generations() == ["A": 1, "B": 2, "C": 2, "D": 3, "E": 1, "X": 1, "Y": 2])
        #expect(g.clusters().map(\.members) == [["A", "B", "C", "D"], ["X", "Y"], ["E"]])
        #expect(g.infectees(of: "A") == ["B", "C"])
    }

    @Test func selfLoopsCyclesAndSecondInfectorsAreConflicts() throws {
        var g = try sample()
        let before = g
        let selfLoop = communityError { try g.add(Edge(infector: "B", infectee: "B")) }
        #expect(selfLoop == CommunityError(.conflict))
        let cycle = communityError { try g.add(Edge(infector: "D", infectee: "A")) }
        #expect(cycle == CommunityError(.conflict))
        #expect(cycle?.message.contains("cycle") == true)
        // Replacing does not license a cycle either: D is below C.
        #expect(throws: CommunityError(.conflict)) { try g.add(Edge(infector: "D", infectee: "C"), replacingInfector: true) }
        let second = communityError { try g.add(Edge(infector: "E", infectee: "D")) }
        #expect(second == CommunityError(.conflict))
        #expect(second?.message.contains("already has infector C") == true)
        #expect(g == before)
        // Re-adding the same edge is a no-op.
        try g.add(Edge(infector: "A", infectee: "B", evidence: "household"))
        #expect(g == before)
    }

    @Test func anInfectorIsReplacedOnlyExplicitly() throws {
        var g = try sample()
        try g.add(Edge(infector: "E", infectee: "D", evidence: "re-interview"), replacingInfector: true)
        #expect(g.chain(to: "D") == ["E", "D"])
        #expect(g.descendants(of: "A") == ["B", "C"])
        #expect(g.infectees(of: "C") == [])
        g.removeInfector(of: "D")
        #expect(g.root(of: "D") == "D")
        #expect(g.persons.contains("D"))
    }

    @Test func jsonExportAndRoundTrip() throws {
        let g = try sample()
        let export = g.exported()
        #expect(export.nodes.map(\.id) == ["A", "B", "C", "D", "E"])
        #expect(export.nodes.map(\.generation) == [1, 2, 2, 3, 1])
        #expect(export.nodes.map(\.root) == ["A", "A", "A", "A", "E"])
        #expect(export.edges.map(\.infectee) == ["B", "C", "D"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(export), as: UTF8.self)
        #expect(json.hasPrefix(#"{"edges":[{"evidence":"household","infectee":"B","infector":"A"}"#))
        #expect(try JSONDecoder().decode(TransmissionGraph.self, from: encoder.encode(g)) == g)
        let cyclic = Data(#"{"persons":[],"edges":[{"infector":"A","infectee":"B"},{"infector":"B","infectee":"A"}]}"#.utf8)
        #expect(throws: CommunityError(.conflict)) { try JSONDecoder().decode(TransmissionGraph.self, from: cyclic) }
    }
}
