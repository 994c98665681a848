from django.contrib import admin, messages

from .models import Contact, Conversation, Message, MessageStatusEvent, WebhookEvent
from .webhook_events import replay_webhook_event


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("wa_id", "name", "opted_out", "updated_at")
    list_filter = ("opted_out",)
    search_fields = ("wa_id", "name")


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("contact", "phone_number", "last_message_at", "last_inbound_at", "unread_count")
    list_select_related = ("contact", "phone_number")
    search_fields = ("contact__wa_id", "contact__name", "phone_number__display_phone_number")
    raw_id_fields = ("contact", "phone_number", "assigned_to")


class StatusEventInline(admin.TabularInline):
    model = MessageStatusEvent
    extra = 0
    fields = ("status", "timestamp", "errors", "pricing", "webhook_event")
    readonly_fields = fields
    can_delete = False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("__str__", "direction", "type", "status", "error_code", "conversation", "created_at")
    list_filter = ("direction", "status", "type")
    list_select_related = ("conversation__contact", "conversation__phone_number")
    search_fields = ("wamid", "uuid", "conversation__contact__wa_id", "conversation__phone_number__phone_number_id")
    raw_id_fields = ("conversation", "sent_by")
    readonly_fields = ("uuid", "created_at", "updated_at")
    inlines = [StatusEventInline]


@admin.register(MessageStatusEvent)
class MessageStatusEventAdmin(admin.ModelAdmin):
    list_display = ("wamid", "status", "timestamp", "message")
    list_filter = ("status",)
    search_fields = ("wamid", "recipient_id")
    raw_id_fields = ("message", "webhook_event")


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("pk", "field", "phone_number_id", "state", "attempts", "received_at", "processed_at")
    list_filter = ("state", "field")
    search_fields = ("body_sha256", "phone_number_id", "body")
    readonly_fields = ("body_sha256", "received_at", "processed_at", "attempts", "unhandled_fields")
    raw_id_fields = ("account",)
    actions = ["replay"]

    @admin.action(description="Replay selected events (idempotent)", permissions=["change"])
    def replay(self, request, queryset):
        results = [replay_webhook_event(event_id=pk).state for pk in queryset.values_list("pk", flat=True)]
        processed = results.count(WebhookEvent.State.PROCESSED)
        level = messages.SUCCESS if processed == len(results) else messages.WARNING
        self.message_user(request, f"Replayed {len(results)} event(s): {processed} processed.", level)
