"""Charts of a school's self-assessment, drawn on the server as SVG: no script, no CDN,
nothing inline that the Content-Security-Policy would refuse (colours come from classes in
kring.css). Each chart is an image with a title and a description that say what it shows;
the page puts the same numbers in a table beside it."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 320, 160
LEFT, RIGHT, TOP, BOTTOM = 28, 12, 12, 28


def _y(value: float) -> float:
    return TOP + (5 - value) / 4 * (HEIGHT - TOP - BOTTOM)


def _x(index: int, count: int) -> float:
    if count <= 1:
        return (LEFT + WIDTH - RIGHT) / 2
    return LEFT + index * (WIDTH - LEFT - RIGHT) / (count - 1)


def area_chart(*, chart_id: str, title: str, points: list[tuple[int, float | None]]) -> SafeString:
    """A line of the area's median (1-5) per year; years without a shown median are gaps."""
    shown = [(year, value) for year, value in points if value is not None]
    if shown:
        description = _("Median per year: %(values)s.") % {
            "values": ", ".join(f"{year}: {value:.1f}" for year, value in shown)
        }
        if len(shown) > 1:
            change = shown[-1][1] - shown[0][1]
            description += " " + _("Change since %(year)s: %(change)+.1f.") % {
                "year": shown[0][0],
                "change": change,
            }
    else:
        description = _("Not enough answers yet to show a median.")
    grid = format_html_join(
        "",
        '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
        (
            (LEFT, WIDTH - RIGHT, f"{_y(v):.1f}", f"{_y(v):.1f}", LEFT - 6, f"{_y(v) + 4:.1f}", v)
            for v in range(1, 6)
        ),
    )
    years = format_html_join(
        "",
        '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((f"{_x(i, len(points)):.1f}", HEIGHT - 8, year) for i, (year, _v) in enumerate(points)),
    )
    coords = [
        (f"{_x(i, len(points)):.1f}", f"{_y(value):.1f}")
        for i, (_year, value) in enumerate(points)
        if value is not None
    ]
    line = (
        format_html(
            '<polyline class="chart-line" points="{}"/>', " ".join(f"{x},{y}" for x, y in coords)
        )
        if len(coords) > 1
        else ""
    )
    dots = format_html_join("", '<circle class="chart-dot" cx="{}" cy="{}" r="4"/>', coords)
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-t {}-d" '
        'focusable="false"><title id="{}-t">{}</title><desc id="{}-d">{}</desc>'
        "{}{}{}{}</svg>",
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        grid,
        years,
        line,
        dots,
    )


def profile_charts(years: list) -> list[dict]:
    """Per area: its title, the chart, and the rows (year, median or None, answered) for the
    table beside it; ``years`` are ``profile.YearResult``s, oldest first."""
    if not years:
        return []
    charts = []
    for position, area in enumerate(years[-1].areas):
        rows = [(y.year, y.areas[position].median, y.areas[position].answered) for y in years]
        charts.append(
            {
                "area": area.area,
                "title": area.title,
                "latest": area.median,
                "svg": area_chart(
                    chart_id=f"chart-{area.area}",
                    title=area.title,
                    points=[(year, value) for year, value, _n in rows],
                ),
                "rows": rows,
            }
        )
    return charts
