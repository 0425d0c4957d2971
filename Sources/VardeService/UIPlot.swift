import Foundation

/// The web UI's pictures, drawn on the server as SVG (no script needed to see them). Every value shown is one the
/// page's tier may see: the marks come from the same disclosed rows as the table. All text is escaped here.
enum UIPlot {
    /// A consequence class: colour (Okabe–Ito, safe for the common colour-vision deficiencies) doubled by a shape.
    enum Category: String, CaseIterable, Sendable {
        case lof, missense, synonymous, other

        var label: String {
            switch self {
            case .lof: "Loss of function"
            case .missense: "Missense / in-frame"
            case .synonymous: "Synonymous"
            case .other: "Other / unannotated"
            }
        }
        var colour: String {
            switch self {
            case .lof: "#D55E00"
            case .missense: "#0072B2"
            case .synonymous: "#009E73"
            case .other: "#6B6B6B"
            }
        }
        var shape: String {
            switch self {
            case .lof: "triangle"
            case .missense: "diamond"
            case .synonymous: "square"
            case .other: "circle"
            }
        }

        static let lofTerms: Set<String> = ["transcript_ablation", "splice_acceptor_variant", "splice_donor_variant", "stop_gained",
                                            "frameshift_variant", "stop_lost", "start_lost", "exon_loss_variant"]
        static let missenseTerms: Set<String> = ["missense_variant", "inframe_insertion", "inframe_deletion", "protein_altering_variant",
                                                 "disruptive_inframe_insertion", "disruptive_inframe_deletion", "conservative_inframe_insertion",
                                                 "conservative_inframe_deletion"]
        static let synonymousTerms: Set<String> = ["synonymous_variant", "stop_retained_variant", "start_retained_variant"]

        /// The most severe class among a variant's SO terms (SnpEff joins several with `&`).
        init(terms: [String]) {
            let all = Set(terms.flatMap { $0.split(separator: "&").map(String.init) })
            if !all.isDisjoint(with: Self.lofTerms) { self = .lof }
            else if !all.isDisjoint(with: Self.missenseTerms) { self = .missense }
            else if !all.isDisjoint(with: Self.synonymousTerms) { self = .synonymous }
            else { self = .other }
        }
    }

    /// One variant as the plot draws it.
    struct Mark: Sendable {
        var id: String
        var position: Int
        /// Disclosed allele frequency (cohort AF when a cohort is picked); nil when withheld or AN is 0.
        var af: Double?
        /// Whether it is drawn above the axis: carried in the germline (a withheld AC counts), or neither germline nor somatic.
        var germline: Bool
        var tumours: Int
        var category: Category
        var title: String
        var href: String
    }

    static let width = 960.0, height = 270.0, left = 56.0, right = 16.0, axisY = 150.0
    static let densityThreshold = 20_000

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func number(_ v: Double) -> String { String(format: "%.1f", v) }

    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func shape(_ category: Category, x: Double, y: Double, r: Double, filled: Bool) -> String {
        let paint = filled ? "fill=\"\(category.colour)\" stroke=\"#222\" stroke-width=\"0.6\""
                           : "fill=\"#fff\" stroke=\"\(category.colour)\" stroke-width=\"1.6\""
        switch category {
        case .lof:
            return "<path d=\"M\(number(x)) \(number(y - r * 1.2))L\(number(x + r * 1.1)) \(number(y + r * 0.8))L\(number(x - r * 1.1)) \(number(y + r * 0.8))Z\" \(paint)/>"
        case .missense:
            return "<path d=\"M\(number(x)) \(number(y - r * 1.25))L\(number(x + r * 1.1)) \(number(y))L\(number(x)) \(number(y + r * 1.25))L\(number(x - r * 1.1)) \(number(y))Z\" \(paint)/>"
        case .synonymous:
            return "<rect x=\"\(number(x - r * 0.9))\" y=\"\(number(y - r * 0.9))\" width=\"\(number(r * 1.8))\" height=\"\(number(r * 1.8))\" \(paint)/>"
        case .other:
            return "<circle cx=\"\(number(x))\" cy=\"\(number(y))\" r=\"\(number(r))\" \(paint)/>"
        }
    }

