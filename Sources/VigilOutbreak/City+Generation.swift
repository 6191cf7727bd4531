extension City {
    /// Generates the city a plan describes. Deterministic: the same plan gives an equal city in
    /// every process.
    /// - Throws: ``OutbreakError`` (``OutbreakError/Code/invalidPlan``) when the plan's sizes are
    ///   out of range.
    public static func generate(_ plan: CityPlan) throws(OutbreakError) -> City {
        try plan.validate()
        var generator = CityGenerator(plan: plan)
        return generator.run()
    }
}

/// Fixed name lists for synthetic data.
enum Names {
    static let communities = [
        "Riverside", "Hillview", "Eastgate", "Lakeside", "Northfield", "Old Town", "Westbrook",
        "Southgate", "Greenway", "Harbourside", "Maple Court", "Cedar Park", "Sunrise", "Willow Bank",
    ]
    static let families = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
        "林", "高", "罗", "郑", "梁", "谢", "宋", "唐",
    ]
    static let given = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
        "秀英", "霞", "平", "刚", "桂英", "建华", "晓明", "婷", "浩", "宇", "欣", "子轩", "梓涵", "一诺",
        "俊杰", "雨桐", "国强", "淑珍", "志强",
    ]

    static func community(_ index: Int) -> String {
        let base = communities[index % communities.count]
        let round = index / communities.count
        return round == 0 ? base : "\(base) \(round + 1)"
    }
}

/// One person drafted before ids and venues exist.
private struct PersonDraft {
    var age: Int
    var sex: Sex
    var familyName: String
}

/// The generation algorithm, with its one random stream. Every step draws in a fixed order.
struct CityGenerator {
    let plan: CityPlan
    var random: OutbreakRandom

    init(plan: CityPlan) {
        self.plan = plan
        random = OutbreakRandom(seed: plan.seed ^ 0xC17E_0000_0000_0001)
    }

    // MARK: Households and ages

    private mutating func householdSize() -> Int {
        // About 25% single, 30% two, 25% three, 13% four, 7% five: mean 2.5.
        [1, 2, 3, 4, 5][random.weightedIndex([25, 30, 25, 13, 7])]
    }

    private mutating func ageIn(_ bands: [(ClosedRange<Int>, Double)]) -> Int {
        let band = bands[random.weightedIndex(bands.map(\.1))].0
        return random.int(in: band)
    }

    private mutating func singleAge() -> Int {
        ageIn([(18...29, 30), (30...44, 20), (45...64, 22), (65...79, 19), (80...95, 9)])
    }

    private mutating func headAge() -> Int {
        ageIn([(22...29, 12), (30...44, 34), (45...59, 30), (60...74, 17), (75...92, 7)])
    }

    private mutating func otherSex(_ sex: Sex) -> Sex { sex == .male ? .female : .male }
    private mutating func anySex() -> Sex { random.chance(0.5) ? .male : .female }
    private mutating func family() -> String { Names.families[random.int(below: Names.families.count)] }

    private mutating func childAge(parent: Int) -> Int {
        max(0, parent - random.int(in: 22...38))
    }

    private mutating func household(size: Int) -> [PersonDraft] {
        let family = family()
        let headSex = anySex()
        if size == 1 {
            return [PersonDraft(age: singleAge(), sex: headSex, familyName: family)]
        }
        let head = headAge()
        var people = [PersonDraft(age: head, sex: headSex, familyName: family)]
        let couple = size > 2 || random.chance(0.75)
        if couple {
            let partnerAge = min(95, max(20, head + random.int(in: -5...5)))
            people.append(PersonDraft(age: partnerAge, sex: otherSex(headSex), familyName: self.family()))
        }
        let grandparent = size >= 3 && head <= 62 && random.chance(size == 5 ? 0.6 : size == 4 ? 0.2 : 0.15)
        if grandparent {
            people.append(PersonDraft(age: min(95, head + random.int(in: 24...32)), sex: anySex(), familyName: family))
        }
        while people.count < size {
            people.append(PersonDraft(age: childAge(parent: head), sex: anySex(), familyName: family))
        }
        return people
    }

    // MARK: Generation

