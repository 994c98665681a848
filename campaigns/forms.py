"""The campaign form: name, number, approved template, segment, where each placeholder's value comes
from, an optional rate cap and schedule. The form checks choices belong together; the planning
service checks the rest (its ``ValidationError`` lands on these same fields)."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.access import accessible_accounts, accessible_phone_numbers
from accounts.query_params import parse_id
from templates_mgr.models import MessageTemplate

from .mapping import NotFillable, Placeholder, placeholders_of, source_choices
from .models import Campaign, Segment
from .services.send_rate import number_throughput

PARAM_PREFIX = "param:"
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def service_errors(error: ValidationError, *, aliases: dict[str, str] | None = None) -> dict[str, list[str]]:
    """A service's ``ValidationError`` as field name → messages (``__all__`` for the form's own), the
    service's names mapped to the form's through ``aliases``."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    aliases = aliases or {}
    found: dict[str, list[str]] = {}
    for name, messages in by_field.items():
        found.setdefault(aliases.get(name, name), []).extend(messages)
    return found


class NumberChoice(forms.ModelChoiceField):
    def label_from_instance(self, phone) -> str:
        name = f" ({phone.verified_name})" if phone.verified_name else ""
        return f"+{phone.display_phone_number}{name} · {phone.account.name} · {number_throughput(phone)} msg/s"


class TemplateChoice(forms.ModelChoiceField):
    def label_from_instance(self, template) -> str:
        return f"{template.name} ({template.language}) · {template.get_category_display()} · {template.account.name}"


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    phone_number = NumberChoice(queryset=None, label="Sending number", empty_label="Choose the number…")
    template = TemplateChoice(queryset=None, label="Approved template", empty_label="Choose the template…",
                              help_text="Only approved templates of the number's business account can be sent.")
    segment = forms.ModelChoiceField(queryset=None, required=False, label="Audience segment",
                                     empty_label="Choose later (needed to launch)",
                                     help_text="Who receives it: a segment of the account's contacts.")
    rate_cap = forms.IntegerField(required=False, min_value=1, label="Rate cap (messages per second)",
                                  help_text="Optional: at most the number's throughput (shown with each number).")
    scheduled_at = forms.DateTimeField(required=False, label="Start at", input_formats=[DATETIME_LOCAL],
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
                                       help_text="Optional: leave empty to start when launched.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        accounts = accessible_accounts(user)
        self.fields["phone_number"].queryset = (accessible_phone_numbers(user).filter(account__in=accounts)
                                                .select_related("account").order_by("account__name", "display_phone_number"))
        self.fields["template"].queryset = (MessageTemplate.objects.filter(account__in=accounts,
                                                                           status=MessageTemplate.Status.APPROVED)
                                            .select_related("account").order_by("name", "language"))
        self.fields["segment"].queryset = Segment.objects.filter(account__in=accounts).order_by("name")
        self.fields["template"].widget.attrs["data-parameters"] = "template"
        self.chosen_template = self._chosen_template()
        self.placeholders: list[Placeholder] = []
        self.template_problem = ""
        self.parameter_errors: list[str] = []
        if self.chosen_template is not None:
            add_parameter_fields(self, self.chosen_template, initial=self.initial.get("parameters") or {})

    def _chosen_template(self) -> MessageTemplate | None:
        raw = self.data.get("template") if self.is_bound else self.initial.get("template")
        pk = raw.pk if isinstance(raw, MessageTemplate) else parse_id(raw)
        return self.fields["template"].queryset.filter(pk=pk).first() if pk else None

    def parameter_fields(self):
        return [self[PARAM_PREFIX + p.key] for p in self.placeholders]

    def clean(self):
        cleaned = super().clean()
        phone, template, segment = cleaned.get("phone_number"), cleaned.get("template"), cleaned.get("segment")
        if phone and template and template.account_id != phone.account_id:
            self.add_error("template", f"{template.name} belongs to {template.account.name}, not to the number's "
                                       f"account {phone.account.name}.")
        if phone and segment and segment.account_id != phone.account_id:
            self.add_error("segment", f"The segment {segment.name} is of another business account.")
        if phone and cleaned.get("rate_cap") and cleaned["rate_cap"] > number_throughput(phone):
            self.add_error("rate_cap", f"At most the number's throughput, {number_throughput(phone)} messages per second.")
        if self.template_problem:
            self.add_error("template", self.template_problem)
        cleaned["parameters"] = {p.key: cleaned.get(PARAM_PREFIX + p.key) for p in self.placeholders}
        return cleaned

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {"phone_number": data["phone_number"], "name": data["name"], "template": data["template"],
                "segment": data["segment"], "parameters": data["parameters"], "rate_cap": data["rate_cap"],
                "scheduled_at": data["scheduled_at"]}

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the planning service's errors on the fields they name (parameters: beside the mapping)."""
        for name, messages in service_errors(error, aliases={"account": "phone_number"}).items():
            if name == "parameters":
                self.parameter_errors.extend(messages)
            else:
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)


def add_parameter_fields(form: forms.Form, template: MessageTemplate, *, initial: dict) -> None:
    """One select per placeholder of ``template``: the contact's name, number or an attribute."""
    try:
        form.placeholders = placeholders_of(template)
    except NotFillable as exc:
        form.placeholders, form.template_problem = [], str(exc)
        return
    choices = [("", "Choose…")] + source_choices(template.account_id)
    values = {value for value, _ in choices}
    for placeholder in form.placeholders:
        name = placeholder.key.split(".", 1)[1]
        guess = initial.get(placeholder.key) or (name if name in values else "")
        example = f" — e.g. “{placeholder.example}”" if placeholder.example else ""
        form.fields[PARAM_PREFIX + placeholder.key] = forms.ChoiceField(
            choices=choices, initial=guess, label=f"{placeholder.label}{example}",
            error_messages={"required": f"Choose where {placeholder.label} comes from."},
        )


def initial_for(campaign: Campaign) -> dict:
    return {"name": campaign.name, "phone_number": campaign.phone_number, "template": campaign.template,
            "segment": campaign.segment, "rate_cap": campaign.rate_cap, "scheduled_at": campaign.scheduled_at,
            "parameters": campaign.parameters}


class TestSendForm(forms.Form):
    to_wa_id = forms.CharField(max_length=32, label="Your WhatsApp number",
                               help_text="With the country code. The template is sent once, filled from this "
                                         "contact's attributes when we know them, else from the template's examples.")


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(error_messages={"required": "Tick the box to confirm."})
