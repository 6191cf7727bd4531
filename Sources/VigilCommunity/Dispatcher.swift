/// Assigns a batch of open tasks to volunteers, optimally, by skill, distance and load.
///
/// **The problem.** A task may go to a volunteer who is available, has every required skill,
/// is within the policy's scope and has not declined the task; each volunteer takes at most
/// their free slots (`capacity − load`). An assignment costs
/// `distanceWeight × distance + loadWeight × load` (``DispatchPolicy``).
///
/// **What is guaranteed.** Let *E≥p* be the open tasks of priority *p* or higher. The plan
///
/// 1. assigns, for **every** priority *p* at once, as many tasks of *E≥p* as any feasible
///    assignment could. In particular it assigns the most tasks possible overall, and no
///    unassigned task could be assigned by un-assigning only lower-priority tasks (no feasible
///    swap in favour of a higher priority exists);
/// 2. among the plans with property 1 (which all assign the same number of tasks of each
///    priority), has the least total cost;
/// 3. is a function of the *sets* of tasks and volunteers: shuffling the input gives the same
///    plan. Among equal tasks (same location, skills and priority) the earliest created (then
///    the lowest id) are assigned first; among volunteers of the same area and skills, the slot
///    of least load (then the lowest volunteer id) is used first. Other ties between equal-cost
///    plans are broken by the fixed order of the algorithm.
///
/// Property 1 holds because the sets of tasks that can be assigned together form a matroid
/// (a transversal matroid over the volunteers' slots), whose greedy bases by priority reach the
/// rank of every *E≥p* simultaneously.
///
/// **The algorithm.** Tasks are grouped into classes (required skills, entry node, priority)
/// and volunteers into classes (area, skills); a volunteer who declined an open task has a
/// class of their own. For each set of required skills the jurisdiction tree becomes a flow
/// network: the ancestors of the skilled volunteers' areas, edges costing `distanceWeight` each
/// way (none across the scope's boundary), each node leading to the volunteer classes there. A
/// task class enters at its deepest ancestor in that tree, paying for the edges it skips, so a
/// path costs exactly the tree distance. Volunteers who declined something sit in a second such
/// tree, which tasks they did not decline enter too; a task someone declined reaches them
/// through a segment tree instead (`Dispatcher+Decliners.swift`), skipping its own decliners. A volunteer
/// class reaches the sink through arcs of increasing cost `loadWeight × (load + k)`, one per
/// distinct value, with as many units as slots at that value. Then
///
/// * a maximum flow (Dinic), opening the priorities one at a time from the highest, yields how
///   many tasks of each priority can be assigned (property 1: opening a lower priority never
///   takes flow from a higher one);
/// * a minimum-cost flow with exactly those amounts per priority (primal-dual: Dijkstra on
///   reduced costs, then Dinic on the arcs of reduced cost 0), whose rounds are as many as the
///   distinct lengths of shortest augmenting paths, which tree distances and loads keep small;
/// * the flow is split into paths and handed out to tasks and volunteers of each class.
///
/// **Size.** With *T* tasks, *V* volunteers, *D* volunteers who declined an open task, depth
/// ≤ 7 and *S* distinct required-skill sets, the network has O(S·7·V) tree nodes, O(T) entry
/// arcs (far fewer when tasks share places) and O(7·log D) arcs per declined task; building it
/// costs O((T + S·V)·7) plus sorting. Measured in release on one core: 10,000 tasks (4 kinds,
/// 10 priorities) and 5,000 volunteers at random households of a 25,000-household district in
/// about 0.2 s; with 3,000 of the tasks declined by someone, 0.8 s.
public struct Dispatcher: Sendable {
    public let policy: DispatchPolicy

    public init(policy: DispatchPolicy = .standard) {
        self.policy = policy
    }

