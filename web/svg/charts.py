"""Charts as SVG made on the server (图表): bars, stacked bars, monthly trends, shares, spans.

Why on the server: a page and a PDF report must show the same picture, and the workbench runs
offline with no chart library in the browser. Why by hand: five chart kinds of a few dozen
elements each do not earn a plotting dependency, and hand-made SVG is small, deterministic
and reads in print.

Rules every function keeps:

- **Deterministic**: the same input gives the same bytes (no random ids, no clock, numbers
  formatted with fixed precision), so a report's hash does not change with a redraw.
- **Escaped**: every text and attribute value passes through ``markupsafe.escape``; a name
  ``<script>`` from data is drawn as those characters. The result is ``Markup`` only because
  of that: templates insert it without ``|safe``.
- **Chinese in Noto Sans CJK SC** (Debian fonts-noto-cjk), named in ``font-family`` on the
  root element; no web font, no ``<style>``, no script, no link to another host.
- **Readable in print**: values are written beside bars and in legends, not carried by
  colour alone; the palette stays distinct in greyscale by lightness.

Each chart has a ``<title>`` (its heading) and ``role="img"``; each bar or point a
``<title>`` with its exact value (a tooltip in the browser). Labels too long for their space
are shortened with "…" and given whole in that ``<title>``; the page shows the full figures
in a table beside every chart.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape

__all__ = ["FONT_FAMILY", "PALETTE", "bar_chart", "stacked_bar_chart", "trend_chart",
           "share_chart", "span_chart", "text_width", "nice_ticks", "number"]

FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, sans-serif"
# Blue, ochre, green, seal red, violet, teal, grey, brown: distinct in hue and in lightness.
PALETTE = ("#1f5f9e", "#d19a2a", "#2e6b3f", "#9e2a2b", "#6b4e9e", "#3f8f8f", "#8a8f98",
           "#7a4f2a")
INK, SOFT, LINE, GRID = "#1f2329", "#4e5661", "#b8bec7", "#eceef1"
FONT_SIZE = 12
Item = tuple  # (label, value) or (label, value, href)


def number(value: float | int | None, digits: int = 0) -> str:
    """A figure as the charts write it: thousands separated, fixed digits.

    >>> number(1234567.891, 1), number(3), number(None)
    ('1,234,567.9', '3', '—')
    """
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Estimated width of ``text`` in pixels: a CJK character is one em, Latin about half.

    >>> text_width("合同"), text_width("ab")
    (24.0, 13.44)
    """
    width = 0.0
    for char in str(text):
        if ord(char) >= 0x2E80:
            width += 1.0
        elif char in " .,:;|'!il":
            width += 0.3
        else:
            width += 0.56
    return round(width * size, 2)


def _fit(text: str, room: float, size: float = FONT_SIZE) -> str:
    """``text`` shortened with … to fit ``room`` pixels (the whole is in a <title>)."""
    text = str(text)
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least ``top`` (steps of 1, 2 or 5 × 10^k).

    >>> nice_ticks(37), nice_ticks(0), nice_ticks(1)
    ([0, 10, 20, 30, 40], [0, 1], [0, 1])
    """
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1) if top >= 1 else step
    ticks = [0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return [int(t) if float(t).is_integer() else round(t, 6) for t in ticks]


def _f(value: float) -> str:
    """A coordinate with one decimal, no trailing zero (deterministic text)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(attributes: dict[str, Any]) -> str:
    return "".join(f' {name.replace("_", "-")}="{escape(value)}"'
                   for name, value in attributes.items() if value is not None)


def _el(tag: str, content: str = "", **attributes: Any) -> str:
    return f"<{tag}{_attrs(attributes)}>{content}</{tag}>" if content or tag in (
        "text", "title", "a", "g") else f"<{tag}{_attrs(attributes)}/>"


def _text(x: float, y: float, text: str, **attributes: Any) -> str:
    return _el("text", str(escape(text)), x=_f(x), y=_f(y), **attributes)


def _tip(text: str) -> str:
    return _el("title", str(escape(text)))


