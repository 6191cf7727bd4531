import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(CoreFoundation)
import CoreFoundation
#endif
import VigilSurveillance

/// R's timings from `../shared/refdata/TIMINGS.md` (surveillance 1.20.3, EpiEstim 2.2.4, R 4.2.2 on a
/// 2-core AMD EPYC): median elapsed and median cpu seconds for the same inputs and parameters.
private struct RTiming {
    var elapsed: Double
    var cpu: Double
}

private let rTimings: [String: RTiming] = [
    "earsC C1": .init(elapsed: 71.71, cpu: 71.69),
    "earsC C2": .init(elapsed: 74.48, cpu: 74.46),
    "earsC C3": .init(elapsed: 126.42, cpu: 126.38),
    "cusum (algo.cusum)": .init(elapsed: 2.15, cpu: 2.15),
    "glrpois": .init(elapsed: 7.30, cpu: 7.30),
    "farrington": .init(elapsed: 135.64, cpu: 135.56),
    "farringtonFlexible": .init(elapsed: 275.99, cpu: 275.92),
    "estimate_R parametric_si": .init(elapsed: 0.95, cpu: 0.95),
    "estimate_R non_parametric_si": .init(elapsed: 0.93, cpu: 0.93),
]

/// Times the surveillance algorithms on the synthetic inputs of `../shared/refdata/timing/` with the
/// parameters of `TIMINGS.md`, and reports the median time beside R's and the speed-up, plus the rate
/// of a plain summation loop on this machine (the cost of touching each input value once).
/// - Parameters:
///   - timingDirectory: the folder with `ears_daily_1000x1825.csv.gz`, `farrington_weekly_200x520.csv.gz`,
///     `epiestim_incidence_2000.csv` and `epiestim_si_distr.csv`.
///   - repetitions: runs per algorithm (the median is reported); the slow R cases are single runs in R.
/// - Returns: a Markdown report.
func runSurveillanceBenchmarks(timingDirectory: String, repetitions: Int = 5) throws -> String {
    let dir = URL(fileURLWithPath: timingDirectory)
    let daily = try wideSeries(gunzip(dir.appendingPathComponent("ears_daily_1000x1825.csv.gz").path))
    let weekly = try wideSeries(gunzip(dir.appendingPathComponent("farrington_weekly_200x520.csv.gz").path))
    let incidence = try ReproductionNumber.incidence(
        csv: String(contentsOf: dir.appendingPathComponent("epiestim_incidence_2000.csv"), encoding: .utf8))
    let si = try ReproductionNumber.serialIntervalDistribution(
        csv: String(contentsOf: dir.appendingPathComponent("epiestim_si_distr.csv"), encoding: .utf8))

    var rows: [(name: String, input: String, seconds: Double, cpu: Double, alarms: Int)] = []
    func measure(_ name: String, _ input: String, reps: Int = repetitions, _ body: () throws -> Int) rethrows {
        var times: [Double] = []
        var cpuTimes: [Double] = []
        var alarms = 0
        for _ in 0..<max(1, reps) {
            let start = ContinuousClock.now
            let cpuStart = threadCPUSeconds()
            alarms = try body()
            cpuTimes.append(threadCPUSeconds() - cpuStart)
            times.append(seconds(ContinuousClock.now - start))
        }
        times.sort()
        cpuTimes.sort()
        rows.append((name, input, times[times.count / 2], cpuTimes[cpuTimes.count / 2], alarms))
    }
    func countAlarms(_ r: AlarmResult) -> Int { r.alarm.reduce(0) { $0 + ($1 == true ? 1 : 0) } }

    let dailyInput = "1000 daily series x 1825 days"
    for (name, method) in [("earsC C1", EARS.Method.c1), ("earsC C2", .c2), ("earsC C3", .c3)] {
        try measure(name, dailyInput) {
            var n = 0
            for s in daily {
                n += countAlarms(
                    try EARS.detect(
                        s, configuration: .init(method: method, baseline: 7, alpha: 0.001, minSigma: 0)))
            }
            return n
        }
    }
    try measure("cusum (algo.cusum)", dailyInput) {
        var n = 0
        for s in daily {
            n += countAlarms(
                try CUSUM.detect(s, configuration: .init(range: 366...1825, k: 1.04, h: 2.26)).alarms)
        }
        return n
    }
    try measure("glrpois", dailyInput, reps: max(1, repetitions / 2)) {
        var n = 0
        for s in daily {
            let mu0 = s.observed[0..<365].reduce(0, +) / 365
            n += countAlarms(
                try GLR.detect(s, configuration: .init(range: 366...1825, cARL: 5, mu0: [mu0])).alarms)
        }
        return n
    }
    let weeklyInput = "200 weekly series x 520 weeks, t = 417..520"
    try measure("farrington", weeklyInput, reps: max(1, repetitions / 2)) {
        var n = 0
        for s in weekly {
            n += countAlarms(
                try Farrington.detect(s, configuration: .init(range: 417...520, b: 5, w: 3, alpha: 0.05))
                    .alarms)
        }
        return n
    }
    try measure("farringtonFlexible", weeklyInput, reps: max(1, repetitions / 2)) {
        var n = 0
        for s in weekly {
            n += countAlarms(try FarringtonFlexible.detect(s, configuration: .init(range: 417...520)).alarms)
        }
        return n
    }
    let epiInput = "2000-day incidence, 1994 weekly windows"
    try measure("estimate_R parametric_si", epiInput) {
        let r = try ReproductionNumber.estimate(
            incidence, configuration: .init(serialInterval: .parametric(mean: 4.8, standardDeviation: 2.3)))
        // EpiEstim computes all seven quantiles for every window.
        return r.estimates.reduce(0) { $0 + ($1.reportedQuantiles.allSatisfy { $0.isFinite } ? 1 : 0) }
    }
    try measure("estimate_R non_parametric_si", epiInput) {
        let r = try ReproductionNumber.estimate(
            incidence, configuration: .init(serialInterval: .nonParametric(si)))
        return r.estimates.reduce(0) { $0 + ($1.reportedQuantiles.allSatisfy { $0.isFinite } ? 1 : 0) }
    }

    // Physical limit: a plain summation loop over all daily input values, the least any detector must do.
    let flat = daily.flatMap(\.observed)
    var loopTimes: [Double] = []
    var checksum = 0.0
    for _ in 0..<max(3, repetitions) {
        let start = ContinuousClock.now
        for _ in 0..<20 {
            var s = 0.0
            flat.withUnsafeBufferPointer { b in for v in b { s += v } }
            checksum += s
        }
        loopTimes.append(seconds(ContinuousClock.now - start) / 20)
    }
    loopTimes.sort()
    let loopSeconds = loopTimes[loopTimes.count / 2]
    let loopRate = Double(flat.count) / loopSeconds

    var report =
        "| algorithm | input | Vigil elapsed (s) | Vigil cpu (s) | R elapsed (s) | R cpu (s) | speed-up (cpu) | alarms |\n"
    report += "|---|---|---|---|---|---|---|---|\n"
    for row in rows {
        let r = rTimings[row.name]!
        report += "| \(row.name) | \(row.input) | \(format(row.seconds)) | \(format(row.cpu)) "
        report +=
            "| \(format(r.elapsed)) | \(format(r.cpu)) | \(format(r.cpu / row.cpu, digits: 0))x | \(row.alarms) |\n"
    }
    report +=
        "\nPhysical limit on this machine: a plain summation loop over the \(flat.count) daily input values takes "
    report +=
        "\(format(loopSeconds * 1e3)) ms (\(format(loopRate / 1e9, digits: 2)) G additions/s, checksum \(Int(checksum) % 1000)); "
    report += "reading each daily input value once is the floor for EARS, CUSUM and GLR on that input.\n"
    return report
}

/// CPU time of the calling thread (the benchmark is single-threaded), less sensitive to other load.
private func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

private func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
}

private func format(_ x: Double, digits: Int = 4) -> String {
    if digits == 0 { return String(Int(x.rounded())) }
    return String(format: "%.\(digits)g", x)
}

/// Decompresses a `.gz` file with the system's `gzip`.
private func gunzip(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw SurveillanceError(
            .invalidInput, "gzip -dc \(path) failed with status \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

/// A wide CSV (`t`, then one column per series) as series.
private func wideSeries(_ text: String) throws -> [Series] {
    let table = try CSVTable(parsing: text)
    return try table.header.dropFirst().map { try Series(observed: table.numbers($0), frequency: 52) }
}
