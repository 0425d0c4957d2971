import Foundation
import Synchronization
public import VCF
public import VariantCore
public import VariantStore

/// Loading one genome per file, at volume: each file its own batch (so one person's data can be replaced or erased
/// alone), files parsed in parallel while one writer stores them in order.
extension Loader {
    /// What happened to one file of a run.
    public struct FileOutcome: Sendable {
        public enum Status: String, Sendable { case loaded, skipped, failed }
        public var path: String
        public var status: Status
        /// The batch it became (loaded only).
        public var batchID: Int?
        public var samples: Int
        public var records: Int
        public var seconds: Double
        /// Why it was skipped or failed.
        public var message: String?
    }

    /// The input files of a run: each argument is a file, or a folder whose VCF/BCF files are taken (sorted by
    /// name); `filesFrom` names a file listing one path a line (blank lines and `#` comments ignored).
    public static func inputFiles(_ arguments: [String], filesFrom: String?) throws(LoadError) -> [String] {
        var out: [String] = []
        if let filesFrom {
            guard let data = FileManager.default.contents(atPath: filesFrom) else {
                throw LoadError(path: filesFrom, "cannot read the list of files", fix: "check the path given to --files-from")
            }
            for line in String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
                let p = line.trimmingCharacters(in: .whitespaces)
                if !p.isEmpty && !p.hasPrefix("#") { out.append(p) }
            }
        }
        for a in arguments {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: a, isDirectory: &isDirectory), isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: a)) ?? []
                let inputs = names.filter { n in [".vcf", ".vcf.gz", ".vcf.bgz", ".bcf", ".maf", ".maf.gz"].contains { n.hasSuffix($0) } }.sorted()
                guard !inputs.isEmpty else { throw LoadError(path: a, "the folder holds no .vcf, .vcf.gz, .bcf or .maf file", fix: "name the files or another folder") }
                out += inputs.map { (a as NSString).appendingPathComponent($0) }
            } else {
                out.append(a)
            }
        }
        return out
    }

    /// Loads each file as its own batch, in the order given. `jobs` workers read, normalise and build sites of the
    /// next files while the store writes the current one; a worker holds at most a few thousand sites ahead of the
    /// writer, so memory does not grow with the files. A file that fails is rolled back alone: with `keepGoing` the
    /// run goes on, else it stops there (earlier files stay loaded). A file already in the store (same SHA-256) is
    /// skipped, unless `options.replace`.
    public func loadEach(_ paths: [String], into store: any VariantStore, jobs: Int, keepGoing: Bool,
                         progress run: RunProgress? = nil) -> [FileOutcome] {
        let feeds = paths.map { _ in FileFeed() }
        let next = Mutex(0)
        let stop = StopFlag()
        let loader = Loader(options: options, pseudonymizer: pseudonymizer, progress: nil)
        var threads: [Thread] = []
        for _ in 0..<max(1, min(jobs, paths.count)) {
            let t = Thread {
                while !stop.isSet {
                    let i: Int = next.withLock { n in defer { n += 1 }; return n }
                    guard i < paths.count else { return }
                    loader.parse(paths[i], into: feeds[i], stop: stop)
                }
            }
            t.stackSize = 8 << 20
            threads.append(t)
            t.start()
        }
        var outcomes: [FileOutcome] = []
        for (i, path) in paths.enumerated() {
            let started = Date()
            let outcome = write(path, feed: feeds[i], into: store, started: started)
            outcomes.append(outcome)
            run?.fileDone(outcome)
            if outcome.status == .failed && !keepGoing {
                stop.set()
                for f in feeds[(i + 1)...] { f.cancel() }
                for rest in paths[(i + 1)...] {
                    outcomes.append(FileOutcome(path: rest, status: .skipped, batchID: nil, samples: 0, records: 0, seconds: 0,
                                                message: "not loaded: an earlier file failed (use --keep-going to load the rest)"))
                }
                break
            }
        }
        stop.set()
        for f in feeds { f.cancel() }
        run?.finish()
        return outcomes
    }

    /// One file on a worker: its header (samples, pseudonyms), checksum, then its sites in chunks, into `feed`.
    /// Samples get ordinals from 0 and a provisional "counts" flag (the batch's own rule, as if the person had no
    /// counted sample yet); the writer shifts the ordinals and re-reads the file if the store decides otherwise.
    func parse(_ path: String, into feed: FileFeed, stop: StopFlag) {
        do {
            let prepared = try prepare([path])
            defer { prepared.removeConverted() }
            let file = SourceFile(path: path, sha256: try FileDigest.sha256(path: path), isGVCF: prepared.plans[0].isGVCF)
            let provisional = Self.provisionalCounted(prepared.specs)
            guard feed.put(.prepared(prepared, file, provisional)) else { return }
            let p = prepared.plans[0]
            let columns = prepared.specs.indices.map { k in
                SiteBuilder.Column(ordinal: UInt32(k), role: prepared.specs[k].role, counted: provisional[k], policy: prepared.specs[k].absentPolicy)
            }
            var builder = SiteBuilder(columns: columns, fileIndex: 0, minBlockGQ: options.minBlockGQ)
            let reader = try VariantReader(path: p.path)
            let normalizer = try Self.normalizer(for: reader, options: options)
            var records = 0, skipped = 0
            while !stop.isSet {
                let out = try Self.process(reader, normalizer: normalizer, builder: &builder, options: options, isGVCF: p.isGVCF, limit: 4096)
                records += out.output.records
                skipped += out.output.skipped
                let done = out.output.records < 4096
                guard feed.put(.chunk(out)) else { return }
                if done { break }
            }
            _ = feed.put(.done(records: records, skipped: skipped, ploidy: columns.indices.map(builder.learnedPloidy)))
        } catch {
            _ = feed.put(.failed(error))
        }
    }

    /// The batch's own counting rule (one sample per person: a germline sample before a normal one, then the
    /// earliest; never a tumour), before the store has said whether a person already counts.
    static func provisionalCounted(_ specs: [SampleSpec]) -> [Bool] {
        CountingRule.counted(roles: specs.map(\.role), people: specs.map(\.pseudonym)) { _ in false }
    }

    /// Stores one file's batch from its feed: all or nothing.
    private func write(_ path: String, feed: FileFeed, into store: any VariantStore, started: Date) -> FileOutcome {
        func outcome(_ status: FileOutcome.Status, batch: Int? = nil, samples: Int = 0, records: Int = 0, _ message: String? = nil) -> FileOutcome {
            FileOutcome(path: path, status: status, batchID: batch, samples: samples, records: records,
                        seconds: Date().timeIntervalSince(started), message: message)
        }
        guard case let .prepared(prepared, file, provisional)? = feed.take() else {
            if case let .failed(error)? = feed.last { return outcome(.failed, "\(error)") }
            return outcome(.failed, "the file was not read")
        }
        let plan = BatchPlan(command: options.command, assembly: prepared.assembly, contigs: prepared.contigs, files: [file],
                             samples: prepared.specs, replace: options.replace)
        let writer: any BatchWriter
        do {
            writer = try store.beginBatch(plan)
        } catch let e as StoreError where e.code == .duplicateFile {
            feed.cancel()
            return outcome(.skipped, "already in the store (same SHA-256); --replace to load it again")
        } catch {
            feed.cancel()
            return outcome(.failed, "\(error)")
        }
        if writer.samples.map(\.counted) != provisional {
            // A person of this file already counts through an earlier sample: build the sites again, here, with the
            // store's flags (what a serial load does).
            feed.cancel()
            do {
                let records = try writeSerially(prepared, writer: writer)
                try writer.commit()
                return outcome(.loaded, batch: writer.batchID, samples: prepared.specs.count, records: records)
            } catch {
                writer.rollback()
                return outcome(.failed, "\(error)")
            }
        }
        let base = writer.samples.first?.ordinal ?? 0
        do {
            while true {
                switch feed.take() {
                case let .chunk(out)?:
                    for var site in out.output.sites {
                        if base != 0 { site.shiftOrdinals(by: base) }
                        try writer.add(site)
                    }
                    for var b in out.output.blocks {
                        b.ordinal += base
                        try writer.addCoverage(b)
                    }
                case let .done(records, skipped, ploidy)?:
                    var byOrdinal: [UInt32: [ContigClass: Int]] = [:]
                    for (k, p) in ploidy.enumerated() { byOrdinal[base + UInt32(k)] = p }
                    try writer.finish(ploidy: byOrdinal, records: [records])
                    try writer.commit()
                    return outcome(.loaded, batch: writer.batchID, samples: prepared.specs.count, records: records,
                                   skipped > 0 ? "\(skipped) invalid records skipped" : nil)
                case let .failed(error)?:
                    throw error
                case .prepared?, nil:
                    throw LoadError(path: path, "the file's reader stopped early")
                }
            }
        } catch {
            writer.rollback()
            feed.cancel()
            return outcome(.failed, "\(error)")
        }
    }

    /// Reads one file and writes its sites into an open batch with the batch's own ordinals and flags; finishes it.
    private func writeSerially(_ prepared: Prepared, writer: any BatchWriter) throws -> Int {
        let p = prepared.plans[0]
        let columns = writer.samples.map { SiteBuilder.Column(ordinal: $0.ordinal, role: $0.spec.role, counted: $0.counted, policy: $0.spec.absentPolicy) }
        var builder = SiteBuilder(columns: columns, fileIndex: 0, minBlockGQ: options.minBlockGQ)
        let reader = try VariantReader(path: p.path)
        let normalizer = try Self.normalizer(for: reader, options: options)
        var records = 0
        while true {
            let out = try Self.process(reader, normalizer: normalizer, builder: &builder, options: options, isGVCF: p.isGVCF, limit: 4096)
            for site in out.output.sites { try writer.add(site) }
            for b in out.output.blocks { try writer.addCoverage(b) }
            records += out.output.records
            if out.output.records < 4096 { break }
        }
        var ploidy: [UInt32: [ContigClass: Int]] = [:]
        for (k, col) in columns.enumerated() { ploidy[col.ordinal] = builder.learnedPloidy(k) }
        try writer.finish(ploidy: ploidy, records: [records])
        return records
    }
}

