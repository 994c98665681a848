"""Template management through the client against a running simulator: create → review → list (every
page) → get → edit → delete by name and by id, with Meta's rules and webhooks."""

from __future__ import annotations

from typing import Any

import pytest

from cloudapi.client import CloudApiClient, TemplateCreated, TemplateInfo
from cloudapi.client.templates import TEMPLATE_FIELDS
from cloudapi.errors import CloudApiError

from .sim_env import (
    WABA,
    SimEnv,
    assert_graph_error,
    unique,
    webhook_values,
)

pytestmark = pytest.mark.against_simulator

BODY = [{"type": "BODY", "text": "Hi {{1}}, your order is ready.", "example": {"body_text": [["Ada"]]}}]
WITH_TTL = (*TEMPLATE_FIELDS, "message_send_ttl_seconds")
NEW_BODY = [{"type": "BODY", "text": "Hello {{1}}, your order is ready for pickup.",
             "example": {"body_text": [["Ada"]]}}]


def create(client: CloudApiClient, name: str, *, language: str = "en_US", category: str = "UTILITY",
           components: list[dict[str, Any]] = BODY) -> TemplateCreated:
    return client.create_template(waba_id=WABA, name=name, language=language, category=category,
                                  components=components)


def test_it_creates_a_template_that_is_reviewed_and_announced_by_webhook(sim_env: SimEnv,
                                                                         client: CloudApiClient) -> None:
    name = unique("order_ready")

    created = client.create_template(waba_id=WABA, name=name, language="en_US", category="UTILITY",
                                     components=BODY, parameter_format="POSITIONAL", message_send_ttl_seconds=3600)

    assert isinstance(created, TemplateCreated)
    assert created.id.isdigit()
    assert (created.status, created.category) == ("PENDING", "UTILITY")
    template = client.get_template(template_id=created.id)
    assert isinstance(template, TemplateInfo)
    assert (template.id, template.name, template.language) == (created.id, name, "en_US")
    assert template.status == "APPROVED"  # review_delay 0: decided on the next request
    assert template.category == "UTILITY"
    assert template.parameter_format == "POSITIONAL"
    assert template.components == tuple(BODY)
    assert template.quality_score == "UNKNOWN"
    # The TTL is not among the default fields (the product's sync asks for it, as here).
    assert template.message_send_ttl_seconds is None
    assert client.get_template(template_id=created.id, fields=WITH_TTL).message_send_ttl_seconds == 3600
    [update] = webhook_values(sim_env.sim, "message_template_status_update")
    assert (update["event"], update["message_template_id"], update["message_template_name"]) == (
        "APPROVED", int(created.id), name)


def test_it_reads_the_rejection_reason_of_a_rejected_template(client: CloudApiClient) -> None:
    created = create(client, unique("reject_me"))

    template = client.get_template(template_id=created.id)

    assert (template.status, template.rejected_reason) == ("REJECTED", "INVALID_FORMAT")


def test_it_keeps_a_template_pending_until_meta_reviews_it(make_env: Any) -> None:
    env = make_env(template_review_outcome="manual")
    client = env.client()
    created = create(client, unique("manual"))

    assert client.get_template(template_id=created.id).status == "PENDING"
    env.sim.approve_template(created.id)
    assert client.get_template(template_id=created.id).status == "APPROVED"


def test_it_lists_every_template_across_pages(sim_env: SimEnv, client: CloudApiClient) -> None:
    names = [unique("paged") for _ in range(5)]
    for name in names:
        create(client, name)
    before = len(sim_env.sim.request_log())

    templates = client.list_templates(waba_id=WABA, limit=2)

    assert [t.name for t in templates] == ["hello_world", *names]
    assert all(isinstance(t, TemplateInfo) and t.id.isdigit() for t in templates)
    assert {t.status for t in templates} == {"APPROVED"}
    pages = [entry for entry in sim_env.sim.request_log()[before:] if entry["method"] == "GET"]
    assert len(pages) == 3  # 6 templates, 2 per page


def test_it_lists_templates_by_status_and_name(client: CloudApiClient) -> None:
    approved = unique("filter_ok")
    rejected = unique("filter_reject")
    create(client, approved)
    create(client, rejected)

    assert [t.name for t in client.list_templates(waba_id=WABA, status="REJECTED")] == [rejected]
    assert [t.name for t in client.list_templates(waba_id=WABA, name=approved)] == [approved]
    assert client.list_templates(waba_id=WABA, name="no_such_template_anywhere") == []


