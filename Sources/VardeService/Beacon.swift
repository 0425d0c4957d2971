import Foundation
import VariantCore
import VariantQuery
import VariantStore

/// The Beacon v2.1.1 answers (framework + default model), as JSON built from the store. No HTTP here: the router
/// hands in the parsed request and the caller's tier, and sends what comes back.
struct Beacon: Sendable {
    static let apiVersion = "v2.1.1"
    static let schemas: [String: String] = [
        "genomicVariation": "beacon-g_variant-v2.0.0", "individual": "beacon-individual-v2.0.0",
        "biosample": "beacon-biosample-v2.0.0", "dataset": "beacon-dataset-v2.0.0", "cohort": "beacon-cohort-v2.0.0",
    ]

    let config: ServiceConfiguration
    let genes: GeneIndex
    let baseURL: String
    /// Where this service counts withheld answers (`/metrics`).
    var suppression: SuppressionTally? = nil

    // MARK: - Meta

    func informationalMeta(_ entity: String = "info") -> JSON {
        ["beaconId": .string(config.beaconId), "apiVersion": .string(Self.apiVersion),
         "returnedSchemas": [["entityType": .string(entity), "schema": .string(Self.schemas[entity] ?? "beacon-\(entity)-v2.0.0")]]]
    }

    func responseMeta(entity: String, returned: Granularity, request: BeaconRequest, limit: Int) -> JSON {
        var summary: [String: JSON] = [
            "apiVersion": .string(Self.apiVersion),
            "requestedSchemas": .array(request.requestedSchemas.map { ["entityType": .string(entity), "schema": .string($0)] }),
            "pagination": ["skip": .int(request.skip), "limit": .int(limit)],
            "requestedGranularity": .string(request.requestedGranularity.name),
            "includeResultsetResponses": .string(request.includeResultsetResponses),
            "testMode": .bool(request.testMode),
        ]
        if case let .object(p) = request.echoedParameters, !p.isEmpty { summary["requestParameters"] = request.echoedParameters }
        if !request.filters.isEmpty { summary["filters"] = .array(request.filters.map(JSON.string)) }
        return ["beaconId": .string(config.beaconId), "apiVersion": .string(Self.apiVersion),
                "returnedSchemas": [["entityType": .string(entity), "schema": .string(Self.schemas[entity] ?? "")]],
                "returnedGranularity": .string(returned.name), "receivedRequestSummary": .object(summary)]
    }

    /// A `beaconErrorResponse`.
    func error(_ status: Int, _ message: String) -> JSON {
        ["meta": responseMeta(entity: "info", returned: .boolean, request: BeaconRequest(), limit: 10),
         "error": ["errorCode": .int(status), "errorMessage": .string(message)]]
    }

    // MARK: - Informational endpoints

    var organization: JSON {
        ["id": .string(config.organizationId), "name": .string(config.organizationName)]
    }

    func info(store: any VariantStore) throws -> JSON {
        let assembly = try store.assembly()
        return ["meta": informationalMeta(), "response": [
            "id": .string(config.beaconId), "name": .string(config.beaconName), "apiVersion": .string(Self.apiVersion),
            "environment": .string(config.environment), "organization": organization,
            "description": .string("Varde: aggregated germline and somatic variants, \(assembly?.rawValue ?? "no assembly yet"). Counts below \(config.minimumCount) are withheld below the controlled tier."),
            "version": "varde-0.1",
        ]]
    }

    /// GA4GH service-info 1.0.0.
    func serviceInfo() -> JSON {
        ["id": .string(config.beaconId), "name": .string(config.beaconName),
         "type": ["group": "org.ga4gh", "artifact": "beacon", "version": .string(Self.apiVersion)],
         "description": "Varde national variant store: GA4GH Beacon v2",
         "organization": ["name": .string(config.organizationName), "url": .string("https://\(config.organizationId)")],
         "version": .string(Release.version), "environment": .string(config.environment)]
    }

