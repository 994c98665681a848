"""Logins are throttled per username and per client address, and say when to try again."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts import roles
from accounts.services import ensure_user

from . import counting_hasher

LOGIN_URLS = ["/login/", "/admin/login/"]


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    return settings


@pytest.fixture
def admin_user(db):
    return ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR, superuser=True)


def _login(client, url, username, password, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_it_refuses_the_right_password_after_too_many_wrong_ones(client, limits, admin_user, url):
    for _ in range(5):  # past the limit of 3: the lock holds however many more come
        _login(client, url, "ada", "wrong")

    response = _login(client, url, "ada", "pw-ada-123")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Logins paused" in page and "3 failed login attempts" in page
    retry_at = timezone.localtime(timezone.now() + timedelta(minutes=15))
    assert "Try again after" in page and "in about 15 minutes" in page
    assert retry_at.strftime("%-d %b %Y") in page
    assert 'href="/static/console/console.css"' in page  # the console's look, also for the admin


def test_it_logs_in_below_the_limit_and_forgets_the_failures(client, limits, admin_user):
    for _ in range(2):
        _login(client, "/login/", "ada", "wrong")

    response = _login(client, "/login/", "ada", "pw-ada-123")

    assert response.status_code == 302 and client.session["_auth_user_id"] == str(admin_user.pk)
    assert not AccessAttempt.objects.filter(username="ada").exists()


def test_it_locks_the_username_from_every_address(client, limits, admin_user):
    for n in range(3):
        _login(client, "/login/", "ada", "wrong", REMOTE_ADDR=f"203.0.113.{n}")

    response = _login(client, "/login/", "ada", "pw-ada-123", REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 429


def test_it_locks_an_address_that_tries_many_usernames(client, limits, admin_user, operator):
    for name in ("root", "admin", "test"):
        _login(client, "/login/", name, "guess", REMOTE_ADDR="203.0.113.9")

    blocked = _login(client, "/login/", "olivia", "pw-olivia-123", REMOTE_ADDR="203.0.113.9")
    elsewhere = _login(client, "/login/", "olivia", "pw-olivia-123", REMOTE_ADDR="198.51.100.7")

    assert blocked.status_code == 429
    assert elsewhere.status_code == 302


def test_it_does_not_believe_x_forwarded_for_unless_told_to(client, limits, operator):
    for n in range(3):
        _login(client, "/login/", f"guess{n}", "x", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    response = _login(client, "/login/", "olivia", "pw-olivia-123", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.200")

    assert response.status_code == 429


def test_behind_a_named_proxy_the_client_address_comes_from_its_header(client, limits, operator):
    limits.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_REAL_IP",)
    limits.AXES_IPWARE_PROXY_ORDER = "right-most"
    for n in range(3):
        _login(client, "/login/", f"guess{n}", "x", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.9")

    other_client = _login(client, "/login/", "olivia", "pw-olivia-123", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="198.51.100.7")

    assert other_client.status_code == 302
    assert AccessAttempt.objects.filter(ip_address="203.0.113.9").exists()


def test_the_lock_lifts_after_the_cool_off(client, limits, admin_user):
    for _ in range(3):
        _login(client, "/login/", "ada", "wrong")
    # As if the cool-off had passed since the last failure.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = _login(client, "/login/", "ada", "pw-ada-123")

    assert response.status_code == 302


def test_the_password_is_hashed_once_for_unknown_known_and_locked_out_usernames(db, client, limits):
    limits.PASSWORD_HASHERS = ["tests.accounts.counting_hasher.CountingHasher"]
    get_user_model().objects.create_user(username="kim", password="pw-kim-123")
    get_user_model().objects.create_user(username="lee", password="pw-lee-123")
    for _ in range(3):
        _login(client, "/login/", "lee", "wrong", REMOTE_ADDR="203.0.113.1")
    work = {}

    for case, username, address in [
        ("unknown", "nobody", "198.51.100.1"),
        ("known", "kim", "198.51.100.2"),
        ("locked out", "lee", "198.51.100.3"),
    ]:
        counting_hasher.calls.clear()
        response = _login(client, "/login/", username, "wrong", REMOTE_ADDR=address)
        assert response.status_code in (200, 429)
        work[case] = len(counting_hasher.calls)

    assert work == {"unknown": 1, "known": 1, "locked out": 1}


def test_setup_demo_unlocks_the_demo_logins(db, client, limits):
    call_command("setup_demo")
    for _ in range(3):
        _login(client, "/login/", "operator", "wrong", REMOTE_ADDR="203.0.113.1")
    assert _login(client, "/login/", "operator", "operator", REMOTE_ADDR="198.51.100.1").status_code == 429

    call_command("setup_demo")

    assert _login(client, "/login/", "operator", "operator", REMOTE_ADDR="198.51.100.1").status_code == 302


@pytest.mark.parametrize(
    "password, complaint",
    [
        ("4829305718", "entirely numeric"),
        ("short1!", "too short"),
        ("password123", "too common"),
        ("olivia-nguyen", "too similar"),
    ],
)
def test_weak_passwords_are_refused(db, password, complaint):
    user = get_user_model()(username="olivia-nguyen")
    with pytest.raises(ValidationError, match=complaint):
        validate_password(password, user=user)


def test_an_idle_session_expires_and_a_used_one_stays(client, operator, settings):
    settings.SESSION_REFRESH_SECONDS = 0  # as if every request came a refresh interval after the last
    client.force_login(operator)
    assert client.get("/").status_code == 200
    from django.contrib.sessions.models import Session

    session = Session.objects.get()
    # As if the last request had been nearly an idle period ago: a request renews the session.
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/").status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_a_session_is_refreshed_at_most_once_per_interval(client, operator, settings):
    from django.contrib.sessions.models import Session

    client.force_login(operator)
    client.get("/")
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))

    client.get("/")  # a poll seconds later

    assert Session.objects.get().expire_date < timezone.now() + timedelta(minutes=2)
