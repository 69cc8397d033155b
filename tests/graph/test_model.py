"""The graph model description is complete and its documentation is current."""
from __future__ import annotations

from pathlib import Path

from graph.model import load_model
from graph.model_doc import render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_model_md_is_generated_from_the_model():
    assert (ROOT / "docs" / "model.md").read_text() == render_markdown(), (
        "docs/model.md is stale: run `lianjian db model-doc > docs/model.md`")


def test_every_type_has_english_and_chinese_names():
    model = load_model()
    for node in model.nodes.values():
        assert node.name_en and node.name_zh and node.key in node.properties
        for prop in node.properties.values():
            assert prop.en and prop.zh, f"{node.label}.{prop.name}"
        for rel in node.relationships.values():
            assert rel.name_en and rel.name_zh
            assert all(target in model.nodes for target in rel.targets), rel.type


def test_every_input_table_is_in_the_model():
    import yaml

    tables = yaml.safe_load((ROOT / "ingest" / "tables.yaml").read_text())
    sourced = {node.table for node in load_model().nodes.values()}
    sourced |= {rel.table for rel in load_model().relationships}
    missing = {f"{name}.csv" for name in tables} - sourced
    assert not missing, f"tables without a place in the graph model: {missing}"