    mutating func run() -> City {
        let communityCount = plan.communities
        var communities: [Community] = []
        var households: [Household] = []
        var drafts: [PersonDraft] = []
        var householdSizes: [Int] = []
        for c in 0..<communityCount {
            let target = plan.residents / communityCount + (c < plan.residents % communityCount ? 1 : 0)
            let firstResident = drafts.count
            let firstHousehold = households.count
            var local: [[PersonDraft]] = []
            var count = 0
            while count < target {
                let size = min(householdSize(), target - count)
                local.append(household(size: size))
                count += size
            }
            let gridCount = max(1, (target + 75) / 150)
            let buildingCount = max(1, (target + 20) / 40)
            let grids = (1...gridCount).map { "g\($0)" }
            let buildings = (0..<buildingCount).map { b in
                Building(id: "b\(b + 1)", grid: grids[b * gridCount / buildingCount])
            }
            for (j, members) in local.enumerated() {
                let building = buildings[j * buildingCount / local.count]
                let ids = Array(drafts.count..<(drafts.count + members.count))
                households.append(
                    Household(index: households.count, community: c, grid: building.grid, building: building.id, members: ids))
                drafts.append(contentsOf: members)
                householdSizes.append(contentsOf: repeatElement(members.count, count: members.count))
            }
            communities.append(
                Community(
                    index: c, slug: "c\(c + 1)", name: Names.community(c), grids: grids, buildings: buildings,
                    residents: firstResident..<drafts.count, households: firstHousehold..<households.count))
        }

        // Venues: per community market, school, workplaces, clinic, shops; then the district's.
        var venues: [Venue] = []
        var markets: [Int] = []
        var schools: [Int?] = []
        var workplaces: [[Int]] = []
        var clinics: [Int] = []
        var shops: [[Int]] = []
        for community in communities {
            let slug = community.slug
            let size = community.residents.count
            func add(_ id: String, _ name: String, _ kind: VenueKind) -> Int {
                let grid = community.grids[random.int(below: community.grids.count)]
                venues.append(
                    Venue(id: "\(slug)-\(id)", name: "\(community.name) \(name)", kind: kind, community: community.index, grid: grid, checkpoint: kind.hasCheckpoint))
                return venues.count - 1
            }
            markets.append(add("market", "Market", .market))
            let hasChildren = community.residents.contains { (6...17).contains(drafts[$0].age) }
            schools.append(hasChildren ? add("school", "School", .school) : nil)
            let workplaceCount = min(3, max(1, size / 400))
            workplaces.append((1...workplaceCount).map { add("work\($0)", "Workplace \($0)", .workplace) })
            clinics.append(add("clinic", "Community Clinic", .clinic))
            let shopCount = min(12, max(2, size / 250))
            shops.append((1...shopCount).map { add("shop\($0)", "Shop \($0)", .shop) })
        }
        venues.append(Venue(id: "district-hospital", name: "District Designated Hospital", kind: .hospital, community: nil, grid: nil, checkpoint: true))
        let hospital = venues.count - 1
        venues.append(Venue(id: "district-transit", name: "District Transit Hub", kind: .transitHub, community: nil, grid: nil, checkpoint: true))
        let transit = venues.count - 1

        // Residents.
        var residents: [Resident] = []
        residents.reserveCapacity(drafts.count)
        var idSequence: [String: Int] = [:]
        let phoneOffset = random.next() % 100_000_000
        var memberOf = [Int](repeating: 0, count: drafts.count)
        for household in households { for member in household.members { memberOf[member] = household.index } }
        for (id, draft) in drafts.enumerated() {
            let householdIndex = memberOf[id]
            let household = households[householdIndex]
            let c = household.community
            let age = draft.age
            var vulnerabilities: Set<Vulnerability> = []
            if age >= 70 && householdSizes[id] == 1 { vulnerabilities.insert(.elderlyAlone) }
            if random.chance(0.02) { vulnerabilities.insert(.disabled) }
            if random.chance(age < 40 ? 0.02 : age < 65 ? 0.09 : 0.22) { vulnerabilities.insert(.chronic) }
            if draft.sex == .female && (20...40).contains(age) && random.chance(0.04) { vulnerabilities.insert(.pregnant) }

            let month = random.int(in: 1...12)
            let dayOfMonth = random.int(in: 1...28)
            let birthYear = plan.referenceYear - age
            let birthDate = "\(birthYear)" + Self.pad(month, 2) + Self.pad(dayOfMonth, 2)
            let key = "\(c)-\(birthDate)"
            let sequence = idSequence[key, default: 0]
            idSequence[key] = sequence + 1
            let region = "9\(1 + sequence / 500)01" + Self.pad(c + 1, 2)
            let serial = (sequence % 500) * 2 + (draft.sex == .male ? 1 : 0)
            let body = region + birthDate + Self.pad(serial, 3)
            let nationalID = body + String(Self.checkCharacter(body))
            let phoneNumber = (UInt64(id) &* 48_271 &+ phoneOffset) % 100_000_000
            let phone = "199" + Self.pad(Int(phoneNumber), 8)

            let volunteer = (18...65).contains(age) && !vulnerabilities.contains(.disabled) && random.chance(0.01)
            var skills: [VolunteerSkill] = []
            if volunteer {
                skills = VolunteerSkill.allCases.filter { _ in random.chance(0.45) }
                if skills.isEmpty { skills = [VolunteerSkill.allCases[random.int(below: VolunteerSkill.allCases.count)]] }
            }

            let routine = routine(
                age: age, community: c, communities: communities.count, vulnerabilities: vulnerabilities,
                market: markets[c], school: schools[c], workplaces: workplaces, clinic: clinics[c],
                shops: shops[c], allShops: shops, hospital: hospital, transit: transit, markets: markets)

            residents.append(
                Resident(
                    id: id, familyName: draft.familyName, givenName: Names.given[random.int(below: Names.given.count)],
                    birthYear: birthYear, birthMonth: month, birthDay: dayOfMonth, age: age, sex: draft.sex, phone: phone, nationalID: nationalID,
                    household: householdIndex, community: c, grid: household.grid, building: household.building,
                    vulnerabilities: vulnerabilities, routine: routine, isVolunteer: volunteer, volunteerSkills: skills))
        }
        return City(
            plan: plan, districtName: "Central District", communities: communities, households: households,
            residents: residents, venues: venues, hospital: hospital, transitHub: transit, clinics: clinics)
    }

