public import VigilCommunity
public import VigilStore
import VigilSurveillance

/// The behavioural contract every ``CommunityStore`` backend must pass: one suite, run against
/// memory, SQLite and PostgreSQL, like ``LedgerStoreConformance``.
///
/// Each case gets a fresh store from `makeStore`, so cases are independent.
///
/// ```swift
/// @Test(arguments: CommunityStoreConformance<InMemoryCommunityStore>.Case.allCases)
/// func inMemory(_ c: CommunityStoreConformance<InMemoryCommunityStore>.Case) async throws {
///     try await CommunityStoreConformance { InMemoryCommunityStore() }.run(c)
/// }
/// ```
public struct CommunityStoreConformance<Store: CommunityStore>: Sendable {
    /// The cases, one per behaviour.
    public enum Case: String, CaseIterable, Sendable, CustomStringConvertible {
        case emptyStore, insertAndReadPersons, insertIsAllOrNothing, invalidArgumentsAreRefused
        case keysetPaginationVisitsEachPersonOnce, scopesDoNotLeakToSiblings, personFilters
        case updateChecksTheVersion, concurrentUpdatesConflict
        case mergeRetiresTheAbsorbedFile, mergeChecksVersionsMarksAndExistence, notDuplicateMarksAreIdempotent
        case visitsOverlappingAPlace, visitsOverlappingAPerson, batchesBeyondParameterLimits
        case recordsAreVersioned, recordsListByScopeAndPerson, usersAreStoredByName
        case auditIsOrderedAndPaged, concurrentAuditAppendsKeepOrder, resumesAfterReopening

        public var description: String { rawValue }
    }

    /// The outcome of a case.
    public enum Outcome: Hashable, Sendable {
        case passed
        /// The backend lacks what the case needs (reopening).
        case skipped(reason: String)
    }

    let makeStore: @Sendable () async throws -> Store
    let reopen: (@Sendable (Store) async throws -> Store)?

    /// - Parameters:
    ///   - reopen: a new store instance over the same data (a new `DatabasePool` on the file);
    ///     nil for backends without persistence.
    ///   - makeStore: a fresh, empty store.
    public init(reopen: (@Sendable (Store) async throws -> Store)? = nil, makeStore: @escaping @Sendable () async throws -> Store) {
        self.makeStore = makeStore
        self.reopen = reopen
    }

    /// Runs every case; throws the first failure.
    public func runAll() async throws {
        for c in Case.allCases { _ = try await run(c) }
    }

    /// Runs one case against a fresh store.
    @discardableResult
    public func run(_ c: Case) async throws -> Outcome {
        switch c {
        case .emptyStore: try await emptyStore()
        case .insertAndReadPersons: try await insertAndReadPersons()
        case .insertIsAllOrNothing: try await insertIsAllOrNothing()
        case .invalidArgumentsAreRefused: try await invalidArgumentsAreRefused()
        case .keysetPaginationVisitsEachPersonOnce: try await keysetPaginationVisitsEachPersonOnce()
        case .scopesDoNotLeakToSiblings: try await scopesDoNotLeakToSiblings()
        case .personFilters: try await personFilters()
        case .updateChecksTheVersion: try await updateChecksTheVersion()
        case .concurrentUpdatesConflict: try await concurrentUpdatesConflict()
        case .mergeRetiresTheAbsorbedFile: try await mergeRetiresTheAbsorbedFile()
        case .mergeChecksVersionsMarksAndExistence: try await mergeChecksVersionsMarksAndExistence()
        case .notDuplicateMarksAreIdempotent: try await notDuplicateMarksAreIdempotent()
        case .visitsOverlappingAPlace: try await visitsOverlappingAPlace()
        case .visitsOverlappingAPerson: try await visitsOverlappingAPerson()
        case .batchesBeyondParameterLimits: try await batchesBeyondParameterLimits()
        case .recordsAreVersioned: try await recordsAreVersioned()
        case .recordsListByScopeAndPerson: try await recordsListByScopeAndPerson()
        case .usersAreStoredByName: try await usersAreStoredByName()
        case .auditIsOrderedAndPaged: try await auditIsOrderedAndPaged()
        case .concurrentAuditAppendsKeepOrder: try await concurrentAuditAppendsKeepOrder()
        case .resumesAfterReopening:
            guard let reopen else { return .skipped(reason: "the backend does not persist across instances") }
            try await resumesAfterReopening(reopen)
        }
        return .passed
    }

    // MARK: Fixtures

    /// A path; traps on an invalid one (fixtures only).
    public static func path(_ text: String) -> JurisdictionPath { try! JurisdictionPath(text) }

    /// A person id; traps on an invalid one (fixtures only).
    public static func id(_ text: String) -> PersonID { try! PersonID(text) }

    /// A draft with the fields the cases vary.
    public static func draft(
        _ name: String, in household: String, id: String? = nil, vulnerabilities: Set<Vulnerability> = [],
        group: PersonGroup = .susceptible, phone: String? = nil, address: String? = nil
    ) -> PersonDraft {
        PersonDraft(
            id: id.map { try! PersonID($0) }, name: name, phone: phone, address: address, household: path(household),
            vulnerabilities: vulnerabilities, group: group)
    }

    public static var staff: StaffID { try! StaffID("staff-1") }
    public static var place: PlaceID { try! PlaceID("market.riverside") }

    static func visit(_ person: String, at place: PlaceID = place, _ timeIn: Int64, _ timeOut: Int64?, checkpoint: String? = nil) -> Visit {
        try! Visit(person: person, place: place, checkpoint: checkpoint, timeIn: timeIn, timeOut: timeOut)
    }

    static func event(_ i: Int, actor: String = "auditor-1") -> AuditEvent {
        AuditEvent(
            time: 1_700_000_000 + Int64(i), actor: actor, role: .community, action: "person.read", resource: "person/\(i)",
            purpose: "follow-up \(i)")
    }

    static func record(
        _ id: String, kind: RecordKind = .case, in jurisdiction: String = "sz/ft/c1", person: PersonKey? = nil, body: [UInt8] = [1, 2, 3],
        time: Int64 = 1_700_000_000
    ) -> RecordDraft {
        RecordDraft(kind: kind, id: id, jurisdiction: path(jurisdiction), person: person, body: body, time: time)
    }

