"""The flow pages' forms: create (or clone), metadata, the Flow JSON editor, the health check's number."""

from django import forms

CATEGORIES = [
    ("SIGN_UP", "Sign up"),
    ("SIGN_IN", "Sign in"),
    ("APPOINTMENT_BOOKING", "Appointment booking"),
    ("LEAD_GENERATION", "Lead generation"),
    ("CONTACT_US", "Contact us"),
    ("CUSTOMER_SUPPORT", "Customer support"),
    ("SURVEY", "Survey"),
    ("OTHER", "Other"),
]
# Meta stores a Flow JSON of up to 10 MB; the editor is for hand-sized documents.
MAX_JSON_CHARACTERS = 1_000_000


class FlowMetadataForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="Unique within the business account.")
    categories = forms.MultipleChoiceField(choices=CATEGORIES, widget=forms.CheckboxSelectMultiple)
    endpoint_uri = forms.URLField(
        label="Data endpoint", required=False, max_length=500, assume_scheme="https",
        help_text="Only for flows that exchange data with your server (https). Leave empty otherwise.",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the flow a name.")
        return name

    def clean_endpoint_uri(self) -> str:
        uri = self.cleaned_data["endpoint_uri"]
        if uri and not uri.startswith("https://"):
            raise forms.ValidationError("Meta calls data endpoints over https only.")
        return uri


class FlowCreateForm(FlowMetadataForm):
    field_order = ["account", "name", "categories", "endpoint_uri", "clone_from"]
    account = forms.ModelChoiceField(queryset=None, empty_label=None, label="Business account")
    clone_from = forms.ModelChoiceField(
        queryset=None, required=False, label="Copy of", empty_label="— start empty —",
        help_text="Start from another flow's JSON (Meta copies it).",
    )

    def __init__(self, *args, accounts, flows, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["clone_from"].queryset = flows
        self.fields["clone_from"].label_from_instance = lambda flow: f"{flow.name or flow.flow_id} ({flow.account.name})"

    def clean(self):
        data = super().clean()
        account, source = data.get("account"), data.get("clone_from")
        if account and source and source.account_id != account.pk:
            self.add_error("clone_from", "Pick a flow of the same business account.")
        return data


class FlowJsonForm(forms.Form):
    # strip=False: the text is uploaded exactly as it stands, whitespace included.
    flow_json = forms.CharField(
        label="Flow JSON", strip=False, max_length=MAX_JSON_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "autocomplete": "off",
                                     "autocapitalize": "off", "wrap": "off", "class": "flow-json"}),
    )

    def clean_flow_json(self) -> str:
        # A browser sends a textarea's line breaks as CRLF although the text it shows has LF: turning
        # them back gives exactly the characters the user saw, so Meta's columns match the editor's.
        return self.cleaned_data["flow_json"].replace("\r\n", "\n")


class FlowHealthForm(forms.Form):
    phone_number = forms.ModelChoiceField(queryset=None, empty_label=None, label="Sending number")

    def __init__(self, *args, numbers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone_number"].queryset = numbers
        self.fields["phone_number"].label_from_instance = lambda n: f"+{n.display_phone_number} ({n.verified_name or n.phone_number_id})"
