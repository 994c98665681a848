"""The inbox's filters (URL query parameters, so a filtered view is a link), assignment, paging."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError

from ..selectors import InboxFilters
from ..selectors.cursors import decode_cursor

WINDOW_CHOICES = [("", "Any window"), ("open", "Window open"), ("closed", "Window closed")]
ASSIGNED_CHOICES = [("", "Mine and unassigned"), ("me", "Assigned to me"), ("others", "Assigned to someone else"),
                    ("nobody", "Unassigned"), ("anyone", "Anyone")]
STATE_CHOICES = [("open", "Open"), ("pending", "Pending"), ("snoozed", "Snoozed"), ("resolved", "Resolved"),
                 ("all", "All")]
SEARCH_MAX_LENGTH = 100


class InboxFilterForm(forms.Form):
    q = forms.CharField(
        required=False, max_length=SEARCH_MAX_LENGTH, label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, number or message text"}),
        error_messages={"max_length": f"Search for at most {SEARCH_MAX_LENGTH} characters."},
    )
    number = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Number")
    window = forms.ChoiceField(required=False, choices=WINDOW_CHOICES, label="Window")
    assigned = forms.ChoiceField(required=False, choices=ASSIGNED_CHOICES, label="Assigned")
    unread = forms.BooleanField(required=False, label="Unread only")
    state = forms.ChoiceField(required=False, choices=STATE_CHOICES, label="State")
    # Any id: a label the user cannot see filters to nothing (the list is scoped anyway), and the
    # 2-second poll needs no query for the choices.
    label = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Label",
                               error_messages={"invalid": "Choose a label from the list.",
                                               "min_value": "Choose a label from the list.",
                                               "max_value": "Choose a label from the list."})
    before = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, numbers=(), labels=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [("", "All numbers")] + [(n.pk, f"+{n.display_phone_number}") for n in numbers]
        several = len({label.account_id for label in labels}) > 1
        self.label_choices = [("", "Any label")] + [
            (label.pk, f"{label.name} ({label.account.name})" if several else label.name) for label in labels
        ]

    def clean_before(self) -> tuple[datetime, int] | None:
        value = self.cleaned_data.get("before")
        if not value:
            return None
        try:
            return decode_cursor(value)
        except ValueError:
            raise ValidationError("That page of the inbox does not exist; start again from the top.") from None

    def filters(self) -> InboxFilters:
        data = self.cleaned_data
        return InboxFilters(
            q=data.get("q", "").strip(), number=data.get("number"), window=data.get("window", ""),
            assigned=data.get("assigned", ""), unread=bool(data.get("unread")), before=data.get("before"),
            state=data.get("state") or "open", label=data.get("label"),
        )


class ThreadCursorForm(forms.Form):
    """``before`` (load older) or ``after`` (the polled live part) of a thread."""

    before = forms.CharField(required=False)
    after = forms.CharField(required=False)

    def _cursor(self, name: str):
        value = self.cleaned_data.get(name)
        if not value:
            return None
        try:
            return decode_cursor(value)
        except ValueError:
            raise ValidationError("That page of the conversation does not exist; reload it.") from None

    def clean_before(self):
        return self._cursor("before")

    def clean_after(self):
        return self._cursor("after")


class AssignForm(forms.Form):
    """``assignee``: a user id, ``me`` or empty (nobody)."""

    assignee = forms.CharField(required=False)

    def __init__(self, *args, user, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.candidates = candidates

    def clean_assignee(self):
        value = (self.cleaned_data.get("assignee") or "").strip()
        if not value:
            return None
        if value == "me":
            return self.user
        if not value.isdigit():
            raise ValidationError("Choose someone who works this number.")
        assignee = self.candidates.filter(pk=int(value)).first()
        if assignee is None:
            raise ValidationError("Choose someone who works this number.")
        return assignee
