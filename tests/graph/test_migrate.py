"""Schema migration creates the model's schema, is idempotent and versioned."""
from __future__ import annotations

import re

import pytest

from graph.migrate import migrate, schema_statements, schema_version
from graph.model import load_model


def _schema(db):
    constraints = db.read("SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties "
                          "RETURN name, labelsOrTypes, properties ORDER BY name")
    indexes = db.read("SHOW INDEXES YIELD name, state RETURN name, state ORDER BY name")
    return constraints, indexes


def _drop_schema(db) -> None:
    """Remove every constraint and index the model names (the session database has them)."""
    names = {statement.name for statement in schema_statements()}
    for row in db.read("SHOW CONSTRAINTS YIELD name RETURN name"):
        if row["name"] in names:
            db.write(f"DROP CONSTRAINT `{row['name']}` IF EXISTS")
    for row in db.read("SHOW INDEXES YIELD name, owningConstraint "
                       "WHERE owningConstraint IS NULL RETURN name"):
        if row["name"] in names:
            db.write(f"DROP INDEX `{row['name']}` IF EXISTS")


@pytest.fixture
def bare_db(db):
    """The test database without the model's schema; the schema is put back afterwards."""
    _drop_schema(db)
    yield db
    migrate(db)


def test_migrate_creates_the_schema_then_twice_changes_nothing(bare_db):
    expected = sorted(statement.name for statement in schema_statements())
    constraints, indexes = _schema(bare_db)
    assert not set(expected) & {row["name"] for row in constraints + indexes}
    assert schema_version(bare_db) is None
    result = migrate(bare_db)
    assert result["created"] == expected and result["version_changed"] is True
    first = _schema(bare_db), schema_version(bare_db)
    assert first[1]["digest"] == load_model().digest and first[1]["version"] == 1
    again = migrate(bare_db)
    assert again["created"] == [] and again["version_changed"] is False
    assert (_schema(bare_db), schema_version(bare_db)) == first


def test_every_node_label_has_a_unique_key(db):
    migrate(db)
    constraints, indexes = _schema(db)
    keyed = {(c["labelsOrTypes"][0], c["properties"][0]) for c in constraints}
    for node in load_model().nodes.values():
        assert (node.label, node.key) in keyed
    assert all(index["state"] == "ONLINE" for index in indexes)


def test_uniqueness_is_enforced(db):
    from neo4j.exceptions import ConstraintError

    migrate(db)
    db.write("CREATE (:Company {credit_code: '91350100M000100Y43'})")
    with pytest.raises(ConstraintError):
        db.write("CREATE (:Company {credit_code: '91350100M000100Y43'})")


def test_statements_quote_only_model_names():
    """Labels and types come from the model, properties are back-quoted, names are unique."""
    model = load_model()
    statements = schema_statements(model)
    assert len({statement.name for statement in statements}) == len(statements)
    for statement in statements:
        assert "IF NOT EXISTS" in statement.cypher
        label, rel_type = re.search(r"FOR \((?:n:`(\w+)`)?\)(?:-\[r:`(\w+)`\]-\(\))?",
                                    statement.cypher).groups()
        assert label in model.nodes or rel_type in model.relationship_types, statement
        assert re.findall(r"\b[nr]\.(\S)", statement.cypher) and all(
            quote == "`" for quote in re.findall(r"\b[nr]\.(\S)", statement.cypher))
