"""Interchange imports reach the same graph, and keyless parties are linked, never merged."""
from __future__ import annotations

import json

import pytest

from conftest import SHARED
from ingest.ftm import read_ftm
from ingest.linking import link_keyless
from ingest.loader import load_records
from ingest.ocds import read_ocds

OCDS = SHARED / "data" / "ocds-real-examples"


@pytest.mark.skipif(not OCDS.exists(), reason="shared OCDS examples absent")
def test_ocds_import_loads_contracts_and_links_repeated_parties(db):
    imported = read_ocds(OCDS / "mexico")
    result = load_records(db, imported.records, "mexico", str(OCDS / "mexico"))
    contracts = db.read("MATCH (k:Contract) RETURN count(k) AS n")
    assert contracts[0]["n"] == len({r.values["contract_id"] for r in imported.records["contracts"]})
    assert result.rows_rejected == 0
    links = link_keyless(db, imported.records)
    assert links > 0
    pair = db.read("MATCH (a:Company)-[r:POSSIBLY_SAME_AS]->(b:Company) "
                   "RETURN a.credit_code <> b.credit_code AS distinct, r.score AS score, "
                   "r.reasons AS reasons LIMIT 1")[0]
    assert pair["distinct"] and pair["score"] >= 0.8 and pair["reasons"]
    assert db.read("MATCH (k:Contract) WHERE k.src_pointer IS NULL RETURN count(k) AS n")[0]["n"] == 0


def test_ftm_person_without_id_is_linked_to_the_registered_one(db, tmp_path):
    known = {"id": "p1", "schema": "Person",
             "properties": {"name": ["张伟"], "idNumber": ["11010519491231002X"], "birthDate": ["1949-12-31"],
                            "phone": ["13800138000"]}}
    keyless = {"id": "p2", "schema": "Person",
               "properties": {"name": ["張偉"], "phone": ["13800138000"], "birthDate": ["1949-12-31"]}}
    stream = tmp_path / "entities.ftm.json"
    stream.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in (known, keyless)))
    imported = read_ftm(stream)
    load_records(db, imported.records, "ftm-test", str(stream))
    assert link_keyless(db, imported.records) == 1
    rows = db.read("MATCH (a:Person)-[r:POSSIBLY_SAME_AS]->(b:Person) "
                   "RETURN a.name AS a, b.id_number AS b, r.reasons AS reasons")
    assert rows[0]["a"] == "張偉" and rows[0]["b"] == "11010519491231002X"
    assert db.read("MATCH (p:Person) RETURN count(p) AS n")[0]["n"] == 2, "never merged"
