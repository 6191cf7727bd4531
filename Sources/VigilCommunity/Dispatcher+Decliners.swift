extension Dispatcher.Solver {
    /// How a task someone declined reaches the volunteers who declined some open task, minus
    /// its own decliners, in O(depth × log n) arcs instead of one arc per volunteer.
    ///
    /// Those volunteers' classes are laid out in depth-first order of their areas, under a
    /// segment tree whose arcs cost 0 except the last, into a class at area *w*, which costs
    /// `distanceWeight × depth(w)`. A task at *u* reaches the classes whose deepest common
    /// ancestor with *u* is *g* — a contiguous "ring" of the order: *g*'s subtree without the
    /// subtree towards *u* — through arcs costing `distanceWeight × (depth(u) − 2·depth(g))`, so
    /// every path costs exactly `distanceWeight × distance(u, w)`. These entry costs can be
    /// negative (down to −7 × `distanceWeight`); the network starts the potentials of the
    /// source, the priority nodes and the declined tasks' nodes high enough to cover them.
    struct DeclinerTree {
        /// The classes in depth-first order of their areas.
        private let classes: [Int]
        /// The preorder number of each class's area.
        private let keys: [Int]
        private let positionOfVolunteer: [VolunteerID: Int]
        private let preorder: [Int]
        private let subtreeEnd: [Int]
        // Segment tree nodes: the range covered, the network node entered (a class node for a
        // single position) and the cost of entering it, and the children.
        private var lower: [Int] = []
        private var upper: [Int] = []
        private var target: [Int] = []
        private var cost: [Int] = []
        private var left: [Int] = []
        private var right: [Int] = []

        init(classes unordered: [Int], solver: inout Dispatcher.Solver) {
            let (preorder, subtreeEnd) = solver.trie.depthFirstNumbering()
            self.preorder = preorder
            self.subtreeEnd = subtreeEnd
            let classNode = solver.classNode
            classes = unordered.sorted { (preorder[classNode[$0]], $0) < (preorder[classNode[$1]], $1) }
            keys = classes.map { preorder[classNode[$0]] }
            var positions: [VolunteerID: Int] = [:]
            for (p, c) in classes.enumerated() { positions[solver.volunteers[solver.classSingleton[c]].id] = p }
            positionOfVolunteer = positions
            _ = build(0, classes.count, solver: &solver)
        }

        private mutating func build(_ l: Int, _ r: Int, solver: inout Dispatcher.Solver) -> Int {
            let index = lower.count
            lower.append(l)
            upper.append(r)
            left.append(-1)
            right.append(-1)
            if r - l == 1 {
                let c = classes[l]
                target.append(solver.classFlowNode[c])
                cost.append(solver.policy.distanceWeight * solver.trie.depth[solver.classNode[c]])
                return index
            }
            let node = solver.network.addNode()
            target.append(node)
            cost.append(0)
            let mid = (l + r) / 2
            let a = build(l, mid, solver: &solver)
            let b = build(mid, r, solver: &solver)
            left[index] = a
            right[index] = b
            solver.network.addArc(from: node, to: target[a], capacity: Dispatcher.Network.unbounded, cost: cost[a])
            solver.network.addArc(from: node, to: target[b], capacity: Dispatcher.Network.unbounded, cost: cost[b])
            return index
        }

        /// The nodes covering positions `l..<r`, with the cost of entering each.
        private func cover(_ l: Int, _ r: Int, from index: Int = 0, into out: inout [(to: Int, cost: Int)], adding extra: Int) {
            guard l < r, l < upper[index], lower[index] < r else { return }
            if l <= lower[index] && upper[index] <= r {
                out.append((target[index], cost[index] + extra))
                return
            }
            cover(l, r, from: left[index], into: &out, adding: extra)
            cover(l, r, from: right[index], into: &out, adding: extra)
        }

        /// The first position whose key is at least `key`.
        private func position(_ key: Int) -> Int {
            var lo = 0
            var hi = keys.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if keys[mid] < key { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }

        /// The arcs from declined task `i` into the tree: every class it may go to, once, at its
        /// exact cost.
        func targets(forTask i: Int, solver: Dispatcher.Solver) -> [(to: Int, cost: Int)] {
            let dw = solver.policy.distanceWeight
            let trie = solver.trie
            let scopeDepth = solver.scopeDepth
            let location = solver.taskNode[i]
            let locationDepth = trie.depth[location]
            var out: [(to: Int, cost: Int)] = []
            if scopeDepth >= 0 && locationDepth < scopeDepth {
                // Above the scope's level only volunteers also above it qualify: no ring is
                // contiguous, so list them (rare: tasks are placed at a household or building).
                for (p, c) in classes.enumerated()
                where trie.depth[solver.classNode[c]] < scopeDepth && !solver.taskDeclined[i].contains(volunteer(at: p, solver)) {
                    let area = solver.volunteers[solver.classSingleton[c]].area
                    out.append((solver.classFlowNode[c], dw * DispatchPolicy.distance(area, solver.tasks[i].location)))
                }
                return out
            }
            let excluded = solver.taskDeclined[i].compactMap { positionOfVolunteer[$0] }.sorted()
            var previous = 0..<0
            var g = location
            while scopeDepth < 0 || trie.depth[g] >= scopeDepth {
                let subtree = position(preorder[g])..<position(subtreeEnd[g])
                let rings = previous.isEmpty ? [subtree] : [subtree.lowerBound..<previous.lowerBound, previous.upperBound..<subtree.upperBound]
                let entry = dw * (locationDepth - 2 * trie.depth[g])
                for ring in rings where !ring.isEmpty {
                    var start = ring.lowerBound
                    for p in excluded where ring.contains(p) {
                        cover(start, p, into: &out, adding: entry)
                        start = p + 1
                    }
                    cover(start, ring.upperBound, into: &out, adding: entry)
                }
                previous = subtree
                if g == 0 { break }
                g = Int(trie.parent[g])
            }
            return out
        }

        private func volunteer(at p: Int, _ solver: Dispatcher.Solver) -> VolunteerID {
            solver.volunteers[solver.classSingleton[classes[p]]].id
        }
    }
}
