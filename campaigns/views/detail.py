"""A campaign's page: live progress (an htmx-polled partial), the send rate chart, the cost so far,
and the CSV export of every recipient's outcome."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from accounts.csv_export import csv_lines

from ..selectors import ACTIVE, EXPORT_HEADER, cost_so_far, export_rows, rate_series, still_moving
from ..services.progress import progress
from ._common import VIEW, campaign_or_404, needs

POLL_SECONDS = 2
CHART_POLL_SECONDS = 5


@needs(VIEW)
def campaign_detail(request, pk: int):
    campaign = campaign_or_404(request, pk)
    context = {**_live(campaign), **_cost(campaign), "chart": rate_series(campaign)}
    return render(request, "campaigns/campaign_detail.html", context)


@needs(VIEW)
def campaign_progress(request, pk: int):
    """The progress partial the campaign page polls while the campaign can still move."""
    return render(request, "campaigns/_progress.html", _live(campaign_or_404(request, pk)))


@needs(VIEW)
def campaign_rate(request, pk: int):
    """The send-rate chart partial (polled too, less often)."""
    campaign = campaign_or_404(request, pk)
    context = {"campaign": campaign, "chart": rate_series(campaign), "chart_poll": CHART_POLL_SECONDS,
               "live": campaign.state in ACTIVE}
    return render(request, "campaigns/_rate_chart.html", context)


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
            "live": still_moving(campaign), "poll": POLL_SECONDS}


def _cost(campaign) -> dict:
    return {"campaign": campaign, "cost": cost_so_far(campaign), "cost_live": still_moving(campaign),
            "chart_poll": CHART_POLL_SECONDS}
