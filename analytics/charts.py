"""Charts as server-rendered SVG: geometry computed here, drawn by
``templates/analytics/_chart.html`` with a title and description for screen readers and the
same numbers as a table beside it. No script, no inline style (strict CSP): colours come
from classes in kring.css."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 14, 34


@dataclass
class Chart:
    id: str
    title: str
    description: str
    columns: list[str]  # the table's headings: the label column, then one per series
    rows: list[list[Any]]  # the table: label, values
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    legend: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    empty: bool = False


def _nice_max(value: float) -> int:
    if value <= 4:
        return 4
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude) if step * magnitude >= value else int(value)
    return int(value)


def _axis(chart: Chart, top_value: int) -> None:
    plot_h = chart.height - TOP - BOTTOM
    for n in range(5):
        value = top_value * n / 4
        y = chart.height - BOTTOM - plot_h * n / 4
        label = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
        chart.ticks.append({"y": round(y, 1), "label": label, "x2": chart.width - RIGHT})


def _x_labels(chart: Chart, labels: list[str], slot: float) -> None:
    every = max(1, math.ceil(len(labels) / 6))  # a phone shows six labels legibly
    for n, label in enumerate(labels):
        if n % every == 0 or n == len(labels) - 1:
            chart.labels.append(
                {
                    "x": round(LEFT + slot * (n + 0.5), 1),
                    "y": chart.height - BOTTOM + 16,
                    "text": label,
                }
            )


def bar_chart(
    *,
    id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[tuple[str, list[int]]],
    label_heading: str,
) -> Chart:
    """Grouped bars, one group per label (e.g. a week), one bar per series."""
    chart = Chart(
        id=id,
        title=title,
        description=description,
        columns=[label_heading] + [name for name, _ in series],
        rows=[[label] + [values[n] for _, values in series] for n, label in enumerate(labels)],
    )
    top = max((v for _, values in series for v in values), default=0)
    chart.empty = top == 0
    top_value = _nice_max(top)
    _axis(chart, top_value)
    plot_w = chart.width - LEFT - RIGHT
    plot_h = chart.height - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar_w = slot * 0.8 / max(len(series), 1)
    for s, (name, values) in enumerate(series):
        chart.legend.append({"name": name, "series": s})
        for n, value in enumerate(values):
            h = plot_h * value / top_value if top_value else 0
            chart.bars.append(
                {
                    "x": round(LEFT + slot * n + slot * 0.1 + bar_w * s, 1),
                    "y": round(chart.height - BOTTOM - h, 1),
                    "w": round(bar_w, 1),
                    "h": round(h, 1),
                    "series": s,
                    "tip": f"{labels[n]}: {value} {name}",
                }
            )
    _x_labels(chart, labels, slot)
    return chart


def line_chart(
    *,
    id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[tuple[str, list[float]]],
    label_heading: str,
) -> Chart:
    chart = Chart(
        id=id,
        title=title,
        description=description,
        columns=[label_heading] + [name for name, _ in series],
        rows=[[label] + [values[n] for _, values in series] for n, label in enumerate(labels)],
    )
    top = max((v for _, values in series for v in values), default=0)
    chart.empty = top == 0
    top_value = _nice_max(top)
    _axis(chart, top_value)
    plot_w = chart.width - LEFT - RIGHT
    plot_h = chart.height - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    for s, (name, values) in enumerate(series):
        chart.legend.append({"name": name, "series": s})
        points = [
            (LEFT + slot * (n + 0.5), chart.height - BOTTOM - plot_h * v / top_value)
            for n, v in enumerate(values)
        ]
        chart.lines.append(
            {
                "series": s,
                "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                "dots": [
                    {"x": round(x, 1), "y": round(y, 1), "tip": f"{labels[n]}: {values[n]}"}
                    for n, (x, y) in enumerate(points)
                ],
            }
        )
    _x_labels(chart, labels, slot)
    return chart


def network_chart(
    *,
    id: str,
    title: str,
    description: str,
    nodes: list[tuple[str, str, int]],
    edges: list[tuple[str, str, int]],
    columns: list[str],
) -> Chart:
    """Countries on a circle (``nodes``: code, name, people in ties), a line between two
    countries as thick as the ties between their members (``edges``: code, code, ties)."""
    size = 320
    chart = Chart(
        id=id,
        title=title,
        description=description,
        columns=columns,
        rows=[[f"{a} \u2013 {b}", n] for a, b, n in edges],
        width=size,
        height=size,
    )
    chart.empty = not edges
    centre, radius = size / 2, size / 2 - 48
    position: dict[str, tuple[float, float]] = {}
    biggest = max((n for _, _, n in nodes), default=1) or 1
    for k, (code, name, people) in enumerate(nodes):
        angle = 2 * math.pi * k / max(len(nodes), 1) - math.pi / 2
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        position[code] = (x, y)
        label_r = radius + 30
        chart.nodes.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "r": round(8 + 14 * math.sqrt(people / biggest), 1),
                "label": code,
                "name": name,
                "people": people,
                "lx": round(centre + label_r * math.cos(angle), 1),
                "ly": round(centre + label_r * math.sin(angle) + 4, 1),
            }
        )
    heaviest = max((n for _, _, n in edges), default=1) or 1
    for a, b, ties in edges:
        if a in position and b in position:
            (x1, y1), (x2, y2) = position[a], position[b]
            chart.edges.append(
                {
                    "x1": round(x1, 1),
                    "y1": round(y1, 1),
                    "x2": round(x2, 1),
                    "y2": round(y2, 1),
                    "w": round(1.5 + 8 * ties / heaviest, 1),
                    "tip": f"{a} \u2013 {b}: {ties}",
                }
            )
    return chart
