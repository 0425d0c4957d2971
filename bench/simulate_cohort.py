#!/usr/bin/env python3
"""Simulate a realistic-looking cohort VCF with msprime, for Varde's benchmarks.

Example:
    python3 bench/simulate_cohort.py --samples 10000 --length 5000000 \
        --seed 42 --contig 22 --out bench/data/cohort10k.vcf.gz

What comes out:
  * a bgzip-compressed VCFv4.2 (piped through `bgzip -@2`), with a GRCh38
    contig header, `DK000001`.. sample names, FORMAT/GT only and INFO/AC,AN;
  * diploid individuals simulated under a human-like demography (European
    lineage of Tennessen et al. 2012: bottleneck then explosive recent
    growth, hence many rare variants), or a constant Ne=10,000;
  * mutations under JC69 on a discrete genome, so REF/ALT are nucleotides and
    some sites are multi-allelic (several mutations hit the same base);
  * positions are integers, strictly increasing, offset onto the contig
    (default: start at 16,000,001);
  * optionally a small fraction of missing calls (`./.`), drawn from a seeded
    RNG.

The whole output is a pure function of the arguments and the pinned package
versions in bench/requirements.txt: it does not depend on time or host.

Memory: the tree sequence is small (tens of MB even for 10k samples x 20 Mb);
genotypes are decoded one site at a time and streamed to bgzip, so peak memory
is independent of the number of sites.
"""

import argparse
import math
import os
import subprocess
import sys
import time

import msprime
import numpy as np
import tskit

# GRCh38 primary assembly lengths, for the ##contig header.
GRCH38_LENGTHS = {
    "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555,
    "5": 181538259, "6": 170805979, "7": 159345973, "8": 145138636,
    "9": 138394717, "10": 133797422, "11": 135086622, "12": 133275309,
    "13": 114364328, "14": 107043718, "15": 101991189, "16": 90338345,
    "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
    "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415,
}

# ASCII codes used to assemble GT columns directly as bytes.
TAB, NEWLINE, DOT, SLASH, PIPE, ZERO = (ord(c) for c in "\t\n./|0")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--samples", type=int, required=True,
                   help="number of diploid individuals")
    p.add_argument("--length", type=int, required=True,
                   help="simulated sequence length in bp")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--contig", default="22",
                   help="contig name, e.g. 22 or chr22 (default 22)")
    p.add_argument("--contig-length", type=int,
                   help="override the ##contig length (default: GRCh38)")
    p.add_argument("--offset", type=int, default=16_000_000,
                   help="added to simulated 0-based positions; the first "
                        "possible VCF POS is offset+1 (default 16,000,000)")
    p.add_argument("--demography", choices=["european", "constant"],
                   default="european",
                   help="european: out-of-Africa bottleneck + recent "
                        "explosive growth (many rare variants, like real "
                        "cohorts); constant: Ne=10,000")
    p.add_argument("--mutation-rate", type=float, default=1.29e-8)
    p.add_argument("--recombination-rate", type=float, default=1e-8)
    p.add_argument("--missing", type=float, default=0.005,
                   help="fraction of genotype calls set to ./. (default "
                        "0.005; 0 disables)")
    p.add_argument("--unphased", action="store_true",
                   help="write 0/1 instead of 0|1")
    p.add_argument("--out", required=True, help="output .vcf.gz path")
    p.add_argument("--threads", type=int, default=2,
                   help="bgzip compression threads (default 2)")
    args = p.parse_args(argv)

    if args.contig_length is None:
        key = args.contig[3:] if args.contig.startswith("chr") else args.contig
        if key not in GRCH38_LENGTHS:
            p.error(f"unknown GRCh38 contig {args.contig!r}; "
                    "pass --contig-length")
        args.contig_length = GRCH38_LENGTHS[key]
    if args.offset + args.length > args.contig_length:
        p.error("--offset + --length runs past the end of the contig")
    if not args.out.endswith(".vcf.gz"):
        p.error("--out must end in .vcf.gz")
    if not 0 <= args.missing < 1:
        p.error("--missing must be in [0, 1)")
    return args


