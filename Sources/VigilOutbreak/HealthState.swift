/// Where a resident is in the course of the outbreak infection.
public enum HealthState: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Never infected; can be infected.
    case susceptible
    /// Infected, not yet infectious (latent period, about 3 days).
    case exposed
    /// Infectious before symptoms start (about 2 days).
    case presymptomatic
    /// Infectious with symptoms (about 6 days).
    case symptomatic
    /// Infectious without ever developing symptoms (about 7 days, less infectious).
    case asymptomatic
    /// Recovered and immune.
    case recovered
    /// Died of the infection.
    case dead

    /// Whether the resident can infect others in this state.
    public var isInfectious: Bool {
        self == .presymptomatic || self == .symptomatic || self == .asymptomatic
    }

    /// Whether the resident currently carries the infection (exposed or infectious).
    public var isInfected: Bool { self == .exposed || isInfectious }

    public var description: String {
        switch self {
        case .susceptible: "susceptible"
        case .exposed: "exposed"
        case .presymptomatic: "presymptomatic"
        case .symptomatic: "symptomatic"
        case .asymptomatic: "asymptomatic"
        case .recovered: "recovered"
        case .dead: "dead"
        }
    }
}
