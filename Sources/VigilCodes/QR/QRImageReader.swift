/// Why no QR module grid could be read from an image.
public enum QRImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The image is too small to hold even a version 1 code.
    case imageTooSmall(width: Int, height: Int)
    /// The image's pixel buffer does not match its width and height.
    case invalidImage(String)
    /// Three finder patterns forming a QR code's corner triangle were not found.
    case noCodeFound
    /// The size estimates (finder spacing, timing patterns, version information) disagree;
    /// the message gives the numbers.
    case inconsistentVersion(String)

    public var description: String {
        switch self {
        case .imageTooSmall(let width, let height):
            "image is \(width)×\(height) pixels, too small to hold a QR code (at least 21×21)"
        case .invalidImage(let details): "invalid image: \(details)"
        case .noCodeFound: "no QR code found (three finder patterns in a right angle are needed)"
        case .inconsistentVersion(let details): "QR code size is inconsistent: \(details)"
        }
    }
}

/// Finds a QR code in a picture and samples its modules.
///
/// Built for codes that come from screens and files: the code must be axis-aligned (rotated by
/// 0, 90, 180 or 270 degrees; no perspective), with at least about two pixels per module, though
/// the scale need not be a whole number. Steps:
///
/// 1. Binarise with Otsu's global threshold.
/// 2. Find finder patterns by their 1:1:3:1:1 run ratios along rows, confirmed along columns.
/// 3. Pick the three that form a right isosceles triangle; the corner is the top-left finder, and
///    the turning direction tells top-right from bottom-left, which fixes the orientation.
/// 4. Estimate the size from the finder spacing, then count and fit the two timing patterns to
///    get the exact size and each module row's and column's position.
/// 5. For versions 7 and up, check the version information blocks agree with that size.
/// 6. Sample every module at its centre.
///
/// Light-on-dark (inverted) codes are read too. The grid is affine along the finder triangle, so
/// codes tilted by a few degrees are often read when they have four or more pixels per module,
/// but that is not guaranteed. Mirrored codes are not read (the matrix would come out transposed).
public enum QRImageReader {
    /// Reads the module grid of the QR code in `image`.
    ///
    /// - Returns: The modules in standard orientation (finders at top left, top right and bottom
    ///   left), without quiet zone. Nothing is decoded: pass the matrix to the matrix decoder.
    /// - Throws: ``QRImageError/noCodeFound`` when there is no recognisable code,
    ///   ``QRImageError/inconsistentVersion(_:)`` when the code's size cannot be settled, and
    ///   ``QRImageError/imageTooSmall(width:height:)`` for images under 21×21 pixels and
    ///   ``QRImageError/invalidImage(_:)`` when `pixels` does not hold `width × height` values.
    public static func read(_ image: GrayImage) throws(QRImageError) -> QRMatrix {
        guard image.pixels.count == image.width * image.height else {
            throw .invalidImage("\(image.pixels.count) pixel values for a \(image.width)×\(image.height) image")
        }
        guard image.width >= 21, image.height >= 21 else {
            throw .imageTooSmall(width: image.width, height: image.height)
        }
        guard let binary = BinaryImage(otsu: image) else { throw .noCodeFound }
        do {
            return try read(binary)
        } catch .noCodeFound {
            return try read(binary.inverted())
        }
    }

    private static func read(_ binary: BinaryImage) throws(QRImageError) -> QRMatrix {
        let candidates = FinderPatternFinder(image: binary).find()
        guard let corners = FinderTriangle(choosingFrom: candidates) else { throw .noCodeFound }
        let sampler = GridSampler(image: binary, corners: corners)
        return try sampler.sample()
    }
}

// MARK: - Binarisation

/// A black-and-white image: `true` = dark.
private struct BinaryImage {
    let width: Int
    let height: Int
    private var dark: [Bool]

