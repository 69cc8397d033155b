"""The graph model, read from ``graph/model/*.yaml`` (one file per node label).

Everything else derives from this description: constraints and indexes (``migrate``), the
loader's property types, display captions and labels in English and Chinese, and the
Mermaid diagram in ``docs/model.md``. Labels and relationship types that reach Cypher text
are checked against it, never taken from user input.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

MODEL_DIR = Path(__file__).with_name("model")

# Provenance carried by every loaded node and relationship, and the loader's bookkeeping.
PROVENANCE = {
    "src_dataset": "Dataset the fact came from: a source that gave this node or tie (with "
                   "several sources, the one ranked first by the precedence policy)",
    "src_file": "File within the dataset",
    "src_row": "Row number in the file (header = 1)",
    "src_run": "Extract that last wrote it (content digest of the dataset files, LoadRun.extract_id)",
    "src_hash": "Digest of the row as loaded (an unchanged row is not written again)",
    "src_sources": "Number of datasets that give this node or tie (absent: one); their values "
                   "are Claim nodes, read with graph.values.entity_values",
    "conflicts": "Properties on which those datasets disagree",
    "src_elsewhere": "Properties whose shown value comes from another dataset than src_dataset",
    "stub": "true: no table defines this node; it exists because the row named by src_* "
            "refers to it (column stub_column), and is known only from that row",
    "stub_column": "The column of that row which names the stub",
    "warnings": "Implausible values of the row, loaded as given (see the load report)",
    "unreported_since": "Ties only: the extract date from which no source reports the tie "
                        "any more (no end date is made up; rules do not assert the tie on or "
                        "after this date)",
    "unreported_run": "Ties only: the load run that noticed it",
}
# Properties that describe where a value came from rather than the entity itself.
BOOKKEEPING_PROPERTIES = frozenset(PROVENANCE) | {"rel_key", "derived"}


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    en: str
    zh: str


@dataclass(frozen=True)
class Relationship:
    type: str
    source: str
    targets: tuple[str, ...]
    name_en: str
    name_zh: str
    properties: dict[str, Property]
    table: str | None = None
    note: str = ""


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    name_en: str
    name_zh: str
    caption: str
    properties: dict[str, Property]
    indexes: tuple[str, ...]
    fulltext: tuple[str, ...]
    relationships: dict[str, Relationship]
    table: str | None = None
    kind: str = "entity"
    note: str = ""


@dataclass(frozen=True)
class GraphModel:
    nodes: dict[str, NodeType]
    digest: str = field(compare=False)

    def node(self, label: str) -> NodeType:
        if label not in self.nodes:
            raise KeyError(f"{label!r} is not a node label of the model ({', '.join(self.nodes)})")
        return self.nodes[label]

    @property
    def relationships(self) -> list[Relationship]:
        return [rel for node in self.nodes.values() for rel in node.relationships.values()]

    @property
    def relationship_types(self) -> set[str]:
        return {rel.type for rel in self.relationships}

    def check_label(self, label: str) -> str:
        """``label`` back-quoted for Cypher text, if and only if the model has it."""
        self.node(label)
        return f"`{label}`"

    def check_relationship_type(self, rel_type: str) -> str:
        if rel_type not in self.relationship_types:
            raise KeyError(f"{rel_type!r} is not a relationship type of the model")
        return f"`{rel_type}`"


def _properties(raw: dict) -> dict[str, Property]:
    return {name: Property(name, spec["type"], spec["en"], spec["zh"])
            for name, spec in (raw or {}).items()}


def _node(raw: dict) -> NodeType:
    rels = {}
    for rel_type, spec in (raw.get("relationships") or {}).items():
        targets = spec["target"] if isinstance(spec["target"], list) else [spec["target"]]
        rels[rel_type] = Relationship(
            rel_type, raw["label"], tuple(targets), spec["name_en"], spec["name_zh"],
            _properties(spec.get("properties")), spec.get("source"), spec.get("note", ""))
    return NodeType(
        label=raw["label"], key=raw["key"], name_en=raw["name_en"], name_zh=raw["name_zh"],
        caption=raw.get("caption", raw["key"]), properties=_properties(raw["properties"]),
        indexes=tuple(raw.get("indexes") or ()), fulltext=tuple(raw.get("fulltext") or ()),
        relationships=rels, table=raw.get("source"), kind=raw.get("kind", "entity"),
        note=raw.get("note", ""))


@lru_cache(maxsize=1)
def load_model(model_dir: Path = MODEL_DIR) -> GraphModel:
    """Read every ``*.yaml`` of the model folder; the digest versions the schema."""
    digest = hashlib.sha256()
    nodes = {}
    for path in sorted(model_dir.glob("*.yaml")):
        text = path.read_bytes()
        digest.update(path.name.encode() + text)
        node = _node(yaml.safe_load(text))
        nodes[node.label] = node
    return GraphModel(nodes, digest.hexdigest()[:16])