    /// Byte order, as every backend sorts ids.
    static func sortedIDs(_ ids: some Sequence<PersonID>) -> [PersonID] {
        ids.sorted { $0.rawValue.utf8.lexicographicallyPrecedes($1.rawValue.utf8) }
    }

    func expect(_ condition: Bool, _ message: @autoclosure () -> String, file: String = #fileID, line: Int = #line) throws {
        guard condition else { throw ConformanceFailure(description: "\(file):\(line): \(message())", file: file, line: line) }
    }

    @discardableResult
    func expectError<T>(
        _ code: StoreError.Code, _ what: String, file: String = #fileID, line: Int = #line, _ body: () async throws -> T
    ) async throws -> StoreError {
        do {
            _ = try await body()
        } catch let error as StoreError {
            try expect(error.code == code, "\(what): got \(error.code) (\(error.message)), want \(code)", file: file, line: line)
            return error
        } catch {
            throw ConformanceFailure(
                description: "\(file):\(line): \(what): threw \(type(of: error)), want StoreError(\(code))", file: file, line: line)
        }
        throw ConformanceFailure(description: "\(file):\(line): \(what): did not throw, want \(code)", file: file, line: line)
    }

    /// Every page of `query` (from its `after`), checking that `next` is the last id of a full
    /// page and nil only on the last one.
    func pageAll(_ store: Store, _ query: PersonQuery, file: String = #fileID, line: Int = #line) async throws -> (
        persons: [Person], pages: Int
    ) {
        var query = query
        var persons: [Person] = []
        var pages = 0
        while true {
            let page = try await store.persons(query)
            pages += 1
            try expect(page.items.count <= query.limit, "page \(pages) holds \(page.items.count) > \(query.limit)", file: file, line: line)
            persons += page.items
            guard let next = page.next else { break }
            try expect(page.items.count == query.limit, "a page with a next holds \(page.items.count), want \(query.limit)", file: file, line: line)
            try expect(next == page.items.last?.id, "next is the last id of the page", file: file, line: line)
            try expect(pages < 10_000, "pagination does not end", file: file, line: line)
            query.after = next
        }
        return (persons, pages)
    }

    func ids(_ store: Store, _ scope: String) async throws -> [PersonID] {
        try await store.allPersons(in: Self.path(scope)).map(\.id)
    }

    // MARK: Cases: persons

    func emptyStore() async throws {
        let store = try await makeStore()
        let someone = Self.id("0123456789abcdef0123456789abcdef")
        try expect(try await store.person(someone) == nil, "no person")
        try expect(try await store.mergedInto(someone) == nil, "no merge pointer")
        let page = try await store.persons(PersonQuery(scope: Self.path("sz")))
        try expect(page.items.isEmpty && page.next == nil, "empty page")
        try expect(try await store.allPersons(in: Self.path("sz")).isEmpty, "no persons")
        try expect(try await store.merges(involving: someone).isEmpty, "no merges")
        try expect(try await store.notDuplicateMarks().count == 0, "no marks")
        try expect(try await store.visits(at: Self.place, overlapping: 0...Int64.max, openDuration: 3600).isEmpty, "no visits at a place")
        try expect(try await store.visits(of: "p1", overlapping: 0...100, openDuration: 3600).isEmpty, "no visits of a person")
        try expect(try await store.record(.case, id: "c1") == nil, "no record")
        let records = try await store.records(RecordQuery(kind: .case, scope: Self.path("sz")))
        try expect(records.items.isEmpty && records.next == nil, "no records")
        try expect(try await store.users().isEmpty, "no users")
        try expect(try await store.user("admin") == nil, "no user")
        try expect(try await store.auditEvents(after: 0, limit: 10).isEmpty, "no audit events")
        try expect(try await store.insertPersons([]).isEmpty, "empty insert")
        try expect(try await store.insertVisits([]) == 0, "empty visit insert")
        try expect(try await store.appendAudit([]).isEmpty, "empty audit append")
    }

