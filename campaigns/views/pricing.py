"""Settings → Prices: the dated rate table by pricing category × country that costs are estimated with.

A price changes by adding a row dated from the day it applies, so messages already priced keep
their price; only rows not yet in force can be deleted.
"""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.query_params import parse_id
from accounts.views._settings import settings_page

from ..forms_audiences import PricingRateForm, RateImportForm
from ..models import PricingRate
from ..services.pricing import add_rate, delete_rate, import_rates, rates_in_force


@settings_page
def rate_list(request):
    """The table, and a form adding a row (prefilled from ``?from=<id>`` to change that rate)."""
    form = PricingRateForm(request.POST or None, initial=_initial(request, timezone.localdate()))
    if request.method == "POST" and form.is_valid():
        try:
            rate = add_rate(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, messages)
        else:
            flash.success(request, f"Rate added: {rate}.")
            return redirect("pricing:rate-list")
    return _page(request, form=form, status=400 if request.method == "POST" else 200)


@require_POST
@settings_page
def rate_import(request):
    """Rates from a CSV, all or none."""
    upload = RateImportForm(request.POST, request.FILES)
    if upload.is_valid():
        try:
            added = import_rates(file=upload.cleaned_data["file"], user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                upload.add_error("file", message)
        else:
            flash.success(request, f"{added} rate{'s' if added != 1 else ''} added.")
            return redirect("pricing:rate-list")
    form = PricingRateForm(initial={"valid_from": timezone.localdate(), "currency": "USD"})
    return _page(request, form=form, upload=upload, status=400)


def _page(request, *, form, upload=None, status: int):
    today = timezone.localdate()
    in_force = rates_in_force(on=today)
    rates = list(PricingRate.objects.select_related("created_by")[:2000])
    for rate in rates:
        rate.state = "in force" if rate.pk in in_force else ("from " + rate.valid_from.isoformat() if rate.valid_from > today else "past")
        rate.future = rate.valid_from > today
    return render(request, "campaigns/pricing/rate_list.html", {
        "form": form, "upload": upload or RateImportForm(), "rates": rates, "today": today}, status=status)


def _initial(request, today) -> dict:
    source = PricingRate.objects.filter(pk=parse_id(request.GET.get("from"))).first()
    if source is None:
        return {"valid_from": today, "currency": "USD"}
    return {"category": source.category, "country": source.country, "price": source.price,
            "currency": source.currency, "valid_from": today}


@require_POST
@settings_page
def rate_delete(request, pk: int):
    rate = get_object_or_404(PricingRate, pk=pk)
    try:
        delete_rate(rate=rate, user=request.user)
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
        return redirect("pricing:rate-list")
    flash.success(request, "Rate deleted.")
    return redirect("pricing:rate-list")
