"""Shared fixtures: an account with numbers, users in every role, signed webhook posts.

The default run opens no socket except loopback: HTTP to Meta is faked with ``responses`` or
served by the simulator on 127.0.0.1.
"""

import gc
import json
import os
import socket
import threading
from pathlib import Path

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import BusinessAccount, PhoneNumber
from accounts.services import ensure_user, grant_phone_number
from cloudapi.signature import sign

FIXTURES = Path(__file__).parent / "fixtures" / "cloudapi"
APP_SECRET = "test-app-secret"
ACCESS_TOKEN = "test-access-token"
VERIFY_TOKEN = "test-verify-token"
# The phone number id and WABA id of webhook_message_text.json, so real payloads route to it.
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"


_real_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
        raise OSError(f"Tests may not open network connections (tried {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    socket.socket.connect = _loopback_only
    yield
    socket.socket.connect = _real_connect


_forcing_login = threading.local()


def _axes_unless_forced(sender, request, user, **kwargs):
    if not getattr(_forcing_login, "active", False):
        from axes.signals import handle_user_logged_in

        handle_user_logged_in(sender=sender, request=request, user=user, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def _force_login_past_axes():
    """``client.force_login`` logs in as Django's does (the session, the CSRF token, last_login)
    but without django-axes' bookkeeping of a password login: an access-log row, the user's failed
    attempts cleared and four log lines were most of its cost, paid ~1,200 times a run. Logins
    through the form (tests/accounts/test_logins.py) are counted by axes as in production."""
    from axes.signals import handle_user_logged_in
    from django.contrib.auth.signals import user_logged_in
    from django.test.client import ClientMixin

    forced = ClientMixin.force_login

    def force_login(self, user, backend=None):
        _forcing_login.active = True
        try:
            forced(self, user, backend)
        finally:
            _forcing_login.active = False

    user_logged_in.disconnect(handle_user_logged_in)
    user_logged_in.connect(_axes_unless_forced, dispatch_uid="tests.axes_unless_forced")
    ClientMixin.force_login = force_login
    yield
    ClientMixin.force_login = forced
    user_logged_in.disconnect(dispatch_uid="tests.axes_unless_forced")
    user_logged_in.connect(handle_user_logged_in)


@pytest.fixture(autouse=True, scope="session")
def _rate_limit_file():
    """The run's own limiter file (config/settings/test.py) is removed when the run ends."""
    yield
    from django.conf import settings

    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(str(settings.RATE_LIMIT_FILE) + suffix)
        except (FileNotFoundError, AttributeError):
            pass


@pytest.fixture(autouse=True)
def _fresh_rate_limiter(_rate_limit_file):
    """Every test starts with an empty send rate limiter (its file is this run's own), so one
    test's sends never make another's wait. Opened only by a test that sends."""
    yield
    from messaging.services import rate_limit

    store = rate_limit.backend()
    if getattr(store, "opened", False):
        store.clear()


def pytest_configure(config):
    # A test run makes millions of short-lived objects and few cycles: collecting the youngest
    # generation every 700 allocations (Python's default) cost about a tenth of the run.
    gc.set_threshold(50_000, 20, 100)


def pytest_collection_finish(session):
    # What collection built (modules, test items, fixtures) lives to the end: keep the collector off it.
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``migrations`` need the real migrations: skipped when the test database is
    made from the models (``--nomigrations``, the default), run with ``--migrations``."""
    if not config.getoption("nomigrations", default=False):
        return
    skip = pytest.mark.skip(reason="needs the real migrations: run with --migrations (.ci/run does)")
    for item in items:
        if item.get_closest_marker("migrations"):
            item.add_marker(skip)


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def account(db) -> BusinessAccount:
    return BusinessAccount.objects.create(
        name="Acme",
        waba_id=WABA_ID,
        access_token=ACCESS_TOKEN,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
    )


@pytest.fixture
def phone(account) -> PhoneNumber:
    return PhoneNumber.objects.create(
        account=account, phone_number_id=PHONE_NUMBER_ID, display_phone_number="15550783881", verified_name="Acme"
    )


@pytest.fixture
def add_phone(account):
    """Connect another number of the same account (fixtures use several phone number ids)."""

    def _add(phone_number_id: str, display: str = "15550000000") -> PhoneNumber:
        return PhoneNumber.objects.create(account=account, phone_number_id=phone_number_id, display_phone_number=display)

    return _add


@pytest.fixture
def operator(phone):
    user = ensure_user(username="olivia", password="pw-olivia-123", role=roles.OPERATOR)
    grant_phone_number(user=user, phone_number=phone)
    return user


def user_of_another_account(*, username: str, role: str):
    """A user of the business "Other" (its own WABA, secret and number), holding ``role`` there."""
    other = BusinessAccount.objects.create(
        name="Other", waba_id="999", access_token="x", app_secret="other-secret", verify_token="y"
    )
    other_phone = PhoneNumber.objects.create(account=other, phone_number_id="999001", display_phone_number="15559990000")
    user = ensure_user(username=username, password=f"pw-{username}-123", role=role)
    grant_phone_number(user=user, phone_number=other_phone)
    return user


@pytest.fixture
def stranger(db):
    """An operator of another business: must never see our conversations."""
    return user_of_another_account(username="sam", role=roles.OPERATOR)


@pytest.fixture
def no_role_user(phone, django_user_model):
    """Granted the number but holding no role: has no console permissions."""
    user = django_user_model.objects.create_user(username="nora", password="pw-nora-123")
    grant_phone_number(user=user, phone_number=phone)
    return user


@pytest.fixture
def post_webhook(client, django_capture_on_commit_callbacks):
    """POST raw bytes, a dict, or the name of a file in fixtures/cloudapi/ (its bytes, exactly) to the
    webhook, signed with ``secret`` (the account's by default): ``post_webhook("webhook_message_text.json")``.

    Commit callbacks run, so the (eager) processing task runs as it would after a real commit.
    """

    def _post(body, *, secret: str | None = APP_SECRET, headers: dict | None = None):
        raw = fixture_bytes(body) if isinstance(body, str) else body if isinstance(body, bytes) else json.dumps(body).encode()
        extra = dict(headers or {})
        if secret is not None:
            extra["HTTP_X_HUB_SIGNATURE_256"] = sign(raw, secret)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("messaging:webhook"), data=raw, content_type="application/json", **extra)

    return _post


def skip_unless_required(reason: str, *, required_by: str) -> None:
    """Skip where the means are missing, but fail when ``required_by`` is set (``.ci/run`` sets it)."""
    if os.environ.get(required_by):
        pytest.fail(f"{reason} ({required_by} is set, so this test must run)")
    pytest.skip(reason)


@pytest.fixture
def simulator(settings):
    """The Cloud API simulator on loopback, holding our test account's number, in manual mode:
    its webhooks wait in ``take_webhooks()`` until a test delivers them."""
    from cloudapi.simulator import SimNumber, Simulator, SimulatorConfig, serve

    number = SimNumber(
        phone_number_id=PHONE_NUMBER_ID,
        display_phone_number="15550783881",
        waba_id=WABA_ID,
        access_token=ACCESS_TOKEN,
        app_secret=APP_SECRET,
        verified_name="Acme",
    )
    sim = Simulator(SimulatorConfig(numbers=[number], auto_dispatch=False, status_delays=(0.0, 0.0, 0.0)))
    running = serve(sim)
    settings.GRAPH_API_BASE_URL = running.url
    yield sim
    running.shutdown()
    sim.close()


@pytest.fixture
def deliver_webhooks(client, django_capture_on_commit_callbacks):
    """POST everything the simulator has queued to our receiver, exactly as signed; returns the codes."""

    def _deliver(sim) -> list[int]:
        codes = []
        for body, headers in sim.take_webhooks():
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    reverse("messaging:webhook"),
                    data=body,
                    content_type=headers["Content-Type"],
                    HTTP_X_HUB_SIGNATURE_256=headers["X-Hub-Signature-256"],
                )
            codes.append(response.status_code)
        return codes

    return _deliver


@pytest.fixture
def read_thread(client, operator):
    """The HTML of a conversation's thread as an operator granted its number sees it."""

    def _read(conversation) -> str:
        grant_phone_number(user=operator, phone_number=conversation.phone_number)
        client.force_login(operator)
        response = client.get(reverse("messaging:conversation-messages", args=[conversation.pk]))
        assert response.status_code == 200
        return response.content.decode()

    return _read


@pytest.fixture
def templates_uncaptured():
    """Templates render as in production: the test client keeps no copy of each template's context.
    For the sweeps, which make thousands of requests and read only the answers (copying every
    included template's context cost them about a fifth of their time)."""
    from django.template import Template
    from django.test.utils import _TestState

    instrumented, Template._render = Template._render, _TestState.saved_data.template_render
    yield
    Template._render = instrumented
