public import VigilCommunity
public import VigilStore
import VigilSimulation
import VigilSurveillance

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
        case personsAreReadInOneBatch, riskIntervalVisitsAgreeWithTheWholeWindow
        case recordsAreVersioned, recordsListByScopeAndPerson, usersAreStoredByName
        case auditIsOrderedAndPaged, concurrentAuditAppendsKeepOrder, resumesAfterReopening
        case retentionUnlinksExpiredVisits, retentionAnonymisesClosedFilesOnly, retentionRunsInBatches

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
        case .personsAreReadInOneBatch: try await personsAreReadInOneBatch()
        case .riskIntervalVisitsAgreeWithTheWholeWindow: try await riskIntervalVisitsAgreeWithTheWholeWindow()
        case .recordsAreVersioned: try await recordsAreVersioned()
        case .recordsListByScopeAndPerson: try await recordsListByScopeAndPerson()
        case .usersAreStoredByName: try await usersAreStoredByName()
        case .auditIsOrderedAndPaged: try await auditIsOrderedAndPaged()
        case .concurrentAuditAppendsKeepOrder: try await concurrentAuditAppendsKeepOrder()
        case .retentionUnlinksExpiredVisits: try await retentionUnlinksExpiredVisits()
        case .retentionAnonymisesClosedFilesOnly: try await retentionAnonymisesClosedFilesOnly()
        case .retentionRunsInBatches: try await retentionRunsInBatches()
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
        // The earliest possible start saturates at the smallest time rather than overflowing.
        try expect(
            try await store.visits(at: Self.place, overlapping: Int64.min...Int64.max, openDuration: Int64.max) == visits, "the whole time line")
        try expect(
            try await store.visits(at: [VisitQuery(place: Self.place, range: Int64.min...(-1))], openDuration: 3600) == [[]], "before any visit")
        try await expectError(.conflict, "a large batch with one stored id") {
            try await store.insertPersons((0..<count).map { Self.draft("Again \($0)", in: "sz") } + [inserted[count - 1].draft])
        }
        try expect(try await store.allPersons(in: Self.path("sz")).count == count, "nothing of it is stored")
    }

    // MARK: Cases: batched person reads and risk-interval visits

    func personsAreReadInOneBatch() async throws {
        let store = try await makeStore()
        try expect(try await store.persons(ids: []).isEmpty, "no ids, no persons")
        let count = 1_200  // beyond SQLite's chunks of 500 and its old limit of 999 parameters
        let inserted = try await store.insertPersons((0..<count).map { Self.draft("Batch \($0)", in: "sz/ft/c\($0 % 3)") })
        let unknown = Self.id("0123456789abcdef0123456789abcdef")
        let all = try await store.persons(ids: inserted.map(\.id) + [unknown] + inserted.prefix(10).map(\.id))
        try expect(all.count == count && all.values.allSatisfy { all[$0.id] == $0 }, "every stored id once, keyed by its id")
        try expect(Set(all.values) == Set(inserted), "the persons read back whole")
        try expect(all[unknown] == nil, "an unknown id is absent")
        try expect(try await store.persons(ids: [unknown, unknown]).isEmpty, "only unknown ids")

        let plan = try MergePlan.merge(survivor: inserted[0], duplicate: inserted[1], by: Self.staff, at: 1_700_000_000, reason: "same person")
        try await store.applyMerge(plan)
        let afterMerge = try await store.persons(ids: [inserted[0].id, inserted[1].id, inserted[2].id])
        try expect(afterMerge.count == 2 && afterMerge[inserted[1].id] == nil, "a merged (absorbed) person is absent, as with person(_:)")
        try expect(afterMerge[inserted[0].id] == plan.merged && afterMerge[inserted[2].id] == inserted[2], "the current versions")
        try expect(afterMerge[inserted[0].id] == (try await store.person(inserted[0].id)), "the same as person(_:)")
    }

    /// Tracing with the visits of the case's merged risk intervals (one query per interval)
    /// finds what tracing with every visit of the case's places over the whole window finds,
    /// on random visits with long stays, open visits and exact duplicates.
    func riskIntervalVisitsAgreeWithTheWholeWindow() async throws {
        let store = try await makeStore()
        var g = SeededGenerator(seed: 2024)
        let places = try (0..<6).map { try PlaceID("place-\($0)") }
        let base: Int64 = 1_700_000_000
        var visits: [Visit] = []
        func random(_ person: String, places: ArraySlice<PlaceID>) -> Visit {
            let timeIn = base + Int64(g.next() % (3 * 86_400))
            let long = g.next() % 20 == 0
            let stay = Int64(g.next() % (long ? 20 * 3_600 : 2 * 3_600))
            let open = g.next() % 15 == 0
            return Self.visit(person, at: places[places.startIndex + Int(g.next() % UInt64(places.count))], timeIn, open ? nil : timeIn + stay)
        }
        for i in 0..<700 { visits.append(random("p\(i % 60)", places: places[...])) }
        for i in stride(from: 0, to: 700, by: 35) { visits.append(visits[i]) }  // stored twice
        // The case keeps to three places, so several of its visits share a place.
        let own = (0..<14).map { _ in random("case", places: places[0..<3]) }
        try expect(try await store.insertVisits(visits + own) == visits.count + own.count, "all visits stored")

        // Some of the case's visits run past `now`, and some start before the look-back.
        let now = base + 2 * 86_400 + 12 * 3_600
        var severalIntervals = false
        var readTwice = false
        for (days, linger, open) in [(14, Int64(1_800), Int64(3_600)), (2, 0, 3_600), (2, 1_800, 600), (1, 7_200, 0)] {
            let tracer = try ContactTracer(minOverlap: 300, lingerWindow: linger, lookbackDays: days)
            let start = now - Int64(days) * 86_400
            let caseVisits = try await store.visits(of: "case", overlapping: start...now, openDuration: open)
            // The reference: every visit at each of the case's places.
            var whole: [Visit] = []
            for place in Set(caseVisits.map(\.place)).sorted() {
                whole += try await store.visits(at: place, overlapping: 0...Int64.max, openDuration: open)
            }
            let risk = tracer.riskIntervals(caseVisits: caseVisits, now: now, openVisitDuration: open)
            let (read, rowsRead) = try await store.visits(inRiskIntervals: risk, openDuration: open)
            let setting = "look-back \(days) d, linger \(linger) s, open \(open) s"
            // The batched read answers each query as the single one does, in order, including a
            // place nobody visited and a repeated query.
            var queries = risk.keys.sorted().flatMap { place in risk[place]!.map { VisitQuery(place: place, range: $0) } }
            queries += [VisitQuery(place: try PlaceID("nowhere"), range: start...now)] + queries.prefix(1)
            var single: [[Visit]] = []
            for query in queries { single.append(try await store.visits(at: query.place, overlapping: query.range, openDuration: open)) }
            try expect(try await store.visits(at: queries, openDuration: open) == single, "\(setting): the batched read equals the single reads")
            try expect(try await store.visits(at: [], openDuration: open).isEmpty, "no queries, no answers")
            severalIntervals = severalIntervals || risk.values.contains { $0.count > 1 }
            readTwice = readTwice || rowsRead > read.count
            try expect(rowsRead >= read.count && read.count < whole.count, "\(setting): fewer visits than the whole window")
            // Each stored visit overlapping a risk interval, as often as it is stored.
            let wanted = whole.filter { v in
                risk[v.place]?.contains { v.timeIn <= $0.upperBound && v.end(assumingOpenVisitsLast: open) >= $0.lowerBound } ?? false
            }
            try expect(Self.counts(read) == Self.counts(wanted), "\(setting): each overlapping visit once per stored copy")
            let before = tracer.trace(person: "case", caseVisits: caseVisits, in: VisitIndex(whole, openVisitDuration: open), now: now)
            let after = tracer.trace(person: "case", caseVisits: caseVisits, in: VisitIndex(read, openVisitDuration: open), now: now)
            try expect(!before.isEmpty && after == before, "\(setting): the same contacts (\(after.count) vs \(before.count))")
        }
        try expect(severalIntervals && readTwice, "some place has several risk intervals, and some visit overlaps two of them")
    }

    static func counts(_ visits: [Visit]) -> [Visit: Int] { visits.reduce(into: [:]) { $0[$1, default: 0] += 1 } }

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

        // New records in the same transaction as the changes they come with.
        var admittedAgain = admitted
        admittedAgain.body = [3]
        let fresh = Self.record("allocation-1", kind: .referral, body: [9])
        try await expectError(.conflict, "a new record that exists") {
            try await store.updateRecords([.insert(fresh), RecordUpdate(admittedAgain, expectedVersion: 2), .insert(Self.record("hospital-1", kind: .hospitalCapacity))])
        }
        try expect(try await store.record(.referral, id: "allocation-1") == nil, "the refused batch inserted nothing")
        try expect(try await store.record(.referral, id: "case-1")?.version == 2, "the refused batch changed nothing")
        try await expectError(.conflict, "a stale version beside a new record") {
            try await store.updateRecords([.insert(fresh), RecordUpdate(admittedAgain, expectedVersion: 1)])
        }
        try expect(try await store.record(.referral, id: "allocation-1") == nil, "the refused batch inserted nothing")
        var freshChanged = fresh
        freshChanged.body = [10]
        let written = try await store.updateRecords([.insert(fresh), RecordUpdate(admittedAgain, expectedVersion: 2), RecordUpdate(freshChanged, expectedVersion: 1)])
        try expect(written.map(\.version) == [1, 3, 2], "inserted at 1, then changed in the same batch")
        try expect(try await store.record(.referral, id: "allocation-1") == StoredRecord(draft: freshChanged, version: 2), "the new record is stored")
        try expect(try await store.record(.referral, id: "case-1")?.draft.body == [3], "the change beside it is stored")
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

