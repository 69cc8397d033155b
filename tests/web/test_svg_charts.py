"""The server's SVG charts (web/svg/charts.py): deterministic bytes, escaped text, Chinese in
Noto Sans CJK SC, no script, well-formed XML, and drawn values that match the input."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ElementTree

import pytest

from web.svg import charts

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script>宏达&"公司"'


def draw_all(label: str = "亲属关联供应商") -> list[str]:
    return [
        charts.bar_chart([(label, 12, "/alerts?rule=a&unit=U1"), ("围标串标", 3)],
                         title="按规则"),
        charts.stacked_bar_chart([(label, [3, 2, 1, 0], "/alerts?rule=a"), ("围标串标",
                                                                           [0, 0, 1, 4])],
                                 ["预警", "分办", "核查", "处置"], title="按状态"),
        charts.trend_chart(["2023-01", "2023-02", "2023-03"],
                           [("按发现时间", [1, 5, 2]), (label, [0, 2, 2])], title="月度趋势"),
        charts.share_chart(["公开招标", label], [("按份数", [3, 1]), ("按金额", [100.0, 300.0])],
                           title="采购方式"),
        charts.span_chart([(f"{label} 局长", "2018-01-01", None),
                           ("某镇 副镇长", "2012-01-01", "2017-12-31")], title="任职",
                          today=dt.date(2024, 1, 1)),
    ]


def test_same_input_same_bytes():
    assert draw_all() == draw_all()


@pytest.mark.parametrize("index", range(5))
def test_well_formed_with_chinese_text_in_the_cjk_font_and_no_script(index):
    svg = draw_all()[index]
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("font-family").startswith("Noto Sans CJK SC")
    assert root.get("role") == "img"
    texts = " ".join(element.text or "" for element in root.iter() if element.tag in (
        f"{SVG}text", f"{SVG}title"))
    assert any("\u4e00" <= char <= "\u9fff" for char in texts)
    assert not [element for element in root.iter() if element.tag in (
        f"{SVG}script", f"{SVG}foreignObject", f"{SVG}style")]
    assert not [name for element in root.iter() for name in element.attrib
                if name.lower().startswith("on") or name == "style"]
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.parametrize("index", range(5))
def test_a_script_in_a_label_is_drawn_as_text(index):
    svg = draw_all(EVIL)[index]
    assert "<script" not in svg and "&lt;script&gt;" in svg
    root = ElementTree.fromstring(svg)       # still well-formed: & and quotes escaped
    titles = [element.text for element in root.iter(f"{SVG}title")]
    assert any(EVIL in (title or "") for title in titles), "the whole label, as text"


def test_links_are_escaped_attributes():
    svg = charts.bar_chart([("甲", 1, '/alerts?rule=a&unit="><script>')], title="t")
    root = ElementTree.fromstring(svg)
    [link] = root.iter(f"{SVG}a")
    assert link.get("href") == '/alerts?rule=a&unit="><script>'
    assert "<script>" not in svg


def test_bars_are_proportional_and_values_written():
    svg = charts.bar_chart([("甲", 10), ("乙", 5)], title="t", value_text=str)
    root = ElementTree.fromstring(svg)
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(2 * widths[1], rel=0.01)
    assert {"10", "5"} <= {element.text for element in root.iter(f"{SVG}text")}


def test_stacked_segments_sum_to_the_row():
    svg = charts.stacked_bar_chart([("甲", [2, 2]), ("乙", [1, 0])], ["a", "b"], title="t")
    root = ElementTree.fromstring(svg)
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    first = [float(r.get("width")) for r in bars if r.find(f"{SVG}title").text.startswith("甲")]
    second = [float(r.get("width")) for r in bars if r.find(f"{SVG}title").text.startswith("乙")]
    assert sum(first) == pytest.approx(4 * sum(second), rel=0.01)


def test_empty_data_says_so():
    for svg in (charts.bar_chart([], title="t", empty="暂无预警"),
                charts.trend_chart([], [], title="t", empty="暂无预警"),
                charts.span_chart([("甲", None, None)], title="t", today=dt.date(2024, 1, 1),
                                  empty="暂无预警")):
        assert "暂无预警" in svg


def test_long_labels_are_shortened_and_kept_whole_in_the_tooltip():
    label = "岐山县人力资源和社会保障局劳动保障监察大队第三中队" * 2
    svg = charts.bar_chart([(label, 1)], title="t", width=300)
    root = ElementTree.fromstring(svg)
    drawn = [element.text for element in root.iter(f"{SVG}text")]
    assert any(text.endswith("…") for text in drawn)
    assert any(label in (t.text or "") for t in root.iter(f"{SVG}title"))


def test_nice_ticks_cover_the_top():
    for top in (1, 7, 37, 124, 999, 12345):
        ticks = charts.nice_ticks(top)
        assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= 7
