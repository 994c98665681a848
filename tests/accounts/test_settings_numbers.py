"""Settings → Phone numbers at the HTTP layer: Meta is faked with ``responses``.

Each number action shows its rule, explains Meta's refusal on its form, and leaves an audit entry.
"""

from datetime import timedelta
from datetime import timezone as dt_timezone

import pytest
import responses
from django.utils import timezone
from responses import matchers

from accounts import roles
from accounts.models import AuditEntry, PhoneNumber, RegistrationAttempt
from accounts.services import ensure_user

from ..conftest import PHONE_NUMBER_ID, WABA_ID

GRAPH = "http://graph.test/v24.0"
NUMBER_URL = f"/settings/numbers/{PHONE_NUMBER_ID}/"
SECOND_ID = "106540352242923"


@pytest.fixture
def meta():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def admin_client(client, phone):
    client.force_login(ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR))
    return client


def _number(id_, display, **extra):
    return {"id": id_, "display_phone_number": display, "verified_name": "Acme", "quality_rating": "GREEN",
            "code_verification_status": "VERIFIED", "name_status": "APPROVED", "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"}, "status": "CONNECTED", "account_mode": "LIVE",
            "whatsapp_business_manager_messaging_limit": "TIER_2K", "is_pin_enabled": True, **extra}


def _error(code, message, subcode=None, status=400):
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "T"}
    if subcode:
        error["error_subcode"] = subcode
    return {"status": status, "json": {"error": error}}


def _audit(action):
    return list(AuditEntry.objects.filter(action=action).values_list("details", flat=True))


# -- sync ---------------------------------------------------------------------------------------


def test_it_syncs_every_page_of_the_wabas_numbers(admin_client, meta, account):
    next_page = f"{GRAPH}/{WABA_ID}/phone_numbers?after=CURSOR"
    meta.get(f"{GRAPH}/{WABA_ID}/phone_numbers", match=[matchers.query_param_matcher({"after": "CURSOR"}, strict_match=False)],
             json={"data": [_number(SECOND_ID, "+1 555-000-1111", quality_rating="YELLOW")]})
    meta.get(f"{GRAPH}/{WABA_ID}/phone_numbers",
             json={"data": [_number(PHONE_NUMBER_ID, "15550783881")], "paging": {"next": next_page}})

    response = admin_client.post("/settings/numbers/sync/", {"account": account.pk}, follow=True)

    page = response.content.decode()
    assert "2 numbers read from Meta, 1 new" in page
    assert "+15550783881" in page and "+15550001111" in page
    # The list says what the number's page says, not Meta's codes.
    assert '<td data-label="Status">Connected</td>' in page and "CONNECTED" not in page
    assert '<td data-label="Messaging limit">2,000 customers / 24 h</td>' in page and "TIER_2K" not in page
    assert 'class="quality quality-yellow">Medium' in page
    new = PhoneNumber.objects.get(phone_number_id=SECOND_ID)
    assert (new.status, new.code_verification_status, new.platform_type, new.messaging_limit_tier) == (
        "CONNECTED", "VERIFIED", "CLOUD_API", "TIER_2K")
    account.refresh_from_db()
    assert account.messaging_limit_tier == "TIER_2K"
    assert _audit("phone_numbers.sync") == [{"outcome": "ok", "numbers": 2, "created": [SECOND_ID], "skipped": []}]


def test_a_sync_keeps_a_quality_change_in_the_numbers_history(admin_client, meta, account, phone):
    meta.get(f"{GRAPH}/{WABA_ID}/phone_numbers", json={"data": [_number(PHONE_NUMBER_ID, "15550783881")]})
    first = admin_client.post("/settings/numbers/sync/", {"account": account.pk}, follow=True).content.decode()
    assert "Acme: 1 number read from Meta." in first
    meta.get(f"{GRAPH}/{WABA_ID}/phone_numbers",
             json={"data": [_number(PHONE_NUMBER_ID, "15550783881", quality_rating="RED")]})
    admin_client.post("/settings/numbers/sync/", {"account": account.pk})

    page = admin_client.get(NUMBER_URL).content.decode()

    assert "Quality High → Low: +15550783881 (found by a sync)" in page
    assert 'class="quality quality-red">Low' in page


