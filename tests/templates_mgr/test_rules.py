"""Meta's template rules (docs/cloudapi.md §3): one case per rule broken, each message on the field that
breaks it; then the send slots, the payload Meta expects, and the preview. Pure functions, no database."""

import pytest

from templates_mgr.builder import components_from_fields, fields_from_components
from templates_mgr.parameters import (
    ParameterMismatch,
    Unsendable,
    build_components,
    check_components,
    missing_values,
    render_text,
    send_slots,
)
from templates_mgr.preview import preview_of
from templates_mgr.rules import Definition, HeaderFile, describe_errors, validate_template

from .conftest import builder_data


def _definition(header_file=None, **changes) -> Definition:
    values = builder_data(**changes)
    components, _ = components_from_fields(values)
    return Definition(
        name=values.get("name", ""),
        language=values.get("language", ""),
        category=values.get("category", ""),
        parameter_format=values.get("parameter_format", "POSITIONAL"),
        components=components,
        header_file=header_file,
    )


def _buttons(*types_and_labels) -> dict:
    """Button rows 0… of the given (type, label) pairs; the defaults' two rows are cleared."""
    rows = {f"button_{row}_{attr}": None for row in range(2) for attr in ("type", "text", "url", "example")}
    for row, (kind, label) in enumerate(types_and_labels):
        rows[f"button_{row}_type"] = kind
        rows[f"button_{row}_text"] = label
        if kind == "URL":
            rows[f"button_{row}_url"] = "https://shop.example/"
        if kind == "PHONE_NUMBER":
            rows[f"button_{row}_phone_number"] = "+15550001234"
        if kind == "COPY_CODE":
            rows[f"button_{row}_example"] = "SAVE25"
    return rows


def test_it_accepts_a_complete_template():
    assert validate_template(_definition()) == {}


AUTH = dict(
    category="AUTHENTICATION", header_format=None, header_text=None, header_example_1=None, body_text=None,
    footer_text=None, code_expiration_minutes=10, add_security_recommendation=True,
    **_buttons(("OTP", "Copy code")), button_0_otp_type="COPY_CODE",
)
NAMED = dict(
    parameter_format="NAMED", header_text="Order {{order}}", header_example_1=None, header_example_order="#42",
    body_text="Hi {{first_name}}, order {{order}} is ready.", body_example_1=None, body_example_2=None,
    body_example_first_name="Pablo", body_example_order="#42",
)

BROKEN = [
    ("name-missing", dict(name=""), "name", "Give the template a name"),
    ("name-charset", dict(name="Order-Update"), "name", "lowercase letters, digits and underscores"),
    ("name-length", dict(name="a" * 513), "name", "at most 512"),
    ("language", dict(language="english"), "language", "language code"),
    ("category", dict(category="SALES"), "category", "Marketing, Utility or Authentication"),
    ("parameter-format", dict(parameter_format="BOTH"), "parameter_format", "positional"),
    ("header-text-missing", dict(header_text=""), "header_text", "Write the header text"),
    ("header-text-length", dict(header_text="x" * 61, header_example_1=None), "header_text", "at most 60"),
    ("header-two-variables", dict(header_text="{{1}} and {{2}}"), "header_text", "only one variable"),
    ("header-example", dict(header_example_1=""), "header_example_1", "Give an example for {{1}}"),
    ("header-gif", dict(header_format="GIF"), "header_format", "Marketing Messages API"),
    ("header-media-without-file", dict(header_format="IMAGE"), "header_file", "sample image file"),
    ("header-location-authentication", dict(AUTH, header_format="LOCATION"), "header_format", "no header"),
    ("body-missing", dict(body_text=""), "body_text", "Write the message body"),
    ("body-length", dict(body_text="Hi " + "x" * 1022, body_example_1=None, body_example_2=None), "body_text", "at most 1024"),
    ("body-variable-at-start", dict(body_text="{{1}} is ready, {{2}} too."), "body_text", "start or end"),
    ("body-variable-at-end", dict(body_text="Hi {{1}}, order {{2}}"), "body_text", "start or end"),
    ("body-adjacent-variables", dict(body_text="Hi {{1}} {{2}} ready."), "body_text", "next to each other"),
    ("body-gap", dict(body_text="Hi {{1}}, order {{3}} ok.", body_example_2=None, body_example_3="x"), "body_text", "without gaps"),
    ("body-named-in-positional", dict(body_text="Hi {{name}}, ok."), "body_text", "positional variables"),
    ("body-positional-in-named", dict(NAMED, body_text="Hi {{1}}, ok."), "body_text", "Named variables"),
    ("body-example", dict(body_example_2=""), "body_example_2", "Give an example for {{2}}"),
    ("body-named-example", dict(NAMED, body_example_first_name=""), "body_example_first_name", "{{first_name}}"),
    ("footer-length", dict(footer_text="x" * 61), "footer_text", "at most 60"),
    ("footer-variable", dict(footer_text="Ref {{1}}"), "footer_text", "can't have variables"),
    ("auth-code-expiry", dict(AUTH, code_expiration_minutes=91), "code_expiration_minutes", "1 to 90"),
    ("auth-footer-text", dict(AUTH, footer_text="Hello"), "footer_text", "no footer text"),
    ("auth-needs-otp", dict(AUTH, button_0_type="QUICK_REPLY", button_0_text="Ok"), "buttons", "one-time password"),
    ("otp-outside-authentication", dict(_buttons(("OTP", "Copy")), button_0_otp_type="COPY_CODE"), "button_0_type", "only for authentication"),
    ("otp-type", dict(AUTH, button_0_otp_type=""), "button_0_otp_type", "copy code, one-tap or zero-tap"),
    ("button-label-missing", dict(button_0_text=""), "button_0_text", "Write the button's label"),
    ("button-label-length", dict(button_0_text="x" * 26), "button_0_text", "at most 25"),
    ("url-missing", dict(button_1_url=""), "button_1_url", "website address"),
    ("url-scheme", dict(button_1_url="shop.example/{{1}}"), "button_1_url", "https://"),
    ("url-length", dict(button_1_url="https://x.example/" + "a" * 2000), "button_1_url", "2000"),
    ("url-variable-not-at-end", dict(button_1_url="https://x.example/{{1}}/track"), "button_1_url", "at the very end"),
    ("url-variable-example", dict(button_1_example=""), "button_1_example", "example for the {{1}}"),
    ("phone-missing", dict(_buttons(("PHONE_NUMBER", "Call")), button_0_phone_number=""), "button_0_phone_number", "phone number"),
    ("phone-length", dict(_buttons(("PHONE_NUMBER", "Call")), button_0_phone_number="+15550001234567890123"), "button_0_phone_number", "at most 20"),
    ("copy-code-example", dict(_buttons(("COPY_CODE", "")), button_0_example=""), "button_0_example", "example code"),
    ("copy-code-length", dict(_buttons(("COPY_CODE", "")), button_0_example="X" * 16), "button_0_example", "at most 15"),
    ("flow-id", dict(_buttons(("FLOW", "Book"))), "button_0_flow_id", "published flow"),
    ("too-many-urls", _buttons(("URL", "A"), ("URL", "B"), ("URL", "C")), "buttons", "At most 2 website"),
    ("two-phone-numbers", _buttons(("PHONE_NUMBER", "A"), ("PHONE_NUMBER", "B")), "buttons", "At most 1 phone number"),
    ("two-copy-codes", _buttons(("COPY_CODE", ""), ("COPY_CODE", "")), "buttons", "At most 1 copy code"),
    ("quick-replies-split", _buttons(("QUICK_REPLY", "A"), ("URL", "Web"), ("QUICK_REPLY", "B")), "buttons", "together"),
]


