"""Labels in Chinese (default) and English: UI text from the catalogs in ``web/i18n/``,
names of entity types and properties from the graph model (``graph/model/*.yaml``), so no
label is written twice.

A language's catalog is every ``web/i18n/<lang>/*.yaml`` file, one per part of the
workbench (core, alerts, map, cases, public, …); a key defined in two files is an error, so
parts never overwrite each other's words.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from graph.model import load_model

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "catalog", "Translator", "choose_language"]

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
CATALOG_DIR = Path(__file__).with_name("i18n")


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The flat ``key: text`` catalog of a language, from all of its files.

    >>> catalog("zh")["nav.home"]
    '首页'
    """
    texts: dict[str, str] = {}
    for path in sorted((CATALOG_DIR / lang).glob("*.yaml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        twice = sorted(set(part) & set(texts))
        if twice:
            raise ValueError(f"{path}: keys already defined in another catalog file: "
                             f"{', '.join(twice)}")
        texts.update(part)
    return texts


def choose_language(value: str | None) -> str:
    """A supported language code, the default for anything else.

    >>> choose_language("en"), choose_language("fr"), choose_language(None)
    ('en', 'zh', 'zh')
    """
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """``t(key, **values)`` for one language, plus the model's names of labels and fields.

    >>> t = Translator("en")
    >>> t("nav.home"), t.label("Unit"), t.field("ScanRun", "started_at")
    ('Home', 'Public body', 'Started')
    >>> Translator("zh").label("Unit")
    '单位'
    """

    def __init__(self, lang: str):
        self.lang = choose_language(lang)
        self.texts = catalog(self.lang)
        self.fallback = catalog(DEFAULT_LANGUAGE)

    def __call__(self, key: str, **values: object) -> str:
        text = self.texts.get(key) or self.fallback.get(key) or key
        return text.format(**values) if values else text

    def term(self, group: str, value: object) -> str:
        """The catalog's word for a coded value (``status.completed``), else the value.

        >>> Translator("zh").term("status", "completed"), Translator("zh").term("status", "odd")
        ('已完成', 'odd')
        """
        key = f"{group}.{value}"
        return self.texts.get(key) or self.fallback.get(key) or str(value or "")

    def label(self, node_label: str) -> str:
        node = load_model().node(node_label)
        return node.name_zh if self.lang == "zh" else node.name_en

    def field(self, node_label: str, prop: str) -> str:
        spec = load_model().node(node_label).properties[prop]
        return spec.zh if self.lang == "zh" else spec.en

    def tie(self, rel_type: str) -> str:
        """The model's name of a relationship type (``HOLDS_POSITION`` → 任职于).

        >>> Translator("zh").tie("HOLDS_POSITION"), Translator("en").tie("HOLDS_POSITION")
        ('任职于', 'holds position at')
        """
        rel = _relationship(rel_type)
        if rel is None:
            return rel_type
        return rel.name_zh if self.lang == "zh" else rel.name_en

    def tie_field(self, rel_type: str, prop: str) -> str:
        """The model's name of a relationship's property, else the property itself.

        >>> Translator("zh").tie_field("HOLDS_POSITION", "title")
        '职务'
        """
        rel = _relationship(rel_type)
        spec = rel.properties.get(prop) if rel else None
        if spec is None:
            return prop
        return spec.zh if self.lang == "zh" else spec.en

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.lang == "zh" else "en"


@lru_cache(maxsize=None)
def _relationship(rel_type: str):
    """The first declaration of a relationship type in the model (names agree across them)."""
    return next((rel for rel in load_model().relationships if rel.type == rel_type), None)
