"""The insights pages as people see them: the figures, only their numbers', CSV, bad input."""

import pytest
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user
from messaging.models import Message

from .history import build_history

pytestmark = pytest.mark.django_db


def test_it_shows_a_manager_the_figures_of_their_number(client, phone, history, manager):
    client.force_login(manager)
    page = client.get(reverse("insights:conversations"), {"period": "7"}).content.decode()
    assert 'data-chart="conversations-chart-data"' in page
    assert history.olivia.username in page and "Overall" in page
    templates = client.get(reverse("insights:templates"), {"period": "7"}).content.decode()
    assert "spring_sale" in templates and "50.0 %" in templates and "131049" in templates
    cost = client.get(reverse("insights:cost"), {"period": "7"}).content.decode()
    assert "no rate" in cost and "0.0700 USD" in cost


def test_a_manager_of_one_number_sees_nothing_of_another(client, phone, add_phone, manager):
    other = add_phone("555000222", "15550002222")
    build_history(phone, prefix="a")
    build_history(other, prefix="b")
    Message.objects.filter(conversation__phone_number=other, type="template").update(
        payload={"name": "secret_offer", "language": {"code": "en_US"}})
    from insights.services.rollup import compute_days
    from insights.models import DailyFigure

    compute_days(other, set(DailyFigure.objects.filter(phone_number=other).values_list("day", flat=True)))
    client.force_login(manager)
    page = client.get(reverse("insights:templates"), {"period": "7"}).content.decode()
    assert "spring_sale" in page and "secret_offer" not in page
    conversations = client.get(reverse("insights:conversations"), {"period": "7"}).content.decode()
    assert "ben-a" in conversations and "ben-b" not in conversations
    # Asking for the other number by id is refused, not answered with its figures.
    refused = client.get(reverse("insights:templates"), {"period": "7", "number": other.pk})
    assert refused.status_code == 400 and "secret_offer" not in refused.content.decode()


def test_operators_and_strangers_get_no_insights(client, phone, operator, stranger):
    for user in (operator, stranger):
        client.force_login(user)
        assert client.get(reverse("insights:conversations")).status_code == 403


def test_a_manager_reads_conversations_but_sends_nothing_and_has_no_settings(client, phone, manager):
    client.force_login(manager)
    assert client.get(reverse("messaging:inbox")).status_code == 200
    assert client.get(reverse("settings:home")).status_code == 403
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert reverse("insights:conversations") in page and reverse("settings:home") not in page


def test_each_table_exports_as_csv_safe_for_spreadsheets(client, phone, history, manager):
    Message.objects.filter(conversation__phone_number=phone, type="template").update(
        payload={"name": "=HYPERLINK(1)", "language": {"code": "en_US"}})
    from insights.services.rollup import compute_days

    compute_days(phone, [history.day])
    client.force_login(manager)
    response = client.get(reverse("insights:templates"), {"period": "7", "format": "csv", "table": "templates"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].startswith("template,language,sent,delivered")
    assert "'=HYPERLINK(1)" in text
    days = client.get(reverse("insights:conversations"), {"period": "7", "format": "csv", "table": "days"})
    assert len(b"".join(days.streaming_content).decode().splitlines()) == 8  # header + 7 days


@pytest.mark.parametrize("query", [
    {"period": "custom", "since": "2026-02-01"},  # no last day
    {"period": "custom", "since": "2026-03-01", "until": "2026-02-01"},  # backwards
    {"period": "custom", "since": "2020-01-01", "until": "2022-01-01"},  # too long
    {"period": "custom", "since": "2026-01-01", "until": "2999-01-01"},  # the future
    {"period": "12"}, {"number": "abc"}, {"since": "yesterday", "period": "custom"},
])
def test_a_bad_period_gets_a_reason_not_a_500(client, phone, manager, query):
    client.force_login(manager)
    response = client.get(reverse("insights:conversations"), query)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode() or 'class="error"' in response.content.decode()


def test_an_unknown_csv_table_is_a_400(client, phone, manager):
    client.force_login(manager)
    response = client.get(reverse("insights:cost"), {"period": "7", "format": "csv", "table": "nope"})
    assert response.status_code == 400 and b"reconciliation" in response.content


def test_a_custom_period_shows_its_days(client, phone, history, manager):
    client.force_login(manager)
    day = history.day.isoformat()
    response = client.get(reverse("insights:conversations"),
                          {"period": "custom", "since": day, "until": day, "format": "csv", "table": "days"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"{day},4,2,3,8")


def test_an_administrator_sees_every_account(client, phone, history):
    admin = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    client.force_login(admin)
    assert "spring_sale" in client.get(reverse("insights:templates")).content.decode()
