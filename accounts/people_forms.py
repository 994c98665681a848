"""The forms of Settings → People and roles: add a person; their roles and numbers."""

from django import forms
from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator

from . import roles
from .models import PhoneNumber
from .services.people import LINK, TEMPORARY

ROLE_CHOICES = [(name, name) for name in roles.ROLES]


class NumberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, phone: PhoneNumber) -> str:
        names = list(dict.fromkeys(name for name in (phone.verified_name, phone.account.name) if name))
        return f"+{phone.display_phone_number}" + "".join(f" · {name}" for name in names)


def _numbers() -> NumberChoiceField:
    return NumberChoiceField(
        queryset=PhoneNumber.objects.select_related("account").order_by("account__name", "display_phone_number"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Numbers",
        help_text="Operators, template managers and support see only these numbers; administrators see all.",
    )


class AccessForm(forms.Form):
    """What a person may do (roles) and on which numbers."""

    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False,
                                      label="Roles")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone_numbers"] = _numbers()


class AddPersonForm(AccessForm):
    name = forms.CharField(max_length=150, label="Name", help_text="As colleagues know them, e.g. Olivia Park.")
    email = forms.EmailField(max_length=254, label="E-mail")
    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        label="Username",
        help_text="What they log in with: letters, digits and @ . + - _ only.",
    )
    password = forms.ChoiceField(
        choices=[
            (LINK, "A set-password link: they choose their own password (the link works once)"),
            (TEMPORARY, "A temporary password, shown once here, to hand over"),
        ],
        initial=LINK,
        widget=forms.RadioSelect,
        label="How they get in",
    )

    field_order = ["name", "email", "username", "roles", "phone_numbers", "password"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
        self.fields["password"].choices = [
            (LINK, f"A set-password link: they choose their own password (the link works once, for {days} days)"),
            (TEMPORARY, "A temporary password, shown once here, to hand over"),
        ]
