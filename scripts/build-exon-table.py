#!/usr/bin/env python3
"""Builds reference/exons.<ASSEMBLY>.tsv, the exons the web UI draws on gene pages, from an Ensembl GFF3.

One row per gene: the gene's representative transcript, chosen as Ensembl does where the file says
(tag Ensembl_canonical, then MANE_Select), else the transcript with the longest CDS, then the longest exonic length,
then the smallest ID. Coordinates are the file's (1-based, inclusive).

    scripts/build-exon-table.py Homo_sapiens.GRCh38.<release>.gff3.gz GRCh38 > reference/exons.GRCh38.tsv

No genome-wide table ships with Varde (there is no offline source here); download the GFF3 once from
https://ftp.ensembl.org/pub/current_gff3/homo_sapiens/ (GRCh37: https://ftp.ensembl.org/pub/grch37/) and run this.
"""
import gzip
import sys
from collections import defaultdict
from urllib.parse import unquote


def attributes(text: str) -> dict[str, str]:
    out = {}
    for part in text.strip().split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            out[key] = unquote(value)
    return out


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    path, assembly = sys.argv[1], sys.argv[2]
    opener = gzip.open if path.endswith(".gz") else open
    genes: dict[str, str] = {}                                  # gene ID -> symbol
    transcripts: dict[str, dict] = {}                            # transcript ID -> fields
    exons: dict[str, list[tuple[int, int]]] = defaultdict(list)
    cds: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 9:
                continue
            seqid, _, kind, start, end, _, strand, _, attrs = cols
            a = attributes(attrs)
            if "Parent" not in a and a.get("ID", "").startswith("gene:"):
                genes[a["ID"]] = a.get("Name") or a["ID"].removeprefix("gene:")
            elif kind in ("transcript", "mRNA") or (a.get("ID", "").startswith("transcript:") and "Parent" in a):
                transcripts[a["ID"]] = {"gene": a["Parent"], "chrom": seqid, "strand": strand,
                                        "tags": set(a.get("tag", "").split(",")), "name": a["ID"].removeprefix("transcript:")}
            elif kind == "exon":
                for parent in a.get("Parent", "").split(","):
                    exons[parent].append((int(start), int(end)))
            elif kind == "CDS":
                for parent in a.get("Parent", "").split(","):
                    cds[parent].append((int(start), int(end)))
    by_gene: dict[str, list[str]] = defaultdict(list)
    for tid, t in transcripts.items():
        if t["gene"] in genes and exons.get(tid):
            by_gene[t["gene"]].append(tid)

    def rank(tid: str):
        t = transcripts[tid]
        cds_length = sum(e - s + 1 for s, e in cds.get(tid, []))
        exon_length = sum(e - s + 1 for s, e in exons[tid])
        return (-("Ensembl_canonical" in t["tags"]), -("MANE_Select" in t["tags"]), -cds_length, -exon_length, t["name"])

    print(f"# Exons of one representative transcript per gene on {assembly} (1-based, inclusive), from {path.rsplit('/', 1)[-1]}; "
          "made by scripts/build-exon-table.py")
    print("#SYMBOL\tTRANSCRIPT\tCHROM\tSTRAND\tEXONS\tCDS_START\tCDS_END")
    rows = []
    for gid, tids in by_gene.items():
        best = min(tids, key=rank)
        t = transcripts[best]
        spans = sorted(exons[best])
        coding = cds.get(best, [])
        cds_start = min(s for s, _ in coding) if coding else "."
        cds_end = max(e for _, e in coding) if coding else "."
        rows.append((t["chrom"], spans[0][0], genes[gid], t["name"], t["strand"],
                     ",".join(f"{s}-{e}" for s, e in spans), cds_start, cds_end))
    for chrom, _, symbol, name, strand, spans, cs, ce in sorted(rows, key=lambda r: (r[0], r[1], r[2])):
        print(f"{symbol}\t{name}\t{chrom}\t{strand}\t{spans}\t{cs}\t{ce}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
