import ArgumentParser
import Foundation
import Loader
import VCF
import VariantCore
import VariantStore

extension Varde {
    /// `varde query`: variants and their population aggregates, optionally within a cohort.
    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Variants by region, variant ID or rsID with AC, AN, AF and NHOMALT; with --cohort, also within the cohort.",
            discussion: """
                Selectors (one): --region in bcftools syntax (CHROM, CHROM:BEG-END, CHROM:BEG-; 1-based, inclusive; \
                comma-separated; the chr prefix accepted either way; records overlapping the region are reported, as \
                'bcftools view -r'), --variant 22-16050075-A-G (gnomAD style), --rsid rs587697622, or (controlled data) \
                --sample ID / --person KEY: what they carry, with SAMPLE and ZYGOSITY (het, homAlt, hemizygous) columns.
                TSV columns: #CHROM POS ID REF ALT AC AN AF NHOMALT, then with --cohort COHORT_AC COHORT_AN COHORT_AF \
                COHORT_NHOMALT, then NHEMI (hemizygous carriers), TUMOURS (tumour samples carrying the variant, never \
                part of AC/AN) and HGVSG (genomic HGVS on RefSeq NC_ accessions as the OMOP Genomic vocabulary writes it; \
                indels need --reference for the 3′ shift, '.' otherwise). Counts cover germline samples of people not \
                erased, one sample per person.
                --cohort FILE lists sample IDs or person keys, one per line (person keys need the pseudonym secret).
                Filters: --min-af/--max-af (population AF), --type snv|mnv|indel|sv, --origin germline|somatic.
                JSON (--format json): one object per line with the same fields in camelCase: chrom, pos, id, ref, alt, \
                variantId, ac, an, af, nhomalt, nhemi, tumours, hgvsg and, with a cohort, cohort {ac, an, af, nhomalt}.
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Region(s) in bcftools syntax, e.g. 22:16050000-16060000 or chr7,8.") var region: String?
        @Option(name: .customLong("regions-file"), help: "BED file of regions (0-based, half-open, as BED is).") var regionsFile: String?
        @Option(help: "A variant in gnomAD style, e.g. 22-16050075-A-G.") var variant: String?
        @Option(help: "A dbSNP ID, e.g. rs587697622.") var rsid: String?
        @Option(help: "A gene symbol or alias (GRCh38 stores; table in reference/genes.GRCh38.tsv), e.g. EGFR.") var gene: String?
        @Option(help: "A genomic HGVS on a RefSeq NC_ accession, e.g. NC_000007.14:g.140753336A>T (indels need --reference).") var hgvs: String?
        @Option(help: "What this sample carries (controlled data).") var sample: String?
        @Option(help: "What this person carries, all their samples (controlled data; needs the pseudonym secret).") var person: String?
        @Option(help: "A saved cohort's name, or a file of sample IDs or person keys (one per line): also count within it.") var cohort: String?
        @Option(name: .customLong("cohort-where"), help: "Cohort by manifest field, KEY=VALUE (repeatable, all must hold), e.g. diagnosis=C34 or role=tumour.")
        var cohortWhere: [String] = []
        @Option(help: "Output: tsv, json (one object per line) or vcf (VCF 4.2 sites with INFO AC/AN/AF/NHOMALT).") var format: QueryFormat = .tsv
        @Option(name: .customLong("min-af"), help: "Only variants with population AF at least this.") var minAF: Double?
        @Option(name: .customLong("max-af"), help: "Only variants with population AF at most this.") var maxAF: Double?
        @Option(help: "Only this variant type: snv, mnv, indel or sv (symbolic and breakend alleles).") var type: VariantType?
        @Option(help: "germline (carried by a counted germline sample) or somatic (carried by a tumour).") var origin: Origin?

        enum VariantType: String, ExpressibleByArgument {
            case snv, mnv, indel, sv
            func matches(_ kind: String) -> Bool {
                switch self {
                case .snv: kind == "snv"
                case .mnv: kind == "mnv"
                case .indel: kind == "insertion" || kind == "deletion" || kind == "complex"
                case .sv: kind == "symbolic" || kind == "breakend"
                }
            }
        }
        enum Origin: String, ExpressibleByArgument { case germline, somatic }
        @Option(name: .customLong("secret-file"), help: "File holding the pseudonym secret (for person keys in --cohort).") var secretFile: String?
        @Option(name: .shortAndLong, help: "Reference FASTA: needed to 3′-shift indels in HGVSG (SNVs and delins do without).") var reference: String?

        enum QueryFormat: String, ExpressibleByArgument { case tsv, json, vcf }

        func validate() throws {
            for (name, v) in [("--min-af", minAF), ("--max-af", maxAF)] where v.map({ !(0...1).contains($0) }) == true {
                throw ValidationError("\(name) must be between 0 and 1")
            }
            guard [region, regionsFile, variant, rsid, hgvs, gene, sample, person].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give exactly one selector: --region, --regions-file, --gene, --variant, --rsid, --hgvs, --sample or --person")
            }
            for w in cohortWhere where !w.contains("=") { throw ValidationError("--cohort-where takes KEY=VALUE, e.g. diagnosis=C34") }
            if let region { do { _ = try Region.parseList(region) } catch { throw ValidationError(error.description) } }
            if let variant { do { _ = try VariantID(parsing: variant) } catch { throw ValidationError(error.description) } }
        }

        func run() async throws {
            try await failing {
                let store = try storeOptions.open()
                let members = try Self.cohortMembers(file: cohort, conditions: cohortWhere, store: store, secretFile: secretFile)
                var rows: [VariantAggregate] = []
                if sample != nil || person != nil {
                    var ordinals = Set<UInt32>()
                    if let sample {
                        guard let o = try store.ordinals(samples: [sample])[sample] else {
                            throw LoadError("sample \(sample) is not in the store", fix: "list samples with 'varde samples'")
                        }
                        ordinals.insert(o)
                    } else if let person {
                        let p = try Pseudonymizer.fromEnvironment(file: secretFile).pseudonym(person)
                        guard let os = try store.ordinals(pseudonyms: [p])[p] else {
                            throw LoadError("no sample of that person is in the store", fix: "check the person key and the pseudonym secret")
                        }
                        ordinals.formUnion(os)
                    }
                    var out = "#CHROM\tPOS\tID\tREF\tALT\tAC\tAN\tAF\tNHOMALT\tNHEMI\tTUMOURS\tSAMPLE\tZYGOSITY\n"
                    for c in try store.carried(by: ordinals) {
                        let a = c.variant
                        out += "\(a.contig)\t\(a.position)\t\(a.rsid ?? ".")\t\(a.ref)\t\(a.alt)\t\(a.ac)\t\(a.an)\t\(Self.af(a.af))\t\(a.nHomAlt)\t\(a.nHemi)\t\(a.tumours)\t\(c.sample)\t\(c.zygosity.rawValue)\n"
                    }
                    FileHandle.standardOutput.write(Data(out.utf8))
                    return
                }
                if let region {
                    for r in try Region.parseList(region) { rows += try store.aggregates(in: r, cohort: members) }
                } else if let regionsFile {
                    for r in try Self.bed(regionsFile) { rows += try store.aggregates(in: r, cohort: members) }
                } else if let gene {
                    for r in try GeneTable.regions(for: gene, assembly: try store.assembly()) {
                        rows += try store.aggregates(in: r, cohort: members)
                    }
                } else if let hgvsText = self.hgvs {
                    rows = try Self.byHGVS(hgvsText, store: store, reference: reference, cohort: members)
                } else {
                    let ids: [VariantID] = try variant.map { [try VariantID(parsing: $0)] } ?? (try store.variants(rsid: rsid!))
                    for id in ids {
                        let (pos, ref, alt) = Self.trimmed(id.position, id.ref, id.alt)
                        rows += try store.aggregates(in: Region(contig: id.contig, start: pos, end: pos), cohort: members)
                            .filter { $0.position == pos && $0.ref == ref && $0.alt == alt }
                    }
                }
                rows = rows.filter { a in
                    if let minAF, (a.af ?? 0) < minAF { return false }
                    if let maxAF, (a.af ?? 0) > maxAF { return false }
                    if let type, !type.matches(a.kind) { return false }
                    switch origin {
                    case .germline?: return a.ac > 0
                    case .somatic?: return a.tumours > 0
                    case nil: return true
                    }
                }
                let assembly = try store.assembly()
                let fasta = try reference.map { try ReferenceGenome(path: $0) }
                func hgvsOf(_ a: VariantAggregate) -> String? {
                    guard let assembly else { return nil }
                    let contig = fasta.map { f in [a.contig, Assembly.canonicalChromosome(a.contig), "chr" + Assembly.canonicalChromosome(a.contig)]
                        .first { f.hasContig($0) } } ?? nil
                    let lookup: GenomicHGVS.Reference? = fasta.flatMap { f in contig.map { c in { s, e in f.bases(c, s, e) } } }
                    return GenomicHGVS.describe(assembly: assembly, contig: a.contig, position: a.position, ref: a.ref, alt: a.alt,
                                                reference: lookup)
                }
                var out: String
                switch format {
                case .tsv:
                    out = "#CHROM\tPOS\tID\tREF\tALT\tAC\tAN\tAF\tNHOMALT" + (members != nil ? "\tCOHORT_AC\tCOHORT_AN\tCOHORT_AF\tCOHORT_NHOMALT" : "") + "\tNHEMI\tTUMOURS\tHGVSG\n"
                case .json: out = ""
                case .vcf: out = try Self.vcfHeader(store: store, assembly: assembly, cohort: members != nil)
                }
                for a in rows {
                    switch format {
                    case .tsv: out += Self.tsv(a, hgvs: hgvsOf(a))
                    case .json: out += Self.json(a, hgvs: hgvsOf(a))
                    case .vcf: out += Self.vcf(a)
                    }
                    if out.utf8.count > 1 << 16 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
                }
                FileHandle.standardOutput.write(Data(out.utf8))
            }
        }

        /// The cohort a file (or saved name) and KEY=VALUE manifest conditions select together; `nil` for neither.
        static func cohortMembers(file: String?, conditions: [String], store: any VariantStore, secretFile: String?) throws -> Set<UInt32>? {
            var members = try file.map { try resolveCohort($0, store: store, secretFile: secretFile) }
            for w in conditions {
                let parts = w.split(separator: "=", maxSplits: 1).map(String.init)
                let matched = try store.ordinals(whereField: parts[0], equals: parts.count > 1 ? parts[1] : "")
                members = members.map { $0.intersection(matched) } ?? matched
            }
            return members
        }

        /// Sample names map to themselves; anything else is taken as a person key and pseudonymised.
        static func resolveCohort(_ path: String, store: any VariantStore, secretFile: String?) throws -> Set<UInt32> {
            // A saved cohort's name, unless a file of that name exists.
            if !FileManager.default.fileExists(atPath: path), let saved = try store.cohort(named: path) { return saved }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LoadError(path: path, "cannot read the cohort file", fix: "check the path")
            }
            let entries = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingWhitespace() }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
            var members = Set<UInt32>()
            let bySample = try store.ordinals(samples: entries)
            members.formUnion(bySample.values)
            let rest = entries.filter { bySample[$0] == nil }
            if !rest.isEmpty {
                let p = try Pseudonymizer.fromEnvironment(file: secretFile)
                let byPerson = try store.ordinals(pseudonyms: rest.map(p.pseudonym))
                for (k, key) in rest.enumerated() {
                    guard let o = byPerson[p.pseudonym(key)] else {
                        throw LoadError(path: path, line: nil, "'\(key)' is neither a sample nor a person in the store (entry \(k + 1) of those not found as samples)",
                                        fix: "list sample IDs or person keys, one per line")
                    }
                    members.formUnion(o)
                }
            }
            return members
        }

        static func trimmed(_ pos: Int, _ ref: String, _ alt: String) -> (Int, String, String) {
            var r = Array(ref), a = Array(alt), p = pos
            while r.count > 1, a.count > 1, r.last == a.last { r.removeLast(); a.removeLast() }
            while r.count > 1, a.count > 1, r.first == a.first { r.removeFirst(); a.removeFirst(); p += 1 }
            return (p, String(r), String(a))
        }

        static func af(_ v: Double?) -> String { v.map { "\($0)" } ?? "." }

        /// Finds the stored variant whose canonical genomic HGVS equals `text`: candidates near its position are
        /// described the same way (3′-shifted against `reference`) and compared as strings.
        static func byHGVS(_ text: String, store: any VariantStore, reference: String?, cohort: Set<UInt32>?) throws -> [VariantAggregate] {
            let query = text.trimmingWhitespace()
            let parts = query.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[1].hasPrefix("g.") || parts[1].hasPrefix("m."),
                  let position = Int(parts[1].dropFirst(2).prefix { $0.isNumber }), position > 0 else {
                throw ValidationError("cannot read '\(text)' as genomic HGVS: write ACCESSION:g.POSITIONchange, e.g. NC_000007.14:g.140753336A>T")
            }
            guard let assembly = try store.assembly() else { return [] }
            let chromosomes = (1...22).map(String.init) + ["X", "Y", "MT"]
            guard let chrom = chromosomes.first(where: { GenomicHGVS.accession(assembly: assembly, contig: $0) == parts[0] }) else {
                throw LoadError("\(parts[0]) is not a chromosome accession of \(assembly.rawValue), the store's assembly",
                                fix: "use the NC_ accession of the store's assembly (e.g. NC_000007.14 on GRCh38, NC_000007.13 on GRCh37)")
            }
            let isIndel = ["del", "ins", "dup"].contains { parts[1].contains($0) } && !parts[1].contains("delins")
            if isIndel && reference == nil {
                throw LoadError("'\(text)' is an indel: finding it needs the reference to shift alleles the way HGVS does",
                                fix: "add --reference FASTA")
            }
            let fasta = try reference.map { try ReferenceGenome(path: $0) }
            var out: [VariantAggregate] = []
            let window = Region(contig: chrom, start: max(1, position - 500), end: position + 500)
            for a in try store.aggregates(in: window, cohort: cohort) {
                let contig = fasta.flatMap { f in [a.contig, chrom, "chr" + chrom].first { f.hasContig($0) } }
                let lookup: GenomicHGVS.Reference? = fasta.flatMap { f in contig.map { c in { s, e in f.bases(c, s, e) } } }
                if GenomicHGVS.describe(assembly: assembly, contig: a.contig, position: a.position, ref: a.ref, alt: a.alt,
                                        reference: lookup) == query {
                    out.append(a)
                }
            }
            return out
        }

        /// BED: 0-based start, exclusive end; `#`, `track` and `browser` lines skipped.
        static func bed(_ path: String) throws -> [Region] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LoadError(path: path, "cannot read the BED file", fix: "check the path")
            }
            var out: [Region] = []
            for (i, line) in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
                if line.hasPrefix("#") || line.hasPrefix("track") || line.hasPrefix("browser") || line.isEmpty { continue }
                let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
                guard f.count >= 3, let start = Int(f[1]), let end = Int(f[2]), start >= 0, end > start else {
                    throw LoadError(path: path, line: i + 1, "expected CHROM, START, END (0-based, half-open) with END > START",
                                    fix: "write BED lines like: chr7<TAB>55019016<TAB>55211628")
                }
                out.append(Region(contig: String(f[0]), start: start + 1, end: end))
            }
            return out
        }

        static func vcfHeader(store: any VariantStore, assembly: Assembly?, cohort: Bool) throws -> String {
            var h = "##fileformat=VCFv4.2\n##source=varde\n"
            if let assembly { h += "##reference=\(assembly.rawValue)\n" }
            for c in try store.contigs() {
                h += "##contig=<ID=\(c.name)" + (c.length.map { ",length=\($0)" } ?? "") + ">\n"
            }
            h += """
                ##INFO=<ID=AC,Number=A,Type=Integer,Description="Alternate allele count (germline, one sample per person)">
                ##INFO=<ID=AN,Number=1,Type=Integer,Description="Total number of called alleles">
                ##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency, AC/AN">
                ##INFO=<ID=NHOMALT,Number=A,Type=Integer,Description="Homozygous-alternate samples">
                ##INFO=<ID=NHEMI,Number=A,Type=Integer,Description="Hemizygous carriers">
                ##INFO=<ID=TUMOURS,Number=A,Type=Integer,Description="Tumour samples carrying the allele (not in AC/AN)">
                ##INFO=<ID=END,Number=1,Type=Integer,Description="End position of a symbolic allele">

