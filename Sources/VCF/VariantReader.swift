internal import CHTSlib
public import VariantCore

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// What to decode from each record. FORMAT decoding is the expensive part on cohort files, so callers
/// that only need sites turn it off.
public struct ReadOptions: Sendable, Equatable {
    public var genotypes: Bool
    /// FORMAT DP, GQ, AD and AF.
    public var sampleValues: Bool
    /// VEP `CSQ` / SnpEff `ANN`.
    public var annotations: Bool
    /// BGZF decompression threads (htslib `hts_set_threads`); 0 for none.
    public var decompressionThreads: Int

    public init(genotypes: Bool = true, sampleValues: Bool = true, annotations: Bool = true, decompressionThreads: Int = 0) {
        self.genotypes = genotypes
        self.sampleValues = sampleValues
        self.annotations = annotations
        self.decompressionThreads = decompressionThreads
    }
}

/// A streaming reader of VCF, bgzipped VCF and BCF through htslib. Memory stays flat: one record is
/// decoded at a time into an owned ``Variant``.
///
/// Not `Sendable`: a reader owns htslib handles and belongs to one task. Open one per worker.
public final class VariantReader {
    public let path: String
    public let header: VCFHeader
    public let options: ReadOptions
    /// Is the file text VCF (plain or bgzipped), as opposed to BCF?
    public let isText: Bool

    private let file: UnsafeMutablePointer<htsFile>
    private let hdr: UnsafeMutablePointer<bcf_hdr_t>
    private let rec: UnsafeMutablePointer<bcf1_t>
    private let sampleCount: Int
    /// Number of header lines in a text VCF, so that record k sits on line `headerLines + k`.
    private let headerLines: Int
    private(set) var recordsRead = 0
    private var lastLocus: String?

    // Reused htslib output buffers (htslib reallocs them; freed in deinit).
    private var gtBuffer: UnsafeMutablePointer<Int32>? = nil
    private var gtCapacity: Int32 = 0
    private var intBuffer: UnsafeMutablePointer<Int32>? = nil
    private var intCapacity: Int32 = 0
    private var floatBuffer: UnsafeMutablePointer<Float>? = nil
    private var floatCapacity: Int32 = 0
    private var stringBuffer: UnsafeMutablePointer<CChar>? = nil
    private var stringCapacity: Int32 = 0

    // Region iteration state.
    private var tbx: UnsafeMutablePointer<tbx_t>? = nil
    private var bcfIndex: OpaquePointer? = nil
    private var iterator: UnsafeMutablePointer<hts_itr_t>? = nil
    private var iteratorRegion: Region? = nil
    private var iteratorStartsOnly = false
    private var lineBuffer = kstring_t(l: 0, m: 0, s: nil)
    private var iteratorExhausted = false
    private var regionMode = false
    /// A parallel-read chunk: read sequentially from the index offset of its start, by contig id and POS.
    private var chunk: (rid: Int32, region: Region, entered: Bool)? = nil
    private var warnedUndeclared = false
    /// FORMAT tags of ``CallerDepths`` the header declares, beyond AD and DP; empty for most cohort files.
    private let depthTags: Set<String>
    /// Apply vcf2maf's total-depth corrections (somatic files, or depths from a caller's own fields).
    private let somaticDepthRules: Bool
    private let declaresSVLength: Bool

    /// The ``CallerDepths`` rule that gave the last record's depths (`nil`: plain AD/DP or none).
    public private(set) var lastDepthRule: CallerDepths.Rule?

    /// Receives problems that do not stop reading (undeclared contigs or tags), once per file.
    public var onWarning: ((VCFError) -> Void)?

    /// htslib prints its own errors to stderr; Varde reports them as ``VCFError``s instead.
    static let quietHTSlib: Void = { chts_hts_set_log_level(0) }()