def _svg(width: float, height: float, title: str, body: list[str], chart: str) -> Markup:
    attributes = {"width": _f(width), "height": _f(height), "class": f"chart chart-{chart}",
                  "role": "img", "aria-label": title, "font-family": FONT_FAMILY,
                  "font-size": FONT_SIZE, "fill": INK}
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}"'
            f'{_attrs(attributes)}>')
    return Markup(head + _tip(title) + "".join(body) + "</svg>")


def _linked(href: str | None, content: str) -> str:
    return _el("a", content, href=href) if href else content


def _legend(names: Sequence[str], colors: Sequence[str], x: float, y: float,
            width: float) -> tuple[list[str], float]:
    """Swatches and names in rows within ``width``; returns the elements and the height."""
    body, cx, cy = [], x, y
    for name, color in zip(names, colors):
        step = 16 + text_width(name) + 14
        if cx > x and cx + step > x + width:
            cx, cy = x, cy + 18
        body.append(_el("rect", x=_f(cx), y=_f(cy - 10), width=10, height=10, fill=color))
        body.append(_text(cx + 14, cy, name, fill=SOFT))
        cx += step
    return body, cy - y + 18


def _empty(title: str, message: str, width: float) -> Markup:
    return _svg(width, 60, title, [_text(width / 2, 34, message, text_anchor="middle",
                                         fill=SOFT)], "empty")


def bar_chart(items: Sequence[Item], *, title: str, width: float = 560,
              value_text: Callable[[float], str] = number, color: str = PALETTE[0],
              colors: Sequence[str] | None = None, empty: str = "—") -> Markup:
    """Horizontal bars, one per item ``(label, value[, href])``, in the order given.

    Labels on the left, the value written after each bar; an item with ``href`` is a link
    (drill-down to the entities behind the figure). ``colors`` gives each bar its own colour
    (else all are ``color``).
    """
    if not items:
        return _empty(title, empty, width)
    label_room = min(width * 0.38, max(text_width(item[0]) for item in items) + 8)
    value_room = max(text_width(value_text(item[1])) for item in items) + 10
    bar_room = width - label_room - value_room - 8
    top = max(float(item[1] or 0) for item in items) or 1.0
    row, body = 24, []
    for index, item in enumerate(items):
        label, raw = item[0], item[1] or 0
        y, value = 8 + index * row, float(raw)
        length = max(bar_room * value / top, 1.0 if value else 0.0)
        fill = colors[index % len(colors)] if colors else color
        shape = (_el("rect", _tip(f"{label}: {value_text(raw)}"), x=_f(label_room),
                     y=_f(y + 3), width=_f(length), height=row - 8, fill=fill)
                 + _text(label_room - 6, y + row / 2 + 4, _fit(label, label_room - 6),
                         text_anchor="end")
                 + _text(label_room + length + 5, y + row / 2 + 4, value_text(raw),
                         fill=SOFT))
        body.append(_linked(item[2] if len(item) > 2 else None, _el("g", shape)))
    height = 16 + len(items) * row
    body.insert(0, _el("line", x1=_f(label_room), y1=4, x2=_f(label_room), y2=_f(height - 8),
                       stroke=LINE))
    return _svg(width, height, title, body, "bar")


