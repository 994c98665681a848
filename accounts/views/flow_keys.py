"""The "Flow encryption key" section of a number's Settings page: generate, upload, rotate, retire, and
what Meta holds (its signature status), loaded apart so the page does not wait for Meta."""

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..services.flow_keys import (
    FlowKeyError,
    flow_key_status,
    generate_flow_key,
    retire_flow_key,
    rotate_flow_key,
    upload_flow_key,
)
from ._settings import number_or_404, settings_page
from .numbers import _detail

# (service, message on success) per action of the section.
KEY_ACTIONS = {
    "generate": (generate_flow_key, "A new flow key is made. Upload it so Meta encrypts with it."),
    "upload": (upload_flow_key, "Meta has the number's flow public key."),
    "rotate": (rotate_flow_key, "A new flow key is current and uploaded; the old one still works until you retire it."),
    "retire": (retire_flow_key, "The old flow key is retired: requests encrypted for it are refused (421)."),
}


@settings_page
@require_POST
def number_flow_key(request, phone_number_id: str, action: str):
    phone = number_or_404(phone_number_id)
    run, success = KEY_ACTIONS[action]
    try:
        run(phone=phone, actor=request.user)
    except FlowKeyError as error:
        return _detail(request, phone, {}, status=400, extra={"flow_key_error": error.message})
    flash.success(request, success)
    return redirect("settings:number-detail", phone.phone_number_id)


@settings_page
def number_flow_key_status(request, phone_number_id: str):
    """What Meta holds for the number (one Graph call), for the section's htmx placeholder."""
    phone = number_or_404(phone_number_id)
    return render(request, "accounts/settings/_flow_key_status.html", {"phone": phone,
                                                                       "status": flow_key_status(phone=phone)})
