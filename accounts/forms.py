from django import forms

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
        if commit:
            account.save()
        return account