    /// Opens `path` and reads its header.
    public init(path: String, options: ReadOptions = ReadOptions()) throws(VCFError) {
        _ = Self.quietHTSlib
        self.path = path
        self.options = options
        try Self.preflight(path: path)
        guard let fp = hts_open(path, "r") else {
            throw Diagnosis.openFailure(path: path)
        }
        let category = chts_hts_get_format_category(fp)
        // htslib's `variant_data` category is 2; anything else (BAM, FASTA, text that is not VCF) is refused.
        guard category == 2 else {
            let format = chts_hts_get_format(fp)
            hts_close(fp)
            throw Diagnosis.notVariantData(path: path, htsFormat: format)
        }
        if options.decompressionThreads > 0 { hts_set_threads(fp, Int32(options.decompressionThreads)) }
        guard let h = bcf_hdr_read(fp) else {
            let format = chts_hts_get_format(fp)
            hts_close(fp)
            throw format == 9 ? Diagnosis.brokenBCFHeader(path: path) : Diagnosis.headerFailure(path: path)
        }
        self.file = fp
        self.hdr = h
        self.rec = bcf_init()
        self.sampleCount = Int(chts_bcf_hdr_nsamples(h))
        self.isText = chts_hts_get_format(fp) == 8  // htsExactFormat.vcf (bcf is 9)
        self.header = Self.readHeader(h)
        self.depthTags = CallerDepths.tags.subtracting(["AD", "DP"]).intersection(header.format.map(\.id))
        self.somaticDepthRules = header.roleHints.somaticEvidence != nil || !header.roleHints.samples.isEmpty
        self.declaresSVLength = header.infoField("SVLEN") != nil
        self.headerLines = isText ? Diagnosis.countHeaderLines(path: path) : 0
        try Diagnosis.checkHeader(header, path: path)
    }

    deinit {
        if let iterator { chts_hts_itr_destroy(iterator) }
        if let tbx { tbx_destroy(tbx) }
        if let bcfIndex { hts_idx_destroy(bcfIndex) }
        free(lineBuffer.s)
        free(gtBuffer); free(intBuffer); free(floatBuffer); free(stringBuffer)
        bcf_destroy(rec)
        bcf_hdr_destroy(hdr)
        hts_close(file)
    }

    /// Reads the next record, or `nil` at the end of the file (or of the current region).
    public func next() throws(VCFError) -> Variant? {
        while true {
            let ret: Int32
            if regionMode {
                guard let iterator, !iteratorExhausted else { return nil }
                if isText {
                    ret = chts_tbx_itr_next(file, tbx, iterator, &lineBuffer)
                    if ret >= 0 {
                        let parsed = vcf_parse(&lineBuffer, hdr, rec)
                        if parsed < 0 { recordsRead += 1; throw recordError() }
                    }
                } else {
                    ret = chts_bcf_itr_next(file, iterator, rec)
                }
                if ret == -1 { iteratorExhausted = true; return nil }
            } else {
                ret = bcf_read(file, hdr, rec)
                if ret == -1 { return nil }
                if ret >= 0, let chunk {
                    // A chunk read sequentially from its start offset: skip what precedes it, stop after it.
                    let rid = chts_bcf_rec_rid(rec)
                    let pos = Int(chts_bcf_rec_pos(rec)) + 1
                    if rid != chunk.rid {
                        if chunk.entered { self.chunk = nil; regionMode = true; iteratorExhausted = true; return nil }
                        continue
                    }
                    self.chunk?.entered = true
                    if pos < chunk.region.start { continue }
                    if let end = chunk.region.end, pos > end { self.chunk = nil; regionMode = true; iteratorExhausted = true; return nil }
                }
            }
            recordsRead += 1
            if ret < -1 { throw recordError() }
            let errcode = chts_bcf_rec_errcode(rec)
            if errcode != 0 {
                // htslib reads records with an undeclared contig or tag (adding a dummy header line), as
                // bcftools does; that is worth a warning, once per file, not a rejection.
                guard errcode & ~Int32(3) == 0 else { throw recordError() }
                if !warnedUndeclared {
                    warnedUndeclared = true
                    onWarning?(recordError())
                }
            }
            if let region = iteratorRegion, iteratorStartsOnly {
                // Chunked reads own the records that *start* in their chunk, so chunks never overlap.
                let pos = Int(chts_bcf_rec_pos(rec)) + 1
                if pos < region.start { continue }
                if let end = region.end, pos > end { iteratorExhausted = true; return nil }
            }
            return try decode()
        }
    }