    static let entryTypes: [(id: String, name: String, path: String, folder: String, collection: Bool, concept: String)] = [
        ("genomicVariant", "Genomic variants", "g_variants", "genomicVariations", false, "ENSGLOSSARY:0000092"),
        ("individual", "Individuals", "individuals", "individuals", false, "NCIT:C25190"),
        ("biosample", "Biosamples", "biosamples", "biosamples", false, "NCIT:C70699"),
        ("dataset", "Datasets", "datasets", "datasets", true, "NCIT:C47824"),
        ("cohort", "Cohorts", "cohorts", "cohorts", true, "NCIT:C61512"),
    ]

    func entryTypeDefinitions() -> JSON {
        var out: [String: JSON] = [:]
        for e in Self.entryTypes {
            out[e.id] = [
                "id": .string(e.id), "name": .string(e.name),
                "ontologyTermForThisType": ["id": .string(e.concept), "label": .string(e.name)],
                "partOfSpecification": "Beacon v2.1.1",
                "defaultSchema": ["id": .string(Self.schemas[e.id == "genomicVariant" ? "genomicVariation" : e.id] ?? ""),
                                  "name": .string("Default schema for \(e.name.lowercased())"),
                                  "referenceToSchemaDefinition": .string("https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/models/json/beacon-v2-default-model/\(e.folder)/defaultSchema.json"),
                                  "schemaVersion": "v2.1.1"],
                "aCollectionOf": e.collection ? [["id": "individual", "name": "Individuals"]] : .null,
                "additionallySupportedSchemas": [],
            ]
            if !e.collection { out[e.id] = out[e.id].map(Self.dropNulls) }
        }
        return .object(out)
    }

    static func dropNulls(_ j: JSON) -> JSON {
        guard case let .object(o) = j else { return j }
        return .object(o.filter { $0.value != .null })
    }

    func configuration() -> JSON {
        ["meta": informationalMeta("configuration"), "response": [
            "$schema": "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/framework/json/configuration/beaconConfigurationSchema.json",
            "maturityAttributes": ["productionStatus": .string(config.environment == "prod" ? "PROD" : config.environment == "test" ? "TEST" : "DEV")],
            "securityAttributes": ["defaultGranularity": "boolean", "securityLevels": ["PUBLIC", "REGISTERED", "CONTROLLED"]],
            "entryTypes": entryTypeDefinitions(),
        ]]
    }

    func map() -> JSON {
        var endpoints: [String: JSON] = [:]
        for e in Self.entryTypes {
            var set: [String: JSON] = ["entryType": .string(e.id), "rootUrl": .string("\(baseURL)/\(e.path)"),
                                       "openAPIEndpointsDefinition": .string("https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/models/json/beacon-v2-default-model/\(e.folder)/endpoints.json")]
            if e.id == "genomicVariant" {
                set["singleEntryUrl"] = .string("\(baseURL)/g_variants/{variantInternalId}")
                set["endpoints"] = ["biosample": ["returnedEntryType": "biosample", "url": .string("\(baseURL)/g_variants/{variantInternalId}/biosamples")],
                                    "individual": ["returnedEntryType": "individual", "url": .string("\(baseURL)/g_variants/{variantInternalId}/individuals")]]
            }
            if e.id == "dataset" {
                set["endpoints"] = ["genomicVariant": ["returnedEntryType": "genomicVariant", "url": .string("\(baseURL)/datasets/{id}/g_variants")]]
            }
            endpoints[e.folder] = .object(set)
        }
        return ["meta": informationalMeta("map"), "response": [
            "$schema": "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/framework/json/configuration/beaconMapSchema.json",
            "endpointSets": .object(endpoints),
        ]]
    }

    func entryTypesResponse() -> JSON {
        ["meta": informationalMeta("entryType"), "response": ["entryTypes": entryTypeDefinitions()]]
    }

