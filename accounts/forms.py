from django import forms
from django.core.validators import RegexValidator

from .models import BusinessAccount

_SECRETS = {
    "access_token": "System-user access token",
    "app_secret": "App secret",
    "verify_token": "Webhook verify token",
}


class BusinessAccountAdminForm(forms.ModelForm):
    """Secrets are write-only: the stored value is never rendered; a blank field keeps it."""

    new_access_token = forms.CharField(required=False, strip=True, widget=forms.PasswordInput, label=_SECRETS["access_token"])
    new_app_secret = forms.CharField(required=False, strip=True, widget=forms.PasswordInput, label=_SECRETS["app_secret"])
    new_verify_token = forms.CharField(required=False, strip=True, widget=forms.PasswordInput, label=_SECRETS["verify_token"])

    class Meta:
        model = BusinessAccount
        fields = ("name", "waba_id", "app_id")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        for name in _SECRETS:
            field = self.fields[f"new_{name}"]
            field.required = creating
            field.help_text = "Required." if creating else "Stored encrypted and never shown. Leave blank to keep it."

    def save(self, commit=True):
        account = super().save(commit=False)
        for name in _SECRETS:
            value = self.cleaned_data.get(f"new_{name}")
            if value:
                setattr(account, name, value)
        if self.cleaned_data.get("new_access_token"):
            # What was known of the old token (its expiry) no longer holds; the next connection test says.
            account.token_expires_at = None
            account.token_scopes = []
        if commit:
            account.save()
        return account


_DIGITS = RegexValidator(r"^\d{1,64}$", "Meta's ids are digits only (copy it from WhatsApp Manager or the app dashboard).")


def _secret_field(label: str, help_text: str) -> forms.CharField:
    # render_value=False: a secret typed once is never sent back to the browser, not even after an error.
    return forms.CharField(label=label, max_length=1000, strip=True, help_text=help_text,
                           widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))


class ConnectAccountForm(forms.Form):
    """Settings → Accounts → Connect: what Meta's app dashboard and Business Settings give you."""

    name = forms.CharField(max_length=200, help_text="How the console names this account.")
    waba_id = forms.CharField(label="WhatsApp Business Account id", max_length=64, validators=[_DIGITS],
                              help_text="WhatsApp Manager → Account tools, or the app's WhatsApp → API Setup page.")
    app_id = forms.CharField(label="Meta app id", max_length=64, validators=[_DIGITS],
                             help_text="The app dashboard's Settings → Basic page.")
    access_token = _secret_field("System-user access token", "Business Settings → System users → Generate token. "
                                 "Stored encrypted, never shown again.")
    app_secret = _secret_field("App secret", "Settings → Basic → App secret. Checks webhook signatures; stored "
                               "encrypted, never shown again.")
    verify_token = _secret_field("Webhook verify token", "Any phrase you choose; you paste the same one into the "
                                 "app's WhatsApp → Configuration page.")

    def clean_waba_id(self) -> str:
        waba_id = self.cleaned_data["waba_id"]
        if BusinessAccount.objects.filter(waba_id=waba_id).exists():
            raise forms.ValidationError("This WABA is connected already: open it in the list to rotate its token "
                                        "or reconnect it.")
        return waba_id


class RotateCredentialForm(forms.Form):
    """One new secret (the access token or the app secret): written, never read back."""

    FIELDS = {"access_token": "access token", "app_secret": "app secret"}

    field = forms.ChoiceField(choices=[(name, label.capitalize()) for name, label in FIELDS.items()],
                              widget=forms.HiddenInput)
    value = forms.CharField(max_length=1000, strip=True,
                            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))

    def __init__(self, *args, field: str = "", **kwargs):
        # Both forms sit on one page: their inputs need ids of their own.
        kwargs.setdefault("auto_id", f"id_{field}_%s" if field else "id_%s")
        super().__init__(*args, **kwargs)
        field = field or self.data.get("field", "")
        if field in self.FIELDS:
            self.fields["field"].initial = field
            self.fields["value"].label = f"New {self.FIELDS[field]}"


class DisconnectAccountForm(forms.Form):
    reason = forms.CharField(max_length=255, required=False, help_text="Kept with the account and in the audit log.")
    confirm = forms.BooleanField(label="I understand that nothing can be sent for this account until it is reconnected.")
