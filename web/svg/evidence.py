"""The relationship picture drawn on the server: an alert's evidence, a case's or a saved
map's entities and the ties among them, as one SVG that pages and PDF reports share.

The layout is deterministic (the same evidence always gives the same picture): nodes are
sorted by key, each connected part is laid out by force direction (Fruchterman–Reingold,
networkx's ``spring_layout``) from a circular start with a fixed seed, and the parts are
packed in rows, largest first. (Kamada–Kawai draws much the same, but its optimiser costs
tenths of a second per picture, and a 20-alert report draws twenty-one.) Every text is
escaped; captions are in Chinese (or English) with "Noto Sans CJK SC"; ties carry their
relation, role or title; presentation attributes only (no ``style``), so the page's CSP
holds. Around 30 nodes stay readable; beyond ``MAX_NODES`` the picture says how many it
left out.
"""
from __future__ import annotations

import base64
import math
from collections.abc import Iterable
from functools import lru_cache
from html import escape
from typing import Any

from analytics.rules.render import VOCABULARY
from graph.model import load_model
from web.i18n import Translator

__all__ = ["evidence_svg", "relationship_svg", "data_uri", "evidence_parts", "tie_name",
           "MAX_NODES"]

MAX_NODES = 60
FONT = "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"
COLOURS = {"Person": "#1f5f9e", "Company": "#a0661a", "Unit": "#2e6b3f",
           "Contract": "#6b4c9a", "Tender": "#6b4c9a", "Bid": "#7d6aa8",
           "Account": "#4e5661", "Transaction": "#9e2a2b", "SubsidyPayment": "#b0562a"}
GLYPHS = {"zh": {"Person": "人", "Company": "企", "Unit": "单", "Contract": "合",
                 "Tender": "标", "Bid": "投", "Account": "账", "Transaction": "款",
                 "SubsidyPayment": "补"},
          "en": {"Person": "P", "Company": "C", "Unit": "U", "Contract": "K", "Tender": "T",
                 "Bid": "B", "Account": "A", "Transaction": "$", "SubsidyPayment": "S"}}
RADIUS, SPACING, MARGIN, CAPTION = 17, 190, 70, 12
SEED, ITERATIONS = 2024, 300          # Fruchterman-Reingold from a circle: same input, same picture


@lru_cache(maxsize=1)
def _tie_names() -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    for rel in load_model().relationships:
        names.setdefault(rel.type, (rel.name_zh, rel.name_en))
    return names


def tie_name(kind: str | None, lang: str) -> str:
    """The model's name of a relationship type.

    >>> tie_name("HOLDS_POSITION", "zh"), tie_name("HOLDS_POSITION", "en")
    ('任职于', 'holds position at')
    """
    zh, en = _tie_names().get(kind or "", (kind or "", kind or ""))
    return zh if lang == "zh" else en


def data_uri(svg: str) -> str:
    """The SVG as a ``data:`` URI for an ``<img>`` (allowed by the CSP's ``img-src``).

    >>> data_uri("<svg/>")
    'data:image/svg+xml;base64,PHN2Zy8+'
    """
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def evidence_parts(evidence: Iterable[dict[str, Any]], ties: Iterable[dict[str, Any]] = ()
                   ) -> tuple[list[dict], list[dict]]:
    """Nodes and edges of a picture from evidence items (``analytics.rules.hits``) and
    further ties (``analytics.case_entities.ties_among``), each node once with its roles."""
    nodes: dict[str, dict] = {}
    edges: list[dict] = []
    for item in evidence:
        if item.get("truncated"):
            continue
        if item.get("type"):
            edges.append(item)
            continue
        key = str(item.get("id") or item.get("key"))
        node = nodes.setdefault(key, {"key": key, "label": item.get("label"),
                                      "name": item.get("name"), "roles": [],
                                      "amount": item.get("amount")})
        if item.get("role") and item["role"] not in node["roles"]:
            node["roles"].append(item["role"])
    seen = {(e.get("type"), e.get("from"), e.get("to")) for e in edges}
    for tie in ties:
        if tie.get("truncated") or (tie.get("type"), tie.get("from"), tie.get("to")) in seen:
            continue
        seen.add((tie.get("type"), tie.get("from"), tie.get("to")))
        edges.append(tie)
    for edge in edges:
        for end in ("from", "to"):
            key = str(edge.get(end))
            nodes.setdefault(key, {"key": key, "label": None, "name": None, "roles": [],
                                   "amount": None})
    return list(nodes.values()), edges


