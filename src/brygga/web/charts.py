"""The dashboard's charts: server-side SVG drawn by pygal, put into the page as it is. No
JavaScript: pygal's own script (tooltips) is left out, and each bar carries its value as an SVG
`<title>`, which the browser shows on hover."""

from __future__ import annotations

from typing import Any

import pygal
from markupsafe import Markup
from pygal.style import Style

from brygga.engine.activity import Series

# The colours and font of brygga.css.
STYLE = Style(
    background="transparent",
    plot_background="#fff",
    foreground="#1d2733",
    foreground_strong="#1d2733",
    foreground_subtle="#5b6776",
    font_family="system-ui, sans-serif",
    colors=("#1f5fa8", "#1e7d3c", "#a36a00", "#b3261e", "#6b3fa0", "#2a8a8a", "#7a5c3e", "#5b6776"),
)


def bar_chart(series: Series, title: str, empty: str, *, label_every: int = 1) -> Markup:
    """Stacked bars, one per label (every `label_every`th label written), a colour per
    series; `empty` where no series has a count."""
    chart = pygal.StackedBar(
        style=STYLE,
        js=(),
        disable_xml_declaration=True,
        explicit_size=False,
        width=900,
        height=300,
        show_minor_x_labels=False,
        x_labels_major_every=label_every,
        legend_at_bottom=True,
        legend_at_bottom_columns=4,
        truncate_legend=-1,
        no_data_text=empty,
    )
    chart.add_xml_filter(_without_script)
    chart.add_xml_filter(_with_titles)
    chart.title = title
    chart.x_labels = series.labels
    if series.values:
        totals = [sum(bucket) for bucket in zip(*series.values.values(), strict=True)]
        chart.y_labels = _whole_steps(max(totals))
    for name, values in series.values.items():
        chart.add(name, values)
    return Markup(chart.render(is_unicode=True))


def _without_script(root: Any) -> Any:
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.endswith("script"):
                parent.remove(child)
    return root


def _with_titles(root: Any) -> Any:
    """A `<title>` on each bar, "label: value", from the `<desc>`s pygal writes for its
    script."""
    for group in list(root.iter()):
        described = {
            child.get("class"): child.text
            for child in group
            if isinstance(child.tag, str) and child.tag.endswith("desc")
        }
        if "value" in described:
            title = group.makeelement("title", {})
            title.text = f"{described.get('x_label', '')}: {described['value']}"
            group.insert(0, title)
    return root


def _whole_steps(top: int) -> list[int]:
    """Y labels for counts: whole numbers, about five steps up to `top` or beyond."""
    step = max(1, -(-top // 5))
    return list(range(0, top + step, step))