extension SiteCalls {
    /// Moves every sample ordinal by `delta` (a file parsed with ordinals from 0 gets its batch's).
    mutating func shiftOrdinals(by delta: UInt32) {
        for i in het.indices { het[i] += delta }
        for i in homAlt.indices { homAlt[i] += delta }
        for i in hemi.indices { hemi[i] += delta }
        for i in homRef.indices { homRef[i] += delta }
        for i in noCall.indices { noCall[i] += delta }
        for i in exceptions.indices { exceptions[i].ordinal += delta }
    }
}

/// Tells workers to stop reading.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}

/// What a worker hands the writer for one file, in order: its header, chunks of sites, then the end (or an error).
/// Bounded: a worker that is more than a few chunks ahead waits.
final class FileFeed: @unchecked Sendable {
    enum Item: @unchecked Sendable {
        case prepared(Loader.Prepared, SourceFile, [Bool])
        case chunk(Loader.FileOutput)
        case done(records: Int, skipped: Int, ploidy: [[ContigClass: Int]])
        case failed(any Error)
    }

    private let space = DispatchSemaphore(value: 4)
    private let ready = DispatchSemaphore(value: 0)
    private let state = Mutex<(items: [Item], cancelled: Bool, last: Item?)>(([], false, nil))

    /// Adds an item, waiting for room; false once the writer has given up on the file.
    func put(_ item: Item) -> Bool {
        if state.withLock({ $0.cancelled }) { return false }
        space.wait()
        let accepted = state.withLock { s -> Bool in
            guard !s.cancelled else { return false }
            s.items.append(item)
            return true
        }
        ready.signal()
        return accepted
    }

