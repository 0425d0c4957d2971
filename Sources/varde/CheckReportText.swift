import Foundation
import VCF
import VariantCore

/// The human-readable `varde check` report.
enum CheckReportText {
    static func render(_ r: CheckReport) -> String {
        var out: [String] = []
        func row(_ k: String, _ v: String) { out.append("  " + k.padding(toLength: 22, withPad: " ", startingAt: 0) + v) }
        out.append("\(r.path): " + (r.loadable ? "loadable" : "NOT loadable"))
        guard r.opened else {
            for p in r.problems { out.append("  \(p.severity.rawValue): \(p.error)") }
            return out.joined(separator: "\n")
        }
        row("format", r.format)
        row("samples", r.samples.count == 0 ? "0 (sites only)" : "\(r.samples.count)" + (r.samples.count <= 5 ? " (\(r.samples.joined(separator: ", ")))" : ""))
        if let t = r.tumourSample, let n = r.normalSample { row("tumour/normal", "\(t) / \(n)") }
        else if let t = r.tumourSample { row("tumour", t) }
        let c = r.counts
        row("records", "\(c.records)" + (r.readInParallel ? " (read in parallel)" : ""))
        row("contigs", "\(r.contigsWithRecords.count) with records of \(r.contigsDeclared) declared" +
            (r.contigsWithRecords.isEmpty ? "" : " (\(r.contigsWithRecords.prefix(8).joined(separator: ", "))\(r.contigsWithRecords.count > 8 ? ", …" : ""))"))
        if let a = r.assembly.assembly {
            row("assembly", "\(a.rawValue)" + (r.assembly.supportingContigs.isEmpty ? " (from ##reference)" : " (from \(r.assembly.supportingContigs.count) contig lengths)"))
        } else {
            row("assembly", "unknown")
        }
        row("SNV / MNV records", "\(c.snv) / \(c.mnv)")
        row("indel records", "\(c.indel)")
        row("multi-allelic", "\(c.multiallelic)")
        row("symbolic / breakend", "\(c.symbolic) / \(c.breakend)")
        row("star (*) alleles", "\(c.overlappingDeletion)")
        row("gVCF ref blocks", "\(c.referenceBlocks)")
        if c.somaticFlagged > 0 { row("INFO/SOMATIC", "\(c.somaticFlagged)") }
        row("filtered (not PASS)", "\(c.filtered)")
        if !r.annotationSources.isEmpty { row("annotations", r.annotationSources.joined(separator: ", ")) }
        if c.genotypeCalls > 0 {
            let ploidy = c.ploidy.sorted { $0.key < $1.key }.map { "\($0.key)n: \($0.value)" }.joined(separator: ", ")
            row("genotype calls", "\(c.genotypeCalls) (\(ploidy)); missing \(c.missingCalls), half-calls \(c.halfCalls), phased \(c.phasedCalls)")
        }
        if let n = r.normalizationChanged { row("changed by norm", "\(n)") }
        if let m = r.refMismatches { row("REF mismatches", "\(m)") }
        if r.problems.isEmpty {
            out.append("  no problems found")
        } else {
            out.append("  problems:")
            for p in r.problems { out.append("    \(p.severity.rawValue): \(p.error)") }
            for (code, n) in r.problemCounts.sorted(by: { $0.key < $1.key }) {
                let listed = r.problems.filter { $0.error.code.name == code }.count
                if n > listed { out.append("    … and \(n - listed) more '\(code)' problems") }
            }
        }
        return out.joined(separator: "\n")
    }
}
