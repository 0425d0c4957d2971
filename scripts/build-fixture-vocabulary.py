#!/usr/bin/env python3
"""Builds fixtures/omop/vocabulary/: a small vocabulary in Athena's download format (tab-separated,
header row, dates YYYYMMDD) for Varde's OMOP tests.

* OMOP Genomic rows are REAL: concept_id, concept_name and every synonym come unchanged from the
  Koios extracts of the OMOP Genomic vocabulary (OHDSI/Koios @ a6e76ed9, see ../shared/omop/README.md).
  The extracts carry no domain, vocabulary, class (DNA file), standard flag, concept_code or dates:
  those columns take the values the spec gives for the whole vocabulary (domain Measurement,
  vocabulary 'OMOP Genomic', standard 'S', class 'Gene DNA Variant' for the DNA file, the extract's
  class for the RNA/protein file, 'Gene Variant' for fusions), concept_code 'OMOP'+concept_id
  (the real 'OMOP<n>' numbers are not in the extracts) and valid dates 2024-02-16..2099-12-31.
  Selected: every concept named BRAF…, the EML4::ALK fusion, and every concept an SNV of the
  fixtures' VCFs hits on GRCh37 or GRCh38.
* Every other row is a FIXTURE (SNOMED, LOINC, ICD10, Gender, Type Concept, CDM, Episode and the
  metadata tables): its concept_name starts with 'FIXTURE ', codes are the real codes where the
  spec or the standard names them, and concept_ids are the ones the spec cites (0, 8507, 8532,
  32817, 32528, 756265, 1147082, 1147127, 1147138, 33002) or else taken from the local range
  above 2,000,000,000 that OMOP reserves for site concepts. A real Athena download replaces them.

Run from the repository root:  python3 scripts/build-fixture-vocabulary.py [SHARED_OMOP_DIR]
"""
import csv, glob, gzip, io, os, sys

shared = sys.argv[1] if len(sys.argv) > 1 else "../shared/omop"
out = "fixtures/omop/vocabulary"
os.makedirs(out, exist_ok=True)

dna = list(csv.DictReader(gzip.open(f"{shared}/koios/koios_concepts.csv.gz", "rt")))
ext = list(csv.DictReader(gzip.open(f"{shared}/koios/koios_concepts_ext.csv.gz", "rt")))
fus = list(csv.DictReader(gzip.open(f"{shared}/koios/koios_concepts_fusion.csv.gz", "rt")))

# SNVs of the fixtures, as HGVSg on both assemblies (accession versions as in VariantCore.GenomicHGVS).
v37 = {"1": 10, "2": 11, "3": 11, "4": 11, "5": 9, "6": 11, "7": 13, "8": 10, "9": 11, "10": 10, "11": 9, "12": 11,
       "13": 10, "14": 8, "15": 9, "16": 9, "17": 10, "18": 9, "19": 9, "20": 10, "21": 8, "22": 10, "X": 10}
def acc(ch, build):
    n = 23 if ch == "X" else int(ch)
    return f"NC_{n:06d}.{v37[ch] + (1 if build == 38 else 0)}"
fixture_hgvs = set()
for f in sorted(glob.glob("fixtures/**/*.vcf*", recursive=True)):
    if f.endswith((".tbi", ".csi")) or "/malformed/" in f:
        continue
    op = gzip.open if f.endswith(".gz") else open
    for line in op(f, "rt"):
        if line.startswith("#"):
            continue
        c = line.split("\t", 6)
        if len(c) < 5:
            continue
        ch = c[0][3:] if c[0].startswith("chr") else c[0]
        if ch not in v37:
            continue
        for alt in c[4].split(","):
            if len(c[3]) == 1 and len(alt) == 1 and alt in "ACGT":
                for b in (37, 38):
                    fixture_hgvs.add(f"{acc(ch, b)}:g.{c[1]}{c[3]}>{alt}")

keep = set()
for r in dna + ext + fus:
    if r["concept_name"].startswith("BRAF ") or r["concept_name"].startswith("BRAF::") or r["concept_synonym_name"] == "EML4::ALK":
        keep.add(r["concept_id"])
    if r["concept_synonym_name"] in fixture_hgvs:
        keep.add(r["concept_id"])

concepts, synonyms = {}, []
def genomic(r, cls):
    cid = r["concept_id"]
    concepts.setdefault(cid, [cid, r["concept_name"], "Measurement", "OMOP Genomic", cls, "S", "OMOP" + cid, "20240216", "20991231", ""])
    synonyms.append([cid, r["concept_synonym_name"], "4180186"])
for r in dna:
    if r["concept_id"] in keep: genomic(r, "Gene DNA Variant")
for r in ext:
    if r["concept_id"] in keep: genomic(r, r["concept_class_id"])
for r in fus:
    if r["concept_id"] in keep: genomic(r, "Gene Variant")