    /// Variants along `start...end`: germline above the axis (height and size by log10 AF from 1/AN to 1, hollow
    /// when the frequency is withheld), somatic below (by tumour count); above `densityThreshold` marks, a histogram.
    static func track(_ marks: [Mark], start: Int, end: Int, strand: String?, label: String, maxAN: Int, legend: Bool = false,
                      exons: [ClosedRange<Int>] = [], cds: ClosedRange<Int>? = nil) -> String {
        let span = Double(max(1, end - start))
        let plotWidth = width - left - right
        func x(_ p: Int) -> Double { left + Double(min(max(p, start), end) - start) / span * plotWidth }
        let minLog = log10(1.0 / Double(max(maxAN, 10)))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"track\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"group\" aria-labelledby=\"track-title\">"
        svg += "<title id=\"track-title\">\(escape(label)): \(marks.count) variants along \(escape(grouped(start)))–\(escape(grouped(end)))</title>"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>"
        // Axis, gene body with strand arrows, position ticks.
        if exons.isEmpty {
            svg += "<rect x=\"\(number(left))\" y=\"\(number(axisY - 4))\" width=\"\(number(plotWidth))\" height=\"8\" fill=\"#d9dee5\" stroke=\"#8a96a3\" stroke-width=\"0.6\"/>"
        } else {
            // The transcript: an intron line, exons as boxes, the coding part of each taller than its UTR part.
            svg += "<line x1=\"\(number(left))\" x2=\"\(number(width - right))\" y1=\"\(number(axisY))\" y2=\"\(number(axisY))\" stroke=\"#8a96a3\" stroke-width=\"1\"/>"
            for (i, e) in exons.enumerated() {
                let x0 = x(e.lowerBound), x1 = max(x(e.upperBound), x0 + 1)
                let coding = cds.flatMap { c in e.clamped(to: c).isEmpty || !e.overlaps(c) ? nil : e.clamped(to: c) }
                var box = "<g class=\"exon\" data-exon=\"\(e.lowerBound)-\(e.upperBound)\"><title>exon \(strand == "-" ? exons.count - i : i + 1) of \(exons.count): \(grouped(e.lowerBound))–\(grouped(e.upperBound))</title>"
                box += "<rect x=\"\(number(x0))\" y=\"\(number(axisY - 4))\" width=\"\(number(x1 - x0))\" height=\"8\" fill=\"#b7c0ca\" stroke=\"#5f6b78\" stroke-width=\"0.5\"/>"
                if let c = coding {
                    let c0 = x(c.lowerBound), c1 = max(x(c.upperBound), c0 + 1)
                    box += "<rect x=\"\(number(c0))\" y=\"\(number(axisY - 7))\" width=\"\(number(c1 - c0))\" height=\"14\" fill=\"#5f6b78\"/>"
                }
                svg += box + "</g>"
            }
        }
        if let strand, strand == "+" || strand == "-" {
            let arrow = strand == "+" ? "›" : "‹"
            var ax = left + 30
            while ax < width - right - 20 {
                svg += "<text x=\"\(number(ax))\" y=\"\(number(axisY + 3.5))\" font-size=\"10\" fill=\"#4a5561\" text-anchor=\"middle\">\(arrow)</text>"
                ax += 70
            }
        }
        for i in 0...5 {
            let p = start + Int(Double(end - start) * Double(i) / 5)
            let tx = x(p)
            svg += "<line x1=\"\(number(tx))\" x2=\"\(number(tx))\" y1=\"\(number(axisY + 4))\" y2=\"\(number(axisY + 8))\" stroke=\"#4a5561\"/>"
            svg += "<text x=\"\(number(tx))\" y=\"\(number(height - 4))\" font-size=\"11\" fill=\"#2b333b\" text-anchor=\"\(i == 0 ? "start" : i == 5 ? "end" : "middle")\">\(grouped(p))</text>"
        }
        svg += "<text x=\"4\" y=\"14\" font-size=\"11\" fill=\"#2b333b\">germline (AF, log)</text>"
        svg += "<text x=\"4\" y=\"\(number(axisY + 26))\" font-size=\"11\" fill=\"#2b333b\">somatic (tumours)</text>"
        // AF ticks on the left.
        var tick = 1.0
        while log10(tick) >= minLog {
            let ty = afY(tick, minLog: minLog)
            svg += "<line x1=\"\(number(left - 4))\" x2=\"\(number(width - right))\" y1=\"\(number(ty))\" y2=\"\(number(ty))\" stroke=\"#eef1f4\"/>"
            svg += "<text x=\"\(number(left - 6))\" y=\"\(number(ty + 3.5))\" font-size=\"10\" fill=\"#4a5561\" text-anchor=\"end\">\(tick >= 0.01 ? String(format: "%g", tick) : String(format: "%.0e", tick))</text>"
            tick /= 10
        }
        if !marks.contains(where: { $0.tumours > 0 }) {
            svg += "<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(axisY + 60))\" font-size=\"12\" fill=\"#4a5561\" text-anchor=\"middle\">no somatic calls here</text>"
        }
        if marks.count > densityThreshold {
            svg += density(marks, x: x, bins: 160)
        } else {
            let maxTumours = max(1, marks.map(\.tumours).max() ?? 1)
            let stems = marks.count <= 1500
            let tabOut = marks.count > 200 ? " tabindex=\"-1\"" : ""
            // Common variants last, so they are drawn on top of the rare ones around them.
            for m in marks.sorted(by: { ($0.af ?? 0) < ($1.af ?? 0) }) {
                let mx = x(m.position)
                var parts = ""
                if m.germline {
                    let level = m.af.map { max(0, min(1, (log10(max($0, 1e-12)) - minLog) / -minLog)) } ?? 0
                    let y = afY(m.af ?? 0, minLog: minLog)
                    // Stems only while they can be told apart (and the page stays small).
                    if stems { parts += "<line x1=\"\(number(mx))\" x2=\"\(number(mx))\" y1=\"\(number(axisY - 4))\" y2=\"\(number(y))\" stroke=\"#b7c0ca\" stroke-width=\"0.8\"/>" }
                    parts += shape(m.category, x: mx, y: y, r: 3.2 + 3.6 * level, filled: m.af != nil)
                }
                if m.tumours > 0 {
                    let level = log2(Double(m.tumours) + 1) / log2(Double(maxTumours) + 1)
                    let y = axisY + 36 + 60 * level
                    if stems { parts += "<line x1=\"\(number(mx))\" x2=\"\(number(mx))\" y1=\"\(number(axisY + 4))\" y2=\"\(number(y))\" stroke=\"#c9a7bb\" stroke-width=\"0.8\"/>" }
                    parts += "<circle cx=\"\(number(mx))\" cy=\"\(number(y))\" r=\"\(number(3 + 4 * level))\" fill=\"#CC79A7\" stroke=\"#222\" stroke-width=\"0.6\"/>"
                }
                // The <title> is the hover text and the link's accessible name.
                // Past 200 marks they leave the tab order (the table below links the same pages), or a keyboard
                // user would tab through every one of them first.
                svg += "<a class=\"mark\" href=\"\(escape(m.href))\" data-id=\"\(escape(m.id))\"\(tabOut)><title>\(escape(m.title))</title>\(parts)</a>"
            }
        }
        if legend {
            // A standalone download carries its own legend (on the page the filter form is the legend).
            svg += legendRow()
            svg += "<circle cx=\"\(number(left + 130))\" cy=\"\(number(axisY + 22))\" r=\"4.5\" fill=\"#CC79A7\" stroke=\"#222\" stroke-width=\"0.6\"/>"
        }
        svg += "</svg>"
        return svg
    }

