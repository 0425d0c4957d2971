#!/usr/bin/env python3
"""Validates a `varde fhir export` folder: every resource parses with PyPI fhir.resources (R4B models; no R4
subpackage exists since 7.0.0), plus the hand-written Genomics Reporting IG STU3 profile, bundle and privacy checks
that package does not do (spec fhir-genomics.md §5 and §7).

    scripts/validate-fhir.py [--pseudonym-system URI] [--bundle-type collection|transaction] DIR|FILE...

Prints one line per failure (file, resource, what is wrong) and a summary; exits 1 when anything failed.
"""
import argparse
import json
import os
import re
import sys

from fhir.resources.R4B import get_fhir_model_class

LOINC = "http://loinc.org"
HGVS = "http://varnomen.hgvs.org"
HGNC = "http://www.genenames.org"
SO = "http://www.sequenceontology.org"
UCUM = "http://unitsofmeasure.org"
VARIANT = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/variant"
REPORT = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/genomic-report"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
V2_0487 = "http://terminology.hl7.org/CodeSystem/v2-0487"
V3_OBS = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
# Variant components that may repeat (0..*); every other LOINC-coded slice is 0..1.
REPEATABLE = {"48018-6", "62374-4", "48000-4", "81252-9"}
ANSWERS = {
    "92822-6": {"LA30100-4"},  # Varde always declares 0-based interval counting
    "48002-0": {"LA6683-2", "LA6684-0", "LA10429-1", "LA18194-3", "LA18195-0", "LA18196-8", "LA18197-6"},
    "53034-5": {"LA6703-8", "LA6704-6", "LA6705-3", "LA6706-1", "LA6707-9"},
    "62374-4": {"LA14029-5", "LA26806-2"},
    "48000-4": {f"LA{n}-{d}" for n, d in zip(range(21254, 21278), "075319753196420864208531")},
}
CPR = re.compile(r"(?<![0-9A-Za-z])\d{6}-?\d{4}(?![0-9A-Za-z])")