def stacked_bar_chart(rows: Sequence[Item], series: Sequence[str], *, title: str,
                      width: float = 560, colors: Sequence[str] = PALETTE,
                      value_text: Callable[[float], str] = number,
                      empty: str = "—") -> Markup:
    """Horizontal bars split into ``series``: rows ``(label, [value per series][, href])``.

    The legend names the series above the bars; each segment's tooltip gives its value and
    the row total is written after the bar.
    """
    if not rows:
        return _empty(title, empty, width)
    legend, legend_height = _legend(series, colors, 8, 16, width - 16)
    label_room = min(width * 0.38, max(text_width(row[0]) for row in rows) + 8)
    totals = [sum(v or 0 for v in row[1]) for row in rows]
    value_room = max(text_width(value_text(total)) for total in totals) + 10
    bar_room = width - label_room - value_room - 8
    top = max(totals) or 1.0
    row_height, body = 24, list(legend)
    first = 8 + legend_height
    for index, (row, total) in enumerate(zip(rows, totals)):
        label, values = row[0], row[1]
        y, x = first + index * row_height, label_room
        shape = [_text(label_room - 6, y + row_height / 2 + 4, _fit(label, label_room - 6),
                       text_anchor="end")]
        for name, value, color in zip(series, values, colors):
            length = bar_room * float(value or 0) / top
            if length <= 0:
                continue
            shape.append(_el("rect", _tip(f"{label} · {name}: {value_text(value)}"), x=_f(x),
                             y=_f(y + 3), width=_f(length), height=row_height - 8, fill=color))
            x += length
        shape.append(_text(x + 5, y + row_height / 2 + 4, value_text(total), fill=SOFT))
        body.append(_linked(row[2] if len(row) > 2 else None, _el("g", "".join(shape))))
    height = first + len(rows) * row_height + 8
    body.append(_el("line", x1=_f(label_room), y1=_f(first - 2), x2=_f(label_room),
                    y2=_f(height - 6), stroke=LINE))
    return _svg(width, height, title, body, "stacked")


def trend_chart(months: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
                title: str, width: float = 560, height: float = 220,
                colors: Sequence[str] = PALETTE, empty: str = "—") -> Markup:
    """Lines over months (``YYYY-MM``), one per ``(name, values)``; y from zero.

    Month labels thin out to at most twelve; each point's tooltip gives month and value.
    """
    if not months:
        return _empty(title, empty, width)
    legend, legend_height = _legend([name for name, _ in series], colors, 8, 16, width - 16)
    ticks = nice_ticks(max((float(v or 0) for _, values in series for v in values), default=0))
    left = max(text_width(number(t)) for t in ticks) + 14
    top_y, bottom_y, right = 12 + legend_height, height - 26, width - 12
    span = max(len(months) - 1, 1)

    def x_of(i: int) -> float:
        return left + (right - left) * (i / span if len(months) > 1 else 0.5)

    def y_of(v: float) -> float:
        return bottom_y - (bottom_y - top_y) * float(v or 0) / ticks[-1]

    body = list(legend)
    for tick in ticks:
        y = y_of(tick)
        body.append(_el("line", x1=_f(left), y1=_f(y), x2=_f(right), y2=_f(y),
                        stroke=GRID if tick else LINE))
        body.append(_text(left - 6, y + 4, number(tick), text_anchor="end", fill=SOFT))
    every = max(1, math.ceil(len(months) / 8))
    for index, month in enumerate(months):
        if index % every == 0:
            anchor = ("start" if index == 0 and len(months) > 1 else
                      "end" if index == len(months) - 1 and len(months) > 1 else "middle")
            body.append(_text(x_of(index), bottom_y + 16, month, text_anchor=anchor,
                              fill=SOFT, font_size=10))
    for (name, values), color in zip(series, colors):
        points = " ".join(f"{_f(x_of(i))},{_f(y_of(v))}" for i, v in enumerate(values))
        body.append(_el("polyline", points=points, fill="none", stroke=color, stroke_width=2))
        for index, (month, value) in enumerate(zip(months, values)):
            if value:       # a point where something happened (zeros are the line alone)
                body.append(_el("circle", _tip(f"{month} · {name}: {number(value)}"),
                                cx=_f(x_of(index)), cy=_f(y_of(value)), r=2.5, fill=color))
    return _svg(width, height, title, body, "trend")


