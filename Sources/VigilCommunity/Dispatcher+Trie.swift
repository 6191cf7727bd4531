extension Dispatcher {
    /// The part of the jurisdiction tree that a dispatch touches: every prefix of the paths
    /// interned, numbered, under a virtual root (node 0, depth 0) above the cities.
    struct PathTrie {
        private struct Key: Hashable {
            let parent: Int32
            let code: String
        }

        private(set) var parent: [Int32] = [-1]
        /// The number of components of the node's path (the root: 0).
        private(set) var depth: [Int] = [0]
        private var children: [Key: Int32] = [:]

        /// The node of `path`, adding it and its ancestors when new.
        mutating func intern(_ path: JurisdictionPath) -> Int {
            var node: Int32 = 0
            for code in path.components {
                let key = Key(parent: node, code: code)
                if let child = children[key] {
                    node = child
                } else {
                    let child = Int32(parent.count)
                    parent.append(node)
                    depth.append(depth[Int(node)] + 1)
                    children[key] = child
                    node = child
                }
            }
            return Int(node)
        }

        var count: Int { parent.count }

        /// Preorder numbers of a depth-first walk from the root (children in id order), and for
        /// each node the number just past its subtree: `x` is in `y`'s subtree iff
        /// `preorder[y] ≤ preorder[x] < end[y]`.
        func depthFirstNumbering() -> (preorder: [Int], end: [Int]) {
            let n = parent.count
            var childStart = [Int](repeating: 0, count: n + 1)
            for x in 1..<n { childStart[Int(parent[x]) + 1] += 1 }
            for x in 0..<n { childStart[x + 1] += childStart[x] }
            var fill = childStart
            var children = [Int](repeating: 0, count: max(n - 1, 0))
            for x in 1..<n {
                let p = Int(parent[x])
                children[fill[p]] = x
                fill[p] += 1
            }
            var preorder = [Int](repeating: 0, count: n)
            var end = [Int](repeating: 0, count: n)
            var counter = 0
            var stack: [(node: Int, next: Int)] = [(0, childStart[0])]
            preorder[0] = 0
            counter = 1
            while let top = stack.last {
                if top.next < childStart[top.node + 1] {
                    stack[stack.count - 1].next += 1
                    let child = children[top.next]
                    preorder[child] = counter
                    counter += 1
                    stack.append((child, childStart[child]))
                } else {
                    end[top.node] = counter
                    stack.removeLast()
                }
            }
            return (preorder, end)
        }

        /// The ancestor-or-self of `node` at `targetDepth`, or nil when the node is above it.
        func ancestor(of node: Int, atDepth targetDepth: Int) -> Int? {
            guard depth[node] >= targetDepth else { return nil }
            var x = node
            while depth[x] > targetDepth { x = Int(parent[x]) }
            return x
        }
    }
}
