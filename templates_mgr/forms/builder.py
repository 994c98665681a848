"""The template builder: flat fields a person fills in, checked by :func:`rules.validate_template`
(the same function submit and the admin use) with each message on the field that breaks it."""

from django import forms

from accounts.models import BusinessAccount
from media_lib.services import inspect_upload

from ..languages import language_choices
from ..builder import BUTTON_ROWS, components_from_fields, fields_from_components, variables
from ..models import MessageTemplate
from ..preview import preview_of
from ..rules import MEDIA_FORMATS, HeaderFile, Definition, OTP_TYPES, validate_template

HEADER_CHOICES = [
    ("", "No header"),
    ("TEXT", "Text"),
    ("IMAGE", "Image"),
    ("VIDEO", "Video"),
    ("DOCUMENT", "Document"),
    ("LOCATION", "Location (given at send time)"),
]
BUTTON_CHOICES = [
    ("", "— no button —"),
    ("QUICK_REPLY", "Quick reply"),
    ("URL", "Visit website (URL)"),
    ("PHONE_NUMBER", "Call phone number"),
    ("COPY_CODE", "Copy offer code"),
    ("OTP", "One-time password (authentication)"),
    ("FLOW", "Open a flow"),
]
OTP_CHOICES = [("", "—")] + [(kind, kind.replace("_", " ").capitalize()) for kind in OTP_TYPES]
FLOW_ACTION_CHOICES = [("navigate", "navigate"), ("data_exchange", "data_exchange")]
DRAFT_FIELDS = ("name", "language", "category", "parameter_format")
# Help shown next to each button field; the builder's JS shows only the fields of the chosen type.
BUTTON_FIELD_SPECS = {
    "type": (forms.ChoiceField, {"choices": BUTTON_CHOICES}, "Type", ""),
    "text": (forms.CharField, {}, "Label", "At most 25 characters."),
    "url": (forms.CharField, {}, "Website address", "https://… ; may end with {{1}}."),
    "example": (forms.CharField, {}, "Example", "For the {{1}} of the address, or the offer code (at most 15)."),
    "phone_number": (forms.CharField, {}, "Phone number", "With the country code, e.g. +15550001234."),
    "otp_type": (forms.ChoiceField, {"choices": OTP_CHOICES}, "Password type", ""),
    "flow_id": (forms.CharField, {}, "Flow id", "A published flow of this account."),
    "flow_action": (forms.ChoiceField, {"choices": FLOW_ACTION_CHOICES}, "Flow action", ""),
    "navigate_screen": (forms.CharField, {}, "First screen", "Optional, for navigate."),
}
# Which button fields each type uses (the rest are hidden by the JS and ignored).
BUTTON_FIELDS_FOR = {
    "QUICK_REPLY": ("text",),
    "URL": ("text", "url", "example"),
    "PHONE_NUMBER": ("text", "phone_number"),
    "COPY_CODE": ("example",),
    "OTP": ("text", "otp_type"),
    "FLOW": ("text", "flow_id", "flow_action", "navigate_screen"),
}