    /// Thresholds `image` with Otsu's method; nil when the image has no contrast to speak of.
    init?(otsu image: GrayImage) {
        var histogram = [Int](repeating: 0, count: 256)
        for pixel in image.pixels { histogram[Int(pixel)] += 1 }
        guard let low = histogram.firstIndex(where: { $0 > 0 }),
            let high = histogram.lastIndex(where: { $0 > 0 }),
            high - low >= 24
        else { return nil }

        let total = Double(image.pixels.count)
        let sumAll = histogram.enumerated().reduce(0.0) { $0 + Double($1.offset * $1.element) }
        var sumBelow = 0.0
        var weightBelow = 0.0
        var bestVariance = -1.0
        var threshold = (low + high) / 2
        for level in 0..<255 {
            weightBelow += Double(histogram[level])
            sumBelow += Double(level * histogram[level])
            let weightAbove = total - weightBelow
            guard weightBelow > 0, weightAbove > 0 else { continue }
            let meanBelow = sumBelow / weightBelow
            let meanAbove = (sumAll - sumBelow) / weightAbove
            let variance = weightBelow * weightAbove * (meanBelow - meanAbove) * (meanBelow - meanAbove)
            if variance > bestVariance {
                bestVariance = variance
                threshold = level
            }
        }
        width = image.width
        height = image.height
        dark = image.pixels.map { Int($0) <= threshold }
    }

    private init(width: Int, height: Int, dark: [Bool]) {
        self.width = width
        self.height = height
        self.dark = dark
    }

    func inverted() -> BinaryImage { BinaryImage(width: width, height: height, dark: dark.map { !$0 }) }

    /// Whether pixel (x, y) is dark; pixels outside the image count as light.
    func isDark(_ x: Int, _ y: Int) -> Bool {
        x >= 0 && y >= 0 && x < width && y < height && dark[y * width + x]
    }

    /// Whether the pixel containing the continuous point (x, y) is dark.
    func isDark(at point: Point) -> Bool {
        // Checked in floating point first, so no conversion to Int can overflow (NaN fails too).
        guard point.x >= 0, point.y >= 0, point.x < Double(width), point.y < Double(height) else { return false }
        return isDark(Int(point.x), Int(point.y))
    }
}

/// A position in continuous image coordinates: pixel (i, j) covers [i, i+1) × [j, j+1).
private struct Point {
    var x: Double
    var y: Double

    static func + (a: Point, b: Point) -> Point { Point(x: a.x + b.x, y: a.y + b.y) }
    static func - (a: Point, b: Point) -> Point { Point(x: a.x - b.x, y: a.y - b.y) }
    static func * (k: Double, a: Point) -> Point { Point(x: k * a.x, y: k * a.y) }
    func dot(_ other: Point) -> Double { x * other.x + y * other.y }
    var length: Double { dot(self).squareRoot() }
}

// MARK: - Finder patterns

/// A finder pattern seen in the image: its centre, module size and how many scan rows confirmed it.
private struct FinderPattern {
    var center: Point
    var moduleSize: Double
    var count: Int
}

/// Scans rows for the dark:light:dark:light:dark = 1:1:3:1:1 signature of a finder pattern and
/// confirms each hit across the column and the row through its centre.
private struct FinderPatternFinder {
    let image: BinaryImage

    func find() -> [FinderPattern] {
        var found: [FinderPattern] = []
        var runs: [Int] = []
        for y in 0..<image.height {
            // Run lengths of the row, starting with a (possibly empty) light run.
            runs.removeAll(keepingCapacity: true)
            var current = false
            var length = 0
            for x in 0..<image.width {
                let dark = image.isDark(x, y)
                if dark == current {
                    length += 1
                } else {
                    runs.append(length)
                    current = dark
                    length = 1
                }
            }
            runs.append(length)
            // Dark runs sit at odd indices.
            var start = 0
            for index in runs.indices {
                defer { start += runs[index] }
                guard index % 2 == 1, index + 4 < runs.count else { continue }
                let counts = Array(runs[index...index + 4])
                guard Self.hasFinderRatios(counts) else { continue }
                let middleStart = start + counts[0] + counts[1]
                let centerX = Double(middleStart) + Double(counts[2]) / 2
                if let pattern = confirm(centerX: centerX, row: y, horizontalCounts: counts) {
                    merge(pattern, into: &found)
                }
            }
        }
        return found.map(refined).filter(hasFinderStructure)
    }