    /// Plans who is offered which task.
    /// - Parameters:
    ///   - tasks: the tasks to place; those not open or declined are listed as unassigned
    ///     (``DispatchPlan/Reason/notDispatchable``).
    ///   - volunteers: the registry, with current loads; unavailable or full volunteers take
    ///     nothing but still decide the reasons given for unassigned tasks.
    /// - Throws: ``CommunityError/Code/invalidField`` (field `tasks` or `volunteers`) when an id
    ///   appears twice.
    public func plan(tasks: [VolunteerTask], volunteers: [Volunteer]) throws -> DispatchPlan {
        let tasks = tasks.sorted { $0.id < $1.id }
        let volunteers = volunteers.sorted { $0.id < $1.id }
        for i in tasks.indices.dropFirst() where tasks[i].id == tasks[i - 1].id {
            throw CommunityError(.invalidField, "task \(tasks[i].id) appears twice", field: "tasks")
        }
        for i in volunteers.indices.dropFirst() where volunteers[i].id == volunteers[i - 1].id {
            throw CommunityError(.invalidField, "volunteer \(volunteers[i].id) appears twice", field: "volunteers")
        }
        var solver = Solver(policy: policy, tasks: tasks, volunteers: volunteers)
        return solver.solve()
    }
}

extension Dispatcher {
    /// One planning run over id-sorted tasks and volunteers.
    struct Solver {
        let policy: DispatchPolicy
        let tasks: [VolunteerTask]
        let volunteers: [Volunteer]
        /// Depth of the scope level's nodes; edges into it from above are cut. -1: no scope.
        let scopeDepth: Int

        var trie = PathTrie()
        var open: [Int] = []
        var taskNode: [Int]
        var taskMask: [UInt32]
        var taskDeclined: [Set<VolunteerID>]
        var isSpecial: [Bool]
        let volunteerMask: [UInt32]
        var volunteerNode: [Int] = []

        // Volunteer classes.
        var classNode: [Int] = []
        var classMask: [UInt32] = []
        var classMembers: [[Int]] = []
        /// The volunteer of a one-person class of someone who declined an open task, else -1.
        var classSingleton: [Int] = []
        var classFlowNode: [Int] = []

        /// Upward tree arcs; the downward arc of the same edge is the next forward arc.
        var treeArcs: [Int] = []
        // Task entries: an arc from a priority node, and the tasks behind it.
        var entryArcs: [Int] = []
        var entryMembers: [[Int]] = []

        var network = Network()

        init(policy: DispatchPolicy, tasks: [VolunteerTask], volunteers: [Volunteer]) {
            self.policy = policy
            self.tasks = tasks
            self.volunteers = volunteers
            self.scopeDepth = policy.scope.map { $0.rawValue + 1 } ?? -1
            taskNode = [Int](repeating: -1, count: tasks.count)
            taskMask = [UInt32](repeating: 0, count: tasks.count)
            taskDeclined = [Set<VolunteerID>](repeating: [], count: tasks.count)
            isSpecial = [Bool](repeating: false, count: tasks.count)
            volunteerMask = volunteers.map { VolunteerSkill.mask(of: $0.skills) }
        }

        mutating func solve() -> DispatchPlan {
            var unassigned: [DispatchPlan.Unassigned] = []
            for (i, task) in tasks.enumerated() {
                if task.stage.isDispatchable {
                    open.append(i)
                } else {
                    unassigned.append(.init(task: task.id, priority: task.priority, stage: task.stage, reason: .notDispatchable))
                }
            }
            volunteerNode = volunteers.map { trie.intern($0.area) }
            for i in open {
                taskNode[i] = trie.intern(tasks[i].location)
                taskMask[i] = VolunteerSkill.mask(of: tasks[i].requiredSkills)
            }
            buildVolunteerClasses()
            let levels = buildNetwork()
            network.freeze()
            allocate(levels: levels)
            let routed = decompose()
            var assigned = [Bool](repeating: false, count: tasks.count)
            var assignments = handOut(routed: routed, assigned: &assigned)
            let left = open.filter { !assigned[$0] }
            for (i, reason) in zip(left, reasons(forUnassigned: left)) {
                unassigned.append(.init(task: tasks[i].id, priority: tasks[i].priority, stage: tasks[i].stage, reason: reason))
            }
            assignments.sort { ($0.priority, $1.task) > ($1.priority, $0.task) }
            unassigned.sort { ($0.priority, $1.task) > ($1.priority, $0.task) }
            return DispatchPlan(policy: policy, assignments: assignments, unassigned: unassigned)
        }