                """
            if cohort {
                h += """
                    ##INFO=<ID=COHORT_AC,Number=A,Type=Integer,Description="AC within the cohort">
                    ##INFO=<ID=COHORT_AN,Number=1,Type=Integer,Description="AN within the cohort">
                    ##INFO=<ID=COHORT_AF,Number=A,Type=Float,Description="AF within the cohort">
                    ##INFO=<ID=COHORT_NHOMALT,Number=A,Type=Integer,Description="NHOMALT within the cohort">

                    """
            }
            return h + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        }

        static func vcf(_ a: VariantAggregate) -> String {
            var info = "AC=\(a.ac);AN=\(a.an)"
            if let af = a.af { info += ";AF=\(af)" }
            info += ";NHOMALT=\(a.nHomAlt);NHEMI=\(a.nHemi);TUMOURS=\(a.tumours)"
            if let c = a.cohort {
                info += ";COHORT_AC=\(c.ac);COHORT_AN=\(c.an)" + (c.af.map { ";COHORT_AF=\($0)" } ?? "") + ";COHORT_NHOMALT=\(c.nHomAlt)"
            }
            if a.kind == "symbolic" && a.end > a.position { info += ";END=\(a.end)" }
            return "\(a.contig)\t\(a.position)\t\(a.rsid ?? ".")\t\(a.ref)\t\(a.alt)\t.\t.\t\(info)\n"
        }

        static func tsv(_ a: VariantAggregate, hgvs: String?) -> String {
            var s = "\(a.contig)\t\(a.position)\t\(a.rsid ?? ".")\t\(a.ref)\t\(a.alt)\t\(a.ac)\t\(a.an)\t\(af(a.af))\t\(a.nHomAlt)"
            if let c = a.cohort { s += "\t\(c.ac)\t\(c.an)\t\(af(c.af))\t\(c.nHomAlt)" }
            return s + "\t\(a.nHemi)\t\(a.tumours)\t\(hgvs ?? ".")\n"
        }

        static func json(_ a: VariantAggregate, hgvs: String?) -> String {
            var o: [String: Any] = ["chrom": a.contig, "pos": a.position, "id": a.rsid ?? NSNull(), "ref": a.ref, "alt": a.alt,
                                    "variantId": a.variantID.description, "ac": a.ac, "an": a.an, "af": a.af ?? NSNull(),
                                    "nhomalt": a.nHomAlt, "nhemi": a.nHemi, "tumours": a.tumours, "hgvsg": hgvs ?? NSNull()]
            if let c = a.cohort { o["cohort"] = ["ac": c.ac, "an": c.an, "af": c.af ?? NSNull(), "nhomalt": c.nHomAlt] as [String: Any] }
            let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }
}
