"""Create the model's constraints and indexes idempotently and record the schema version.

Statements use ``IF NOT EXISTS``; names are derived from the model, so a second run changes
nothing, and the ``SchemaVersion`` node is rewritten only when the model's digest changes.

A first load into an empty store may *defer* the indexes its writes never read (full-text
and range indexes of the entity labels, never a uniqueness constraint, never ``rel_key``):
they are dropped before it writes and created again when it ends (``defer_indexes``; an
option of the loader, off by default: on the county the population afterwards cost what the
writes saved, docs/performance.md). The names are recorded on
the ``SchemaVersion`` node first, so that a load killed in between leaves a mark: the next
load or ``lianjian db migrate`` creates them again (``restore_deferred_indexes``).
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
    """Apply the schema; returns what was created and whether the version changed.

    Indexes a load deferred and could not create again (the process died) are created
    like any other missing index, and their mark is cleared.
    """
    model = model or load_model()
    before = _existing_names(connection)
    for statement in schema_statements(model):
        connection.write(statement.cypher)
    connection.write(CLEAR_DEFERRED)
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


# Nodes that are not data: an empty store may hold the schema's version record.
STORE_IS_EMPTY = "MATCH (n) WHERE NOT n:SchemaVersion WITH n LIMIT 1 RETURN count(n) = 0 AS empty"
MARK_DEFERRED = """
MERGE (s:SchemaVersion {name: 'lianjian'})
SET s.deferred_indexes = $names
"""
READ_DEFERRED = """
MATCH (s:SchemaVersion {name: 'lianjian'})
RETURN coalesce(s.deferred_indexes, []) AS names
"""
# The record may exist only for the mark (the store's data was deleted with it): then it goes.
CLEAR_DEFERRED = """
MATCH (s:SchemaVersion {name: 'lianjian'})
REMOVE s.deferred_indexes
WITH s WHERE s.version IS NULL
DELETE s
"""


def deferrable_statements(labels: tuple[str, ...] | list[str],
                          model: GraphModel | None = None) -> list[Statement]:
    """The indexes of ``labels`` that no write of a load reads: all but the constraints.

    Uniqueness constraints stay (every ``MERGE`` seeks them), and so do the relationship
    ``rel_key`` indexes (ties are merged by them).
    """
    return [statement for statement in schema_statements(model)
            if " INDEX " in statement.cypher and "(n:`" in statement.cypher
            and statement.cypher.split("(n:`", 1)[1].split("`", 1)[0] in labels]


def defer_indexes(connection: Connection, labels: tuple[str, ...] | list[str],
                  model: GraphModel | None = None) -> list[str]:
    """On a store without data, drop the deferrable indexes of ``labels``; their names.

    Nothing is dropped when the store holds any node besides the schema's version record
    (another load's data, a workbench's users…). The mark is written before the first drop.
    """
    model = model or load_model()
    if not connection.read(STORE_IS_EMPTY)[0]["empty"]:
        return []
    existing = _existing_names(connection)
    names = [s.name for s in deferrable_statements(labels, model) if s.name in existing]
    if not names:
        return []
    connection.write(MARK_DEFERRED, names=names)
    for name in names:
        connection.write(f"DROP INDEX {name} IF EXISTS")
    return names


def build_deferred_indexes(connection: Connection, labels: tuple[str, ...] | list[str],
                           model: GraphModel | None = None) -> list[str]:
    """Create the deferred indexes of ``labels`` now, without waiting for them.

    A load calls it once a label's own table is written: the server populates them while
    the next tables load. The mark stays until ``restore_deferred_indexes``.
    """
    rows = connection.read(READ_DEFERRED)
    names = set(rows[0]["names"]) if rows else set()
    statements = [s for s in deferrable_statements(labels, model) if s.name in names]
    if statements:
        with connection.work_session() as session:
            session.execute_write(_run_all, [s.cypher for s in statements])
    return [s.name for s in statements]


def restore_deferred_indexes(connection: Connection, model: GraphModel | None = None,
                             await_s: int = 3600) -> list[str]:
    """Create the indexes a load deferred (its own, or one that died) and wait for them.

    Their population is the work a load saved by deferring them; it is done here, while the
    caller waits (``db.awaitIndexes``). Returns the names created again.
    """
    rows = connection.read(READ_DEFERRED)
    names = set(rows[0]["names"]) if rows else set()
    if not names:
        return []
    statements = [s for s in schema_statements(model or load_model()) if s.name in names]
    with connection.work_session() as session:
        # All in one schema transaction; the server populates them in the background.
        session.execute_write(_run_all, [s.cypher for s in statements])
    connection.write(CLEAR_DEFERRED)
    connection.run_autocommit(f"CALL db.awaitIndexes({int(await_s)})")
    return sorted(names)


def _run_all(tx, queries: list[str]) -> None:
    for query in queries:
        tx.run(query).consume()