class Checker:
    def __init__(self, args):
        self.args = args
        self.failures = []
        self.resources = 0
        self.bundles = 0

    def fail(self, where, what):
        self.failures.append(f"{where}: {what}")

    # --- structure -------------------------------------------------------------------------------------------
    def parse(self, where, resource):
        try:
            get_fhir_model_class(resource.get("resourceType", "")).model_validate(resource)
        except Exception as e:  # pydantic ValidationError, KeyError for an unknown type
            self.fail(where, "fhir.resources R4B rejects it: " + " ".join(str(e).split())[:400])

    # --- profiles ----------------------------------------------------------------------------------------------
    @staticmethod
    def codings(cc):
        return [(c.get("system"), c.get("code")) for c in (cc or {}).get("coding", [])]

    def check_resource(self, where, r, resolve):
        try:
            self.check_profiles(where, r, resolve)
        except (AttributeError, TypeError, KeyError, IndexError) as e:  # a shape the profile checks cannot read
            self.fail(where, f"profile checks cannot read it ({type(e).__name__}: {e})")

    def check_profiles(self, where, r, resolve):
        t = r.get("resourceType")
        if not re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", r.get("id", "")):
            self.fail(where, f"id {r.get('id')!r} breaks FHIR's id rule")
        if t == "Observation":
            self.check_variant(where, r, resolve)
        elif t == "DiagnosticReport":
            if r.get("meta", {}).get("profile") != [REPORT]:
                self.fail(where, f"meta.profile is {r.get('meta', {}).get('profile')}, not [{REPORT}]")
            if not any((V2_0074, "GE") in self.codings(c) for c in r.get("category", [])):
                self.fail(where, "no category v2-0074#GE")
            if (LOINC, "51969-4") not in self.codings(r.get("code")):
                self.fail(where, "code is not LOINC 51969-4")
            if r.get("status") not in {"registered", "partial", "preliminary", "final", "amended", "corrected", "appended", "cancelled", "entered-in-error", "unknown"}:
                self.fail(where, f"status {r.get('status')!r}")
            if "effectiveDateTime" not in r:
                self.fail(where, "no effectiveDateTime")
        elif t == "Patient":
            for forbidden in ("name", "address", "telecom", "photo", "contact"):
                if forbidden in r:
                    self.fail(where, f"Patient carries {forbidden}")
            if "birthDate" in r and not re.fullmatch(r"\d{4}", r["birthDate"]):
                self.fail(where, f"birthDate {r['birthDate']!r} is more than a year")
            ids = r.get("identifier", [])
            if len(ids) != 1 or (V3_OBS, "PSEUDED") not in self.codings(ids[0].get("type")):
                self.fail(where, "identifier is not one PSEUDED pseudonym")
            elif self.args.pseudonym_system and ids[0].get("system") != self.args.pseudonym_system:
                self.fail(where, f"identifier system {ids[0].get('system')!r}, expected {self.args.pseudonym_system!r}")
            if any(i.get("system") == "urn:oid:1.2.208.176.1.2" for i in ids):
                self.fail(where, "a CPR identifier")

    def check_variant(self, where, r, resolve):
        if r.get("meta", {}).get("profile") != [VARIANT]:
            self.fail(where, f"meta.profile is {r.get('meta', {}).get('profile')}, not [{VARIANT}]")
        cats = [self.codings(c) for c in r.get("category", [])]
        if not any((CATEGORY, "laboratory") in c for c in cats) or not any((V2_0074, "GE") in c for c in cats):
            self.fail(where, "category lacks laboratory and/or v2-0074#GE (both required: 2..*)")
        if (LOINC, "69548-6") not in self.codings(r.get("code")):
            self.fail(where, "code is not LOINC 69548-6")
        if (LOINC, "LA9633-4") not in self.codings(r.get("valueCodeableConcept")):
            self.fail(where, "value is not LA9633-4 Present")
        comps = {}
        for c in r.get("component", []):
            for system, code in self.codings(c.get("code")):
                if system == LOINC:
                    comps.setdefault(code, []).append(c)
        for code, cs in comps.items():
            if len(cs) > 1 and code not in REPEATABLE:
                self.fail(where, f"component {code} appears {len(cs)} times (0..1)")
            for c in cs:
                if code in ANSWERS:
                    got = [k for s, k in self.codings(c.get("valueCodeableConcept")) if s == LOINC]
                    if not got or got[0] not in ANSWERS[code]:
                        self.fail(where, f"component {code} answer {got} outside its answer list")
        one = lambda code: comps.get(code, [None])[0]
        if one("81254-5") is not None:
            if one("92822-6") is None:
                self.fail(where, "81254-5 start-end without 92822-6 coordinate system")
            rng = one("81254-5").get("valueRange", {})
            low, high = rng.get("low", {}).get("value"), rng.get("high", {}).get("value")
            ref = (one("69547-8") or {}).get("valueString")
            if low is None or high is None or ref is None or low < 0 or high - low != len(ref):
                self.fail(where, f"interval [{low}, {high}) does not span REF {ref!r} (0-based, end exclusive)")
            g = one("81290-9")
            alt = (one("69551-0") or {}).get("valueString")
            if g is not None and ref is not None and alt is not None and len(ref) == 1 and len(alt) == 1:
                code = self.codings(g["valueCodeableConcept"])[0][1]
                if not code.endswith(f":g.{low + 1}{ref}>{alt}") and not code.endswith(f":m.{low + 1}{ref}>{alt}"):
                    self.fail(where, f"genomic HGVS {code} disagrees with low {low} + 1 and {ref}>{alt}")
        for code in ("81290-9", "48004-6", "48005-3"):
            for c in comps.get(code, []):
                systems = {s for s, _ in self.codings(c.get("valueCodeableConcept"))}
                if systems != {HGVS}:
                    self.fail(where, f"component {code} HGVS system {systems}, not {HGVS}")
        if one("81290-9") is not None and one("48013-7") is not None:
            acc = self.codings(one("48013-7")["valueCodeableConcept"])[0][1]
            g = self.codings(one("81290-9")["valueCodeableConcept"])[0][1]
            if not g.startswith(acc + ":"):
                self.fail(where, f"genomic HGVS {g} is not on the reference sequence {acc}")
        for c in comps.get("48018-6", []):
            for s, k in self.codings(c.get("valueCodeableConcept")):
                if s == HGNC and not re.fullmatch(r"HGNC:\d+", k or ""):
                    self.fail(where, f"gene code {k!r} is not HGNC:<digits>")
        if one("48019-4") is not None and {s for s, _ in self.codings(one("48019-4")["valueCodeableConcept"])} != {SO}:
            self.fail(where, "DNA change type is not Sequence Ontology")
        vaf = one("81258-6")
        if vaf is not None:
            q = vaf.get("valueQuantity", {})
            if q.get("system") != UCUM or q.get("code") != "1" or not (0 <= q.get("value", -1) <= 1):
                self.fail(where, f"VAF {q} is not a UCUM '1' fraction in [0, 1]")
        reads = one("82121-5")
        if reads is not None:
            q = reads.get("valueQuantity", {})
            v = q.get("value")
            if q.get("system") != UCUM or q.get("code") != "{reads}/{base}" or not isinstance(v, int) or isinstance(v, bool) or v < 0:
                self.fail(where, f"allelic read depth {q} is not a UCUM '{{reads}}/{{base}}' count of reads")
            dp = [c.get("valueInteger") for c in r.get("component", [])
                  if any(k == "read-depth" for _, k in self.codings(c.get("code")))]
            if dp and isinstance(v, int) and dp[0] is not None and v > dp[0]:
                self.fail(where, f"allelic read depth {v} exceeds the read depth {dp[0]}")
        origin = [k for s, k in self.codings((one("48002-0") or {}).get("valueCodeableConcept"))]
        if not origin:
            self.fail(where, "no genomic source class")
        specimen = resolve(r.get("specimen", {}).get("reference"))
        if specimen is None:
            self.fail(where, "specimen missing or not in the export")
        elif origin == ["LA6684-0"]:
            if (V2_0487, "TUMOR") not in self.codings(specimen.get("type")):
                self.fail(where, "a somatic variant whose specimen is not a TUMOR specimen")
            if one("53034-5") is not None:
                self.fail(where, "a somatic variant with an allelic state")

    # --- privacy over the raw text ----------------------------------------------------------------------------
    def check_text(self, where, text):
        m = CPR.search(text)
        if m:
            self.fail(where, f"a CPR-like 10-digit number {m.group(0)!r}")
        for key in self.args.forbid:
            if key in text:
                self.fail(where, f"contains the forbidden string {key!r}")

    # --- containers ---------------------------------------------------------------------------------------------
    def bundle(self, path):
        text = open(path, encoding="utf-8").read()
        self.check_text(path, text)
        try:
            b = json.loads(text)
        except ValueError as e:
            self.fail(path, f"not JSON: {e}")
            return
        self.bundles += 1
        self.parse(path, b)
        entries = b.get("entry", [])
        urls = [e.get("fullUrl") for e in entries]
        if len(set(urls)) != len(urls):
            self.fail(path, "duplicate fullUrl (bdl-7)")
        if self.args.bundle_type and b.get("type") != self.args.bundle_type:
            self.fail(path, f"Bundle.type {b.get('type')!r}, expected {self.args.bundle_type!r}")
        by_url = {e.get("fullUrl"): e.get("resource", {}) for e in entries}
        for i, e in enumerate(entries):
            r = e.get("resource", {})
            where = f"{path} entry {i} {r.get('resourceType')}/{r.get('id')}"
            self.resources += 1
            if e.get("fullUrl") != f"urn:uuid:{r.get('id')}":
                self.fail(where, "fullUrl is not urn:uuid:<id>")
            if b.get("type") == "transaction":
                req = e.get("request", {})
                if req.get("method") != "PUT" or req.get("url") != f"{r.get('resourceType')}/{r.get('id')}":
                    self.fail(where, f"transaction entry request {req} is not PUT Type/id")
            elif "request" in e:
                self.fail(where, "request in a non-transaction bundle (bdl-3)")
            for ref in references(r):
                if ref not in by_url:
                    self.fail(where, f"reference {ref} does not resolve inside the bundle")
            self.check_resource(where, r, by_url.get)
        self.check_reports(path, [e.get("resource", {}) for e in entries], lambda t, i: f"urn:uuid:{i}", by_url.get)

    def check_reports(self, where, resources, ref_of, resolve):
        """Every Variant is a result of exactly one report, whose specimens include the Variant's specimen."""
        owner = {}
        for r in resources:
            if r.get("resourceType") == "DiagnosticReport":
                specimens = {s.get("reference") for s in r.get("specimen", [])}
                for res in r.get("result", []):
                    owner.setdefault(res.get("reference"), []).append(specimens)
        for r in resources:
            if r.get("resourceType") != "Observation":
                continue
            ref = ref_of("Observation", r.get("id"))
            reports = owner.get(ref, [])
            if len(reports) != 1:
                self.fail(where, f"Observation {r.get('id')} is a result of {len(reports)} reports, not 1")
            elif r.get("specimen", {}).get("reference") not in reports[0]:
                self.fail(where, f"Observation {r.get('id')}'s specimen is not one of its report's specimens")

    def ndjson(self, folder, files):
        resources, index = [], {}
        for path in files:
            expected = os.path.basename(path)[: -len(".ndjson")]
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    where = f"{path}:{n}"
                    line = line.rstrip("\n")
                    self.check_text(where, line)
                    try:
                        r = json.loads(line)
                    except ValueError as e:
                        self.fail(where, f"not one JSON resource per line: {e}")
                        continue
                    if json.dumps(r, separators=(",", ":"), ensure_ascii=False) != line:
                        self.fail(where, "not compact JSON (whitespace outside strings)")
                    if r.get("resourceType") != expected:
                        self.fail(where, f"a {r.get('resourceType')} in {expected}.ndjson (one type per file)")
                    self.resources += 1
                    self.parse(where, r)
                    resources.append((where, r))
                    index[f"{r.get('resourceType')}/{r.get('id')}"] = r
        for where, r in resources:
            for ref in references(r):
                if ref not in index:
                    self.fail(where, f"reference {ref} does not resolve in {folder}")
            self.check_resource(where, r, index.get)
        self.check_reports(folder, [r for _, r in resources], lambda t, i: f"{t}/{i}", index.get)


def references(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from references(v)
    elif isinstance(node, list):
        for v in node:
            yield from references(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--pseudonym-system")
    ap.add_argument("--bundle-type", choices=["collection", "transaction"])
    ap.add_argument("--forbid", action="append", default=[], help="a string no file may contain (e.g. a person key)")
    args = ap.parse_args()
    c = Checker(args)
    for p in args.paths:
        if os.path.isdir(p):
            names = sorted(os.listdir(p))
            nd = [os.path.join(p, n) for n in names if n.endswith(".ndjson")]
            if nd:
                c.ndjson(p, nd)
            for n in names:
                if n.endswith(".json"):
                    c.bundle(os.path.join(p, n))
        elif p.endswith(".ndjson"):
            c.ndjson(os.path.dirname(p), [p])
        else:
            c.bundle(p)
    for f in c.failures:
        print(f)
    print(f"validate-fhir: {c.resources} resources, {c.bundles} bundles, {len(c.failures)} failures", file=sys.stderr)
    sys.exit(1 if c.failures else 0)


if __name__ == "__main__":
    main()
