"""The business profile at the HTTP layer (docs/cloudapi.md §6)."""

import json

import pytest
from responses import matchers

from cloudapi.client import BusinessProfileInfo
from cloudapi.errors import ServerError

from ..conftest import fixture_bytes

BASE = "https://graph.example"
PHONE = "106540352242922"
URL = f"{BASE}/v24.0/{PHONE}/whatsapp_business_profile"


def test_it_reads_the_profile_customers_see(client, graph):
    graph.get(
        URL,
        body=fixture_bytes("business_profile_get_response.json"),
        content_type="application/json",
        match=[
            matchers.query_param_matcher(
                {"fields": "about,address,description,email,profile_picture_url,websites,vertical"}
            )
        ],
    )

    profile = client.get_business_profile(phone_number_id=PHONE)

    assert profile == BusinessProfileInfo(
        about="My Butterfly Business sells butterflies",
        address="101 Butterfly Ln., Butterfly, Ohio",
        description="We sell butterflies.",
        email="butterflies@butterflies.com",
        profile_picture_url="2:c2FtcGxl...",
        websites=("https://www.butterflies.com/", "https://www.butterflies.com/amea/"),
        vertical="INDUSTRY",
    )


def test_it_reads_a_bare_profile_as_empty_fields(client, graph):
    graph.get(URL, json={"data": [{"messaging_product": "whatsapp", "about": "Hi"}]})

    assert client.get_business_profile(phone_number_id=PHONE) == BusinessProfileInfo(about="Hi")


def test_it_calls_a_profile_answer_without_data_malformed(client, graph):
    graph.get(URL, json={"data": []})

    with pytest.raises(ServerError):
        client.get_business_profile(phone_number_id=PHONE)


def test_it_updates_only_the_fields_given(client, graph):
    graph.post(URL, json={"success": True})

    done = client.update_business_profile(
        phone_number_id=PHONE, about="Open 9-5", websites=["https://acme.example/"], profile_picture_handle="4::aW"
    )

    assert done is True
    assert json.loads(graph.calls[0].request.body) == {
        "messaging_product": "whatsapp",
        "about": "Open 9-5",
        "websites": ["https://acme.example/"],
        "profile_picture_handle": "4::aW",
    }


def test_it_accepts_an_update_answer_that_echoes_the_profile(client, graph):
    graph.post(URL, json={"data": [{"about": "Open 9-5", "messaging_product": "whatsapp"}]})

    assert client.update_business_profile(phone_number_id=PHONE, about="Open 9-5") is True


def test_it_refuses_an_update_without_fields(client, graph):
    with pytest.raises(ValueError):
        client.update_business_profile(phone_number_id=PHONE)
