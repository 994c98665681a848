"""Flow tokens: issued per flow and number, valid FLOW_TOKEN_TTL_DAYS, refused once expired or completed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import BusinessAccount
from messaging.models import Flow
from messaging.services.flow_tokens import FlowTokenRefused, check_flow_token, complete_flow_token, issue_flow_token

from .. import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(account):
    return Flow.objects.create(account=account, flow_id="700000000000001", name="Signup")


def test_a_token_is_random_url_safe_and_lives_the_configured_days(flow, phone, settings):
    settings.FLOW_TOKEN_TTL_DAYS = 3
    conversation = factories.conversation(phone)

    token = issue_flow_token(flow=flow, phone_number=phone, conversation=conversation)
    other = issue_flow_token(flow=flow, phone_number=phone)

    assert token.token != other.token and len(token.token) >= 32
    assert set(token.token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert token.contact == conversation.contact
    assert abs(token.expires_at - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    assert check_flow_token(token=token.token, phone_number_id=phone.pk) == token


def test_it_refuses_expired_completed_and_foreign_tokens(flow, phone):
    token = issue_flow_token(flow=flow, phone_number=phone)
    with pytest.raises(FlowTokenRefused, match="expired"):
        check_flow_token(token=token.token, now=timezone.now() + timedelta(days=8))

    assert complete_flow_token(token=token) is True
    assert complete_flow_token(token=token.token) is False  # once
    with pytest.raises(FlowTokenRefused, match="completed"):
        check_flow_token(token=token.token)
    for bad in ("", None, 42, "x" * 200, "never-issued"):
        with pytest.raises(FlowTokenRefused):
            check_flow_token(token=bad)


def test_a_flow_cannot_be_sent_from_another_accounts_number(flow):
    other = BusinessAccount.objects.create(name="Other", waba_id="999", access_token="x", app_secret="y",
                                           verify_token="z")
    number = other.phone_numbers.create(phone_number_id="999001", display_phone_number="15559990000")
    with pytest.raises(ValueError, match="another account"):
        issue_flow_token(flow=flow, phone_number=number)


def test_the_customers_answer_completes_the_token(flow, phone, add_phone, post_webhook):
    number = add_phone("1122334455667")  # the number of Meta's nfm_reply sample
    token = issue_flow_token(flow=flow, phone_number=number)
    token.token = "AQAAAAACS5FpgQ_cAAAAAD0QI3s."  # the token in the sample's response_json
    token.save()

    assert post_webhook("webhook_message_interactive_nfm_reply.json").status_code == 200

    token.refresh_from_db()
    assert token.completed_at is not None
