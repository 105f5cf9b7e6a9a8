"""Server-rendered SVG bar charts with their numbers written out, so no script draws them and print keeps them."""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 150
BAR_WIDTH = 300
NUMBER_WIDTH = 90
CHARACTER_WIDTH = 9  # wider than any character of the chart's 14 px font, so a long label is never cut at the left


def bar_chart(values: Mapping[str, tuple[int | None, str]], title: str) -> Markup:
    """One horizontal bar per label; a hidden (suppressed) value draws no bar, only its text ("under 10")."""
    largest = max((value for value, _ in values.values() if value), default=0) or 1
    height = max(len(values), 1) * (BAR_HEIGHT + GAP)
    label_width = max([LABEL_WIDTH] + [round(CHARACTER_WIDTH * len(label)) + 16 for label in values])
    width = label_width + BAR_WIDTH + NUMBER_WIDTH
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for row, (label, (value, text)) in enumerate(values.items()):
        y = row * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * (value or 0) / largest)
        parts.append(f'<text x="{label_width - 8}" y="{y + BAR_HEIGHT - 6}" text-anchor="end">{escape(label)}</text>')
        if length:
            parts.append(f'<rect x="{label_width}" y="{y}" width="{length}" height="{BAR_HEIGHT}"/>')
        parts.append(f'<text x="{label_width + length + 6}" y="{y + BAR_HEIGHT - 6}">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
