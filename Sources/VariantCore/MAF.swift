/// Mutation Annotation Format (GDC/TCGA MAF 2.4 and cBioPortal's flavour): column names, allele and
/// coordinate conventions, and Variant_Classification from a Sequence Ontology consequence, as MSKCC's
/// vcf2maf assigns it (its `GetVariantClassification`; checked against vcf2maf's own expected MAFs).
public enum MAF {
    /// The columns `varde export maf` writes, in order: cBioPortal's mutation-data columns (its
    /// file-formats page: the MAF 2.4 core, HGVSp_Short, t_/n_ counts) in GDC MAF order.
    public static let exportColumns = [
        "Hugo_Symbol", "Entrez_Gene_Id", "Center", "NCBI_Build", "Chromosome", "Start_Position", "End_Position", "Strand",
        "Variant_Classification", "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "dbSNP_RS",
        "dbSNP_Val_Status", "Tumor_Sample_Barcode", "Matched_Norm_Sample_Barcode", "Match_Norm_Seq_Allele1", "Match_Norm_Seq_Allele2",
        "Validation_Status", "Mutation_Status", "Sequencer", "HGVSc", "HGVSp", "HGVSp_Short", "Transcript_ID",
        "t_depth", "t_ref_count", "t_alt_count", "n_depth", "n_ref_count", "n_alt_count", "Consequence", "FILTER", "t_vaf",
    ]

    /// Columns without which a MAF row cannot become a stored call.
    public static let requiredImportColumns = ["Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode"]

    /// cBioPortal's Variant_Classification values (MAF 2.4 plus vcf2maf's additions).
    public static let classifications: Set<String> = [
        "Frame_Shift_Del", "Frame_Shift_Ins", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation", "Nonsense_Mutation", "Silent",
        "Splice_Site", "Translation_Start_Site", "Nonstop_Mutation", "3'UTR", "3'Flank", "5'UTR", "5'Flank", "IGR", "Intron", "RNA",
        "Targeted_Region", "Splice_Region", "De_novo_Start_InFrame", "De_novo_Start_OutOfFrame", "Unknown",
    ]

    /// The SO consequences in order of severity (most severe first), Ensembl's order as vcf2maf ranks them.
    public static let severity: [String] = [
        "transcript_ablation", "exon_loss_variant", "splice_donor_variant", "splice_acceptor_variant", "stop_gained",
        "frameshift_variant", "stop_lost", "start_lost", "initiator_codon_variant", "disruptive_inframe_insertion",
        "disruptive_inframe_deletion", "inframe_insertion", "inframe_deletion", "protein_altering_variant", "missense_variant",
        "conservative_missense_variant", "rare_amino_acid_variant", "transcript_amplification", "splice_region_variant",
        "start_retained_variant", "stop_retained_variant", "synonymous_variant", "incomplete_terminal_codon_variant",
        "coding_sequence_variant", "mature_miRNA_variant", "exon_variant", "5_prime_UTR_variant",
        "5_prime_UTR_premature_start_codon_gain_variant", "3_prime_UTR_variant", "non_coding_exon_variant",
        "non_coding_transcript_exon_variant", "non_coding_transcript_variant", "nc_transcript_variant", "intron_variant",
        "intragenic_variant", "INTRAGENIC", "NMD_transcript_variant", "upstream_gene_variant", "downstream_gene_variant",
        "TFBS_ablation", "TFBS_amplification", "TF_binding_site_variant", "regulatory_region_ablation",
        "regulatory_region_amplification", "regulatory_region_variant", "regulatory_region", "feature_elongation",
        "feature_truncation", "intergenic_variant", "intergenic_region",
    ]
    static let rank: [String: Int] = Dictionary(uniqueKeysWithValues: severity.enumerated().map { ($1, $0) })

    /// The most severe of `terms` (unknown terms rank last).
    public static func mostSevere(_ terms: [String]) -> String? {
        terms.min { (rank[$0] ?? Int.max) < (rank[$1] ?? Int.max) }
    }

    /// SNP, DNP, TNP, ONP, INS or DEL for MAF alleles (`-` for none).
    public static func variantType(ref: String, alt: String) -> String {
        if ref == "-" || ref.count < alt.count && alt != "-" { return "INS" }
        if alt == "-" || alt.count < ref.count { return "DEL" }
        switch ref.count {
        case 1: return "SNP"
        case 2: return "DNP"
        case 3: return "TNP"
        default: return "ONP"
        }
    }