        /// Groups the volunteers who can take a task by (area, skills); anyone who declined an
        /// open task gets a class of their own.
        private mutating func buildVolunteerClasses() {
            var usableIndex: [VolunteerID: Int] = [:]
            for (v, volunteer) in volunteers.enumerated() where volunteer.canTakeTask { usableIndex[volunteer.id] = v }
            var declinedSomething = [Bool](repeating: false, count: volunteers.count)
            for i in open {
                let declined = tasks[i].declinedBy
                guard !declined.isEmpty else { continue }
                taskDeclined[i] = declined
                for id in declined {
                    if let v = usableIndex[id] {
                        declinedSomething[v] = true
                        isSpecial[i] = true
                    }
                }
            }
            struct Key: Hashable {
                let node: Int
                let mask: UInt32
                let singleton: Int
            }
            var index: [Key: Int] = [:]
            for (v, volunteer) in volunteers.enumerated() where volunteer.canTakeTask {
                let key = Key(node: volunteerNode[v], mask: volunteerMask[v], singleton: declinedSomething[v] ? v : -1)
                if let c = index[key] {
                    classMembers[c].append(v)
                } else {
                    index[key] = classNode.count
                    classNode.append(key.node)
                    classMask.append(key.mask)
                    classMembers.append([v])
                    classSingleton.append(key.singleton)
                }
            }
        }

        /// Builds the network; returns the priority levels, highest first, with the arc from the
        /// source to each and the tasks that can enter under it.
        private mutating func buildNetwork() -> [(priority: VolunteerTask.Priority, arc: Int, total: Int)] {
            let source = network.addNode()
            let sink = network.addNode()
            precondition(source == 0 && sink == 1)
            let dw = policy.distanceWeight
            let lw = policy.loadWeight

            let priorities = Set(open.map { tasks[$0].priority }).sorted(by: >)
            var levelNode: [VolunteerTask.Priority: Int] = [:]
            var levelArc: [Int] = []
            // Entries of declined tasks may cost down to −dw × 7 (see DeclinerTree): potentials
            // of the source, the priority nodes and those tasks' nodes start at dw × 7.
            network.setInitialPotential(source, dw * JurisdictionLevel.allCases.count)
            for p in priorities {
                let node = network.addNode()
                network.setInitialPotential(node, dw * JurisdictionLevel.allCases.count)
                levelNode[p] = node
                levelArc.append(network.addArc(from: source, to: node, capacity: 0, cost: 0))
            }

            // Volunteer classes, and their slots towards the sink by increasing load cost.
            for c in classNode.indices {
                let node = network.addNode()
                classFlowNode.append(node)
                var marginal: [Int] = []
                for v in classMembers[c] {
                    let volunteer = volunteers[v]
                    for k in 0..<volunteer.freeSlots { marginal.append(lw * (volunteer.load + k)) }
                }
                marginal.sort()
                var i = 0
                while i < marginal.count {
                    var j = i
                    while j < marginal.count && marginal[j] == marginal[i] { j += 1 }
                    network.addArc(from: node, to: sink, capacity: j - i, cost: marginal[i])
                    i = j
                }
            }

            // Per set of required skills, one copy of the tree over the volunteers who declined
            // nothing and, if any open task was declined, one over those who declined one. A task
            // enters each copy; a declined task skips the second and gets direct arcs instead to
            // the decliners it may still go to.
            var scratch = CopyScratch(count: trie.count)
            struct EntryKey: Hashable {
                let node: Int
                let offset: Int
                let declinerNode: Int
                let declinerOffset: Int
                let priority: VolunteerTask.Priority
            }
            let masks = Set(open.map { taskMask[$0] }).sorted()
            for mask in masks {
                let compatible = classNode.indices.filter { classMask[$0] & mask == mask }
                let regular = compatible.filter { classSingleton[$0] < 0 }
                let decliners = compatible.filter { classSingleton[$0] >= 0 }
                let plain = open.filter { taskMask[$0] == mask && !isSpecial[$0] }
                let special = open.filter { taskMask[$0] == mask && isSpecial[$0] }
                let entered = buildCopy(classes: regular, tasks: plain + special, scratch: &scratch)
                let declinerEntered =
                    decliners.isEmpty || plain.isEmpty
                    ? [(node: Int, offset: Int)?](repeating: nil, count: plain.count)
                    : buildCopy(classes: decliners, tasks: plain, scratch: &scratch)

                var entryIndex: [EntryKey: Int] = [:]
                var keys: [EntryKey] = []
                var members: [[Int]] = []
                for (k, i) in plain.enumerated() {
                    let a = entered[k]
                    let b = declinerEntered[k]
                    guard a != nil || b != nil else { continue }
                    let key = EntryKey(
                        node: a?.node ?? -1, offset: a?.offset ?? 0, declinerNode: b?.node ?? -1, declinerOffset: b?.offset ?? 0,
                        priority: tasks[i].priority)
                    if let e = entryIndex[key] {
                        members[e].append(i)
                    } else {
                        entryIndex[key] = keys.count
                        keys.append(key)
                        members.append([i])
                    }
                }
                for (e, key) in keys.enumerated() {
                    let level = levelNode[key.priority]!
                    let count = members[e].count
                    if key.declinerNode < 0 {
                        entryArcs.append(network.addArc(from: level, to: key.node, capacity: count, cost: dw * key.offset))
                    } else if key.node < 0 {
                        entryArcs.append(
                            network.addArc(from: level, to: key.declinerNode, capacity: count, cost: dw * key.declinerOffset))
                    } else {
                        let node = network.addNode()
                        entryArcs.append(network.addArc(from: level, to: node, capacity: count, cost: 0))
                        network.addArc(from: node, to: key.node, capacity: count, cost: dw * key.offset)
                        network.addArc(from: node, to: key.declinerNode, capacity: count, cost: dw * key.declinerOffset)
                    }
                    entryMembers.append(members[e])
                }

                var declinerTree: DeclinerTree?
                if !special.isEmpty && !decliners.isEmpty { declinerTree = DeclinerTree(classes: decliners, solver: &self) }
                for (k, i) in special.enumerated() {
                    var arcs: [(to: Int, cost: Int)] = []
                    if let a = entered[plain.count + k] { arcs.append((a.node, dw * a.offset)) }
                    if let tree = declinerTree { arcs += tree.targets(forTask: i, solver: self) }
                    guard !arcs.isEmpty else { continue }
                    let node = network.addNode()
                    network.setInitialPotential(node, dw * JurisdictionLevel.allCases.count)
                    entryArcs.append(network.addArc(from: levelNode[tasks[i].priority]!, to: node, capacity: 1, cost: 0))
                    for arc in arcs { network.addArc(from: node, to: arc.to, capacity: 1, cost: arc.cost) }
                    entryMembers.append([i])
                }
            }

            var totals = [Int](repeating: 0, count: priorities.count)
            for members in entryMembers {
                totals[priorities.firstIndex(of: tasks[members[0]].priority)!] += members.count
            }
            return priorities.indices.map { (priorities[$0], levelArc[$0], totals[$0]) }
        }

