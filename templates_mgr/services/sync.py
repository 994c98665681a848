"""Reconciling our templates with Meta's list (all pages): templates made in WhatsApp Manager
appear, changed ones are updated, missing ones are marked deleted, and every status change found
this way joins the history with ``source=sync``. The outcome — success or the error — is kept per
account, so a failing sync shows as failing, never as silently stale."""

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.graph import client_for
from accounts.models import BusinessAccount
from cloudapi.client import TemplateInfo
from cloudapi.client.templates import TEMPLATE_FIELDS
from cloudapi.errors import CloudApiError

from ..models import MessageTemplate, TemplateStatusChange, TemplateSyncState
from .errors import explain_meta_error
from .status import StatusReport, TemplateRef, apply_template_status, meta_now, normalize_language

Status = MessageTemplate.Status
SYNC_FIELDS = (*TEMPLATE_FIELDS, "correct_category", "message_send_ttl_seconds")
# Meta allows 200 template-management calls an hour: an on-demand sync (account connected, an
# empty picker) is asked for at most this often per account.
ON_DEMAND_INTERVAL = timedelta(minutes=5)
# A sync asked for longer ago than this that never finished (worker down) is no longer awaited.
AWAITED_FOR = timedelta(minutes=2)


class SyncFailed(Exception):
    """Meta's list could not be read; the failure is recorded on the account's sync state."""


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    status_changes: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} new, {self.updated} changed, {self.deleted} deleted, "
            f"{self.status_changes} status change(s)"
        )


def sync_templates(*, account: BusinessAccount) -> SyncResult:
    """Bring the account's templates in line with Meta's; raises :class:`SyncFailed`."""
    TemplateSyncState.objects.update_or_create(account=account, defaults={"last_attempt_at": timezone.now()})
    now = meta_now()
    try:
        infos = client_for(account).list_templates(waba_id=account.waba_id, fields=SYNC_FIELDS)
    except CloudApiError as error:
        message = explain_meta_error(error, action="list the templates")
        _record_failure(account, message)
        raise SyncFailed(message) from None
    result = SyncResult()
    for info in infos:
        _reconcile(account, info, now, result)
    seen = {info.id for info in infos}
    gone = (
        MessageTemplate.objects.filter(account=account, template_id__isnull=False)
        .exclude(status=Status.DELETED)
        .exclude(template_id__in=seen)
    )
    for template in gone:
        if _apply_status(account, template, Status.DELETED, now=now, reason=""):
            result.deleted += 1
    TemplateSyncState.objects.update_or_create(
        account=account, defaults={"last_success_at": timezone.now(), "last_result": asdict(result)}
    )
    return result


def request_template_sync(*, account: BusinessAccount) -> bool:
    """Have the worker sync ``account``'s templates soon (after commit), unless a sync was asked
    for or started in the last :data:`ON_DEMAND_INTERVAL`. True when one was enqueued."""
    now = timezone.now()
    state, _ = TemplateSyncState.objects.get_or_create(account=account)
    # A conditional UPDATE: two requests at once (two operators, two web workers) enqueue one sync.
    claimed = (
        TemplateSyncState.objects.filter(pk=state.pk)
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=now - ON_DEMAND_INTERVAL))
        .update(last_attempt_at=now)
    )
    if claimed:
        transaction.on_commit(lambda: _enqueue(account.pk))
    return bool(claimed)


def sync_when_empty(*, account: BusinessAccount) -> "TemplateSyncState":
    """The picker found no sendable template for ``account``: unless Meta was asked recently, ask
    again now. Returns the sync state to show (:func:`awaiting_sync` says whether to wait)."""
    state = TemplateSyncState.objects.filter(account=account).first()
    recent = state is not None and state.last_success_at is not None and (
        state.last_success_at > timezone.now() - ON_DEMAND_INTERVAL
    )
    if not recent:
        request_template_sync(account=account)
    return TemplateSyncState.objects.get_or_create(account=account)[0]


