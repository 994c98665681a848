"""The console's forms: one module per topic, one compose form per kind of message.

Forms check what they can alone (types, required fields) and hand the rest to the compose
services (``messaging.services.compose``), whose ``ValidationError`` lands on the field that
breaks Meta's rule — the same rules the admin's forms use.
"""

from .compose import ComposeForm, SendTextForm
from .contacts import ContactConsentForm, ContactNotesForm, ContactProfileForm, NewConversationForm
from .flow_message import SendFlowForm
from .inbox import AssignForm, InboxFilterForm, ThreadCursorForm
from .interactive import SendButtonsForm, SendCtaUrlForm, SendListForm
from .media import SendMediaForm
from .other import SendContactCardForm, SendLocationForm, SendReactionForm
from .team import BulkForm, LabelChoiceForm, LabelForm, NoteForm, StateForm

__all__ = [
    "COMPOSE_FORMS",
    "AssignForm",
    "BulkForm",
    "LabelChoiceForm",
    "LabelForm",
    "NoteForm",
    "StateForm",
    "ComposeForm",
    "ContactConsentForm",
    "ContactNotesForm",
    "ContactProfileForm",
    "InboxFilterForm",
    "NewConversationForm",
    "SendButtonsForm",
    "SendContactCardForm",
    "SendFlowForm",
    "SendCtaUrlForm",
    "SendListForm",
    "SendLocationForm",
    "SendMediaForm",
    "SendReactionForm",
    "SendTextForm",
    "ThreadCursorForm",
    "compose_form_class",
]

# The composer's tabs, in the order shown; the key travels as the form's ``kind`` field.
COMPOSE_FORMS: dict[str, type[ComposeForm]] = {
    form.kind: form
    for form in (
        SendTextForm,
        SendMediaForm,
        SendButtonsForm,
        SendListForm,
        SendCtaUrlForm,
        SendFlowForm,
        SendLocationForm,
        SendContactCardForm,
        SendReactionForm,
    )
}


def compose_form_class(kind: str | None) -> type[ComposeForm] | None:
    """The form for ``kind`` (text when none is given); ``None`` for an unknown kind."""
    return COMPOSE_FORMS.get(kind or SendTextForm.kind)
