"""Templates from the first minute: an account is synced as soon as it is connected, and an empty
closed-window picker asks Meta (at most once per 5 minutes per account) and says it is checking;
the board and a template's page show the same "last synced"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import AccountCredentials, connect_account
from messaging.models import Contact, Conversation
from templates_mgr.models import MessageTemplate, TemplateSyncState

from ..conftest import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, WABA_ID
from .conftest import TEMPLATES_URL

pytestmark = pytest.mark.django_db
HELLO = {"id": "777", "name": "hello_world", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
         "components": [{"type": "BODY", "text": "Hello World"}]}


@pytest.fixture
def meta_lists_hello_world(meta):
    meta.get(TEMPLATES_URL, json={"data": [HELLO]})
    return meta


def _list_calls(meta) -> int:
    return sum(1 for call in meta.calls if call.request.url.startswith(TEMPLATES_URL))


def _connect():
    account = connect_account(credentials=AccountCredentials(
        waba_id=WABA_ID, phone_number_id=PHONE_NUMBER_ID, access_token=ACCESS_TOKEN, app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN, display_phone_number="15550783881",
    ))
    return account.phone_numbers.get()


def test_it_syncs_an_account_as_soon_as_it_is_connected(meta_lists_hello_world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phone = _connect()

    hello = MessageTemplate.objects.get(account=phone.account, name="hello_world")
    assert hello.status == "APPROVED"
    assert TemplateSyncState.objects.get(account=phone.account).last_success_at is not None


def test_connecting_again_within_five_minutes_asks_meta_once(meta_lists_hello_world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phone = _connect()
        _connect()
    assert _list_calls(meta_lists_hello_world) == 1

    TemplateSyncState.objects.filter(account=phone.account).update(
        last_attempt_at=timezone.now() - timedelta(minutes=6)
    )
    with django_capture_on_commit_callbacks(execute=True):
        _connect()
    assert _list_calls(meta_lists_hello_world) == 2


@pytest.fixture
def closed_conversation(phone):
    contact = Contact.objects.create(account=phone.account, wa_id="447700900123", name="Sheena")
    return Conversation.objects.create(contact=contact, phone_number=phone)


def _picker(client, conversation):
    return client.get(reverse("templates_mgr:conversation-send", args=[conversation.pk]), HTTP_HX_REQUEST="true")


def test_an_empty_picker_checks_meta_and_then_offers_its_templates(
    client, operator, closed_conversation, meta_lists_hello_world, django_capture_on_commit_callbacks
):
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = _picker(client, closed_conversation)
    assert "Checking Meta for templates…" in first.text
    assert 'hx-trigger="load delay:2s"' in first.text  # it polls until the sync is done
    for callback in queued:
        callback()  # the worker runs the sync

    then = _picker(client, closed_conversation)
    assert "hello_world (en_US)" in then.text and "Checking Meta" not in then.text
    assert _list_calls(meta_lists_hello_world) == 1


def test_an_empty_picker_asks_meta_at_most_once_in_five_minutes(
    client, operator, account, closed_conversation, meta, django_capture_on_commit_callbacks
):
    meta.get(TEMPLATES_URL, json={"data": []})
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        _picker(client, closed_conversation)
    with django_capture_on_commit_callbacks(execute=True):
        again = _picker(client, closed_conversation)

    assert _list_calls(meta) == 1
    assert "This account has no approved template yet" in again.text and "last synced with Meta" in again.text
    TemplateSyncState.objects.filter(account=account).update(
        last_attempt_at=timezone.now() - timedelta(minutes=6), last_success_at=timezone.now() - timedelta(minutes=6)
    )
    with django_capture_on_commit_callbacks(execute=True):
        _picker(client, closed_conversation)
    assert _list_calls(meta) == 2


def test_a_failing_check_says_why_instead_of_waiting(
    client, operator, closed_conversation, meta, django_capture_on_commit_callbacks
):
    meta.get(TEMPLATES_URL, status=400, json={"error": {"message": "Invalid OAuth access token.", "code": 190}})
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        _picker(client, closed_conversation)
    page = _picker(client, closed_conversation).text

    assert "Couldn't check Meta for templates: Meta refused" in page and "Checking Meta" not in page


def test_the_board_and_a_template_page_show_the_same_last_synced(
    client, account, meta_lists_hello_world, django_capture_on_commit_callbacks
):
    from accounts import roles
    from accounts.services import ensure_user

    from templates_mgr.services.sync import sync_templates

    sync_templates(account=account)
    TemplateSyncState.objects.filter(account=account).update(last_success_at=timezone.now() - timedelta(hours=3))
    manager = ensure_user(username="tm", password="pw-tm-12345", role=roles.TEMPLATE_MANAGER)
    manager.is_superuser = True  # sees every account without a number granted
    manager.save()
    client.force_login(manager)
    hello = MessageTemplate.objects.get(name="hello_world")

    board = client.get(reverse("templates_mgr:template-list")).text
    detail = client.get(reverse("templates_mgr:template-detail", args=[hello.pk])).text

    assert "last synced with Meta <time" in board and "3\xa0hours ago" in board
    said = board.split('class="last-synced">')[1].split("</span>")[0]
    assert said in detail
