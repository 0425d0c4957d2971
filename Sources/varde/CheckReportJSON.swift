import Foundation
import VCF
import VariantCore

/// The machine-readable `varde check --format json` report: an array with one object per file.
enum CheckReportJSON {
    static func render(_ reports: [CheckReport]) -> String {
        let objects: [[String: Any]] = reports.map { r in
            let c = r.counts
            var o: [String: Any] = [
                "path": r.path, "loadable": r.loadable, "format": r.format, "samples": r.samples.count,
                "records": c.records, "contigsDeclared": r.contigsDeclared, "contigsWithRecords": r.contigsWithRecords,
                "assembly": r.assembly.assembly?.rawValue ?? NSNull(),
                "counts": [
                    "snv": c.snv, "mnv": c.mnv, "indel": c.indel, "multiallelic": c.multiallelic, "symbolic": c.symbolic,
                    "breakend": c.breakend, "star": c.overlappingDeletion, "referenceBlocks": c.referenceBlocks,
                    "somaticFlagged": c.somaticFlagged, "filtered": c.filtered, "genotypeCalls": c.genotypeCalls,
                    "missingCalls": c.missingCalls, "halfCalls": c.halfCalls, "phasedCalls": c.phasedCalls,
                    "ploidy": Dictionary(uniqueKeysWithValues: c.ploidy.map { (String($0.key), $0.value) }),
                ],
                "problems": r.problems.map { p -> [String: Any] in
                    var e: [String: Any] = ["severity": p.severity.rawValue, "code": p.error.code.name, "message": p.error.message]
                    if let l = p.error.line { e["line"] = l }
                    if let l = p.error.locus { e["locus"] = l }
                    if let f = p.error.fix { e["fix"] = f }
                    return e
                },
                "problemCounts": r.problemCounts,
            ]
            if let t = r.tumourSample { o["tumourSample"] = t }
            if let n = r.normalSample { o["normalSample"] = n }
            if let n = r.normalizationChanged { o["normalizationChanged"] = n }
            if let m = r.refMismatches { o["refMismatches"] = m }
            return o
        }
        let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
