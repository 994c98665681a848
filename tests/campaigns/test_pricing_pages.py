"""Settings → Prices: a price changes by a new dated row; only future rows can be deleted."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from campaigns.models import PricingRate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def test_an_administrator_adds_a_rate_and_sees_it_in_force(admin_client):
    today = timezone.localdate()

    response = admin_client.post(reverse("pricing:rate-list"), {
        "category": "marketing", "country": "gb", "price": "0.0529", "currency": "usd", "valid_from": today.isoformat()})

    assert response.status_code == 302
    rate = PricingRate.objects.get()
    assert (rate.country, rate.currency, str(rate.price)) == ("GB", "USD", "0.0529")
    page = admin_client.get(reverse("pricing:rate-list")).content.decode()
    assert "0.0529 USD" in page and "in force" in page
    assert AuditEntry.objects.filter(action="pricing_rate.add").exists()


def test_changing_a_price_adds_a_dated_row_and_keeps_the_old_one(admin_client):
    old = PricingRate.objects.create(category="utility", country="", price="0.0100", valid_from=date(2025, 7, 1))
    form = admin_client.get(reverse("pricing:rate-list"), {"from": old.pk}).content.decode()
    assert 'value="0.0100"' in form

    tomorrow = timezone.localdate() + timedelta(days=1)
    admin_client.post(reverse("pricing:rate-list"), {
        "category": "utility", "country": "", "price": "0.0120", "currency": "USD", "valid_from": tomorrow.isoformat()})

    assert [str(p) for p in PricingRate.objects.order_by("valid_from").values_list("price", flat=True)] == [
        "0.0100", "0.0120"]
    page = admin_client.get(reverse("pricing:rate-list")).content.decode()
    assert "in force" in page and f"from {tomorrow.isoformat()}" in page


def test_a_second_rate_for_the_same_day_is_refused_in_words(admin_client):
    PricingRate.objects.create(category="marketing", country="IN", price="0.0107", valid_from=date(2025, 7, 1))

    response = admin_client.post(reverse("pricing:rate-list"), {
        "category": "marketing", "country": "IN", "price": "0.02", "currency": "USD", "valid_from": "2025-07-01"})

    assert response.status_code == 400 and "There is already a rate" in response.content.decode()
    assert PricingRate.objects.count() == 1


@pytest.mark.parametrize("field, value", [("country", "GBR"), ("price", "-1"), ("currency", "US"), ("valid_from", "soon")])
def test_bad_values_are_refused(admin_client, field, value):
    data = {"category": "marketing", "country": "GB", "price": "0.05", "currency": "USD", "valid_from": "2026-01-01"}

    response = admin_client.post(reverse("pricing:rate-list"), {**data, field: value})

    assert response.status_code == 400
    assert not PricingRate.objects.exists()


def test_only_a_rate_not_yet_in_force_can_be_deleted(admin_client):
    today = timezone.localdate()
    past = PricingRate.objects.create(category="marketing", country="", price="0.05", valid_from=today)
    future = PricingRate.objects.create(category="marketing", country="", price="0.06", valid_from=today + timedelta(days=3))

    admin_client.post(reverse("pricing:rate-delete", args=[past.pk]))
    admin_client.post(reverse("pricing:rate-delete", args=[future.pk]))

    assert list(PricingRate.objects.values_list("pk", flat=True)) == [past.pk]
    assert AuditEntry.objects.filter(action="pricing_rate.delete").count() == 1


def test_the_settings_menu_links_the_prices(admin_client):
    assert f'href="{reverse("pricing:rate-list")}"' in admin_client.get(reverse("settings:home")).content.decode()


def _rates_csv(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("rates.csv", text.encode(), content_type="text/csv")


def test_rates_are_imported_from_a_csv(admin_client):
    response = admin_client.post(reverse("pricing:rate-import"), {"file": _rates_csv(
        "category,country,price,currency,valid_from\nmarketing,GB,0.0529,USD,2025-07-01\nutility,,0.0040,,2025-07-01\n")})

    assert response.status_code == 302
    assert set(PricingRate.objects.values_list("category", "country", "currency")) == {
        ("marketing", "GB", "USD"), ("utility", "", "USD")}
    assert AuditEntry.objects.filter(action="pricing_rate.add").count() == 2


def test_a_rate_csv_with_a_bad_line_adds_nothing_and_names_the_line(admin_client):
    response = admin_client.post(reverse("pricing:rate-import"), {"file": _rates_csv(
        "category,country,price,valid_from\nmarketing,GB,0.05,2025-07-01\nmarketing,FR,cheap,2025-07-01\n")})

    assert response.status_code == 400
    assert "Line 3: “cheap” is not a price." in response.content.decode()
    assert not PricingRate.objects.exists()