F = ""  # fixture rows are listed in FIXTURE_ROWS.md; names stay as Athena spells them, so look-ups by name work
L = 2_000_000_000
def fixture(cid, name, domain, vocab, cls, std, code):
    concepts[str(cid)] = [str(cid), F + name, domain, vocab, cls, std, code, "19700101", "20991231", ""]

fixture(0, "No matching concept", "Metadata", "None", "Undefined", "", "No matching concept")
fixture(8507, "MALE", "Gender", "Gender", "Gender", "S", "M")
fixture(8532, "FEMALE", "Gender", "Gender", "Gender", "S", "F")
fixture(32817, "EHR", "Type Concept", "Type Concept", "Type Concept", "S", "OMOP4976890")
fixture(32528, "Disease First Occurrence", "Episode", "Episode", "Disease Episode", "S", "OMOP4997891")
fixture(756265, "OMOP CDM Version 5.4.0", "Metadata", "CDM", "CDM", "S", "CDM v5.4.0")
fixture(1147082, "procedure_occurrence.procedure_occurrence_id", "Metadata", "CDM", "Field", "S", "CDM1147082")
fixture(1147127, "condition_occurrence.condition_occurrence_id", "Metadata", "CDM", "Field", "S", "CDM1147127")
fixture(1147138, "measurement.measurement_id", "Metadata", "CDM", "Field", "S", "CDM1147138")
fixture(4180186, "English language", "Language", "SNOMED", "Qualifier Value", "S", "297496005")
fixture(L + 1, "specimen.specimen_id", "Metadata", "CDM", "Field", "S", "CDM-specimen_id")
# Specimens, procedure, conditions (SNOMED codes as published; ids local).
fixture(L + 10, "Tumor tissue sample", "Specimen", "SNOMED", "Specimen", "S", "258435002")
fixture(L + 11, "Blood specimen", "Specimen", "SNOMED", "Specimen", "S", "119297000")
fixture(L + 20, "Nucleic acid sequencing", "Procedure", "SNOMED", "Procedure", "S", "117040002")
fixture(L + 30, "Primary malignant neoplasm of lung", "Condition", "SNOMED", "Clinical Finding", "S", "93880001")
fixture(L + 31, "Malignant neoplasm of breast", "Condition", "SNOMED", "Clinical Finding", "S", "254837009")
fixture(L + 32, "Malignant melanoma", "Condition", "SNOMED", "Clinical Finding", "S", "372244006")
fixture(L + 40, "Malignant neoplasm of upper lobe, bronchus or lung", "Condition", "ICD10", "ICD10 code", "", "C34.1")
fixture(L + 41, "Malignant neoplasm of breast, unspecified", "Condition", "ICD10", "ICD10 code", "", "C50.9")
fixture(L + 42, "Malignant melanoma of skin, unspecified", "Condition", "ICD10", "ICD10 code", "", "C43.9")
# LOINC questions and answers (mCODE / genomics-reporting codes, spec 2.3).
fixture(L + 50, "Genetic variant assessment", "Measurement", "LOINC", "Lab Test", "S", "69548-6")
fixture(L + 51, "Genomic source class [Type]", "Measurement", "LOINC", "Lab Test", "S", "48002-0")
fixture(L + 52, "Allelic state", "Measurement", "LOINC", "Lab Test", "S", "53034-5")
fixture(L + 53, "Sample variant allelic frequency [NFr]", "Measurement", "LOINC", "Lab Test", "S", "81258-6")
fixture(L + 60, "Present", "Meas Value", "LOINC", "Answer", "S", "LA9633-4")
fixture(L + 61, "Germline", "Meas Value", "LOINC", "Answer", "S", "LA6683-2")
fixture(L + 62, "Somatic", "Meas Value", "LOINC", "Answer", "S", "LA6684-0")
fixture(L + 63, "Heterozygous", "Meas Value", "LOINC", "Answer", "S", "LA6706-1")
fixture(L + 64, "Homozygous", "Meas Value", "LOINC", "Answer", "S", "LA6705-3")
fixture(L + 65, "Hemizygous", "Meas Value", "LOINC", "Answer", "S", "LA6707-9")

relationships = [[str(L + 40), str(L + 30), "Maps to"], [str(L + 41), str(L + 31), "Maps to"], [str(L + 42), str(L + 32), "Maps to"]]

# Metadata tables; their concepts (domain Metadata, standard NULL) get local ids.
next_id = [L + 1000]
def meta(name, vocab, cls, code):
    cid = next_id[0]; next_id[0] += 1
    fixture(cid, name, "Metadata", vocab, cls, "", code)
    return str(cid)