    func insertAndReadPersons() async throws {
        let store = try await makeStore()
        let full = PersonDraft(
            nationalID: "11010519491231002x", name: "  Wang Fang ", sex: .female,
            birthDate: CivilDate(year: 1949, month: 12, day: 31), phone: "+86 138-0000-0000", address: "Room 402, Building 12",
            household: Self.path("sz/ft/xl/c07/g3/b12/h0402"), vulnerabilities: [.elderly, .chronicIllness, .elderlyAlone], group: .key)
        let minimal = Self.draft("Li Lei", in: "sz/ft")
        let proposed = Self.draft("Han Meimei", in: "sz/ft/xl", id: "imported-0001")
        let inserted = try await store.insertPersons([full, minimal, proposed])
        try expect(inserted.count == 3, "three persons inserted")
        try expect(inserted.allSatisfy { $0.version == 1 }, "every new person is at version 1")
        for person in inserted.prefix(2) {
            let text = person.id.rawValue
            try expect(
                text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) },
                "a new id is 32 lowercase hex digits, got \(text)")
        }
        try expect(inserted[0].id != inserted[1].id, "new ids differ")
        try expect(inserted[2].id == Self.id("imported-0001"), "a proposed id is kept")
        try expect(inserted[0].name == "Wang Fang" && inserted[0].nationalID == "11010519491231002X", "drafts are normalised")
        try expect(inserted[0].phone == "+8613800000000", "the phone is normalised")
        for person in inserted {
            let read = try await store.person(person.id)
            try expect(read == person, "person \(person.id) reads back with every field: \(String(describing: read))")
            try expect(try await store.mergedInto(person.id) == nil, "not merged")
        }
        let more = try await store.insertPersons([Self.draft("Li Lei", in: "sz/ft")])
        try expect(more[0].id != inserted[1].id, "the same draft again is a new file with a new id")
        try expect(try await store.allPersons(in: Self.path("sz")).count == 4, "four persons")
    }

    func insertIsAllOrNothing() async throws {
        let store = try await makeStore()
        _ = try await store.insertPersons([Self.draft("A", in: "sz/ft/c1", id: "p-a")])
        try await expectError(.conflict, "a batch with a stored id") {
            try await store.insertPersons([
                Self.draft("B", in: "sz/ft/c1", id: "p-b"), Self.draft("A again", in: "sz/ft/c1", id: "p-a"), Self.draft("C", in: "sz/ft/c1"),
            ])
        }
        try expect(try await store.person(Self.id("p-b")) == nil, "nothing of the refused batch is stored")
        try expect(try await store.person(Self.id("p-a"))?.name == "A", "the stored person is unchanged")
        try await expectError(.conflict, "a batch that repeats an id") {
            try await store.insertPersons([Self.draft("C", in: "sz/ft/c1", id: "p-c"), Self.draft("C2", in: "sz/ft/c1", id: "p-c")])
        }
        try expect(try await store.person(Self.id("p-c")) == nil, "neither copy is stored")
        try await expectError(.invalidArgument, "a batch with an invalid draft") {
            try await store.insertPersons([Self.draft("D", in: "sz/ft/c1", id: "p-d"), Self.draft("   ", in: "sz/ft/c1")])
        }
        try expect(try await store.person(Self.id("p-d")) == nil, "nothing of the invalid batch is stored")
        try expect(try await ids(store, "sz") == [Self.id("p-a")], "only the first person is stored")
    }

    func invalidArgumentsAreRefused() async throws {
        let store = try await makeStore()
        for limit in [0, -1, 1001] {
            try await expectError(.invalidArgument, "person page limit \(limit)") {
                try await store.persons(PersonQuery(scope: Self.path("sz"), limit: limit))
            }
            try await expectError(.invalidArgument, "record page limit \(limit)") {
                try await store.records(RecordQuery(kind: .case, scope: Self.path("sz"), limit: limit))
            }
        }
        try await expectError(.invalidArgument, "audit limit -1") { try await store.auditEvents(after: 0, limit: -1) }
        try await expectError(.invalidArgument, "record kind with capitals") { try await store.insertRecord(Self.record("x", kind: RecordKind("Case"))) }
        try await expectError(.invalidArgument, "empty record kind") { try await store.insertRecord(Self.record("x", kind: RecordKind(""))) }
        try await expectError(.invalidArgument, "empty record id") { try await store.insertRecord(Self.record("")) }
        try await expectError(.invalidArgument, "record id with a line break") { try await store.insertRecord(Self.record("a\nb")) }
        try await expectError(.invalidArgument, "record id of 129 bytes") { try await store.insertRecord(Self.record(String(repeating: "x", count: 129))) }
        try expect(try await store.record(.case, id: "x") == nil, "nothing stored")
        try expect(try await store.persons(PersonQuery(scope: Self.path("sz"), limit: 1000)).items.isEmpty, "limit 1000 is allowed")
    }

    func keysetPaginationVisitsEachPersonOnce() async throws {
        let store = try await makeStore()
        let households = ["sz/ft", "sz/ft/c1", "sz/ft/c1/g1/b1/h1", "sz/ft/c2/g4", "sz/lh/c1"]
        var drafts = (0..<137).map { i in Self.draft("Person \(i)", in: households[i % households.count]) }
        // Ids whose byte order differs from case-insensitive or locale order.
        for (i, id) in ["A-1", "a_1", "a.1", "Z9", "b", "_x", "-y", "0"].enumerated() {
            drafts.append(Self.draft("Named \(i)", in: "sz/ft/c1", id: id))
        }
        let inserted = try await store.insertPersons(drafts)
        let all = Self.sortedIDs(inserted.map(\.id))
        for limit in [1, 10, 50, 145, 1000] {
            let (persons, pages) = try await pageAll(store, PersonQuery(scope: Self.path("sz"), limit: limit))
            try expect(persons.map(\.id) == all, "limit \(limit): every person once, in byte order of ids")
            try expect(pages == max(1, (all.count + limit - 1) / limit), "limit \(limit): \(pages) pages")
        }
        // A scope whose size is a multiple of the limit: the last full page has no next.
        let ft = inserted.filter { Self.path("sz/ft").contains($0.household) }.map(\.id)
        let exact = ft.count
        let (persons, pages) = try await pageAll(store, PersonQuery(scope: Self.path("sz/ft"), limit: exact))
        try expect(pages == 1 && persons.map(\.id) == Self.sortedIDs(ft), "one full page without next")
        // Starting after an id that is not stored.
        let page = try await store.persons(PersonQuery(scope: Self.path("sz"), after: Self.id("a"), limit: 1000))
        try expect(page.items.map(\.id) == all.filter { "a".utf8.lexicographicallyPrecedes($0.rawValue.utf8) }, "after an unstored id")
        try expect(try await store.allPersons(in: Self.path("sz")).map(\.id) == all, "allPersons in id order")
    }

    func scopesDoNotLeakToSiblings() async throws {
        let store = try await makeStore()
        let households = [
            "sz", "sz/ft", "sz/ft/c1", "sz/ft/c1/g1", "sz/ft/c1/g1/b1/h1", "sz/ft/c10", "sz/ft/c1-x", "sz/ft/c1.x", "sz/ft/c1_x",
            "sz/ft/c_1", "sz/ft/cx1", "sz/ft/c10/g1", "sz/lh/c1", "szx/ft/c1", "s", "sz_/ft",
        ]
        let inserted = try await store.insertPersons(households.map { Self.draft("In \($0)", in: $0) })
        var byHousehold: [String: PersonID] = [:]
        for person in inserted { byHousehold[person.household.description] = person.id }
        func expected(_ list: [String]) -> [PersonID] { Self.sortedIDs(list.map { byHousehold[$0]! }) }
        let cases: [(String, [String])] = [
            ("sz/ft/c1", ["sz/ft/c1", "sz/ft/c1/g1", "sz/ft/c1/g1/b1/h1"]),
            ("sz/ft/c_1", ["sz/ft/c_1"]),
            ("sz/ft/c10", ["sz/ft/c10", "sz/ft/c10/g1"]),
            ("sz/ft/c1/g1/b1/h1", ["sz/ft/c1/g1/b1/h1"]),
            ("sz/ft/c1/g1/b1", ["sz/ft/c1/g1/b1/h1"]),
            ("sz/ft/c1/g1/b1/h1x", []),
            ("sz/ft/c1/g2", []),
            (
                "sz/ft",
                [
                    "sz/ft", "sz/ft/c1", "sz/ft/c1/g1", "sz/ft/c1/g1/b1/h1", "sz/ft/c10", "sz/ft/c1-x", "sz/ft/c1.x", "sz/ft/c1_x", "sz/ft/c_1",
                    "sz/ft/cx1", "sz/ft/c10/g1",
                ]
            ),
            ("s", ["s"]),
            ("sz_", ["sz_/ft"]),
            ("sz", households.filter { $0 == "sz" || $0.hasPrefix("sz/") }),
        ]
        for (scope, want) in cases {
            let (persons, _) = try await pageAll(store, PersonQuery(scope: Self.path(scope), limit: 3))
            try expect(persons.map(\.id) == expected(want), "scope \(scope) pages: \(persons.map(\.household.description))")
            let all = try await ids(store, scope)
            try expect(all == expected(want), "scope \(scope) allPersons")
        }
    }

    func personFilters() async throws {
        let store = try await makeStore()
        let inserted = try await store.insertPersons([
            Self.draft("Li Wei", in: "sz/ft/c1", id: "f1", vulnerabilities: [.elderly], group: .key),
            Self.draft("Li wei", in: "sz/ft/c1/g1", id: "f2", vulnerabilities: [.elderlyAlone]),
            Self.draft("Lin Tao", in: "sz/ft/c1", id: "f3", vulnerabilities: [.elderly, .disabled], group: .confirmed),
            Self.draft("li ming", in: "sz/ft/c1", id: "f4", group: .key),
            Self.draft("Li_x", in: "sz/ft/c1", id: "f5", vulnerabilities: [.pregnant]),
            Self.draft("Lix", in: "sz/ft/c1", id: "f6", vulnerabilities: [.child, .elderly]),
            Self.draft("王小明", in: "sz/ft/c1", id: "f7", vulnerabilities: [.chronicIllness], group: .key),
            Self.draft("Li%", in: "sz/ft/c1", id: "f8"),
            Self.draft("Li Wei", in: "sz/ft/c10", id: "f9", vulnerabilities: [.elderly], group: .key),
        ])
        try expect(inserted.count == 9, "nine persons")
        func ids(_ query: PersonQuery) async throws -> [String] {
            try await pageAll(store, query).persons.map(\.id.rawValue)
        }
        let c1 = Self.path("sz/ft/c1")
        try expect(try await ids(PersonQuery(scope: c1, group: .key)) == ["f1", "f4", "f7"], "group key")
        try expect(try await ids(PersonQuery(scope: c1, group: .confirmed)) == ["f3"], "group confirmed")
        try expect(try await ids(PersonQuery(scope: c1, vulnerability: .elderly)) == ["f1", "f3", "f6"], "elderly, not elderly-alone")
        try expect(try await ids(PersonQuery(scope: c1, vulnerability: .elderlyAlone)) == ["f2"], "elderly-alone")
        try expect(try await ids(PersonQuery(scope: c1, vulnerability: .bedridden)) == [], "nobody bedridden")
        try expect(try await ids(PersonQuery(scope: c1, namePrefix: "Li")) == ["f1", "f2", "f3", "f5", "f6", "f8"], "prefix Li is case-sensitive")
        try expect(try await ids(PersonQuery(scope: c1, namePrefix: "Li ")) == ["f1", "f2"], "prefix with a space")
        try expect(try await ids(PersonQuery(scope: c1, namePrefix: "Li_")) == ["f5"], "_ is no wildcard")
        try expect(try await ids(PersonQuery(scope: c1, namePrefix: "Li%")) == ["f8"], "% is no wildcard")
        try expect(try await ids(PersonQuery(scope: c1, namePrefix: "王")) == ["f7"], "a non-ASCII prefix")
        try expect(try await ids(PersonQuery(scope: c1, namePrefix: "")) == ["f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"], "empty prefix")
        try expect(
            try await ids(PersonQuery(scope: c1, group: .key, vulnerability: .elderly, namePrefix: "Li", limit: 1)) == ["f1"],
            "filters combine")
        try expect(try await ids(PersonQuery(scope: c1, vulnerability: .elderly, limit: 1)) == ["f1", "f3", "f6"], "filters across pages")
        try expect(
            try await ids(PersonQuery(scope: Self.path("sz/ft"), group: .key, vulnerability: .elderly)) == ["f1", "f9"],
            "filters over a wider scope")
    }

    func updateChecksTheVersion() async throws {
        let store = try await makeStore()
        let person = try await store.insertPersons([Self.draft("Zhao Lei", in: "sz/ft/c1", id: "u1")])[0]
        var draft = person.draft
        draft.household = Self.path("sz/ft/c2/g1")
        draft.phone = "13800000000"
        draft.vulnerabilities = [.pregnant]
        draft.group = .key
        let updated = try await store.updatePerson(person.id, with: draft, expectedVersion: 1)
        try expect(updated.version == 2 && updated.household == Self.path("sz/ft/c2/g1") && updated.group == .key, "updated to version 2")
        try expect(try await store.person(person.id) == updated, "the update is stored")
        try expect(try await ids(store, "sz/ft/c1").isEmpty, "the old scope no longer lists the person")
        try expect(try await ids(store, "sz/ft/c2") == [person.id], "the new scope lists the person")
        try expect(
            try await store.persons(PersonQuery(scope: Self.path("sz/ft/c2"), vulnerability: .pregnant)).items == [updated],
            "filters see the new values")
        let conflict = try await expectError(.conflict, "a stale version") {
            try await store.updatePerson(person.id, with: person.draft, expectedVersion: 1)
        }
        try expect(conflict.message.contains("2"), "the conflict names the stored version: \(conflict.message)")
        try await expectError(.notFound, "an unknown person") {
            try await store.updatePerson(Self.id("nobody"), with: Self.draft("X", in: "sz"), expectedVersion: 1)
        }
        var other = draft
        other.id = Self.id("someone-else")
        try await expectError(.invalidArgument, "a draft with another id") {
            try await store.updatePerson(person.id, with: other, expectedVersion: 2)
        }
        var invalid = draft
        invalid.name = ""
        try await expectError(.invalidArgument, "an invalid draft") { try await store.updatePerson(person.id, with: invalid, expectedVersion: 2) }
        try expect(try await store.person(person.id) == updated, "refused updates change nothing")
        let third = try await store.updatePerson(person.id, with: person.draft, expectedVersion: 2)
        try expect(third.version == 3 && third.household == person.household, "a second update")
    }

    func concurrentUpdatesConflict() async throws {
        let store = try await makeStore()
        let person = try await store.insertPersons([Self.draft("Sun Li", in: "sz/ft/c1", id: "cc")])[0]
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    var draft = person.draft
                    draft.address = "Address \(i)"
                    do {
                        _ = try await store.updatePerson(person.id, with: draft, expectedVersion: 1)
                        return true
                    } catch let error as StoreError where error.code == .conflict {
                        return false
                    }
                }
            }
            var outcomes: [Bool] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        try expect(outcomes.filter { $0 }.count == 1, "exactly one of 8 concurrent updates wins: \(outcomes)")
        try expect(try await store.person(person.id)?.version == 2, "the stored version is 2")
    }

    func mergeRetiresTheAbsorbedFile() async throws {
        let store = try await makeStore()
        let inserted = try await store.insertPersons([
            Self.draft("Wang Fang", in: "sz/ft/c1", id: "m-s", vulnerabilities: [.elderly], phone: "13800000001"),
            Self.draft("Wang Fang", in: "sz/ft/c1/g1", id: "m-d", vulnerabilities: [.disabled], group: .key, address: "Room 1"),
            Self.draft("Other X", in: "sz/ft/c1", id: "m-x"),
            Self.draft("Other Y", in: "sz/ft/c1", id: "m-y"),
            Self.draft("Wang F.", in: "sz/ft/c1", id: "m-z"),
        ])
        let (s, d, x, y, z) = (inserted[0], inserted[1], inserted[2], inserted[3], inserted[4])
        for (a, b) in [(d.id, x.id), (d.id, y.id), (s.id, x.id), (x.id, y.id)] { try await store.markNotDuplicate(try PersonPair(a, b)) }
        let plan = try MergePlan.merge(survivor: s, duplicate: d, by: Self.staff, at: 1_700_000_000, reason: "same person, two files")
        try await store.applyMerge(plan)

        let survivor = try await store.person(s.id)
        try expect(survivor == plan.merged && survivor?.version == 2, "the survivor holds the merged values at version 2")
        try expect(survivor?.household == Self.path("sz/ft/c1/g1") && survivor?.address == "Room 1", "fields taken from the absorbed file")
        try expect(try await store.person(d.id) == nil, "the absorbed file is retired")
        try expect(try await store.mergedInto(d.id) == s.id, "the absorbed id points to the survivor")
        try expect(try await store.mergedInto(s.id) == nil, "the survivor was not merged")
        try expect(try await ids(store, "sz/ft/c1") == [s.id, x.id, y.id, z.id], "lists skip the absorbed file")
        try expect(try await pageAll(store, PersonQuery(scope: Self.path("sz"), limit: 2)).persons.map(\.id) == [s.id, x.id, y.id, z.id], "pages skip it")
        let marks = try await store.notDuplicateMarks()
        try expect(
            marks.pairs == Set([try PersonPair(s.id, x.id), try PersonPair(s.id, y.id), try PersonPair(x.id, y.id)]),
            "marks of the absorbed file move to the survivor: \(marks.pairs.sorted().map { "\($0.first)-\($0.second)" })")
        try expect(try await store.merges(involving: s.id) == [plan.record], "the record is found by survivor")
        try expect(try await store.merges(involving: d.id) == [plan.record], "the record is found by absorbed")
        try expect(try await store.merges(involving: x.id).isEmpty, "no record for an uninvolved person")
        try await expectError(.conflict, "the absorbed id stays taken") { try await store.insertPersons([Self.draft("Again", in: "sz", id: "m-d")]) }
        try await expectError(.notFound, "the absorbed file cannot be updated") {
            try await store.updatePerson(d.id, with: d.draft, expectedVersion: 1)
        }
        try await expectError(.notFound, "the absorbed file cannot be merged again") { try await store.applyMerge(plan) }

        // The survivor is merged in turn: both earlier ids now point to the last survivor.
        let second = try MergePlan.merge(survivor: z, duplicate: survivor!, by: Self.staff, at: 1_700_000_100, reason: "same again")
        try await store.applyMerge(second)
        try expect(try await store.mergedInto(s.id) == z.id, "the second absorbed id points to the new survivor")
        try expect(try await store.mergedInto(d.id) == z.id, "the first absorbed id follows to the new survivor")
        try expect(try await store.merges(involving: s.id) == [plan.record, second.record], "both records, oldest first")
        try expect(try await store.person(z.id) == second.merged, "the new survivor")
        let moved = try await store.notDuplicateMarks()
        try expect(
            moved.pairs == Set([try PersonPair(z.id, x.id), try PersonPair(z.id, y.id), try PersonPair(x.id, y.id)]),
            "marks move again")
    }

    func mergeChecksVersionsMarksAndExistence() async throws {
        let store = try await makeStore()
        let inserted = try await store.insertPersons([
            Self.draft("Chen Jing", in: "sz/ft/c1", id: "v-s"), Self.draft("Chen Jing", in: "sz/ft/c1", id: "v-d", phone: "13900000000"),
        ])
        var (s, d) = (inserted[0], inserted[1])
        let stale = try MergePlan.merge(survivor: s, duplicate: d, by: Self.staff, at: 1, reason: "dup")
        s = try await store.updatePerson(s.id, with: s.draft, expectedVersion: 1)
        try await expectError(.conflict, "the survivor changed since the plan") { try await store.applyMerge(stale) }
        let staleAbsorbed = try MergePlan.merge(survivor: s, duplicate: d, by: Self.staff, at: 1, reason: "dup")
        d = try await store.updatePerson(d.id, with: d.draft, expectedVersion: 1)
        try await expectError(.conflict, "the absorbed person changed since the plan") { try await store.applyMerge(staleAbsorbed) }
        try await store.markNotDuplicate(try PersonPair(d.id, s.id))
        let marked = try MergePlan.merge(survivor: s, duplicate: d, by: Self.staff, at: 1, reason: "dup")
        try await expectError(.conflict, "the pair is marked not a duplicate") { try await store.applyMerge(marked) }
        let ghost = try Person(id: Self.id("v-ghost"), validating: Self.draft("Chen Jing", in: "sz/ft/c1"), version: 1)
        let unknown = try MergePlan.merge(survivor: s, duplicate: ghost, by: Self.staff, at: 1, reason: "dup")
        try await expectError(.notFound, "an unknown absorbed person") { try await store.applyMerge(unknown) }
        let unknownSurvivor = try MergePlan.merge(survivor: ghost, duplicate: d, by: Self.staff, at: 1, reason: "dup")
        try await expectError(.notFound, "an unknown survivor") { try await store.applyMerge(unknownSurvivor) }
        try expect(try await store.person(s.id) == s, "refused merges leave the survivor")
        try expect(try await store.person(d.id) == d, "refused merges leave the duplicate")
        try expect(try await store.mergedInto(d.id) == nil, "no pointer")
        try expect(try await store.merges(involving: s.id).isEmpty, "no record")
    }

    func notDuplicateMarksAreIdempotent() async throws {
        let store = try await makeStore()
        let (a, b, c) = (Self.id("n-a"), Self.id("n-b"), Self.id("n-c"))
        try await store.markNotDuplicate(try PersonPair(a, b))
        try await store.markNotDuplicate(try PersonPair(b, a))
        try await store.markNotDuplicate(try PersonPair(a, b))
        var marks = try await store.notDuplicateMarks()
        try expect(marks.count == 1 && marks.contains(b, a), "one mark, either order")
        try await store.markNotDuplicate(try PersonPair(c, a))
        marks = try await store.notDuplicateMarks()
        try expect(marks.count == 2 && marks.contains(a, c) && !marks.contains(b, c), "two marks")
    }

    // MARK: Cases: visits

    func visitsOverlappingAPlace() async throws {
        let store = try await makeStore()
        let other = try PlaceID("clinic-2")
        let visits = [
            Self.visit("p1", 1_000, 2_000, checkpoint: "gate-1"),
            Self.visit("p2", 2_000, 3_000),
            Self.visit("p3", 100, 5_000),  // a long stay that starts well before
            Self.visit("p4", 2_500, nil),
            Self.visit("p5", 4_000, 4_100),
            Self.visit("p6", 500, 999),
            Self.visit("p7", at: other, 1_500, 1_600),
            Self.visit("p8", 200, nil),  // open: lasts the open duration
        ]
        try expect(try await store.insertVisits(visits) == visits.count, "all visits stored")
        func people(_ range: ClosedRange<Int64>, open: Int64, at place: PlaceID = Self.place) async throws -> [String] {
            try await store.visits(at: place, overlapping: range, openDuration: open).map(\.person)
        }
        try expect(try await people(1_000...2_000, open: 3_600) == ["p3", "p8", "p1", "p2"], "overlap incl. boundaries, by time in")
        try expect(try await people(1_000...2_000, open: 500) == ["p3", "p1", "p2"], "an open visit ends after its duration")
        try expect(try await people(1_000...2_000, open: 800) == ["p3", "p8", "p1", "p2"], "an open visit touching the range counts")
        try expect(try await people(2_999...2_999, open: 0) == ["p3", "p2"], "an instant")
        try expect(try await people(4_100...4_100, open: 0) == ["p3", "p5"], "the end of a visit is inside it")
        try expect(try await people(5_001...9_000, open: 0) == [], "after everything")
        try expect(try await people(0...99, open: 0) == [], "before everything")
        try expect(try await people(0...10_000, open: 0, at: other) == ["p7"], "places are separate")
        let read = try await store.visits(at: Self.place, overlapping: 1_000...1_000, openDuration: 3_600)
        try expect(read.contains(visits[0]) && read.first { $0.person == "p1" }?.checkpoint == "gate-1", "visits read back whole")
        // An open visit longer than any closed stay at the place is still found.
        let hall = try PlaceID("hall")
        _ = try await store.insertVisits([Self.visit("q1", at: hall, 0, nil), Self.visit("q2", at: hall, 9_000, 9_010)])
        try expect(try await people(10_000...10_000, open: 20_000, at: hall) == ["q1"], "the open duration bounds the search")
        try expect(try await people(10_000...10_000, open: 1_000, at: hall) == [], "an open visit ends")
    }

    func visitsOverlappingAPerson() async throws {
        let store = try await makeStore()
        let hospital = try PlaceID("hospital")
        let shop = try PlaceID("shop")
        let visits = [
            Self.visit("p1", at: hospital, 0, 100_000),
            Self.visit("p1", at: shop, 50_000, 50_100),
            Self.visit("p1", 60_000, nil),
            Self.visit("p2", at: shop, 50_000, 50_100),
            Self.visit("p1", 200_000, 200_010),
        ]
        _ = try await store.insertVisits(visits)
        func places(_ person: String, _ range: ClosedRange<Int64>, open: Int64) async throws -> [String] {
            try await store.visits(of: person, overlapping: range, openDuration: open).map(\.place.rawValue)
        }
        try expect(try await places("p1", 50_050...50_050, open: 3_600) == ["hospital", "shop"], "a long stay elsewhere is found")
        try expect(try await places("p1", 61_000...61_000, open: 3_600) == ["hospital", "market.riverside"], "an open visit")
        try expect(try await places("p1", 61_000...61_000, open: 999) == ["hospital"], "an open visit ends")
        try expect(try await places("p1", 100_001...199_999, open: 0) == [], "a gap")
        try expect(try await places("p1", 0...Int64.max, open: 0).count == 4, "everything")
        try expect(try await places("p2", 0...Int64.max, open: 0) == ["shop"], "another person")
        try expect(try await places("p3", 0...Int64.max, open: 0) == [], "nobody")
    }

    func batchesBeyondParameterLimits() async throws {
        let store = try await makeStore()
        let count = 1_200
        let inserted = try await store.insertPersons((0..<count).map { Self.draft("Bulk \($0)", in: "sz/ft/c\($0 % 3)", vulnerabilities: [.elderly]) })
        try expect(inserted.count == count && Set(inserted.map(\.id)).count == count, "\(count) persons with distinct ids")
        let (persons, pages) = try await pageAll(store, PersonQuery(scope: Self.path("sz"), limit: 1000))
        try expect(persons.count == count && pages == 2, "two pages of 1000")
        try expect(Set(persons) == Set(inserted), "every person reads back")
        let visits = (0..<count).map { Self.visit("p\($0 % 7)", Int64($0) * 10, Int64($0) * 10 + 5) }
        try expect(try await store.insertVisits(visits) == count, "\(count) visits")
        try expect(try await store.visits(at: Self.place, overlapping: 0...Int64.max, openDuration: 0) == visits, "every visit, by time in")
        try await expectError(.conflict, "a large batch with one stored id") {
            try await store.insertPersons((0..<count).map { Self.draft("Again \($0)", in: "sz") } + [inserted[count - 1].draft])
        }
        try expect(try await store.allPersons(in: Self.path("sz")).count == count, "nothing of it is stored")
    }

    // MARK: Cases: records

    func recordsAreVersioned() async throws {
        let store = try await makeStore()
        let body = (0...255).map { UInt8($0) }
        let draft = Self.record("case-1", person: "p1", body: body)
        let stored = try await store.insertRecord(draft)
        try expect(stored == StoredRecord(draft: draft, version: 1), "inserted at version 1")
        try expect(try await store.record(.case, id: "case-1") == stored, "reads back byte for byte")
        try await expectError(.conflict, "the same kind and id") { try await store.insertRecord(Self.record("case-1", body: [9])) }
        try expect(try await store.record(.case, id: "case-1") == stored, "the refused insert changed nothing")
        let referral = try await store.insertRecord(Self.record("case-1", kind: .referral))
        try expect(referral.version == 1, "kinds have their own ids")
        let unicode = try await store.insertRecord(Self.record("报告-2024/07 #1", kind: .dailyReport, body: []))
        try expect(try await store.record(.dailyReport, id: "报告-2024/07 #1") == unicode, "any id without control characters, empty body")

        var changed = draft
        changed.body = Array("{\"status\":\"confirmed\"}".utf8)
        changed.jurisdiction = Self.path("sz/ft/c2")
        changed.person = nil
        changed.time = 1_700_000_500
        let updated = try await store.updateRecord(changed, expectedVersion: 1)
        try expect(updated == StoredRecord(draft: changed, version: 2), "updated to version 2")
        try expect(try await store.record(.case, id: "case-1") == updated, "the update is stored")
        let conflict = try await expectError(.conflict, "a stale version") { try await store.updateRecord(draft, expectedVersion: 1) }
        try expect(conflict.message.contains("2"), "the conflict names the stored version")
        try await expectError(.notFound, "an unknown record") { try await store.updateRecord(Self.record("case-404"), expectedVersion: 1) }
        try expect(try await store.record(.case, id: "case-1") == updated, "refused updates change nothing")
        try expect(try await store.record(.quarantine, id: "case-1") == nil, "another kind")

        // Several updates in one transaction: all or nothing.
        let bed = try await store.insertRecord(Self.record("hospital-1", kind: .hospitalCapacity, body: [1]))
        var admitted = referral.draft
        admitted.body = [2]
        var occupied = bed.draft
        occupied.body = [2]
        let stale = try await expectError(.conflict, "one stale version in the batch") {
            try await store.updateRecords([RecordUpdate(admitted, expectedVersion: 1), RecordUpdate(occupied, expectedVersion: 7)])
        }
        try expect(stale.message.contains("1"), "the conflict names the stored version")
        try expect(try await store.record(.referral, id: "case-1") == referral, "the refused batch wrote nothing")
        try await expectError(.notFound, "an unknown record in the batch") {
            try await store.updateRecords([RecordUpdate(admitted, expectedVersion: 1), RecordUpdate(Self.record("nowhere"), expectedVersion: 1)])
        }
        try expect(try await store.record(.referral, id: "case-1") == referral, "the refused batch wrote nothing")
        let both = try await store.updateRecords([RecordUpdate(admitted, expectedVersion: 1), RecordUpdate(occupied, expectedVersion: 1)])
        try expect(both.map(\.version) == [2, 2], "both written")
        try expect(try await store.record(.hospitalCapacity, id: "hospital-1")?.draft.body == [2], "the second is stored")
        try expect(try await store.record(.referral, id: "case-1")?.draft.body == [2], "the first is stored")
        try await expectError(.conflict, "the same record twice at the same version") {
            try await store.updateRecords([RecordUpdate(admitted, expectedVersion: 2), RecordUpdate(admitted, expectedVersion: 2)])
        }
        try expect(try await store.record(.referral, id: "case-1")?.version == 2, "the refused batch wrote nothing")
    }

    func recordsListByScopeAndPerson() async throws {
        let store = try await makeStore()
        let places = ["sz/ft/c1", "sz/ft/c1/g1", "sz/ft/c10", "sz/ft/c1_x", "sz/ft/c1-x", "sz/ft/c1.x", "sz/ft/c_1", "sz/lh/c1", "sz/ft"]
        var drafts: [RecordDraft] = []
        for (i, place) in places.enumerated() {
            for j in 0..<3 {
                drafts.append(Self.record("r\(j)-\(i)", in: place, person: j == 0 ? "p-\(i % 2)" : nil))
            }
        }
        drafts.append(Self.record("other-kind", kind: .referral, in: "sz/ft/c1"))
        for draft in drafts { _ = try await store.insertRecord(draft) }
        func list(_ query: RecordQuery) async throws -> [String] {
            var query = query
            var ids: [String] = []
            var pages = 0
            while true {
                let page = try await store.records(query)
                pages += 1
                try expect(page.items.count <= query.limit, "page size")
                ids += page.items.map(\.draft.id)
                guard let next = page.next else { break }
                try expect(page.items.count == query.limit && next == page.items.last?.draft.id, "next follows a full page")
                try expect(pages < 1000, "pagination ends")
                query.after = next
            }
            return ids
        }
        func want(_ scopes: [String], person: String? = nil) -> [String] {
            drafts.filter { d in d.kind == .case && scopes.contains(d.jurisdiction.description) && (person == nil || d.person == person) }
                .map(\.id).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        let c1 = Self.path("sz/ft/c1")
        try expect(try await list(RecordQuery(kind: .case, scope: c1, limit: 2)) == want(["sz/ft/c1", "sz/ft/c1/g1"]), "scope c1 in id order")
        try expect(try await list(RecordQuery(kind: .case, scope: Self.path("sz/ft/c_1"))) == want(["sz/ft/c_1"]), "_ is no wildcard")
        try expect(try await list(RecordQuery(kind: .case, scope: Self.path("sz/ft/c1/g1"), limit: 1)) == want(["sz/ft/c1/g1"]), "a deeper scope")
        try expect(
            try await list(RecordQuery(kind: .case, scope: Self.path("sz/ft"), limit: 5)) == want(places.filter { $0.hasPrefix("sz/ft") }),
            "a wide scope")
        try expect(try await list(RecordQuery(kind: .case, scope: Self.path("sz"), person: "p-0", limit: 1)) == want(places, person: "p-0"), "by person")
        try expect(try await list(RecordQuery(kind: .case, scope: c1, person: "p-1")) == want(["sz/ft/c1", "sz/ft/c1/g1"], person: "p-1"), "by person and scope")
        try expect(try await list(RecordQuery(kind: .referral, scope: Self.path("sz"))) == ["other-kind"], "by kind")
        try expect(try await list(RecordQuery(kind: .case, scope: Self.path("sz/xx"))) == [], "an empty scope")
    }

    // MARK: Cases: users and audit

    func usersAreStoredByName() async throws {
        let store = try await makeStore()
        let users = [
            UserRecord(name: "zoe", role: .admin, jurisdiction: Self.path("sz"), createdAt: 1),
            UserRecord(name: "Adam", role: .grid, jurisdiction: Self.path("sz/ft/c1/g3"), createdAt: 2),
            UserRecord(name: "bob", role: .checkpoint, jurisdiction: Self.path("sz/ft"), active: false, createdAt: 3),
        ]
        for user in users { try await store.saveUser(user) }
        try expect(try await store.users() == [users[1], users[2], users[0]], "users by name, byte order")
        try expect(try await store.user("bob") == users[2], "one user")
        try expect(try await store.user("Bob") == nil, "names are exact")
        try expect(try await store.user("nobody") == nil, "an unknown name")
        var replaced = users[2]
        replaced.role = .auditor
        replaced.active = true
        replaced.jurisdiction = Self.path("sz/lh")
        try await store.saveUser(replaced)
        try expect(try await store.user("bob") == replaced, "saving again replaces")
        try expect(try await store.users().count == 3, "still three users")
    }

    func auditIsOrderedAndPaged() async throws {
        let store = try await makeStore()
        let first = try await store.appendAudit((0..<3).map { Self.event($0) })
        try expect(first.count == 3 && first[0].sequence >= 1, "sequences start at 1 or more")
        try expect(zip(first, first.dropFirst()).allSatisfy { $0.sequence < $1.sequence }, "sequences increase")
        for (i, event) in first.enumerated() {
            var plain = event
            plain.sequence = 0
            try expect(plain == Self.event(i), "event \(i) is stored as given")
        }
        let second = try await store.appendAudit([Self.event(3, actor: "grid-7"), Self.event(4)])
        try expect(second[0].sequence > first[2].sequence && second[1].sequence > second[0].sequence, "later appends continue")
        let all = first + second
        try expect(try await store.auditEvents(after: 0, limit: 100) == all, "every event, oldest first")
        try expect(try await store.auditEvents(after: first[1].sequence, limit: 2) == [first[2], second[0]], "after and limit")
        try expect(try await store.auditEvents(after: second[1].sequence, limit: 10).isEmpty, "nothing after the last")
        try expect(try await store.auditEvents(after: 0, limit: 0).isEmpty, "limit 0")
        try expect(try await store.auditEvents(after: -5, limit: 1) == [first[0]], "a negative after starts at the beginning")
    }

    func concurrentAuditAppendsKeepOrder() async throws {
        let store = try await makeStore()
        let batches = try await withThrowingTaskGroup(of: [AuditEvent].self) { group in
            for t in 0..<4 {
                group.addTask { try await store.appendAudit((0..<5).map { Self.event(t * 100 + $0, actor: "actor-\(t)") }) }
            }
            var batches: [[AuditEvent]] = []
            for try await batch in group { batches.append(batch) }
            return batches
        }
        let read = try await store.auditEvents(after: 0, limit: 100)
        try expect(read.count == 20 && Set(read.map(\.sequence)).count == 20, "20 events with distinct sequences")
        try expect(zip(read, read.dropFirst()).allSatisfy { $0.sequence < $1.sequence }, "read in sequence order")
        try expect(Set(read) == Set(batches.flatMap { $0 }), "what was returned is what is stored")
        for batch in batches {
            let positions = batch.map { event in read.firstIndex(of: event)! }
            try expect(positions == positions.sorted(), "a batch keeps its order")
        }
    }

    func resumesAfterReopening(_ reopen: @Sendable (Store) async throws -> Store) async throws {
        let store = try await makeStore()
        let persons = try await store.insertPersons([
            Self.draft("Keep", in: "sz/ft/c1", id: "k1", vulnerabilities: [.bedridden]), Self.draft("Keep", in: "sz/ft/c1", id: "k2"),
            Self.draft("Other", in: "sz/ft/c2", id: "k3"),
        ])
        let plan = try MergePlan.merge(survivor: persons[0], duplicate: persons[1], by: Self.staff, at: 5, reason: "dup")
        try await store.applyMerge(plan)
        try await store.markNotDuplicate(try PersonPair(persons[0].id, persons[2].id))
        let visits = [Self.visit("k1", 10, 20), Self.visit("k3", 15, nil)]
        _ = try await store.insertVisits(visits)
        let record = try await store.insertRecord(Self.record("case-9", person: "k1"))
        let user = UserRecord(name: "admin", role: .admin, jurisdiction: Self.path("sz"), createdAt: 7)
        try await store.saveUser(user)
        let events = try await store.appendAudit([Self.event(1), Self.event(2)])

        let reopened = try await reopen(store)
        try expect(try await reopened.person(persons[0].id) == plan.merged, "the survivor after reopening")
        try expect(try await reopened.mergedInto(persons[1].id) == persons[0].id, "the pointer after reopening")
        try expect(try await reopened.merges(involving: persons[1].id) == [plan.record], "the record after reopening")
        try expect(try await reopened.notDuplicateMarks().contains(persons[2].id, persons[0].id), "marks after reopening")
        try expect(try await reopened.visits(at: Self.place, overlapping: 0...100, openDuration: 3_600) == visits, "visits after reopening")
        try expect(try await reopened.record(.case, id: "case-9") == record, "records after reopening")
        try expect(try await reopened.users() == [user], "users after reopening")
        try expect(try await reopened.auditEvents(after: 0, limit: 10) == events, "audit after reopening")
        let more = try await reopened.appendAudit([Self.event(3)])
        try expect(more[0].sequence > events[1].sequence, "the audit sequence continues")
        let updated = try await reopened.updatePerson(persons[0].id, with: plan.merged.draft, expectedVersion: 2)
        try expect(updated.version == 3, "versions continue")
    }
}