    // MARK: Routines

    private mutating func routine(
        age: Int, community c: Int, communities: Int, vulnerabilities: Set<Vulnerability>,
        market: Int, school: Int?, workplaces: [[Int]], clinic: Int, shops: [Int], allShops: [[Int]],
        hospital: Int, transit: Int, markets: [Int]
    ) -> [RoutineStop] {
        var stops: [RoutineStop] = []
        func stop(_ venue: Int, _ start: Int, _ duration: Int, _ jitter: Int, _ probability: Double, weekdays: Bool) {
            stops.append(RoutineStop(venue: venue, startMinute: start, durationMinutes: duration, jitterMinutes: jitter, probability: probability, weekdaysOnly: weekdays))
        }
        let chronic = vulnerabilities.contains(.chronic)
        let favouriteShop = shops[random.int(below: shops.count)]
        switch age {
        case ..<6:
            stop(market, 570, 40, 60, 0.15, weekdays: false)
        case 6...17:
            if let school { stop(school, 470, 450, 10, 0.96, weekdays: true) }
            stop(favouriteShop, 990, 20, 60, 0.08, weekdays: false)
        case 18...64:
            let worker = random.chance(vulnerabilities.contains(.disabled) ? 0.3 : 0.6)
            if worker {
                let roll = random.uniform()
                let work: (venue: Int, start: Int, duration: Int, weekdays: Bool, commute: Bool)
                if roll < 0.06, let school {
                    work = (school, 450, 540, true, false)
                } else if roll < 0.09 {
                    work = (clinic, 480, 540, false, false)
                } else if roll < 0.13 {
                    work = (market, 390, 600, false, false)
                } else if roll < 0.15 {
                    work = (hospital, 480, 600, false, true)
                } else if roll < 0.16 {
                    work = (transit, 420, 480, false, false)
                } else if roll < 0.20 {
                    work = (shops[random.int(below: shops.count)], 540, 540, false, false)
                } else if roll < 0.35 && communities > 1 {
                    // Works in another community: the commute mixes communities.
                    var other = random.int(below: communities - 1)
                    if other >= c { other += 1 }
                    let choices = workplaces[other]
                    work = (choices[random.int(below: choices.count)], 510, 510, true, true)
                } else {
                    let choices = workplaces[c]
                    work = (choices[random.int(below: choices.count)], 510, 510, true, random.chance(0.2))
                }
                if work.commute { stop(transit, work.start - 40, 20, 15, 0.9, weekdays: work.weekdays) }
                stop(work.venue, work.start, work.duration, 15, work.weekdays ? 0.93 : 0.8, weekdays: work.weekdays)
                stop(market, 1065, 35, 30, 0.3, weekdays: false)
                stop(favouriteShop, 1110, 20, 30, 0.2, weekdays: false)
            } else {
                stop(market, 570, 40, 90, 0.35, weekdays: false)
                stop(clinic, 600, 40, 60, 0.01, weekdays: false)
                stop(transit, 660, 20, 60, 0.08, weekdays: false)
                stop(favouriteShop, 870, 25, 120, 0.25, weekdays: false)
            }
        default:
            // The elderly: less predictable times, more clinic visits.
            stop(market, 510, 45, 120, 0.45, weekdays: false)
            stop(clinic, 560, 50, 60, chronic ? 0.08 : 0.04, weekdays: false)
            stop(hospital, 570, 120, 60, chronic ? 0.02 : 0.005, weekdays: false)
            stop(favouriteShop, 900, 25, 150, 0.2, weekdays: false)
        }
        return stops.sorted { ($0.startMinute, $0.venue) < ($1.startMinute, $1.venue) }
    }

    // MARK: Identifiers

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The ISO 7064 MOD 11-2 check character of a 17-digit national ID body.
    static func checkCharacter(_ body: String) -> Character {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for (digit, weight) in zip(body, weights) { sum += (digit.wholeNumberValue ?? 0) * weight }
        let table: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]
        return table[sum % 11]
    }
}