        /// Marks and flags per trie node while one copy of the tree is built; left clean after.
        struct CopyScratch {
            static let unmarked = -1
            static let markedWithoutNode = -2
            var copyNode: [Int]
            var markedChildren: [Int]
            var hasEntry: [Bool]

            init(count: Int) {
                copyNode = [Int](repeating: Self.unmarked, count: count)
                markedChildren = [Int](repeating: 0, count: count)
                hasEntry = [Bool](repeating: false, count: count)
            }
        }

        /// Adds one copy of the jurisdiction tree leading to the volunteer classes `classes`: the
        /// ancestors of their areas, joined by arcs of cost `distanceWeight` both ways (none
        /// across the scope's boundary), each node leading to the classes based there. A leaf
        /// where no task enters is left out and its classes hang from its parent one edge
        /// further. Returns, for each of `tasks`, the node where it enters — its deepest
        /// ancestor in the copy — and the edges skipped to get there, or nil when the scope cuts
        /// it off.
        private mutating func buildCopy(classes: [Int], tasks members: [Int], scratch: inout CopyScratch) -> [(node: Int, offset: Int)?] {
            let unmarked = CopyScratch.unmarked
            let dw = policy.distanceWeight
            var marked: [Int] = []
            for c in classes {
                var x = classNode[c]
                while x >= 0 && scratch.copyNode[x] == unmarked {
                    scratch.copyNode[x] = CopyScratch.markedWithoutNode
                    marked.append(x)
                    let p = Int(trie.parent[x])
                    if p >= 0 { scratch.markedChildren[p] += 1 }
                    x = p
                }
            }
            var entry: [(trieNode: Int, offset: Int)?] = []
            entry.reserveCapacity(members.count)
            for i in members {
                var x = taskNode[i]
                var offset = 0
                var reachable = true
                while scratch.copyNode[x] == unmarked {
                    if x == 0 || trie.depth[x] == scopeDepth {
                        reachable = false
                        break
                    }
                    x = Int(trie.parent[x])
                    offset += 1
                }
                if reachable {
                    scratch.hasEntry[x] = true
                    entry.append((x, offset))
                } else {
                    entry.append(nil)
                }
            }
            func isDroppedLeaf(_ x: Int) -> Bool { x != 0 && scratch.markedChildren[x] == 0 && !scratch.hasEntry[x] }
            for x in marked where !isDroppedLeaf(x) { scratch.copyNode[x] = network.addNode() }
            for x in marked where x != 0 && !isDroppedLeaf(x) && trie.depth[x] != scopeDepth {
                let p = Int(trie.parent[x])
                treeArcs.append(network.addArc(from: scratch.copyNode[x], to: scratch.copyNode[p], capacity: Network.unbounded, cost: dw))
                network.addArc(from: scratch.copyNode[p], to: scratch.copyNode[x], capacity: Network.unbounded, cost: dw)
            }
            for c in classes {
                let x = classNode[c]
                if !isDroppedLeaf(x) {
                    network.addArc(from: scratch.copyNode[x], to: classFlowNode[c], capacity: Network.unbounded, cost: 0)
                } else if trie.depth[x] != scopeDepth {
                    network.addArc(from: scratch.copyNode[Int(trie.parent[x])], to: classFlowNode[c], capacity: Network.unbounded, cost: dw)
                }
            }
            let result = entry.map { e in e.map { (scratch.copyNode[$0.trieNode], $0.offset) } }
            for x in marked {
                scratch.copyNode[x] = unmarked
                scratch.markedChildren[x] = 0
                scratch.hasEntry[x] = false
            }
            return result
        }

