#!/usr/bin/env python3
"""Validates Beacon v2 responses against the v2.1.1 JSON Schemas in reference/beacon-v2/, offline.

Usage: validate-beacon.py CASES.json
CASES.json is a list of {"label": str, "schema": str, "instance": object}; "schema" is a path under
reference/beacon-v2/ (e.g. framework/json/responses/beaconCountResponse.json), or an object: a schema given
inline (the native API's, from /openapi.json). For a resultsets response, each
result is also validated against "entitySchema" when given (a model defaultSchema.json), as EGA's verifier does.
Remote $refs (raw.githubusercontent beacon-v2 URLs, the VRS 1.3 w3id URL) resolve to the local copies through a
`referencing` registry. Prints one line per failure; exits 1 if any case fails, 0 otherwise.
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = pathlib.Path(__file__).resolve().parent.parent / "reference" / "beacon-v2"
RAW = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/"
VRS = "https://w3id.org/ga4gh/schema/vrs/1.3/vrs.json"


MODEL_COMMON = "models/json/beacon-v2-default-model/common/"


def local(uri):
    if uri.startswith(RAW):
        rel = uri[len(RAW):]
        # Upstream quirk (v2.1.1): model schemas $ref ../common/info.json, which lives only in the framework.
        if rel.startswith(MODEL_COMMON) and not (ROOT / rel).exists():
            rel = "framework/json/common/" + rel[len(MODEL_COMMON):]
        return ROOT / rel
    if uri.startswith(VRS):
        return ROOT / "vrs-1.3.0.json"
    raise LookupError(f"no local copy for {uri}")


def retrieve(uri):
    contents = json.loads(local(uri).read_text())
    if isinstance(contents, dict) and uri.startswith(RAW):
        contents.setdefault("$id", uri)
    return Resource.from_contents(contents, default_specification=DRAFT202012)


REGISTRY = Registry(retrieve=retrieve)
CACHE = {}


def validator(rel):
    if isinstance(rel, dict):
        return Draft202012Validator(rel, registry=REGISTRY)
    if rel not in CACHE:
        schema = json.loads((ROOT / rel).read_text())
        schema["$id"] = RAW + rel
        CACHE[rel] = Draft202012Validator(schema, registry=REGISTRY)
    return CACHE[rel]


def main():
    cases = json.loads(pathlib.Path(sys.argv[1]).read_text())
    failures = 0
    for case in cases:
        checks = [(case["schema"], case["instance"], "")]
        entity = case.get("entitySchema")
        if entity:
            for s in case["instance"].get("response", {}).get("resultSets", []):
                for i, r in enumerate(s.get("results", [])):
                    checks.append((entity, r, f" resultSets[{s.get('id')}].results[{i}]"))
            for i, r in enumerate(case["instance"].get("response", {}).get("collections", [])):
                checks.append((entity, r, f" collections[{i}]"))
        for rel, instance, where in checks:
            errors = sorted(validator(rel).iter_errors(instance), key=lambda e: list(e.path))
            for e in errors:
                failures += 1
                path = "/".join(str(p) for p in e.absolute_path)
                name = rel if isinstance(rel, str) else "inline schema"
                print(f"FAIL {case['label']}{where}: {name}: at /{path}: {e.message[:300]}")
    print(f"{len(cases)} responses checked, {failures} schema errors")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