def share_chart(categories: Sequence[str], rows: Sequence[tuple[str, Sequence[float]]], *,
                title: str, width: float = 560, colors: Sequence[str] = PALETTE,
                value_texts: Sequence[Callable[[float], str]] | None = None,
                empty: str = "—") -> Markup:
    """Shares of ``categories`` as 100 % bars, one per ``(row label, values)``, e.g. the
    procurement methods by number and by amount; the legend gives each category's share in
    every row, so the figures read without colour."""
    if not categories or not rows:
        return _empty(title, empty, width)
    value_texts = value_texts or [number] * len(rows)
    label_room = max(text_width(label) for label, _ in rows) + 12
    bar_room, body = width - label_room - 12, []
    for index, (label, values) in enumerate(rows):
        total = sum(float(v or 0) for v in values) or 1.0
        y, x = 8 + index * 30, label_room
        body.append(_text(label_room - 6, y + 15, label, text_anchor="end"))
        for category, value, color in zip(categories, values, colors):
            length = bar_room * float(value or 0) / total
            if length <= 0:
                continue
            share = float(value or 0) / total
            body.append(_el("rect", _tip(f"{label} · {category}: {value_texts[index](value)} "
                                         f"({share:.1%})"), x=_f(x), y=_f(y), width=_f(length),
                            height=22, fill=color, stroke="#ffffff"))
            if length > 34:
                body.append(_text(x + length / 2, y + 15, f"{share:.0%}", text_anchor="middle",
                                  fill="#ffffff", font_size=11))
            x += length
    y = 16 + len(rows) * 30
    totals = [sum(float(v or 0) for v in values) or 1.0 for _, values in rows]
    for index, (category, color) in enumerate(zip(categories, colors)):
        shares = " / ".join(f"{float(values[index] or 0) / total:.1%}"
                            for (_, values), total in zip(rows, totals))
        body.append(_el("rect", x=_f(label_room), y=_f(y + index * 18 - 10), width=10,
                        height=10, fill=color))
        body.append(_text(label_room + 14, y + index * 18, f"{category}  {shares}", fill=SOFT))
    return _svg(width, y + len(categories) * 18, title, body, "share")


def span_chart(spans: Sequence[tuple[str, Any, Any]], *, title: str, today: dt.date,
               width: float = 560, color: str = PALETTE[6], open_color: str = PALETTE[0],
               empty: str = "—") -> Markup:
    """Periods on a time axis, one row per ``(label, start, end)`` (ISO dates or dates; no
    end = ongoing, drawn to ``today`` in ``open_color``, ended ones in ``color``; no start =
    drawn from the axis start with a dashed outline)."""
    rows = [(label, _day(start), _day(end)) for label, start, end in spans]
    known = [day for _, start, end in rows for day in (start, end) if day]
    if not rows or not known:
        return _empty(title, empty, width)
    first_year = min(known).year
    last_year = max([*known, today]).year + 1
    label_room = min(width * 0.42, max(text_width(label) for label, _, _ in rows) + 10)
    left, right = label_room, width - 12
    origin, finish = dt.date(first_year, 1, 1), dt.date(last_year, 1, 1)

    def x_of(day: dt.date) -> float:
        return left + (right - left) * (day - origin).days / max((finish - origin).days, 1)

    body, row = [], 22
    height = 26 + len(rows) * row
    step = max(1, math.ceil((last_year - first_year) / 10))
    for year in range(first_year, last_year + 1, step):
        x = x_of(dt.date(year, 1, 1))
        body.append(_el("line", x1=_f(x), y1=4, x2=_f(x), y2=_f(height - 18), stroke=GRID))
        body.append(_text(x, height - 4, str(year), text_anchor="middle", fill=SOFT,
                          font_size=10))
    for index, (label, start, end) in enumerate(rows):
        y = 6 + index * row
        begin, stop = start or origin, end or today
        tip = f"{label}: {start.isoformat() if start else '?'} – {end.isoformat() if end else '…'}"
        body.append(_text(label_room - 6, y + 13, _fit(label, label_room - 6),
                          text_anchor="end"))
        body.append(_el("rect", _tip(tip), x=_f(x_of(begin)), y=_f(y + 2),
                        width=_f(max(x_of(stop) - x_of(begin), 2)), height=row - 8,
                        fill=color if end else open_color,
                        stroke_dasharray=None if start else "3 2",
                        stroke=None if start else INK))
    return _svg(width, height, title, body, "span")


def _day(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