def test_it_explains_an_expired_token_when_a_sync_fails(admin_client, meta, account):
    meta.get(f"{GRAPH}/{WABA_ID}/phone_numbers", **_error(190, "Session has expired", subcode=463, status=401))

    response = admin_client.post("/settings/numbers/sync/", {"account": account.pk})

    assert response.status_code == 400
    assert "Acme: the numbers could not be read. The account&#x27;s access token has expired" in response.content.decode()
    assert _audit("phone_numbers.sync") == [{"outcome": "failed", "error_code": 190, "error_subcode": 463}]


def test_an_unknown_or_malformed_number_is_a_404(admin_client):
    assert admin_client.get("/settings/numbers/123/").status_code == 404
    assert admin_client.get("/settings/numbers/12a/").status_code == 404
    assert admin_client.post("/settings/numbers/sync/", {"account": "x"}).status_code == 400


# -- the number's page --------------------------------------------------------------------------


def test_the_number_page_shows_the_facts_and_every_rule(admin_client, phone, account):
    PhoneNumber.objects.filter(pk=phone.pk).update(status="CONNECTED", platform_type="CLOUD_API",
                                                   code_verification_status="VERIFIED", throughput_level="STANDARD")
    account.messaging_limit_tier = "TIER_10K"
    account.save()

    page = admin_client.get(NUMBER_URL).content.decode()

    assert "10,000 customers / 24 h" in page and "Per business portfolio" in page
    assert "<dt>Platform</dt><dd>Cloud API</dd>" in page and "80 messages/s" in page
    assert "10 register and 10 deregister calls per number per 72 hours" in page
    assert "Register: <strong>10 of 10 left</strong>" in page
    assert f'hx-get="/settings/numbers/{PHONE_NUMBER_ID}/status/"' in page
    assert f'href="/settings/numbers/{PHONE_NUMBER_ID}/health/"' in page


# -- codes ----------------------------------------------------------------------------------------


def test_it_requests_a_code_by_voice_in_a_language(admin_client, meta, phone):
    meta.post(f"{GRAPH}/{PHONE_NUMBER_ID}/request_code",
              match=[matchers.json_params_matcher({"code_method": "VOICE", "language": "es"})], json={"success": True})

    response = admin_client.post(f"{NUMBER_URL}request-code/",
                                 {"request_code-code_method": "VOICE", "request_code-language": "es"}, follow=True)

    assert "Meta is sending the code" in response.content.decode()
    assert _audit("phone_number.request_code") == [{"code_method": "VOICE", "language": "es", "outcome": "ok"}]


def test_a_wrong_code_is_explained_on_its_form(admin_client, meta, phone):
    meta.post(f"{GRAPH}/{PHONE_NUMBER_ID}/verify_code", **_error(136025, "(#136025) Verify code error"))

    response = admin_client.post(f"{NUMBER_URL}verify-code/", {"verify_code-code": "654321"})

    assert response.status_code == 400
    assert "The code is wrong or expired: request a new code" in response.content.decode()
    assert _audit("phone_number.verify_code") == [{"outcome": "failed", "error_code": 136025, "error_subcode": None}]


def test_a_malformed_code_or_language_never_reaches_meta(admin_client, meta, phone):
    code = admin_client.post(f"{NUMBER_URL}verify-code/", {"verify_code-code": "12ab"})
    language = admin_client.post(f"{NUMBER_URL}request-code/",
                                 {"request_code-code_method": "FAX", "request_code-language": "English"})

    assert code.status_code == language.status_code == 400
    assert "Enter exactly 6 digits." in code.content.decode()
    assert "Enter a language code such as en or en_US." in language.content.decode()
    assert "Select a valid choice" in language.content.decode()
    assert len(meta.calls) == 0 and not AuditEntry.objects.filter(action__startswith="phone_number").exists()


# -- registration -----------------------------------------------------------------------------


