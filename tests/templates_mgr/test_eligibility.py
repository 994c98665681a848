"""Which templates Meta will refuse to deliver, decided in one service: marketing to an opted-out
customer or to a US number is refused (Canada's +1 is not the US); utility always goes. The send
form disables Send and says why, and the server refuses with the same reason."""

import uuid

import pytest
from django.urls import reverse

from messaging.models import Contact, Conversation, Message
from templates_mgr.services.eligibility import template_send_refusal

from .conftest import make_template

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("wa_id", "opted_out", "category", "refused"), [
    ("447700900123", True, "MARKETING", "asked not to receive marketing messages"),
    ("14155550199", False, "MARKETING", "no longer delivers marketing templates to US numbers like +14155550199"),
    ("16135550123", False, "MARKETING", None),  # Canada shares +1 but still gets them
    ("14155550199", True, "UTILITY", None),
    ("447700900123", False, "MARKETING", None),
])
def test_it_refuses_marketing_to_opted_out_customers_and_us_numbers(account, wa_id, opted_out, category, refused):
    template = make_template(account, "offer", category=category)
    contact = Contact.objects.create(account=account, wa_id=wa_id, name="Sheena", opted_out=opted_out)

    reason = template_send_refusal(template=template, contact=contact, wa_id=wa_id)

    if refused is None:
        assert reason is None
    else:
        assert refused in reason and "A utility template can still be sent." in reason


def test_a_number_we_have_never_met_is_judged_by_its_country(account):
    promo = make_template(account, "promo", category="MARKETING")

    assert "US numbers" in template_send_refusal(template=promo, contact=None, wa_id="+16505551234")
    assert template_send_refusal(template=promo, contact=None, wa_id="16135550123") is None


def test_the_send_form_disables_send_and_the_server_refuses_with_the_same_reason(
    client, operator, account, phone, django_capture_on_commit_callbacks
):
    conversation = Conversation.objects.create(contact=Contact.objects.create(account=phone.account, wa_id="14155550199", name="Sam"), phone_number=phone)
    promo = make_template(account, "promo", category="MARKETING")
    url = reverse("templates_mgr:conversation-send", args=[conversation.pk])
    client.force_login(operator)

    form = client.get(url, {"template": promo.pk}, HTTP_HX_REQUEST="true").text
    reason = template_send_refusal(template=promo, contact=conversation.contact, wa_id="14155550199")
    assert 'name="send" class="btn" disabled' in form and reason in form.replace("&#x27;", "'")

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(url, {"template": promo.pk, "client_uuid": str(uuid.uuid4()), "body_1": "a", "body_2": "b"})

    assert refused.status_code == 400
    assert refused.context["params"].non_field_errors() == [reason]
    assert not Message.objects.exists()