    /// Filtering terms: sex (NCIT), ICD-10 diagnosis prefixes (any `ICD10:<code>`), and the named cohorts.
    func filteringTerms(store: any VariantStore, tier: AccessTier) throws -> JSON {
        var terms: [JSON] = [
            ["type": "ontologyTerm", "id": "NCIT:C16576", "label": "female", "scopes": ["individual", "genomicVariation"]],
            ["type": "ontologyTerm", "id": "NCIT:C20197", "label": "male", "scopes": ["individual", "genomicVariation"]],
            ["type": "alphanumeric", "id": "ICD10", "label": "diagnosis (ICD-10 code prefix, as ICD10:C34)", "scopes": ["individual", "genomicVariation"]],
        ]
        for c in try GroupGuard(config: config, tier: tier, store: store).visibleCohorts() {
            terms.append(["type": "custom", "id": .string("cohort:\(c.name)"), "label": .string("member of cohort \(c.name)"), "scopes": ["individual", "genomicVariation"]])
        }
        return ["meta": informationalMeta("filteringTerm"), "response": [
            "filteringTerms": .array(terms),
            "resources": [["id": "NCIT", "name": "NCI Thesaurus", "url": "https://ncit.nci.nih.gov/", "namespacePrefix": "NCIT"],
                          ["id": "ICD10", "name": "ICD-10", "url": "https://icd.who.int/browse10", "namespacePrefix": "ICD10"]],
        ]]
    }

    // MARK: - Datasets and groups

    /// A set of samples a query is counted over: the whole store (`all`), or a named cohort.
    struct Dataset {
        var id: String
        var name: String
        var description: String
        /// The cohort's samples; nil for the whole store, and until ``withMembers(_:)`` reads them.
        var members: Set<UInt32>?
        var isCohort: Bool
        var size: Int
        var createdAt: String?
    }

    /// The datasets this tier may see: the store, then the cohorts ``GroupGuard`` shows. The whole store's size
    /// (people) is counted only when `sized` (it reads every sample row).
    func datasets(store: any VariantStore, tier: AccessTier, sized: Bool = true) throws -> [Dataset] {
        let people = sized ? try store.samples().filter(\.counted).count : 0
        var out = [Dataset(id: "all", name: "All samples", description: "every counted germline sample in the store (one per person)",
                           members: nil, isCohort: false, size: people, createdAt: nil)]
        for c in try GroupGuard(config: config, tier: tier, store: store).visibleCohorts() where c.name != "all" {
            out.append(Dataset(id: c.name, name: c.name, description: Self.describe(c.definition, tier: tier), members: c.members, isCohort: true,
                               size: c.size, createdAt: c.createdAt))
        }
        return out
    }

    /// A cohort's definition as this tier may read it: below controlled, a `from FILE` part says only that a list
    /// was used (a path can hold a person key) and `sample=`/`person=` values are not shown.
    static func describe(_ definition: String, tier: AccessTier) -> String {
        guard tier < .controlled else { return definition }
        let parts = definition.split(separator: ";").map { $0.trimmingWhitespace() }.map { part -> String in
            if part.hasPrefix("from ") { return "from a list of samples" }
            if part.hasPrefix("where ") {
                let condition = part.dropFirst(6)
                let key = condition.split(separator: "=", maxSplits: 1).first.map(String.init)?.lowercased() ?? ""
                if ["sample", "person", "name"].contains(key) { return "where \(key)=(withheld)" }
            }
            return part
        }
        return parts.isEmpty ? "user-defined cohort" : parts.joined(separator: "; ")
    }

    // MARK: - g_variants

    struct Answer {
        var body: JSON
        var resultCount: Int
        var granularity: Granularity
        var summary: String
        var disclosed = Disclosed()
    }

