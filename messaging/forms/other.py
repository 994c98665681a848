"""Location, contact card and reaction."""

from django import forms

from ..models import Message
from ..services import compose, limits
from ..services.compose import Draft
from ..services.contacts import normalise_wa_id
from .compose import ComposeForm, limited

QUICK_REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏")


class SendLocationForm(ComposeForm):
    kind = "location"
    label = "Location"
    checked_as_typed = ("latitude", "longitude")

    latitude = forms.FloatField(
        min_value=-90, max_value=90, widget=forms.NumberInput(attrs={"step": "any", "placeholder": "51.5007"}),
        error_messages={"required": "Give the latitude.", "invalid": "The latitude is a number, e.g. 51.5007.",
                        "min_value": compose.LATITUDE_RANGE, "max_value": compose.LATITUDE_RANGE},
    )
    longitude = forms.FloatField(
        min_value=-180, max_value=180, widget=forms.NumberInput(attrs={"step": "any", "placeholder": "-0.1246"}),
        error_messages={"required": "Give the longitude.", "invalid": "The longitude is a number, e.g. -0.1246.",
                        "min_value": compose.LONGITUDE_RANGE, "max_value": compose.LONGITUDE_RANGE},
    )
    name = forms.CharField(required=False, label="Place name", widget=limited(limits.LOCATION_NAME, label="Place name"))
    address = forms.CharField(required=False, widget=limited(limits.LOCATION_ADDRESS, label="Address"))

    def build(self, data: dict) -> Draft:
        return compose.location_draft(
            latitude=data["latitude"], longitude=data["longitude"], name=data.get("name", ""),
            address=data.get("address", ""),
        )


class SendContactCardForm(ComposeForm):
    kind = "contact"
    label = "Contact card"
    checked_as_typed = ("contact_phone", "contact_email")

    contact_name = forms.CharField(
        label="Name (as shown on the card)", widget=limited(limits.CONTACT_NAME, label="Name"),
        error_messages={"required": "The name is required."},
    )
    first_name = forms.CharField(
        required=False, label="First name (optional)", widget=limited(limits.CONTACT_FIELD, label="First name")
    )
    last_name = forms.CharField(
        required=False, label="Last name (optional)", widget=limited(limits.CONTACT_FIELD, label="Last name")
    )
    contact_phone = forms.CharField(
        required=False, label="Phone", widget=limited(limits.CONTACT_FIELD, label="Phone", placeholder="+44 7700 900123")
    )
    contact_email = forms.EmailField(required=False, label="Email", error_messages={"invalid": "Enter a valid email address."})
    organization = forms.CharField(required=False, label="Company", widget=limited(limits.CONTACT_FIELD, label="Company"))

    def clean_contact_phone(self):
        # The card's number follows the rule of every number we send to; checked here too so the
        # page can ask about this one field while the rest of the card is still empty.
        phone = self.cleaned_data.get("contact_phone", "")
        if phone:
            normalise_wa_id(phone)
        return phone

    def build(self, data: dict) -> Draft:
        return compose.contact_card_draft(
            name=data["contact_name"], first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
            phone=data.get("contact_phone", ""), email=data.get("contact_email", ""),
            organization=data.get("organization", ""),
        )


class SendReactionForm(ComposeForm):
    kind = "reaction"
    label = "Reaction"

    message = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": "Choose a message to react to."})
    emoji = forms.CharField(required=False, strip=True, label="Emoji", widget=forms.TextInput(attrs={"size": 4}))

    quick_reactions = QUICK_REACTIONS

    def build(self, data: dict) -> Draft:
        target = Message.objects.filter(pk=data["message"], conversation=self.conversation).first()
        return compose.reaction_draft(conversation=self.conversation, target=target, emoji=data.get("emoji", ""))

    def target(self) -> Message | None:
        """The message being reacted to (for the template)."""
        pk = self["message"].value()
        if not str(pk or "").isdigit():
            return None
        return Message.objects.filter(pk=pk, conversation=self.conversation).first()
