extension Dispatcher {
    /// A flow network with integer capacities and non-negative integer costs, solved by
    /// maximum flow (Dinic) and by minimum-cost flow with the primal-dual method: Dijkstra on
    /// reduced costs raises the node potentials, then Dinic saturates the arcs of reduced cost 0,
    /// until the sink is unreachable. Each round handles every shortest augmenting path of one
    /// length at once, so the rounds are as many as the distinct lengths of shortest augmenting
    /// paths — few here, because tree distances and loads are small integers.
    ///
    /// Arcs come in pairs: arc `a` (even) is the forward arc, `a ^ 1` its residual reverse.
    struct Network {
        static let unbounded = Int.max / 4

        private(set) var nodeCount = 0
        /// Arc head.
        private(set) var head: [Int32] = []
        /// Residual capacity.
        var capacity: [Int] = []
        private(set) var cost: [Int] = []
        private var original: [Int] = []
        /// Compressed adjacency: the arcs leaving node `u` are `adjacency[start[u]..<start[u + 1]]`.
        private var start: [Int32] = []
        private var adjacency: [Int32] = []
        private var potential: [Int] = []
        private var initialPotential: [Int: Int] = [:]

        mutating func addNode() -> Int {
            nodeCount += 1
            return nodeCount - 1
        }

        /// Adds an arc and its reverse; returns the forward arc.
        @discardableResult
        mutating func addArc(from u: Int, to v: Int, capacity c: Int, cost w: Int) -> Int {
            let a = head.count
            head.append(Int32(v))
            head.append(Int32(u))
            capacity.append(c)
            capacity.append(0)
            cost.append(w)
            cost.append(-w)
            return a
        }

        /// The tail of arc `a`.
        func tail(_ a: Int) -> Int { Int(head[a ^ 1]) }

        /// The flow on forward arc `a`.
        func flow(_ a: Int) -> Int { capacity[a ^ 1] }

        /// The positions in the adjacency of the arcs (forward and reverse) leaving `u`.
        func adjacencyRange(of u: Int) -> Range<Int> { Int(start[u])..<Int(start[u + 1]) }

        /// The arc at position `k` of the adjacency.
        func arc(at k: Int) -> Int { Int(adjacency[k]) }

        /// Builds the adjacency; call once, after the last arc.
        mutating func freeze() {
            var count = [Int32](repeating: 0, count: nodeCount + 1)
            for a in head.indices { count[Int(head[a ^ 1]) + 1] += 1 }
            for u in 0..<nodeCount { count[u + 1] += count[u] }
            start = count
            var fill = count
            adjacency = [Int32](repeating: 0, count: head.count)
            for a in head.indices {
                let u = Int(head[a ^ 1])
                adjacency[Int(fill[u])] = Int32(a)
                fill[u] += 1
            }
            original = capacity
            resetPotentials()
        }

        /// Removes all flow.
        mutating func reset() {
            capacity = original
            resetPotentials()
        }

        /// Gives `node` a starting potential, so that arcs of negative cost leaving it have a
        /// non-negative reduced cost (see ``minimizeCost(source:sink:)``).
        mutating func setInitialPotential(_ node: Int, _ value: Int) {
            initialPotential[node] = value
        }

        private mutating func resetPotentials() {
            potential = [Int](repeating: 0, count: nodeCount)
            for (node, value) in initialPotential { potential[node] = value }
        }

        /// Sets the capacity of forward arc `a`, which must carry no flow.
        mutating func setCapacity(_ a: Int, _ c: Int) {
            capacity[a] = c
            original[a] = c
        }

        /// Augments to a maximum flow, ignoring costs; returns the flow added.
        mutating func maximizeFlow(source: Int, sink: Int) -> Int {
            blockingFlows(source: source, sink: sink, zeroReducedCostOnly: false)
        }

        /// Augments a flow of zero to a maximum flow of minimum cost; returns the flow added.
        /// Precondition: every arc's reduced cost under the initial potentials is non-negative
        /// (all costs are, except arcs leaving nodes given a large enough initial potential).
        mutating func minimizeCost(source: Int, sink: Int) -> Int {
            var total = 0
            while raisePotentials(source: source, sink: sink) {
                total += blockingFlows(source: source, sink: sink, zeroReducedCostOnly: true)
            }
            return total
        }

        /// Unsafe views of the arc arrays for the hot loops (no bounds or uniqueness checks).
        private struct Arcs {
            let head: UnsafeBufferPointer<Int32>
            let capacity: UnsafeMutableBufferPointer<Int>
            let cost: UnsafeBufferPointer<Int>
            let potential: UnsafeBufferPointer<Int>
            let start: UnsafeBufferPointer<Int32>
            let adjacency: UnsafeBufferPointer<Int32>
        }

        private mutating func withArcs<R>(_ body: (Arcs) -> R) -> R {
            head.withUnsafeBufferPointer { head in
                capacity.withUnsafeMutableBufferPointer { capacity in
                    cost.withUnsafeBufferPointer { cost in
                        potential.withUnsafeBufferPointer { potential in
                            start.withUnsafeBufferPointer { start in
                                adjacency.withUnsafeBufferPointer { adjacency in
                                    body(
                                        Arcs(
                                            head: head, capacity: capacity, cost: cost, potential: potential, start: start,
                                            adjacency: adjacency))
                                }
                            }
                        }
                    }
                }
            }
        }

        /// Dijkstra on reduced costs from `source`; raises each potential by its distance capped
        /// at the sink's, which keeps reduced costs non-negative and makes every shortest path to
        /// the sink an all-zero path. False when the sink is unreachable.
        private mutating func raisePotentials(source: Int, sink: Int) -> Bool {
            let n = nodeCount
            let distance = withArcs { g in Self.shortestDistances(g, nodeCount: n, source: source, sink: sink) }
            let bound = distance[sink]
            guard bound != Int.max else { return false }
            for u in 0..<n { potential[u] += min(distance[u], bound) }
            return true
        }