    /// `/g_variants`, `/g_variants/{id}` and `/datasets/{id}/g_variants`.
    func genomicVariants(_ request: BeaconRequest, tier: AccessTier, onlyDataset: String?, store: any VariantStore) throws -> Answer {
        if tier == .anonymous && !request.filters.isEmpty {
            throw BadRequest("filters cannot be combined with a variant query without a registered token (small groups identify people)", status: 403)
        }
        let granularity = min(request.requestedGranularity, tier.maximumGranularity)
        let limit = request.limit == 0 ? config.maxPageSize : min(request.limit, config.maxPageSize)
        let meta = responseMeta(entity: "genomicVariation", returned: granularity, request: request, limit: limit)
        if request.testMode {
            // testMode answers only from synthetic data; Varde keeps none, so a test query finds nothing.
            return Answer(body: ["meta": meta, "responseSummary": granularity == .boolean ? ["exists": false] : ["exists": false, "numTotalResults": 0],
                                 "info": ["testMode": "Varde holds no synthetic data: test queries always answer no"]],
                          resultCount: 0, granularity: granularity, summary: "testMode")
        }
        let selection = try VariantSelection.resolve(request, store: store, genes: genes, maxRegionBases: config.maxRegionBases)
        var sets = try datasets(store: store, tier: tier, sized: granularity == .record)
        if let only = onlyDataset {
            guard let d = sets.first(where: { $0.id == only }) else { throw BadRequest("no dataset '\(only)' (see /datasets)", status: 404) }
            sets = [d]
        } else if !request.datasetIds.isEmpty {
            sets = sets.filter { request.datasetIds.contains($0.id) }
            guard !sets.isEmpty else { throw BadRequest("none of datasetIds \(request.datasetIds) is a dataset here (see /datasets)", status: 404) }
        } else if granularity < .record {
            // Every cohort is a subset of the store, and what a cohort shows (AC >= k when anonymous) the store shows
            // too, so the store alone answers exists and the total; per-cohort counts are asked for by datasetIds.
            sets = sets.filter { !$0.isCohort }
        }
        let guarding = GroupGuard(config: config, tier: tier, store: store)
        let filtered = try guarding.filterMembers(request.filters)
        // The guard's view (people and shown cohorts) only when an answer is about a group, not the whole store.
        let grouped = guarding.active && (filtered != nil || sets.contains(where: \.isCohort))
        let people = grouped ? try guarding.population() : []
        let cohorts = grouped ? try guarding.visibleCohorts(population: people) : []
        let disclosure = Disclosure(k: config.minimumCount, tier: tier, tally: suppression)

        struct SetResult { var dataset: Dataset; var variants: [VariantAggregate]; var groupSize: Int; var members: Set<UInt32>? }
        var results: [SetResult] = []
        for d in sets {
            var members = d.members
            if let filtered { members = members.map { $0.intersection(filtered) } ?? filtered }
            let groupSize = members?.count ?? d.size
            if tier < .controlled && filtered != nil && groupSize < config.minimumCohortSize {
                throw BadRequest("the filters leave \(groupSize < config.minimumCount ? "fewer than \(config.minimumCount)" : String(groupSize)) people in dataset \(d.id); groups under \(config.minimumCohortSize) are answered only at the controlled tier", status: 403)
            }
            // Tracker defence: the group's family must not single out fewer than m people (else 403), and a variant
            // whose counts could be worked out for a small group by subtraction counts as absent in the group.
            var unsafe = Set<VariantID>()
            if grouped, members != nil {
                let terms = try guarding.terms(filters: request.filters, cohort: d.isCohort ? cohorts.first { $0.name == d.id } : nil, people: people)
                if let family = try guarding.check(terms, people: people, cohorts: cohorts) {
                    unsafe = try guarding.rules.unsafeCells(family, fetch: selection.fetch)
                }
            }
            var found: [VariantAggregate] = []
            do {
                for a in try selection.fetch(members) where !unsafe.contains(a.variantID) {
                    let ac = members == nil ? a.ac : (a.cohort?.ac ?? 0)
                    let present = members == nil ? (a.ac > 0 || a.tumours > 0) : ac > 0
                    // Rare-variant masking below controlled (Disclosure.shows); anonymous callers learn of a variant in
                    // a cohort only when k or more of its alleles there carry it.
                    let tumours = members == nil ? a.tumours : 0
                    if present && disclosure.shows(a) && (tier > .anonymous || ac >= config.minimumCount || tumours >= config.minimumCount) { found.append(a) }
                }
            }
            results.append(SetResult(dataset: d, variants: found, groupSize: groupSize, members: members))
        }
        var disclosed = Disclosed()
        var union = Set<VariantID>()
        for r in results { for v in r.variants { union.insert(v.variantID) } }
        let exists = !union.isEmpty
        var body: [String: JSON] = ["meta": meta]
        switch granularity {
        case .boolean:
            body["responseSummary"] = ["exists": .bool(exists)]
        case .count:
            body["responseSummary"] = ["exists": .bool(exists), "numTotalResults": .int(disclosure.count(union.count))]
            body["info"] = ["resultsCountsPerDataset": .object(Dictionary(results.map { ($0.dataset.id, JSON.int(disclosure.count($0.variants.count))) }, uniquingKeysWith: { a, _ in a }))]
        case .record:
            body["responseSummary"] = ["exists": .bool(exists), "numTotalResults": .int(union.count)]
            var resultSets: [JSON] = []
            var carriersOut = 0
            var idsOut = Set<String>()
            for r in results {
                let hit = !r.variants.isEmpty
                switch request.includeResultsetResponses {
                case "NONE": continue
                case "HIT" where !hit: continue
                case "MISS" where hit: continue
                default: break
                }
                let page = Array(r.variants.dropFirst(BeaconRequest.offset(skip: request.skip, limit: limit)).prefix(limit))
                // Carriers of the page's variants in the dataset's group (controlled tier only reaches here), read
                // per variant through the store's vid index, not by scanning every sample's calls.
                var carriers: [VariantID: [(String, Zygosity)]] = [:]
                var tumourNames = Set<String>()
                if !page.isEmpty {
                    // The counted samples, and the tumours (their calls are somatic: caseLevelData says so).
                    let samples = try store.samples().filter { s in r.members.map { $0.contains(s.ordinal) } ?? (s.counted || s.role == .tumour) }
                    tumourNames = Set(samples.filter { $0.role == .tumour }.map(\.name))
                    let calls = try store.genotypes(at: page.map(\.variantID), samples: samples.map(\.ordinal))
                    for (v, row) in zip(page, calls) {
                        for (sample, gt) in zip(samples, row) where gt.contains("1") {
                            let alleles = gt.split(separator: "/")
                            let z: Zygosity = alleles.count == 1 ? .hemizygous : alleles.allSatisfy { $0 == "1" } ? .homAlt : .het
                            carriers[v.variantID, default: []].append((sample.name, z))
                        }
                    }
                }
                for v in page { for (name, _) in carriers[v.variantID] ?? [] { carriersOut += 1; idsOut.insert(name) } }
                let set: [String: JSON] = [
                    "id": .string(r.dataset.id), "setType": "dataset", "exists": .bool(hit), "resultsCount": .int(r.variants.count),
                    "results": .array(try page.map { try record($0, dataset: r.dataset, inCohort: r.members != nil, carriers: carriers[$0.variantID] ?? [], store: store, tumours: tumourNames) }),
                ]
                resultSets.append(.object(set))
            }
            body["response"] = ["resultSets": .array(resultSets)]
            disclosed = Disclosed(carriers: carriersOut, sampleIDs: idsOut.count)
        }
        return Answer(body: .object(body), resultCount: union.count, granularity: granularity, summary: selection.summary, disclosed: disclosed)
    }