    /// Re-measures the centre as the mean of the centres of every row and every column crossing
    /// the 3 × 3 core. One measurement is only good to a pixel; the mean is sub-pixel, and on a
    /// tilted code it cancels the drift of the core's centre from row to row.
    private func refined(_ pattern: FinderPattern) -> FinderPattern {
        let module = pattern.moduleSize
        let maxCount = Int((3 * module).rounded(.up)) + 1
        let expectedTotal = Int((7 * module).rounded())
        func lines(around center: Double) -> ClosedRange<Int>? {
            let first = Int((center - 1.2 * module - 0.5).rounded(.up))
            let last = Int((center + 1.2 * module - 0.5).rounded(.down))
            return first <= last ? first...last : nil
        }
        var xs: [Double] = []
        var ys: [Double] = []
        for y in lines(around: pattern.center.y) ?? 0...(-1) {
            if let (x, _) = crossCheck(
                along: .horizontal, at: y, from: Int(pattern.center.x),
                maxCount: maxCount, expectedTotal: expectedTotal)
            {
                xs.append(x)
            }
        }
        for x in lines(around: pattern.center.x) ?? 0...(-1) {
            if let (y, _) = crossCheck(
                along: .vertical, at: x, from: Int(pattern.center.y),
                maxCount: maxCount, expectedTotal: expectedTotal)
            {
                ys.append(y)
            }
        }
        var result = pattern
        if !xs.isEmpty { result.center.x = xs.reduce(0, +) / Double(xs.count) }
        if !ys.isEmpty { result.center.y = ys.reduce(0, +) / Double(ys.count) }
        return result
    }

    /// Whether the 7 × 7 modules around `pattern` look like a finder: a dark 3 × 3 core, a light
    /// ring and a dark ring. Run ratios only check one row and one column; this rejects
    /// look-alikes in noise and in data. At most four of the 49 samples may disagree.
    private func hasFinderStructure(_ pattern: FinderPattern) -> Bool {
        var mismatches = 0
        for dy in -3...3 {
            for dx in -3...3 {
                let point = pattern.center + pattern.moduleSize * Point(x: Double(dx), y: Double(dy))
                let expected = max(abs(dx), abs(dy)) != 2
                if image.isDark(at: point) != expected { mismatches += 1 }
            }
        }
        return mismatches <= 4
    }

    private func confirm(centerX: Double, row y: Int, horizontalCounts: [Int]) -> FinderPattern? {
        let horizontalTotal = horizontalCounts.reduce(0, +)
        guard
            let (centerY, verticalTotal) = crossCheck(
                along: .vertical, at: Int(centerX), from: y, maxCount: horizontalCounts[2],
                expectedTotal: horizontalTotal)
        else { return nil }
        guard
            let (refinedX, refinedTotal) = crossCheck(
                along: .horizontal, at: Int(centerY), from: Int(centerX), maxCount: horizontalCounts[2],
                expectedTotal: horizontalTotal)
        else { return nil }
        let moduleSize = Double(refinedTotal + verticalTotal) / 14
        return FinderPattern(center: Point(x: refinedX, y: centerY), moduleSize: moduleSize, count: 1)
    }

    private enum Direction { case horizontal, vertical }

    /// Measures the five runs through (`fixed`, `start`) along `direction` (for `.vertical`,
    /// `fixed` is the column) and returns the centre of the middle run and the total length.
    private func crossCheck(
        along direction: Direction, at fixed: Int, from start: Int, maxCount: Int, expectedTotal: Int
    ) -> (center: Double, total: Int)? {
        let limit = direction == .vertical ? image.height : image.width
        func dark(_ i: Int) -> Bool { direction == .vertical ? image.isDark(fixed, i) : image.isDark(i, fixed) }
        guard dark(start) else { return nil }
        var counts = [0, 0, 0, 0, 0]
        var i = start
        while i >= 0 && dark(i) {
            counts[2] += 1
            i -= 1
        }
        while i >= 0 && !dark(i) && counts[1] <= maxCount {
            counts[1] += 1
            i -= 1
        }
        guard i >= 0, counts[1] <= maxCount else { return nil }
        while i >= 0 && dark(i) && counts[0] <= maxCount {
            counts[0] += 1
            i -= 1
        }
        guard counts[0] <= maxCount else { return nil }
        i = start + 1
        while i < limit && dark(i) {
            counts[2] += 1
            i += 1
        }
        while i < limit && !dark(i) && counts[3] <= maxCount {
            counts[3] += 1
            i += 1
        }
        guard i < limit, counts[3] <= maxCount else { return nil }
        while i < limit && dark(i) && counts[4] <= maxCount {
            counts[4] += 1
            i += 1
        }
        guard counts[4] <= maxCount else { return nil }
        let total = counts.reduce(0, +)
        // The two directions must agree on the pattern's size to within 40 %.
        guard 5 * abs(total - expectedTotal) < 2 * expectedTotal, Self.hasFinderRatios(counts) else { return nil }
        let center = Double(i - counts[4] - counts[3]) - Double(counts[2]) / 2
        return (center, total)
    }

