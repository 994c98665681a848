"""Whether Meta will deliver a template to a customer at all, decided once for the send form, the
send service and campaigns: a refused template is not offered, and not queued."""

import phonenumbers
from django.utils import timezone

from messaging.models import Contact

from ..models import MessageTemplate

MARKETING = MessageTemplate.Category.MARKETING


def template_send_refusal(*, template: MessageTemplate, contact: Contact | None, wa_id: str) -> str | None:
    """Why sending ``template`` to ``wa_id`` (``contact`` when we know them) would be refused, or None.

    Marketing templates are not sent to a customer who opted out of marketing, nor within 24 h of
    Meta's per-customer marketing limit refusing one (131049), nor to US numbers
    (Meta stopped delivering marketing templates there; Canada and the rest of +1 still get them).
    """
    if template.category != MARKETING:
        return None
    if contact is not None and contact.opted_out:
        who = contact.name or f"+{contact.wa_id}"
        return (
            f"{who} asked not to receive marketing messages, and {template.name} is a marketing template, "
            "so it can't be sent. A utility template can still be sent."
        )
    if contact is not None and contact.marketing_limited_until and contact.marketing_limited_until > timezone.now():
        who = contact.name or f"+{contact.wa_id}"
        until = timezone.localtime(contact.marketing_limited_until).strftime("%d %b %H:%M")
        return (
            f"WhatsApp refused a marketing template to {who} recently (131049, its per-customer marketing limit), "
            f"so {template.name} can't be sent to them before {until}: sending sooner would block them longer. "
            "A utility template can still be sent."
        )
    if _region(wa_id) == "US":
        return (
            f"{template.name} is a marketing template, and Meta no longer delivers marketing templates to "
            f"US numbers like +{wa_id.lstrip('+')}, so it can't be sent. A utility template can still be sent."
        )
    return None


def _region(wa_id: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse("+" + wa_id.lstrip("+")))
    except phonenumbers.NumberParseException:
        return None
