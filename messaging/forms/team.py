"""The team inbox's forms: a conversation's state, bulk actions on rows, labels, private notes."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ..models import Conversation, Label
from ..services.notes import NOTE_MAX_LENGTH

SNOOZE_CHOICES = [("1h", "1 hour"), ("3h", "3 hours"), ("tomorrow", "Tomorrow 9:00"), ("week", "Next week"),
                  ("custom", "Until…")]
BULK_ACTIONS = [("resolve", "Resolve"), ("open", "Reopen"), ("pending", "Mark pending"), ("assign", "Assign to…"),
                ("label", "Add label…")]
BULK_MAX = 200


def snooze_until(choice: str, custom=None, *, now=None):
    """The time a snooze choice means (``custom``: the operator's own, a datetime)."""
    now = timezone.localtime(now or timezone.now())
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "3h":
        return now + timedelta(hours=3)
    if choice == "tomorrow":
        return (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    if choice == "week":
        return (now + timedelta(days=7 - now.weekday())).replace(hour=9, minute=0, second=0, microsecond=0)
    return custom


class StateForm(forms.Form):
    """``state`` and, to snooze, ``snooze`` (a choice) or ``until`` (a date and time)."""

    state = forms.ChoiceField(choices=Conversation.State.choices)
    snooze = forms.ChoiceField(choices=SNOOZE_CHOICES, required=False)
    until = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])

    def clean(self):
        data = super().clean()
        if data.get("state") == Conversation.State.SNOOZED:
            until = snooze_until(data.get("snooze") or "custom", data.get("until"))
            if until is None:
                raise ValidationError("Say until when to snooze.")
            data["snoozed_until"] = until
        return data


class BulkForm(forms.Form):
    """The inbox's selected rows (``ids``) and what to do with them."""

    ids = forms.TypedMultipleChoiceField(coerce=int, error_messages={"required": "Select conversations first."})
    action = forms.ChoiceField(choices=BULK_ACTIONS)
    assign_to = forms.CharField(required=False)
    label = forms.IntegerField(required=False, min_value=1, max_value=2**62)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Any id is taken here; the view keeps only what the user may see and refuses the rest.
        self.fields["ids"].choices = [(value, value) for value in self.data.getlist("ids") if str(value).isdigit()
                                      and len(str(value)) < 19] if hasattr(self.data, "getlist") else []
        self.fields["ids"].error_messages["invalid_choice"] = "That selection is not a list of conversations."

    def clean_ids(self):
        ids = sorted(set(self.cleaned_data["ids"]))
        if len(ids) > BULK_MAX:
            raise ValidationError(f"Select at most {BULK_MAX} conversations at once.")
        return ids

    def clean(self):
        data = super().clean()
        if data.get("action") == "label" and not data.get("label"):
            self.add_error("label", "Choose a label.")
        return data


class LabelChoiceForm(forms.Form):
    label = forms.IntegerField(min_value=1, max_value=2**62, error_messages={"required": "Choose a label."})


class NoteForm(forms.Form):
    note = forms.CharField(max_length=NOTE_MAX_LENGTH, strip=True, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Write the note first.",
                                           "max_length": f"A note is at most {NOTE_MAX_LENGTH} characters."})


class LabelForm(forms.Form):
    """Settings → Labels: a label's name and colour (and, new, its account)."""

    account = forms.TypedChoiceField(coerce=int, required=False)
    name = forms.CharField(max_length=Label._meta.get_field("name").max_length, strip=True)
    colour = forms.ChoiceField(choices=Label.Colour.choices, initial=Label.Colour.GREY, widget=forms.RadioSelect)

    def __init__(self, *args, accounts=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.accounts = {account.pk: account for account in accounts or ()}
        if accounts is None:
            del self.fields["account"]
        else:
            self.fields["account"].required = True
            self.fields["account"].choices = [(a.pk, a.name) for a in self.accounts.values()]

    def clean_account(self):
        value = self.cleaned_data.get("account")
        return self.accounts.get(value)