    /// Whether five run lengths are close enough to 1:1:3:1:1.
    static func hasFinderRatios(_ counts: [Int]) -> Bool {
        let total = counts.reduce(0, +)
        guard total >= 7, counts.allSatisfy({ $0 > 0 }) else { return false }
        let module = Double(total) / 7
        let tolerance = module / 2
        return abs(module - Double(counts[0])) < tolerance
            && abs(module - Double(counts[1])) < tolerance
            && abs(3 * module - Double(counts[2])) < 3 * tolerance
            && abs(module - Double(counts[3])) < tolerance
            && abs(module - Double(counts[4])) < tolerance
    }

    /// Adds `pattern` to a nearby pattern of similar size (averaging the two), or appends it.
    private func merge(_ pattern: FinderPattern, into found: inout [FinderPattern]) {
        for index in found.indices {
            let other = found[index]
            let close =
                abs(other.center.x - pattern.center.x) <= other.moduleSize
                && abs(other.center.y - pattern.center.y) <= other.moduleSize
            let similar = abs(other.moduleSize - pattern.moduleSize) <= max(1, other.moduleSize / 2)
            guard close && similar else { continue }
            let n = Double(other.count)
            found[index] = FinderPattern(
                center: Point(
                    x: (other.center.x * n + pattern.center.x) / (n + 1),
                    y: (other.center.y * n + pattern.center.y) / (n + 1)),
                moduleSize: (other.moduleSize * n + pattern.moduleSize) / (n + 1),
                count: other.count + 1)
            return
        }
        found.append(pattern)
    }
}

/// The three finder patterns of one code, in standard roles.
private struct FinderTriangle {
    let topLeft: FinderPattern
    let topRight: FinderPattern
    let bottomLeft: FinderPattern

    /// Picks, among the most often confirmed candidates, the three that best form a right
    /// isosceles triangle of similar module sizes, and names their roles; nil when none do.
    init?(choosingFrom candidates: [FinderPattern]) {
        let sorted = candidates.sorted { $0.count > $1.count }
        let pool = Array(sorted.prefix(16))
        guard pool.count >= 3 else { return nil }
        var best: (score: Double, corners: (FinderPattern, FinderPattern, FinderPattern))?
        for i in 0..<pool.count {
            for j in i + 1..<pool.count {
                for k in j + 1..<pool.count {
                    let trio = [pool[i], pool[j], pool[k]]
                    guard let (score, corners) = Self.score(trio), score < (best?.score ?? .infinity) else { continue }
                    best = (score, corners)
                }
            }
        }
        guard let (corner, first, second) = best?.corners else { return nil }
        // In image coordinates (y down) the top-right finder lies clockwise from the bottom-left one.
        let a = first.center - corner.center
        let b = second.center - corner.center
        topLeft = corner
        if a.x * b.y - a.y * b.x > 0 {
            topRight = first
            bottomLeft = second
        } else {
            topRight = second
            bottomLeft = first
        }
    }

