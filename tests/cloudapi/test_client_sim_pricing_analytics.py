"""pricing_analytics: the client reads Meta's shape; the simulator refuses a malformed request."""

import re
from decimal import Decimal

import pytest
import responses

from .sim_env import CUSTOMER, PHONE, WABA

from cloudapi.client import CloudApiClient
from cloudapi.errors import CloudApiError


@responses.activate
def test_the_client_reads_metas_data_points():
    responses.add(responses.GET, re.compile(r"https://graph\.test/v24\.0/123.*"), json={
        "pricing_analytics": {"data": [{"data_points": [
            {"start": 1764547200, "end": 1764633600, "volume": 3, "cost": 0.075, "pricing_category": "MARKETING",
             "pricing_type": "REGULAR", "country": "GB", "phone_number": "15550783881"}]}]}, "id": "123"})
    client = CloudApiClient(access_token="t", base_url="https://graph.test", version="v24.0")
    [point] = client.pricing_analytics(waba_id="123", start=1764547200, end=1764633600)
    assert (point.volume, point.cost, point.pricing_category, point.country) == (3, Decimal("0.075"), "MARKETING", "GB")
    fields = responses.calls[0].request.params["fields"]
    assert fields.startswith("pricing_analytics.start(1764547200).end(1764633600).granularity(DAILY)")
    assert "dimensions([PRICING_CATEGORY,PRICING_TYPE,COUNTRY,PHONE])" in fields


def test_the_simulator_refuses_a_period_without_its_end(sim_env):
    client = sim_env.client()
    with pytest.raises(CloudApiError) as refused:
        client._request("GET", f"/{WABA}", params={"fields": "pricing_analytics.start(10).granularity(DAILY)"})
    assert refused.value.code == 100
    # Without pricing_analytics it is still the WABA node.
    assert client.get_business_account(waba_id=WABA).id == WABA
    # Nothing delivered yet: no data points.
    assert client.pricing_analytics(waba_id=WABA, start=0, end=2_000_000_000) == []


def test_the_simulator_reports_what_it_delivered_and_its_price(sim_env):
    client = sim_env.client()
    client.send_template(phone_number_id=PHONE, to=CUSTOMER, name="hello_world", language="en_US")
    sim_env.customer_writes()
    client.send_text(phone_number_id=PHONE, to=CUSTOMER, body="Thanks!")  # in the window: free
    points = client.pricing_analytics(waba_id=WABA, start=0, end=2_000_000_000)
    by_type = {point.pricing_type: point for point in points}
    assert by_type["REGULAR"].volume == 1 and by_type["REGULAR"].cost == Decimal("0.004")
    assert by_type["REGULAR"].pricing_category == "UTILITY" and by_type["REGULAR"].country == "US"
    assert by_type["FREE_CUSTOMER_SERVICE"].volume == 1 and by_type["FREE_CUSTOMER_SERVICE"].cost == 0
    assert {point.end - point.start for point in points} == {86400}
