/// The `vigil detect` contract as testable functions: read a count series from CSV, run a method with
/// an R `surveillance` control list given as JSON, and write the result as CSV.
public enum Detection {
    /// The detection methods, by their CLI names.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        /// `earsC(method = "C1")`
        case earsC1 = "ears-c1"
        /// `earsC(method = "C2")`
        case earsC2 = "ears-c2"
        /// `earsC(method = "C3")`
        case earsC3 = "ears-c3"
        /// `farrington` / `algo.farrington`
        case farrington
        /// `farringtonFlexible`
        case farringtonFlexible = "farrington-flexible"
        /// `cusum` / `algo.cusum`
        case cusum
        /// `glrpois` / `algo.glrpois`
        case glrpois
        /// `glrnb` / `algo.glrnb`
        case glrnb
    }

    /// Reads a series from CSV text with an `observed` column (and `date`, ISO 8601, when
    /// `epochAsDate`; optional `population`; optional `week` whose first value is R's `start[2]`).
    /// - Parameters:
    ///   - frequency: time points per year; `nil` for 52, or inferred from the dates' spacing.
    /// - Throws: `SurveillanceError(.invalidInput)` for a missing column, a bad number or date,
    ///   a negative count.
    public static func series(csv text: String, epochAsDate: Bool, frequency: Int? = nil) throws -> Series {
        let table = try CSVTable(parsing: text)
        let observed = try table.numbers("observed")
        guard !observed.isEmpty else { throw SurveillanceError(.invalidInput, "the input has no rows") }
        if let i = observed.firstIndex(where: { $0 < 0 }) {
            throw SurveillanceError(
                .invalidInput,
                "counts must be non-negative: observed on line \(i + 2) is \(CSVTable.format(observed[i]))")
        }
        if let i = observed.firstIndex(where: { $0.isInfinite }) {
            throw SurveillanceError(.invalidInput, "counts must be finite: observed on line \(i + 2)")
        }
        var dates: [CivilDate]? = nil
        var freq = frequency ?? 52
        if epochAsDate {
            let texts = try table.strings("date")
            dates = try texts.enumerated().map { i, s in
                guard let d = CivilDate(iso8601: s) else {
                    throw SurveillanceError(.invalidInput, "date on line \(i + 2) is '\(s)', want YYYY-MM-DD")
                }
                return d
            }
            if let ds = dates {
                for (i, (a, b)) in zip(ds, ds.dropFirst()).enumerated() where b <= a {
                    throw SurveillanceError(
                        .invalidInput, "dates must increase: line \(i + 3) (\(b)) is not after \(a)")
                }
                if frequency == nil, ds.count > 1 {
                    let step = ds[1].daysSinceEpoch - ds[0].daysSinceEpoch
                    switch step {
                    case 7: freq = 52
                    case 1: freq = 365
                    case 28...31: freq = 12
                    default:
                        throw SurveillanceError(
                            .invalidInput,
                            "cannot infer the frequency from dates \(step) days apart; dates must be daily, weekly or monthly"
                        )
                    }
                }
            }
        }
        var series = Series(observed: observed, dates: dates, frequency: freq)
        if table.hasColumn("week"), let first = try table.numbers("week").first, first.isFinite {
            series.startWithinYear = Int(first)
        }
        if table.hasColumn("population") {
            let population = try table.numbers("population")
            if let i = population.firstIndex(where: { !($0 > 0) }) {
                throw SurveillanceError(.invalidInput, "population must be positive: line \(i + 2)")
            }
            series.population = population
        }
        return series
    }

    /// Runs a method with an R control list and returns the output table: `t,observed,upperbound,alarm`
    /// for every monitored time point, then method-specific columns (and `date` for dated series).
    /// - Throws: `SurveillanceError(.invalidControl)` for unknown keys or bad values, `.outOfRange`
    ///   for a range outside the series, and whatever the method throws.
    public static func run(_ method: Method, on series: Series, control: ControlList) throws -> CSVTable {
        var extra: [(String, [String])] = []
        let alarms: AlarmResult
        var nanAsNaN = false
        var missingInWindow: [Bool]? = nil
        func column(_ values: [Double]) -> [String] { values.map { CSVTable.format($0) } }
        switch method {
        case .earsC1, .earsC2, .earsC3:
            try control.requireKeys(
                in: ["range", "method", "baseline", "minSigma", "alpha"], method: "earsC")
            let m: EARS.Method = method == .earsC1 ? .c1 : (method == .earsC2 ? .c2 : .c3)
            if let given = try control.choice("method", ["C1", "C2", "C3"]), given != m.rawValue {
                throw SurveillanceError(
                    .invalidControl, "control method '\(given)' contradicts --method \(method.rawValue)")
            }
            var c = EARS.Configuration(method: m)
            c.range = try control.range()
            if let v = try control.int("baseline") { c.baseline = v }
            if let v = try control.double("minSigma") { c.minSigma = v }
            c.alpha = try control.double("alpha")
            alarms = try EARS.detect(series, configuration: c)
            // R gives NaN for 0/0 (constant reference values) but NA when a count is missing.
            nanAsNaN = true
            let lag = m == .c1 ? c.baseline : (m == .c2 ? c.baseline + 2 : c.baseline + 4)
            missingInWindow = alarms.time.map { t in
                series.observed[max(0, t - 1 - lag)...(t - 1)].contains { $0.isNaN }
            }
        case .farrington:
            try control.requireKeys(
                in: [
                    "range", "b", "w", "reweight", "verbose", "plot", "alpha", "trend", "limit54",
                    "powertrans", "fitFun",
                ],
                method: "farrington")
            var c = Farrington.Configuration()
            c.range = try control.range()
            if let v = try control.int("b") { c.b = v }
            if let v = try control.int("w") { c.w = v }
            if let v = try control.bool("reweight") { c.reweight = v }
            _ = try control.bool("verbose")
            if try control.bool("plot") == true {
                throw SurveillanceError(.invalidControl, "control 'plot' = true is not supported")
            }
            if let v = try control.double("alpha") { c.alpha = v }
            if let v = try control.bool("trend") { c.trend = v }
            if let v = try limit54(control) { c.limit54 = v }
            if let v = try control.choice("powertrans", ["none", "1/2", "2/3"]) {
                c.powerTransform = .init(rawValue: v)!
            }
            if let v = try control.choice("fitFun", Farrington.FitFunction.allCases.map(\.rawValue)) {
                c.fitFunction = .init(rawValue: v)!
            }
            let r = try Farrington.detect(series, configuration: c)
            alarms = r.alarms
            extra = [
                ("trend", r.trend.map { $0 ? "1" : "0" }), ("expected", column(r.expected)),
                ("prob", column(r.probability)),
            ]
        case .farringtonFlexible:
            try control.requireKeys(
                in: [
                    "range", "b", "w", "reweight", "weightsThreshold", "verbose", "glmWarnings", "alpha",
                    "trend",
                    "pThresholdTrend", "limit54", "powertrans", "fitFun", "populationOffset", "noPeriods",
                    "pastWeeksNotIncluded", "thresholdMethod",
                ], method: "farringtonFlexible")
            var c = FarringtonFlexible.Configuration()
            c.range = try control.range()
            if let v = try control.int("b") { c.b = v }
            if let v = try control.int("w") { c.w = v }
            if let v = try control.bool("reweight") { c.reweight = v }
            if let v = try control.double("weightsThreshold") { c.weightsThreshold = v }
            _ = try control.bool("verbose")
            _ = try control.bool("glmWarnings")
            if let v = try control.double("alpha") { c.alpha = v }
            if let v = try control.bool("trend") { c.trend = v }
            if let v = try control.double("pThresholdTrend") { c.pThresholdTrend = v }
            if let v = try limit54(control) { c.limit54 = v }
            if let v = try control.choice("powertrans", ["none", "1/2", "2/3"]) {
                c.powerTransform = .init(rawValue: v)!
            }
            _ = try control.choice("fitFun", ["algo.farrington.fitGLM.flexible"])
            if let v = try control.bool("populationOffset") { c.populationOffset = v }
            if let v = try control.int("noPeriods") { c.noPeriods = v }
            c.pastWeeksNotIncluded = try control.int("pastWeeksNotIncluded")
            if let v = try control.choice("thresholdMethod", ["delta", "nbPlugin", "muan"]) {
                c.thresholdMethod = .init(rawValue: v)!
            }
            let r = try FarringtonFlexible.detect(series, configuration: c)
            alarms = r.alarms
            extra = [
                ("expected", column(r.expected)), ("score", column(r.score)), ("pvalue", column(r.pvalue)),
                ("trend", r.trend.map { $0.map { $0 ? "1" : "0" } ?? "NA" }),
                ("trend_coef", column(r.trendCoefficient)),
                ("phi", column(r.phi)), ("mu0_quantile", column(r.mu0Quantile)),
            ]
        case .cusum:
            try control.requireKeys(in: ["range", "k", "h", "m", "trans", "alpha"], method: "cusum")
            guard let range = try control.range() else {
                throw SurveillanceError(
                    .invalidControl,
                    "cusum needs control 'range' (\"a:b\"); the points before it are the training data")
            }
            var c = CUSUM.Configuration(range: range)
            if let v = try control.double("k") { c.k = v }
            if let v = try control.double("h") { c.h = v }
            switch control.values["m"] {
            case .none, .some(.null): c.m = .trainingMean
            case .some(.string("glm")): c.m = .glm
            case .some(.number(let v)): c.m = .value(v)
            case .some(.array): c.m = .values(try control.numbers("m") ?? [])
            default:
                throw SurveillanceError(.invalidControl, "control 'm' must be null, a number, an array or \"glm\"")
            }
            if let v = try control.choice("trans", CUSUM.Transformation.allCases.map(\.rawValue)) {
                c.transformation = .init(rawValue: v)!
            }
            if let v = try control.double("alpha") { c.alpha = v }
            let r = try CUSUM.detect(series, configuration: c)
            alarms = r.alarms
            extra = [("m", column(r.mean)), ("cusum", column(r.statistic))]
        case .glrpois, .glrnb:
            try control.requireKeys(
                in: [
                    "range", "c.ARL", "mu0", "Mtilde", "M", "change", "theta", "dir", "ret", "xMax", "alpha",
                ],
                method: method.rawValue)
            guard let range = try control.range() else {
                throw SurveillanceError(.invalidControl, "\(method.rawValue) needs control 'range' (\"a:b\")")
            }
            var c = GLR.Configuration(range: range)
            if let v = try control.double("c.ARL") { c.cARL = v }
            switch control.values["mu0"] {
            case .none, .some(.null): c.mu0 = nil
            case .some(.object(let o)):
                let sub = try ControlList(.object(o))
                try sub.requireKeys(in: ["S", "trend", "refit"], method: "mu0")
                if let s = try sub.int("S") { c.mu0Model.harmonics = s }
                if let t = try sub.bool("trend") { c.mu0Model.trend = t }
                if try sub.bool("refit") == true {
                    throw SurveillanceError(.invalidControl, "mu0 refit = true is not supported")
                }
            default: c.mu0 = try control.numbers("mu0")
            }
            if let v = try control.int("Mtilde") { c.mTilde = v }
            if let v = try control.int("M") { c.m = v }
            if let v = try control.choice("change", ["intercept", "epi"]) { c.change = .init(rawValue: v)! }
            c.theta = try control.double("theta")
            if let v = try control.choice("dir", ["inc", "dec"]) { c.direction = .init(rawValue: v)! }
            if let v = try control.choice("ret", ["value", "cases"]) { c.returned = .init(rawValue: v)! }
            if let v = try control.double("xMax") { c.xMax = v }
            let alpha = try control.double("alpha")
            if method == .glrpois {
                if let alpha, alpha != 0 {
                    throw SurveillanceError(.invalidControl, "glrpois has to operate with alpha = 0")
                }
                c.alpha = 0
            } else {
                c.alpha = alpha
            }
            let r = try GLR.detect(series, configuration: c)
            alarms = r.alarms
            extra = [("mu0", column(r.mu0))]
        }
        var header = ["t", "observed", "upperbound", "alarm"] + extra.map(\.0)
        if series.dates != nil { header.append("date") }
        var rows: [[String]] = []
        rows.reserveCapacity(alarms.count)
        for i in 0..<alarms.count {
            var row = [
                String(alarms.time[i]),
                CSVTable.format(alarms.observed[i]),
                CSVTable.format(alarms.upperbound[i], nanAsNaN: nanAsNaN && missingInWindow?[i] != true),
                alarms.alarm[i].map { $0 ? "1" : "0" } ?? "NA",
            ]
            for (_, values) in extra { row.append(values[i]) }
            if let dates = series.dates { row.append(dates[alarms.time[i] - 1].description) }
            rows.append(row)
        }
        return CSVTable(header: header, rows: rows)
    }

    static func limit54(_ control: ControlList) throws -> Farrington.Limit54? {
        guard let v = try control.numbers("limit54") else { return nil }
        guard v.count == 2, v[1] == v[1].rounded() else {
            throw SurveillanceError(.invalidControl, "control 'limit54' must be [cases, weeks]")
        }
        return .init(cases: v[0], weeks: Int(v[1]))
    }
}
