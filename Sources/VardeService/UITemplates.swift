import Mustache

/// The web UI's Mustache templates, compiled into the binary (a hospital install copies one executable). `{{x}}`
/// is HTML-escaped; `{{{x}}}` is used only for SVG and swatches drawn (and escaped) by ``UIPlot`` and for the
/// page body the layout wraps.
enum UITemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templates {
            // The templates are constants of this file: a parse error is a programming error caught by every UI test.
            if let t = try? MustacheTemplate(string: text) { library.register(t, named: name) }
        }
        return library
    }()

    static let templates: [String: String] = [
        "layout": layout, "home": home, "locus": locus, "variant": variant, "login": login, "error": error, "candidates": candidates,
    ]

    static let layout = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · Varde</title>
    <link rel="stylesheet" href="/ui/assets/ui.css">
    <link rel="icon" href="/ui/assets/favicon.svg" type="image/svg+xml">
    <script src="/ui/assets/ui.js" defer></script>
    </head>
    <body>
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="/ui/">Varde</a>
      <form class="search" action="/ui/search" method="get" role="search">
        <label for="q" class="sr">Search genes, variants, regions</label>
        <input id="q" name="q" type="search" value="{{q}}" placeholder="Gene, 22-16050075-A-G, 22:16050000-16051000, rs…" autocomplete="off" spellcheck="false">
        {{#hasCohort}}<input type="hidden" name="cohort" value="{{cohort}}">{{/hasCohort}}
        <button type="submit">Search</button>
      </form>
      <div class="who">
        <span class="badge tier-{{tier}}" data-tier="{{tier}}">{{tierLabel}}</span>
        {{#signedIn}}<span class="name">{{name}}</span>
        <form method="post" action="/ui/logout" class="inline"><button type="submit" class="link">Sign out</button></form>{{/signedIn}}
        {{^signedIn}}<a href="/ui/login">Sign in</a>{{/signedIn}}
      </div>
    </header>
    <main id="main">
    {{{body}}}
    </main>
    <footer><p>{{tierNote}}</p><p>Coordinates are 1-based. Varde answers from its own store only.</p></footer>
    </body>
    </html>
    """

    static let home = """
    <h1>Search the variant store</h1>
    <p class="lead">One box takes a gene symbol or alias, a variant (<code>22-16050075-A-G</code>, <code>chr22:16050075 A&gt;G</code>),
    a region (<code>22:16050000-16051000</code>; a lone position gets ±20 bases), an rsID or <code>NC_…:g.</code> HGVS.</p>
    {{#hasExamples}}<h2>Examples from this store</h2>{{/hasExamples}}
    <ul class="chips">{{#examples}}<li><a href="{{href}}">{{label}}</a></li>{{/examples}}</ul>
    {{#anonymous}}<p class="note">You are not signed in: pages say whether variants are present, without counts. <a href="/ui/login">Sign in</a> with your access token for counts and frequencies.</p>{{/anonymous}}
    {{^anonymous}}
    <h2>Cohorts</h2>
    {{#hasCohorts}}<ul class="cohorts">{{#cohorts}}<li>{{label}}</li>{{/cohorts}}</ul>
    <p class="note">Pick one on any gene, region or variant page to see its frequencies beside the whole store's.</p>{{/hasCohorts}}
    {{^hasCohorts}}<p class="note">No cohort is available at your tier (cohorts need at least {{minimumCohortSize}} people).</p>{{/hasCohorts}}
    {{/anonymous}}
    """

    static let cohortPicker = """
    <label for="cohort">Cohort</label>
    <select id="cohort" name="cohort">
    <option value="">All people in the store</option>
    {{#cohorts}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/cohorts}}
    </select>
    """

    static let locus = """
    <h1>{{heading}}</h1>
    <p class="sub">{{subtitle}}</p>
    {{#anonymous}}
    <section class="presence" aria-live="polite">
    <p class="answer {{#exists}}yes{{/exists}}{{^exists}}no{{/exists}}" data-exists="{{exists}}">{{answer}}</p>
    <p class="note">Anonymous access answers present or not present only (variants carried by fewer than {{k}} alleles read not present). <a href="/ui/login">Sign in</a> for counts, the plot and the table.</p>
    </section>
    {{/anonymous}}
    {{^anonymous}}
    <form class="controls" method="get" action="{{path}}" data-autosubmit>
    <div class="field">
    \(cohortPicker)
    </div>
    <fieldset class="field"><legend>Origin</legend>
    <label><input type="radio" name="origin" value="all"{{#originAll}} checked{{/originAll}}> all</label>
    <label><input type="radio" name="origin" value="germline"{{#originGermline}} checked{{/originGermline}}> germline</label>
    <label><input type="radio" name="origin" value="somatic"{{#originSomatic}} checked{{/originSomatic}}> somatic</label>
    </fieldset>
    <fieldset class="field legend"><legend>Consequence</legend><input type="hidden" name="csq" value="">
    {{#legend}}<label class="toggle" data-csq="{{key}}"><input type="checkbox" name="csq" value="{{key}}"{{#checked}} checked{{/checked}}> {{{swatch}}} {{label}} <span class="n">({{count}})</span></label>{{/legend}}
    </fieldset>
    <div class="field"><label for="maxaf">Max AF</label> <input id="maxaf" name="maxaf" inputmode="decimal" size="7" value="{{maxaf}}" placeholder="e.g. 0.01"></div>
    <input type="hidden" name="sort" value="{{sort}}">
    <button type="submit">Apply</button>
    </form>
    {{#coding}}<nav class="views" aria-label="Plot"><a href="{{genomeHref}}"{{^proteinView}} aria-current="page"{{/proteinView}}>Genome</a> · <a href="{{proteinHref}}"{{#proteinView}} aria-current="page"{{/proteinView}}>Protein</a></nav>{{/coding}}
    <figure class="plot">
    {{{svg}}}
    {{#proteinView}}<figcaption>Residues of {{transcript}} ({{residues}} changed): germline above the axis (height by the number of variants changing the residue), somatic below (by tumours). Colour and shape give the most common consequence there. {{lengthNote}} Select a pin for its variant page.</figcaption>{{/proteinView}}
    {{^proteinView}}<figcaption>Germline variants above the axis (height and size by {{#cohortPicked}}cohort {{/cohortPicked}}allele frequency, log scale; hollow where the frequency is withheld; on the baseline when AF is 0), somatic below (by tumour count). Colour and shape give the consequence.{{#hasExons}} On the axis the exons of {{exonTranscript}} (coding parts taller).{{/hasExons}} Select a mark for its variant page.{{#dense}} Too many variants to draw one by one: counts per bin.{{/dense}}</figcaption>{{/proteinView}}
    </figure>
    <p class="count" id="count" data-total="{{total}}">{{^empty}}Showing {{from}}–{{to}} of {{total}} variants{{/empty}}{{#empty}}No variants{{/empty}}{{#filteredOut}} ({{all}} before filters){{/filteredOut}}.{{#masked}} Variants carried by fewer than {{k}} alleles and {{k}} tumours are not shown at the {{tierLabel}} tier.{{/masked}}</p>
    <p class="actions"><a href="{{csvHref}}" download>Download CSV ({{total}} rows)</a> · <a href="{{svgHref}}" download>Plot as SVG</a></p>
    {{^empty}}
    <div class="tablewrap">
    <table class="variants">
    <caption class="sr">Variants, sortable by the column links</caption>
    <thead><tr>
    {{#sortLinks}}<th scope="col" class="{{align}}" aria-sort="{{ariaSort}}"><a href="{{href}}">{{label}}{{arrow}}</a></th>{{/sortLinks}}
    <th scope="col" class="num">AN</th><th scope="col" class="num">Hom</th>
    {{#cohortPicked}}{{#cohortSort}}<th scope="col" class="num">Cohort AC</th><th scope="col" class="num" aria-sort="{{ariaSort}}"><a href="{{href}}">{{label}}{{arrow}}</a></th>{{/cohortSort}}{{/cohortPicked}}
    <th scope="col">Consequence</th><th scope="col">rsID</th><th scope="col">Filter</th>
    </tr></thead>
    <tbody>
    {{#rows}}<tr data-id="{{id}}"><td><a href="{{href}}">{{id}}</a></td><td class="num">{{ac}}</td><td class="num">{{af}}</td><td class="num">{{tumours}}</td>
    <td class="num">{{an}}</td><td class="num">{{hom}}</td>
    {{#cohortPicked}}<td class="num">{{cohortAC}}</td><td class="num">{{cohortAF}}</td>{{/cohortPicked}}
    <td><span class="csq csq-{{category}}" title="{{categoryLabel}}">{{consequence}}</span></td><td>{{rsid}}</td><td>{{filter}}</td></tr>
    {{/rows}}
    </tbody>
    </table>
    </div>
    <nav class="pager" aria-label="Pages">{{#prev}}<a href="{{prev}}" rel="prev">← Previous 100</a>{{/prev}} {{#next}}<a href="{{next}}" rel="next">Next 100 →</a>{{/next}}</nav>
    {{/empty}}
    {{#empty}}<p class="note">No variant matches these filters.</p>{{/empty}}
    {{/anonymous}}
    """

    static let variant = """
    <h1>{{id}}</h1>
    {{#anonymous}}
    <section class="presence" aria-live="polite">
    <p class="answer {{#exists}}yes{{/exists}}{{^exists}}no{{/exists}}" data-exists="{{exists}}">{{answer}}</p>
    <p class="note">Anonymous access answers present or not present only (a variant carried by fewer than {{k}} alleles reads not present). <a href="/ui/login">Sign in</a> for counts.</p>
    </section>
    {{/anonymous}}
    {{^anonymous}}
    {{#missing}}<p class="answer no">Not found{{#masked}} at your tier (variants carried by fewer than {{k}} alleles and {{k}} tumours are not shown){{/masked}}.</p>{{/missing}}
    {{^missing}}
    <dl class="facts">
    <dt>HGVS</dt><dd>{{hgvsg}}</dd><dt>rsID</dt><dd>{{rsid}}</dd><dt>Kind</dt><dd>{{kind}}</dd>
    <dt>Consequence</dt><dd>{{consequences}} ({{category}})</dd><dt>Genes</dt><dd>{{genes}}</dd><dt>Filter</dt><dd>{{filters}}</dd>
    </dl>
    <h2>Frequencies</h2>
    <form class="controls" method="get" action="{{path}}" data-autosubmit>
    <div class="field">
    \(cohortPicker)
    </div>
    <button type="submit">Apply</button>
    </form>
    <div class="tablewrap">
    <table class="freq">
    <caption class="sr">Allele counts in the store and in each cohort</caption>
    <thead><tr><th scope="col">Group</th><th scope="col" class="num">AC</th><th scope="col" class="num">AN</th><th scope="col" class="num">AF</th><th scope="col" class="num">Hom</th><th scope="col" class="num">Hemi</th></tr></thead>
    <tbody>
    {{#groups}}<tr{{#picked}} class="picked"{{/picked}}><th scope="row">{{label}}</th><td class="num">{{ac}}</td><td class="num">{{an}}</td><td class="num">{{af}}</td><td class="num">{{hom}}</td><td class="num">{{hemi}}</td></tr>
    {{/groups}}
    </tbody>
    </table>
    </div>
    {{#notes}}<p class="note">{{label}}: {{note}}.</p>{{/notes}}
    <figure class="plot">{{{bars}}}<figcaption>Allele frequency in the whole store and in each cohort you may see, on one scale.</figcaption></figure>
    {{#hasSomatic}}{{#somatic}}
    <h2>Somatic</h2>
    <p>Tumours carrying it: <strong>{{tumours}}</strong> · median VAF {{vaf}}</p>
    <figure class="plot small">{{{histogram}}}<figcaption>Tumours by variant allele fraction.</figcaption></figure>
    {{#hasDiagnoses}}<p>Tumours by diagnosis:</p><ul class="diagnoses">{{#diagnoses}}<li>{{name}}: {{count}}</li>{{/diagnoses}}</ul>{{/hasDiagnoses}}
    {{/somatic}}{{/hasSomatic}}
    <p class="actions"><a href="{{csvHref}}" download>Download CSV</a> · <a href="{{region}}">Variants within 500 bases</a> · API: <code>GET {{api}}</code> (with your token)</p>
    {{/missing}}
    {{/anonymous}}
    """

    static let login = """
    <h1>Sign in</h1>
    {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
    <form class="login" method="post" action="/ui/login">
    <label for="token">Access token</label>
    <input id="token" name="token" type="password" autocomplete="off" required>
    <button type="submit">Sign in</button>
    </form>
    <p class="note">The token your administrator issued (the same one the API takes as <code>Authorization: Bearer</code>). It is kept in a cookie only this site's pages receive, which scripts cannot read, for eight hours or until you sign out.</p>
    """

    static let error = """
    <h1>{{status}}</h1>
    <p class="error" role="alert">{{message}}</p>
    <p><a href="/ui/">Back to search</a></p>
    """

    static let candidates = """
    <h1>Search: {{query}}</h1>
    <p{{#none}} class="error" role="alert"{{/none}}>{{message}}</p>
    {{^none}}<ul class="candidates">{{#items}}<li><a href="{{href}}">{{label}}</a> <span class="note">{{note}}</span></li>{{/items}}</ul>{{/none}}
    """
}
