"""A flow's responses (template managers and administrators): what customers submitted, filtered, as CSV."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify

from ..forms.flow_responses import FlowResponseFilterForm
from ..selectors import flows as selectors
from ..services.flow_answers import csv_lines, field_columns, responses_of, value_text

VIEW = "messaging.view_flow"
PAGE_SIZE = 50


@login_required
@permission_required(VIEW, raise_exception=True)
def flow_responses(request, pk: int):
    flow = selectors.flow_for_user(request.user, pk)
    form = FlowResponseFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"flow": flow, "form": form, "page": None, "columns": [], "rows": []}
        return render(request, "messaging/flows/flow_responses.html", context, status=400)
    responses = responses_of(flow, **(form.filters() if form.is_bound else {}))
    if request.GET.get("format") == "csv":
        response = HttpResponse(csv_lines(flow, responses), content_type="text/csv; charset=utf-8")
        name = f"flow-{slugify(flow.name) or flow.flow_id}-responses-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if request.GET.get("format"):
        return HttpResponse("format can only be csv.", status=400, content_type="text/plain")
    page = Paginator(responses, PAGE_SIZE).get_page(request.GET.get("page"))
    columns = field_columns(flow, page.object_list)
    rows = [(response, [value_text(dict(response.fields).get(name)) for name, _label in columns]) for response in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {"flow": flow, "form": form, "page": page, "columns": columns, "rows": rows, "query": query.urlencode()}
    return render(request, "messaging/flows/flow_responses.html", context)
