"""A number's business profile (/settings/numbers/<phone_number_id>/profile/): Meta's copy, read
when the page opens, a form with Meta's rules checked as one types, and the preview a customer sees."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cloudapi.errors import CloudApiError

from ..models import BusinessProfile, PhoneNumber
from ..profile_form import FIELDS, LIMITS, BusinessProfileForm, vertical_name
from ..services.business_profile import (
    ProfileRefused,
    cached_business_profile,
    explain,
    fetch_business_profile,
    save_business_profile,
)
from ._settings import number_or_404, settings_page

PAGE = "accounts/settings/number_profile.html"


@settings_page
def number_profile(request, phone_number_id: str):
    phone = number_or_404(phone_number_id)
    if request.method != "POST":
        return profile_page(request, phone)
    form = BusinessProfileForm(request.POST, current_vertical=cached_business_profile(phone_number=phone).vertical)
    if form.is_valid():
        try:
            saved = save_business_profile(phone_number=phone, values=form.cleaned_data, actor=request.user)
        except ProfileRefused as refused:
            form.add_error(refused.field if refused.field in FIELDS else None, refused.message)
        else:
            _say_saved(request, saved)
            return redirect("settings:number-profile", phone_number_id=phone.phone_number_id)
    return profile_page(request, phone, form=form, status=400)


@require_POST
@settings_page
def number_profile_check(request, phone_number_id: str):
    """The rules checked as the administrator types (htmx): each field's errors and the preview."""
    phone = number_or_404(phone_number_id)
    cached = cached_business_profile(phone_number=phone)
    form = BusinessProfileForm(request.POST, current_vertical=cached.vertical)
    form.is_valid()
    typed = form.typed()
    context = {
        "errors": {name: form.errors.get(name, []) for name in FIELDS},
        "counts": _counts(typed),
        "preview": _preview(phone, typed, picture=cached.profile_picture_url),
    }
    return render(request, "accounts/settings/_profile_check.html", context)


def profile_page(request, phone: PhoneNumber, *, form=None, picture_error: str = "", status: int = 200):
    """The page with Meta's copy read afresh (the last copy, with the reason, if Meta can't be asked).

    The media library's picture upload renders it too, with its refusal under the picture box.
    """
    try:
        profile, fetch_problem = fetch_business_profile(phone_number=phone), ""
    except CloudApiError as error:
        profile = cached_business_profile(phone_number=phone)
        fetch_problem = explain(error, action="show the profile")
    if form is None:
        form = BusinessProfileForm(initial=_initial(profile), current_vertical=profile.vertical)
    shown = form.typed() if form.is_bound else {**_initial(profile), "vertical_name": vertical_name(profile.vertical)}
    context = {
        "phone": phone, "profile": profile, "form": form, "fetch_problem": fetch_problem,
        "picture_error": picture_error, "websites": (list(shown["websites"]) + ["", ""])[:2], "counts": _counts(shown),
        "preview": _preview(phone, shown, picture=profile.profile_picture_url),
    }
    return render(request, PAGE, context, status=status)


def _counts(values: dict) -> dict[str, tuple[int, int]]:
    """Each limited field's (length, limit): the page and the check as one types draw the same counter."""
    return {name: (len(str(values.get(name) or "")), limit) for name, limit in LIMITS.items()}


def _initial(profile: BusinessProfile) -> dict:
    return {name: getattr(profile, name) for name in FIELDS}


def _preview(phone: PhoneNumber, values: dict, *, picture: str) -> dict:
    return {**values, "name": phone.verified_name or phone.account.name, "number": phone.display_phone_number,
            "picture": picture if _may_show(picture) else "", "has_picture": bool(picture)}


def _may_show(url: str) -> bool:
    """Whether the Content-Security-Policy lets the browser load the picture (Meta's CDN, not the simulator)."""
    sources = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].get("img-src", [])
    return any(url.startswith(source.rstrip("/") + "/") for source in sources if source.startswith("https://"))


def _say_saved(request, saved) -> None:
    if not saved.changed:
        flash.info(request, "Nothing changed: the profile already reads like this at Meta.")
        return
    flash.success(request, "Saved at Meta: " + ", ".join(name.replace("_", " ") for name in saved.changed) + ".")
    if saved.read_back_problem:
        flash.warning(request, saved.read_back_problem)
