"""What the analytics pages show, shaped from the figures: headline numbers, the charts
(``charts``), the table alternatives; every text translatable."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django_countries import countries

from community.models import Community

from . import charts, selectors
from .figures import WINDOWS, Figures


def _week_label(start: Any) -> str:
    return formats.date_format(start, "j M")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "\u2013"
    minutes = seconds / 60
    if minutes < 90:
        return _("%(n)d min") % {"n": round(minutes)}
    hours = minutes / 60
    if hours < 48:
        return _("%(n).1f h") % {"n": hours}
    return _("%(n).1f days") % {"n": hours / 24}


def dashboard_context(*, community: Community, individuals: bool) -> dict[str, Any]:
    figures = selectors.figures(community=community)
    target = selectors.target_of(community)
    window = target.window_days if target else 30
    active = figures.active.get(window, 0)
    goal = target.active_members if target else None
    context: dict[str, Any] = {
        "community": community,
        "figures": figures,
        "windows": [(n, figures.active[n]) for n in WINDOWS],
        "target": target,
        "window": window,
        "active": active,
        "goal": goal,
        "progress": min(100, round(100 * active / goal)) if goal else None,
        "median_reply": _duration(figures.median_reply_seconds),
        "answered": len(figures.reply_seconds),
        "charts": _charts(figures),
        "network": _network(figures),
        "individuals": individuals,
        "window_choices": WINDOWS,
        "new_days": settings.KRING_ANALYTICS_NEW_DAYS,
        "dormant_days": settings.KRING_ANALYTICS_DORMANT_DAYS,
        "nudge_days": settings.KRING_ANALYTICS_NUDGE_INTERVAL_DAYS,
        "max_target": settings.KRING_ANALYTICS_MAX_TARGET,
        "export_days": settings.KRING_XAPI_EXPORT_MAX_DAYS,
    }
    if individuals:
        context["dormant_members"] = selectors.dormant_members(community=community, limit=30)
    return context


def _charts(figures: Figures) -> list[charts.Chart]:
    labels = [_week_label(w.start) for w in figures.weeks]
    week = _("Week of")
    n = len(figures.weeks)

    def col(name: str) -> list[int]:
        return [w.counts[name] for w in figures.weeks]

    cumulative, running = [], figures.ties - sum(col("new_ties"))
    for added in col("new_ties"):
        running += added
        cumulative.append(running)
    return [
        charts.bar_chart(
            id="chart-conversation",
            title=_("Messages, threads and replies per week"),
            description=_(
                "Messages, threads (top-level messages that got a reply) and replies in each "
                "of the last %(n)s weeks."
            )
            % {"n": n},
            labels=labels,
            series=[
                (_("messages"), col("messages")),
                (_("threads"), col("threads")),
                (_("replies"), col("replies")),
            ],
            label_heading=week,
        ),
        charts.bar_chart(
            id="chart-materials",
            title=_("Teaching materials per week"),
            description=_(
                "Materials shared and adapted here, adapted by other communities, and marked "
                "“used it in class”, in each of the last %(n)s weeks."
            )
            % {"n": n},
            labels=labels,
            series=[
                (_("shared"), col("materials_shared")),
                (_("adapted here"), col("adaptations")),
                (_("adapted elsewhere"), col("adapted_elsewhere")),
                (_("used in class"), col("used_in_class")),
            ],
            label_heading=week,
        ),
        charts.bar_chart(
            id="chart-events",
            title=_("Event attendance per week"),
            description=_("People marked as attending an event, in each of the last %(n)s weeks.")
            % {"n": n},
            labels=labels,
            series=[(_("attendances"), col("attendances"))],
            label_heading=week,
        ),
        charts.line_chart(
            id="chart-ties",
            title=_("Cross-border ties over time"),
            description=_(
                "Pairs of members from different countries who have interacted, counted at "
                "the end of each of the last %(n)s weeks."
            )
            % {"n": n},
            labels=labels,
            series=[(_("cross-border ties"), cumulative)],
            label_heading=week,
        ),
    ]


def _network(figures: Figures) -> charts.Chart:
    people: dict[str, int] = {}
    for (a, b), n in figures.country_ties.items():
        people[a] = people.get(a, 0) + n
        people[b] = people.get(b, 0) + n
    nodes = [(code, str(countries.name(code)) or code, n) for code, n in sorted(people.items())]
    edges = sorted(((a, b, n) for (a, b), n in figures.country_ties.items()), key=lambda e: -e[2])
    return charts.network_chart(
        id="chart-network",
        title=_("Who meets whom across borders"),
        description=_(
            "Countries of members with cross-border ties; a line between two countries is as "
            "thick as the number of ties between their members."
        ),
        nodes=nodes,
        edges=edges,
        columns=[_("Countries"), _("Ties")],
    )


def programme_context(rows: list[dict[str, Any]]) -> dict[str, Any]:
    labels = [r["community"].name for r in rows]
    with_target = [r for r in rows if r["target"]]
    return {
        "rows": rows,
        "met": sum(1 for r in with_target if r["active"] >= r["target"]),
        "with_target": len(with_target),
        "active_total": sum(r["active_30"] for r in rows),
        "members_total": sum(r["members"] for r in rows),
        "charts": [
            charts.bar_chart(
                id="chart-programme-active",
                title=_("Active members against targets"),
                description=_(
                    "For each community, members active in its target's window next to the "
                    "target (0 where none is set)."
                ),
                labels=labels,
                series=[
                    (_("active"), [r["active"] for r in rows]),
                    (_("target"), [r["target"] or 0 for r in rows]),
                ],
                label_heading=_("Community"),
            ),
            charts.bar_chart(
                id="chart-programme-ties",
                title=_("New cross-border ties and messages, last 30 days"),
                description=_("For each community, new cross-border ties in the last 30 days."),
                labels=labels,
                series=[(_("new cross-border ties"), [r["new_ties_30"] for r in rows])],
                label_heading=_("Community"),
            ),
        ],
    }