    /// The consequence classes' shapes and names along the top right: the legend a standalone SVG download carries
    /// (on the page the filter form is the legend).
    static func legendRow() -> String {
        var svg = "", lx = width - right - 4
        for c in Category.allCases.reversed() {
            lx -= Double(c.label.count) * 6.6 + 26
            svg += shape(c, x: lx + 6, y: 10, r: 4.5, filled: true)
            svg += "<text x=\"\(number(lx + 14))\" y=\"14\" font-size=\"11\" fill=\"#2b333b\">\(escape(c.label))</text>"
        }
        return svg
    }

    /// One residue of the protein view: how many germline variants change it, how many tumours carry a change there,
    /// the most common class among them (colour and shape), and the page its pin links to.
    struct Pin: Sendable {
        var residue: Int
        var germline: Int
        var tumours: Int
        var category: Category
        var title: String
        var href: String
    }

    /// The protein view (a lollipop, as cBioPortal's mutation mapper and ProteinPaint draw it): residues 1…`length`
    /// along the axis, a pin per changed residue, germline above (height by the number of variants there), somatic
    /// below (by tumours), the head's colour and shape the most common class. No domain track: the store has none.
    static func lollipop(_ pins: [Pin], length: Int, label: String, legend: Bool = false) -> String {
        let plotWidth = width - left - right
        let length = max(1, length)
        func x(_ r: Int) -> Double { left + Double(min(max(r, 1), length) - 1) / Double(max(1, length - 1)) * plotWidth }
        let maxGermline = max(1, pins.map(\.germline).max() ?? 1), maxTumours = max(1, pins.map(\.tumours).max() ?? 1)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"track\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"group\" aria-labelledby=\"track-title\">"
        svg += "<title id=\"track-title\">\(escape(label)): \(pins.count) changed residues along 1–\(grouped(length))</title>"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>"
        svg += "<rect x=\"\(number(left))\" y=\"\(number(axisY - 6))\" width=\"\(number(plotWidth))\" height=\"12\" rx=\"3\" fill=\"#d9dee5\" stroke=\"#8a96a3\" stroke-width=\"0.6\"/>"
        for i in 0...5 {
            let r = 1 + Int(Double(length - 1) * Double(i) / 5)
            let tx = x(r)
            svg += "<line x1=\"\(number(tx))\" x2=\"\(number(tx))\" y1=\"\(number(axisY + 6))\" y2=\"\(number(axisY + 10))\" stroke=\"#4a5561\"/>"
            svg += "<text x=\"\(number(tx))\" y=\"\(number(height - 4))\" font-size=\"11\" fill=\"#2b333b\" text-anchor=\"\(i == 0 ? "start" : i == 5 ? "end" : "middle")\">\(grouped(r))</text>"
        }
        svg += "<text x=\"4\" y=\"14\" font-size=\"11\" fill=\"#2b333b\">germline (variants)</text>"
        svg += "<text x=\"4\" y=\"\(number(axisY + 26))\" font-size=\"11\" fill=\"#2b333b\">somatic (tumours)</text>"
        if pins.isEmpty {
            svg += "<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(axisY - 40))\" font-size=\"12\" fill=\"#4a5561\" text-anchor=\"middle\">no protein changes here</text>"
        }
        if !pins.contains(where: { $0.tumours > 0 }) {
            svg += "<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(axisY + 60))\" font-size=\"12\" fill=\"#4a5561\" text-anchor=\"middle\">no somatic calls here</text>"
        }
        let tabOut = pins.count > 200 ? " tabindex=\"-1\"" : ""
        for p in pins.sorted(by: { $0.residue < $1.residue }) {
            let px = x(p.residue)
            var parts = ""
            if p.germline > 0 {
                let y = axisY - 6 - 20 - 100 * Double(p.germline) / Double(maxGermline)
                parts += "<line x1=\"\(number(px))\" x2=\"\(number(px))\" y1=\"\(number(axisY - 6))\" y2=\"\(number(y))\" stroke=\"#8a96a3\" stroke-width=\"1\"/>"
                parts += shape(p.category, x: px, y: y, r: 5, filled: true)
            }
            if p.tumours > 0 {
                let y = axisY + 6 + 16 + 70 * Double(p.tumours) / Double(maxTumours)
                parts += "<line x1=\"\(number(px))\" x2=\"\(number(px))\" y1=\"\(number(axisY + 6))\" y2=\"\(number(y))\" stroke=\"#c9a7bb\" stroke-width=\"1\"/>"
                parts += "<circle cx=\"\(number(px))\" cy=\"\(number(y))\" r=\"5\" fill=\"#CC79A7\" stroke=\"#222\" stroke-width=\"0.6\"/>"
            }
            svg += "<a class=\"mark pin\" href=\"\(escape(p.href))\" data-residue=\"\(p.residue)\"\(tabOut)><title>\(escape(p.title))</title>\(parts)</a>"
        }
        if legend { svg += legendRow() }
        return svg + "</svg>"
    }

