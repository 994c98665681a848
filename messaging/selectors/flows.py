"""Reads for the flow pages, every one scoped to the accounts the user may access."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.access import accessible_accounts, accessible_phone_numbers
from accounts.models import BusinessAccount, PhoneNumber

from ..models import Flow

HISTORY_LIMIT = 100
VERSIONS_LIMIT = 20


def flows_for(user, *, account_id: int | None = None, query: str = "") -> QuerySet[Flow]:
    flows = Flow.objects.filter(account__in=accessible_accounts(user)).select_related("account")
    if account_id:
        flows = flows.filter(account_id=account_id)
    if query.strip():
        flows = flows.filter(name__icontains=query.strip())
    return flows.order_by("account__name", "name", "flow_id")


def flow_for_user(user, pk: int) -> Flow:
    """The flow if ``user`` may see its account; 404 otherwise (no hint that it exists)."""
    flow = flows_for(user).filter(pk=pk).first()
    if flow is None:
        raise Http404("No such flow.")
    return flow


def account_for_user(user, account_id: int | None) -> BusinessAccount:
    account = accessible_accounts(user).filter(pk=account_id).first() if account_id else None
    if account is None:
        raise Http404("No such business account.")
    return account


def sending_numbers(user, flow: Flow) -> QuerySet[PhoneNumber]:
    """The numbers of the flow's account the user may work: the ones a health check can be asked for."""
    return accessible_phone_numbers(user).filter(account_id=flow.account_id).order_by("display_phone_number")


def history(flow: Flow) -> list:
    return list(flow.history.select_related("user")[:HISTORY_LIMIT])


def json_versions(flow: Flow) -> list:
    return list(flow.json_versions.select_related("uploaded_by")[:VERSIONS_LIMIT])