    /// One `genomicVariation` record (default schema), with the dataset's frequency and, when known, its carriers.
    func record(_ a: VariantAggregate, dataset: Dataset, inCohort: Bool, carriers: [(String, Zygosity)]?, store: any VariantStore,
                tumours: Set<String> = []) throws -> JSON {
        let assembly = try store.assembly()
        let accession = assembly.flatMap { GenomicHGVS.accession(assembly: $0, contig: a.contig) }
        let symbolic = a.alt.hasPrefix("<") || a.kind == "breakend"
        let type: String = switch a.kind {
        case "snv": "SNP"
        case "mnv": "MNP"
        case "insertion": "INS"
        case "deletion": "DEL"
        case "complex": "INDEL"
        default: a.alt.hasPrefix("<") ? String(a.alt.dropFirst().prefix { $0 != ">" && $0 != ":" }) : "BND"
        }
        var variation: [String: JSON] = [
            "variantType": .string(type),
            "referenceBases": .string(a.ref),
            "alternateBases": .string(symbolic ? "N" : a.alt),
            "location": ["type": "SequenceLocation", "sequence_id": .string(accession.map { "refseq:" + $0 } ?? a.contig),
                         "interval": ["type": "SequenceInterval", "start": ["type": "Number", "value": .int(a.position - 1)],
                                      "end": ["type": "Number", "value": .int(a.end)]]],
        ]
        if symbolic { variation["alternateBases"] = "N" }
        var out: [String: JSON] = [
            "variantInternalId": .string(a.variantID.description),
            "variation": .object(variation),
        ]
        var ids: [String: JSON] = [:]
        if let assembly, let h = GenomicHGVS.describe(assembly: assembly, contig: a.contig, position: a.position, ref: a.ref, alt: a.alt, reference: nil) {
            ids["genomicHGVSId"] = .string(h)
        }
        if let rs = a.rsid { ids["variantAlternativeIds"] = [["id": .string(rs.hasPrefix("rs") ? "dbSNP:" + rs : rs)]] }
        if !ids.isEmpty { out["identifiers"] = .object(ids) }
        let ac = inCohort ? (a.cohort?.ac ?? 0) : a.ac
        let an = inCohort ? (a.cohort?.an ?? 0) : a.an
        if an > 0 {
            out["frequencyInPopulations"] = [[
                "source": .string(config.beaconName), "sourceReference": .string(baseURL + "/datasets/" + dataset.id),
                "version": .string(dataset.createdAt ?? "current"),
                "frequencies": [["population": .string(dataset.id), "alleleFrequency": .double(Double(ac) / Double(an)),
                                 "alleleCount": .int(ac), "alleleNumber": .int(an),
                                 "alleleCountHomozygous": .int(inCohort ? (a.cohort?.nHomAlt ?? 0) : a.nHomAlt)]],
            ]]
        }
        if let carriers, !carriers.isEmpty {
            out["caseLevelData"] = .array(carriers.map { name, z in
                let zyg: JSON = switch z {
                case .het: ["id": "GENO:0000135", "label": "heterozygous"]
                case .homAlt: ["id": "GENO:0000136", "label": "homozygous"]
                case .hemizygous: ["id": "GENO:0000134", "label": "hemizygous"]
                case .homRef, .noCall: ["id": "GENO:0000137", "label": "unspecified zygosity"]
                }
                // The allele's origin follows the biosample's status (tumour: neoplastic sample, see /biosamples).
                let origin: JSON = tumours.contains(name) ? ["id": "SO:0001777", "label": "somatic variant"] : ["id": "SO:0001778", "label": "germline variant"]
                return ["biosampleId": .string(name), "zygosity": zyg, "alleleOrigin": origin]
            })
        }
        return .object(out)
    }

