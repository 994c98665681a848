"""Support staff's actions on messages in the admin: resend a failed one, mark one failed (with a
note asked for on an intermediate page). Both go through ``services.support_actions``, which apply
the rules of any send and write the audit entry."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from .services.support_actions import mark_message_failed, resend_message


class MarkFailedForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, strip=True,
        help_text="Why the message is given up on: kept on the message and in the audit trail.",
    )


class MessageSupportActionsMixin:
    actions = ["resend", "mark_failed"]
    service_audited_actions = ("resend", "mark_failed")

    @admin.action(description="Send the selected failed messages again (as new messages)", permissions=["change"])
    def resend(self, request, queryset):
        sent = 0
        for message in queryset.order_by("created_at", "pk"):
            try:
                resend_message(message=message, actor=request.user, reason="Resent from the admin")
            except ValidationError as refused:
                self.message_user(request, " ".join(refused.messages), messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(request, f"Queued {sent} new message(s).", messages.SUCCESS)

    @admin.action(description="Mark the selected messages failed (asks for a note)", permissions=["change"])
    def mark_failed(self, request, queryset):
        form = MarkFailedForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            marked = sum(
                mark_message_failed(message=message, actor=request.user, note=form.cleaned_data["note"])
                for message in queryset
            )
            skipped = queryset.count() - marked
            self.message_user(request, f"Marked {marked} message(s) failed.", messages.SUCCESS)
            if skipped:
                self.message_user(
                    request, f"{skipped} left alone: only outbound messages still queued, sending or accepted "
                    "can be marked failed.", messages.WARNING,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Mark messages failed",
            "opts": self.model._meta,
            "form": form,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/messaging/message/mark_failed.html", context,
                                status=400 if form.is_bound else 200)
