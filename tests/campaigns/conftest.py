"""Fixtures of the campaign tests: administrators (campaign pages are theirs), an approved template
known to the simulator, contacts with attributes, a segment of them, and helpers that run the
dispatcher as the worker would."""

import pytest

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from campaigns.models import Campaign, Segment
from campaigns.services import planning
from messaging.models import Contact, Label
from templates_mgr.models import MessageTemplate

BODY = [{"type": "BODY", "text": "Hi {{1}}, your order {{2}} is ready.", "example": {"body_text": [["Pablo", "#42"]]}}]
# Canada, the UK and India: Meta delivers marketing there (not to the US).
CUSTOMERS = [("14165550101", "Ana", "A-1"), ("447400123456", "Ben", "B-2"), ("919812345678", "Chitra", "C-3")]


@pytest.fixture
def administrator(phone):
    user = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    grant_phone_number(user=user, phone_number=phone)
    return user


@pytest.fixture
def admin(db):
    return ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)


def add_template(account, sim=None, *, name="order_ready", category="UTILITY", components=None,
                 status="APPROVED") -> MessageTemplate:
    components = components or BODY
    template_id = "1000000000001"
    if sim is not None:
        template_id = sim.add_template(name=name, category=category, components=components)["id"]
    return MessageTemplate.objects.create(account=account, name=name, language="en_US", category=category,
                                          status=status, parameter_format="POSITIONAL", template_id=template_id,
                                          components=components)


def add_contacts(account, people=CUSTOMERS, *, label: Label | None = None) -> list[Contact]:
    contacts = []
    for wa_id, name, order in people:
        contact = Contact.objects.create(account=account, wa_id=wa_id, name=name,
                                         attributes={"first_name": name, "order": order})
        if label is not None:
            contact.labels.add(label)
        contacts.append(contact)
    return contacts


@pytest.fixture
def audience(account):
    """The three customers, tagged "vip", and the segment of everyone so tagged."""
    label = Label.objects.create(account=account, name="vip")
    contacts = add_contacts(account, label=label)
    segment = Segment.objects.create(account=account, name="VIPs", rules=[{"type": "label", "label": label.pk}])
    return segment, contacts


def make_campaign(account, phone, template, segment, **fields) -> Campaign:
    values = dict(name="Order ready", parameters={"body.1": "first_name", "body.2": "order"})
    values.update(fields)
    return planning.create_campaign(account=account, phone_number=phone, template=template, segment=segment,
                                    **values)


@pytest.fixture
def run_worker(django_capture_on_commit_callbacks):
    """Run what a worker would: the callbacks committed by ``action`` (dispatcher ticks, send tasks,
    all eager in the test settings)."""

    def _run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return _run