    /// How far `trio` is from an ideal finder triangle (lower is better), with the right-angle
    /// vertex first; nil when it is not a plausible triangle at all.
    private static func score(
        _ trio: [FinderPattern]
    ) -> (Double, (FinderPattern, FinderPattern, FinderPattern))? {
        let sizes = trio.map(\.moduleSize)
        guard let smallest = sizes.min(), let largest = sizes.max(), largest <= 1.4 * smallest else { return nil }
        // The right angle is opposite the longest side.
        let sides = (0..<3).map { (trio[($0 + 1) % 3].center - trio[($0 + 2) % 3].center).length }
        guard let longest = sides.indices.max(by: { sides[$0] < sides[$1] }) else { return nil }
        let legs = sides.indices.filter { $0 != longest }.map { sides[$0] }
        let hypotenuse = sides[longest]
        let module = sizes.reduce(0, +) / 3
        guard let shortLeg = legs.min(), let longLeg = legs.max(), shortLeg > 0 else { return nil }
        // Finder centres are 14 (version 1) to 170 (version 40) modules apart.
        guard shortLeg / module >= 10, longLeg / module <= 200 else { return nil }
        let legMismatch = (longLeg - shortLeg) / longLeg
        let angleMismatch = abs(hypotenuse - (shortLeg * shortLeg + longLeg * longLeg).squareRoot()) / hypotenuse
        guard legMismatch < 0.2, angleMismatch < 0.1 else { return nil }
        let sizeMismatch = (largest - smallest) / largest
        let support = Double(trio.map(\.count).reduce(0, +))
        let score = legMismatch + 2 * angleMismatch + sizeMismatch + 0.5 / support
        let corner = trio[longest]
        return (score, (corner, trio[(longest + 1) % 3], trio[(longest + 2) % 3]))
    }
}

// MARK: - Grid

/// Places one module axis of the code (columns along the top edge, or rows down the left edge):
/// the distance, in pixels from the top-left finder's centre along that edge's direction, of
/// module coordinate `m` is `(m − offset) / scale + shift`.
private struct AxisFit {
    /// Modules per pixel.
    var scale: Double
    /// Module coordinate at the scan's start.
    var offset: Double
    /// The scan start's distance from the top-left finder centre along the axis.
    var shift: Double

    func distance(ofModule coordinate: Double) -> Double { (coordinate - offset) / scale + shift }
}

/// Works out the module grid from the finder triangle and the timing patterns, and samples it.
///
/// Module (column c, row r) sits at `TL + columns.distance(c) · u + rows.distance(r) · v`, where
/// `u` and `v` are unit vectors from the top-left finder centre towards the other two: an affine
/// grid, exact for axis-aligned codes and good for slightly tilted ones.
private struct GridSampler {
    let image: BinaryImage
    let corners: FinderTriangle

    /// Mean module size of the three finders, in pixels.
    private var moduleSize: Double {
        (corners.topLeft.moduleSize + corners.topRight.moduleSize + corners.bottomLeft.moduleSize) / 3
    }

    private var origin: Point { corners.topLeft.center }
    private var across: Point { corners.topRight.center - origin }
    private var down: Point { corners.bottomLeft.center - origin }

    func sample() throws(QRImageError) -> QRMatrix {
        let estimate = (across.length + down.length) / (2 * moduleSize) + 7
        let estimatedVersion = Int(((estimate - 17) / 4).rounded())
        guard (1...40).contains(estimatedVersion) else {
            throw .inconsistentVersion(
                "finder spacing suggests \(Int(estimate.rounded())) modules per side, outside 21…177")
        }
        let matrix = try sampleUsingTimingPatterns(estimatedSize: 17 + 4 * estimatedVersion)
        return try checkVersionInformation(matrix)
    }

    // MARK: Timing-pattern fit

