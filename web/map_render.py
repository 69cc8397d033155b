"""How the relationship map looks and what it exports: one style table for the page, the
legend and the server-drawn SVG, and the export files (GraphML for Gephi, CSV of nodes and
ties, SVG), each with provenance columns.

Names of entity and tie types come from the graph model (``graph/model/*.yaml``), the code
words of the data (roles, relations, programmes) from ``analytics.rules.render.VOCABULARY``;
nothing is restated here. Every text that reaches SVG or XML goes through ElementTree,
which escapes it: a ``<script>`` in a name stays text.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import zipfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable

import networkx as nx

from analytics.map_graph import HIDDEN_TYPES, MAP_LABELS, MAP_TIE_TYPES
from analytics.rules.render import VOCABULARY
from graph.model import load_model

__all__ = ["NODE_STYLES", "TIE_STYLES", "WITHHELD_STYLE", "type_names", "tie_caption",
           "graphml", "csv_zip", "svg", "stamp", "FONT"]

FONT = "Noto Sans CJK SC"
# Per entity type: colour, the vis-network shape (label below the shape) and size.
NODE_STYLES = {
    "Person": {"color": "#2f6fb0", "shape": "dot", "size": 16},
    "Company": {"color": "#c77c1e", "shape": "square", "size": 15},
    "Unit": {"color": "#3f7a47", "shape": "hexagon", "size": 18},
    "Contract": {"color": "#7a5195", "shape": "square", "size": 11},
    "Tender": {"color": "#9c6ea8", "shape": "triangle", "size": 11},
    "Bid": {"color": "#b08dbb", "shape": "triangleDown", "size": 10},
    "SubsidyPayment": {"color": "#1b8a8a", "shape": "diamond", "size": 11},
    "Account": {"color": "#5f6b7a", "shape": "square", "size": 11},
    "Transaction": {"color": "#8a6d3b", "shape": "diamond", "size": 9},
    "Complaint": {"color": "#b5651d", "shape": "star", "size": 13},
    "Alert": {"color": "#9e2a2b", "shape": "star", "size": 20},
}
WITHHELD_STYLE = {"color": "#c3c8cf", "shape": "dot", "size": 10}
# Per tie type: colour and line (solid, dashed for what is inferred or bookkeeping).
_GROUPS = {
    "#b03a2e": ("HAS_RELATIVE",),
    "#3f7a47": ("HOLDS_POSITION", "PART_OF"),
    "#c77c1e": ("HOLDS_ROLE",),
    "#7a5195": ("BUYER", "SUPPLIER", "APPROVED_BY", "FOR_TENDER", "BIDDER"),
    "#1b8a8a": ("RECIPIENT", "ISSUED_BY", "INTO_ACCOUNT"),
    "#5f6b7a": ("HELD_BY",),
    "#8a6d3b": ("PAID", "PAID_TO", "TRANSFER"),
    "#b5651d": ("ABOUT",),
    "#888888": ("POSSIBLY_SAME_AS",),
    "#9e2a2b": ("EVIDENCE",),
    "#d35400": tuple(HIDDEN_TYPES),
}
TIE_STYLES = {rel_type: {"color": color,
                         "dashes": rel_type in ("EVIDENCE", "POSSIBLY_SAME_AS", "PART_OF")
                         or rel_type in HIDDEN_TYPES}
              for color, types in _GROUPS.items() for rel_type in types}
_WORDS = {"zh": {"SHARES_PHONE": "共用电话", "SHARES_ADDRESS": "共用地址",
                 "SHARES_EMAIL": "共用邮箱", "SHARES_ACCOUNT": "共用账户",
                 "TRANSFER": "转账（范围外）"},
          "en": {"SHARES_PHONE": "same phone", "SHARES_ADDRESS": "same address",
                 "SHARES_EMAIL": "same email", "SHARES_ACCOUNT": "same account",
                 "TRANSFER": "transfer (outside your jurisdiction)"}}


def type_names(lang: str) -> dict:
    """Names in ``lang`` from the model: entity types (``labels``), tie types (``ties``, the
    first source label's name of a type several labels have; hidden ties from this module),
    entity properties (``fields``) and tie properties (``tie_fields``)."""
    model = load_model()
    labels = {label: model.node(label).name_zh if lang == "zh" else model.node(label).name_en
              for label in MAP_LABELS}
    ties: dict[str, str] = {}
    for rel in model.relationships:
        if rel.type in MAP_TIE_TYPES and rel.type not in ties:
            ties[rel.type] = rel.name_zh if lang == "zh" else rel.name_en
    ties.update(_WORDS["zh" if lang == "zh" else "en"])
    fields = {label: {name: spec.zh if lang == "zh" else spec.en
                      for name, spec in model.node(label).properties.items()}
              for label in MAP_LABELS}
    tie_fields: dict[str, dict[str, str]] = {}
    for rel in model.relationships:
        for name, spec in rel.properties.items():
            tie_fields.setdefault(rel.type, {}).setdefault(name, spec.zh if lang == "zh"
                                                           else spec.en)
    return {"labels": labels, "ties": ties, "fields": fields, "tie_fields": tie_fields}


def _word(value, lang: str) -> str:
    """A code word of the data (``shareholder``, ``spouse``) in ``lang``."""
    text = str(value)
    if lang == "zh":
        return VOCABULARY["zh"].get(text, text)
    return VOCABULARY["en"].get(text, text.replace("_", " "))


def _money(amount) -> str:
    return f"¥{amount:,.0f}" if isinstance(amount, (int, float)) else ""


def tie_caption(edge: dict, lang: str) -> str:
    """The text on a tie: its role, relation, title or shared value, share, amount and dates
    (the page computes the same in JavaScript, view.js ``edgeCaption``).

    >>> tie_caption({"type": "HOLDS_ROLE", "props": {"role": "shareholder", "share_pct": 80,
    ...              "start_date": "2019-05-01"}}, "zh")
    '股东 80% 2019-05-01起'
    """
    props = edge.get("props") or {}
    parts = []
    for name in ("role", "relation", "title"):
        if props.get(name):
            parts.append(_word(props[name], lang))
    if props.get("share_pct") not in (None, ""):
        parts.append(f"{props['share_pct']:g}%" if isinstance(props["share_pct"], (int, float))
                     else f"{props['share_pct']}%")
    if edge.get("type") in HIDDEN_TYPES and props.get("value"):
        parts.append(str(props["value"]))
    if props.get("amount") is not None:
        parts.append(_money(props["amount"]))
    start, end = props.get("start_date"), props.get("end_date")
    if start or end:
        if lang == "zh":
            parts.append(f"{start or ''}至{end}" if end else f"{start}起")
        else:
            parts.append(f"{start or ''}–{end or ''}")
    if props.get("date"):
        parts.append(str(props["date"]))
    return " ".join(parts)


def _provenance_row(item: dict) -> list:
    source = item.get("provenance") or {}
    return [source.get("dataset"), source.get("file"), source.get("row"), source.get("run")]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


NODE_COLUMNS = ("id", "type", "type_name", "key", "name", "date", "amount", "alerted",
                "x", "y", "src_dataset", "src_file", "src_row", "src_run")
TIE_COLUMNS = ("id", "type", "type_name", "source", "target", "source_name", "target_name",
               "caption", "start_date", "end_date", "properties",
               "src_dataset", "src_file", "src_row", "src_run")


def _rows(nodes: list[dict], edges: list[dict], positions: dict, lang: str):
    names = type_names(lang)
    by_id = {node["id"]: node for node in nodes}
    node_rows = []
    for node in nodes:
        x, y = positions.get(node["id"], (None, None))
        node_rows.append([node["id"], node["label"], names["labels"].get(node["label"]),
                          node["key"], node.get("name"), node.get("date"), node.get("amount"),
                          bool(node.get("alerted")), x, y, *_provenance_row(node)])
    tie_rows = []
    for edge in edges:
        props = edge.get("props") or {}
        tie_rows.append([edge["id"], edge["type"], names["ties"].get(edge["type"]),
                         edge["from"], edge["to"], by_id.get(edge["from"], {}).get("name"),
                         by_id.get(edge["to"], {}).get("name"), tie_caption(edge, lang),
                         props.get("start_date"), props.get("end_date"),
                         _text({k: v for k, v in props.items()
                                if k not in ("start_date", "end_date")}),
                         *_provenance_row(edge)])
    return node_rows, tie_rows


def csv_zip(nodes: list[dict], edges: list[dict], positions: dict, about: dict,
            lang: str) -> bytes:
    """``nodes.csv`` and ``ties.csv`` (UTF-8 with a byte-order mark, so Excel reads the
    Chinese) and ``about.txt`` (who exported what, when, and what was left out), zipped."""
    node_rows, tie_rows = _rows(nodes, edges, positions, lang)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, header, rows in (("nodes.csv", NODE_COLUMNS, node_rows),
                                   ("ties.csv", TIE_COLUMNS, tie_rows)):
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows([[_text(cell) for cell in row] for row in rows])
            bundle.writestr(name, "\ufeff" + text.getvalue())
        bundle.writestr("about.txt", "\n".join(f"{k}: {v}" for k, v in about.items()) + "\n")
    return archive.getvalue()


def graphml(nodes: list[dict], edges: list[dict], positions: dict, about: dict,
            lang: str) -> bytes:
    """GraphML that Gephi opens: keys declared with types (networkx writes them), ``label``
    the name Gephi shows, ``x``/``y`` the map's positions, provenance on every node and tie,
    and the export's ``about`` on the graph."""
    node_rows, tie_rows = _rows(nodes, edges, positions, lang)
    graph = nx.MultiDiGraph(**{k: _text(v) for k, v in about.items()})
    for row in node_rows:
        values = dict(zip(NODE_COLUMNS, row))
        node = {k: _text(v) for k, v in values.items() if k not in ("id", "x", "y", "amount")}
        node["label"] = values["name"] or values["key"]
        if values["amount"] is not None:
            node["amount"] = float(values["amount"])
        if values["x"] is not None:
            node["x"], node["y"] = float(values["x"]), float(values["y"])
        graph.add_node(values["id"], **node)
    for row in tie_rows:
        values = dict(zip(TIE_COLUMNS, row))
        graph.add_edge(values["source"], values["target"], key=values["id"],
                       **{k: _text(v) for k, v in values.items()
                          if k not in ("source", "target", "id")}, tie_id=values["id"],
                       label=values["caption"] or values["type_name"] or values["type"])
    out = io.BytesIO()
    nx.write_graphml(graph, out, encoding="utf-8", prettyprint=True)
    return out.getvalue()


def _layout(nodes: list[dict], positions: dict) -> dict[str, tuple[float, float]]:
    """The map's positions; a node without one goes on a circle (never at one point)."""
    placed = {node["id"]: positions[node["id"]] for node in nodes if node["id"] in positions}
    missing = [node["id"] for node in nodes if node["id"] not in placed]
    for index, node_id in enumerate(missing):
        angle = 2 * math.pi * index / max(1, len(missing))
        placed[node_id] = (300 * math.cos(angle), 300 * math.sin(angle))
    return placed


def _shape(parent: ET.Element, shape: str, x: float, y: float, size: float,
           fill: str, stroke: str) -> None:
    if shape in ("dot", "star"):
        ET.SubElement(parent, "circle", cx=f"{x:.1f}", cy=f"{y:.1f}", r=f"{size:.1f}",
                      fill=fill, stroke=stroke, **{"stroke-width": "2"})
        return
    corners = {"square": [(-1, -1), (1, -1), (1, 1), (-1, 1)],
               "diamond": [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)],
               "triangle": [(0, -1.2), (1.1, 0.9), (-1.1, 0.9)],
               "triangleDown": [(0, 1.2), (1.1, -0.9), (-1.1, -0.9)],
               "hexagon": [(math.cos(a), math.sin(a)) for a in
                           (math.pi / 3 * i for i in range(6))]}[shape]
    points = " ".join(f"{x + dx * size:.1f},{y + dy * size:.1f}" for dx, dy in corners)
    ET.SubElement(parent, "polygon", points=points, fill=fill, stroke=stroke,
                  **{"stroke-width": "2"})


