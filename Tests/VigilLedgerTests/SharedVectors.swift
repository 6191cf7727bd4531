import Foundation

/// Locates the public test vectors in `../shared/vectors/` beside the repository. Tests that use
/// them skip their cases, with a printed reason, when the folder is absent.
enum SharedVectors {
    static let directory: URL? = {
        var url = URL(fileURLWithPath: #filePath)  // .../Tests/VigilLedgerTests/SharedVectors.swift
        for _ in 0..<3 { url.deleteLastPathComponent() }  // repository root
        let vectors = url.deletingLastPathComponent().appendingPathComponent("shared/vectors")
        return FileManager.default.fileExists(atPath: vectors.path) ? vectors : nil
    }()

    /// The JSON files below `folder`, or nil (with a printed reason) when the vectors are absent.
    static func jsonFiles(in folder: String) -> [URL]? {
        guard let directory else {
            print("skipping shared vector cases: ../shared/vectors is absent")
            return nil
        }
        let root = directory.appendingPathComponent(folder)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }
}
