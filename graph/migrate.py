"""Create the model's constraints and indexes idempotently and record the schema version.

Statements use ``IF NOT EXISTS``; names are derived from the model, so a second run changes
nothing, and the ``SchemaVersion`` node is rewritten only when the model's digest changes.
"""
from __future__ import annotations

from dataclasses import dataclass

from graph.connection import Connection
from graph.model import GraphModel, load_model

SCHEMA_VERSION = 1

RECORD_SCHEMA_VERSION = """
MERGE (s:SchemaVersion {name: 'lianjian'})
WITH s, s.digest = $digest AS unchanged
FOREACH (_ IN CASE WHEN unchanged THEN [] ELSE [1] END |
  SET s.version = $version, s.digest = $digest, s.applied_at = datetime())
RETURN unchanged
"""

READ_SCHEMA_VERSION = """
MATCH (s:SchemaVersion {name: 'lianjian'})
RETURN s.version AS version, s.digest AS digest, s.applied_at AS applied_at
"""

# Properties looked up by the loader or by rules on every relationship of a table.
RELATIONSHIP_INDEXED = ("rel_key",)
# Properties looked up on every entity node: keyless records and incremental loads.
NODE_INDEXED = ("record_key", "src_dataset")


@dataclass(frozen=True)
class Statement:
    name: str
    cypher: str


def _snake(label: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in label).lstrip("_")


def schema_statements(model: GraphModel | None = None) -> list[Statement]:
    """Every constraint and index of the model, in a stable order."""
    model = model or load_model()
    statements = []
    for node in model.nodes.values():
        name, label = _snake(node.label), model.check_label(node.label)
        statements.append(Statement(
            f"{name}_{node.key}_unique",
            f"CREATE CONSTRAINT {name}_{node.key}_unique IF NOT EXISTS "
            f"FOR (n:{label}) REQUIRE n.`{node.key}` IS UNIQUE"))
        extra = NODE_INDEXED if node.kind == "entity" else ()
        for prop in (*node.indexes, *extra):
            statements.append(Statement(
                f"{name}_{prop}",
                f"CREATE INDEX {name}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.`{prop}`)"))
        if node.fulltext:
            fields = ", ".join(f"n.`{prop}`" for prop in node.fulltext)
            statements.append(Statement(
                f"{name}_fulltext",
                f"CREATE FULLTEXT INDEX {name}_fulltext IF NOT EXISTS FOR (n:{label}) "
                f"ON EACH [{fields}] OPTIONS {{indexConfig: {{`fulltext.analyzer`: 'cjk'}}}}"))
    for rel_type in sorted(model.relationship_types):
        name = rel_type.lower()
        for prop in RELATIONSHIP_INDEXED:
            statements.append(Statement(
                f"rel_{name}_{prop}",
                f"CREATE INDEX rel_{name}_{prop} IF NOT EXISTS "
                f"FOR ()-[r:`{rel_type}`]-() ON (r.`{prop}`)"))
    return statements


def migrate(connection: Connection, model: GraphModel | None = None) -> dict:
    """Apply the schema; returns what was created and whether the version changed."""
    model = model or load_model()
    before = _existing_names(connection)
    for statement in schema_statements(model):
        connection.write(statement.cypher)
    connection.write("CALL db.awaitIndexes(300)")
    after = _existing_names(connection)
    unchanged = connection.write(RECORD_SCHEMA_VERSION, version=SCHEMA_VERSION,
                                 digest=model.digest)[0]["unchanged"]
    return {"created": sorted(after - before), "version": SCHEMA_VERSION,
            "digest": model.digest, "version_changed": not unchanged}


def schema_version(connection: Connection) -> dict | None:
    rows = connection.read(READ_SCHEMA_VERSION)
    return rows[0] if rows else None


def _existing_names(connection: Connection) -> set[str]:
    names = {row["name"] for row in connection.read("SHOW CONSTRAINTS YIELD name RETURN name")}
    names |= {row["name"] for row in connection.read("SHOW INDEXES YIELD name RETURN name")}
    return names