def test_it_lists_only_the_fields_asked_for(client: CloudApiClient) -> None:
    [hello] = client.list_templates(waba_id=WABA, fields=("name", "status"))

    assert (hello.name, hello.status, hello.language, hello.components) == ("hello_world", "APPROVED", None, ())


def test_it_edits_an_approved_template_once_a_day(sim_env: SimEnv, client: CloudApiClient) -> None:
    created = create(client, unique("editable"))
    assert client.get_template(template_id=created.id).status == "APPROVED"

    assert client.edit_template(template_id=created.id, components=NEW_BODY, message_send_ttl_seconds=7200) is True

    edited = client.get_template(template_id=created.id, fields=WITH_TTL)
    assert edited.components == tuple(NEW_BODY)
    assert edited.message_send_ttl_seconds == 7200
    assert edited.status == "APPROVED"  # back through review
    with pytest.raises(CloudApiError) as caught:
        client.edit_template(template_id=created.id, components=BODY)
    assert_graph_error(caught.value, code=100, http_status=400, retryable=False,
                       details="once every 24 hours")


def test_it_cannot_change_the_category_of_an_approved_template_but_can_of_a_rejected_one(
    client: CloudApiClient,
) -> None:
    approved = create(client, unique("cat_ok"))
    rejected = create(client, unique("cat_reject"))

    with pytest.raises(CloudApiError) as caught:
        client.edit_template(template_id=approved.id, category="MARKETING")
    assert client.edit_template(template_id=rejected.id, category="MARKETING") is True

    assert_graph_error(caught.value, code=100, http_status=400, retryable=False)
    assert client.get_template(template_id=rejected.id).category == "MARKETING"
    with pytest.raises(ValueError):
        client.edit_template(template_id=approved.id)


def test_it_deletes_one_language_by_hsm_id_and_every_language_by_name(client: CloudApiClient) -> None:
    name = unique("bilingual")
    english = create(client, name, language="en_US")
    spanish = create(client, name, language="es")
    french = create(client, name, language="fr")

    assert client.delete_template(waba_id=WABA, name=name, hsm_id=spanish.id) is True
    assert {t.id for t in client.list_templates(waba_id=WABA, name=name)} == {english.id, french.id}

    assert client.delete_template(waba_id=WABA, name=name) is True
    assert client.list_templates(waba_id=WABA, name=name) == []
    with pytest.raises(CloudApiError) as gone:
        client.get_template(template_id=english.id)
    assert_graph_error(gone.value, code=100, subcode=33, http_status=400, retryable=False)


def test_it_gets_errors_deleting_unknown_or_disabled_templates(sim_env: SimEnv, client: CloudApiClient) -> None:
    disabled = sim_env.sim.add_template(name=unique("disabled"))
    sim_env.sim.disable_template(disabled["id"])

    with pytest.raises(CloudApiError) as unknown:
        client.delete_template(waba_id=WABA, name=unique("never_there"))
    with pytest.raises(CloudApiError) as refused:
        client.delete_template(waba_id=WABA, name=disabled["name"])

    assert_graph_error(unknown.value, code=100, http_status=400, retryable=False)
    assert_graph_error(refused.value, code=100, http_status=400, retryable=False)


def test_it_gets_meta_errors_for_bad_or_duplicate_templates(client: CloudApiClient) -> None:
    name = unique("dup")
    create(client, name)

    with pytest.raises(CloudApiError) as duplicate:
        create(client, name)
    with pytest.raises(CloudApiError) as no_body:
        create(client, unique("no_body"), components=[{"type": "FOOTER", "text": "Bye"}])
    with pytest.raises(CloudApiError) as bad_name:
        create(client, "Not A Valid Name")

    assert_graph_error(duplicate.value, code=100, subcode=2388024, http_status=400, retryable=False)
    assert duplicate.value.title == "Content in This Language Already Exists"
    for caught in (no_body, bad_name):
        assert_graph_error(caught.value, code=100, http_status=400, retryable=False)
        assert caught.value.details
