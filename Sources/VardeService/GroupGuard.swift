import VariantStore

/// The request side of ``QuerySetGuard``: reads who is counted (people, their sex and diagnosis, the cohorts),
/// decides which cohorts are shown below the controlled tier, turns a request's filters and dataset into the
/// family of groups it could be subtracted from, and refuses (403) a group whose family singles out fewer than m
/// people. The controlled tier sees every group, unguarded.
struct GroupGuard {
    let config: ServiceConfiguration
    let tier: AccessTier
    let store: any VariantStore

    /// What one request has read already (a guard lives for one request, on one snapshot).
    final class Memo {
        var population: Set<UInt32>?
        var cohorts: [Cohort]?
        var diagnoses: [UInt32: String]??
    }
    let memo = Memo()

    var active: Bool { tier < .controlled }
    var rules: QuerySetGuard { QuerySetGuard(minimumGroup: config.minimumCohortSize, minimumCount: config.minimumCount) }

    /// A saved cohort with its members.
    struct Cohort {
        var name: String
        var size: Int
        var definition: String
        var createdAt: String
        var members: Set<UInt32>
    }

    /// One term of a request: the people it selects, and the groups a caller could ask about in its place.
    struct Term {
        var label: String
        var members: Set<UInt32>
        var alternatives: [Set<UInt32>]
    }

    /// Every counted person (one germline sample each): the N answers are counted over.
    func population() throws -> Set<UInt32> {
        if let p = memo.population { return p }
        let p = Set(try store.samples().filter(\.counted).map(\.ordinal))
        memo.population = p
        return p
    }

    /// The cohorts this tier may see, oldest first: below controlled, a cohort of at least m counted people that
    /// keeps the family of shown cohorts (and the population) from singling out fewer than m people.
    func visibleCohorts(population: Set<UInt32>? = nil) throws -> [Cohort] {
        if let c = memo.cohorts { return c }
        let c = try readVisibleCohorts(population: population)
        memo.cohorts = c
        return c
    }

    private func readVisibleCohorts(population: Set<UInt32>?) throws -> [Cohort] {
        var all: [Cohort] = []
        for c in try store.cohorts().sorted(by: { ($0.createdAt, $0.name) < ($1.createdAt, $1.name) }) {
            all.append(Cohort(name: c.name, size: c.size, definition: c.definition, createdAt: c.createdAt,
                              members: try store.cohort(named: c.name) ?? []))
        }
        guard active else { return all }
        let people = try population ?? self.population()
        var shown: [Cohort] = []
        var groups: [Set<UInt32>] = []
        for c in all {
            let counted = c.members.intersection(people)
            guard c.size >= config.minimumCohortSize, counted.count >= config.minimumCohortSize else { continue }
            let family = QuerySetGuard.family(population: people, groups: groups + [counted])
            if rules.smallestUnsafeGroup(family) == nil {
                shown.append(c)
                groups.append(counted)
            }
        }
        return shown
    }

    /// A cohort by name as this tier may use it; a hidden cohort answers exactly as one that does not exist.
    func cohort(named name: String) throws -> Cohort? {
        try visibleCohorts().first { $0.name == name }
    }

    // MARK: - Filters

    static let female = "NCIT:C16576", male = "NCIT:C20197"

    /// An ICD-10 filter's code: a letter, then digits, letters or one dot (`C71`, `C34.1`); SQL wildcards, spaces
    /// and control characters are refused, so a filter means exactly the prefix it names.
    static func icdCode(_ filter: String) throws -> String {
        let code = String(filter.dropFirst(6)).uppercased()
        guard let first = code.unicodeScalars.first, ("A"..."Z").contains(first), code.count <= 8,
              code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." }),
              code.filter({ $0 == "." }).count <= 1 else {
            throw BadRequest("'\(filter.prefix(40))' is not an ICD-10 code prefix: write ICD10: then a letter and digits, e.g. ICD10:C71 or ICD10:C34.1")
        }
        return code
    }

    /// The samples one filter selects (all active samples, tumours included; the guard counts people).
    func members(of filter: String, diagnoses: [UInt32: String]?) throws -> Set<UInt32> {
        if filter == Self.female { return try store.ordinals(whereField: "sex", equals: "female") }
        if filter == Self.male { return try store.ordinals(whereField: "sex", equals: "male") }
        if filter.uppercased().hasPrefix("ICD10:") {
            let code = try Self.icdCode(filter)
            if let diagnoses { return Set(diagnoses.filter { $0.value.uppercased().hasPrefix(code) }.keys) }
            return try store.ordinals(whereField: "diagnosis", equals: code)
        }
        if filter.hasPrefix("cohort:"), let c = try cohort(named: String(filter.dropFirst(7))) { return c.members }
        throw BadRequest("unknown filter '\(filter.prefix(60))': see /filtering_terms")
    }

    /// Each active sample's diagnosis, when the store can list them.
    func diagnoses() throws -> [UInt32: String]? {
        if let d = memo.diagnoses { return d }
        let d = try (store as? any SampleFieldReading)?.sampleValues(ofField: "diagnosis")
        memo.diagnoses = .some(d)
        return d
    }

    /// The samples the filters select together (AND), or nil for none.
    func filterMembers(_ filters: [String]) throws -> Set<UInt32>? {
        guard !filters.isEmpty else { return nil }
        let d = filters.contains { $0.uppercased().hasPrefix("ICD10:") } ? try diagnoses() : nil
        var result: Set<UInt32>?
        for f in filters {
            let set = try members(of: f, diagnoses: d)
            result = result.map { $0.intersection(set) } ?? set
        }
        return result
    }

