"""Composing from the Django admin: support staff send a text, a media message or a template from
a conversation's (or a contact's) admin page — through the console's forms and services, so the
same limits, the same 24-hour window and the same double-submit guard apply.

Scoped like the console: a user sees only conversations on the numbers they may work
(``accessible_phone_numbers``; administrators and superusers see every number).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.access import accessible_phone_numbers

from . import selectors
from .forms import SendMediaForm, SendTextForm
from .services.sending import send_draft, window_closed_reason
from .url_names import url_or_blank

SEND = "messaging.send_message"


class AdminMediaForm(SendMediaForm):
    """The console's media form with the library file chosen by its id (the admin has no picker)."""

    media_asset = forms.IntegerField(
        required=False, label="Media library file id", widget=forms.NumberInput(attrs={"min": 1}),
        help_text="The id of a file in the media library (or upload one, or give a public link).",
    )


ADMIN_COMPOSE_FORMS = {"text": SendTextForm, "media": AdminMediaForm}


class ConversationComposeMixin:
    """Adds ``<id>/compose/`` to the conversation admin, and a link to it."""

    def get_urls(self):
        extra = [
            path(
                "<int:object_id>/compose/",
                self.admin_site.admin_view(self.compose_view),
                name="messaging_conversation_compose",
            )
        ]
        return extra + super().get_urls()

    @staticmethod
    def compose_link(obj) -> str:
        url = reverse("admin:messaging_conversation_compose", args=[obj.pk])
        return format_html('<a href="{}">Send a message</a>', url)

    def compose_view(self, request, object_id: int):
        if not (self.has_view_permission(request) and request.user.has_perm(SEND)):
            raise PermissionDenied
        conversation = selectors.conversation_for_user(request.user, object_id)
        bound = None
        if request.method == "POST":
            form_class = ADMIN_COMPOSE_FORMS.get(request.POST.get("kind"), SendTextForm)
            bound = form_class(request.POST, request.FILES, conversation=conversation, user=request.user)
            if bound.is_valid():
                try:
                    message = send_draft(conversation=conversation, draft=bound.draft(), reply_to=bound.reply_wamid,
                                         user=request.user, client_uuid=bound.cleaned_data["client_uuid"])
                except ValidationError as exc:
                    bound.add_service_error(exc)
                else:
                    self.message_user(request, f"Queued the {message.type} message to {conversation.contact}.", messages.SUCCESS)
                    return redirect("admin:messaging_conversation_compose", object_id=conversation.pk)
        context = self._compose_context(request, conversation, bound)
        return TemplateResponse(request, "admin/messaging/compose.html", context, status=400 if bound else 200)

    def _compose_context(self, request, conversation, bound) -> dict:
        forms_by_kind = {
            kind: bound if bound is not None and bound.kind == kind else form_class(conversation=conversation, user=request.user)
            for kind, form_class in ADMIN_COMPOSE_FORMS.items()
        }
        window_open = conversation.window_is_open()
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Send a message to {conversation.contact}",
            "conversation": conversation,
            "original": conversation,
            "text_form": forms_by_kind["text"],
            "media_form": forms_by_kind["media"],
            "window_open": window_open,
            "window_reason": "" if window_open else window_closed_reason(conversation),
            "template_send_url": url_or_blank("templates_mgr:conversation-send", conversation.pk),
            "recent": selectors.thread_latest(conversation, limit=10).messages,
        }


class ContactComposeMixin:
    """Adds ``<id>/compose/`` to the contact admin: the contact's conversations to send in."""

    def get_urls(self):
        extra = [
            path(
                "<int:object_id>/compose/",
                self.admin_site.admin_view(self.compose_view),
                name="messaging_contact_compose",
            )
        ]
        return extra + super().get_urls()

    @staticmethod
    def compose_link(obj) -> str:
        url = reverse("admin:messaging_contact_compose", args=[obj.pk])
        return format_html('<a href="{}">Send a message</a>', url)

    def compose_view(self, request, object_id: int):
        if not (self.has_view_permission(request) and request.user.has_perm(SEND)):
            raise PermissionDenied
        contact = self.get_object(request, str(object_id))
        if contact is None:
            raise Http404("No such contact.")
        # Only the contact's own account's numbers can write to it: another account's is another contact.
        numbers = accessible_phone_numbers(request.user).filter(account_id=contact.account_id)
        conversations = contact.conversations.filter(phone_number__in=numbers).select_related("phone_number")
        start = url_or_blank("templates_mgr:conversation-start")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Send a message to {contact}",
            "contact": contact,
            "original": contact,
            "conversations": conversations,
            "start_links": [
                (number, f"{start}?to=%2B{contact.wa_id}&phone_number={number.pk}") for number in numbers.order_by("display_phone_number")
            ] if start else [],
        }
        return TemplateResponse(request, "admin/messaging/contact_compose.html", context)
