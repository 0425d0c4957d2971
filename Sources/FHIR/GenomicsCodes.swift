public import VariantCore

/// Code systems, profiles, LOINC codes and answers of the HL7 Genomics Reporting IG STU3 (3.0.0, FHIR R4 4.0.1),
/// as `../shared/spec/fhir-genomics.md` lists them (checked against the IG source). Displays are LOINC's, never
/// copied from the IG's examples (which carry known typos: spec §7 "Pitfalls").
public enum GenomicsCodes {
    public static let loinc = "http://loinc.org"
    public static let ucum = "http://unitsofmeasure.org"
    public static let hgvs = "http://varnomen.hgvs.org"
    public static let hgnc = "http://www.genenames.org"
    public static let ncbiGene = "http://www.ncbi.nlm.nih.gov/gene"
    public static let refSeq = "http://www.ncbi.nlm.nih.gov/refseq"
    public static let ensembl = "http://www.ensembl.org"
    public static let dbSNP = "http://www.ncbi.nlm.nih.gov/projects/SNP"
    public static let sequenceOntology = "http://www.sequenceontology.org"
    public static let observationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
    public static let v2DiagnosticService = "http://terminology.hl7.org/CodeSystem/v2-0074"
    public static let v2SpecimenType = "http://terminology.hl7.org/CodeSystem/v2-0487"
    public static let v3ObservationValue = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
    public static let icd10 = "http://hl7.org/fhir/sid/icd-10"
    public static let icdO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"

    static let profileBase = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
    /// STU3 renamed STU2's `genomics-report` to `genomic-report`.
    public static let genomicReportProfile = profileBase + "genomic-report"
    public static let variantProfile = profileBase + "variant"

    /// A LOINC code with its display.
    public struct Code: Sendable, Equatable {
        public var code: String
        public var display: String
        public init(_ code: String, _ display: String) {
            self.code = code
            self.display = display
        }
    }

    // Report and finding codes.
    public static let geneticAnalysisReport = Code("51969-4", "Genetic analysis report")
    public static let variantAssessment = Code("69548-6", "Genetic variant assessment")
    public static let present = Code("LA9633-4", "Present")
    public static let sequencing = Code("LA26398-0", "Sequencing")

    // Variant components (IG slice names in comments).
    public static let genomicRefSeq = Code("48013-7", "Genomic reference sequence [ID]")          // genomic-ref-seq
    public static let coordinateSystem = Code("92822-6", "Genomic coordinate system [Type]")      // coordinate-system
    public static let exactStartEnd = Code("81254-5", "Genomic allele start-end")                 // exact-start-end
    public static let refAllele = Code("69547-8", "Genomic ref allele [ID]")                      // ref-allele
    public static let altAllele = Code("69551-0", "Genomic alt allele [ID]")                      // alt-allele
    public static let genomicHGVS = Code("81290-9", "Genomic DNA change (gHGVS)")                 // genomic-hgvs
    public static let codingHGVS = Code("48004-6", "DNA change (c.HGVS)")                         // representative-coding-hgvs
    public static let proteinHGVS = Code("48005-3", "Amino acid change (pHGVS)")                  // representative-protein-hgvs
    public static let transcriptRefSeq = Code("51958-7", "Transcript reference sequence [ID]")   // representative-transcript-ref-seq
    public static let geneStudied = Code("48018-6", "Gene studied [ID]")                          // gene-studied
    public static let changeType = Code("48019-4", "DNA change type")                             // coding-change-type
    public static let sourceClass = Code("48002-0", "Genomic source class [Type]")                // genomic-source-class
    public static let allelicState = Code("53034-5", "Allelic state")                             // allelic-state
    public static let sampleVAF = Code("81258-6", "Sample variant allelic frequency [NFr]")        // sample-allelic-frequency
    public static let allelicReadDepth = Code("82121-5", "Allelic read depth")                      // allelic-read-depth
    /// UCUM unit of 82121-5, as LOINC gives it and the IG's examples write it.
    public static let readsUnit = "{reads}/{base}"
    public static let assembly = Code("62374-4", "Human reference sequence assembly version")     // reference-sequence-assembly
    public static let chromosome = Code("48000-4", "Chromosome [Identifier] in Blood or Tissue by Molecular genetics method") // chromosome-identifier
    public static let variationCode = Code("81252-9", "Discrete genetic variant")                 // variation-code

