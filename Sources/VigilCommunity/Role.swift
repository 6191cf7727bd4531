/// What a user of the platform does; with a jurisdiction, it decides what they may do
/// (``AccessPolicy``).
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Runs the node: users, imports, merges, everything in their jurisdiction.
    case admin
    /// District CDC epidemiologist: reads everything in the jurisdiction, traces contacts,
    /// approves reports and classifies cases.
    case cdc
    /// Community committee staff: keeps the registry and key groups, submits and approves the
    /// daily report.
    case community = "community-staff"
    /// Grid worker: keeps the persons of their grid, follow-ups and check-ins.
    case grid = "grid-worker"
    /// Community clinic: reports suspected cases and refers patients.
    case clinician
    /// Designated hospital: admits referred patients, confirms or rules out cases.
    case hospital
    /// A checkpoint device or guard: records visits, nothing else.
    case checkpoint
    /// Reads the audit log, and no personal data.
    case auditor
    /// A volunteer: sees and works the tasks offered to them (their jurisdiction is their area).
    case volunteer
    /// A resident: orders goods for their own household (their jurisdiction is the household).
    case resident

    public var description: String { rawValue }
}

/// An action an API endpoint performs; ``AccessPolicy`` says which roles may do it.
public enum Permission: String, Sendable, Hashable, Codable, CaseIterable {
    case readPersons = "persons.read"
    case writePersons = "persons.write"
    case importPersons = "persons.import"
    case mergePersons = "persons.merge"
    case recordVisits = "visits.write"
    case trace = "trace.run"
    case readCases = "cases.read"
    case writeCases = "cases.write"
    case classifyCases = "cases.classify"
    case readReports = "reports.read"
    case submitReports = "reports.submit"
    case approveReports = "reports.approve"
    case readReferrals = "referrals.read"
    case writeReferrals = "referrals.write"
    case admitReferrals = "referrals.admit"
    case importSignals = "signals.import"
    case readAudit = "audit.read"
    case manageUsers = "users.manage"
    /// Report a suspected case to the node's chain (a pseudonymous `suspected-case` proposal).
    case reportCases = "ledger.report"
    /// Vote on (or, as a supervisor, veto) the chain's open proposals on behalf of the node.
    case voteLedger = "ledger.vote"
    /// Read items, stock, days of cover, requests and allocations.
    case readSupplies = "supplies.read"
    /// Record stock movements and needs; file supply requests.
    case writeSupplies = "supplies.write"
    /// Decide requests, allocate shipments and depot stock, plan transfers between communities.
    case allocateSupplies = "supplies.allocate"
    /// Read the volunteer registry and tasks.
    case readVolunteers = "volunteers.read"
    /// Keep the volunteer registry, create tasks and dispatch them.
    case manageVolunteers = "volunteers.manage"
    /// Work one's own tasks: accept, decline, check in, finish (volunteers).
    case workTasks = "tasks.work"
    /// Read resident orders.
    case readOrders = "orders.read"
    /// Place resident orders (a resident for their household, staff on behalf of a resident).
    case placeOrders = "orders.write"
    /// Read emergency plans and their activations.
    case readPlans = "plans.read"
    /// Keep emergency plans and run their evaluation.
    case managePlans = "plans.manage"
    /// Get a person's health code (a resident for their household, staff for their jurisdiction).
    case issueCodes = "codes.issue"
    /// Scan health codes at a checkpoint (verify and record the visit).
    case scanCodes = "codes.scan"
    /// Flag high-risk places, publish the region's code key, rebuild the colour directory.
    case manageCodes = "codes.manage"
}

/// Access by role **and** jurisdiction (DESIGN §4): a role grants permissions; a permission is
/// exercised only on records whose jurisdiction lies in the caller's (their node of the tree or
/// below it).
public struct AccessPolicy: Sendable {
    /// The permissions of each role.
    public static let grants: [Role: Set<Permission>] = [
        .admin: Set(Permission.allCases).subtracting([.readAudit]),
        .cdc: [
            .readPersons, .trace, .readCases, .classifyCases, .readReports, .approveReports, .readReferrals, .voteLedger, .readSupplies,
            .allocateSupplies, .readVolunteers, .readPlans, .managePlans, .manageCodes,
        ],
        .community: [
            .readPersons, .writePersons, .importPersons, .mergePersons, .recordVisits, .trace, .readCases, .writeCases,
            .readReports, .submitReports, .approveReports, .readReferrals, .importSignals, .voteLedger, .readSupplies, .writeSupplies,
            .readVolunteers, .manageVolunteers, .readOrders, .placeOrders, .readPlans, .issueCodes, .scanCodes, .manageCodes,
        ],
        .grid: [.readPersons, .writePersons, .readCases, .readReports, .issueCodes],
        .clinician: [.readPersons, .readCases, .writeCases, .readReferrals, .writeReferrals, .reportCases, .voteLedger],
        .hospital: [.readPersons, .readCases, .classifyCases, .readReferrals, .admitReferrals, .reportCases, .voteLedger],
        .checkpoint: [.recordVisits, .scanCodes],
        .auditor: [.readAudit],
        .volunteer: [.workTasks],
        .resident: [.placeOrders, .readOrders, .issueCodes],
    ]

    /// Whether `role` has `permission` at all.
    public static func allows(_ role: Role, _ permission: Permission) -> Bool {
        grants[role]?.contains(permission) ?? false
    }

    /// Whether a caller with `role` in `scope` may exercise `permission` on a record at
    /// `target` (nil for actions not about one record, such as listing within the caller's scope).
    public static func allows(_ role: Role, _ permission: Permission, scope: JurisdictionPath, target: JurisdictionPath?) -> Bool {
        guard allows(role, permission) else { return false }
        guard let target else { return true }
        return scope.contains(target)
    }
}
