"""Schema migration is idempotent and versioned."""
from __future__ import annotations

from graph.migrate import migrate, schema_statements, schema_version
from graph.model import load_model


def _schema(db):
    constraints = db.read("SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties "
                          "RETURN name, labelsOrTypes, properties ORDER BY name")
    indexes = db.read("SHOW INDEXES YIELD name, state RETURN name, state ORDER BY name")
    return constraints, indexes


def test_migrate_twice_changes_nothing(db):
    migrate(db)
    first = _schema(db), schema_version(db)
    result = migrate(db)
    assert result["created"] == [] and result["version_changed"] is False
    assert (_schema(db), schema_version(db)) == first
    assert first[1]["digest"] == load_model().digest


def test_every_node_label_has_a_unique_key(db):
    migrate(db)
    constraints, indexes = _schema(db)
    keyed = {(c["labelsOrTypes"][0], c["properties"][0]) for c in constraints}
    for node in load_model().nodes.values():
        assert (node.label, node.key) in keyed
    assert all(index["state"] == "ONLINE" for index in indexes)


def test_uniqueness_is_enforced(db):
    import pytest
    from neo4j.exceptions import ConstraintError

    migrate(db)
    db.write("CREATE (:Company {credit_code: '91350100M000100Y43'})")
    with pytest.raises(ConstraintError):
        db.write("CREATE (:Company {credit_code: '91350100M000100Y43'})")


def test_statements_quote_only_model_names():
    model = load_model()
    for statement in schema_statements(model):
        assert "IF NOT EXISTS" in statement.cypher
