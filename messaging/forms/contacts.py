"""A contact's notes, attributes, labels and consent, and starting a conversation from a phone number."""

from django import forms
from django.core.exceptions import ValidationError

from ..services.contact_profile import parse_attribute_lines
from ..services.contacts import normalise_wa_id
from ..services.labels import clean_label_name

NOTES_MAX_LENGTH = 5000


class ContactNotesForm(forms.Form):
    notes = forms.CharField(
        required=False, max_length=NOTES_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": f"Notes can have at most {NOTES_MAX_LENGTH} characters."},
    )


class NewConversationForm(forms.Form):
    """A customer's number (any usual format, with its country code) and the number to write from."""

    to = forms.CharField(
        label="Customer's phone number", max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "+44 7700 900123", "autocomplete": "off"}),
        error_messages={"required": "Enter a phone number with its country code, e.g. +44 7700 900123."},
    )
    phone_number = forms.ModelChoiceField(queryset=None, label="Write from", empty_label=None)

    def __init__(self, *args, numbers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone_number"].queryset = numbers

    def clean_to(self) -> str:
        try:
            return normalise_wa_id(self.cleaned_data["to"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class ContactProfileForm(forms.Form):
    """Attributes as ``name: value`` lines, the account's labels ticked, new labels typed."""

    attributes = forms.CharField(
        required=False, max_length=30_000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One per line, name: value (e.g. first_name: Ana). Empty a value to remove it.",
    )
    labels = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    new_labels = forms.CharField(required=False, max_length=500, help_text="New labels, separated by commas.")

    def __init__(self, *args, contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["labels"].queryset = contact.account.labels.order_by("name")

    def clean_attributes(self):
        return parse_attribute_lines(self.cleaned_data["attributes"])

    def clean_new_labels(self):
        names = [part for part in self.cleaned_data["new_labels"].split(",") if part.strip()]
        return [clean_label_name(name) for name in names]


class ContactConsentForm(forms.Form):
    opted_out = forms.TypedChoiceField(choices=[("1", "Opt out"), ("0", "Opt back in")], coerce=lambda v: v == "1")
    reason = forms.CharField(max_length=200, help_text="Why: kept on the contact's timeline and in the audit log.")
