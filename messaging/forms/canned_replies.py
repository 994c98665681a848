"""A canned reply's form: which account, its short code, a title and the body with variables."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.access import accessible_accounts

from ..models import CannedReply
from ..services.canned_replies import CODE, check_body


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ["account", "code", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "code": "Typed after / in the composer, e.g. hours: lowercase letters, digits, - and _.",
            "body": "Variables: {{first_name}}, {{name}}, or any contact attribute such as {{city}}.",
        }

    def __init__(self, *args, user, personal: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.personal = user, personal
        accounts = accessible_accounts(user).order_by("name")
        self.fields["account"].queryset = accounts
        self.fields["account"].empty_label = None
        if self.instance.pk:
            self.fields["account"].disabled = True  # a reply moves to another business by being written again

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip().lstrip("/").lower()
        if not CODE.match(code):
            raise ValidationError("Use 1 to 32 lowercase letters, digits, - or _, starting with a letter or digit.")
        return code

    def clean_body(self) -> str:
        body = self.cleaned_data.get("body") or ""
        if not body.strip():
            raise ValidationError("Write the reply.")
        try:
            check_body(body)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["body"]) from None
        return body

    def clean(self):
        cleaned = super().clean()
        account, code = cleaned.get("account"), cleaned.get("code")
        if account and code:
            taken = CannedReply.objects.filter(account=account, code=code,
                                               owner=self.user if self.personal else None)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("code", f"/{code} is taken already: choose another code.")
        return cleaned
