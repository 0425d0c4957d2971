#!/usr/bin/env python3
"""Builds reference/genes.GRCh38.tsv and reference/gene-aliases.tsv from Debian's r-bioc-org.hs.eg.db.

The package ships Bioconductor's org.Hs.eg.db SQLite database, whose chromosome_locations table holds
UCSC hg38 (GRCh38) transcript extents per Entrez gene (0-based starts, 1-based ends, negative values on
the minus strand). A gene's row here spans all its transcripts on a primary chromosome, 1-based and
inclusive (EGFR: 7:55019017-55211628). Run: apt-get install r-bioc-org.hs.eg.db; scripts/build-gene-table.py
"""
import sqlite3
import sys

DB = "/usr/lib/R/site-library/org.Hs.eg.db/extdata/org.Hs.eg.sqlite"
PRIMARY = {str(i) for i in range(1, 23)} | {"X", "Y", "MT"}
# Transcripts of one gene further apart than this are separate loci (copies), not one extent.
LOCUS_GAP = 100_000


def main() -> int:
    db = sqlite3.connect(DB)
    meta = dict(db.execute("SELECT name, value FROM metadata"))
    chrloc = db.execute("SELECT source_date FROM map_metadata WHERE map_name = 'CHRLOC'").fetchone()[0]
    # Transcript extents per (symbol, entrez, chromosome); a gene with copies far apart on one chromosome
    # (RNU1-1..4, snoRNA families) gets one row per locus instead of one extent spanning 100+ Mb.
    spans: dict[tuple[str, str, str], list[tuple[int, int, str]]] = {}
    for entrez, symbol, chrom, start, end in db.execute(
        "SELECT g.gene_id, i.symbol, c.seqname, c.start_location, c.end_location FROM chromosome_locations c "
        "JOIN genes g ON g._id = c._id JOIN gene_info i ON i._id = c._id"
    ):
        if chrom not in PRIMARY:
            continue
        strand = "-" if start < 0 else "+"
        spans.setdefault((symbol, entrez, chrom), []).append((abs(start) + 1, abs(end), strand))
    genes: dict[tuple[str, str, str], list[list]] = {}
    for key, extents in spans.items():
        loci: list[list] = []
        for s, e, strand in sorted(extents):
            if loci and s <= loci[-1][1] + LOCUS_GAP:
                loci[-1][1] = max(loci[-1][1], e)
            else:
                loci.append([s, e, strand])
        genes[key] = loci
    with open("reference/genes.GRCh38.tsv", "w") as out:
        out.write(f"# Gene extents on GRCh38 (1-based, inclusive): UCSC hg38 locations {chrloc} and Entrez Gene "
                  f"{meta.get('EGSOURCEDATE')} from Bioconductor org.Hs.eg.db (Debian r-bioc-org.hs.eg.db); "
                  "made by scripts/build-gene-table.py\n")
        out.write("#SYMBOL\tENTREZ\tCHROM\tSTART\tEND\tSTRAND\n")
        for (symbol, entrez, chrom), loci in sorted(genes.items(), key=lambda kv: (kv[0][0], kv[0][2])):
            for s, e, strand in loci:
                out.write(f"{symbol}\t{entrez}\t{chrom}\t{s}\t{e}\t{strand}\n")
    symbols = {s for (s, _, _) in genes}
    with open("reference/gene-aliases.tsv", "w") as out:
        out.write("# Alias symbol -> official symbol (Entrez Gene via org.Hs.eg.db); only genes with GRCh38 locations\n")
        out.write("#ALIAS\tSYMBOL\n")
        rows = set()
        for alias, symbol in db.execute(
            "SELECT a.alias_symbol, i.symbol FROM alias a JOIN gene_info i ON i._id = a._id"
        ):
            if symbol in symbols and alias != symbol:
                rows.add((alias, symbol))
        for alias, symbol in sorted(rows):
            out.write(f"{alias}\t{symbol}\n")
    print(f"{sum(len(v) for v in genes.values())} gene loci of {len(genes)} genes, {len(rows)} aliases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
