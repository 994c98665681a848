"""Settings → Phone numbers: the list with a sync per account, a page per number, its actions."""

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..models import BusinessAccount, FlowKey, PhoneNumber
from ..number_forms import DeregisterForm, PinForm, RegisterForm, RequestCodeForm, SyncNumbersForm, VerifyCodeForm
from ..selectors import number_news, number_quality_history
from ..services.phone_numbers import (
    NumberActionError,
    deregister_phone_number,
    register_phone_number,
    request_verification_code,
    set_two_step_pin,
    sync_phone_numbers,
    verify_ownership_code,
)
from ..services.registration_limits import LIMIT, registration_allowance
from ._settings import number_or_404, settings_page

# The number page's forms by action: (form, service, message on success).
ACTIONS = {
    "request_code": (RequestCodeForm, lambda phone, data, actor: request_verification_code(
        phone=phone, code_method=data["code_method"], language=data["language"], actor=actor),
        "Meta is sending the code. Enter it below when it arrives."),
    "verify_code": (VerifyCodeForm, lambda phone, data, actor: verify_ownership_code(
        phone=phone, code=data["code"], actor=actor), "The number is verified: it can be registered."),
    "register": (RegisterForm, lambda phone, data, actor: register_phone_number(
        phone=phone, pin=data["pin"], actor=actor), "The number is registered on the Cloud API."),
    "pin": (PinForm, lambda phone, data, actor: set_two_step_pin(
        phone=phone, pin=data["pin"], actor=actor), "The two-step verification PIN is changed."),
}


@settings_page
def number_list(request):
    accounts = BusinessAccount.objects.prefetch_related("phone_numbers").order_by("name")
    return render(request, "accounts/settings/number_list.html", {"accounts": accounts})


@settings_page
@require_POST
def number_sync(request):
    form = SyncNumbersForm(request.POST)
    if not form.is_valid():
        return _list_with_error(request, "Choose an account to sync.")
    account = form.cleaned_data["account"]
    try:
        result = sync_phone_numbers(account=account, actor=request.user)
    except NumberActionError as error:
        return _list_with_error(request, f"{account.name}: the numbers could not be read. {error.message}")
    flash.success(request, f"{account.name}: {result.summary()}.")
    return redirect("settings:number-list")


def _list_with_error(request, message: str):
    accounts = BusinessAccount.objects.prefetch_related("phone_numbers").order_by("name")
    return render(request, "accounts/settings/number_list.html", {"accounts": accounts, "sync_error": message},
                  status=400)


@settings_page
def number_detail(request, phone_number_id: str):
    phone = number_or_404(phone_number_id)
    return _detail(request, phone, {})


@settings_page
def number_status(request, phone_number_id: str):
    """The facts Meta's webhooks change, polled by the number's page (htmx) so it needs no reload."""
    phone = number_or_404(phone_number_id)
    return render(request, "accounts/settings/_number_facts.html", _facts(phone))


@settings_page
@require_POST
def number_action(request, phone_number_id: str, action: str):
    phone = number_or_404(phone_number_id)
    form_class, run, success = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            run(phone, form.cleaned_data, request.user)
        except NumberActionError as error:
            form.add_error(None, error.message)
        else:
            flash.success(request, success)
            return redirect("settings:number-detail", phone.phone_number_id)
    return _detail(request, phone, {action: form}, status=400)


@settings_page
def number_deregister(request, phone_number_id: str):
    """GET asks for confirmation; POST (with the box ticked) deregisters."""
    phone = number_or_404(phone_number_id)
    form = DeregisterForm(request.POST) if request.method == "POST" else DeregisterForm()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                deregister_phone_number(phone=phone, actor=request.user)
            except NumberActionError as error:
                form.add_error(None, error.message)
            else:
                number = f"+{phone.display_phone_number}"
                flash.success(request, f"{number} is deregistered: it no longer sends or receives.")
                return redirect("settings:number-detail", phone.phone_number_id)
        status = 400
    context = {"phone": phone, "form": form, "allowance": registration_allowance(phone), "limit": LIMIT}
    return render(request, "accounts/settings/number_deregister.html", context, status=status)


def _facts(phone: PhoneNumber) -> dict:
    return {"phone": phone, "account": phone.account, "news": number_news(phone)}


def _detail(request, phone: PhoneNumber, bound: dict, *, status: int = 200, extra: dict | None = None):
    forms = {name: bound.get(name) or form_class(prefix=name) for name, (form_class, _, _) in ACTIONS.items()}
    context = {
        **_facts(phone),
        "forms": forms,
        "allowance": registration_allowance(phone),
        "limit": LIMIT,
        "quality_history": number_quality_history(phone),
        "flow_keys": list(phone.flow_keys.exclude(state=FlowKey.State.RETIRED)),
        **(extra or {}),
    }
    return render(request, "accounts/settings/number_detail.html", context, status=status)
