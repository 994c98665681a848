"""A template as the customer will see it: the WhatsApp bubble the builder, the detail page and
the send form show (server-rendered; ``static/templates_mgr/builder.js`` redraws the same markup
as the user types). Pure: no Django, no database."""

from dataclasses import dataclass, field

from .parameters import AUTH_TEXT
from .placeholders import buttons, component, examples, fill

SECURITY_NOTE = "For your security, do not share this code."
BUTTON_ICONS = {"URL": "↗", "PHONE_NUMBER": "✆", "COPY_CODE": "⧉", "OTP": "⧉", "FLOW": "☰", "QUICK_REPLY": "↩"}


@dataclass
class Preview:
    header_kind: str = ""  # "", TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION
    header_text: str = ""
    body: str = ""
    security_note: str = ""
    footer: str = ""
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (type, label, icon)
    links: list[str] = field(default_factory=list)  # each shown button's full address ("" if none)
    hidden_buttons: int = 0  # past the 3 shown: "See all options"

    @property
    def button_rows(self) -> list[dict]:
        return [
            {"type": kind, "label": label, "icon": icon, "url": url}
            for (kind, label, icon), url in zip(self.buttons, self.links + [""] * len(self.buttons))
        ]

    def as_display(self) -> dict:
        """What a sent message's bubble shows, stored with the message (messaging's ``display``)."""
        return {
            "header": {"kind": self.header_kind, "text": self.header_text} if self.header_kind else {},
            "body": "\n\n".join(part for part in (self.body, self.security_note) if part),
            "footer": self.footer,
            "buttons": [{"text": row["label"], "url": row["url"]} for row in self.button_rows],
        }

    @property
    def note(self) -> str:
        if self.hidden_buttons:
            return "With 4 or more buttons WhatsApp shows two and “See all options”, and the template can't be viewed on desktop."
        return ""


def preview_of(
    *, components: list[dict], parameter_format: str, category: str, values: dict[str, str] | None = None
) -> Preview:
    """The bubble for ``components``, with ``values`` (``header_<var>``/``body_<var>``/``otp_code``)
    where given and the template's own examples elsewhere."""
    values = values or {}
    preview = Preview()
    header = component(components, "HEADER")
    if header is not None and category != "AUTHENTICATION":
        preview.header_kind = str(header.get("format", "TEXT")).upper()
        if preview.header_kind == "TEXT":
            preview.header_text = fill(header.get("text") or "", _values(header, "header", parameter_format, values))
    body = component(components, "BODY") or {}
    footer = component(components, "FOOTER") or {}
    if category == "AUTHENTICATION":
        preview.body = AUTH_TEXT.format(code=values.get("otp_code") or "123456")
        preview.security_note = SECURITY_NOTE if body.get("add_security_recommendation") else ""
        minutes = footer.get("code_expiration_minutes")
        preview.footer = f"This code expires in {minutes} minutes." if minutes else ""
    else:
        preview.body = fill(body.get("text") or "", _values(body, "body", parameter_format, values))
        preview.footer = footer.get("text") or ""
    found = buttons(components)
    labels = [
        (str(b.get("type", "")).upper(), b.get("text") or _default_label(b), BUTTON_ICONS.get(str(b.get("type", "")).upper(), ""))
        for b in found
    ]
    links = [_link(index, b, values) for index, b in enumerate(found)]
    if len(labels) >= 4:
        preview.buttons, preview.hidden_buttons = labels[:2] + [("MORE", "See all options", "☰")], len(labels) - 2
        preview.links = links[:2] + [""]
    else:
        preview.buttons, preview.links = labels, links
    return preview


def _values(item: dict, prefix: str, parameter_format: str, values: dict[str, str]) -> dict[str, str]:
    merged = examples(item, f"{prefix}_text", parameter_format)
    for key, value in values.items():
        if key.startswith(prefix + "_") and value:
            merged[key[len(prefix) + 1 :]] = value
    return merged


def url_of(button: dict, suffix: str) -> str:
    """The address a URL button opens: its ``{{1}}`` replaced by ``suffix`` (left as written when empty)."""
    return fill(str(button.get("url") or ""), {"1": suffix} if suffix else {})


def _link(index: int, button: dict, values: dict[str, str]) -> str:
    if str(button.get("type", "")).upper() != "URL":
        return ""
    example = button.get("example")
    example = str(example[0]) if isinstance(example, list) and example else str(example or "")
    given = values.get(f"button_{index}_url")
    return url_of(button, given if isinstance(given, str) and given else example)


def _default_label(button: dict) -> str:
    kind = str(button.get("type", "")).upper()
    return {"COPY_CODE": "Copy offer code", "OTP": "Copy code"}.get(kind, kind.replace("_", " ").title())
