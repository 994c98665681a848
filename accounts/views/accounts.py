"""Settings → Accounts: connect a WABA, test its connection, subscribe, rotate, disconnect, reconnect."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ..forms import ConnectAccountForm, DisconnectAccountForm, RotateCredentialForm
from ..models import BusinessAccount
from ..services import AccountCredentials, connect_account
from ..services.connection_check import check_connection
from ..services.credentials import rotate_credential
from ..services.disconnection import disconnect_account, reconnect_account
from ..services.subscription import SubscriptionRefused, subscribe_account
from ._settings import settings_page


@settings_page
def account_list(request):
    accounts = BusinessAccount.objects.prefetch_related("phone_numbers").order_by("name", "pk")
    return render(request, "accounts/settings/account_list.html", {"accounts": accounts, "now": timezone.now()})


@settings_page
def account_connect(request):
    form = ConnectAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = connect_account(credentials=AccountCredentials(**form.cleaned_data), actor=request.user)
        _test_and_report(request, account, done=f"{account.name} is connected.")
        return redirect("settings:account-detail", pk=account.pk)
    return render(request, "accounts/settings/account_connect.html", {"form": form},
                  status=400 if form.is_bound else 200)


@settings_page
def account_detail(request, pk: int):
    account = get_object_or_404(BusinessAccount, pk=pk)
    return _detail(request, account)


@require_POST
@settings_page
def account_test(request, pk: int):
    account = get_object_or_404(BusinessAccount, pk=pk)
    _test_and_report(request, account, done="Connection test run.")
    return redirect("settings:account-detail", pk=pk)


@require_POST
@settings_page
def account_subscribe(request, pk: int):
    account = get_object_or_404(BusinessAccount, pk=pk)
    try:
        subscribe_account(account=account, actor=request.user)
    except SubscriptionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Our app is subscribed to this WABA's webhooks.")
    return redirect("settings:account-detail", pk=pk)


@require_POST
@settings_page
def account_rotate(request, pk: int):
    account = get_object_or_404(BusinessAccount, pk=pk)
    form = RotateCredentialForm(request.POST)
    if not form.is_valid():
        return _detail(request, account, rotate_form=form, status=400)
    field = form.cleaned_data["field"]
    rotate_credential(account=account, field=field, value=form.cleaned_data["value"], actor=request.user)
    _test_and_report(request, account, done=f"{RotateCredentialForm.FIELDS[field].capitalize()} replaced.")
    return redirect("settings:account-detail", pk=pk)


@require_POST
@settings_page
def account_disconnect(request, pk: int):
    account = get_object_or_404(BusinessAccount, pk=pk)
    form = DisconnectAccountForm(request.POST)
    if not form.is_valid():
        return _detail(request, account, disconnect_form=form, status=400)
    disconnect_account(account=account, actor=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, f"{account.name} is disconnected: sending stopped; its webhooks are kept.")
    return redirect("settings:account-detail", pk=pk)


@require_POST
@settings_page
def account_reconnect(request, pk: int):
    account = get_object_or_404(BusinessAccount, pk=pk)
    reconnect_account(account=account, actor=request.user)
    _test_and_report(request, account, done=f"{account.name} is connected again.")
    return redirect("settings:account-detail", pk=pk)


def _test_and_report(request, account: BusinessAccount, *, done: str) -> None:
    """Run the connection test and say in one flash message how it went (the page lists the checks)."""
    checks = check_connection(account=account)
    failed = [check for check in checks if check.ok is False]
    if failed:
        messages.error(request, f"{done} The connection test failed: {failed[0].text}")
    else:
        messages.success(request, f"{done} The connection test passed.")


def _detail(request, account: BusinessAccount, *, status: int = 200, rotate_form=None, disconnect_form=None
            ) -> HttpResponse:
    bound = rotate_form.data.get("field", "") if rotate_form is not None else ""
    rotate_forms = [rotate_form if rotate_form is not None and bound == field else RotateCredentialForm(field=field)
                    for field in RotateCredentialForm.FIELDS]
    context = {
        "account": account,
        "callback_url": request.build_absolute_uri(reverse("messaging:webhook")),
        "rotate_forms": rotate_forms,
        "disconnect_form": disconnect_form or DisconnectAccountForm(),
        "numbers": account.phone_numbers.all(),
        "now": timezone.now(),
    }
    return render(request, "accounts/settings/account_detail.html", context, status=status)