    // Answers.
    public static let zeroBasedInterval = Code("LA30100-4", "0-based interval counting")          // LL5323-2
    public static let germline = Code("LA6683-2", "Germline")                                      // LL378-1
    public static let somatic = Code("LA6684-0", "Somatic")
    public static let heterozygous = Code("LA6706-1", "Heterozygous")                              // LL381-5
    public static let homozygous = Code("LA6705-3", "Homozygous")
    public static let hemizygous = Code("LA6707-9", "Hemizygous")

    /// LL1040-6.
    public static func assemblyAnswer(_ a: Assembly) -> Code {
        a == .grch37 ? Code("LA14029-5", "GRCh37") : Code("LA26806-2", "GRCh38")
    }

    /// LL2938-0: chromosomes 1–22 are LA21254-0 … LA21275-5 (consecutive codes whose check digit LOINC computes),
    /// X LA21276-3, Y LA21277-1. `nil` for MT and contigs off the primary assembly.
    public static func chromosomeAnswer(_ contig: String) -> Code? {
        let chrom = Assembly.canonicalChromosome(contig)
        return chromosomeCodes[chrom].map { Code($0, "chromosome \(chrom)") }
    }

    static let chromosomeCodes: [String: String] = [
        "1": "LA21254-0", "2": "LA21255-7", "3": "LA21256-5", "4": "LA21257-3", "5": "LA21258-1", "6": "LA21259-9",
        "7": "LA21260-7", "8": "LA21261-5", "9": "LA21262-3", "10": "LA21263-1", "11": "LA21264-9", "12": "LA21265-6",
        "13": "LA21266-4", "14": "LA21267-2", "15": "LA21268-0", "16": "LA21269-8", "17": "LA21270-6", "18": "LA21271-4",
        "19": "LA21272-2", "20": "LA21273-0", "21": "LA21274-8", "22": "LA21275-5", "X": "LA21276-3", "Y": "LA21277-1",
    ]

    /// Sequence Ontology DNA change type (is-a SO:0002072) of a stored allele; `nil` for breakends and unknown symbols.
    public static func changeType(kind: String, alt: String) -> Code? {
        switch kind {
        case "snv": return Code("SO:0001483", "SNV")
        case "mnv": return Code("SO:0002007", "MNV")
        case "deletion": return Code("SO:0000159", "deletion")
        case "insertion": return Code("SO:0000667", "insertion")
        case "complex": return Code("SO:1000032", "delins")
        case "symbolic":
            let a = alt.uppercased()
            if a.hasPrefix("<DEL") { return Code("SO:0000159", "deletion") }
            if a.hasPrefix("<DUP") { return Code("SO:1000035", "duplication") }
            if a.hasPrefix("<INV") { return Code("SO:1000036", "inversion") }
            if a.hasPrefix("<INS") { return Code("SO:0000667", "insertion") }
            if a.hasPrefix("<CN") { return Code("SO:0001019", "copy_number_variation") }
            return nil
        default: return nil
        }
    }

    /// The check digit LOINC gives a code: the mod-10 (Luhn-style) sum of its number's digits from the right, every
    /// other one doubled starting with the rightmost. Answer codes (`LA…`) add a constant for the two letters: 2 for
    /// five digits, 5 for four (fits every answer the IG itself prints: LA30100-4, LA14029-5, LA9633-4, LA6683-2, …).
    /// A test uses it to prove no code in this file was mistyped.
    public static func checkDigit(_ code: String) -> Int? {
        let isAnswer = code.hasPrefix("LA")
        let digits = isAnswer ? String(code.dropFirst(2)) : code
        var sum = 0
        for (i, ch) in digits.reversed().enumerated() {
            guard let d = ch.wholeNumberValue else { return nil }
            if i % 2 == 0 {
                let x = d * 2
                sum += x / 10 + x % 10
            } else {
                sum += d
            }
        }
        if isAnswer { sum += digits.count % 2 == 1 ? 8 : 5 }
        return (10 - sum % 10) % 10
    }
}