        /// Finds how many tasks of each priority to assign (maximum flow, highest priority
        /// first), then the cheapest flow assigning exactly those.
        private mutating func allocate(levels: [(priority: VolunteerTask.Priority, arc: Int, total: Int)]) {
            if levels.count > 1 {
                for level in levels {
                    network.capacity[level.arc] = level.total
                    _ = network.maximizeFlow(source: 0, sink: 1)
                }
                let granted = levels.map { network.flow($0.arc) }
                network.reset()
                for (level, amount) in zip(levels, granted) { network.setCapacity(level.arc, amount) }
            } else if let level = levels.first {
                network.setCapacity(level.arc, level.total)
            }
            _ = network.minimizeCost(source: 0, sink: 1)
        }

        /// Splits the flow into paths from each entry to volunteer classes: for each entry, the
        /// classes and amounts, in a fixed order.
        private func decompose() -> [[(volunteerClass: Int, amount: Int)]] {
            var remaining = [Int](repeating: 0, count: network.head.count / 2)
            for a in stride(from: 0, to: network.head.count, by: 2) { remaining[a / 2] = network.flow(a) }
            // Flow both ways along a tree edge cancels out (it can only appear at weight 0).
            for a in treeArcs {
                let b = a + 2  // the opposite arc, added right after
                let m = min(remaining[a / 2], remaining[b / 2])
                remaining[a / 2] -= m
                remaining[b / 2] -= m
            }
            var classOfNode = [Int](repeating: -1, count: network.nodeCount)
            for (c, node) in classFlowNode.enumerated() { classOfNode[node] = c }
            var pointer = (0..<network.nodeCount).map { network.adjacencyRange(of: $0).lowerBound }
            var routed: [[(volunteerClass: Int, amount: Int)]] = []
            var path: [Int] = []
            for arc in entryArcs {
                var result: [(volunteerClass: Int, amount: Int)] = []
                var left = remaining[arc / 2]
                while left > 0 {
                    path.removeAll(keepingCapacity: true)
                    path.append(arc)
                    var amount = left
                    var x = Int(network.head[arc])
                    while classOfNode[x] < 0 {
                        let end = network.adjacencyRange(of: x).upperBound
                        while pointer[x] < end {
                            let a = network.arc(at: pointer[x])
                            if a & 1 == 0 && remaining[a / 2] > 0 { break }
                            pointer[x] += 1
                        }
                        precondition(pointer[x] < end, "flow is not conserved at node \(x)")
                        let a = network.arc(at: pointer[x])
                        path.append(a)
                        amount = min(amount, remaining[a / 2])
                        x = Int(network.head[a])
                    }
                    for a in path { remaining[a / 2] -= amount }
                    left -= amount
                    if let last = result.last, last.volunteerClass == classOfNode[x] {
                        result[result.count - 1].amount += amount
                    } else {
                        result.append((classOfNode[x], amount))
                    }
                }
                routed.append(result)
            }
            return routed
        }

