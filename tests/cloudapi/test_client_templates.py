"""Templates at the HTTP layer: cursor-paged list, get, create, edit, delete (docs/cloudapi.md §3)."""

import json

import pytest
from responses import matchers

from cloudapi.client import TemplateCreated
from cloudapi.client.templates import TEMPLATE_FIELDS
from cloudapi.errors import ServerError

from ..conftest import fixture_bytes, load_fixture

BASE = "https://graph.example"
WABA = "102290129340398"
URL = f"{BASE}/v24.0/{WABA}/message_templates"
LISTED = load_fixture("template_list_response.json")


def first_page() -> dict:
    """Page 1 of 2: Meta's list answer when more follows carries ``paging.next``."""
    return {
        "data": [
            {
                "name": "order_update",
                "language": "pt_BR",
                "status": "REJECTED",
                "category": "UTILITY",
                "rejected_reason": "INVALID_FORMAT",
                "quality_score": {"score": "UNKNOWN", "date": 1700000000},
                "parameter_format": "NAMED",
                "components": [{"type": "BODY", "text": "Oi {{name}}"}],
                "id": "555",
            }
        ],
        "paging": {
            "cursors": {"before": "QVFIUk", "after": "MAZDZD"},
            "next": f"https://graph.facebook.com/v24.0/{WABA}/message_templates?limit=1&after=MAZDZD",
        },
    }


def test_it_lists_one_page_when_meta_sends_no_next_link(client, graph):
    graph.get(URL, body=fixture_bytes("template_list_response.json"), content_type="application/json")

    templates = client.list_templates(waba_id=WABA)

    assert [(t.id, t.name, t.language, t.status, t.category) for t in templates] == [
        ("1192339204654487", "hello_world", "en_US", "APPROVED", "MARKETING"),
        ("920070352646140", "2023_april_promo", "en_US", "APPROVED", "MARKETING"),
    ]
    assert templates[0].previous_category == "ACCOUNT_UPDATE"
    assert list(templates[1].components) == LISTED["data"][1]["components"]
    assert len(graph.calls) == 1
    request = graph.calls[0].request
    assert request.params == {"fields": ",".join(TEMPLATE_FIELDS), "limit": "100"}
    assert request.headers["Authorization"] == "Bearer secret-token"


def test_it_follows_the_after_cursor_across_pages(client, graph):
    asked = {"limit": "1", "status": "APPROVED", "fields": "id,name"}
    graph.get(URL, json=first_page(), match=[matchers.query_param_matcher(asked)])
    graph.get(
        URL,
        body=fixture_bytes("template_list_response.json"),
        content_type="application/json",
        match=[matchers.query_param_matcher({**asked, "after": "MAZDZD"})],
    )

    templates = client.list_templates(waba_id=WABA, fields=["id", "name"], limit=1, status="APPROVED")

    assert [t.id for t in templates] == ["555", "1192339204654487", "920070352646140"]
    rejected = templates[0]
    assert (rejected.rejected_reason, rejected.quality_score, rejected.parameter_format) == (
        "INVALID_FORMAT",
        "UNKNOWN",
        "NAMED",
    )
    # Only the cursor is taken from Meta's next link: the request stays on our base URL.
    assert all(call.request.url.startswith(URL) for call in graph.calls)


def test_it_takes_the_cursor_from_the_next_link_when_cursors_are_missing(client, graph):
    page = first_page()
    del page["paging"]["cursors"]
    graph.get(URL, json=page, match=[matchers.query_param_matcher({"name": "order_update"}, strict_match=False)])
    graph.get(URL, json={"data": []}, match=[matchers.query_param_matcher({"after": "MAZDZD"}, strict_match=False)])

    assert [t.id for t in client.list_templates(waba_id=WABA, name="order_update")] == ["555"]


def test_it_stops_when_meta_repeats_a_cursor(client, graph):
    graph.get(URL, json=first_page())

    templates = client.list_templates(waba_id=WABA)

    assert len(graph.calls) == 2  # the first page, then the same cursor again: stop, don't loop
    assert [t.id for t in templates] == ["555", "555"]


def test_it_gets_one_template_by_id(client, graph):
    graph.get(f"{BASE}/v24.0/1192339204654487", json=LISTED["data"][0])

    template = client.get_template(template_id="1192339204654487")

    assert (template.name, template.status) == ("hello_world", "APPROVED")
    assert template.components[0] == {"type": "HEADER", "format": "TEXT", "text": "Hello World"}
    assert template.rejected_reason is None and template.message_send_ttl_seconds is None


def test_it_creates_a_template_with_metas_exact_body(client, graph):
    graph.post(URL, body=fixture_bytes("template_create_response.json"), content_type="application/json")
    expected = load_fixture("template_create_request.json")

    created = client.create_template(
        waba_id=WABA,
        name=expected["name"],
        language=expected["language"],
        category=expected["category"],
        components=expected["components"],
    )

    assert created == TemplateCreated(id="1627019861106475", status="PENDING", category="MARKETING")
    assert json.loads(graph.calls[0].request.body) == expected


def test_it_creates_a_named_parameter_template_with_a_ttl(client, graph):
    graph.post(URL, json={"id": "99", "status": "APPROVED", "category": "AUTHENTICATION"})

    created = client.create_template(
        waba_id=WABA,
        name="login_code",
        language="en_US",
        category="AUTHENTICATION",
        components=[{"type": "BODY", "add_security_recommendation": True}],
        parameter_format="NAMED",
        message_send_ttl_seconds=300,
    )

    body = json.loads(graph.calls[0].request.body)
    assert (body["parameter_format"], body["message_send_ttl_seconds"]) == ("NAMED", 300)
    assert created.status == "APPROVED"


def test_it_edits_a_template_in_place(client, graph):
    graph.post(f"{BASE}/v24.0/555", json={"success": True})
    example = {"body_text_named_params": [{"param_name": "name", "example": "Ana"}]}
    components = [{"type": "BODY", "text": "Hi {{name}}", "example": example}]

    assert client.edit_template(template_id="555", components=components, category="UTILITY") is True

    assert json.loads(graph.calls[0].request.body) == {"components": components, "category": "UTILITY"}


def test_it_refuses_an_edit_that_changes_nothing(client, graph):
    with pytest.raises(ValueError):
        client.edit_template(template_id="555")


def test_it_deletes_every_language_of_a_name(client, graph):
    graph.delete(URL, json={"success": True}, match=[matchers.query_param_matcher({"name": "order_update"})])

    assert client.delete_template(waba_id=WABA, name="order_update") is True
    assert graph.calls[0].request.body is None


def test_it_deletes_one_language_by_hsm_id(client, graph):
    one_language = matchers.query_param_matcher({"name": "order_update", "hsm_id": "555"})
    graph.delete(URL, json={"success": True}, match=[one_language])

    assert client.delete_template(waba_id=WABA, name="order_update", hsm_id="555") is True


def test_it_reports_a_refused_delete_as_false(client, graph):
    graph.delete(URL, json={"success": False})

    assert client.delete_template(waba_id=WABA, name="order_update") is False


def test_it_calls_a_list_page_without_data_malformed(client, graph):
    graph.get(URL, json={"paging": {}})

    with pytest.raises(ServerError, match="no data array"):
        client.list_templates(waba_id=WABA)