    /// The residue an HGVS protein description changes first (`p.Val600Glu`, `ENSP…:p.(Gly12Cys)`, `p.R175H`,
    /// `p.Glu746_Ala750del`, `p.Lys12fs`), and the description after `p.`; nil for `p.=`, `p.?` and non-protein text.
    static func residue(hgvsp: String) -> (position: Int, change: String)? {
        guard let range = hgvsp.range(of: "p.") else { return nil }
        var change = Substring(hgvsp[range.upperBound...])
        if change.hasPrefix("("), change.hasSuffix(")") { change = change.dropFirst().dropLast() }
        let letters = change.prefix { $0.isLetter || $0 == "*" }
        let digits = change.dropFirst(letters.count).prefix { $0.isNumber }
        guard !letters.isEmpty, letters.count <= 3, let position = Int(digits), position > 0 else { return nil }
        return (position, String(change))
    }

    static func afY(_ af: Double, minLog: Double) -> Double {
        guard af > 0 else { return axisY - 14 }
        let level = max(0, min(1, (log10(af) - minLog) / -minLog))
        return axisY - 14 - level * 110
    }

    /// Counts per bin, germline up and somatic down, for views too dense to draw one mark per variant.
    static func density(_ marks: [Mark], x: (Int) -> Double, bins: Int) -> String {
        var germline = [Int](repeating: 0, count: bins), somatic = [Int](repeating: 0, count: bins)
        let plotWidth = width - left - right
        for m in marks {
            let b = min(bins - 1, max(0, Int((x(m.position) - left) / plotWidth * Double(bins))))
            if m.germline { germline[b] += 1 }
            if m.tumours > 0 { somatic[b] += 1 }
        }
        let top = Double(max(1, germline.max() ?? 1)), bottom = Double(max(1, somatic.max() ?? 1))
        let w = plotWidth / Double(bins)
        var svg = "<text x=\"\(number(width - right))\" y=\"14\" font-size=\"11\" fill=\"#2b333b\" text-anchor=\"end\">\(grouped(marks.count)) variants: density per bin</text>"
        for b in 0..<bins {
            let bx = left + Double(b) * w
            if germline[b] > 0 {
                let h = 110 * log1p(Double(germline[b])) / log1p(top)
                svg += "<rect x=\"\(number(bx))\" y=\"\(number(axisY - 6 - h))\" width=\"\(number(max(1, w - 0.5)))\" height=\"\(number(h))\" fill=\"#0072B2\"><title>\(germline[b]) germline variants</title></rect>"
            }
            if somatic[b] > 0 {
                let h = 70 * log1p(Double(somatic[b])) / log1p(bottom)
                svg += "<rect x=\"\(number(bx))\" y=\"\(number(axisY + 6))\" width=\"\(number(max(1, w - 0.5)))\" height=\"\(number(h))\" fill=\"#CC79A7\"><title>\(somatic[b]) somatic variants</title></rect>"
            }
        }
        return svg
    }

