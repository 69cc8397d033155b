"""Verification checklists (核查要点) and saved maps against the real database: every rule
has its points in both languages, ticks are kept with their history and audited, two
people at once are both kept, jurisdiction reads as missing; maps are scoped and versioned."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from case_fixtures import alert_of, scanned_county

from analytics.audit import read_log
from analytics.checklists import NOTE_LIMIT, ChecklistError, get_checklist, tick
from analytics.rules import RuleError, load_rule, load_rules
from analytics.saved_maps import MapError, get_map, list_maps, save_map
from analytics.workflow import AlertNotFound

BUILTIN = Path(__file__).resolve().parents[2] / "analytics" / "rules" / "builtin"


def test_every_rule_has_checks_in_chinese_and_english():
    rules = load_rules()
    assert len(rules) == 10
    for rule in rules.values():
        assert len(rule.checklist) >= 4, rule.id
        for item in rule.checklist:
            assert any("\u4e00" <= char <= "\u9fff" for char in item.zh), (rule.id, item.id)
            assert item.en.isascii() and len(item.en) > 20, (rule.id, item.id)
    kinship = rules["relative_supplier"].checklist
    assert [item.id for item in kinship][:4] == ["kinship", "holding", "recusal", "selection"]
    text = (BUILTIN / "01_relative_supplier.yaml").read_text(encoding="utf-8")
    assert text.index("\nanchor:") < text.index("\nchecklist:") < text.index("\nscope:")


@pytest.mark.parametrize("checklist, message", [
    ("checklist: []", "non-empty list"),
    ("checklist: [{id: a, zh: 甲}]", "exactly id, zh and en"),
    ("checklist: [{id: Bad-Id, zh: 甲, en: a}]", "lower_snake_case"),
    ("checklist: [{id: a, zh: 甲, en: a}, {id: a, zh: 乙, en: b}]", "given twice"),
    ("checklist: [{id: a, zh: '', en: a}]", "zh must be a text"),
])
def test_a_malformed_checklist_is_one_line_naming_file_and_field(tmp_path, checklist, message):
    text = (BUILTIN / "06_bid_rigging.yaml").read_text(encoding="utf-8")
    start, end = text.index("\nchecklist:"), text.index("\nscope:")
    broken = text[:start] + "\n" + checklist + text[end:]
    path = tmp_path / "bid_rigging.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RuleError, match=message) as refused:
        load_rule(path)
    assert str(path) in str(refused.value) and "field checklist" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_ticks_are_kept_with_their_history_and_audited(db, tmp_path):
    county = scanned_county(db, tmp_path)
    alert = alert_of(county, "relative_supplier", "U1")
    empty = get_checklist(db, alert, county["u1"])
    assert (empty["done"], empty["total"]) == (0, 6)
    assert all(not item["checked"] and item["actor"] is None for item in empty["items"])
    tick(db, alert, "kinship", actor="li", checked=True, note="户籍档案显示为夫妻",
         scope=county["u1"])
    tick(db, alert, "kinship", actor="chief", checked=True, note="已复核户籍档案",
         scope=county["all"])
    tick(db, alert, "recusal", actor="li", checked=False, note="<b>未回避</b>", scope=county["u1"])
    shown = get_checklist(db, alert, county["u1"])
    kinship = next(item for item in shown["items"] if item["id"] == "kinship")
    assert (kinship["checked"], kinship["note"], kinship["actor"]) == (True, "已复核户籍档案",
                                                                       "chief")
    assert [entry["note"] for entry in kinship["history"]] == ["户籍档案显示为夫妻", "已复核户籍档案"]
    recusal = next(item for item in shown["items"] if item["id"] == "recusal")
    assert (recusal["checked"], recusal["note"]) == (False, "<b>未回避</b>")
    assert shown["done"] == 1
    events = read_log(db, action="checklist.tick")["items"]
    assert [e["parameters"]["item"] for e in reversed(events)] == ["kinship", "kinship", "recusal"]
    assert alert in events[0]["targets"]


def test_refusals_read_as_one_line(db, tmp_path):
    county = scanned_county(db, tmp_path)
    u1_alert = alert_of(county, "relative_supplier", "U1")
    with pytest.raises(AlertNotFound):
        tick(db, u1_alert, "kinship", actor="wang", checked=True, scope=county["u2"])
    assert get_checklist(db, u1_alert, county["u2"]) is None
    with pytest.raises(ChecklistError, match="has no checklist item 'deposit'"):
        tick(db, u1_alert, "deposit", actor="li", checked=True, scope=county["u1"])
    with pytest.raises(ChecklistError, match=f"at most {NOTE_LIMIT}"):
        tick(db, u1_alert, "kinship", actor="li", checked=True, note="长" * (NOTE_LIMIT + 1),
             scope=county["u1"])
    assert get_checklist(db, u1_alert, county["u1"])["done"] == 0


def test_two_people_ticking_at_once_are_both_kept(db, tmp_path):
    county = scanned_county(db, tmp_path)
    alert = alert_of(county, "bid_rigging", "U1")
    threads = [threading.Thread(target=tick, args=(db, alert, "deposit"),
                                kwargs={"actor": f"user{n}", "checked": n % 2 == 0,
                                        "note": f"第{n}次", "scope": county["all"]})
               for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deposit = next(item for item in get_checklist(db, alert, county["all"])["items"]
                   if item["id"] == "deposit")
    assert sorted(entry["note"] for entry in deposit["history"]) == [f"第{n}次" for n in range(6)]
    seqs = [entry["audit_seq"] for entry in deposit["history"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 6


def test_saved_maps_are_scoped_versioned_and_audited(db, tmp_path):
    county = scanned_county(db, tmp_path)
    ids = county["ids"]
    state = {"positions": {ids["甲"]: [10, 20]}, "filters": ["kinship"]}
    saved = save_map(db, actor="li", unit_id="U1", title="甲的亲属与宏达", state=state,
                     entity_keys=[ids["甲"], ids["宏达"]], scope=county["u1"])
    assert saved["map_id"].startswith("map-") and saved["version"] == 1
    assert get_map(db, saved["map_id"], county["u1"])["state"] == state
    assert get_map(db, saved["map_id"], county["u2"]) is None
    assert [m["map_id"] for m in list_maps(db, county["u1"])] == [saved["map_id"]]
    with pytest.raises(MapError, match="no entity"):
        save_map(db, actor="li", unit_id="U1", title="越权", state={},
                 entity_keys=[ids["戊"]], scope=county["u1"])
    with pytest.raises(MapError, match="is li's"):
        save_map(db, actor="chief", unit_id="U1", title="改", state={}, entity_keys=[],
                 scope=county["all"], map_id=saved["map_id"])
    again = save_map(db, actor="li", unit_id="U1", title="甲的亲属", state={}, scope=county["u1"],
                     entity_keys=[ids["甲"]], map_id=saved["map_id"], expected_version=1)
    assert again["version"] == 2 and again["entity_keys"] == [ids["甲"]]
    with pytest.raises(MapError, match="saved again since you opened it"):
        save_map(db, actor="li", unit_id="U1", title="旧", state={}, scope=county["u1"],
                 entity_keys=[], map_id=saved["map_id"], expected_version=1)
    assert [e["parameters"]["version"] for e in read_log(db, action="map.save")["items"]] == [2, 1]
