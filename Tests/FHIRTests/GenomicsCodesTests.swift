import FHIR
import Testing
import VariantCore

/// The pure parts: LOINC codes carry valid check digits, ids are RFC 4122 version-5 UUIDs, JSON is escaped and ordered.
@Suite struct GenomicsCodesTests {
    @Test("every LOINC code and answer in GenomicsCodes has the check digit LOINC's mod-10 rule gives")
    func checkDigits() throws {
        let named: [GenomicsCodes.Code] = [GenomicsCodes.geneticAnalysisReport, GenomicsCodes.variantAssessment, GenomicsCodes.present, GenomicsCodes.sequencing, GenomicsCodes.genomicRefSeq, GenomicsCodes.coordinateSystem, GenomicsCodes.exactStartEnd, GenomicsCodes.refAllele, GenomicsCodes.altAllele, GenomicsCodes.genomicHGVS, GenomicsCodes.codingHGVS, GenomicsCodes.proteinHGVS, GenomicsCodes.transcriptRefSeq, GenomicsCodes.geneStudied, GenomicsCodes.changeType, GenomicsCodes.sourceClass, GenomicsCodes.allelicState, GenomicsCodes.sampleVAF, GenomicsCodes.assembly, GenomicsCodes.chromosome, GenomicsCodes.variationCode, GenomicsCodes.zeroBasedInterval, GenomicsCodes.germline, GenomicsCodes.somatic, GenomicsCodes.heterozygous, GenomicsCodes.homozygous, GenomicsCodes.hemizygous,
                                           GenomicsCodes.assemblyAnswer(.grch37), GenomicsCodes.assemblyAnswer(.grch38)]
        var codes = named.map(\.code)
        codes += ((1...22).map(String.init) + ["X", "Y"]).compactMap { GenomicsCodes.chromosomeAnswer("chr\($0)")?.code }
        #expect(codes.count == 29 + 24)
        for code in codes {
            let parts = code.split(separator: "-")
            #expect(parts.count == 2)
            #expect(GenomicsCodes.checkDigit(String(parts[0])) == Int(parts[1]), "\(code)")
        }
        // The rule is not vacuous: a transposed code fails it.
        #expect(GenomicsCodes.checkDigit("48031") != 7)
        #expect(GenomicsCodes.chromosomeAnswer("MT") == nil)
        #expect(GenomicsCodes.chromosomeAnswer("chr3")?.code == "LA21256-5")
    }

    @Test("ids are RFC 4122 version-5 UUIDs: the published example, and the FHIR id rule")
    func uuid5() {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com")
        #expect(ResourceID.rfc4122DNS("www.example.com") == "2ed6657d-e927-568b-95e1-2665a8aea6a2")
        let a = ResourceID.make("Patient", "abc"), b = ResourceID.make("Patient", "abd")
        #expect(a != b)
        #expect(a == ResourceID.make("Patient", "abc"))
        #expect(a.count == 36 && a.allSatisfy { $0.isHexDigit || $0 == "-" })
    }

    @Test("JSON keeps key order, leaves out nil members and escapes quotes, backslashes and control characters")
    func json() {
        let v = JSONValue.obj([("b", .string("a\"b\\c\n\u{1}")), ("a", nil), ("z", .array([.int(1), .number("0.5"), .bool(true)]))])
        #expect(v.compact() == #"{"b":"a\"b\\c\n\u0001","z":[1,0.5,true]}"#)
        #expect(GenomicsMapper.fraction(80.0 / 254) == "0.315")
        #expect(GenomicsMapper.fraction(1) == "1")
        #expect(GenomicsMapper.fraction(0.1) == "0.1")
        #expect(GenomicsMapper.date("2021-03-04T10:00:00Z") == "2021-03-04")
        #expect(GenomicsMapper.date("2021-13-04") == nil)
    }
}
