"""Forms of the audience pages (contact import, segments) and of Settings → Prices."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.access import accessible_accounts
from messaging.models import Label

from .models import PricingRate
from .services.contact_import import region_choices
from .services.segments import ATTRIBUTE_OPS, RULE_TYPES

RULE_ROWS = 3  # blank rule rows offered under the segment's rules


class ContactImportForm(forms.Form):
    account = forms.ModelChoiceField(queryset=None, label="Business account", empty_label=None)
    region = forms.ChoiceField(
        label="Default region", required=False,
        help_text="Numbers written without a country code are read as numbers of this region; with none chosen, "
                  "such numbers are refused.",
    )
    file = forms.FileField(label="CSV file", help_text="UTF-8, first line naming the columns: phone (or wa_id, number), "
                           "name, tags (separated by ; or ,), opted_out; any other column becomes an attribute.")
    check_only = forms.BooleanField(required=False, label="Check only: report what would happen, import nothing")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accessible_accounts(user).order_by("name")
        self.fields["region"].choices = [("", "None: every number has its country code"), *region_choices()]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise ValidationError("Upload a .csv file (from a spreadsheet: File → Save as → CSV UTF-8).")
        return upload


class SegmentForm(forms.Form):
    name = forms.CharField(max_length=100)

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:  # creating: which account's contacts
            self.fields["account"] = forms.ModelChoiceField(queryset=accounts, label="Business account", empty_label=None)


class RuleForm(forms.Form):
    type = forms.ChoiceField(choices=[("", "—"), *RULE_TYPES.items()], required=False, label="Rule")
    label = forms.ModelChoiceField(queryset=Label.objects.none(), required=False, empty_label="(label)")
    name = forms.CharField(max_length=64, required=False, label="Attribute")
    op = forms.ChoiceField(choices=[("", "(compare)"), *ATTRIBUTE_OPS.items()], required=False, label="Compare")
    value = forms.CharField(max_length=500, required=False)
    days = forms.IntegerField(required=False, min_value=1, max_value=3650, label="Days")

    def __init__(self, *args, labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        if labels is not None:
            self.fields["label"].queryset = labels

    def rule(self) -> dict | None:
        """The row as a rule dict for ``validate_rules``, or None for an empty row."""
        data = self.cleaned_data
        if not data.get("type"):
            return None
        label = data.get("label")
        return {"type": data["type"], "label": label.pk if label else None, "name": data.get("name", ""),
                "op": data.get("op", ""), "value": data.get("value", ""), "days": data.get("days")}


RuleFormSet = forms.formset_factory(RuleForm, extra=0, max_num=20, absolute_max=20, validate_max=True)


def rule_initial(rules: list[dict]) -> list[dict]:
    """A segment's stored rules as the rule rows' initial values, plus blank rows."""
    rows = [{"type": r.get("type"), "label": r.get("label"), "name": r.get("name", ""), "op": r.get("op", ""),
             "value": r.get("value", ""), "days": r.get("days")} for r in rules]
    return rows + [{}] * RULE_ROWS


class PricingRateForm(forms.Form):
    """One dated row of the price table (the service checks it and says what is wrong)."""

    category = forms.ChoiceField(choices=PricingRate.Category.choices)
    country = forms.CharField(max_length=2, required=False,
                              help_text="ISO region code (GB, IN); empty for every other country.")
    price = forms.DecimalField(max_digits=10, decimal_places=4, min_value=0, help_text="Per delivered template.")
    currency = forms.CharField(max_length=3, initial="USD")
    valid_from = forms.DateField(label="Valid from", widget=forms.DateInput(attrs={"type": "date"}))


class RateImportForm(forms.Form):
    file = forms.FileField(label="CSV of rates", help_text="Columns category, country, price, currency, valid_from "
                           "(YYYY-MM-DD); all rows are added or none.")
