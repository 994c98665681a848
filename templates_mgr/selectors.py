"""Reads for the template pages, every one scoped to the accounts the user may access."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import accessible_accounts, accessible_phone_numbers
from accounts.models import BusinessAccount, PhoneNumber

from .models import MessageTemplate, TemplateStatusChange, TemplateSyncState
from .services.usage import Usage, usage_for

Status = MessageTemplate.Status
# The board's columns, in the order a template manager reads them; anything else goes under "Other".
BOARD_ORDER = (
    Status.PENDING,
    Status.IN_APPEAL,
    Status.REJECTED,
    Status.PAUSED,
    Status.APPROVED,
    Status.DISABLED,
    Status.DRAFT,
)
_DECIDED = (Status.APPROVED, Status.REJECTED)


@dataclass
class BoardGroup:
    status: str
    label: str
    templates: list[MessageTemplate] = field(default_factory=list)


def templates_for(user) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(account__in=accessible_accounts(user)).select_related("account", "created_by")


def template_for_user(user, pk: int) -> MessageTemplate:
    """The template if ``user`` may see its account; 404 otherwise (no hint that it exists)."""
    template = templates_for(user).filter(pk=pk).first()
    if template is None:
        raise Http404("No such template.")
    return template


def board(user, *, account_id: int | None = None, query: str = "", show_deleted: bool = False) -> list[BoardGroup]:
    """The user's templates grouped by status, each with its time in review and usage."""
    templates = templates_for(user).annotate(
        review_started_at=Max("status_changes__occurred_at", filter=Q(status_changes__new_status=Status.PENDING))
    )
    if account_id:
        templates = templates.filter(account_id=account_id)
    if query:
        templates = templates.filter(name__icontains=query.strip())
    if not show_deleted:
        templates = templates.exclude(status=Status.DELETED)
    templates = list(templates.order_by("name", "language"))
    attach_usage(templates)
    now = timezone.now()
    groups = {status: BoardGroup(status, Status(status).label) for status in BOARD_ORDER}
    other = BoardGroup("OTHER", "Other")
    for template in templates:
        template.review_time = review_time(template, now=now)
        groups.get(template.status, other).templates.append(template)
    return [group for group in [*groups.values(), other] if group.templates]


def review_time(template: MessageTemplate, *, now: datetime) -> timedelta | None:
    """How long the template has been (PENDING) or was (just decided) in review."""
    started = getattr(template, "review_started_at", None) or template.submitted_at
    if started is None:
        return None
    if template.status == Status.PENDING:
        return max(now - started, timedelta(0))
    if template.status in _DECIDED and template.status_changed_at and template.status_changed_at >= started:
        return template.status_changed_at - started
    return None


def attach_usage(templates: list[MessageTemplate]) -> None:
    usage = usage_for(templates)
    for template in templates:
        template.usage = usage.get(template.pk, Usage())


def history(template: MessageTemplate) -> list[TemplateStatusChange]:
    """Every step, oldest first, each with how long the template stayed in it (``lasted``)."""
    steps = list(template.status_changes.select_related("user").order_by("occurred_at", "id"))
    applied = [step for step in steps if step.applied]
    for step, following in zip(applied, applied[1:] + [None]):
        step.lasted = (following.occurred_at if following else timezone.now()) - step.occurred_at
    return steps


def sync_states(user, *, account_id: int | None = None) -> list[tuple[BusinessAccount, TemplateSyncState | None]]:
    accounts = accessible_accounts(user).order_by("name")
    if account_id:
        accounts = accounts.filter(pk=account_id)
    states = {s.account_id: s for s in TemplateSyncState.objects.filter(account__in=accounts)}
    return [(account, states.get(account.pk)) for account in accounts]


def account_for_user(user, pk) -> BusinessAccount:
    account = accessible_accounts(user).filter(pk=pk).first()
    if account is None:
        raise Http404("No such account.")
    return account


def sendable_templates(account_ids) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(account_id__in=account_ids, status=Status.APPROVED).order_by("name", "language")


def sending_numbers(user) -> QuerySet[PhoneNumber]:
    return accessible_phone_numbers(user).select_related("account").order_by("display_phone_number")
