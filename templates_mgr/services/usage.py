"""How much each template is used: sends and the delivered / read / failed rates, from the
template messages messaging keeps (their payload names the template and language)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from messaging.models import Message

from ..models import MessageTemplate

S = Message.Status
_DELIVERED = (S.DELIVERED, S.READ, S.PLAYED)
_READ = (S.READ, S.PLAYED)


@dataclass(frozen=True)
class Usage:
    sends: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0

    def _rate(self, count: int) -> int | None:
        return round(100 * count / self.sends) if self.sends else None

    @property
    def delivered_rate(self) -> int | None:
        return self._rate(self.delivered)

    @property
    def read_rate(self) -> int | None:
        return self._rate(self.read)

    @property
    def failed_rate(self) -> int | None:
        return self._rate(self.failed)


def usage_for(templates: Iterable[MessageTemplate]) -> dict[int, Usage]:
    """``{template pk: Usage}`` for all ``templates`` in one aggregate query."""
    templates = list(templates)
    if not templates:
        return {}
    rows = (
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND,
            type="template",
            conversation__phone_number__account_id__in={t.account_id for t in templates},
        )
        # Cast: an ``__in`` on a bare key transform compares JSON values, not text.
        .annotate(
            template_name=Cast(KT("payload__name"), TextField()),
            template_language=Cast(KT("payload__language__code"), TextField()),
        )
        .filter(template_name__in={t.name for t in templates})
        .order_by()
        .values("conversation__phone_number__account_id", "template_name", "template_language")
        .annotate(
            sends=Count("id"),
            delivered=Count("id", filter=Q(status__in=_DELIVERED)),
            read=Count("id", filter=Q(status__in=_READ)),
            failed=Count("id", filter=Q(status=S.FAILED)),
        )
    )
    found = {
        (row["conversation__phone_number__account_id"], row["template_name"], row["template_language"]): Usage(
            sends=row["sends"], delivered=row["delivered"], read=row["read"], failed=row["failed"]
        )
        for row in rows
    }
    return {t.pk: found.get((t.account_id, t.name, t.language), Usage()) for t in templates}