    /// Calls `body` with every remaining record.
    public func forEach(_ body: (Variant) throws -> Void) throws {
        while let v = try next() { try body(v) }
    }

    // MARK: - Decoding

    private func decode() throws(VCFError) -> Variant {
        let unpack = options.genotypes || options.sampleValues ? (BCF_UN_STR | BCF_UN_FLT | BCF_UN_INFO | BCF_UN_FMT) : (BCF_UN_STR | BCF_UN_FLT | BCF_UN_INFO)
        guard bcf_unpack(rec, Int32(unpack)) == 0 else { throw recordError() }
        let r = rec.pointee
        let contig = String(cString: bcf_seqname(hdr, rec))
        let position = Int(chts_bcf_rec_pos(rec)) + 1
        let nAllele = Int(chts_bcf_rec_n_allele(rec))
        guard !contig.isEmpty else {
            throw error(.malformedRecord, "CHROM is empty (a blank line or a record without columns)",
                        fix: "remove blank lines from the body of the file; every record needs CHROM, POS, REF and ALT")
        }
        lastLocus = "\(contig):\(position)"
        guard nAllele >= 1, let alleles = r.d.allele else {
            throw error(.malformedRecord, "the record has no REF allele", fix: "write REF as the reference base(s) at POS")
        }
        let ref = String(cString: alleles[0]!)
        var alts: [String] = []
        alts.reserveCapacity(nAllele - 1)
        for i in 1..<max(nAllele, 1) { alts.append(String(cString: alleles[i]!)) }

        var ids: [String] = []
        if let id = r.d.id, id[0] != 0, !(id[0] == 46 && id[1] == 0) {
            ids = String(cString: id).split(separator: ";").map(String.init)
        }
        var filters: [String] = []
        for i in 0..<Int(r.d.n_flt) {
            filters.append(String(cString: chts_bcf_hdr_int2id(hdr, BCF_DT_ID, r.d.flt[i])))
        }
        let qual: Double? = bcf_float_is_missing(r.qual) != 0 ? nil : Double(r.qual)
        let infoEnd = infoInt("END")
        let somatic = chts_bcf_get_info_flag(hdr, rec, "SOMATIC") == 1
        let svLength = declaresSVLength ? infoInt("SVLEN") : nil

        var annotations: [Annotation] = []
        if options.annotations {
            for layout in header.annotationLayouts {
                if let value = infoString(layout.source.rawValue) { annotations += layout.parse(value) }
            }
        }
        let genotypes = options.genotypes ? try decodeGenotypes() : nil
        var values = SampleValues()
        if options.sampleValues && sampleCount > 0 {
            values.depth = formatInts("DP", perSample: 1)
            values.genotypeQuality = formatInts("GQ", perSample: 1)
            values.alleleDepths = formatInts("AD", perSample: nAllele)
            values.alleleFractions = formatFloats("AF", perSample: nAllele - 1)
            lastDepthRule = nil
            if !depthTags.isEmpty || somaticDepthRules {
                // Somatic callers' own depth fields (Strelka, VarScan, Delly, Manta…), as vcf2maf reads them.
                // A somatic file may use tags its header does not declare (htslib adds them as it meets them).
                let tags = somaticDepthRules ? CallerDepths.tags : depthTags
                if let d = CallerDepths.derive(alleles: [ref] + alts, samples: sampleCount, fixTotals: somaticDepthRules,
                                               int: { tag in tag == "AD" || tag == "DP" || tags.contains(tag) ? self.formatField(tag) : nil },
                                               float: { tag in tags.contains(tag) ? self.formatFloatField(tag) : nil }) {
                    values.alleleDepths = d.alleleDepths
                    values.depth = d.depth
                    lastDepthRule = d.rule
                }
                if values.alleleFractions == nil, tags.contains("FA") { values.alleleFractions = formatFloats("FA", perSample: nAllele - 1) }
            }
        }
        var v = Variant(contig: contig, position: position, ids: ids, ref: ref, alts: alts, qual: qual, filters: filters,
                        infoEnd: infoEnd, isSomatic: somatic, annotations: annotations, genotypes: genotypes,
                        sampleValues: values, line: isText ? headerLines + recordsRead : recordsRead)
        v.svLength = svLength
        return v
    }

