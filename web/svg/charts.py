"""Small charts drawn on the server as SVG: the monthly trend of a rule's alerts.

Bars are the alerts raised each month; the green and red marks on them the alerts decided
that month as confirmed (属实 and 部分属实) and as unfounded (不属实). Presentation
attributes only, every text escaped, months in order; an empty history draws a line
saying so.
"""
from __future__ import annotations

from html import escape
from typing import Any

from web.i18n import Translator

__all__ = ["trend_svg"]

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"


def trend_svg(months: list[dict[str, Any]], lang: str = "zh", width: int = 300,
              height: int = 84) -> str:
    """``months`` as ``analytics.quality.rule_quality`` gives them (``{month, raised,
    decided, confirmed, unfounded}``).

    >>> svg = trend_svg([{"month": "2024-03", "raised": 4, "confirmed": 2, "unfounded": 1}])
    >>> svg.startswith("<svg") and "2024-03" in svg and "<script" not in svg
    True
    """
    t = Translator(lang)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{escape(FONT)}" role="img">')
    if not months:
        return (head + f'<text x="4" y="{height / 2}" font-size="11" fill="#7a828e">'
                f'{escape(t("quality.no_history"))}</text></svg>')
    top = max(max(m.get("raised", 0), m.get("confirmed", 0) + m.get("unfounded", 0))
              for m in months) or 1
    plot_h, base = height - 30, height - 18
    step = (width - 8) / len(months)
    bar = max(2.0, min(18.0, step * 0.6))
    parts = [head, f'<line x1="4" y1="{base}" x2="{width - 4}" y2="{base}" stroke="#d9dde3"/>']
    for index, month in enumerate(months):
        x = 4 + index * step + (step - bar) / 2
        raised = month.get("raised", 0)
        h = plot_h * raised / top
        title = t("quality.trend_title", month=month["month"], raised=raised,
                  confirmed=month.get("confirmed", 0), unfounded=month.get("unfounded", 0))
        parts.append(f'<g><title>{escape(title)}</title>'
                     f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     'fill="#c3d4e6"/>')
        good = plot_h * month.get("confirmed", 0) / top
        bad = plot_h * month.get("unfounded", 0) / top
        if good:
            parts.append(f'<rect x="{x + bar * 0.2:.1f}" y="{base - good:.1f}" '
                         f'width="{bar * 0.3:.1f}" height="{good:.1f}" fill="#2e6b3f"/>')
        if bad:
            parts.append(f'<rect x="{x + bar * 0.5:.1f}" y="{base - bad:.1f}" '
                         f'width="{bar * 0.3:.1f}" height="{bad:.1f}" fill="#9e2a2b"/>')
        parts.append("</g>")
    for index in sorted({0, len(months) - 1}):
        x = 4 + index * step + step / 2
        anchor = "start" if index == 0 and len(months) > 1 else "end" if index else "middle"
        x = 4 if anchor == "start" else width - 4 if anchor == "end" else x
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" font-size="10" fill="#7a828e" '
                     f'text-anchor="{anchor}">{escape(months[index]["month"])}</text>')
    parts.append(f'<text x="{width - 4}" y="10" font-size="10" fill="#7a828e" '
                 f'text-anchor="end">{escape(t("quality.peak", n=top))}</text>')
    parts.append("</svg>")
    return "".join(parts)
