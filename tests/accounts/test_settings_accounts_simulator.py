"""Settings → Accounts end to end against the Cloud API simulator: an administrator connects a second
account from the console and sees the connection test pass; with a bad token, the explanation."""

import time

import pytest
from django.urls import reverse

from accounts import roles
from accounts.graph import client_for
from accounts.models import BusinessAccount
from accounts.services import ensure_user
from cloudapi.simulator import demo
from cloudapi.simulator.config import SimToken

from ..conftest import ACCESS_TOKEN, APP_SECRET, WABA_ID


@pytest.fixture
def administrator(db):
    BusinessAccount.objects.create(name="First business", waba_id="999", access_token="x", app_secret="s",
                                   verify_token="v")
    return ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)


def _connect(client, token=ACCESS_TOKEN) -> str:
    page = client.post(reverse("settings:account-connect"), {
        "name": "Acme", "waba_id": WABA_ID, "app_id": demo.APP_ID, "access_token": token,
        "app_secret": APP_SECRET, "verify_token": "acme-verify",
    }, follow=True)
    assert page.status_code == 200
    return page.content.decode()


def test_an_administrator_connects_a_second_account_and_the_test_passes(simulator, client, administrator):
    client.force_login(administrator)

    html = _connect(client)

    account = BusinessAccount.objects.get(waba_id=WABA_ID)
    assert "Acme is connected. The connection test passed." in html
    assert account.connection_ok is True and account.subscribed is True
    assert [check["ok"] for check in account.connection_checks] == [True, True, True, True]
    assert "(business portfolio)" in account.owner_business_name and account.owner_business_id
    assert "Meta lists 1 phone number on this WABA." in html
    assert BusinessAccount.objects.count() == 2


def test_a_bad_token_is_explained_and_a_good_one_rotated_in_passes(simulator, client, administrator):
    client.force_login(administrator)

    html = _connect(client, token="EAAG-not-a-token-meta-knows")

    assert "The connection test failed: Meta says the access token is invalid" in html
    account = BusinessAccount.objects.get(waba_id=WABA_ID)
    rotated = client.post(reverse("settings:account-rotate", args=[account.pk]),
                          {"field": "access_token", "value": ACCESS_TOKEN}, follow=True).content.decode()
    assert "Access token replaced. The connection test passed." in rotated


def test_a_token_expiring_soon_warns_the_administrator(simulator, client, administrator):
    simulator.config.tokens.append(SimToken(token="expiring-soon-token", waba_ids=(WABA_ID,),
                                            expires_at=int(time.time()) + 2 * 86400))
    client.force_login(administrator)

    html = _connect(client, token="expiring-soon-token")

    assert "expires in less than 7 days" in html
    assert "The access token expires on" in client.get(reverse("messaging:inbox")).content.decode()


def test_an_unsubscribed_waba_is_subscribed_from_the_console(simulator, client, administrator):
    client.force_login(administrator)
    _connect(client)
    account = BusinessAccount.objects.get(waba_id=WABA_ID)
    client_for(account).unsubscribe_app(waba_id=WABA_ID)
    tested = client.post(reverse("settings:account-test", args=[account.pk]), follow=True).content.decode()
    assert "Our app is not subscribed" in tested

    html = client.post(reverse("settings:account-subscribe", args=[account.pk]), follow=True).content.decode()

    account.refresh_from_db()
    assert account.subscribed is True and "Our app is subscribed to this WABA" in html


def test_a_token_without_the_messaging_permission_is_explained(simulator, client, administrator):
    simulator.config.tokens.append(SimToken(token="management-only-token", waba_ids=(WABA_ID,),
                                            scopes=("whatsapp_business_management",)))
    client.force_login(administrator)

    html = _connect(client, token="management-only-token")

    assert "The token lacks the whatsapp_business_messaging permission" in html
    assert BusinessAccount.objects.get(waba_id=WABA_ID).connection_ok is False


# -- what `make run` offers: the demo's second account and its trial tokens -------------------------


@pytest.fixture
def embedded_simulator(settings):
    """The simulator as `make run` starts it (its command line's configuration)."""
    from cloudapi.simulator import Simulator, serve
    from cloudapi.simulator.__main__ import config_from_args, number_from, parse_args

    config = config_from_args(parse_args([]), number_from(lambda name: ""))
    config.auto_dispatch = False
    sim = Simulator(config)
    running = serve(sim)
    settings.GRAPH_API_BASE_URL = running.url
    yield sim
    running.shutdown()
    sim.close()


@pytest.mark.parametrize("token, explained", [
    (demo.SECOND_ACCESS_TOKEN, "The connection test passed."),
    (demo.EXPIRED_ACCESS_TOKEN, "expired"),
    (demo.MANAGEMENT_ONLY_ACCESS_TOKEN, "whatsapp_business_messaging"),
])
def test_the_embedded_simulator_offers_a_second_account_and_tokens_to_explain(embedded_simulator, client,
                                                                                administrator, token, explained):
    client.force_login(administrator)

    html = client.post(reverse("settings:account-connect"), {
        "name": "Demo two", "waba_id": demo.SECOND_BUSINESS_ACCOUNT_ID, "app_id": demo.APP_ID,
        "access_token": token, "app_secret": demo.APP_SECRET, "verify_token": "two-verify",
    }, follow=True).content.decode()

    assert explained in html
    assert BusinessAccount.objects.get(waba_id=demo.SECOND_BUSINESS_ACCOUNT_ID).connection_ok is (
        token == demo.SECOND_ACCESS_TOKEN)