vocabularies = []
for vid, vname, version in [("None", "OMOP Standardized Vocabularies", "FIXTURE v5.0"), ("OMOP Genomic", "OMOP Genomic vocabulary of known variants involved in disease", "OMOP Genomic 20240216"),
                            ("Gender", "OMOP Gender", ""), ("Type Concept", "OMOP Type Concept", ""), ("Episode", "OMOP Episode", ""),
                            ("CDM", "OMOP Common Data Model", ""), ("SNOMED", "Systematic Nomenclature of Medicine - Clinical Terms", ""),
                            ("LOINC", "Logical Observation Identifiers Names and Codes", ""), ("ICD10", "International Classification of Diseases, Tenth Revision", ""),
                            ("Domain", "OMOP Domain", ""), ("Vocabulary", "OMOP Vocabulary", ""), ("Concept Class", "OMOP Concept Class", ""),
                            ("Relationship", "OMOP Relationship", "")]:
    cid = "33002" if vid == "OMOP Genomic" else meta(vname, "Vocabulary", "Vocabulary", "OMOP generated")
    if vid == "OMOP Genomic":
        concepts[cid] = [cid, vname, "Metadata", "Vocabulary", "Vocabulary", "", "OMOP generated", "19700101", "20991231", ""]
    vocabularies.append([vid, vname, "FIXTURE row (Varde test vocabulary)" if vid != "OMOP Genomic" else "OMOP Genomic (real rows from the Koios extracts)", version, cid])
domains = [[d, F + d, meta(d, "Domain", "Domain", "OMOP generated")] for d in
           ["Metadata", "Measurement", "Gender", "Type Concept", "Episode", "Specimen", "Procedure", "Condition", "Meas Value", "Language"]]
classes = [[c, F + c, meta(c, "Concept Class", "Concept Class", "OMOP generated")] for c in
           sorted({row[4] for row in concepts.values()} | {"Concept Class", "Domain", "Vocabulary", "Relationship"})]
rel_defs = [[r, F + r, "0", "1", rev, meta(r, "Relationship", "Relationship", "OMOP generated")] for r, rev in
            [("Maps to", "Mapped from"), ("Mapped from", "Maps to"), ("Concept replaced by", "Concept replaces"), ("Concept replaces", "Concept replaced by")]]
classes = [[c, F + c, meta(c, "Concept Class", "Concept Class", "OMOP generated")] if c not in {x[0] for x in classes} else next(x for x in classes if x[0] == c)
           for c in sorted({row[4] for row in concepts.values()})]

def write(name, header, rows):
    with open(f"{out}/{name}", "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar=None)
        w.writerow(header)
        for r in rows:
            w.writerow(r)

write("CONCEPT.csv", ["concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id", "standard_concept", "concept_code",
                      "valid_start_date", "valid_end_date", "invalid_reason"], sorted(concepts.values(), key=lambda r: int(r[0])))
write("CONCEPT_SYNONYM.csv", ["concept_id", "concept_synonym_name", "language_concept_id"], sorted(synonyms, key=lambda r: (int(r[0]), r[1])))
write("CONCEPT_RELATIONSHIP.csv", ["concept_id_1", "concept_id_2", "relationship_id", "valid_start_date", "valid_end_date", "invalid_reason"],
      [r + ["19700101", "20991231", ""] for r in relationships])
write("VOCABULARY.csv", ["vocabulary_id", "vocabulary_name", "vocabulary_reference", "vocabulary_version", "vocabulary_concept_id"], vocabularies)
write("DOMAIN.csv", ["domain_id", "domain_name", "domain_concept_id"], domains)
write("CONCEPT_CLASS.csv", ["concept_class_id", "concept_class_name", "concept_class_concept_id"], classes)
write("RELATIONSHIP.csv", ["relationship_id", "relationship_name", "is_hierarchical", "defines_ancestry", "reverse_relationship_id",
                           "relationship_concept_id"], rel_defs)
with open(f"{out}/FIXTURE_ROWS.md", "w") as fh:
    fh.write("# Fixture rows of this test vocabulary\n\n"
             "Made by `scripts/build-fixture-vocabulary.py`. Rows of vocabulary `OMOP Genomic` with a concept_id below\n"
             "2,000,000,000 are real (from the Koios extracts of OMOP Genomic 2024-02). **Every other row is a fixture**,\n"
             "standing in for Athena's licensed SNOMED/LOINC/ICD10 and OMOP metadata rows; ids >= 2,000,000,000 are local.\n\n"
             "| concept_id | concept_name | domain | vocabulary | class | standard | code |\n|---|---|---|---|---|---|---|\n")
    for r in sorted(concepts.values(), key=lambda r: int(r[0])):
        if r[3] != "OMOP Genomic" or int(r[0]) >= L or r[2] != "Measurement":
            fh.write("| " + " | ".join(r[:7]) + " |\n")
print(f"{len(concepts)} concepts ({sum(1 for r in concepts.values() if r[3] == 'OMOP Genomic' and r[2] == 'Measurement')} OMOP Genomic), {len(synonyms)} synonyms", file=sys.stderr)