def awaiting_sync(state: "TemplateSyncState | None") -> bool:
    """A sync was asked for recently and has not finished yet: worth waiting for."""
    return bool(state and state.in_flight and state.last_attempt_at > timezone.now() - AWAITED_FOR)


def _enqueue(account_id: int) -> None:
    from ..tasks import sync_templates_task  # tasks import services; import here to avoid a cycle

    sync_templates_task.delay(account_id)


@dataclass(frozen=True)
class AccountSync:
    """How one account's sync went: its result, or why it failed (also kept on its sync state)."""

    account: BusinessAccount
    result: SyncResult | None = None
    error: str = ""

    def __str__(self) -> str:
        return str(self.result) if self.result is not None else f"failed: {self.error}"


def sync_all_templates(*, accounts: QuerySet[BusinessAccount] | None = None) -> list[AccountSync]:
    """Sync each of ``accounts`` (every account by default) in turn; one failing account does not
    stop the others. The beat task and the ``sync_templates`` command both go through here."""
    outcomes = []
    for account in (accounts if accounts is not None else BusinessAccount.objects.all()).order_by("pk"):
        try:
            outcomes.append(AccountSync(account=account, result=sync_templates(account=account)))
        except SyncFailed as failure:
            outcomes.append(AccountSync(account=account, error=str(failure)))
    return outcomes


def _reconcile(account: BusinessAccount, info: TemplateInfo, now, result: SyncResult) -> None:
    meta = _fields_of(info)
    with transaction.atomic():
        rows = MessageTemplate.objects.select_for_update()
        template = rows.filter(account=account, template_id=info.id).first()
        if template is None and meta["name"] and meta["language"]:
            template = rows.filter(account=account, name=meta["name"], language=meta["language"]).first()
        if template is None:
            template = MessageTemplate(account=account, status="")
            result.created += 1
        elif any(getattr(template, key) != value for key, value in meta.items() if value is not None):
            result.updated += 1
        for key, value in meta.items():
            if value is not None:
                setattr(template, key, value)
        if meta["quality_score"] is not None and template.quality_updated_at is None:
            template.quality_updated_at = now
        template.template_id = info.id
        template.needs_sync = False
        template.last_synced_at = now
        template.save()
    status = (info.status or "").upper()
    if status and status != template.status:
        if _apply_status(account, template, status, now=now, reason=meta["rejected_reason"] or ""):
            result.status_changes += 1


def _fields_of(info: TemplateInfo) -> dict:
    """Meta's values for our columns; ``None`` where Meta did not say (we keep ours)."""
    reason = (info.rejected_reason or "").upper()
    values = {
        "name": info.name,
        "language": normalize_language(info.language) if info.language else None,
        "category": info.category.upper() if info.category else None,
        "sub_category": info.sub_category,
        "components": list(info.components) if info.components else None,
        "parameter_format": info.parameter_format.upper() if info.parameter_format else None,
        "previous_category": info.previous_category,
        "rejected_reason": None if info.rejected_reason is None else ("" if reason == "NONE" else reason),
        "quality_score": info.quality_score.upper() if info.quality_score else None,
        "message_send_ttl_seconds": info.message_send_ttl_seconds,
    }
    if info.correct_category:
        values["correct_category"] = info.correct_category.upper()
    return values


def _apply_status(account: BusinessAccount, template: MessageTemplate, status: str, *, now, reason: str) -> bool:
    change = apply_template_status(
        account=account,
        ref=TemplateRef(template_id=template.template_id, name=template.name, language=template.language),
        report=StatusReport(status=status, occurred_at=now, reason=reason, details={"found_by": "sync"}),
        source=TemplateStatusChange.Source.SYNC,
    )
    return change is not None


def _record_failure(account: BusinessAccount, message: str) -> None:
    TemplateSyncState.objects.update_or_create(
        account=account, defaults={"last_error": message, "last_error_at": timezone.now()}
    )