def test_register_counts_the_call_and_shows_what_is_left(admin_client, meta, phone):
    meta.post(f"{GRAPH}/{PHONE_NUMBER_ID}/register",
              match=[matchers.json_params_matcher({"messaging_product": "whatsapp", "pin": "246810"})],
              json={"success": True})

    page = admin_client.post(f"{NUMBER_URL}register/", {"register-pin": "246810"}, follow=True).content.decode()

    assert "The number is registered on the Cloud API." in page
    assert "Register: <strong>9 of 10 left</strong>" in page
    phone.refresh_from_db()
    assert phone.status == "CONNECTED"
    assert _audit("phone_number.register") == [{"outcome": "ok"}]
    assert "246810" not in str(AuditEntry.objects.values_list("details", flat=True))


def test_the_eleventh_register_is_refused_here_before_meta_locks_the_number(admin_client, meta, phone):
    start = timezone.now() - timedelta(hours=70)
    RegistrationAttempt.objects.bulk_create(
        RegistrationAttempt(phone_number=phone, action="register", at=start + timedelta(minutes=i), succeeded=True)
        for i in range(10))

    response = admin_client.post(f"{NUMBER_URL}register/", {"register-pin": "246810"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "All 10 register calls of the last 72 hours are used: one more would lock the number" in page
    assert "Register: <strong>0 of 10 left</strong>" in page
    # The disabled button says why, beside it.
    frees = (start + timedelta(hours=72)).astimezone(dt_timezone.utc)
    assert ('<button type="submit" disabled aria-describedby="register-why">Register</button>\n'
            f'        <span class="muted" id="register-why">No register calls left: the next one frees at '
            f'{frees:%-d %b, %H:%M} UTC</span>') in page
    assert len(meta.calls) == 0
    assert _audit("phone_number.register") == [{"outcome": "refused", "reason": "allowance used"}]


def test_metas_lock_is_shown_with_its_countdown(admin_client, meta, phone):
    meta.post(f"{GRAPH}/{PHONE_NUMBER_ID}/deregister",
              **_error(133016, "(#133016) Account register deregister rate limit exceeded"))

    response = admin_client.post(f"{NUMBER_URL}deregister/", {"confirm": "on"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "has locked this number for register and deregister for 72 hours" in page
    assert "Locked by Meta (133016)" in page and "71 h 59 min left" in page
    assert _audit("phone_number.deregister") == [{"outcome": "failed", "error_code": 133016, "error_subcode": None}]
    assert "disabled" in admin_client.get(NUMBER_URL).content.decode().split("register/")[1].split("</form>")[0]
    again = admin_client.post(f"{NUMBER_URL}register/", {"register-pin": "246810"})
    assert again.status_code == 400 and len(meta.calls) == 1
    assert "Meta has locked register and deregister for this number until" in again.content.decode()


def test_deregister_asks_first_and_does_nothing_unconfirmed(admin_client, meta, phone):
    meta.post(f"{GRAPH}/{PHONE_NUMBER_ID}/deregister", json={"success": True})

    asked = admin_client.get(f"{NUMBER_URL}deregister/")
    unconfirmed = admin_client.post(f"{NUMBER_URL}deregister/", {})
    assert len(meta.calls) == 0
    done = admin_client.post(f"{NUMBER_URL}deregister/", {"confirm": "on"}, follow=True)

    assert "it stops sending and receiving messages at once" in asked.content.decode()
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm" in unconfirmed.content.decode()
    assert "is deregistered" in done.content.decode()
    phone.refresh_from_db()
    assert phone.status == "DISCONNECTED"
    assert "Deregister: <strong>9 of 10 left</strong>" in done.content.decode()
    assert _audit("phone_number.deregister") == [{"outcome": "ok"}]


# -- two-step PIN ------------------------------------------------------------------------------


def test_it_changes_the_two_step_pin_and_never_records_it(admin_client, meta, phone):
    meta.post(f"{GRAPH}/{PHONE_NUMBER_ID}", match=[matchers.json_params_matcher({"pin": "135790"})],
              json={"success": True})

    mismatch = admin_client.post(f"{NUMBER_URL}pin/", {"pin-pin": "135790", "pin-pin_again": "135791"})
    done = admin_client.post(f"{NUMBER_URL}pin/", {"pin-pin": "135790", "pin-pin_again": "135790"}, follow=True)

    assert mismatch.status_code == 400 and "The two PINs differ." in mismatch.content.decode()
    assert "The two-step verification PIN is changed." in done.content.decode()
    assert _audit("phone_number.set_pin") == [{"outcome": "ok"}]
