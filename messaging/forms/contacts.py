"""A contact's notes, and starting a conversation from a phone number."""

from django import forms
from django.core.exceptions import ValidationError

from ..services.contacts import normalise_wa_id

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
