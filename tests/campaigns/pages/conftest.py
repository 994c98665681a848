"""What the campaign page tests share: an administrator, a marketing template with two placeholders,
contacts with attributes (one opted out, one missing a value, one in the US), a segment of them all,
and a draft campaign mapping the placeholders to attributes."""

import pytest
from django.utils import timezone

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from campaigns.models import Campaign, CampaignRecipient, Segment
from messaging.models import Contact, Conversation, Message
from templates_mgr.models import MessageTemplate

ADMIN_PASSWORD = "pw-ada-123"


@pytest.fixture
def admin_user(phone):
    return ensure_user(username="ada", password=ADMIN_PASSWORD, role=roles.ADMINISTRATOR)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def template(account):
    return MessageTemplate.objects.create(
        account=account, name="spring_offer", language="en_GB", category="MARKETING", status="APPROVED",
        template_id="100000000000077", parameter_format="POSITIONAL",
        components=[{"type": "BODY", "text": "Hi {{1}}, your code {{2}} is ready.",
                     "example": {"body_text": [["Pablo", "SPRING10"]]}}],
    )


def contact(account, wa_id, name, **attributes):
    opted_out = attributes.pop("opted_out", False)
    return Contact.objects.create(account=account, wa_id=wa_id, name=name, attributes=attributes, opted_out=opted_out)


@pytest.fixture
def audience(account):
    """Four contacts: two ready to send, one opted out, one without the code attribute."""
    return {
        "ready": contact(account, "447400123401", "Sheena Nelson", first_name="Sheena", code="A1"),
        "ready2": contact(account, "447400123402", "Tom Baker", first_name="Tom", code="B2"),
        "opted_out": contact(account, "447400123403", "Olga Out", first_name="Olga", code="C3", opted_out=True),
        "missing": contact(account, "447400123404", "Mo Missing", first_name="Mo"),
    }


@pytest.fixture
def segment(account, audience):
    return Segment.objects.create(account=account, name="Everyone", rules=[])


@pytest.fixture
def campaign(account, phone, template, segment):
    return Campaign.objects.create(account=account, phone_number=phone, name="Spring offer", template=template,
                                   segment=segment, parameters={"body.1": "first_name", "body.2": "code"})


def recipient(campaign, contact, *, state=CampaignRecipient.State.DONE, reason="", status=None, error_code=None,
              error_title="", wamid=None):
    """A recipient row, with its message in ``status`` when given (as the engine and webhooks leave it)."""
    message = None
    if status is not None:
        conversation, _ = Conversation.objects.get_or_create(contact=contact, phone_number=campaign.phone_number)
        message = Message.objects.create(conversation=conversation, direction=Message.Direction.OUTBOUND,
                                         type="template", status=status, error_code=error_code,
                                         error_title=error_title, wamid=wamid, status_at=timezone.now(),
                                         rate_group=campaign.rate_group)
    return CampaignRecipient.objects.create(campaign=campaign, contact=contact, state=state, reason=reason,
                                            message=message)


def operator_of(phone, username="olga"):
    user = ensure_user(username=username, password=f"pw-{username}-123", role=roles.OPERATOR)
    grant_phone_number(user=user, phone_number=phone)
    return user