def evidence_svg(alert: dict[str, Any], lang: str = "zh",
                 ties: Iterable[dict[str, Any]] = ()) -> str:
    """The picture of one alert (``analytics.alerts.get_alert``'s result, or any dict with
    ``evidence``): its evidence nodes with their roles, its evidence ties, and ``ties``
    among those nodes that the evidence does not list (a contract's buyer and supplier)."""
    nodes, edges = evidence_parts(alert.get("evidence") or [], ties)
    return relationship_svg(nodes, edges, lang)


def relationship_svg(nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
                     lang: str = "zh", width: int = 880) -> str:
    """Nodes ``{key, label, name, roles, amount}`` and edges ``{type, from, to, role,
    detail}`` as an SVG document (the deterministic layout of the module docstring)."""
    t = Translator(lang)
    nodes = sorted(nodes, key=lambda node: (node["key"]))
    left_out = max(0, len(nodes) - MAX_NODES)
    if left_out:       # keep the nodes with most ties
        degree = {node["key"]: 0 for node in nodes}
        for edge in edges:
            for end in ("from", "to"):
                if str(edge.get(end)) in degree:
                    degree[str(edge[end])] += 1
        kept = sorted(nodes, key=lambda node: (-degree[node["key"]], node["key"]))[:MAX_NODES]
        nodes = sorted(kept, key=lambda node: node["key"])
    keys = {node["key"] for node in nodes}
    edges = [edge for edge in edges if str(edge.get("from")) in keys
             and str(edge.get("to")) in keys]
    positions, height = _layout(nodes, edges, width)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{escape(FONT)}" '
             'role="img">',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    if not nodes:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
                     f'font-size="14" fill="#7a828e">{escape(t("picture.empty"))}</text>')
    parts += _edges(edges, positions, lang)
    parts += [_node(node, positions[node["key"]], t, lang) for node in nodes]
    if left_out:
        parts.append(f'<text x="12" y="{height - 10}" font-size="12" fill="#9e2a2b">'
                     f'{escape(t("picture.left_out", n=left_out))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _layout(nodes: list[dict], edges: list[dict], width: int
            ) -> tuple[dict[str, tuple[float, float]], int]:
    """Positions and height; the same nodes and ties get the same picture, so it is kept
    (an alert page is drawn on every visit, and the force layout was its dearest step)."""
    pairs = tuple(sorted({tuple(sorted((str(e["from"]), str(e["to"])))) for e in edges
                          if str(e["from"]) != str(e["to"])}))
    positions, height = _layout_of(tuple(node["key"] for node in nodes), pairs, width)
    return dict(positions), height


@lru_cache(maxsize=2048)
def _layout_of(keys: tuple[str, ...], pairs: tuple[tuple[str, str], ...], width: int
               ) -> tuple[dict[str, tuple[float, float]], int]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(keys)
    graph.add_edges_from(pairs)
    components = sorted((sorted(part) for part in nx.connected_components(graph)),
                        key=lambda part: (-len(part), part[0]))
    boxes = []
    for part in components:
        sub = graph.subgraph(part)
        size = SPACING * max(1.0, math.sqrt(len(part)) * 0.95)
        if len(part) == 1:
            local = {part[0]: (0.0, 0.0)}
        elif len(part) == 2:
            local = {part[0]: (-0.5, 0.0), part[1]: (0.5, 0.0)}
        else:
            start = nx.circular_layout(sorted(part))
            local = {key: tuple(value) for key, value in nx.spring_layout(
                sub, pos=start, seed=SEED, iterations=ITERATIONS).items()}
        xs = [p[0] for p in local.values()]
        ys = [p[1] for p in local.values()]
        span_x, span_y = max(xs) - min(xs) or 1.0, max(ys) - min(ys) or 1.0
        scale = size / max(span_x, span_y)
        w, h = span_x * scale if len(part) > 1 else 0, span_y * scale if len(part) > 2 else 0
        boxes.append((part, local, min(xs), min(ys), scale, w, h))
    positions: dict[str, tuple[float, float]] = {}
    x, y, row_height = MARGIN, MARGIN, 0.0
    rows: list[tuple[list[str], float]] = [([], 0.0)]
    for part, local, min_x, min_y, scale, w, h in boxes:
        if x + w > width - MARGIN and x > MARGIN:
            x, y, row_height = MARGIN, y + row_height + 2 * MARGIN, 0.0
            rows.append(([], 0.0))
        for key, (px, py) in local.items():
            positions[key] = (x + (px - min_x) * scale if len(part) > 1 else x,
                              y + (py - min_y) * scale if len(part) > 2 else y)
        rows[-1] = (rows[-1][0] + list(local), x + w)
        x += w + 2 * MARGIN
        row_height = max(row_height, h)
    for keys, right in rows:          # each row centred on the page
        shift = max(0.0, (width - MARGIN - right) / 2)
        for key in keys:
            positions[key] = (positions[key][0] + shift, positions[key][1])
    height = int(y + row_height + MARGIN + 10) if positions else 120
    if positions:   # shrink anything wider than the page onto it
        widest = max(px for px, _ in positions.values())
        if widest > width - MARGIN:
            factor = (width - 2 * MARGIN) / (widest - MARGIN)
            positions = {key: (MARGIN + (px - MARGIN) * factor, py)
                         for key, (px, py) in positions.items()}
    return positions, max(height, 140)


