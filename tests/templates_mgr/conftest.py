"""Fixtures and helpers the template tests share (helpers are imported with ``from .conftest import``).

Meta is faked at the HTTP layer with ``responses`` (``meta``) at the test settings' Graph base.
"""

import json
import zlib

import pytest
import responses

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from templates_mgr.models import MessageTemplate

from ..conftest import WABA_ID, user_of_another_account

GRAPH = "http://graph.test/v24.0"
TEMPLATES_URL = f"{GRAPH}/{WABA_ID}/message_templates"
APP_ID = "300000000000001"
PASSWORD = "pw-tina-123"


@pytest.fixture
def meta():
    """Meta at the HTTP layer; every call must be one the test expects."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def manager(phone):
    """A template manager granted the account's number."""
    user = ensure_user(username="tina", password=PASSWORD, role=roles.TEMPLATE_MANAGER)
    grant_phone_number(user=user, phone_number=phone)
    return user


@pytest.fixture
def foreign_manager(db):
    """A template manager of another business: must never see our templates."""
    return user_of_another_account(username="fred", role=roles.TEMPLATE_MANAGER)


def make_template(account, name="order_update", *, status="APPROVED", category="UTILITY", components=None,
                  language="en_US", parameter_format="POSITIONAL", template_id="__auto__", **fields):
    if template_id == "__auto__":
        # Derived from the name, so it is the same on every run (``hash()`` of a str is salted per process).
        template_id = None if status == "DRAFT" else str(10**14 + zlib.crc32(f"{name}/{language}".encode()))
    return MessageTemplate.objects.create(
        account=account,
        name=name,
        language=language,
        category=category,
        status=status,
        parameter_format=parameter_format,
        template_id=template_id,
        components=components
        if components is not None
        else [{"type": "BODY", "text": "Hi {{1}}, order {{2}} is ready.", "example": {"body_text": [["Pablo", "#42"]]}}],
        **fields,
    )


def body_of(call) -> dict:
    return json.loads(call.request.body)


def builder_data(**changes) -> dict:
    """A complete builder form for a utility template with a text header, a body, a footer and buttons."""
    data = {
        "name": "order_ready",
        "language": "en_US",
        "category": "UTILITY",
        "parameter_format": "POSITIONAL",
        "header_format": "TEXT",
        "header_text": "Order {{1}}",
        "header_example_1": "#42",
        "body_text": "Hi {{1}}, your order {{2}} is ready for pickup.",
        "body_example_1": "Pablo",
        "body_example_2": "#42",
        "footer_text": "Reply STOP to opt out",
        "button_0_type": "QUICK_REPLY",
        "button_0_text": "Thanks",
        "button_1_type": "URL",
        "button_1_text": "Track it",
        "button_1_url": "https://shop.example/track/{{1}}",
        "button_1_example": "42",
        "action": "submit",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
