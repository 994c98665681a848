"""The insights pages: conversations and response times, templates, cost. Each reads the period's
``DailyFigure`` rows of the numbers the user may see (never the message history), draws charts and
gives the same figures as tables, each exportable as CSV (``?format=csv&table=…``)."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import accessible_accounts, accessible_phone_numbers
from accounts.csv_export import csv_lines
from cloudapi.errors import CloudApiError

from . import charts
from .forms import PeriodForm
from .services.figures import conversation_figures, cost_figures, template_figures
from .services.reconciliation import fetch_meta_pricing

VIEW_INSIGHTS = "insights.view_insights"


def _scope(request):
    """(form, numbers, accounts) of the query string; the form carries any error."""
    accounts = accessible_accounts(request.user).order_by("name")
    numbers = accessible_phone_numbers(request.user).select_related("account").order_by("display_phone_number")
    form = PeriodForm(request.GET or None, accounts=accounts, numbers=numbers)
    if request.GET and form.is_valid():
        if form.cleaned_data.get("number"):
            numbers = numbers.filter(pk=form.cleaned_data["number"].pk)
        if form.cleaned_data.get("account"):
            numbers = numbers.filter(account=form.cleaned_data["account"])
            accounts = accounts.filter(pk=form.cleaned_data["account"].pk)
    elif not request.GET:
        form = PeriodForm({"period": "30"}, accounts=accounts, numbers=numbers)
        form.is_valid()
    return form, numbers, accounts


def _page(request, *, template: str, build, name: str):
    form, numbers, accounts = _scope(request)
    if not form.is_valid():
        return render(request, template, {"form": form, "page": name}, status=400)
    figures, chart_specs, tables = build(numbers, form.period_value(), accounts)
    if request.GET.get("format") == "csv":
        table = tables.get(request.GET.get("table", ""))
        if table is None:
            return HttpResponseBadRequest(f"Unknown table; one of: {', '.join(tables)}.")
        response = StreamingHttpResponse(csv_lines(*table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="insights-{name}-{request.GET["table"]}.csv"'
        return response
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("table", None)
    context = {"form": form, "figures": figures, "charts": chart_specs, "tables": tables, "page": name,
               "period": form.period_value(), "query": query.urlencode(), "numbers": numbers}
    return render(request, template, context)


def _conversations(numbers, period, accounts):
    figures = conversation_figures(numbers, period)
    return figures, charts.conversation_charts(figures), charts.conversation_tables(figures)


def _templates(numbers, period, accounts):
    figures = template_figures(numbers, period)
    return figures, charts.template_charts(figures), charts.template_tables(figures)


def _cost(numbers, period, accounts):
    figures = cost_figures(numbers, period, accounts=accounts)
    return figures, charts.cost_charts(figures), charts.cost_tables(figures)


@login_required
@permission_required(VIEW_INSIGHTS, raise_exception=True)
def conversations(request):
    return _page(request, template="insights/conversations.html", build=_conversations, name="conversations")


@login_required
@permission_required(VIEW_INSIGHTS, raise_exception=True)
def templates(request):
    return _page(request, template="insights/templates.html", build=_templates, name="templates")


@login_required
@permission_required(VIEW_INSIGHTS, raise_exception=True)
def cost(request):
    return _page(request, template="insights/cost.html", build=_cost, name="cost")


@login_required
@permission_required(VIEW_INSIGHTS, raise_exception=True)
@require_POST
def cost_refresh(request):
    """Fetch Meta's pricing analytics for the period, for every account of the page's scope."""
    form, _numbers, accounts = _scope(request)
    if not request.GET or not form.is_valid():
        return HttpResponseBadRequest("Say which period to fetch (period=7|30|90, or custom with since and until).")
    period = form.period_value()
    for account in accounts:
        try:
            cells = fetch_meta_pricing(account=account, period=period)
        except CloudApiError as exc:
            flash.error(request, f"{account}: Meta refused the pricing analytics ({exc}).")
        else:
            flash.success(request, f"{account}: Meta's pricing analytics fetched ({cells} figures).")
    return redirect(f"{reverse('insights:cost')}?{request.GET.urlencode()}")