    private func decodeGenotypes() throws(VCFError) -> Genotypes? {
        guard sampleCount > 0 else { return nil }
        // Read the unpacked GT vector where htslib keeps it (int8 for fewer than 63 alleles), instead of
        // bcf_get_genotypes, which converts every value to int32 in a copy first (5% of a load's CPU).
        guard let fmt = bcf_get_fmt(hdr, rec, "GT"), let p = fmt.pointee.p else { return nil }  // no GT in this record
        let ploidy = Int(fmt.pointee.n)
        guard ploidy > 0 else { return nil }
        guard Int(fmt.pointee.p_len) >= ploidy * sampleCount * Int(fmt.pointee.size / fmt.pointee.n) else {
            throw error(.malformedRecord, "GT has fewer values than the \(sampleCount) samples need",
                        fix: "every sample column needs a GT value (use . for a no-call)")
        }
        // htslib packs the vector at any byte offset: read int16/int32 values unaligned.
        let raw = UnsafeRawPointer(p)
        switch Int32(fmt.pointee.type) {
        case BCF_BT_INT8: return genotypes(raw, as: Int8.self, ploidy: ploidy, vectorEnd: Int8(truncatingIfNeeded: bcf_int8_vector_end))
        case BCF_BT_INT16: return genotypes(raw, as: Int16.self, ploidy: ploidy, vectorEnd: Int16(truncatingIfNeeded: bcf_int16_vector_end))
        case BCF_BT_INT32: return genotypes(raw, as: Int32.self, ploidy: ploidy, vectorEnd: bcf_int32_vector_end)
        default:
            throw error(.malformedRecord, "GT is not an integer field", fix: "declare GT as ##FORMAT=<ID=GT,Number=1,Type=String>")
        }
    }

    /// Alleles (`(v >> 1) - 1`: -1 for '.', ``Genotypes/absent`` past a short vector) and phasing, from
    /// htslib's encoded GT values (`(allele + 1) << 1 | phased`).
    private func genotypes<T: FixedWidthInteger & SignedInteger>(_ raw: UnsafeRawPointer, as: T.Type, ploidy: Int, vectorEnd: T) -> Genotypes {
        let count = ploidy * sampleCount, samples = sampleCount
        let width = MemoryLayout<T>.size
        @inline(__always) func gt(_ i: Int) -> T { raw.loadUnaligned(fromByteOffset: i &* width, as: T.self) }
        var phased = [Bool](repeating: false, count: samples)
        let alleles = [Int16](unsafeUninitializedCapacity: count) { out, initialized in
            out.initialize(repeating: Genotypes.absent)
            initialized = count
            phased.withUnsafeMutableBufferPointer { ph in
                if ploidy == 2 {
                    // Diploid fast path: the common case in every cohort file.
                    for s in 0..<samples {
                        let a = gt(2 &* s), b = gt(2 &* s &+ 1)
                        out[2 &* s] = a == vectorEnd ? Genotypes.absent : Int16(truncatingIfNeeded: (a >> 1) &- 1)
                        if b == vectorEnd {
                            out[2 &* s &+ 1] = Genotypes.absent
                        } else {
                            out[2 &* s &+ 1] = Int16(truncatingIfNeeded: (b >> 1) &- 1)
                            ph[s] = (b & 1) == 1
                        }
                    }
                } else {
                    for s in 0..<samples {
                        var allPhased = true
                        var separators = 0
                        for k in 0..<ploidy {
                            let v = gt(s &* ploidy &+ k)
                            if v == vectorEnd { break }
                            out[s &* ploidy &+ k] = Int16(truncatingIfNeeded: (v >> 1) &- 1)
                            if k > 0 { separators += 1; if (v & 1) == 0 { allPhased = false } }
                        }
                        ph[s] = separators > 0 && allPhased
                    }
                }
            }
        }
        return Genotypes(sampleCount: sampleCount, maxPloidy: ploidy, alleles: alleles, phased: phased)
    }

