"""The rule registry: built-in rules and analysts' rules load the same way, from YAML folders.

Built-in rules live in ``analytics/rules/builtin``; an analyst adds a rule by dropping one
YAML file into the folder named by ``rules_dir`` (``LIANJIAN_RULES_DIR``), where it is
validated exactly as the built-in ones are. A rule id may appear only once.
"""
from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

import neo4j.exceptions

from analytics.rules.rule import Rule, RuleError, load_rule
from graph.connection import Connection

__all__ = ["BUILTIN_DIR", "load_rules", "rule_files", "check_cypher", "select_rules"]

BUILTIN_DIR = Path(__file__).with_name("builtin")


def rule_files(folder: Path) -> list[Path]:
    """The rule files of a folder, in name order (``*.yaml`` and ``*.yml``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RuleError(f"rules folder {folder} does not exist: create it or fix "
                        "LIANJIAN_RULES_DIR / rules_dir in lianjian.toml")
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def load_rules(rules_dir: Path | None = None, include_builtin: bool = True) -> dict[str, Rule]:
    """Every rule by id: the built-in ones, then those of ``rules_dir`` (settings when None).

    The files are parsed again only when one of them changed (its name, size or
    modification time): pages that name rules (the alert page, its checklist, the map's
    legend) ask on every request, and parsing the YAML cost more than the page's queries.
    The dict is the caller's own; the rules in it are frozen.

    >>> load_rules()["relative_supplier"].name_zh
    '亲属关联供应商'
    """
    if rules_dir is None:
        from graph.settings import get_settings

        rules_dir = get_settings().rules_dir
    folders = ([BUILTIN_DIR] if include_builtin else []) + ([Path(rules_dir)] if rules_dir else [])
    return dict(_parsed(_signature(tuple(str(folder) for folder in folders))))


_SEEN: dict[tuple[str, ...], tuple[float, tuple]] = {}
RECHECK_S = 2.0     # a page names rules once per row: the folders are listed at most this often


def _signature(folders: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """Name, modification time and size of every rule file of the folders (listed again
    when the last listing is older than ``RECHECK_S``: an edited file counts within it)."""
    now = time.monotonic()
    seen = _SEEN.get(folders)
    if seen is not None and now - seen[0] < RECHECK_S:
        return seen[1]
    signature = tuple((str(path), stat.st_mtime_ns, stat.st_size)
                      for folder in folders for path in rule_files(Path(folder))
                      for stat in (path.stat(),))
    _SEEN[folders] = (now, signature)
    return signature


@lru_cache(maxsize=8)
def _parsed(files: tuple[tuple[str, int, int], ...]) -> dict[str, Rule]:
    """The rules of these files (name, mtime, size), parsed once per distinct signature."""
    rules: dict[str, Rule] = {}
    for name, _, _ in files:
        path = Path(name)
        rule = load_rule(path)
        if rule.id in rules:
            raise RuleError(f"{path}: rule id {rule.id} is defined twice (also in "
                            f"{rules[rule.id].path}); give one of them another id")
        rules[rule.id] = rule
    return rules


def select_rules(rules: dict[str, Rule], rule_ids: list[str] | None) -> list[Rule]:
    """The rules named by ``rule_ids`` (all when None), failing on an unknown id."""
    if not rule_ids:
        return list(rules.values())
    unknown = [rule_id for rule_id in rule_ids if rule_id not in rules]
    if unknown:
        raise RuleError(f"unknown rule(s) {', '.join(unknown)}; known: {', '.join(rules)}")
    return [rules[rule_id] for rule_id in rule_ids]


def check_cypher(connection: Connection, rule: Rule) -> None:
    """Plan the rule's query with ``EXPLAIN`` (nothing runs); RuleError names the file."""
    try:
        connection.read("EXPLAIN " + rule.cypher, **rule.defaults, unit_ids=None)
        if rule.check_cypher:
            connection.read("EXPLAIN " + rule.check_cypher, **rule.defaults, unit_ids=None,
                            row=None)
    except neo4j.exceptions.Neo4jError as error:
        message = " ".join((error.message or str(error)).split())[:400]
        raise RuleError(f"{rule.path or rule.id}: field cypher does not compile: "
                        f"{message}") from None