def log(msg):
    print(f"[simulate_cohort] {msg}", file=sys.stderr, flush=True)


def european_demography():
    """Single-population European history after Tennessen et al. (2012), as
    in stdpopsim's HomSap/OutOfAfrica_2T12 CEU lineage, without the African
    deme and migration: ancestral size 7,310; African expansion to 14,474
    (148 kya); out-of-Africa bottleneck of 1,861 (51 kya); 1,032 at the
    Europe/Asia split (23 kya) growing at 0.307%/generation, then explosive
    growth at 1.95%/generation over the last 5,115 years to ~500,000 today.
    The recent growth is what gives large cohorts their excess of rare
    variants. Times in generations of 25 years."""
    gen = 25
    t_eg, t_eu_as, t_b, t_af = 5115 / gen, 23e3 / gen, 51e3 / gen, 148e3 / gen
    n_eu0, r_eu0, r_eu = 1032, 0.00307, 0.0195
    n_eg = n_eu0 * math.exp(r_eu0 * (t_eu_as - t_eg))  # size when growth sped up
    n_now = n_eg * math.exp(r_eu * t_eg)
    d = msprime.Demography()
    d.add_population(name="EUR", initial_size=n_now, growth_rate=r_eu)
    d.add_population_parameters_change(time=t_eg, initial_size=n_eg,
                                       growth_rate=r_eu0, population="EUR")
    d.add_population_parameters_change(time=t_eu_as, initial_size=1861,
                                       growth_rate=0, population="EUR")
    d.add_population_parameters_change(time=t_b, initial_size=14474,
                                       population="EUR")
    d.add_population_parameters_change(time=t_af, initial_size=7310,
                                       population="EUR")
    return d


def simulate(args):
    t0 = time.monotonic()
    common = dict(ploidy=2, sequence_length=args.length,
                  recombination_rate=args.recombination_rate,
                  random_seed=args.seed)
    if args.demography == "european":
        ts = msprime.sim_ancestry(samples={"EUR": args.samples},
                                  demography=european_demography(), **common)
    else:
        ts = msprime.sim_ancestry(samples=args.samples,
                                  population_size=10_000, **common)
    log(f"ancestry: {ts.num_trees} trees in {time.monotonic() - t0:.1f}s")
    t1 = time.monotonic()
    # JC69 on a discrete genome: integer positions, nucleotide alleles, and
    # recurrent mutations at a site give multi-allelic records. A different
    # seed from the ancestry one so the two streams are independent.
    ts = msprime.sim_mutations(ts, rate=args.mutation_rate,
                               model=msprime.JC69(), discrete_genome=True,
                               random_seed=args.seed + 1)
    log(f"mutations: {ts.num_sites} sites, {ts.num_mutations} mutations "
        f"in {time.monotonic() - t1:.1f}s")
    return ts


def header(args, ts):
    names = "\t".join(f"DK{i + 1:06d}" for i in range(args.samples))
    return (
        "##fileformat=VCFv4.2\n"
        "##FILTER=<ID=PASS,Description=\"All filters passed\">\n"
        f"##source=varde bench/simulate_cohort.py msprime={msprime.__version__}"
        f" tskit={tskit.__version__} seed={args.seed} samples={args.samples}"
        f" length={args.length} demography={args.demography}"
        f" missing={args.missing}\n"
        "##reference=GRCh38\n"
        f"##contig=<ID={args.contig},length={args.contig_length},"
        "assembly=GRCh38>\n"
        "##INFO=<ID=AC,Number=A,Type=Integer,Description=\"Allele count in "
        "genotypes, for each ALT allele, in the same order as listed\">\n"
        "##INFO=<ID=AN,Number=1,Type=Integer,Description=\"Total number of "
        "alleles in called genotypes\">\n"
        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
        f"{names}\n"
    ).encode()