    // MARK: - a variant's biosamples and individuals

    /// `/g_variants/{id}/biosamples` and `/g_variants/{id}/individuals`: who carries one variant. Tumours are
    /// biosamples with status "neoplastic sample" (their calls somatic), germline and normal samples "reference
    /// sample"; an individual carries the variant when any of their biosamples does. Below controlled the variant
    /// must be one this tier may see at all (``Disclosure/shows(_:)``), anonymous callers learn only whether it
    /// is carried, and counts (`numTotalResults`, and `info` with tumours and reference samples apart) go through
    /// the k rule; the controlled tier gets the biosamples or individuals themselves. Filters are refused: counts
    /// within a group are `/g_variants` with filters, under the tracker defence.
    func carriers(of id: VariantID, _ request: BeaconRequest, entity: String, tier: AccessTier, store: any VariantStore) throws -> Answer {
        guard request.filters.isEmpty else {
            throw BadRequest("/g_variants/{id}/\(entity == "individual" ? "individuals" : "biosamples") takes no filters; count a variant within a group at /g_variants with filters")
        }
        let granularity = min(request.requestedGranularity, tier.maximumGranularity)
        let limit = request.limit == 0 ? config.maxPageSize : min(request.limit, config.maxPageSize)
        let meta = responseMeta(entity: entity, returned: granularity, request: request, limit: limit)
        let disclosure = Disclosure(k: config.minimumCount, tier: tier, tally: suppression)
        let selection = try VariantSelection.resolve(request.selecting(id), store: store, genes: genes, maxRegionBases: config.maxRegionBases)
        let aggregate = request.testMode ? nil : try selection.fetch(nil).first { $0.variantID == id }
        // Who carries it: the counted samples and the tumours, read through the store's variant index.
        var carrying: [SampleRecord] = []
        if let a = aggregate, disclosure.shows(a) { carrying = try VariantQuery.carriers(of: a.variantID, in: store) }
        let tumours = carrying.filter { $0.role == .tumour }
        var seen = Set<String>()
        let people = carrying.filter { seen.insert($0.pseudonym).inserted }
        let n = entity == "individual" ? people.count : carrying.count
        var body: [String: JSON] = ["meta": meta]
        var disclosed = Disclosed()
        switch granularity {
        case .boolean:
            body["responseSummary"] = ["exists": .bool(n > 0)]
        case .count:
            body["responseSummary"] = ["exists": .bool(n > 0), "numTotalResults": .int(disclosure.count(n))]
            if entity == "biosample" {
                body["info"] = ["tumours": .int(disclosure.count(tumours.count)), "referenceSamples": .int(disclosure.count(carrying.count - tumours.count))]
            }
        case .record:
            let rows = entity == "individual" ? people : carrying
            let page = Array(rows.dropFirst(BeaconRequest.offset(skip: request.skip, limit: limit)).prefix(limit))
            let results = try peopleRecords(page, entity: entity, store: store)
            body["responseSummary"] = ["exists": .bool(n > 0), "numTotalResults": .int(n)]
            body["response"] = ["resultSets": [["id": "all", "setType": "dataset", "exists": .bool(n > 0), "resultsCount": .int(n), "results": .array(results)]]]
            disclosed = Disclosed(carriers: page.count, sampleIDs: page.count)
        }
        return Answer(body: .object(body), resultCount: n, granularity: granularity, summary: "\(entity)s carrying \(id)", disclosed: disclosed)
    }