def _edges(edges: list[dict], positions: dict, lang: str) -> list[str]:
    parts, drawn = [], {}
    for edge in edges:
        a, b = positions[str(edge["from"])], positions[str(edge["to"])]
        pair = tuple(sorted((str(edge["from"]), str(edge["to"]))))
        index = drawn[pair] = drawn.get(pair, -1) + 1     # parallel ties fan out
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dy) or 1.0
        bend = 18 * index * (1 if index % 2 else -1)
        mx, my = (a[0] + b[0]) / 2 - dy / length * bend, (a[1] + b[1]) / 2 + dx / length * bend
        colour = "#9e2a2b" if edge.get("role") in ("kinship", "holding", "transfer") \
            else "#8d96a3"
        parts.append(f'<path d="M{a[0]:.1f},{a[1]:.1f} Q{mx:.1f},{my:.1f} {b[0]:.1f},{b[1]:.1f}" '
                     f'fill="none" stroke="{colour}" stroke-width="1.4"/>')
        text = _tie_text(edge, lang)
        if text:
            lx, ly = (a[0] + 2 * mx + b[0]) / 4, (a[1] + 2 * my + b[1]) / 4
            box = _text_width(text, 10.5) + 6
            parts.append(f'<rect x="{lx - box / 2:.1f}" y="{ly - 13:.1f}" width="{box:.1f}" '
                         'height="15" rx="2" fill="#ffffff" fill-opacity="0.9"/>')
            parts.append(f'<text x="{lx:.1f}" y="{ly - 2:.1f}" text-anchor="middle" '
                         f'font-size="10.5" fill="#4e5661">{escape(text)}</text>')
    return parts


def _tie_text(edge: dict, lang: str) -> str:
    detail = edge.get("detail") or {}
    words = VOCABULARY.get(lang, {})
    parts = []
    for name in ("relation", "role", "title"):
        if detail.get(name):
            parts.append(words.get(str(detail[name]), str(detail[name])))
    if detail.get("share_pct") is not None:
        parts.append(f"{float(detail['share_pct']):g}%")
    if not parts:
        parts.append(tie_name(edge.get("type"), lang))
    return " ".join(parts) if lang == "en" else "".join(parts)


def _node(node: dict, position: tuple[float, float], t: Translator, lang: str) -> str:
    x, y = position
    label = node.get("label")
    colour = COLOURS.get(label, "#7a828e")
    glyph = GLYPHS[lang if lang in GLYPHS else "zh"].get(label, "?")
    name = _short(str(node.get("name") or node["key"]), 14)
    roles = ("、" if lang == "zh" else ", ").join(
        t.term("evidence_role", role) for role in node.get("roles") or [])
    kind = t.label(label) if label in load_model().nodes else ""
    tooltip = f"{kind} {node['key']}" + (f" · {node.get('name')}" if node.get("name") else "")
    amount = node.get("amount")
    lines = [f'<g><title>{escape(tooltip)}</title>',
             f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{RADIUS}" fill="{colour}" '
             'stroke="#ffffff" stroke-width="2"/>',
             f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" font-size="14" '
             f'font-weight="bold" fill="#ffffff">{escape(glyph)}</text>',
             f'<text x="{x:.1f}" y="{y + RADIUS + 15:.1f}" text-anchor="middle" '
             f'font-size="{CAPTION}" fill="#1f2329">{escape(name)}</text>']
    second = _short(roles, 18) + (f" {_money(amount, lang)}" if amount is not None else "")
    if second.strip():
        lines.append(f'<text x="{x:.1f}" y="{y + RADIUS + 29:.1f}" text-anchor="middle" '
                     f'font-size="10" fill="#7a828e">{escape(second.strip())}</text>')
    lines.append("</g>")
    return "".join(lines)


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` is set at ``size`` (CJK full width, Latin about half)."""
    return sum(size if ord(char) > 0x2E80 else size * 0.58 for char in text)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _money(value: Any, lang: str) -> str:
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return ""
    if lang == "zh":
        return f"{amount / 10_000:,.1f}万元" if amount >= 10_000 else f"{amount:,.0f}元"
    return f"¥{amount:,.0f}"
