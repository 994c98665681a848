"""Contact imports: upload a CSV, read its per-row report, find past imports again."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from accounts.access import accessible_accounts
from accounts.query_params import parse_id

from ...forms_audiences import ContactImportForm
from ...models import ContactImport
from ...services.contact_import import REFUSED, account_region, import_contacts, region_label

VIEW_IMPORT, ADD_IMPORT = "campaigns.view_contactimport", "campaigns.add_contactimport"
REPORT_PAGE = 200
OUTCOMES = ("imported", "merged", "refused")


def _imports(user):
    return ContactImport.objects.filter(account__in=accessible_accounts(user)).select_related("account", "created_by")


@login_required
@permission_required(VIEW_IMPORT, raise_exception=True)
def import_list(request):
    imports = _imports(request.user).defer("report")[:100]
    return render(request, "campaigns/audiences/import_list.html", {"imports": imports})


@login_required
@permission_required(ADD_IMPORT, raise_exception=True)
def import_new(request):
    form = ContactImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method != "POST":
        first = form.fields["account"].queryset.first()
        form.initial["region"] = account_region(first) if first else ""
        return render(request, "campaigns/audiences/import_new.html", {"form": form})
    if form.is_valid():
        data = form.cleaned_data
        try:
            record = import_contacts(account=data["account"], file=data["file"], filename=data["file"].name,
                                     region=data["region"], user=request.user, check_only=data["check_only"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("audiences:import-detail", pk=record.pk)
    return render(request, "campaigns/audiences/import_new.html", {"form": form}, status=400)


@login_required
@permission_required(VIEW_IMPORT, raise_exception=True)
def import_detail(request, pk: int):
    record = _imports(request.user).filter(pk=pk).first()
    if record is None:
        raise Http404("No such import.")
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in OUTCOMES else ""
    rows = [row for row in record.report if not outcome or row.get("outcome") == outcome]
    page = Paginator(rows, REPORT_PAGE).get_page(parse_id(request.GET.get("page")) or 1)
    return render(request, "campaigns/audiences/import_detail.html", {
        "record": record, "rows": page, "outcome": outcome, "region_label": region_label(record.region),
        "refused_outcome": REFUSED,
    })