    /// One bar of a frequency chart: a label, a disclosed AF (nil: withheld) and the text to print beside it.
    struct Bar: Sendable {
        var label: String
        var af: Double?
        var text: String
    }

    /// Horizontal AF bars (the nation and each cohort), on one linear scale so the lengths compare.
    static func frequencyBars(_ bars: [Bar]) -> String {
        let rowHeight = 28.0, labelWidth = 150.0, barMax = 560.0
        let h = Double(bars.count) * rowHeight + 26
        let top = max(bars.compactMap(\.af).max() ?? 0, 1e-9)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"bars\" viewBox=\"0 0 900 \(Int(h))\" role=\"img\" aria-labelledby=\"bars-title\">"
        svg += "<title id=\"bars-title\">Allele frequency: \(escape(bars.map { "\($0.label) \($0.text)" }.joined(separator: "; ")))</title>"
        for (i, b) in bars.enumerated() {
            let y = 8 + Double(i) * rowHeight
            svg += "<text x=\"\(number(labelWidth - 8))\" y=\"\(number(y + 15))\" font-size=\"13\" fill=\"#2b333b\" text-anchor=\"end\">\(escape(b.label))</text>"
            svg += "<rect x=\"\(number(labelWidth))\" y=\"\(number(y + 2))\" width=\"\(number(barMax))\" height=\"18\" fill=\"#eef1f4\"/>"
            if let af = b.af {
                svg += "<rect x=\"\(number(labelWidth))\" y=\"\(number(y + 2))\" width=\"\(number(max(1.5, barMax * af / top)))\" height=\"18\" fill=\"\(i == 0 ? "#0072B2" : "#E69F00")\"/>"
            }
            svg += "<text x=\"\(number(labelWidth + barMax + 8))\" y=\"\(number(y + 15))\" font-size=\"13\" fill=\"#2b333b\">\(escape(b.text))</text>"
        }
        svg += "<text x=\"\(number(labelWidth))\" y=\"\(number(h - 4))\" font-size=\"11\" fill=\"#4a5561\">0</text>"
        svg += "<text x=\"\(number(labelWidth + barMax))\" y=\"\(number(h - 4))\" font-size=\"11\" fill=\"#4a5561\" text-anchor=\"end\">AF \(top > 1e-9 ? String(format: "%.3g", top) : "0")</text>"
        svg += "</svg>"
        return svg
    }

