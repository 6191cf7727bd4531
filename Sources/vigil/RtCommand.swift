import ArgumentParser
import Foundation
import VigilSurveillance

/// `vigil rt`: the time-varying reproduction number as R `EpiEstim::estimate_R` computes it.
struct Rt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rt",
        abstract:
            "Estimate the time-varying reproduction number (Cori et al. 2013) as EpiEstim's estimate_R.",
        discussion: """
            FILE is CSV with an 'I' column (all cases of day 1 count as imported) or 'local' and \
            'imported' columns. --si-distr is CSV 'k,p' (k = 0, 1, 2, ... days, p[0] = 0). Windows \
            default to weekly sliding windows 2..T-6 / 8..T. Writes EpiEstim's columns t_start, \
            t_end, Mean(R), Std(R) and the posterior quantiles; NA where EpiEstim does not estimate.
            """
    )

    @Option(help: "CSV file with an 'I' column or 'local' and 'imported' columns.")
    var input: String

    @Option(help: "parametric-si or non-parametric-si.")
    var method: String

    @Option(name: .customLong("mean-si"), help: "Mean of the serial interval (parametric-si, > 1).")
    var meanSI: Double?

    @Option(
        name: .customLong("std-si"), help: "Standard deviation of the serial interval (parametric-si, > 0).")
    var stdSI: Double?

    @Option(
        name: .customLong("si-distr"),
        help: "CSV 'k,p' with the serial-interval distribution (non-parametric-si).")
    var siDistr: String?

    @Option(name: .customLong("t-start"), help: "Window starts: a:b or a comma-separated list.")
    var tStart: String?

    @Option(name: .customLong("t-end"), help: "Window ends: a:b or a comma-separated list.")
    var tEnd: String?

    @Option(name: .customLong("mean-prior"), help: "Prior mean of R (default 5).")
    var meanPrior: Double?

    @Option(name: .customLong("std-prior"), help: "Prior standard deviation of R (default 5).")
    var stdPrior: Double?

    func run() throws {
        do {
            let incidence = try ReproductionNumber.incidence(csv: readSurveillanceInput(input))
            let serialInterval: ReproductionNumber.SerialInterval
            switch method {
            case "parametric-si":
                guard let meanSI, let stdSI else {
                    throw SurveillanceError(.invalidControl, "parametric-si needs --mean-si and --std-si")
                }
                if siDistr != nil {
                    throw SurveillanceError(.invalidControl, "--si-distr is for non-parametric-si")
                }
                serialInterval = .parametric(mean: meanSI, standardDeviation: stdSI)
            case "non-parametric-si":
                guard let siDistr else {
                    throw SurveillanceError(.invalidControl, "non-parametric-si needs --si-distr FILE")
                }
                if meanSI != nil || stdSI != nil {
                    throw SurveillanceError(.invalidControl, "--mean-si and --std-si are for parametric-si")
                }
                serialInterval = .nonParametric(
                    try ReproductionNumber.serialIntervalDistribution(csv: readSurveillanceInput(siDistr)))
            default:
                throw SurveillanceError(
                    .invalidControl, "unknown method '\(method)'; use parametric-si or non-parametric-si")
            }
            var configuration = ReproductionNumber.Configuration(serialInterval: serialInterval)
            switch (tStart, tEnd) {
            case (nil, nil): break
            case (let s?, let e?):
                configuration.windowStarts = try ReproductionNumber.parseWindowBounds(s)
                configuration.windowEnds = try ReproductionNumber.parseWindowBounds(e)
            default:
                throw SurveillanceError(.outOfRange, "--t-start and --t-end must be given together")
            }
            if let meanPrior { configuration.meanPrior = meanPrior }
            if let stdPrior { configuration.standardDeviationPrior = stdPrior }
            let result = try ReproductionNumber.estimate(incidence, configuration: configuration)
            for warning in result.warnings {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
            FileHandle.standardOutput.write(Data(ReproductionNumber.table(result).text.utf8))
        } catch let error as SurveillanceError {
            writeSurveillanceError(error.description)
            throw ExitCode(1)
        }
    }
}
