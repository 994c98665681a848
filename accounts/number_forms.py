"""The forms of the Settings phone number pages; each field carries Meta's name for it."""

from django import forms
from django.core.validators import RegexValidator

from .models import BusinessAccount

_SIX_DIGITS = RegexValidator(r"^\d{6}$", "Enter exactly 6 digits.")
_LANGUAGE = RegexValidator(r"^[a-z]{2,3}(_[A-Z]{2})?$", "Enter a language code such as en or en_US.")


class SyncNumbersForm(forms.Form):
    account = forms.ModelChoiceField(queryset=BusinessAccount.objects.all(), widget=forms.HiddenInput)


class RequestCodeForm(forms.Form):
    code_method = forms.ChoiceField(
        label="Send the code by", choices=[("SMS", "SMS"), ("VOICE", "Voice call")], initial="SMS",
        widget=forms.RadioSelect,
    )
    language = forms.CharField(
        label="Language of the message", max_length=8, initial="en_US", validators=[_LANGUAGE],
        help_text="Meta's language code, e.g. en_US, es, pt_BR.",
    )


class VerifyCodeForm(forms.Form):
    code = forms.CharField(label="Code received", max_length=6, validators=[_SIX_DIGITS],
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class RegisterForm(forms.Form):
    pin = forms.CharField(
        label="Two-step PIN", max_length=6, validators=[_SIX_DIGITS],
        help_text="The number's 6-digit two-step verification PIN; if it has none yet, this one is set.",
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PinForm(forms.Form):
    pin = forms.CharField(label="New PIN", max_length=6, validators=[_SIX_DIGITS],
                          widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}))
    pin_again = forms.CharField(
        label="New PIN again", max_length=6,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("pin") and data.get("pin_again") != data["pin"]:
            self.add_error("pin_again", "The two PINs differ.")
        return data


class DeregisterForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand: the number stops sending and receiving messages until it is registered again.",
        error_messages={"required": "Tick the box to confirm: deregistering stops the number."},
    )