    // MARK: - individuals, biosamples

    /// `/individuals` and `/biosamples`: existence and counts of samples matching the filters; records at controlled.
    func people(_ request: BeaconRequest, entity: String, tier: AccessTier, store: any VariantStore) throws -> Answer {
        guard !request.hasVariantParameters else {
            throw BadRequest("/\(entity == "individual" ? "individuals" : "biosamples") takes filters only; query variants at /g_variants")
        }
        let granularity = min(request.requestedGranularity, tier.maximumGranularity)
        let limit = request.limit == 0 ? config.maxPageSize : min(request.limit, config.maxPageSize)
        let meta = responseMeta(entity: entity, returned: granularity, request: request, limit: limit)
        let samples = try store.samples()
        let guarding = GroupGuard(config: config, tier: tier, store: store)
        let selected = try guarding.filterMembers(request.filters)
        if guarding.active && !request.filters.isEmpty {
            // Tracker defence: a count of people is the size of a group; its family must not single out fewer than m.
            let population = Set(samples.filter { entity == "biosample" || $0.counted }.map(\.ordinal))
            let terms = try guarding.terms(filters: request.filters, cohort: nil, people: population)
            _ = try guarding.check(terms, people: population, cohorts: try guarding.visibleCohorts())
        }
        let rows = samples.filter { s in selected.map { $0.contains(s.ordinal) } ?? true }
            .filter { entity == "biosample" || $0.counted }
        let n = request.testMode ? 0 : rows.count
        let disclosure = Disclosure(k: config.minimumCount, tier: tier, tally: suppression)
        var disclosed = Disclosed()
        var body: [String: JSON] = ["meta": meta]
        switch granularity {
        case .boolean:
            // Anonymous callers learn only whether at least k people match, never that a small group exists.
            body["responseSummary"] = ["exists": .bool(tier == .anonymous ? n >= config.minimumCount : n > 0)]
        case .count:
            body["responseSummary"] = ["exists": .bool(n > 0), "numTotalResults": .int(disclosure.count(n))]
        case .record:
            let page = request.testMode ? [] : Array(rows.dropFirst(BeaconRequest.offset(skip: request.skip, limit: limit)).prefix(limit))
            let results = try peopleRecords(page, entity: entity, store: store)
            body["responseSummary"] = ["exists": .bool(n > 0), "numTotalResults": .int(n)]
            body["response"] = ["resultSets": [["id": "all", "setType": "dataset", "exists": .bool(n > 0), "resultsCount": .int(n), "results": .array(results)]]]
            disclosed.sampleIDs = results.count
        }
        return Answer(body: .object(body), resultCount: n, granularity: granularity, summary: "filters \(request.filters)", disclosed: disclosed)
    }