    /// The next item, waiting for it; nil when cancelled.
    func take() -> Item? {
        ready.wait()
        let item = state.withLock { s -> Item? in
            guard !s.items.isEmpty else { return nil }
            let i = s.items.removeFirst()
            s.last = i
            return i
        }
        space.signal()
        return item
    }

    var last: Item? { state.withLock { $0.last } }

    /// The writer is done with this file: the worker's next put returns false (and never waits for long).
    func cancel() {
        state.withLock { $0.cancelled = true; $0.items = [] }
        for _ in 0..<8 { space.signal() }
    }
}

/// One progress line on stderr for a whole run of files: files done, failures, records, records/s, ETA.
public final class RunProgress: Sendable {
    private struct State { var done = 0; var failed = 0; var records = 0; var lastPrint = 0.0; var printed = false }
    private let state = Mutex(State())
    private let total: Int
    private let start = Date()

    public init(files: Int) { total = files }

    func fileDone(_ o: Loader.FileOutcome) {
        let now = Date().timeIntervalSince(start)
        let line: String? = state.withLock { s in
            s.done += 1
            if o.status == .failed { s.failed += 1 }
            s.records += o.records
            guard now - s.lastPrint >= 1 || s.done == total else { return nil }
            s.lastPrint = now
            s.printed = true
            return render(s, elapsed: now)
        }
        if let line { FileHandle.standardError.write(Data(("\r" + line).utf8)) }
    }

    func finish() {
        let line: String? = state.withLock { s in s.printed ? "\n" : nil }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    private func render(_ s: State, elapsed: Double) -> String {
        let rate = Double(s.records) / max(elapsed, 1e-9)
        let left = s.done > 0 ? Int(elapsed / Double(s.done) * Double(total - s.done)) : 0
        return "load: \(s.done)/\(total) files" + (s.failed > 0 ? ", \(s.failed) failed" : "") + ", \(s.records) records, \(Int(rate)) records/s"
            + (s.done < total ? ", ETA \(left / 60)m\(left % 60)s" : "") + "   "
    }
}