    /// The terms of a request (its dataset's cohort, then each filter), with their alternatives, over `people`.
    func terms(filters: [String], cohort: Cohort?, people: Set<UInt32>) throws -> [Term] {
        var out: [Term] = []
        if let cohort { out.append(Term(label: "dataset \(cohort.name)", members: cohort.members, alternatives: [cohort.members.intersection(people)])) }
        let d = filters.contains { $0.uppercased().hasPrefix("ICD10:") } ? try diagnoses() : nil
        for f in filters {
            if f == Self.female || f == Self.male {
                let females = try store.ordinals(whereField: "sex", equals: "female"), males = try store.ordinals(whereField: "sex", equals: "male")
                out.append(Term(label: f, members: f == Self.female ? females : males,
                                alternatives: [females.intersection(people), males.intersection(people)]))
            } else if f.uppercased().hasPrefix("ICD10:") {
                out.append(try diagnosisTerm(f, diagnoses: d, people: people))
            } else {
                let m = try members(of: f, diagnoses: d)
                out.append(Term(label: f, members: m, alternatives: [m.intersection(people)]))
            }
        }
        return out
    }

    /// An ICD-10 prefix as a path down the code: at each level (one more character) the people under the parent
    /// are split by their next character; children of at least m people are answerable, the rest pooled, and while
    /// the pool holds 1 to m − 1 people the smallest answerable child joins it. The asked-for child must be
    /// answerable at every level; its alternatives are, per level, the child, its answerable siblings together,
    /// and the pool.
    func diagnosisTerm(_ filter: String, diagnoses: [UInt32: String]?, people: Set<UInt32>) throws -> Term {
        let code = try Self.icdCode(filter)
        let members = try self.members(of: filter, diagnoses: diagnoses)
        guard let diagnoses else {
            // Without a list of diagnoses the levels cannot be split: the prefix alone, checked as any group.
            return Term(label: filter, members: members, alternatives: [members.intersection(people)])
        }
        let m = config.minimumCohortSize
        var alternatives: [Set<UInt32>] = []
        var parent = people
        for length in 1...code.count {
            let target = String(code.prefix(length))
            var children: [String: Set<UInt32>] = [:]
            for o in parent {
                let d = diagnoses[o]?.uppercased() ?? ""
                children[d.count >= length && d.hasPrefix(target.dropLast()) ? String(d.prefix(length)) : "", default: []].insert(o)
            }
            var answerable = children.filter { !$0.key.isEmpty && $0.value.count >= m }
                .sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
            var pool = Set<UInt32>()
            for (key, set) in children where !answerable.contains(where: { $0.key == key }) { pool.formUnion(set) }
            while !pool.isEmpty && pool.count < m, let smallest = answerable.popLast() { pool.formUnion(smallest.value) }
            guard let chosen = answerable.first(where: { $0.key == target }) else {
                throw BadRequest("the filter ICD10:\(target) selects fewer than \(m) people, or is held back so that a smaller diagnosis group cannot be worked out by subtraction; such groups are answered only at the controlled tier", status: 403)
            }
            var siblings = Set<UInt32>()
            for (key, set) in answerable where key != target { siblings.formUnion(set) }
            alternatives += [chosen.value, siblings, pool].filter { !$0.isEmpty }
            parent = chosen.value
        }
        return Term(label: filter, members: members, alternatives: alternatives)
    }

    /// The family of groups a request over `terms` could be combined with: the population, the shown cohorts, and
    /// every combination of the terms, each left out or replaced by one of its alternatives. Throws 403 when a group
    /// of 1 to m − 1 people can be worked out of it; nil when unguarded (controlled tier, or no terms).
    func check(_ terms: [Term], people: Set<UInt32>, cohorts: [Cohort]) throws -> QuerySetGuard.Family? {
        guard active, !terms.isEmpty else { return nil }
        var groups: [Set<UInt32>] = [people]
        for t in terms {
            guard groups.count * (t.alternatives.count + 1) <= QuerySetGuard.maxGroups else {
                throw BadRequest("too many filters at once: below the controlled tier a query takes filters whose combinations stay under \(QuerySetGuard.maxGroups) groups", status: 403)
            }
            groups += groups.flatMap { g in t.alternatives.map { g.intersection($0) } }
        }
        // A combination of 1..m−1 people cannot be asked for (its own request is refused), so it joins the family
        // only as the request's own group; if subtraction can still work it out, the closure finds it.
        let own = terms.reduce(people) { $0.intersection($1.members) }
        groups = groups.filter { $0.isEmpty || $0.count >= config.minimumCohortSize } + [own]
        let family = QuerySetGuard.family(population: people, groups: groups + cohorts.map { $0.members.intersection(people) })
        if rules.smallestUnsafeGroup(family) != nil {
            throw BadRequest("\(terms.map(\.label).joined(separator: " and ")): answers about this group could be added to and subtracted from others to single out fewer than \(config.minimumCohortSize) people; such groups are answered only at the controlled tier", status: 403)
        }
        return family
    }

    /// The family of the shown cohorts alone (what unfiltered cohort answers are checked against).
    func cohortFamily(people: Set<UInt32>, cohorts: [Cohort]) -> QuerySetGuard.Family? {
        guard active else { return nil }
        return QuerySetGuard.family(population: people, groups: cohorts.map { $0.members.intersection(people) })
    }
}