    /// Individual records (pseudonym, sex) or biosample records (name, person, tumour or reference status).
    func peopleRecords(_ page: [SampleRecord], entity: String, store: any VariantStore) throws -> [JSON] {
        let females = try store.ordinals(whereField: "sex", equals: "female")
        let males = try store.ordinals(whereField: "sex", equals: "male")
        return page.map { s in
            if entity == "individual" {
                let sex: JSON = females.contains(s.ordinal) ? ["id": "NCIT:C16576", "label": "female"]
                    : males.contains(s.ordinal) ? ["id": "NCIT:C20197", "label": "male"] : ["id": "NCIT:C17998", "label": "unknown"]
                return ["id": .string(s.pseudonym), "sex": sex]
            }
            let status: JSON = s.role == .tumour ? ["id": "EFO:0009655", "label": "neoplastic sample"] : ["id": "EFO:0009654", "label": "reference sample"]
            return ["id": .string(s.name), "individualId": .string(s.pseudonym), "biosampleStatus": status,
                    "sampleOriginType": ["id": "OBI:0000655", "label": "blood specimen"]]
        }
    }

    // MARK: - collections

    /// `/datasets` and `/cohorts`: the store and its named cohorts (cohorts under the minimum size only at controlled).
    func collections(_ request: BeaconRequest, entity: String, tier: AccessTier, store: any VariantStore) throws -> Answer {
        let limit = request.limit == 0 ? config.maxPageSize : min(request.limit, config.maxPageSize)
        var sets = try datasets(store: store, tier: tier)
        if entity == "cohort" { sets.removeAll { $0.id == "all" } }
        let disclosure = Disclosure(k: config.minimumCount, tier: tier, tally: suppression)
        let items: [JSON] = sets.dropFirst(BeaconRequest.offset(skip: request.skip, limit: limit)).prefix(limit).map { d in
            var o: [String: JSON] = ["id": .string(d.id), "name": .string(d.name), "description": .string(d.description)]
            if entity == "cohort" {
                o["cohortType"] = "user-defined"
                if tier > .anonymous { o["cohortSize"] = .int(disclosure.count(d.size)) }
            } else {
                if let c = d.createdAt { o["createDateTime"] = .string(c) }
                if tier > .anonymous { o["info"] = ["people": .int(disclosure.count(d.size))] }
            }
            return .object(o)
        }
        let meta = responseMeta(entity: entity, returned: .record, request: request, limit: limit)
        let body: JSON = ["meta": meta, "responseSummary": ["exists": .bool(!sets.isEmpty), "numTotalResults": .int(sets.count)],
                          "response": ["collections": .array(items)]]
        return Answer(body: body, resultCount: sets.count, granularity: .record, summary: entity)
    }
}
