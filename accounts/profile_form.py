"""The business profile form: Meta's field names and Meta's rules (docs/cloudapi.md §6), checked
here both as the administrator types (the check endpoint) and when the profile is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

# Meta's list of verticals, with the names WhatsApp Manager shows for them.
VERTICALS = {
    "UNDEFINED": "Not chosen",
    "OTHER": "Other",
    "AUTO": "Automotive",
    "BEAUTY": "Beauty, spa and salon",
    "APPAREL": "Clothing and apparel",
    "EDU": "Education",
    "ENTERTAIN": "Entertainment",
    "EVENT_PLAN": "Event planning and service",
    "FINANCE": "Finance and banking",
    "GROCERY": "Food and grocery",
    "GOVT": "Public service",
    "HOTEL": "Hotel and lodging",
    "HEALTH": "Medical and health",
    "NONPROFIT": "Non-profit organisation",
    "PROF_SERVICES": "Professional services",
    "RETAIL": "Shopping and retail",
    "TRAVEL": "Travel and transportation",
    "RESTAURANT": "Restaurant",
    "NOT_A_BIZ": "Not a business",
}
# The text fields and their limits, in the order the page shows them.
LIMITS = {"about": 139, "description": 512, "address": 256, "email": 128}
MAX_WEBSITES = 2
WEBSITE_MAX = 256
FIELDS = ("about", "description", "address", "email", "websites", "vertical")


def vertical_name(code: str) -> str:
    """``RESTAURANT`` → ``Restaurant``; a value Meta added after this list is shown as Meta wrote it."""
    return VERTICALS.get(code, code.replace("_", " ").capitalize()) if code else VERTICALS["UNDEFINED"]


def _lf(text: Any) -> str:
    return str(text or "").replace("\r\n", "\n")


def _too_long(limit: int) -> str:
    return f"At most {limit} characters (this has %(show_value)d)."


class LinesField(forms.CharField):
    """Text with line breaks: browsers post them as CRLF, Meta keeps (and counts) them as LF, so the
    limit is checked on what Meta will hold."""

    def to_python(self, value: Any) -> str:
        return _lf(super().to_python(value))


class WebsitesInput(forms.Widget):
    """Two ``<input name="websites">`` boxes (the page draws them): the posted list, as Meta names it."""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class WebsitesField(forms.Field):
    """Up to two http(s) URLs of at most 256 characters; empty boxes are dropped."""

    widget = WebsitesInput
    _url = URLValidator(schemes=["http", "https"])

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        items = value if isinstance(value, (list, tuple)) else [value]
        return [str(item).strip() for item in items if str(item).strip()]

    def validate(self, value: list[str]) -> None:
        if len(value) > MAX_WEBSITES:
            raise ValidationError(f"At most {MAX_WEBSITES} websites.", code="too_many")
        problems = []
        for number, url in enumerate(value, start=1):
            label = f"Website {number}" if len(value) > 1 else "The website"
            if len(url) > WEBSITE_MAX:
                problems.append(f"{label} is {len(url)} characters long; at most {WEBSITE_MAX}.")
            elif not url.lower().startswith(("http://", "https://")):
                problems.append(f"{label} must start with http:// or https://.")
            else:
                try:
                    self._url(url)
                except ValidationError:
                    problems.append(f"{label} is not a web address (e.g. https://example.com/).")
        if problems:
            raise ValidationError(problems)


class BusinessProfileForm(forms.Form):
    """What an administrator may change; a field left as Meta has it is not sent."""

    about = forms.CharField(
        max_length=LIMITS["about"], label="About",
        error_messages={"required": "About may not be empty (1 to 139 characters).",
                        "max_length": _too_long(LIMITS["about"])},
    )
    description = LinesField(
        max_length=LIMITS["description"], required=False, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _too_long(LIMITS["description"])},
    )
    address = forms.CharField(
        max_length=LIMITS["address"], required=False, error_messages={"max_length": _too_long(LIMITS["address"])}
    )
    email = forms.EmailField(
        max_length=LIMITS["email"], required=False, label="E-mail",
        error_messages={"invalid": "Not an e-mail address (e.g. hello@example.com).",
                        "max_length": _too_long(LIMITS["email"])},
    )
    websites = WebsitesField(required=False)
    vertical = forms.ChoiceField(label="Category")

    def __init__(self, *args, current_vertical: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = list(VERTICALS.items())
        if current_vertical and current_vertical not in VERTICALS:
            choices.append((current_vertical, vertical_name(current_vertical)))  # newer than our list
        self.fields["vertical"].choices = choices
        for name, field in self.fields.items():
            # No maxlength: a browser would cut a paste short without a word; the count and the
            # error say what is too long instead.
            field.widget.attrs.pop("maxlength", None)
            field.widget.attrs["aria-describedby"] = f"errors-{name}"

    def typed(self) -> dict[str, Any]:
        """What the boxes hold now (valid or not), for the preview."""
        values = {name: self[name].value() for name in FIELDS}
        values["description"] = _lf(values["description"])
        values["websites"] = self.fields["websites"].to_python(values["websites"])
        values["vertical_name"] = vertical_name(str(values["vertical"] or ""))
        return values