class BuilderForm(forms.Form):
    account = forms.ModelChoiceField(queryset=BusinessAccount.objects.none(), empty_label=None, label="Business account")
    name = forms.CharField(required=False, max_length=600, help_text="Lowercase letters, digits and underscores.")
    language = forms.ChoiceField(required=False, initial="en_US", choices=language_choices(), label="Language")
    category = forms.ChoiceField(required=False, choices=[("", "—")] + MessageTemplate.Category.choices)
    parameter_format = forms.ChoiceField(
        required=False, choices=MessageTemplate.ParameterFormat.choices, initial=MessageTemplate.ParameterFormat.POSITIONAL
    )
    header_format = forms.ChoiceField(required=False, choices=HEADER_CHOICES, label="Header")
    header_text = forms.CharField(required=False, strip=False, label="Header text", help_text="At most 60 characters and one variable.")
    header_file = forms.FileField(required=False, label="Sample header file", help_text="Uploaded to Meta for the reviewers when you submit.")
    header_handle = forms.CharField(required=False, widget=forms.HiddenInput)
    body_text = forms.CharField(
        required=False, label="Body", widget=forms.Textarea(attrs={"rows": 5}),
        help_text="At most 1024 characters. Variables: {{1}}, {{2}} … or {{first_name}}.",
    )
    add_security_recommendation = forms.BooleanField(required=False, label="Add “For your security, do not share this code.”")
    code_expiration_minutes = forms.IntegerField(required=False, label="Code expires after (minutes)", help_text="1 to 90.")
    footer_text = forms.CharField(required=False, label="Footer", help_text="At most 60 characters, no variables.")
    # Carries the errors about the buttons as a whole (how many, how grouped).
    buttons = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, accounts=None, template: MessageTemplate | None = None, draft: bool = False, **kwargs):
        if template is not None and not kwargs.get("initial"):
            kwargs["initial"] = initial_for(template)
        super().__init__(*args, **kwargs)
        self.template = template
        self.draft = draft  # a draft needs only a valid name, language and category
        self.button_rows_by_index: dict[int, int] = {}
        self.fields["account"].queryset = accounts if accounts is not None else BusinessAccount.objects.none()
        self.fields["language"].choices = language_choices(self._raw("language"))
        if template is not None:
            for name in ("account", "name", "language"):
                self.fields[name].disabled = True
            self.fields["account"].queryset = BusinessAccount.objects.filter(pk=template.account_id)
        for row in range(BUTTON_ROWS):
            for attr, (field_class, options, label, help_text) in BUTTON_FIELD_SPECS.items():
                self.fields[f"button_{row}_{attr}"] = field_class(required=False, label=label, help_text=help_text, **options)
        for prefix, source, limit in (("header", "header_text", 1), ("body", "body_text", None)):
            for name in variables(self._raw(source))[:limit]:
                self.fields[f"{prefix}_example_{name}"] = forms.CharField(
                    required=False, label=f"Example for {{{{{name}}}}}", max_length=1024
                )

    def _raw(self, name: str) -> str:
        if self.is_bound:
            return self.data.get(name) or ""
        return str(self.initial.get(name) or self.fields[name].initial or "")

    # Validation ------------------------------------------------------------------------------------

    def clean_header_file(self):
        """The sample file passes the media library's checks (its content, not the browser's word)."""
        upload = self.cleaned_data.get("header_file")
        if upload and self._raw("header_format") in MEDIA_FORMATS:
            self.header_sample = inspect_upload(uploaded_file=upload)  # ValidationError: the field's message
        return upload

    def clean(self):
        cleaned = super().clean()
        for key, messages in validate_template(self.definition()).items():
            if (self.draft and key not in DRAFT_FIELDS) or key in self.errors:
                continue  # a draft needs less; a field that could not be read has its message
            for message in messages:
                self.add_service_error(key, message)
        return cleaned

    def add_service_error(self, key: str, message: str) -> None:
        """Put a rule's message on its field (a button's position → the row it was typed in)."""
        if key.startswith("button_"):
            _, index, attr = key.split("_", 2)
            key = f"button_{self.button_rows_by_index.get(int(index), int(index))}_{attr}"
        self.add_error(key if key in self.fields else None, message)

    def definition(self) -> Definition:
        """The template the form describes (cleaned values once validated, typed values before)."""
        values = self._values()
        components, self.button_rows_by_index = components_from_fields(values)
        upload = values.get("header_file")
        header_file = None
        checked = getattr(self, "header_sample", None)
        if upload and checked is not None and values.get("header_format") in MEDIA_FORMATS:
            header_file = HeaderFile(name=checked.name, size=checked.size, content_type=checked.mime_type, data=_read(upload))
        return Definition(
            name=(values.get("name") or "").strip(),
            language=(values.get("language") or "").strip(),
            category=values.get("category") or "",
            parameter_format=values.get("parameter_format") or "POSITIONAL",
            components=components,
            header_file=header_file,
        )

    def _values(self) -> dict:
        if hasattr(self, "cleaned_data"):
            values = {name: self.cleaned_data.get(name) for name in self.fields}
        elif self.is_bound:
            values = {name: self.data.get(name) for name in self.fields}
            values["header_file"] = self.files.get("header_file")
        else:
            values = {name: self.initial.get(name, self.fields[name].initial) for name in self.fields}
        for name in ("name", "language"):
            if self.fields[name].disabled:
                values[name] = self.initial.get(name)
        return values

    # Presentation ----------------------------------------------------------------------------------

    def preview(self):
        definition = self.definition()
        return preview_of(components=definition.components, parameter_format=definition.parameter_format, category=definition.category)

    def header_example_fields(self):
        return [self[name] for name in self.fields if name.startswith("header_example_")]

    def body_example_fields(self):
        return [self[name] for name in self.fields if name.startswith("body_example_")]

    def button_rows(self) -> list[dict]:
        rows, offered_empty = [], False
        for row in range(BUTTON_ROWS):
            fields = {attr: self[f"button_{row}_{attr}"] for attr in BUTTON_FIELD_SPECS}
            used = bool(fields["type"].value())
            rows.append({"index": row, "number": row + 1, "fields": fields, "used": used, "open": used or not offered_empty})
            offered_empty = offered_empty or not used
        return rows


def initial_for(template: MessageTemplate) -> dict:
    initial = fields_from_components(
        template.components or [], parameter_format=template.parameter_format, category=template.category
    )
    initial.update(
        account=template.account_id,
        name=template.name,
        language=template.language,
        category=template.category,
        parameter_format=template.parameter_format,
    )
    return initial


def _read(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data
