"""The period and scope every insights page reads from its query string."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from .services.figures import Period

PRESETS = (("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("custom", "Custom"))
MAX_DAYS = 366


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=PRESETS, required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    account = forms.ModelChoiceField(queryset=None, required=False, empty_label="Every account")
    number = forms.ModelChoiceField(queryset=None, required=False, empty_label="Every number")

    def __init__(self, data, *, accounts, numbers):
        super().__init__(data)
        self.fields["account"].queryset = accounts
        self.fields["number"].queryset = numbers
        self.fields["number"].label_from_instance = lambda phone: f"+{phone.display_phone_number}"

    def clean(self):
        data = super().clean()
        today = timezone.now().date()
        if data.get("period") == "custom":
            since, until = data.get("since"), data.get("until")
            if not since or not until:
                raise forms.ValidationError("A custom period needs both a first and a last day.")
            if since > until:
                raise forms.ValidationError("The first day must come before the last day.")
            if until > today:
                raise forms.ValidationError("The last day can't be in the future.")
            if (until - since).days + 1 > MAX_DAYS:
                raise forms.ValidationError(f"A period is at most {MAX_DAYS} days.")
        account, number = data.get("account"), data.get("number")
        if account and number and number.account_id != account.pk:
            raise forms.ValidationError("That number belongs to another account.")
        return data

    def period_value(self) -> Period:
        today = timezone.now().date()
        data = self.cleaned_data
        if data.get("period") == "custom":
            return Period(data["since"], data["until"])
        days = int(data.get("period") or 30)
        return Period(today - timedelta(days=days - 1), today)
