"""Settings → Audit log: every audited action, newest first, searchable, exportable as CSV."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..audit_log import AuditSearchForm, csv_lines, detail_lines, search_audit_entries
from ..query_params import parse_id
from ._settings import settings_page

PAGE_SIZE = 50
MAX_PAGE = 10_000


@settings_page
def audit_log(request):
    form = AuditSearchForm(request.GET)
    if not form.is_valid():
        return _refused(request, form)
    page = min(parse_id(request.GET.get("page")) or 1, MAX_PAGE)
    # One row more than a page says whether there is a next page, without counting the whole log.
    rows = list(search_audit_entries(form.cleaned_data)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    for entry in rows:
        entry.detail_lines = detail_lines(entry.details)
    context = {
        "form": form,
        "entries": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "query": _filters_query(request),
    }
    return render(request, "accounts/settings/audit_log.html", context)


@settings_page
def audit_log_csv(request):
    form = AuditSearchForm(request.GET)
    if not form.is_valid():
        return _refused(request, form)
    response = StreamingHttpResponse(csv_lines(search_audit_entries(form.cleaned_data)),
                                     content_type="text/csv; charset=utf-8")
    name = f"audit-log-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _filters_query(request) -> str:
    """The search's own parameters, for the pager and the export link (never ``page``)."""
    kept = request.GET.copy()
    kept.pop("page", None)
    return kept.urlencode()


def _refused(request, form):
    """The page with the search's errors on their fields, and no entries (400)."""
    what = "dates" if set(form.errors) <= {"since", "until"} else "search"
    context = {"form": form, "entries": [], "page": 1, "has_next": False, "query": "",
               "refused": f"Fix the {what} above to see the entries."}
    return render(request, "accounts/settings/audit_log.html", context, status=400)
