"""A campaign's page: live progress (an htmx-polled partial), the send rate chart, the cost so far,
and the CSV export of every recipient's outcome."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from accounts.csv_export import csv_lines

from ..selectors import ACTIVE, EXPORT_HEADER, cost_so_far, export_rows, rate_series, still_moving
from ..services.progress import progress
from ._common import VIEW, campaign_or_404, needs

POLL_SECONDS = 2  # the progress, while the campaign can send
CHART_POLL_SECONDS = 5  # the send rate chart and the cost, while it can send
SETTLING_POLL_SECONDS = 30  # progress and cost in the hour after the end: statuses still come, fewer


@needs(VIEW)
def campaign_detail(request, pk: int):
    campaign = campaign_or_404(request, pk)
    context = {**_live(campaign), **_cost(campaign), **_rate(campaign)}
    return render(request, "campaigns/campaign_detail.html", context)


@needs(VIEW)
def campaign_progress(request, pk: int):
    """The progress partial the campaign page polls while the campaign can still move."""
    return render(request, "campaigns/_progress.html", _live(campaign_or_404(request, pk)))


@needs(VIEW)
def campaign_rate(request, pk: int):
    """The send-rate chart partial (polled too, less often, while the campaign can send)."""
    return render(request, "campaigns/_rate_chart.html", _rate(campaign_or_404(request, pk)))


@needs(VIEW)
def campaign_cost(request, pk: int):
    """The cost-so-far partial, polled as the status webhooks' ``pricing`` comes in."""
    return render(request, "campaigns/_cost.html", _cost(campaign_or_404(request, pk)))


@needs(VIEW)
def campaign_export(request, pk: int):
    campaign = campaign_or_404(request, pk)
    response = StreamingHttpResponse(csv_lines(EXPORT_HEADER, export_rows(campaign)), content_type="text/csv")
    name = slugify(campaign.name) or "campaign"
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-{name}.csv"'
    return response


def _live(campaign) -> dict:
    figures = progress(campaign)
    return {"campaign": campaign, "progress": figures, "suppressed_total": sum(figures.suppressed_by_reason.values()),
            "live": still_moving(campaign), "poll": _every(campaign, POLL_SECONDS)}


def _cost(campaign) -> dict:
    return {"campaign": campaign, "cost": cost_so_far(campaign), "cost_live": still_moving(campaign),
            "cost_poll": _every(campaign, CHART_POLL_SECONDS)}


def _rate(campaign) -> dict:
    """The chart only changes while the campaign sends."""
    return {"campaign": campaign, "chart": rate_series(campaign), "rate_live": campaign.state in ACTIVE,
            "chart_poll": CHART_POLL_SECONDS}


def _every(campaign, seconds: int) -> int:
    return seconds if campaign.state in ACTIVE else SETTLING_POLL_SECONDS
