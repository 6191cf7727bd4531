/// The result of ``Dispatcher/plan(tasks:volunteers:)``: which volunteer to offer each task,
/// why, and which tasks are left and why.
///
/// A plan is advice: the store applies it with ``VolunteerTask/offer(to:by:at:)``, which takes
/// the volunteers' slots. It respects every volunteer's free slots, so applied in any order
/// against the same records every offer succeeds.
public struct DispatchPlan: Sendable, Hashable, Codable {
    /// One task given to one volunteer, with what it costs.
    public struct Assignment: Sendable, Hashable, Codable {
        public let task: VolunteerTaskID
        public let volunteer: VolunteerID
        public let priority: VolunteerTask.Priority
        /// Edges in the jurisdiction tree between the volunteer's area and the task's location.
        public let distance: Int
        /// Tasks the volunteer holds when given this one: their load before the plan plus the
        /// tasks this plan gives them before this one.
        public let load: Int
        /// `distanceWeight × distance + loadWeight × load` under the plan's policy.
        public let cost: Int

        /// Creates the value from its parts (a result; the dispatcher computes it).
        public init(task: VolunteerTaskID, volunteer: VolunteerID, priority: VolunteerTask.Priority, distance: Int, load: Int, cost: Int) {
            self.task = task
            self.volunteer = volunteer
            self.priority = priority
            self.distance = distance
            self.load = load
            self.cost = cost
        }
    }

    /// Why a task got no volunteer, checked in this order.
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// The task is not open or declined (it is offered, under way or over).
        case notDispatchable = "not-dispatchable"
        /// No available volunteer has all the required skills.
        case noVolunteerWithSkills = "no-volunteer-with-skills"
        /// Some do, but none within the policy's scope of the task's location.
        case noVolunteerInScope = "no-volunteer-in-scope"
        /// Every available, skilled volunteer in scope has already declined this task.
        case declinedByAll = "declined-by-all"
        /// Volunteers who could do it are full: they hold all they can, or this plan gives their
        /// free slots to other tasks (of the same or higher priority, or ones no swap could free).
        case noCapacity = "no-capacity"

        public var description: String { rawValue }
    }

    /// A task left without a volunteer.
    public struct Unassigned: Sendable, Hashable, Codable {
        public let task: VolunteerTaskID
        public let priority: VolunteerTask.Priority
        /// The task's stage when planned.
        public let stage: VolunteerTask.Stage
        public let reason: Reason

        /// Creates the value from its parts (a result; the dispatcher computes it).
        public init(task: VolunteerTaskID, priority: VolunteerTask.Priority, stage: VolunteerTask.Stage, reason: Reason) {
            self.task = task
            self.priority = priority
            self.stage = stage
            self.reason = reason
        }
    }

    /// The policy the plan was made under.
    public let policy: DispatchPolicy
    /// The assignments, by priority (highest first), then task id.
    public let assignments: [Assignment]
    /// The tasks left, by priority (highest first), then task id.
    public let unassigned: [Unassigned]

    /// Creates the value from its parts (a result; the dispatcher computes it).
    public init(policy: DispatchPolicy, assignments: [Assignment], unassigned: [Unassigned]) {
        self.policy = policy
        self.assignments = assignments
        self.unassigned = unassigned
    }

    /// The sum of the assignments' costs: what the dispatcher minimised.
    public var totalCost: Int { assignments.reduce(0) { $0 + $1.cost } }

    /// How many tasks of `priority` or higher are assigned. For every priority this is the most
    /// any plan could assign (see ``Dispatcher``).
    public func assignedCount(atLeast priority: VolunteerTask.Priority) -> Int {
        assignments.reduce(0) { $0 + ($1.priority >= priority ? 1 : 0) }
    }
}