    private func infoInt(_ tag: String) -> Int? {
        let n = chts_bcf_get_info_int32(hdr, rec, tag, &intBuffer, &intCapacity)
        guard n >= 1, let v = intBuffer?[0], v != Int32.min, v != bcf_int32_vector_end else { return nil }
        return Int(v)
    }

    private func infoString(_ tag: String) -> String? {
        let n = chts_bcf_get_info_string(hdr, rec, tag, &stringBuffer, &stringCapacity)
        guard n > 0, let s = stringBuffer else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: s, count: Int(n)).prefix { $0 != 0 }, as: UTF8.self)
    }

    private func formatInts(_ tag: String, perSample: Int) -> [Int32?]? {
        let n = chts_bcf_get_format_int32(hdr, rec, tag, &intBuffer, &intCapacity)
        guard n > 0, let buf = intBuffer, perSample > 0 else { return nil }
        let stride = Int(n) / sampleCount
        var out = [Int32?](repeating: nil, count: sampleCount * perSample)
        for s in 0..<sampleCount {
            for k in 0..<min(stride, perSample) {
                let v = buf[s * stride + k]
                if v != Int32.min && v != bcf_int32_vector_end { out[s * perSample + k] = v }
            }
        }
        return out
    }

    /// A FORMAT integer tag as stored: every value, `stride` per sample.
    private func formatField(_ tag: String) -> CallerDepths.Field? {
        let n = chts_bcf_get_format_int32(hdr, rec, tag, &intBuffer, &intCapacity)
        // -2: a String tag, which is what htslib assumes for a tag the header does not declare (old Strelka
        // headers lack TAR/TIR, Pindel's RD): read the text and its comma-separated numbers.
        if n == -2 { return formatTextField(tag) }
        guard n > 0, let buf = intBuffer, sampleCount > 0 else { return nil }
        let stride = Int(n) / sampleCount
        var out = [Int32?](repeating: nil, count: stride * sampleCount)
        var written = [Int](repeating: stride, count: sampleCount)
        var padded = false
        for s in 0..<sampleCount {
            for k in 0..<stride {
                let v = buf[s * stride + k]
                if v == bcf_int32_vector_end { written[s] = k; padded = true; break }
                if v != Int32.min { out[s * stride + k] = v }
            }
        }
        return CallerDepths.Field(values: out, stride: stride, written: padded ? written : nil)
    }

    private func formatTextField(_ tag: String) -> CallerDepths.Field? {
        var raw: UnsafeMutableRawPointer? = stringBuffer.map { UnsafeMutableRawPointer($0) }
        var capacity = stringCapacity
        let n = bcf_get_format_values(hdr, rec, tag, &raw, &capacity, BCF_HT_STR)
        stringBuffer = raw?.assumingMemoryBound(to: CChar.self)
        stringCapacity = capacity
        guard n > 0, let buf = stringBuffer, sampleCount > 0 else { return nil }
        let width = Int(n) / sampleCount
        var perSample: [[Int32?]] = []
        for s in 0..<sampleCount {
            let bytes = UnsafeRawBufferPointer(start: buf + s * width, count: width).prefix { $0 != 0 }
            let text = String(decoding: bytes, as: UTF8.self)
            perSample.append(text.split(separator: ",", omittingEmptySubsequences: false).map { Int32($0) })
        }
        let stride = perSample.map(\.count).max() ?? 0
        guard stride > 0 else { return nil }
        var out = [Int32?](repeating: nil, count: stride * sampleCount)
        for (s, values) in perSample.enumerated() { for (k, v) in values.enumerated() { out[s * stride + k] = v } }
        let written = perSample.map(\.count)
        return CallerDepths.Field(values: out, stride: stride, written: written.allSatisfy { $0 == stride } ? nil : written)
    }

    private func formatFloatField(_ tag: String) -> (values: [Float?], stride: Int)? {
        let n = chts_bcf_get_format_float(hdr, rec, tag, &floatBuffer, &floatCapacity)
        guard n > 0, let buf = floatBuffer, sampleCount > 0 else { return nil }
        let stride = Int(n) / sampleCount
        var out = [Float?](repeating: nil, count: stride * sampleCount)
        for i in 0..<(stride * sampleCount) where bcf_float_is_missing(buf[i]) == 0 && bcf_float_is_vector_end(buf[i]) == 0 { out[i] = buf[i] }
        return (out, stride)
    }

    private func formatFloats(_ tag: String, perSample: Int) -> [Float?]? {
        let n = chts_bcf_get_format_float(hdr, rec, tag, &floatBuffer, &floatCapacity)
        guard n > 0, let buf = floatBuffer, perSample > 0 else { return nil }
        let stride = Int(n) / sampleCount
        var out = [Float?](repeating: nil, count: sampleCount * perSample)
        for s in 0..<sampleCount {
            for k in 0..<min(stride, perSample) {
                let v = buf[s * stride + k]
                if bcf_float_is_missing(v) == 0 && bcf_float_is_vector_end(v) == 0 { out[s * perSample + k] = v }
            }
        }
        return out
    }

    // MARK: - Errors

    func error(_ code: VCFError.Code, _ message: String, fix: String? = nil) -> VCFError {
        VCFError(code, path: path, line: isText ? headerLines + recordsRead : nil,
                 locus: lastLocus, message: isText ? message : "record \(recordsRead): " + message, fix: fix)
    }

    /// Explains why htslib refused the current record, from its error bits and (for text) the raw line.
    private func recordError() -> VCFError {
        let errcode = chts_bcf_rec_errcode(rec)
        let line = isText ? headerLines + recordsRead : nil
        return Diagnosis.recordFailure(path: path, line: line, errcode: errcode, isText: isText,
                                       recordOrdinal: recordsRead, previousLocus: lastLocus,
                                       header: header)
    }

    // MARK: - Header

    private static func readHeader(_ h: UnsafeMutablePointer<bcf_hdr_t>) -> VCFHeader {
        var samples: [String] = []
        for i in 0..<Int(chts_bcf_hdr_nsamples(h)) { samples.append(String(cString: chts_bcf_hdr_sample(h, Int32(i)))) }
        var contigs: [VCFHeader.Contig] = []
        var info: [VCFHeader.Field] = []
        var format: [VCFHeader.Field] = []
        var fileFormat: String?, reference: String?, tumour: String?, normal: String?
        var layouts: [AnnotationLayout] = []
        var gvcfBlocks = false
        var lines: [SampleRoleHints.Line] = []
        let n = Int(h.pointee.nhrec)
        for i in 0..<n {
            guard let hrec = h.pointee.hrec[i] else { continue }
            let key = String(cString: hrec.pointee.key)
            var fields: [String: String] = [:]
            for k in 0..<Int(hrec.pointee.nkeys) {
                let name = String(cString: hrec.pointee.keys[k]!)
                var value = String(cString: hrec.pointee.vals[k]!)
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
                fields[name] = value
            }
            let value = hrec.pointee.value.map { String(cString: $0) }
            if Int32(hrec.pointee.type) == BCF_HL_GEN || Int32(hrec.pointee.type) == BCF_HL_STR {
                lines.append(.init(key: key, value: value, fields: fields))
            }
            switch Int32(hrec.pointee.type) {
            case BCF_HL_CTG:
                if let id = fields["ID"] { contigs.append(.init(name: id, length: fields["length"].flatMap { Int($0) })) }
            case BCF_HL_INFO, BCF_HL_FMT:
                let f = VCFHeader.Field(id: fields["ID"] ?? "", number: fields["Number"] ?? ".", type: fields["Type"] ?? "",
                                        description: fields["Description"] ?? "")
                if Int32(hrec.pointee.type) == BCF_HL_INFO {
                    info.append(f)
                    if f.id == "CSQ", let l = AnnotationLayout(source: .vep, description: f.description) { layouts.append(l) }
                    if f.id == "ANN", let l = AnnotationLayout(source: .snpEff, description: f.description) { layouts.append(l) }
                } else {
                    format.append(f)
                }
            case BCF_HL_STR:
                if key == "ALT", let id = fields["ID"], id == "NON_REF" || id == "*" { gvcfBlocks = true }
                if key.hasPrefix("GVCFBlock") { gvcfBlocks = true }
            case BCF_HL_GEN:
                if key.hasPrefix("GVCFBlock") { gvcfBlocks = true }
                switch key {
                case "fileformat": fileFormat = value
                case "reference": reference = value
                case "tumor_sample", "tumour_sample": tumour = value
                case "normal_sample": normal = value
                default: break
                }
            default: break
            }
        }
        // Callers such as Strelka and VarScan name the columns NORMAL and TUMOR instead of declaring them;
        // others follow a column order or a barcode convention (SampleRoleHints).
        let hints = SampleRoleHints.infer(samples: samples, lines: lines, info: info)
        if tumour == nil || !samples.contains(tumour!) { tumour = samples.first { hints.samples[$0]?.role == .tumour } }
        if normal == nil || !samples.contains(normal!) { normal = samples.first { hints.samples[$0]?.role == .normal } }
        var header = VCFHeader(fileFormat: fileFormat, samples: samples, contigs: contigs, info: info, format: format,
                               reference: reference, tumourSample: tumour, normalSample: normal, annotationLayouts: layouts,
                               declaresReferenceBlocks: gvcfBlocks)
        header.roleHints = hints
        return header
    }

    private static func preflight(path: String) throws(VCFError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw VCFError(.cannotOpen, path: path, message: "the file does not exist or cannot be read",
                           fix: "check the path and the file's permissions")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw VCFError(.cannotOpen, path: path, message: "this is a folder, not a VCF/BCF file", fix: "name a .vcf, .vcf.gz or .bcf file")
        }
        if st.st_size == 0 {
            throw VCFError(.emptyFile, path: path, message: "the file is empty (0 bytes)",
                           fix: "the pipeline that wrote it probably failed: write the file again")
        }
    }

    // MARK: - Regions (used by VariantReader+Regions)

    func loadIndex() throws(VCFError) {
        if isText {
            if tbx == nil { tbx = tbx_index_load(path) }
            if tbx == nil { throw Diagnosis.missingIndex(path: path) }
        } else {
            if bcfIndex == nil { bcfIndex = chts_bcf_index_load(path) }
            if bcfIndex == nil { throw Diagnosis.missingIndex(path: path) }
        }
    }

    /// Positions the reader on `region`. With `startsOnly`, only records whose POS lies in the region are
    /// returned (for non-overlapping chunks); otherwise every record overlapping it, as `bcftools view -r`.
    func seek(to region: Region, startsOnly: Bool) throws(VCFError) {
        try loadIndex()
        if let iterator { chts_hts_itr_destroy(iterator); self.iterator = nil }
        chunk = nil
        if startsOnly {
            // Chunks own the records that start in them, so the iterator's overlap test is not needed. Seeking
            // to the chunk's first offset and reading sequentially avoids htslib's per-line re-parse of the
            // text (tbx_parse1 scans every sample column), about 30% of the CPU on cohort files.
            let rid = bcf_hdr_name2id(hdr, region.contig)
            guard rid >= 0, let offset = try virtualOffset(of: region) else {
                regionMode = true; iteratorExhausted = true
                return
            }
            guard bgzf_seek(hts_get_bgzfp(file), Int64(bitPattern: offset), 0) == 0 else {
                throw VCFError(.truncated, path: path, message: "cannot seek to \(region) (the file or its index is damaged)",
                               fix: "re-create the index (tabix -p vcf / bcftools index) or the file")
            }
            regionMode = false
            chunk = (rid, region, false)
            return
        }
        let text = region.htslibString
        let itr: UnsafeMutablePointer<hts_itr_t>?
        if isText { itr = chts_tbx_itr_querys(tbx, text) } else { itr = chts_bcf_itr_querys(bcfIndex, hdr, text) }
        regionMode = true
        iteratorRegion = region
        iteratorStartsOnly = startsOnly
        iterator = itr
        // htslib returns NULL for a contig the index does not know: the region simply has no records.
        iteratorExhausted = itr == nil
    }

    /// Contigs that have records, in index order (needs an index).
    public func indexedContigs() throws(VCFError) -> [String] {
        try loadIndex()
        var n: Int32 = 0
        var names: [String] = []
        if isText {
            guard let list = tbx_seqnames(tbx, &n) else { return [] }
            for i in 0..<Int(n) { names.append(String(cString: list[i]!)) }
            free(list)
        } else {
            guard let list = chts_bcf_index_seqnames(bcfIndex, hdr, &n) else { return [] }
            for i in 0..<Int(n) { names.append(String(cString: list[i]!)) }
            free(list)
        }
        return names
    }

    /// Records in the file according to its index (`bcftools index -n`), or `nil` when it has no index or
    /// the index keeps no counts. For progress and ETA only.
    public func indexedRecordCount() -> Int? {
        guard (try? loadIndex()) != nil else { return nil }
        let idx: OpaquePointer? = isText ? tbx?.pointee.idx : bcfIndex
        guard let idx else { return nil }
        var total: UInt64 = 0
        for tid in 0..<hts_idx_nseq(idx) {
            var mapped: UInt64 = 0, unmapped: UInt64 = 0
            if hts_idx_get_stat(idx, tid, &mapped, &unmapped) == 0 { total += mapped }
        }
        return total > 0 ? Int(total) : nil
    }

    /// The compressed file offset at which reading `region` starts, or `nil` if the index has no data there.
    func compressedOffset(of region: Region) throws(VCFError) -> UInt64? {
        try virtualOffset(of: region).map { $0 >> 16 }
    }

    /// The BGZF virtual offset at which reading `region` starts, or `nil` if the index has no data there.
    func virtualOffset(of region: Region) throws(VCFError) -> UInt64? {
        try loadIndex()
        let text = region.htslibString
        let itr: UnsafeMutablePointer<hts_itr_t>?
        if isText { itr = chts_tbx_itr_querys(tbx, text) } else { itr = chts_bcf_itr_querys(bcfIndex, hdr, text) }
        guard let itr else { return nil }
        defer { chts_hts_itr_destroy(itr) }
        guard itr.pointee.n_off > 0, let off = itr.pointee.off else { return nil }
        return off[0].u
    }
}

extension Region {
    /// The region as htslib's `hts_parse_reg` reads it (1-based, inclusive).
    var htslibString: String {
        if let end { return "\(contig):\(start)-\(end)" }
        return "\(contig):\(start)-"
    }
}
