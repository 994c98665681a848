import uuid

from django import forms

from .services.sending import TEXT_MAX_LENGTH


class SendTextForm(forms.Form):
    body = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Write a message…"}),
        error_messages={"required": "Write something before sending."},
    )
    preview_url = forms.BooleanField(required=False, label="Show link preview")
    # Generated when the form is rendered: a double submit carries the same id and queues once.
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