    private func sampleUsingTimingPatterns(estimatedSize: Int) throws(QRImageError) -> QRMatrix {
        let u = (1 / across.length) * across
        let v = (1 / down.length) * down
        // Finder-based fits: the centres sit at module coordinates 3.5 and size − 3.5.
        func finderFit(size: Int) -> (columns: AxisFit, rows: AxisFit) {
            (
                AxisFit(scale: Double(size - 7) / across.length, offset: 3.5, shift: 0),
                AxisFit(scale: Double(size - 7) / down.length, offset: 3.5, shift: 0)
            )
        }

        var fits = finderFit(size: estimatedSize)
        var rowTiming: (size: Int, fit: AxisFit)?
        var columnTiming: (size: Int, fit: AxisFit)?
        // Two passes: the second runs the scan lines through the centre of row and column 6 as
        // placed by the first pass's fits.
        for _ in 0..<2 {
            let newRow = fitTiming(
                from: origin + fits.rows.distance(ofModule: 6.5) * v, along: u, across: v,
                length: across.length)
            let newColumn = fitTiming(
                from: origin + fits.columns.distance(ofModule: 6.5) * u, along: v, across: u,
                length: down.length)
            if let newRow {
                rowTiming = newRow
                fits.columns = newRow.fit
            }
            if let newColumn {
                columnTiming = newColumn
                fits.rows = newColumn.fit
            }
            if newRow == nil && newColumn == nil { break }
        }

        let size: Int
        let tolerance = max(8, estimatedSize / 5)
        switch (rowTiming?.size, columnTiming?.size) {
        case (let row?, let column?) where row == column:
            guard abs(row - estimatedSize) <= tolerance else {
                throw .inconsistentVersion(
                    "timing patterns give \(row) modules per side, finder spacing about \(estimatedSize)")
            }
            size = row
        case (let row?, let column?):
            guard row == estimatedSize || column == estimatedSize else {
                throw .inconsistentVersion(
                    "timing patterns give \(row) modules across and \(column) down, "
                        + "finder spacing about \(estimatedSize)")
            }
            size = estimatedSize
        case (let single?, nil), (nil, let single?):
            size = abs(single - estimatedSize) <= 4 ? single : estimatedSize
        case (nil, nil):
            size = estimatedSize
        }
        // Keep a timing fit only if it belongs to the chosen size.
        let finder = finderFit(size: size)
        let columns = rowTiming?.size == size ? rowTiming?.fit ?? finder.columns : finder.columns
        let rows = columnTiming?.size == size ? columnTiming?.fit ?? finder.rows : finder.rows
        let origin = origin
        return sampleGrid(size: size) { column, row in
            origin + columns.distance(ofModule: column) * u + rows.distance(ofModule: row) * v
        }
    }

    /// Scans one timing pattern from `start` (a point on row 6, or column 6, level with the
    /// top-left finder's centre) for `length` pixels along `along`, counts its module boundaries
    /// and fits their positions with a least-squares line.
    ///
    /// Along row 6 from column 3.5 to size − 3.5 the boundaries are at module coordinates
    /// 7, 8, …, size − 7: the finder's edge, then alternating timing modules. So `size` is the
    /// boundary count + 13, and boundary `i` sits at coordinate `7 + i`. Column 6 is the same
    /// downwards.
    private func fitTiming(
        from start: Point, along: Point, across: Point, length: Double
    ) -> (size: Int, fit: AxisFit)? {
        // Start on a pixel centre: then, for an axis-aligned code, every boundary falls exactly
        // half-way between two samples.
        let first = Point(x: start.x.rounded(.down) + 0.5, y: start.y.rounded(.down) + 0.5)
        // How far along the axis the snapped start lies from the top-left centre, measured in
        // the (along, across) basis so the snap's sideways part does not leak in.
        let offset = first - origin
        let determinant = along.x * across.y - along.y * across.x
        guard abs(determinant) > 0.5 else { return nil }
        let shift = (offset.x * across.y - offset.y * across.x) / determinant
        let steps = Int((length - shift).rounded())
        guard steps > 8 else { return nil }

        var boundaries: [Double] = []
        var previous = image.isDark(at: first)
        guard previous else { return nil }
        for step in 1...steps {
            let dark = image.isDark(at: first + Double(step) * along)
            if dark != previous { boundaries.append(Double(step) - 0.5) }
            previous = dark
        }
        guard previous else { return nil }
        let size = boundaries.count + 13
        guard size >= 21, size <= 177, (size - 17) % 4 == 0 else { return nil }

        // Least squares: module coordinate = scale × position + offset.
        let n = Double(boundaries.count)
        let coordinates = boundaries.indices.map { Double(7 + $0) }
        let meanPosition = boundaries.reduce(0, +) / n
        let meanCoordinate = coordinates.reduce(0, +) / n
        var sxy = 0.0
        var sxx = 0.0
        for (position, coordinate) in zip(boundaries, coordinates) {
            sxy += (position - meanPosition) * (coordinate - meanCoordinate)
            sxx += (position - meanPosition) * (position - meanPosition)
        }
        guard sxx > 0 else { return nil }
        let scale = sxy / sxx
        let intercept = meanCoordinate - scale * meanPosition
        // Each boundary must sit within 0.4 modules of the fit, or the scan did not follow the pattern.
        guard scale > 0,
            zip(boundaries, coordinates).allSatisfy({ abs(scale * $0 + intercept - $1) < 0.4 })
        else { return nil }
        return (size, AxisFit(scale: scale, offset: intercept, shift: shift))
    }

