"""Chart specs (static/console/charts.js) and CSV tables from the figures: one table per chart."""

from decimal import Decimal


def minutes(seconds: float | None) -> float | None:
    return round(seconds / 60, 1) if seconds is not None else None


def duration(seconds: float | None) -> str:
    """A duration for people: 45 s, 12 min, 3.5 h, 2.1 days; "–" for none."""
    if seconds is None:
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def percent(value: float | None) -> str:
    return f"{value * 100:.1f} %" if value is not None else "–"


def money(value: Decimal | None) -> str:
    return "no rate" if value is None else f"{value:.4f}"


def conversation_charts(figures) -> dict:
    labels = [row["day"].isoformat() for row in figures.days]
    return {
        "conversations": {"kind": "bar", "labels": labels, "y_title": "Conversations", "series": [
            {"label": "Opened or reopened", "data": [row["opened"] for row in figures.days]},
            {"label": "Resolved", "data": [row["resolved"] for row in figures.days]}]},
        "messages": {"kind": "bar", "stacked": True, "labels": labels, "y_title": "Messages", "series": [
            {"label": "In", "data": [row["messages_in"] for row in figures.days]},
            {"label": "Out", "data": [row["messages_out"] for row in figures.days]}]},
        "response": {"kind": "line", "labels": labels, "y_title": "Minutes", "series": [
            {"label": "First response, median", "data": [minutes(row["first_median"]) for row in figures.days]},
            {"label": "First response, p90", "data": [minutes(row["first_p90"]) for row in figures.days]}]},
        "operators": {"kind": "bar", "labels": [t.who for t in figures.first_response], "y_title": "Minutes",
                      "series": [{"label": "First response, median",
                                  "data": [minutes(t.median) for t in figures.first_response]},
                                 {"label": "First response, p90",
                                  "data": [minutes(t.p90) for t in figures.first_response]}]},
    }


def conversation_tables(figures) -> dict:
    """name → (header, rows): the CSV exports (and the tables beside the charts)."""
    by_operator = []
    resolution = {t.who: t for t in figures.resolution}
    for timing in figures.first_response:
        other = resolution.get(timing.who)
        by_operator.append([timing.who, timing.count, minutes(timing.median), minutes(timing.p90),
                            other.count if other else 0, minutes(other.median) if other else None,
                            minutes(other.p90) if other else None])
    for who, timing in resolution.items():
        if who not in {t.who for t in figures.first_response}:
            by_operator.append([who, 0, None, None, timing.count, minutes(timing.median), minutes(timing.p90)])
    return {
        "days": (["day", "opened", "resolved", "messages in", "messages out", "first response median (min)",
                  "first response p90 (min)"],
                 [[r["day"], r["opened"], r["resolved"], r["messages_in"], r["messages_out"],
                   minutes(r["first_median"]), minutes(r["first_p90"])] for r in figures.days]),
        "operators": (["operator", "first responses", "first response median (min)", "first response p90 (min)",
                       "resolutions", "resolution median (min)", "resolution p90 (min)"], by_operator),
    }


def template_charts(figures) -> dict:
    lines = figures.templates[:12]
    return {"templates": {"kind": "bar", "labels": [f"{t.name} ({t.language})" for t in lines], "y_title": "Messages",
                          "series": [{"label": name.capitalize(), "data": [getattr(t, name) for t in lines]}
                                     for name in ("sent", "delivered", "read", "replied", "failed")]}}


def template_tables(figures) -> dict:
    return {
        "templates": (["template", "language", "sent", "delivered", "read", "replied", "failed", "read rate",
                       "reply rate"],
                      [[t.name, t.language, t.sent, t.delivered, t.read, t.replied, t.failed, percent(t.read_rate),
                        percent(t.reply_rate)] for t in figures.templates]),
        "failures": (["template", "language", "error code", "failed"], [list(row) for row in figures.failures]),
    }


def cost_charts(figures) -> dict:
    labels = [row["day"].isoformat() for row in figures.days]
    return {"cost": {"kind": "bar", "stacked": True, "labels": labels, "y_title": "Estimated cost", "series": [
        {"label": category, "data": [float(row["amounts"][category]) for row in figures.days]}
        for category in figures.categories]}}


def cost_tables(figures) -> dict:
    return {
        "days": (["day", "billed messages", "free messages", "without a rate", "estimated cost"],
                 [[r["day"], r["billed"], r["free"], r["unpriced"], f"{r['amount']:.4f}"] for r in figures.days]),
        "lines": (["category", "country", "type", "messages", "estimated cost", "currency"],
                  [[line.category, line.country or "other", line.pricing_type, line.count, money(line.amount),
                    line.currency] for line in figures.lines]),
        "reconciliation": (["day", "our billed messages", "our estimate", "Meta's billed messages", "Meta's cost",
                            "difference (messages)"],
                           [[r["day"], r["ours"], f"{r['our_amount']:.4f}",
                             "" if r["meta"] is None else r["meta"],
                             "" if r["meta_cost"] is None else f"{r['meta_cost']:.4f}",
                             "" if r["difference"] is None else r["difference"]] for r in figures.reconciliation]),
    }
