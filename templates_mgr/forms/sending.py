"""Send forms generated from a template's own placeholders (``parameters.send_slots``)."""

import uuid

from django import forms

from ..parameters import HEADER_MEDIA_FORMATS, Slot

LOCATION_PARTS = ("latitude", "longitude", "name", "address")


class SendTemplateForm(forms.Form):
    """One field per value the template needs; the header media is a link or a file."""

    # Generated when the form is rendered: a double submit carries the same id and queues once.
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, slots: list[Slot], button_urls: dict[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = slots
        button_urls = button_urls or {}
        for slot in slots:
            if slot.kind in HEADER_MEDIA_FORMATS:
                self.fields["header_media_link"] = forms.URLField(
                    required=False, label=f"Header {slot.kind}: link", assume_scheme="https",
                    help_text=f"A public https:// address of the {slot.kind}…",
                )
                self.fields["header_media_file"] = forms.FileField(required=False, label="… or a file")
            elif slot.kind == "location":
                self.fields["header_location_latitude"] = forms.FloatField(label="Latitude", min_value=-90, max_value=90)
                self.fields["header_location_longitude"] = forms.FloatField(label="Longitude", min_value=-180, max_value=180)
                self.fields["header_location_name"] = forms.CharField(required=False, label="Place name")
                self.fields["header_location_address"] = forms.CharField(required=False, label="Address")
            elif slot.kind == "flow":
                continue  # the flow token is generated when sent, never typed
            else:
                self.fields[slot.key] = forms.CharField(
                    required=slot.required,
                    # Where the value goes, and the template's own example: "Body {{1}} — e.g. Sheena".
                    label=f"{slot.label} — e.g. {slot.example}" if slot.example else slot.label,
                    max_length=15 if slot.kind == "coupon_code" else 1024,
                    help_text=_help_for(slot, button_urls),
                    error_messages={"required": f"Give a value for {slot.label}."},
                )
                # The live check says "at most 15 characters" instead of the browser cutting the code.
                self.fields[slot.key].widget.attrs.pop("maxlength", None)

    def typed_errors(self) -> dict[str, list[str]]:
        """The errors of the fields given a value so far: what to show while the person types
        (a field not reached yet is not wrong yet)."""
        self.is_valid()
        return {
            name: self.errors.get(name, []) if (self.data.get(name) or "").strip() else []
            for name, field in self.fields.items() if not field.widget.is_hidden
        }

    def clean(self):
        cleaned = super().clean()
        media = next((slot for slot in self.slots if slot.kind in HEADER_MEDIA_FORMATS), None)
        if media is not None:
            upload, link = cleaned.get("header_media_file"), cleaned.get("header_media_link")
            if not upload and not link and "header_media_link" not in self.errors:
                self.add_error("header_media_link", f"Give a link to the header {media.kind} or choose a file.")
        return cleaned

    def values(self) -> dict:
        """The values keyed like the slots, for ``services.sending``."""
        values = {}
        for slot in self.slots:
            if slot.kind in HEADER_MEDIA_FORMATS:
                upload = self.cleaned_data.get("header_media_file")
                if upload:
                    values[slot.key] = upload  # checked and kept by the media library at send
                else:
                    values[slot.key] = {"link": self.cleaned_data.get("header_media_link")}
            elif slot.kind == "location":
                location = {part: self.cleaned_data.get(f"header_location_{part}") for part in LOCATION_PARTS}
                values[slot.key] = {key: value for key, value in location.items() if value not in (None, "")}
            elif slot.kind != "flow":
                values[slot.key] = (self.cleaned_data.get(slot.key) or "").strip()
        return values

    def add_service_error(self, key: str, message: str) -> None:
        key = {"header_media": "header_media_file", "header_location": "header_location_latitude"}.get(key, key)
        self.add_error(key if key in self.fields else None, message)


def _help_for(slot: Slot, button_urls: dict[int, str]) -> str:
    if slot.kind == "url" and slot.index in button_urls:
        # Only the variable end: the address itself is the approved template's.
        return f"Only the end of the address: {button_urls[slot.index].split('{{')[0]}…"
    return ""


class StartConversationForm(forms.Form):
    """Who to write to, from which number, with which approved template."""

    to = forms.CharField(label="Customer's phone number", help_text="With the country code, e.g. +44 7700 900123.")
    phone_number = forms.ModelChoiceField(queryset=None, label="Send from", empty_label=None)
    template = forms.ModelChoiceField(queryset=None, label="Template", empty_label="— choose an approved template —")

    def __init__(self, *args, numbers, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone_number"].queryset = numbers
        self.fields["template"].queryset = templates
        self.fields["template"].widget.attrs["data-autochoose"] = "1"
        self.fields["template"].label_from_instance = lambda t: f"{t.name} ({t.language}) · {t.get_category_display()}"

    def add_service_error(self, key: str, message: str) -> None:
        self.add_error(key if key in self.fields else None, message)