    /// Variant_Classification of a variant whose most severe consequence is `effect`.
    /// `inframe`: the indel's length change is a multiple of 3.
    public static func classification(effect: String?, variantType: String, inframe: Bool) -> String {
        guard let e = effect, !e.isEmpty else { return "Targeted_Region" }
        let indelType = variantType == "DEL" || variantType == "INS"
        switch e {
        case "splice_acceptor_variant", "splice_donor_variant", "transcript_ablation", "exon_loss_variant": return "Splice_Site"
        case "stop_gained": return "Nonsense_Mutation"
        case "frameshift_variant" where variantType == "DEL": return "Frame_Shift_Del"
        case "frameshift_variant" where variantType == "INS": return "Frame_Shift_Ins"
        case "protein_altering_variant" where indelType && !inframe: return variantType == "DEL" ? "Frame_Shift_Del" : "Frame_Shift_Ins"
        case "stop_lost": return "Nonstop_Mutation"
        case "initiator_codon_variant", "start_lost": return "Translation_Start_Site"
        case "inframe_insertion", "disruptive_inframe_insertion": return "In_Frame_Ins"
        case "inframe_deletion", "disruptive_inframe_deletion": return "In_Frame_Del"
        case "protein_altering_variant" where indelType && inframe: return variantType == "DEL" ? "In_Frame_Del" : "In_Frame_Ins"
        case "missense_variant", "coding_sequence_variant", "conservative_missense_variant", "rare_amino_acid_variant": return "Missense_Mutation"
        case "transcript_amplification", "intron_variant", "INTRAGENIC", "intragenic_variant": return "Intron"
        case "splice_region_variant": return "Splice_Region"
        case "incomplete_terminal_codon_variant", "synonymous_variant", "stop_retained_variant", "NMD_transcript_variant": return "Silent"
        case "mature_miRNA_variant", "exon_variant", "non_coding_exon_variant", "non_coding_transcript_exon_variant",
             "non_coding_transcript_variant", "nc_transcript_variant": return "RNA"
        case "5_prime_UTR_variant", "5_prime_UTR_premature_start_codon_gain_variant": return "5'UTR"
        case "3_prime_UTR_variant": return "3'UTR"
        case "TF_binding_site_variant", "regulatory_region_variant", "regulatory_region", "intergenic_variant", "intergenic_region": return "IGR"
        case "upstream_gene_variant": return "5'Flank"
        case "downstream_gene_variant": return "3'Flank"
        default: return "Targeted_Region"
        }
    }

    /// MAF coordinates and alleles of a VCF-style allele pair (1-based POS): the shared leading base is
    /// dropped, `-` stands for an empty allele; an insertion spans the two bases around it.
    public static func alleles(position: Int, ref: String, alt: String) -> (start: Int, end: Int, ref: String, alt: String) {
        var r = Substring(ref), a = Substring(alt), start = position
        while let x = r.first, let y = a.first, x == y, r.count > 0, a.count > 0, (r.count > 1 || a.count > 1) {
            r = r.dropFirst(); a = a.dropFirst(); start += 1
        }
        if r.isEmpty { return (start - 1, start, "-", String(a)) }
        if a.isEmpty { return (start, start + r.count - 1, String(r), "-") }
        return (start, start + r.count - 1, String(r), String(a))
    }

    /// `p.Gly12Cys` → `p.G12C` (HGVSp_Short), keeping a leading transcript/protein ID out.
    public static func shortProtein(_ hgvsp: String) -> String {
        let p = hgvsp.split(separator: ":").last.map(String.init) ?? hgvsp
        let three: [String: String] = ["Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G",
                                       "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S",
                                       "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*", "Sec": "U", "Xaa": "X"]
        var out = "", i = p.startIndex
        while i < p.endIndex {
            if p.distance(from: i, to: p.endIndex) >= 3, let s = three[String(p[i..<p.index(i, offsetBy: 3)])] {
                out += s; i = p.index(i, offsetBy: 3)
            } else {
                out.append(p[i]); i = p.index(after: i)
            }
        }
        return out.replacing("%3D", with: "=")
    }
}
