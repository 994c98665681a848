"""The filters of a flow's responses table (also the CSV export's)."""

from django import forms
from django.core.exceptions import ValidationError

from ..models import FlowResponse


class FlowResponseFilterForm(forms.Form):
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    contact = forms.CharField(required=False, max_length=100, label="Contact", help_text="A name or a number.")
    token = forms.ChoiceField(
        required=False, label="Token", choices=[("", "any"), *FlowResponse.TokenState.choices],
        error_messages={"invalid_choice": "Choose a token state from the list (valid, expired or unknown)."},
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError("“From” is after “To”: swap them.")
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data
        return {"since": data.get("since"), "until": data.get("until"), "contact": data.get("contact") or "",
                "token_state": data.get("token") or ""}
