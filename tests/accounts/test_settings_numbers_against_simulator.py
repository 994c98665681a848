"""Settings → Phone numbers end to end against the simulator: sync, code, register, the 72-hour
counter and Meta's 133016 lock, deregister; and a quality webhook reaching the page, the banner
and the administrators' mailbox."""

import pytest
from django.core import mail

from accounts import roles
from accounts.models import AuditEntry
from accounts.services import ensure_user
from cloudapi.client import CloudApiClient

from ..conftest import ACCESS_TOKEN, PHONE_NUMBER_ID

NUMBER_URL = f"/settings/numbers/{PHONE_NUMBER_ID}/"


@pytest.fixture
def administrator(phone):
    user = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    user.email = "ada@example.com"
    user.save()
    return user


def _actions() -> list[tuple[str, str]]:
    return [(e.action, e.details.get("outcome")) for e in AuditEntry.objects.filter(action__startswith="phone_number")
            .order_by("id")]


def test_an_administrator_syncs_verifies_registers_and_meets_metas_lock(
    client, administrator, account, simulator, settings
):
    client.force_login(administrator)

    synced = client.post("/settings/numbers/sync/", {"account": account.pk}, follow=True).content.decode()
    requested = client.post(f"{NUMBER_URL}request-code/",
                            {"request_code-code_method": "SMS", "request_code-language": "en_US"}, follow=True)
    verified = client.post(f"{NUMBER_URL}verify-code/", {"verify_code-code": "123456"}, follow=True)
    registered = client.post(f"{NUMBER_URL}register/", {"register-pin": "246810"}, follow=True).content.decode()
    asked = client.get(f"{NUMBER_URL}deregister/").content.decode()
    deregistered = client.post(f"{NUMBER_URL}deregister/", {"confirm": "on"}, follow=True).content.decode()

    assert "1 number read from Meta" in synced and '<td data-label="Status">Connected</td>' in synced
    assert "Meta is sending the code" in requested.content.decode()
    assert "The number is verified" in verified.content.decode()
    assert "Register: <strong>9 of 10 left</strong>" in registered
    assert "Deregister: <strong>10 of 10 left</strong>" in asked
    assert "Deregister: <strong>9 of 10 left</strong>" in deregistered
    assert simulator.number_state(PHONE_NUMBER_ID)["status"] == "DISCONNECTED"
    assert simulator.registration_limits(PHONE_NUMBER_ID)["register"]["used"] == 1

    # Another tool uses the rest of Meta's allowance: Meta's 133016 is what the console learns.
    other_tool = CloudApiClient(access_token=ACCESS_TOKEN, base_url=settings.GRAPH_API_BASE_URL, version="v24.0")
    for _ in range(9):
        other_tool.register(phone_number_id=PHONE_NUMBER_ID, pin="246810")
    locked = client.post(f"{NUMBER_URL}register/", {"register-pin": "246810"})

    page = locked.content.decode()
    assert locked.status_code == 400
    assert "has locked this number for register and deregister for 72 hours" in page
    assert "Locked by Meta (133016)" in page and "71 h 59 min left" in page
    assert _actions() == [
        ("phone_numbers.sync", "ok"),
        ("phone_number.request_code", "ok"),
        ("phone_number.verify_code", "ok"),
        ("phone_number.register", "ok"),
        ("phone_number.deregister", "ok"),
        ("phone_number.register", "failed"),
    ]


def test_a_quality_webhook_changes_the_page_and_tells_the_administrators(
    client, administrator, phone, simulator, deliver_webhooks, settings
):
    settings.EMAIL_HOST = "smtp.example.com"  # configured: Django's test runner keeps mail in mail.outbox
    client.force_login(administrator)
    before = client.get(f"{NUMBER_URL}status/").content.decode()

    simulator.set_number_quality(PHONE_NUMBER_ID, "RED")
    assert deliver_webhooks(simulator) == [200]

    after = client.get(f"{NUMBER_URL}status/").content.decode()
    console = client.get("/").content.decode()
    assert 'quality-unknown' in before and 'class="quality quality-red">Low' in after
    assert "Quality dropped to Low: +15550783881" in after
    assert "Quality dropped to Low: +15550783881" in console
    assert f'href="/settings/numbers/{PHONE_NUMBER_ID}/health/">Health of the number' in console
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert "Quality dropped to Low" in mail.outbox[0].subject
    assert f"/settings/numbers/{PHONE_NUMBER_ID}/health/" in mail.outbox[0].body


def test_the_sync_numbers_command_learns_the_portfolio_messaging_limit(account, phone, simulator, capsys):
    """`make run` runs it once the simulator is up, so a campaign's dry run can check the limit."""
    from django.core.management import CommandError, call_command

    account.messaging_limit_tier = ""
    account.save()

    call_command("sync_numbers")

    account.refresh_from_db()
    assert account.messaging_limit_tier == "TIER_250"  # the simulator's default tier
    assert f"({account.waba_id}): 1 number read from Meta." in capsys.readouterr().out
    with pytest.raises(CommandError, match="No business account with WABA id 999"):
        call_command("sync_numbers", "--account", "999")
