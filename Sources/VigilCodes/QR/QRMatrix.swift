/// A square grid of QR modules, row-major, `true` = dark. The encoder produces one (with function
/// patterns, data, mask and format information in place); the image readers produce one by
/// sampling a picture; the matrix decoder turns one back into bytes. No quiet zone is included.
public struct QRMatrix: Sendable, Equatable {
    /// Modules per side: 17 + 4 × version (21 … 177).
    public let size: Int
    /// `size × size` modules, row by row from the top left.
    public var modules: [Bool]

    public init(size: Int, modules: [Bool]) {
        precondition(modules.count == size * size, "QRMatrix needs size × size modules")
        self.size = size
        self.modules = modules
    }

    public init(size: Int) {
        self.init(size: size, modules: Array(repeating: false, count: size * size))
    }

    /// The version implied by the size, or nil when the size is not 17 + 4v for v in 1…40.
    public var version: Int? {
        let v = (size - 17) / 4
        return (size - 17) % 4 == 0 && (1...40).contains(v) ? v : nil
    }

    /// Module at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> Bool {
        get { modules[y * size + x] }
        set { modules[y * size + x] = newValue }
    }
}
