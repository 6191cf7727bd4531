import Foundation
import VigilCommunity
import VigilSurveillance

/// The command centre's charts as inline SVG: no script, readable without CSS, with a `<title>`
/// on every mark so a pointer (or a screen reader) gives the numbers.
enum SVGCharts {
    static let width = 720.0
    static let height = 220.0
    static let margin = (left: 40.0, right: 12.0, top: 14.0, bottom: 28.0)

    /// The epidemic curve: confirmed cases per day as bars, suspected cases as a line, the EARS
    /// threshold dashed, and a red mark above each alarm day.
    static func epidemicCurve(_ days: [Situation.Day]) -> String {
        guard !days.isEmpty else { return "" }
        let top = max(4, days.map { max(Double($0.confirmed), Double($0.suspected), $0.threshold ?? 0) }.max() ?? 1) * 1.15
        let plot = Plot(count: days.count, top: top)
        var svg = plot.open(label: "Epidemic curve: confirmed cases per day, with alarms")
        svg += plot.axes(ticks: 4, format: { String(Int($0.rounded())) }, firstDate: days.first!.date, lastDate: days.last!.date)
        for (i, day) in days.enumerated() where day.confirmed > 0 {
            let y = plot.y(Double(day.confirmed))
            svg += """
                <rect class="bar" x="\(f(plot.x(i) + 1))" y="\(f(y))" width="\(f(max(1, plot.step - 2)))" height="\(f(plot.y(0) - y))" fill="#4a6fa5">\
                <title>\(day.date): \(day.confirmed) confirmed, \(day.suspected) suspected</title></rect>
                """
        }
        svg += plot.polyline(days.enumerated().map { ($0.offset, Double($0.element.suspected)) }, stroke: "#d08c2e", dashed: false, label: "suspected")
        svg += plot.polyline(days.enumerated().compactMap { i, day in day.threshold.map { (i, $0) } }, stroke: "#777", dashed: true, label: "alarm threshold")
        for (i, day) in days.enumerated() where day.alarm {
            let x = plot.x(i) + plot.step / 2
            let y = plot.y(Double(day.confirmed)) - 6
            svg += """
                <path class="alarm" d="M\(f(x - 5)),\(f(y - 8)) L\(f(x + 5)),\(f(y - 8)) L\(f(x)),\(f(y)) Z" fill="#c0392b">\
                <title>alarm on \(day.date): \(day.confirmed) confirmed above \(f(day.threshold ?? 0))</title></path>
                """
        }
        return svg + "</svg>"
    }

    /// Rt: the posterior mean as a line inside its 95% credible band, with the line Rt = 1.
    static func reproductionNumber(_ days: [Situation.Day]) -> String {
        let points = days.enumerated().compactMap { i, day in day.rt.map { (i, $0) } }
        guard !points.isEmpty else { return "" }
        let top = max(2, min(8, points.map(\.1.high).max() ?? 2)) * 1.1
        let plot = Plot(count: days.count, top: top)
        var svg = plot.open(label: "Reproduction number Rt with its 95% credible interval")
        svg += plot.axes(ticks: 4, format: { f($0) }, firstDate: days.first!.date, lastDate: days.last!.date)
        let upper = points.map { "\(f(plot.x($0.0) + plot.step / 2)),\(f(plot.y(min($0.1.high, top))))" }
        let lower = points.reversed().map { "\(f(plot.x($0.0) + plot.step / 2)),\(f(plot.y($0.1.low)))" }
        svg += "<polygon class=\"band\" points=\"\((upper + lower).joined(separator: " "))\" fill=\"#4a6fa5\" fill-opacity=\"0.25\"><title>95% credible interval</title></polygon>"
        svg += "<line x1=\"\(f(margin.left))\" x2=\"\(f(width - margin.right))\" y1=\"\(f(plot.y(1)))\" y2=\"\(f(plot.y(1)))\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"><title>Rt = 1</title></line>"
        svg += plot.polyline(points.map { ($0.0, $0.1.mean) }, stroke: "#1f3b63", dashed: false, label: "Rt mean")
        if let last = points.last {
            svg += "<text x=\"\(f(width - margin.right))\" y=\"\(f(margin.top + 10))\" text-anchor=\"end\" class=\"rt-now\">Rt \(f(last.1.mean)) (\(f(last.1.low))–\(f(last.1.high))) on \(days[last.0].date)</text>"
        }
        return svg + "</svg>"
    }