def svg(nodes: list[dict], edges: list[dict], positions: dict, about: dict, lang: str,
        hidden_labels: Iterable[str] = ()) -> bytes:
    """The map drawn on the server at the page's positions: shapes and colours of the
    legend, names under the nodes, tie captions at the middle of the ties, a legend of the
    types present and a footer with the export's provenance. Text escaped by ElementTree."""
    names = type_names(lang)
    placed = _layout(nodes, positions)
    xs = [x for x, _ in placed.values()] or [0]
    ys = [y for _, y in placed.values()] or [0]
    margin, legend_w = 80, 170
    left, top = min(xs) - margin, min(ys) - margin
    width = max(xs) - min(xs) + 2 * margin + legend_w
    height = max(ys) - min(ys) + 2 * margin + 40
    root = ET.Element("svg", xmlns="http://www.w3.org/2000/svg",
                      viewBox=f"{left:.0f} {top:.0f} {width:.0f} {height:.0f}",
                      width=f"{width:.0f}", height=f"{height:.0f}",
                      **{"font-family": FONT, "font-size": "12"})
    ET.SubElement(root, "rect", x=f"{left:.0f}", y=f"{top:.0f}", width=f"{width:.0f}",
                  height=f"{height:.0f}", fill="#ffffff")
    defs = ET.SubElement(root, "defs")
    marker = ET.SubElement(defs, "marker", id="arrow", viewBox="0 0 10 10", refX="10",
                           refY="5", markerWidth="7", markerHeight="7", orient="auto")
    ET.SubElement(marker, "path", d="M0,0 L10,5 L0,10 z", fill="#7a828e")
    by_id = {node["id"]: node for node in nodes}
    ties_layer, nodes_layer = ET.SubElement(root, "g"), ET.SubElement(root, "g")
    for edge in edges:
        if edge["from"] not in placed or edge["to"] not in placed:
            continue
        (x1, y1), (x2, y2) = placed[edge["from"]], placed[edge["to"]]
        length = math.hypot(x2 - x1, y2 - y1) or 1
        size = _style(by_id.get(edge["to"]))["size"] + 4
        x2e, y2e = x2 - (x2 - x1) / length * size, y2 - (y2 - y1) / length * size
        style = TIE_STYLES.get(edge["type"], {"color": "#7a828e", "dashes": False})
        line = ET.SubElement(ties_layer, "line", x1=f"{x1:.1f}", y1=f"{y1:.1f}",
                             x2=f"{x2e:.1f}", y2=f"{y2e:.1f}", stroke=style["color"],
                             **{"stroke-width": "3" if edge.get("evidence") else "1.4",
                                "marker-end": "url(#arrow)"})
        if style["dashes"]:
            line.set("stroke-dasharray", "5 4")
        caption = tie_caption(edge, lang) or names["ties"].get(edge["type"], edge["type"])
        text = ET.SubElement(ties_layer, "text", x=f"{(x1 + x2) / 2:.1f}",
                             y=f"{(y1 + y2) / 2 - 3:.1f}", fill="#4e5661",
                             **{"text-anchor": "middle", "font-size": "10"})
        text.text = caption
    for node in nodes:
        x, y = placed[node["id"]]
        style = _style(node)
        stroke = "#9e2a2b" if node.get("alerted") or node.get("evidence") else "#ffffff"
        _shape(nodes_layer, style["shape"], x, y, style["size"], style["color"], stroke)
        text = ET.SubElement(nodes_layer, "text", x=f"{x:.1f}", y=f"{y + style['size'] + 14:.1f}",
                             fill="#1f2329", **{"text-anchor": "middle"})
        text.text = node.get("name") or node.get("key") or names["labels"].get(node["label"])
    legend = ET.SubElement(root, "g")
    lx, ly = left + width - legend_w + 10, top + 20
    present = sorted({node["label"] for node in nodes} - set(hidden_labels),
                     key=lambda label: list(NODE_STYLES).index(label)
                     if label in NODE_STYLES else 99)
    for index, label in enumerate(present):
        style = NODE_STYLES.get(label, WITHHELD_STYLE)
        _shape(legend, style["shape"], lx + 8, ly + index * 22, 7, style["color"], "#ffffff")
        text = ET.SubElement(legend, "text", x=f"{lx + 22:.0f}", y=f"{ly + index * 22 + 4:.0f}",
                             fill="#1f2329")
        text.text = names["labels"].get(label, label)
    footer = ET.SubElement(root, "text", x=f"{left + 10:.0f}", y=f"{top + height - 12:.0f}",
                           fill="#7a828e", **{"font-size": "10"})
    footer.text = " · ".join(f"{k}: {v}" for k, v in about.items())
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _style(node: dict | None) -> dict:
    if not node or node.get("withheld"):
        return WITHHELD_STYLE
    return NODE_STYLES.get(node["label"], WITHHELD_STYLE)


def stamp(user: str, scope_name: str | None, counts: dict) -> dict:
    """The ``about`` of an export: who, when (UTC), whose jurisdiction, what it holds."""
    return {"exported_by": user, "exported_at": dt.datetime.now(dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"), "jurisdiction": scope_name or "", **counts}
