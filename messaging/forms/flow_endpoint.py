"""The flow's data-endpoint settings: which handler answers, and its JSON configuration."""

import json

from django import forms

from ..flow_handlers import handler_choices
from ..flow_handlers.registry import config_errors

MAX_CONFIG_CHARS = 100_000


class FlowEndpointForm(forms.Form):
    handler = forms.ChoiceField(label="Handler", required=False)
    config = forms.CharField(
        label="Configuration (JSON)", required=False, max_length=MAX_CONFIG_CHARS,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
        help_text="For the static handler: first_screen and, per screen id, its data and the next screen.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].choices = [("", "None (the flow uses no endpoint)"), *handler_choices()]

    def clean(self):
        cleaned = super().clean()
        text = (cleaned.get("config") or "").strip() or "{}"
        try:
            config = json.loads(text)
        except ValueError as error:
            line, column = getattr(error, "lineno", 1), getattr(error, "colno", 1)
            self.add_error("config", f"Not JSON (line {line}, column {column}): {getattr(error, 'msg', error)}.")
            return cleaned
        handler = cleaned.get("handler") or ""
        for problem in config_errors(handler, config) if handler else []:
            self.add_error("config", problem)
        cleaned["config_value"] = config
        return cleaned
