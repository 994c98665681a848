"""What every compose form shares, and the text form.

Each form is bound to a conversation; ``clean()`` asks the kind's compose service for a
:class:`~messaging.services.compose.Draft` and spreads its ``ValidationError`` over the fields.
``client_uuid`` is generated when the form is rendered: a double submit carries the same id and
queues once. ``reply_to`` (a message pk) makes any kind a quoted reply.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from ..models import Conversation, Message
from ..services import compose, limits
from ..services.compose import Draft


def limited(maximum: int, *, label: str, textarea: bool = False, rows: int = 2, **attrs) -> forms.Widget:
    """A widget the console's script checks as the operator types (``data-limit``), with no
    ``maxlength``: pasting too much must show the rule, not be cut silently."""
    attrs = {"data-limit": str(maximum), "data-label": label, **attrs}
    if textarea:
        return forms.Textarea(attrs={"rows": rows, **attrs})
    return forms.TextInput(attrs=attrs)


class ComposeForm(forms.Form):
    kind = "text"
    label = "Text"

    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Fields whose rules the browser cannot know exactly: the page asks the server (this very form)
    # as the operator types, through messaging:conversation-compose-check.
    checked_as_typed: tuple[str, ...] = ()

    def __init__(self, *args, conversation: Conversation, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.conversation = conversation
        check_url = reverse("messaging:conversation-compose-check", args=[conversation.pk]) if conversation.pk else ""
        for name in self.checked_as_typed if check_url else ():
            self.fields[name].widget.attrs.update({
                "hx-post": check_url, "hx-trigger": "input changed delay:400ms, change", "hx-sync": "this:replace",
                "hx-target": f"#check-{self.add_prefix(name)}", "hx-swap": "innerHTML",
            })
        self.user = user
        self.reply_wamid = ""
        self.reply_message: Message | None = None
        self._draft: Draft | None = None

    def clean_reply_to(self):
        pk = self.cleaned_data.get("reply_to")
        if pk is None:
            return None
        message = Message.objects.filter(pk=pk, conversation=self.conversation).first()
        if message is None:
            raise ValidationError("That message is not in this conversation.")
        try:
            self.reply_wamid = compose.reply_target(conversation=self.conversation, message=message)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["reply_to"]) from None
        self.reply_message = message
        return pk

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self._draft = self.build(cleaned)
            except ValidationError as exc:
                self.add_service_error(exc)
        return cleaned

    def build(self, data: dict) -> Draft | None:
        """The draft for ``data`` (raising ``ValidationError`` keyed by field), or ``None`` to
        build it in :meth:`draft` (when building stores something, like an upload)."""
        raise NotImplementedError

    def draft(self) -> Draft:
        """What to queue; call after ``is_valid()``. May raise ``ValidationError``."""
        assert self._draft is not None, "is_valid() first"
        return self._draft

    def add_service_error(self, exc: ValidationError) -> None:
        """Put a service's error on the fields it names (the rest above the form)."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class SendTextForm(ComposeForm):
    kind = "text"
    label = "Text"

    body = forms.CharField(
        strip=True,
        widget=limited(limits.TEXT_BODY, label="Message", textarea=True, placeholder="Write a message…"),
        error_messages={"required": "Write something before sending."},
    )
    preview_url = forms.BooleanField(required=False, label="Show link preview")

    def build(self, data: dict) -> Draft:
        return compose.text_draft(body=data["body"], preview_url=data.get("preview_url", False))
