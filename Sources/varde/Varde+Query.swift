import ArgumentParser
import Foundation
import VariantCore
import VariantStore

extension Varde {
    /// `varde query --region`: variants and their population aggregates.
    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Variants in a region with AC, AN, AF and NHOMALT (germline, one sample per person).",
            discussion: """
                --region takes bcftools syntax: CHROM, CHROM:BEG-END or CHROM:BEG- (1-based, inclusive), comma-separated; \
                the chr prefix is accepted either way. Output (TSV): #CHROM POS ID REF ALT AC AN AF NHOMALT, then NHEMI \
                (hemizygous carriers) and TUMOURS (tumour samples carrying the variant, never part of AC/AN). Records \
                overlapping the region are reported, as 'bcftools view -r' does.
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Region(s) in bcftools syntax, e.g. 22:16050000-16060000 or chr7,8.") var region: String

        func validate() throws {
            do { _ = try Region.parseList(region) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            try await failing {
                let regions = try Region.parseList(region)
                let store = try storeOptions.open()
                var out = "#CHROM\tPOS\tID\tREF\tALT\tAC\tAN\tAF\tNHOMALT\tNHEMI\tTUMOURS\n"
                for r in regions {
                    for a in try store.aggregates(in: r) {
                        out += "\(a.contig)\t\(a.position)\t\(a.rsid ?? ".")\t\(a.ref)\t\(a.alt)\t\(a.ac)\t\(a.an)\t"
                        out += (a.af.map { "\($0)" } ?? ".") + "\t\(a.nHomAlt)\t\(a.nHemi)\t\(a.tumours)\n"
                        if out.utf8.count > 1 << 16 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
                    }
                }
                FileHandle.standardOutput.write(Data(out.utf8))
            }
        }
    }
}