        /// Gives each routed unit a task (earliest created first within an entry) and a
        /// volunteer slot (least load first within a class).
        private func handOut(routed: [[(volunteerClass: Int, amount: Int)]], assigned: inout [Bool]) -> [DispatchPlan.Assignment] {
            var classTasks = [[Int]](repeating: [], count: classNode.count)
            for (e, routes) in routed.enumerated() {
                let members = entryMembers[e].sorted { (tasks[$0].createdAt, $0) < (tasks[$1].createdAt, $1) }
                var k = 0
                for route in routes {
                    for _ in 0..<route.amount {
                        classTasks[route.volunteerClass].append(members[k])
                        assigned[members[k]] = true
                        k += 1
                    }
                }
            }
            var assignments: [DispatchPlan.Assignment] = []
            for c in classNode.indices where !classTasks[c].isEmpty {
                let members = classMembers[c]
                var slots: [(cost: Int, member: Int)] = []
                for (m, v) in members.enumerated() {
                    let volunteer = volunteers[v]
                    for k in 0..<volunteer.freeSlots { slots.append((policy.loadWeight * (volunteer.load + k), m)) }
                }
                slots.sort { ($0.cost, $0.member) < ($1.cost, $1.member) }
                var share = [Int](repeating: 0, count: members.count)
                for slot in slots.prefix(classTasks[c].count) { share[slot.member] += 1 }
                let list = classTasks[c].sorted()
                var next = 0
                for (m, v) in members.enumerated() {
                    let volunteer = volunteers[v]
                    for k in 0..<share[m] {
                        let task = tasks[list[next]]
                        next += 1
                        let distance = DispatchPolicy.distance(volunteer.area, task.location)
                        let load = volunteer.load + k
                        assignments.append(
                            .init(
                                task: task.id, volunteer: volunteer.id, priority: task.priority, distance: distance, load: load,
                                cost: policy.cost(distance: distance, load: load)))
                    }
                }
            }
            return assignments
        }

        /// Why the open tasks left got no volunteer (see ``DispatchPlan/Reason``), in the order of
        /// `left`.
        private func reasons(forUnassigned left: [Int]) -> [DispatchPlan.Reason] {
            // Per set of required skills: whether anyone available has them, and the scope-level
            // nodes (or the part above the scope) where someone does.
            struct Reach {
                var any = false
                var scopes: Set<Int> = []
                var above = false
            }
            var reach: [UInt32: Reach] = [:]
            for i in left where reach[taskMask[i]] == nil {
                let mask = taskMask[i]
                var r = Reach()
                for (v, volunteer) in volunteers.enumerated() where volunteer.available && volunteerMask[v] & mask == mask {
                    r.any = true
                    if scopeDepth >= 0 {
                        if let a = trie.ancestor(of: volunteerNode[v], atDepth: scopeDepth) { r.scopes.insert(a) } else { r.above = true }
                    }
                }
                reach[mask] = r
            }
            return left.map { i in
                let r = reach[taskMask[i]]!
                guard r.any else { return .noVolunteerWithSkills }
                if scopeDepth >= 0 {
                    let inScope = trie.ancestor(of: taskNode[i], atDepth: scopeDepth).map { r.scopes.contains($0) } ?? r.above
                    guard inScope else { return .noVolunteerInScope }
                }
                if !taskDeclined[i].isEmpty {
                    let mask = taskMask[i]
                    let location = tasks[i].location
                    let someoneLeft = volunteers.enumerated().contains { v, volunteer in
                        volunteer.available && volunteerMask[v] & mask == mask && policy.reaches(volunteer.area, location)
                            && !taskDeclined[i].contains(volunteer.id)
                    }
                    if !someoneLeft { return .declinedByAll }
                }
                return .noCapacity
            }
        }
    }
}
