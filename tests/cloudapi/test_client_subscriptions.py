"""Subscribed apps at the HTTP layer: which apps receive this WABA's webhooks (docs/cloudapi.md §5)."""

import json

import pytest

from cloudapi.client import SubscribedApp

BASE = "https://graph.example"
WABA = "102290129340398"
URL = f"{BASE}/v24.0/{WABA}/subscribed_apps"


def test_it_subscribes_our_app_to_the_waba(client, graph):
    graph.post(URL, json={"success": True})

    assert client.subscribe_app(waba_id=WABA) is True
    assert not graph.calls[0].request.body


def test_it_subscribes_with_an_override_callback(client, graph):
    graph.post(URL, json={"success": True})

    client.subscribe_app(
        waba_id=WABA, override_callback_uri="https://acme.example/webhooks/whatsapp/", verify_token="vt"
    )

    assert json.loads(graph.calls[0].request.body) == {
        "override_callback_uri": "https://acme.example/webhooks/whatsapp/",
        "verify_token": "vt",
    }


def test_it_needs_a_verify_token_for_an_override_callback(client, graph):
    with pytest.raises(ValueError):
        client.subscribe_app(waba_id=WABA, override_callback_uri="https://acme.example/hook")


def test_it_lists_the_subscribed_apps(client, graph):
    graph.get(
        URL,
        json={
            "data": [
                {
                    "whatsapp_business_api_data": {
                        "link": "https://www.facebook.com/games/?app_id=12345",
                        "name": "My App",
                        "id": "12345",
                    },
                    "override_callback_uri": "https://example.com/wa_webhook",
                },
                {"whatsapp_business_api_data": {"name": "Second", "id": "67890"}},
            ]
        },
    )

    apps = client.list_subscribed_apps(waba_id=WABA)

    assert apps == [
        SubscribedApp(
            id="12345",
            name="My App",
            link="https://www.facebook.com/games/?app_id=12345",
            override_callback_uri="https://example.com/wa_webhook",
        ),
        SubscribedApp(id="67890", name="Second"),
    ]


def test_it_unsubscribes_our_app(client, graph):
    graph.delete(URL, json={"success": True})

    assert client.unsubscribe_app(waba_id=WABA) is True