// MARK: - Cases: retention

extension CommunityStoreConformance {
    static var retentionNow: Int64 { 1_800_000_000 }
    static var day: Int64 { RetentionPolicy.secondsPerDay }

    static func json(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ record: StoredRecord?) throws -> T {
        try JSONDecoder().decode(type, from: Data(record?.draft.body ?? []))
    }

    /// Every visit of `person` from time 0 to `until`.
    func visitsOf(_ store: Store, _ person: PersonKey, until: Int64 = retentionNow) async throws -> [Visit] {
        try await store.visits(of: person, overlapping: 0...until, openDuration: 3_600)
    }

    func retentionUnlinksExpiredVisits() async throws {
        let store = try await makeStore()
        let now = Self.retentionNow
        let policy = RetentionPolicy.standard
        let cutoff = policy.visitCutoff(now: now)
        try expect(cutoff == now - 28 * Self.day, "visits are kept 28 days by default")
        let other = try PlaceID("clinic.hill")
        let expiredClosed = Self.visit("a", cutoff - 7_200, cutoff - 1, checkpoint: "gate-1")
        let endsAtCutoff = Self.visit("a", cutoff - 7_200, cutoff)
        let expiredOpen = Self.visit("b", at: other, cutoff - 10, nil)
        let recent = Self.visit("b", now - 3_600, now - 60)
        let openRecent = Self.visit("a", at: other, now - 600, nil)
        _ = try await store.insertVisits([recent, expiredClosed, openRecent, expiredOpen, endsAtCutoff])
        let atPlaces = [try await store.visits(at: Self.place, overlapping: 0...now, openDuration: 3_600),
                        try await store.visits(at: other, overlapping: 0...now, openDuration: 3_600)]
        let audit = try await store.appendAudit([Self.event(1)])

        // A dry run counts and changes nothing.
        let dry = try await store.runRetention(policy, now: now, actor: "cli:ops", role: .admin, dryRun: true, visitBatch: 2)
        try expect(dry.visitsScanned == 5 && dry.visitsAnonymised == 2, "dry run: \(dry.visitsScanned) scanned, \(dry.visitsAnonymised) anonymised")
        try expect(dry.audit.isEmpty, "a dry run appends no audit event")
        let (aBefore, bBefore) = (try await visitsOf(store, "a"), try await visitsOf(store, "b"))
        try expect(aBefore.count == 3 && bBefore.count == 2, "a dry run unlinks nothing")
        try expect(try await store.auditEvents(after: 0, limit: 10) == audit, "a dry run appends nothing")

        let report = try await store.runRetention(policy, now: now, actor: "cli:ops", role: .admin, auditTime: now + 5, visitBatch: 2)
        try expect(report.visitsScanned == 5 && report.visitsAnonymised == 2, "\(report.visitsScanned) scanned, \(report.visitsAnonymised) anonymised")
        let aAfter = try await visitsOf(store, "a")
        try expect(aAfter == [endsAtCutoff, openRecent], "a keeps the visits inside the period: \(aAfter)")
        try expect(try await visitsOf(store, "b") == [recent], "b keeps the recent visit")
        let unlinked = try await visitsOf(store, RetentionPolicy.anonymousVisitor)
        try expect(
            Set(unlinked) == [RetentionPolicy.anonymised(expiredClosed), RetentionPolicy.anonymised(expiredOpen)],
            "the expired visits keep place, checkpoint and times without their person: \(unlinked)")
        let afterPlaces = [try await store.visits(at: Self.place, overlapping: 0...now, openDuration: 3_600),
                           try await store.visits(at: other, overlapping: 0...now, openDuration: 3_600)]
        for (before, after) in zip(atPlaces, afterPlaces) {
            try expect(before.count == after.count, "footfall per place survives")
            try expect(before.map(\.timeIn) == after.map(\.timeIn) && before.map(\.timeOut) == after.map(\.timeOut), "times survive")
        }

        // The audit log: the earlier event untouched, a start and a summary appended.
        let events = try await store.auditEvents(after: 0, limit: 10)
        try expect(events.count == 3 && events[0] == audit[0], "two events appended after the earlier one")
        try expect(events.dropFirst().map(\.action) == ["retention.start", "retention.run"], "actions: \(events.map(\.action))")
        try expect(events.dropFirst().allSatisfy { $0.actor == "cli:ops" && $0.role == .admin && $0.time == now + 5 }, "who and when")
        try expect(events[2].resource.contains("visits=2&") && events[2].resource.contains("visitsBefore=\(cutoff)"), "the summary: \(events[2].resource)")
        try expect(Array(events.dropFirst()) == report.audit, "the report returns the appended events")

        // Again: nothing left to do.
        let again = try await store.runRetention(policy, now: now, actor: "cli:ops", role: .admin, visitBatch: 3)
        try expect(again.visitsScanned == 5 && again.visitsAnonymised == 0, "a second run changes no visit")
        try expect(try await visitsOf(store, RetentionPolicy.anonymousVisitor) == unlinked, "unlinked visits stay as they are")
        try expect(again.audit.count == 2, "each run is audited")

        // Later, the visits that were inside the period expire too.
        let later = try await store.runRetention(policy, now: now + 30 * Self.day, actor: "cli:ops", role: .admin)
        try expect(later.visitsAnonymised == 3, "the rest expire 28 days after they ended")
        try expect(try await visitsOf(store, "a", until: now + 30 * Self.day).isEmpty, "no visit links to a")
        try await expectError(.invalidArgument, "a batch of 0") {
            try await store.anonymiseVisits(endedBefore: cutoff, after: 0, limit: 0, dryRun: true)
        }
    }

