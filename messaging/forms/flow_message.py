"""The composer's flow message: a flow of the conversation's account, its button, texts and first screen.

The token is not typed: it is generated when the message is sent (see ``services.compose_flow``)."""

from django import forms
from django.conf import settings

from ..services import compose_flow, limits
from ..services.compose import Draft
from .compose import limited
from .interactive import _InteractiveForm


class SendFlowForm(_InteractiveForm):
    kind = "flow"
    label = "Flow"

    flow = forms.ModelChoiceField(
        queryset=None, label="Flow", empty_label="— choose a flow —",
        error_messages={"required": "Choose the flow to send.",
                        "invalid_choice": "Choose a flow of this conversation's business account."},
    )
    flow_cta = forms.CharField(
        label="Button text", widget=limited(limits.FLOW_CTA, label="Button text", placeholder="e.g. Book a visit"),
        error_messages={"required": "The button text is required."},
    )
    flow_action = forms.ChoiceField(
        label="The flow starts", initial=compose_flow.NAVIGATE,
        choices=[(compose_flow.NAVIGATE, "on a screen of the flow (navigate)"),
                 (compose_flow.DATA_EXCHANGE, "by asking our data endpoint (data_exchange)")],
    )
    screen = forms.CharField(
        required=False, label="First screen", help_text="Its id in the Flow JSON (navigate only); empty: the first screen of the last uploaded JSON.",
        widget=limited(limits.FLOW_SCREEN, label="First screen", placeholder="e.g. WELCOME"),
    )
    data = forms.CharField(
        required=False, label="The first screen's data (JSON, optional)",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": '{"name": "Sheena"}', "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        flows = compose_flow.sendable_flows(self.conversation)
        self.fields["flow"].queryset = flows
        self.fields["flow"].label_from_instance = (
            lambda flow: f"{flow.name or flow.flow_id} — draft, testers only" if flow.is_draft else (flow.name or flow.flow_id)
        )
        self.has_drafts = any(flow.is_draft for flow in flows)
        self.no_flows = not flows.exists()
        self._checked: dict | None = None
        self.token_ttl_days = settings.FLOW_TOKEN_TTL_DAYS

    def build(self, data: dict) -> Draft | None:
        self._checked = compose_flow.check_flow_fields(
            conversation=self.conversation, flow=data.get("flow"), cta=data.get("flow_cta", ""), body=data.get("body", ""),
            header=data.get("header", ""), footer=data.get("footer", ""), action=data.get("flow_action", ""),
            screen=data.get("screen", ""), data=data.get("data", ""),
        )
        return None  # the token is issued when sent: see draft()

    def draft(self) -> Draft:
        assert self._checked is not None, "is_valid() first"
        return compose_flow.flow_draft(conversation=self.conversation, checked=self._checked)