    /// The jurisdiction's communities as tiles coloured by risk level.
    static func riskMap(_ risks: [Situation.CommunityRisk], names: [JurisdictionPath: String]) -> String {
        guard !risks.isEmpty else { return "" }
        let columns = min(6, risks.count)
        let tile = (w: 180.0, h: 64.0, gap: 8.0)
        let rows = (risks.count + columns - 1) / columns
        let w = Double(columns) * (tile.w + tile.gap)
        let h = Double(rows) * (tile.h + tile.gap)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(w)) \(f(h))\" width=\"\(f(w))\" height=\"\(f(h))\" role=\"img\" aria-label=\"Communities by risk level\">"
        for (i, risk) in risks.enumerated() {
            let x = Double(i % columns) * (tile.w + tile.gap)
            let y = Double(i / columns) * (tile.h + tile.gap)
            let name = names[risk.community] ?? risk.community.components.last ?? risk.community.description
            let level = risk.assessment.level
            let reasons = risk.assessment.reasons.isEmpty ? "no rule applies" : risk.assessment.reasons.joined(separator: "; ")
            svg += """
                <g class="risk risk-\(level)" data-community="\(escape(risk.community.description))"><rect x="\(f(x))" y="\(f(y))" width="\(f(tile.w))" height="\(f(tile.h))" rx="6" fill="\(colour(level))">\
                <title>\(escape(name)): \(level) risk (\(escape(reasons))); \(risk.recent) cases in 14 days, \(risk.cumulative) in all</title></rect>\
                <text x="\(f(x + 8))" y="\(f(y + 22))" fill="#fff" font-weight="bold">\(escape(String(name.prefix(14))))</text>\
                <text x="\(f(x + 8))" y="\(f(y + 44))" fill="#fff" font-size="13">\(level) · \(risk.recent) cases / 14 d</text></g>
                """
        }
        return svg + "</svg>"
    }

    static func colour(_ level: RiskLevel) -> String {
        switch level {
        case .low: "#2e8b57"
        case .medium: "#d08c2e"
        case .high: "#c0392b"
        }
    }

    /// A day-by-value plot area.
    struct Plot {
        let count: Int
        let top: Double
        var step: Double { (width - margin.left - margin.right) / Double(max(1, count)) }

        func x(_ index: Int) -> Double { margin.left + Double(index) * step }
        func y(_ value: Double) -> Double { margin.top + (height - margin.top - margin.bottom) * (1 - max(0, value) / top) }

        func open(label: String) -> String {
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"\(escape(label))\" font-size=\"11\">"
        }

        func axes(ticks: Int, format: (Double) -> String, firstDate: CivilDate, lastDate: CivilDate) -> String {
            var svg = "<g class=\"axes\" stroke=\"#999\"><line x1=\"\(f(margin.left))\" x2=\"\(f(width - margin.right))\" y1=\"\(f(y(0)))\" y2=\"\(f(y(0)))\"/></g>"
            let step = Self.niceStep(top / 1.15 / Double(ticks))
            for tick in 0...Int((top / step).rounded(.down)) {
                let value = step * Double(tick)
                svg += "<text x=\"\(f(margin.left - 4))\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\" fill=\"#555\">\(format(value))</text>"
                svg += "<line x1=\"\(f(margin.left))\" x2=\"\(f(width - margin.right))\" y1=\"\(f(y(value)))\" y2=\"\(f(y(value)))\" stroke=\"#eee\"/>"
            }
            svg += "<text x=\"\(f(margin.left))\" y=\"\(f(height - 8))\" fill=\"#555\">\(firstDate)</text>"
            svg += "<text x=\"\(f(width - margin.right))\" y=\"\(f(height - 8))\" text-anchor=\"end\" fill=\"#555\">\(lastDate)</text>"
            return svg
        }

        /// A tick step of 1, 2 or 5 times a power of ten, at least `raw`.
        static func niceStep(_ raw: Double) -> Double {
            guard raw > 0, raw.isFinite else { return 1 }
            let power = pow(10, (log10(raw)).rounded(.down))
            return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        }

        func polyline(_ points: [(Int, Double)], stroke: String, dashed: Bool, label: String) -> String {
            guard points.count > 1 else { return "" }
            let coordinates = points.map { "\(f(x($0.0) + step / 2)),\(f(y(min($0.1, top))))" }.joined(separator: " ")
            return "<polyline class=\"\(escape(label.replacingOccurrences(of: " ", with: "-")))\" points=\"\(coordinates)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"5 4\"" : "")><title>\(escape(label))</title></polyline>"
        }
    }

    /// A number with at most two decimals, without trailing zeros.
    static func f(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let scaled = (value * 100).rounded() / 100
        if scaled == scaled.rounded() { return String(Int(scaled)) }
        var text = String(scaled)
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 { text = String(text[..<text.index(dot, offsetBy: 3)]) }
        return text
    }

    /// Text safe inside SVG/HTML elements and attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