    func retentionAnonymisesClosedFilesOnly() async throws {
        let store = try await makeStore()
        let now = Self.retentionNow
        let day = Self.day
        let old = now - 200 * day
        let today = CivilDate(daysSinceEpoch: Int(now / day))
        let household = "sz/ft/s1/c1/g1/b1/h1"
        func person(_ name: String, _ household: String = household, nationalID: String? = nil) -> PersonDraft {
            PersonDraft(
                nationalID: nationalID, name: name, sex: .female, phone: "+8613800000000", address: "1 River Road", household: Self.path(household),
                vulnerabilities: [.chronicIllness], group: .confirmed)
        }
        let stored = try await store.insertPersons([
            person("Closed Case", nationalID: "11010519491231002X"), person("Infector", "sz/ft/s1/c2/g1/b1/h9"), person("Open Case"),
            person("Quarantined"), person("Recent Contact"), person("Registry Only"), person("Closed Case Copy"),
        ])
        let (closed, infector, open, quarantined, recent, registry, copy) = (stored[0], stored[1], stored[2], stored[3], stored[4], stored[5], stored[6])
        let merge = try MergePlan.merge(survivor: closed, duplicate: copy, by: Self.staff, at: old, reason: "same person")
        try await store.applyMerge(merge)

        // The closed file: a confirmed case, a quarantine and a follow-up long over, a check-in,
        // a referral with an outcome, and who infected whom, all long ago; one record is about
        // the merged copy.
        var confirmed = try VigilCommunity.Case(id: CaseID("case-closed"), person: closed.id.rawValue, onset: today.addingDays(-210), reportedBy: "staff-1", at: old)
        try confirmed.transition(to: .confirmed, by: "lab-1", at: old + day, reason: "PCR positive after dinner at Zhang San's")
        var capacity = try HospitalCapacity(hospital: try PlaceID("hospital.north"), total: 1)
        var referral = try Referral(
            person: closed.id.rawValue, clinic: try PlaceID("clinic.hill"), hospital: try PlaceID("hospital.north"), screenedBy: "doc-1", at: old,
            note: "lives with her daughter Li Si")
        try referral.startTransport(by: "doc-1", at: old + 60)
        try referral.admit(by: "ward-1", at: old + 3_600, capacity: &capacity)
        try referral.recordOutcome(.recovered, by: "ward-1", at: old + 10 * day, capacity: &capacity, note: "discharged home")
        let edge = TransmissionGraph.Edge(infector: infector.id.rawValue, infectee: closed.id.rawValue, evidence: "shared a taxi")
        var infectorCase = try VigilCommunity.Case(id: CaseID("case-infector"), person: infector.id.rawValue, status: .confirmed, reportedBy: "staff-1", at: old)
        try infectorCase.transition(to: .ruledOut, by: "lab-1", at: old + day, reason: "false positive")
        let closedRecords: [RecordDraft] = [
            Self.record("case-closed", kind: .case, in: household, person: closed.id.rawValue, body: Self.json(confirmed), time: old + day),
            Self.record("q-closed", kind: .quarantine, in: household, person: closed.id.rawValue, body: Self.json(
                try Quarantine(person: closed.id.rawValue, kind: .home, location: .household(Self.path(household)), from: today.addingDays(-200),
                    to: today.addingDays(-186), orderedBy: "staff-1", method: .verbal)), time: old),
            Self.record("f-closed", kind: .followUpPlan, in: household, person: closed.id.rawValue, body: Self.json(
                try FollowUpPlan(person: closed.id.rawValue, start: today.addingDays(-200), periodDays: 14, timesPerDay: 2)), time: old),
            Self.record("ci-copy", kind: .checkIn, in: household, person: copy.id.rawValue, body: Self.json(
                try CheckIn(person: copy.id.rawValue, time: old + 2 * day, temperatureCelsius: 38.1)), time: old + 2 * day),
            Self.record("ref-closed", kind: .referral, in: household, person: closed.id.rawValue, body: Self.json(referral), time: old + 10 * day),
            Self.record(closed.id.rawValue, kind: .transmission, in: household, person: closed.id.rawValue, body: Self.json(edge), time: old),
            Self.record("case-infector", kind: .case, in: "sz/ft/s1/c2/g1/b1/h9", person: infector.id.rawValue, body: Self.json(infectorCase), time: old),
        ]
        // Held files: an open case, a quarantine ending in three days, a contact recorded ten
        // days ago (their other data is old).
        let openCase = try VigilCommunity.Case(id: CaseID("case-open"), person: open.id.rawValue, reportedBy: "staff-1", at: old)
        let contact = try CloseContact(
            contact: recent.id.rawValue, indexCase: CaseID("case-closed"), place: Self.place, exposureTime: now - 12 * day, durationSeconds: 1_800,
            isHousehold: false)
        let heldRecords: [RecordDraft] = [
            Self.record("case-open", kind: .case, in: household, person: open.id.rawValue, body: Self.json(openCase), time: old),
            Self.record("q-active", kind: .quarantine, in: household, person: quarantined.id.rawValue, body: Self.json(
                try Quarantine(person: quarantined.id.rawValue, kind: .home, location: .household(Self.path(household)), from: today.addingDays(-11),
                    to: today.addingDays(3), orderedBy: "staff-1", method: .verbal)), time: old),
            Self.record("cc-recent", kind: .closeContact, in: household, person: recent.id.rawValue, body: Self.json(contact), time: now - 10 * day),
            // Not about a person: never touched.
            Self.record("2026-07-01/sz~ft~s1~c1", kind: .dailyReport, in: "sz/ft/s1/c1", body: [1, 2, 3], time: old),
        ]
        var inserted: [String: StoredRecord] = [:]
        for draft in closedRecords + heldRecords { inserted[draft.id] = try await store.insertRecord(draft) }
        let survivor = try await store.person(closed.id)!
        let keptPersons = [infector, open, quarantined, recent, registry]
        let earlier = try await store.appendAudit([Self.event(1)])

        let policy = RetentionPolicy.standard
        let dry = try await store.runRetention(policy, now: now, actor: "cli:ops", role: .admin, dryRun: true, personBatch: 2)
        try expect(try await store.person(closed.id) == survivor, "a dry run anonymises nothing")
        try expect(try await store.record(.case, id: "case-closed") == inserted["case-closed"], "a dry run rewrites no record")

        let report = try await store.runRetention(policy, now: now, actor: "cli:ops", role: .admin, personBatch: 2)
        try expect(report.personsScanned == 6, "live files scanned: \(report.personsScanned)")
        try expect(report.personsAnonymised == 2, "the closed file and the infector's: \(report.personsAnonymised)")
        try expect(report.mergedFilesAnonymised == 1, "the merged copy is blanked too")
        try expect(report.recordsAnonymised == 7, "every record of the two files: \(report.recordsAnonymised)")
        try expect(
            report.held == ["open-case": 1, "quarantine": 1, "recent-activity": 1, "registry-only": 1], "holds: \(report.held)")
        var dryCounts = dry
        dryCounts.dryRun = false
        dryCounts.audit = report.audit
        try expect(dryCounts == report, "the dry run counted what the run did")

        // The file: nothing that identifies her; what statistics need stays.
        let anonymous = try await store.person(closed.id)
        try expect(anonymous?.name == RetentionPolicy.anonymousName, "the name is gone")
        try expect(anonymous?.nationalID == nil && anonymous?.phone == nil && anonymous?.address == nil && anonymous?.birthDate == nil, "identifiers gone")
        try expect(anonymous?.household == Self.path("sz/ft/s1/c1"), "the household is coarsened to the community")
        try expect(anonymous?.sex == .female && anonymous?.group == .confirmed && anonymous?.vulnerabilities == [.chronicIllness], "statistics kept")
        try expect(anonymous?.version == survivor.version + 1, "one version later")
        try expect(try await store.mergedInto(copy.id) == closed.id, "the merged copy still points to her file")
        try expect(try await store.allPersons(in: Self.path("sz/ft/s1/c1")).contains { $0.id == closed.id }, "she still counts in her community")
        try expect(!(try await store.allPersons(in: Self.path(household))).contains { $0.id == closed.id }, "but in no household")

        // Her records: at the community, free text gone, histories and links kept.
        let caseRecord = try await store.record(.case, id: "case-closed")
        try expect(caseRecord?.version == 2 && caseRecord?.draft.jurisdiction == Self.path("sz/ft/s1/c1"), "the case moved to the community")
        let history = try Self.decode(VigilCommunity.Case.self, caseRecord).history
        try expect(history.map(\.to) == [.suspect, .confirmed] && history.map(\.at) == [old, old + day], "the classification history survives")
        try expect(history.map(\.reason) == [nil, RetentionPolicy.anonymousText], "reasons are anonymised: \(history.map(\.reason))")
        let steps = try Self.decode(Referral.self, try await store.record(.referral, id: "ref-closed")).steps
        try expect(steps.map(\.stage) == [.screening, .transport, .admission, .outcome] && steps.last?.outcome == .recovered, "the referral's stages survive")
        try expect(steps.map(\.note) == [RetentionPolicy.anonymousText, nil, nil, RetentionPolicy.anonymousText], "notes are anonymised")
        let storedEdge = try Self.decode(TransmissionGraph.Edge.self, try await store.record(.transmission, id: closed.id.rawValue))
        try expect(storedEdge == TransmissionGraph.Edge(infector: infector.id.rawValue, infectee: closed.id.rawValue, evidence: RetentionPolicy.anonymousText), "the chain's shape survives")
        let checkIn = try await store.record(.checkIn, id: "ci-copy")
        try expect(checkIn?.draft.jurisdiction == Self.path("sz/ft/s1/c1") && checkIn?.draft.body == inserted["ci-copy"]?.draft.body, "the merged copy's check-in moved, body kept")
        try expect(try await store.record(.quarantine, id: "q-closed")?.draft.jurisdiction == Self.path("sz/ft/s1/c1"), "the quarantine moved")
        let infectorFile = try await store.person(infector.id)
        try expect(infectorFile?.name == RetentionPolicy.anonymousName && infectorFile?.household == Self.path("sz/ft/s1/c2"), "a ruled-out case closes too")

        // Held files and what is not about a person are untouched.
        for person in keptPersons.dropFirst() {
            try expect(try await store.person(person.id) == person, "\(person.name) is kept as it was")
        }
        for draft in heldRecords {
            try expect(try await store.record(draft.kind, id: draft.id) == inserted[draft.id], "record \(draft.id) is kept as it was")
        }

        // The audit log: appended to, never changed.
        let events = try await store.auditEvents(after: 0, limit: 10)
        try expect(events.first == earlier.first && events.count == 3, "two events appended")
        try expect(events[2].action == "retention.run" && events[2].resource.contains("persons=2&merged=1&records=7"), "summary: \(events[2].resource)")

        // Idempotent: a second run writes nothing.
        let snapshot = try await store.allPersons(in: Self.path("sz"))
        let again = try await store.runRetention(policy, now: now, actor: "cli:ops", role: .admin, personBatch: 3)
        try expect(again.personsAnonymised == 0 && again.mergedFilesAnonymised == 0 && again.recordsAnonymised == 0, "nothing left to do")
        try expect(try await store.allPersons(in: Self.path("sz")) == snapshot, "no file changed, not even its version")
        try expect(try await store.record(.case, id: "case-closed")?.version == 2, "no record rewritten")

        // Once the quarantine is over for 28 days and the contact is 90 days old, those close too;
        // the open case never does.
        let later = try await store.runRetention(policy, now: now + 100 * day, actor: "cli:ops", role: .admin)
        try expect(later.personsAnonymised == 2 && later.held == ["open-case": 1, "registry-only": 1], "later: \(later.held)")
        try expect(try await store.person(open.id) == open, "an open case is never anonymised")
        try expect(try await store.person(registry.id) == registry, "a registry file is outside retention")
        try await expectError(.invalidArgument, "a batch of 10001") {
            try await store.anonymisePersons(policy, now: now, after: nil, limit: 10_001, dryRun: true)
        }
    }