    /// Tumours by VAF bin (tenths), as the API's `vafBins`.
    static func vafHistogram(_ bins: [Int]) -> String {
        guard !bins.isEmpty else { return "" }
        let top = Double(max(1, bins.max() ?? 1)), w = 40.0
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vaf\" viewBox=\"0 0 \(Int(w * Double(bins.count) + 40)) 130\" role=\"img\" aria-labelledby=\"vaf-title\">"
        svg += "<title id=\"vaf-title\">Tumours by variant allele fraction: \(bins.map(String.init).joined(separator: ", "))</title>"
        for (i, n) in bins.enumerated() {
            let h = 90 * Double(n) / top, bx = 30 + Double(i) * w
            svg += "<rect x=\"\(number(bx))\" y=\"\(number(100 - h))\" width=\"\(number(w - 4))\" height=\"\(number(h))\" fill=\"#CC79A7\"/>"
            svg += "<text x=\"\(number(bx + w / 2 - 2))\" y=\"\(number(96 - h))\" font-size=\"10\" fill=\"#2b333b\" text-anchor=\"middle\">\(n)</text>"
            svg += "<text x=\"\(number(bx + w / 2 - 2))\" y=\"116\" font-size=\"10\" fill=\"#4a5561\" text-anchor=\"middle\">\(String(format: "%.1f", Double(i) / Double(bins.count)))</text>"
        }
        svg += "<text x=\"30\" y=\"128\" font-size=\"10\" fill=\"#4a5561\">VAF</text></svg>"
        return svg
    }
}
