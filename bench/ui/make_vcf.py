#!/usr/bin/env python3
"""A seeded synthetic VCF for the web UI benchmark: N_SITES biallelic SNVs in one 1 Mb window of chr22 (the
benchmark gene BENCHG1), N_SAMPLES diploid samples, allele frequencies drawn log-uniformly from 1/2N to 0.5, and
a SnpEff-style ANN consequence per site so the plot shows every class. Writes plain VCF to stdout."""
import random
import sys

n_sites = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
n_samples = int(sys.argv[2]) if len(sys.argv) > 2 else 200
rng = random.Random(15)
start, span = 20_000_000, 1_000_000
classes = ["missense_variant", "synonymous_variant", "stop_gained", "intron_variant", "frameshift_variant", "splice_region_variant"]
print("##fileformat=VCFv4.2")
print("##reference=GRCh37")
print("##contig=<ID=22,length=51304566,assembly=GRCh37>")
print('##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO\'">')
print('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
print("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"] + [f"S{i:05d}" for i in range(n_samples)]))
positions = sorted(rng.sample(range(start, start + span), n_sites))
for i, pos in enumerate(positions):
    ref = rng.choice("ACGT")
    alt = rng.choice([b for b in "ACGT" if b != ref])
    af = 10 ** rng.uniform(-2.6, -0.3)
    gts = []
    for _ in range(n_samples):
        a, b = rng.random() < af, rng.random() < af
        gts.append(f"{int(a)}|{int(b)}")
    if "1" not in "".join(gts):
        gts[rng.randrange(n_samples)] = "0|1"
    csq = rng.choice(classes)
    ann = f"{alt}|{csq}|MODERATE|BENCHG1|ENSG0|transcript|ENST0|protein_coding|1/1|c.1{ref}>{alt}|||||"
    print("\t".join(["22", str(pos), f"rs{900000000 + i}", ref, alt, ".", "PASS", f"ANN={ann}", "GT"] + gts))