    // MARK: Fallback: along the finder triangle

    /// Samples a grid of `size` modules spanned by the finder centres alone.
    private func sampleAlongFinders(size: Int) -> QRMatrix {
        let origin = origin
        let step = 1 / Double(size - 7)
        let across = step * across
        let down = step * down
        return sampleGrid(size: size) { column, row in
            origin + (column - 3.5) * across + (row - 3.5) * down
        }
    }

    // MARK: Sampling

    /// Samples each module centre (`column + 0.5`, `row + 0.5`) through `position`; with at least
    /// four pixels per module, a five-point majority vote smooths over stray pixels.
    private func sampleGrid(size: Int, position: (Double, Double) -> Point) -> QRMatrix {
        var matrix = QRMatrix(size: size)
        let spread = moduleSize >= 4 ? 0.2 * moduleSize : 0
        let offsets =
            spread > 0
            ? [
                Point(x: 0, y: 0), Point(x: -spread, y: -spread), Point(x: spread, y: -spread),
                Point(x: -spread, y: spread), Point(x: spread, y: spread),
            ]
            : [Point(x: 0, y: 0)]
        for row in 0..<size {
            for column in 0..<size {
                let center = position(Double(column) + 0.5, Double(row) + 0.5)
                let votes = offsets.reduce(0) { $0 + (image.isDark(at: center + $1) ? 1 : 0) }
                matrix[column, row] = 2 * votes > offsets.count
            }
        }
        return matrix
    }

    // MARK: Version information

    /// For versions 7 and up, reads both version-information blocks; if one decodes (at most
    /// three bit errors) to a version of a different size, samples again at that size along the
    /// finder triangle.
    private func checkVersionInformation(_ matrix: QRMatrix) throws(QRImageError) -> QRMatrix {
        guard let version = matrix.version, version >= 7 else { return matrix }
        guard let decoded = Self.readVersion(matrix), decoded != version else { return matrix }
        let resampled = sampleAlongFinders(size: 17 + 4 * decoded)
        guard Self.readVersion(resampled) == decoded else {
            throw .inconsistentVersion(
                "grid of \(matrix.size) modules carries version information for version \(decoded) "
                    + "(\(17 + 4 * decoded) modules), which does not hold up when resampled")
        }
        return resampled
    }

    /// The valid 18-bit version-information words: version (6 bits) then its BCH(18, 6) remainder.
    private static let versionWords: [(version: Int, word: Int)] = (7...40).map { version in
        var remainder = version << 12
        for bit in stride(from: 17, through: 12, by: -1) where remainder & (1 << bit) != 0 {
            remainder ^= 0x1F25 << (bit - 12)
        }
        return (version, version << 12 | remainder)
    }

    /// The version whose word is nearest (≤ 3 bits) to either block, preferring the better match.
    private static func readVersion(_ matrix: QRMatrix) -> Int? {
        let size = matrix.size
        guard size >= 45 else { return nil }
        var topRight = 0
        var bottomLeft = 0
        // Bit i sits at row i / 3, column size − 11 + i % 3 (top right), and transposed (bottom left).
        for bit in (0..<18).reversed() {
            topRight = topRight << 1 | (matrix[size - 11 + bit % 3, bit / 3] ? 1 : 0)
            bottomLeft = bottomLeft << 1 | (matrix[bit / 3, size - 11 + bit % 3] ? 1 : 0)
        }
        var best: (version: Int, distance: Int)?
        for (version, word) in versionWords {
            let distance = min((word ^ topRight).nonzeroBitCount, (word ^ bottomLeft).nonzeroBitCount)
            if distance < (best?.distance ?? 4) { best = (version, distance) }
        }
        return best?.version
    }
}
