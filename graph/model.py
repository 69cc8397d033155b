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

# Provenance carried by every loaded node and relationship.
PROVENANCE = {
    "src_dataset": "Dataset the fact came from",
    "src_file": "File within the dataset",
    "src_row": "Row number in the file (header = 1)",
    "src_run": "Extract that last wrote it (content digest of the dataset files, LoadRun.extract_id)",
}


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
