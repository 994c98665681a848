"""A number's Flows encryption key: generate, upload, rotate, retire from its Settings page and with
``manage.py flow_keys``, against the simulator (which holds what is uploaded, as Meta does)."""

import io
import re

import pytest
import responses
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import roles
from accounts.models import AuditEntry, FlowKey
from accounts.services import ensure_user

from ..conftest import PHONE_NUMBER_ID

NUMBER_URL = f"/settings/numbers/{PHONE_NUMBER_ID}/"


@pytest.fixture
def administrator(phone):
    return ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)


def _held_by_meta(simulator) -> str:
    return simulator._store.get("encryption", PHONE_NUMBER_ID)["business_public_key"]


def _audits() -> list[str]:
    return list(AuditEntry.objects.filter(action__startswith="flow_key").order_by("id").values_list("action", flat=True))


def test_an_administrator_generates_uploads_rotates_and_retires_the_key(client, administrator, simulator):
    client.force_login(administrator)
    assert "No key yet" in client.get(NUMBER_URL).content.decode()

    client.post(f"{NUMBER_URL}flow-key/generate/")
    uploaded = client.post(f"{NUMBER_URL}flow-key/upload/", follow=True).content.decode()
    first = FlowKey.objects.get()
    assert "Meta has the number" in uploaded and first.state == "current" and first.uploaded_at
    assert _held_by_meta(simulator) == first.public_key
    status = client.get(f"{NUMBER_URL}flow-key/").content.decode()
    assert "VALID" in status and "Meta holds the current key" in status

    rotated = client.post(f"{NUMBER_URL}flow-key/rotate/", follow=True).content.decode()
    first.refresh_from_db()
    second = FlowKey.objects.get(state="current")
    assert first.state == "retiring" and "Retire the old key" in rotated
    assert _held_by_meta(simulator) == second.public_key

    client.post(f"{NUMBER_URL}flow-key/retire/")
    first.refresh_from_db()
    assert first.state == "retired"
    assert "Retire the old key" not in client.get(NUMBER_URL).content.decode()
    assert _audits() == ["flow_key.generate", "flow_key.upload", "flow_key.rotate", "flow_key.upload",
                         "flow_key.retire"]


def test_refused_steps_say_why_and_change_nothing(client, administrator, simulator):
    client.force_login(administrator)

    for step, reason in (("upload", "generate one first"), ("rotate", "no flow key to rotate"),
                         ("retire", "nothing to retire")):
        response = client.post(f"{NUMBER_URL}flow-key/{step}/")
        assert response.status_code == 400
        assert reason in response.content.decode()
    client.post(f"{NUMBER_URL}flow-key/generate/")
    again = client.post(f"{NUMBER_URL}flow-key/generate/")
    assert again.status_code == 400 and "rotate it" in again.content.decode()
    assert FlowKey.objects.count() == 1


@responses.activate
def test_meta_refusing_the_upload_is_shown_and_audited(client, administrator, settings):
    settings.GRAPH_API_BASE_URL = "https://graph.example"
    responses.post(re.compile(r".*/whatsapp_business_encryption"), status=400,
                   json={"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}})
    client.force_login(administrator)
    client.post(f"{NUMBER_URL}flow-key/generate/")

    response = client.post(f"{NUMBER_URL}flow-key/upload/")

    assert response.status_code == 400 and "Meta did not take the key" in response.content.decode()
    assert FlowKey.objects.get().uploaded_at is None
    entry = AuditEntry.objects.filter(action="flow_key.upload").get()
    assert entry.details["outcome"] == "failed" and entry.details["code"] == 100


def test_the_private_key_is_encrypted_at_rest(phone, simulator):
    call_command("flow_keys", phone_number_id=PHONE_NUMBER_ID, stdout=io.StringIO(), stderr=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM accounts_flowkey")
        (stored,) = cursor.fetchone()
    assert "PRIVATE KEY" not in stored
    assert "PRIVATE KEY" in FlowKey.objects.get().private_key


def test_the_command_generates_when_missing_uploads_and_prints_the_public_key(phone, simulator):
    out = io.StringIO()
    call_command("flow_keys", phone_number_id=PHONE_NUMBER_ID, stdout=out, stderr=io.StringIO())
    call_command("flow_keys", phone_number_id=PHONE_NUMBER_ID, stdout=out, stderr=io.StringIO())

    key = FlowKey.objects.get()  # the second run re-uploads the same key
    assert out.getvalue().count("BEGIN PUBLIC KEY") == 2 and key.public_key.strip() in out.getvalue()
    assert _held_by_meta(simulator) == key.public_key
    with pytest.raises(CommandError, match="No connected number"):
        call_command("flow_keys", phone_number_id="123", stdout=io.StringIO())


def test_the_command_does_every_number_for_make_run(phone, add_phone, simulator):
    add_phone("106540352242999")  # the simulator does not serve it: Meta's refusal is reported, the rest done
    err = io.StringIO()
    with pytest.raises(CommandError, match="Meta did not take the key"):
        call_command("flow_keys", all=True, stdout=io.StringIO(), stderr=err)
    assert "Meta has the flow key" in err.getvalue()
    assert _held_by_meta(simulator) == FlowKey.objects.get(phone_number=phone).public_key
