import ArgumentParser
import Foundation
import VCF
import VariantCore
import VariantQuery
import VariantStore

extension Varde {
    /// `varde query`: variants and their population aggregates, optionally within a cohort.
    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "query",
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
        @Option(help: "A gene symbol or alias, looked up in reference/genes.GRCh38.tsv or genes.GRCh37.tsv by the store's assembly, e.g. EGFR.") var gene: String?
        @Option(help: "A genomic HGVS on a RefSeq NC_ accession, e.g. NC_000007.14:g.140753336A>T (indels need --reference).") var hgvs: String?
        @Option(help: "What this sample carries (controlled data).") var sample: String?
        @Option(help: "What this person carries, all their samples (controlled data; needs the pseudonym secret).") var person: String?
        @Option(help: "A saved cohort's name, or a file of sample IDs or person keys (one per line): also count within it.") var cohort: String?
        @Option(name: .customLong("cohort-where"), help: "Cohort by manifest field, KEY=VALUE (repeatable, all must hold), e.g. diagnosis=C34 or role=tumour.")
        var cohortWhere: [String] = []
        @Option(help: "Output: tsv, json (one object per line) or vcf (VCF 4.2 sites with INFO AC/AN/AF/NHOMALT).") var format: QueryOutput.Format = .tsv
        @Option(name: .customLong("min-af"), help: "Only variants with population AF at least this.") var minAF: Double?
        @Option(name: .customLong("max-af"), help: "Only variants with population AF at most this.") var maxAF: Double?
        @Option(help: "Only this variant type: snv, mnv, indel or sv (symbolic and breakend alleles).") var type: Filters.VariantType?
        @Option(help: "germline (carried by a counted germline sample) or somatic (carried by a tumour).") var origin: Filters.Origin?

        @Flag(name: .customLong("pass-only"), help: "Only variants whose every loaded record had FILTER PASS (or '.').") var passOnly = false
        @Option(help: "Only variants with one of these consequence terms in their CSQ/ANN (comma-separated), e.g. missense_variant,stop_gained.")
        var consequence: String?
        @Flag(help: "With --format vcf and a cohort: a GT column per cohort sample.") var genotypes = false
        @Option(name: .customLong("secret-file"), help: "File holding the pseudonym secret (for person keys in --cohort).") var secretFile: String?
        @Option(name: .shortAndLong, help: "Reference FASTA: needed to 3′-shift indels in HGVSG (SNVs and delins do without).") var reference: String?

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
            if genotypes && (format != .vcf || (cohort == nil && cohortWhere.isEmpty)) {
                throw ValidationError("--genotypes needs --format vcf and a cohort (--cohort or --cohort-where): whose genotypes to print")
            }
        }

        func run() async throws {
            try await failing {
                let fasta = try reference.map { try ReferenceGenome(path: $0) }
                let query = try VariantQuery(store: try storeOptions.open(), reference: fasta)
                if sample != nil || person != nil {
                    var out = QueryOutput.carriedHeader
                    for c in try query.store.carried(by: try query.ordinals(sample: sample, person: person, secretFile: secretFile)) {
                        out += QueryOutput.carriedRow(c)
                    }
                    FileHandle.standardOutput.write(Data(out.utf8))
                    return
                }
                let members = try query.cohortMembers(file: cohort, conditions: cohortWhere, secretFile: secretFile)
                let terms = consequence.map { Set($0.split(separator: ",").map { $0.trimmingWhitespace() }) }
                let rows = try query.variants(try selector(), cohort: members,
                                              filters: Filters(minAF: minAF, maxAF: maxAF, type: type, origin: origin,
                                                               passOnly: passOnly, consequences: terms))
                // --genotypes: the cohort's samples in ordinal (load) order, their GTs fetched per 1,000 rows.
                let gtSamples = genotypes ? try query.store.samples().filter { members?.contains($0.ordinal) == true } : []
                var out: [UInt8] = []
                out.reserveCapacity(1 << 20)
                let somatic = origin == .somatic
                out += try QueryOutput.header(format, store: query.store, cohort: members != nil, genotypeSamples: gtSamples.map(\.name),
                                              somatic: somatic).utf8
                // --origin somatic: each row's tumours by VAF and by diagnosis.
                let summaries = somatic ? try SomaticSummaries.summaries(rows, store: query.store) : []
                // Breakend pairs, joined back from their ALTs (what MATEID linked in the file).
                let mates = try query.mates(of: rows)
                var gts: [[String]] = []
                let concepts = try QueryConcepts(store: query.store, assembly: query.assembly, reference: fasta)
                if fasta == nil, concepts.mapper == nil, !genotypes, !somatic {
                    // Rows that print without the store or a FASTA (no concepts to look up, SNV-style HGVS): the two
                    // halves of every 16,384 formatted at once, then written in order.
                    var second: [UInt8] = []
                    second.reserveCapacity(1 << 20)
                    func formatRows(_ part: ArraySlice<VariantAggregate>, _ buffer: inout [UInt8]) {
                        let hgvsg = query.hgvsgDescriber()
                        for a in part { QueryOutput.append(format, a, hgvsg: format == .vcf ? nil : hgvsg(a), mate: mates[a.variantID], to: &buffer) }
                    }
                    for start in stride(from: 0, to: rows.count, by: 16_384) {
                        let end = min(rows.count, start + 16_384), middle = (start + end) / 2
                        inParallel({ formatRows(rows[start..<middle], &out) }, { formatRows(rows[middle..<end], &second) })
                        try writeStandardOutput(out)
                        try writeStandardOutput(second)
                        out.removeAll(keepingCapacity: true)
                        second.removeAll(keepingCapacity: true)
                    }
                } else {
                    for (i, a) in rows.enumerated() {
                        if genotypes && i % 1000 == 0 {
                            gts = try query.store.genotypes(at: rows[i..<min(rows.count, i + 1000)].map(\.variantID), samples: gtSamples.map(\.ordinal))
                        }
                        let hgvsg = format == .vcf ? nil : query.hgvsg(a)
                        QueryOutput.append(format, a, hgvsg: hgvsg, conceptID: format == .vcf ? nil : try concepts.conceptID(a, hgvsg: hgvsg),
                                           genotypes: genotypes ? gts[i % 1000] : nil, somatic: somatic ? summaries[i] : nil,
                                           mate: mates[a.variantID], to: &out)
                        if out.count > 1 << 19 { try writeStandardOutput(out); out.removeAll(keepingCapacity: true) }
                    }
                }
                try writeStandardOutput(out)
            }
        }

        func selector() throws -> Selector {
            if let region { return .regions(try Region.parseList(region)) }
            if let regionsFile { return .regions(try VariantQuery.bed(regionsFile)) }
            if let gene { return .gene(gene) }
            if let hgvs { return .hgvs(hgvs) }
            if let variant { return .variant(try VariantID(parsing: variant)) }
            return .rsid(rsid!)
        }
    }
}

extension QueryOutput.Format: ExpressibleByArgument {}
extension Filters.VariantType: ExpressibleByArgument {}
extension Filters.Origin: ExpressibleByArgument {}
