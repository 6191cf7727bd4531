import Foundation
import VigilCommunity
import VigilLedger
import VigilOutbreak
import VigilServer
import VigilStore
import VigilSurveillance

/// The synthetic city of `vigil demo` laid onto a network: which node each organisation runs,
/// the jurisdiction paths of its places, its users.
///
/// One district (`vc/d1`, street `s1`); each community has a committee node and a clinic node
/// and its own community chain, on which the district's designated hospital and the district
/// CDC (supervisor) are members too. The CDC leads the district chain with the health
/// commission (supervisor), the police and transport.
struct DemoCity {
    let city: City
    static let district = "vc/d1"
    static let hospital = "hospital.district"
    static let cdc = "cdc.district"
    static let districtMembers: [(String, MemberRole)] = [
        (cdc, .member), ("health.commission", .supervisor), ("police.district", .member), ("transport.district", .member),
    ]

    var communities: [Community] { city.communities }

    func committee(_ community: Int) -> String { "committee.\(communities[community].slug)" }
    func clinic(_ community: Int) -> String { "clinic.\(communities[community].slug)" }
    func chainSlug(_ community: Int) -> String { "community-\(communities[community].slug)" }
    func origin(_ community: Int) -> String { "vigil.local/d1/\(communities[community].slug)" }
    static let districtSlug = "district"
    static let districtOrigin = "vigil.local/d1"

    func communityPath(_ community: Int) -> String { "\(Self.district)/s1/\(communities[community].slug)" }

    /// The household path of a resident: community / grid / building / household.
    func householdPath(_ resident: Resident) -> String {
        let household = city.households[resident.household]
        return "\(communityPath(resident.community))/\(household.grid)/\(household.building)/h\(household.index)"
    }

    var topology: NetworkTopology {
        var topology = NetworkTopology(
            communities: communities.indices.map { i in
                NetworkTopology.ChainPlan(
                    slug: chainSlug(i), origin: origin(i),
                    members: [(committee(i), .member), (clinic(i), .member), (Self.hospital, .member), (Self.cdc, .supervisor)],
                    leader: committee(i))
            },
            district: .init(slug: Self.districtSlug, origin: Self.districtOrigin, members: Self.districtMembers, leader: Self.cdc),
            areaSecretFile: "keys/district.area-secret")
        // Each committee issues and checks its residents' health codes.
        for i in communities.indices { topology.codes[committee(i)] = NodeConfiguration.Codes(region: communityPath(i)) }
        return topology
    }

    /// A user of the demo: on which node, with which role and jurisdiction.
    struct User {
        var node: String
        var name: String
        var role: Role
        var jurisdiction: String
        /// What the user does, for the login list.
        var does: String
    }

    /// Everyone who works in the demo. Community staff file their daily reports on the district
    /// CDC's node (the district's reporting system), where a CDC officer reviews them.
    var users: [User] {
        var users: [User] = [
            User(node: Self.cdc, name: "cdc.officer", role: .cdc, jurisdiction: Self.district, does: "district command centre: situation, votes, review of daily reports"),
            User(node: Self.cdc, name: "cdc.admin", role: .admin, jurisdiction: Self.district, does: "administration"),
            User(node: Self.cdc, name: "auditor", role: .auditor, jurisdiction: Self.district, does: "reads the audit log"),
            User(node: Self.hospital, name: "ward.district", role: .hospital, jurisdiction: Self.district, does: "hospital: admissions and beds"),
            User(node: Self.hospital, name: "hospital.admin", role: .admin, jurisdiction: Self.district, does: "administration"),
        ]
        for i in communities.indices {
            let path = communityPath(i), slug = communities[i].slug
            users += [
                User(node: committee(i), name: "staff.\(slug)", role: .community, jurisdiction: path, does: "community committee: residents, tracing, quarantine, votes"),
                User(node: committee(i), name: "admin.\(slug)", role: .admin, jurisdiction: path, does: "administration"),
                User(node: committee(i), name: "gate.\(slug)", role: .checkpoint, jurisdiction: path, does: "checkpoint: scans and visits"),
                User(node: clinic(i), name: "doctor.\(slug)", role: .clinician, jurisdiction: path, does: "clinic: cases and suspected-case reports"),
                User(node: clinic(i), name: "desk.\(slug)", role: .grid, jurisdiction: path, does: "clinic registration desk: patient files"),
                User(node: Self.cdc, name: "reporter.\(slug)", role: .community, jurisdiction: path, does: "files the community's daily report"),
            ]
        }
        return users + DemoServices.users(self)
    }

    /// Unix seconds of `minute` past midnight UTC on `date`.
    static func time(_ date: CivilDate, minute: Int) -> Int64 { Int64(date.daysSinceEpoch) * 86_400 + Int64(minute) * 60 }

    /// The residents of `community` as an import file (`vigil import` columns).
    func registryCSV(_ community: Int) -> String {
        var rows: [[String]] = [["nationalID", "name", "sex", "birthDate", "phone", "household", "vulnerabilities"]]
        for resident in city.residents[communities[community].residents] {
            rows.append([
                resident.nationalID, resident.name, resident.sex.rawValue, resident.birthDate,
                resident.phone, householdPath(resident), Self.vulnerabilities(resident).joined(separator: ";"),
            ])
        }
        return CSVCodec.encode(rows)
    }

    /// The platform's vulnerability flags for a resident.
    static func vulnerabilities(_ resident: Resident) -> [String] {
        resident.vulnerabilities.sorted().map { flag in
            switch flag {
            case .elderlyAlone: "elderly-alone"
            case .disabled: "disabled"
            case .chronic: "chronic-illness"
            case .pregnant: "pregnant"
            }
        }
    }
}