    func retentionRunsInBatches() async throws {
        let store = try await makeStore()
        let now = Self.retentionNow
        let old = now - 100 * Self.day
        let persons = try await store.insertPersons((0..<75).map { Self.draft("P \($0)", in: "sz/ft/s1/c\($0 % 3)/g1/b1/h\($0)") })
        for (i, person) in persons.enumerated() where i % 5 != 0 {
            let contact = try CloseContact(
                contact: person.id.rawValue, indexCase: CaseID("case-x"), place: Self.place, exposureTime: old, durationSeconds: 60, isHousehold: false)
            _ = try await store.insertRecord(
                Self.record("cc-\(i)", kind: .closeContact, in: person.household.description, person: person.id.rawValue, body: Self.json(contact), time: old))
        }
        let cutoff = RetentionPolicy.standard.visitCutoff(now: now)
        let visits = (0..<501).map { i in Self.visit("v\(i % 17)", cutoff - 2_500_000 + Int64(i) * 10_000, cutoff - 2_500_000 + Int64(i) * 10_000 + 600) }
        _ = try await store.insertVisits(visits)
        let expired = visits.filter { $0.timeOut! < cutoff }.count
        try expect(expired > 0 && expired < visits.count, "the fixture straddles the cutoff")

        var visitProgress: [Int] = []
        var personProgress: [Int] = []
        let report = try await store.runRetention(.standard, now: now, actor: "cli:ops", role: .admin, visitBatch: 64, personBatch: 7) { progress in
            switch progress {
            case .visits(let scanned, _): visitProgress.append(scanned)
            case .persons(let scanned, _): personProgress.append(scanned)
            }
        }
        try expect(report.visitsScanned == 501 && report.visitsAnonymised == expired, "visits: \(report.visitsScanned), \(report.visitsAnonymised)")
        try expect(report.personsScanned == 75 && report.personsAnonymised == 60 && report.recordsAnonymised == 60, "persons: \(report)")
        try expect(report.held == ["registry-only": 15], "holds: \(report.held)")
        try expect(visitProgress.count >= 8 && visitProgress.last == 501, "progress after each batch of 64: \(visitProgress)")
        try expect(personProgress.count >= 11 && personProgress.last == 75, "progress after each batch of 7: \(personProgress)")
        let all = try await store.allPersons(in: Self.path("sz"))
        try expect(all.filter { $0.name == RetentionPolicy.anonymousName }.count == 60, "every closed file anonymised once")
        let again = try await store.runRetention(.standard, now: now, actor: "cli:ops", role: .admin, visitBatch: 500, personBatch: 1_000)
        try expect(again.visitsAnonymised == 0 && again.personsAnonymised == 0 && again.recordsAnonymised == 0, "a second run changes nothing")
        try expect(try await store.allPersons(in: Self.path("sz")) == all, "versions unchanged")
    }
}