@pytest.mark.parametrize("changes, field, message", [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_it_puts_each_broken_rule_on_its_field(changes, field, message):
    errors = validate_template(_definition(**changes))

    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors[field]


def test_it_refuses_more_than_ten_buttons():
    definition = _definition()
    buttons = [{"type": "QUICK_REPLY", "text": f"Reply {i}"} for i in range(11)]
    components = [c for c in definition.components if c["type"] != "BUTTONS"] + [{"type": "BUTTONS", "buttons": buttons}]

    errors = validate_template(Definition(name="x", language="en", category="MARKETING", components=components))

    assert errors == {"buttons": ["A template has at most 10 buttons; this one has 11.", "At most 10 quick reply buttons; this template has 11."]}


@pytest.mark.parametrize(
    "file, message",
    [
        (HeaderFile("logo.gif", 100, "image/gif"), "image/jpeg, image/png"),
        (HeaderFile("big.png", 6 * 1024 * 1024, "image/png"), "at most 5 MB"),
        (HeaderFile("empty.png", 0, "image/png"), "is empty"),
    ],
    ids=["type", "size", "empty"],
)
def test_it_checks_the_sample_header_file(file, message):
    errors = validate_template(_definition(header_format="IMAGE", header_file=file))

    assert any(message in text for text in errors["header_file"])


def test_it_accepts_every_header_and_button_type_built_right():
    cases = [
        dict(header_format="IMAGE", header_file=HeaderFile("a.jpg", 10, "image/jpeg")),
        dict(header_format="VIDEO", header_file=HeaderFile("a.mp4", 10, "video/mp4")),
        dict(header_format="DOCUMENT", header_file=HeaderFile("a.pdf", 10, "application/pdf")),
        dict(header_format="LOCATION"),
        dict(NAMED),
        dict(AUTH),
        dict(_buttons(("PHONE_NUMBER", "Call us"), ("COPY_CODE", ""), ("FLOW", "Book"), ("QUICK_REPLY", "Ok")), button_2_flow_id="123"),
    ]
    for changes in cases:
        header_file = changes.pop("header_file", None)
        assert validate_template(_definition(header_file=header_file, **changes)) == {}, changes


def test_it_describes_errors_with_their_field_for_the_admin():
    lines = describe_errors(validate_template(_definition(name="Bad Name", button_1_url="")))

    assert "Name: Use only lowercase letters, digits and underscores, e.g. order_update." in lines
    assert any(line.startswith("Button 2 (url): Give the website address") for line in lines)


def test_the_builder_fields_and_components_round_trip():
    components, rows = components_from_fields(builder_data(**NAMED))
    fields = fields_from_components(components, parameter_format="NAMED", category="UTILITY")

    assert components[0]["example"] == {"header_text_named_params": [{"param_name": "order", "example": "#42"}]}
    assert components[1]["example"]["body_text_named_params"][0] == {"param_name": "first_name", "example": "Pablo"}
    assert (fields["body_example_first_name"], fields["button_1_url"], fields["button_1_example"]) == (
        "Pablo", "https://shop.example/track/{{1}}", "42",
    )
    assert rows == {0: 0, 1: 1}


# Sending: slots, payload, guard -----------------------------------------------------------------------


def _slots(definition: Definition):
    return send_slots(components=definition.components, parameter_format=definition.parameter_format, category=definition.category)


def test_it_builds_the_send_payload_meta_expects_for_positional_parameters():
    definition = _definition(**{**_buttons(("URL", "Track"), ("COPY_CODE", "")), "button_0_url": "https://x.example/t/{{1}}", "button_0_example": "42"})
    slots = _slots(definition)
    values = {"header_1": "#7", "body_1": "Ana", "body_2": "#7", "button_0_url": "7", "button_1_coupon_code": "SAVE7"}

    components = build_components(slots, values, parameter_format="POSITIONAL", template_components=definition.components)

    assert components == [
        {"type": "header", "parameters": [{"type": "text", "text": "#7"}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "#7"}]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "7"}]},
        {"type": "button", "sub_type": "copy_code", "index": "1", "parameters": [{"type": "coupon_code", "coupon_code": "SAVE7"}]},
    ]
    check_components(slots, components, parameter_format="POSITIONAL", template_components=definition.components)
    assert render_text(components=definition.components, parameter_format="POSITIONAL", category="UTILITY", values=values) == (
        "Hi Ana, your order #7 is ready for pickup."
    )