def write_records(args, ts, out):
    """Stream one VCF line per polymorphic site to the binary file `out`.
    Returns (records written, multi-allelic records, missing calls)."""
    n = args.samples
    # msprime gives individual i the sample nodes 2i and 2i+1, so the
    # genotype vector (in sample-node order) reshapes to (n, 2).
    assert ts.num_samples == 2 * n
    assert all(ind.nodes.tolist() == [2 * i, 2 * i + 1]
               for i, ind in enumerate(ts.individuals()))
    rng = np.random.default_rng(args.seed + 2)
    sep = SLASH if args.unphased else PIPE
    # Reused per-site buffer: each call is 4 bytes "a|b\t"; the last tab
    # becomes the newline.
    gt = np.empty((n, 4), dtype=np.uint8)
    gt[:, 1] = sep
    gt[:, 3] = TAB
    gt[-1, 3] = NEWLINE

    records = multi = missing_calls = 0
    last_report = time.monotonic()
    for var in ts.variants(copy=False):
        g = var.genotypes
        alleles = var.alleles
        # Drop alleles no sample carries (back/silent mutations can leave
        # them in the site's allele list) and sites left monomorphic, as a
        # real caller would not emit them. Allele 0 (ancestral) stays REF.
        counts = np.bincount(g, minlength=len(alleles))
        used = [0] + [a for a in range(1, len(alleles)) if counts[a] > 0]
        if len(used) == 1:
            continue
        if len(used) != len(alleles):
            lut = np.zeros(len(alleles), dtype=g.dtype)
            lut[used] = np.arange(len(used), dtype=g.dtype)
            g = lut[g]
        alleles = [alleles[a] for a in used]
        assert len(alleles) <= 10 and all(a in "ACGT" for a in alleles)

        pairs = g.reshape(n, 2)
        gt[:, 0] = pairs[:, 0] + ZERO
        gt[:, 2] = pairs[:, 1] + ZERO
        counts = np.bincount(g, minlength=len(alleles))
        if args.missing > 0:
            miss = rng.random(n) < args.missing
            k = int(np.count_nonzero(miss))
            if k:
                # Blank the calls and leave them out of AC/AN.
                counts -= np.bincount(pairs[miss].ravel(),
                                      minlength=len(alleles))
                gt[miss, 0] = DOT
                gt[miss, 1] = SLASH
                gt[miss, 2] = DOT
                missing_calls += k
        an = int(counts.sum())
        ac = ",".join(str(int(c)) for c in counts[1:])
        pos = args.offset + int(var.site.position) + 1
        fixed = (f"{args.contig}\t{pos}\t.\t{alleles[0]}\t"
                 f"{','.join(alleles[1:])}\t.\tPASS\t"
                 f"AC={ac};AN={an}\tGT\t")
        out.write(fixed.encode())
        out.write(gt.data)
        if args.missing > 0 and k:
            gt[:, 1] = sep  # undo the missing-call separators
        records += 1
        multi += len(alleles) > 2

        now = time.monotonic()
        if now - last_report >= 5:
            last_report = now
            done = var.site.position / args.length
            log(f"{records} records written, {100 * done:.0f}% of sequence")
    return records, multi, missing_calls


def main(argv=None):
    args = parse_args(argv)
    t_start = time.monotonic()
    ts = simulate(args)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".partial"  # renamed on success only
    with open(tmp, "wb") as dest:
        bgzip = subprocess.Popen(["bgzip", "-c", f"-@{args.threads}"],
                                 stdin=subprocess.PIPE, stdout=dest,
                                 bufsize=1 << 20)
        try:
            bgzip.stdin.write(header(args, ts))
            records, multi, missing = write_records(args, ts, bgzip.stdin)
        finally:
            bgzip.stdin.close()
            rc = bgzip.wait()
    if rc != 0:
        sys.exit(f"bgzip failed with status {rc}")
    os.replace(tmp, args.out)
    log(f"wrote {args.out}: {records} records ({multi} multi-allelic), "
        f"{records * args.samples} genotypes, {missing} missing calls, "
        f"{os.path.getsize(args.out) / 2**20:.1f} MiB, "
        f"{time.monotonic() - t_start:.1f}s total")


if __name__ == "__main__":
    main()