        private static func shortestDistances(_ g: Arcs, nodeCount n: Int, source: Int, sink: Int) -> [Int] {
            var distance = [Int](repeating: Int.max, count: n)
            var heap = MinHeap()
            distance[source] = 0
            heap.push(0, Int32(source))
            distance.withUnsafeMutableBufferPointer { distance in
                while let (d, node) = heap.pop() {
                    let u = Int(node)
                    if d > distance[u] { continue }
                    if d >= distance[sink] { break }
                    let pu = g.potential[u]
                    for k in Int(g.start[u])..<Int(g.start[u + 1]) {
                        let a = Int(g.adjacency[k])
                        guard g.capacity[a] > 0 else { continue }
                        let v = Int(g.head[a])
                        let nd = d + g.cost[a] + pu - g.potential[v]
                        if nd < distance[v] {
                            distance[v] = nd
                            heap.push(nd, Int32(v))
                        }
                    }
                }
            }
            return distance
        }

        /// Dinic: repeated blocking flows on the level graph of arcs with residual capacity (and,
        /// when `zeroReducedCostOnly`, reduced cost 0). Returns the flow added.
        private mutating func blockingFlows(source: Int, sink: Int, zeroReducedCostOnly: Bool) -> Int {
            let n = nodeCount
            return withArcs { g in Self.dinic(g, nodeCount: n, source: source, sink: sink, zeroReducedCostOnly: zeroReducedCostOnly) }
        }

        private static func dinic(_ g: Arcs, nodeCount n: Int, source s: Int, sink t: Int, zeroReducedCostOnly: Bool) -> Int {
            let level = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
            let next = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
            let queue = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
            let path = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n + 1)
            defer {
                level.deallocate()
                next.deallocate()
                queue.deallocate()
                path.deallocate()
            }
            @inline(__always) func admissible(_ a: Int, _ u: Int, _ v: Int) -> Bool {
                g.capacity[a] > 0 && (!zeroReducedCostOnly || g.cost[a] + g.potential[u] - g.potential[v] == 0)
            }
            var total = 0
            while true {
                level.update(repeating: -1)
                level[s] = 0
                queue[0] = Int32(s)
                var qHead = 0
                var qTail = 1
                // Nodes at the sink's level or beyond lie on no shortest path: stop there.
                while qHead < qTail {
                    let u = Int(queue[qHead])
                    qHead += 1
                    if level[t] >= 0 && level[u] >= level[t] { break }
                    let next = level[u] + 1
                    for k in Int(g.start[u])..<Int(g.start[u + 1]) {
                        let a = Int(g.adjacency[k])
                        let v = Int(g.head[a])
                        if level[v] < 0 && admissible(a, u, v) {
                            level[v] = next
                            queue[qTail] = Int32(v)
                            qTail += 1
                        }
                    }
                }
                if level[t] < 0 { break }
                for i in 0..<n { next[i] = g.start[i] }
                // Depth-first search along the level graph with current-arc pointers; a node
                // found to be a dead end leaves the level graph.
                var u = s
                var depth = 0
                while true {
                    if u == t {
                        var f = Int.max
                        for i in 0..<depth { f = min(f, g.capacity[Int(path[i])]) }
                        var firstSaturated = -1
                        for i in 0..<depth {
                            let a = Int(path[i])
                            g.capacity[a] -= f
                            g.capacity[a ^ 1] += f
                            if firstSaturated < 0 && g.capacity[a] == 0 { firstSaturated = i }
                        }
                        total += f
                        u = Int(g.head[Int(path[firstSaturated]) ^ 1])
                        depth = firstSaturated
                        continue
                    }
                    var advanced = false
                    let end = g.start[u + 1]
                    let wanted = level[u] + 1
                    while next[u] < end {
                        let a = Int(g.adjacency[Int(next[u])])
                        let v = Int(g.head[a])
                        if level[v] == wanted && admissible(a, u, v) {
                            path[depth] = Int32(a)
                            depth += 1
                            u = v
                            advanced = true
                            break
                        }
                        next[u] += 1
                    }
                    if !advanced {
                        if u == s { break }
                        level[u] = -1
                        depth -= 1
                        u = Int(g.head[Int(path[depth]) ^ 1])
                        next[u] += 1
                    }
                }
            }
            return total
        }

        /// A binary min-heap of (key, node).
        private struct MinHeap {
            private var keys: [Int] = []
            private var nodes: [Int32] = []

            mutating func push(_ key: Int, _ node: Int32) {
                keys.append(key)
                nodes.append(node)
                var i = keys.count - 1
                while i > 0 {
                    let p = (i - 1) / 2
                    guard keys[p] > key else { break }
                    keys[i] = keys[p]
                    nodes[i] = nodes[p]
                    i = p
                }
                keys[i] = key
                nodes[i] = node
            }

            mutating func pop() -> (Int, Int32)? {
                guard let top = keys.first else { return nil }
                let topNode = nodes[0]
                let lastKey = keys.removeLast()
                let lastNode = nodes.removeLast()
                if !keys.isEmpty {
                    var i = 0
                    let n = keys.count
                    while true {
                        var c = 2 * i + 1
                        if c >= n { break }
                        if c + 1 < n && keys[c + 1] < keys[c] { c += 1 }
                        guard keys[c] < lastKey else { break }
                        keys[i] = keys[c]
                        nodes[i] = nodes[c]
                        i = c
                    }
                    keys[i] = lastKey
                    nodes[i] = lastNode
                }
                return (top, topNode)
            }
        }
    }
}