def test_it_names_parameters_for_named_templates():
    definition = _definition(**NAMED)
    values = {"header_order": "#7", "body_first_name": "Ana", "body_order": "#7", "button_1_url": "7"}

    components = build_components(_slots(definition), values, parameter_format="NAMED", template_components=definition.components)

    assert components[1]["parameters"] == [
        {"type": "text", "text": "Ana", "parameter_name": "first_name"},
        {"type": "text", "text": "#7", "parameter_name": "order"},
    ]


def test_it_sends_the_one_time_password_to_the_body_and_the_button():
    definition = _definition(**AUTH)

    components = build_components(_slots(definition), {"otp_code": "482913"}, parameter_format="POSITIONAL", template_components=definition.components)

    assert components == [
        {"type": "body", "parameters": [{"type": "text", "text": "482913"}]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "482913"}]},
    ]


def test_it_lists_what_is_missing_and_refuses_a_payload_that_does_not_match():
    definition = _definition()
    slots = _slots(definition)

    assert set(missing_values(slots, {"header_1": "#7", "body_1": "Ana"})) == {"body_2", "button_1_url"}
    with pytest.raises(ParameterMismatch, match="body needs 2"):
        check_components(slots, [{"type": "header", "parameters": [{"type": "text", "text": "#7"}]},
                                 {"type": "body", "parameters": [{"type": "text", "text": "Ana"}]},
                                 {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "7"}]}],
                         parameter_format="POSITIONAL", template_components=definition.components)
    with pytest.raises(ParameterMismatch, match="Button 1 takes no parameter"):
        check_components(slots, build_components(slots, {"header_1": "a", "body_1": "b", "body_2": "c", "button_1_url": "d"},
                                                 parameter_format="POSITIONAL", template_components=definition.components)
                         + [{"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "x"}]}],
                         parameter_format="POSITIONAL", template_components=definition.components)


def test_it_refuses_templates_with_parts_it_cannot_fill():
    with pytest.raises(Unsendable, match="CATALOG"):
        send_slots(components=[{"type": "BODY", "text": "See"}, {"type": "BUTTONS", "buttons": [{"type": "CATALOG", "text": "View"}]}],
                   parameter_format="POSITIONAL", category="MARKETING")
    with pytest.raises(Unsendable, match="carousel"):
        send_slots(components=[{"type": "BODY", "text": "See"}, {"type": "CAROUSEL", "cards": []}],
                   parameter_format="POSITIONAL", category="MARKETING")


def test_the_preview_shows_the_examples_and_the_buttons():
    preview = preview_of(**{"components": _definition().components, "parameter_format": "POSITIONAL", "category": "UTILITY"})

    assert (preview.header_text, preview.body, preview.footer) == (
        "Order #42", "Hi Pablo, your order #42 is ready for pickup.", "Reply STOP to opt out",
    )
    assert [label for _, label, _ in preview.buttons] == ["Thanks", "Track it"]
    many = _definition(**_buttons(*[("QUICK_REPLY", f"R{i}") for i in range(5)]))
    assert preview_of(components=many.components, parameter_format="POSITIONAL", category="UTILITY").buttons[-1][1] == "See all options"
