from django.contrib import admin, messages
from django.db.models import Q

from accounts.access import accessible_phone_numbers, sees_every_number
from accounts.admin_audit import AuditedAdminMixin
from accounts.admin_history import FixedOnceSavedMixin, ReadOnlyHistoryMixin
from accounts.admin_scope import ScopedAdminMixin

from .admin_compose import ContactComposeMixin, ConversationComposeMixin
from .admin_support import MessageSupportActionsMixin
from .models import (
    Contact,
    ContactEvent,
    Conversation,
    Flow,
    FlowJsonVersion,
    FlowResponse,
    FlowStatusChange,
    Message,
    MessageSendAttempt,
    MessageStatusEvent,
    WebhookEvent,
)
from .webhook_events import replay_webhook_events


class ContactEventInline(admin.TabularInline):
    model = ContactEvent
    extra = 0
    fields = ("occurred_at", "kind", "source", "detail", "webhook_event")
    readonly_fields = fields
    can_delete = False


@admin.register(Contact)
class ContactAdmin(ScopedAdminMixin, AuditedAdminMixin, ContactComposeMixin, admin.ModelAdmin):
    scope_account = "account"
    list_display = ("wa_id", "name", "account", "opted_out", "opted_out_at", "updated_at", "compose")
    list_filter = ("opted_out", "account")
    list_select_related = ("account",)
    # events__detail holds "+old → +new": a number the customer used before finds them too.
    search_fields = ("wa_id", "user_id", "name", "events__detail")
    readonly_fields = ("compose", "opted_out_at", "created_at", "updated_at")
    inlines = [ContactEventInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields  # a new contact names its (scoped) account
        # Who the customer is (their number, Meta's user id) and what they chose (a STOP) are
        # theirs: changed by webhooks and the console's recorded preferences, never typed over here.
        return ("account", "wa_id", "user_id", "opted_out") + self.readonly_fields

    @admin.display(description="Compose")
    def compose(self, obj):
        return self.compose_link(obj) if obj.pk else "—"


@admin.register(ContactEvent)
class ContactEventAdmin(ScopedAdminMixin, AuditedAdminMixin, ReadOnlyHistoryMixin, admin.ModelAdmin):
    scope_phone = "contact__conversations__phone_number"
    list_display = ("contact", "kind", "source", "detail", "occurred_at")
    list_filter = ("kind", "source")
    list_select_related = ("contact",)
    search_fields = ("contact__wa_id", "contact__name", "detail")
    raw_id_fields = ("contact", "webhook_event")


@admin.register(Conversation)
class ConversationAdmin(ScopedAdminMixin, AuditedAdminMixin, FixedOnceSavedMixin, ConversationComposeMixin, admin.ModelAdmin):
    fixed_once_saved = ("contact", "phone_number")
    scope_account = "phone_number__account"
    scope_phone = "phone_number"
    list_display = ("contact", "phone_number", "last_message_at", "last_inbound_at", "unread_count", "compose")
    list_select_related = ("contact", "phone_number")
    search_fields = ("contact__wa_id", "contact__name", "phone_number__display_phone_number")
    raw_id_fields = ("contact", "phone_number", "assigned_to")
    readonly_fields = ("compose", "read_up_to", "typing_sent_at")

    @admin.display(description="Compose")
    def compose(self, obj):
        return self.compose_link(obj) if obj.pk else "—"


class StatusEventInline(admin.TabularInline):
    model = MessageStatusEvent
    extra = 0
    fields = ("status", "timestamp", "errors", "pricing", "webhook_event")
    readonly_fields = fields
    can_delete = False


class SendAttemptInline(admin.TabularInline):
    """Every call to Meta for the message, as it happened: a record, so nobody edits it here."""

    model = MessageSendAttempt
    extra = 0
    fields = (
        "number",
        "started_at",
        "duration_ms",
        "outcome",
        "http_status",
        "error_code",
        "error_subcode",
        "error_title",
        "error_message",
        "error_details",
        "fbtrace_id",
    )
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(
    MessageSupportActionsMixin, ScopedAdminMixin, AuditedAdminMixin, ReadOnlyHistoryMixin, admin.ModelAdmin
):
    """What was sent and received, as it happened: read-only; support acts through the actions."""

    scope_account = "conversation__phone_number__account"
    scope_phone = "conversation__phone_number"
    list_display = ("__str__", "direction", "type", "status", "error_code", "conversation", "created_at")
    list_filter = ("direction", "status", "type")
    list_select_related = ("conversation__contact", "conversation__phone_number")
    search_fields = (
        "wamid",
        "uuid",
        "context_wamid",
        "target_wamid",
        "conversation__contact__wa_id",
        "conversation__phone_number__phone_number_id",
    )
    raw_id_fields = ("conversation", "sent_by", "target")
    readonly_fields = ("uuid", "created_at", "updated_at", "edited_at", "revoked_at", "previous_versions")
    inlines = [SendAttemptInline, StatusEventInline]


@admin.register(MessageSendAttempt)
class MessageSendAttemptAdmin(ScopedAdminMixin, AuditedAdminMixin, ReadOnlyHistoryMixin, admin.ModelAdmin):
    """Find a try by the fbtrace id Meta support quotes, or every failed try with one code."""

    scope_account = "message__conversation__phone_number__account"
    scope_phone = "message__conversation__phone_number"

    list_display = ("message", "number", "started_at", "outcome", "http_status", "error_code", "fbtrace_id", "duration_ms")
    list_filter = ("outcome", "error_code")
    list_select_related = ("message",)
    search_fields = ("fbtrace_id", "message__wamid", "message__uuid")
    raw_id_fields = ("message",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MessageStatusEvent)
class MessageStatusEventAdmin(ScopedAdminMixin, AuditedAdminMixin, ReadOnlyHistoryMixin, admin.ModelAdmin):
    """What Meta reported, as it reported it."""

    scope_account = "message__conversation__phone_number__account"
    scope_phone = "message__conversation__phone_number"
    list_display = ("wamid", "status", "timestamp", "message")
    list_filter = ("status",)
    search_fields = ("wamid", "recipient_id")
    raw_id_fields = ("message", "webhook_event")


class FlowStatusChangeInline(admin.TabularInline):
    """The flow's history (webhooks, syncs, console actions): a record, so nobody edits it here."""

    model = FlowStatusChange
    extra = 0
    fields = ("occurred_at", "event", "old_status", "new_status", "message", "source", "user", "webhook_event")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class FlowJsonVersionInline(admin.TabularInline):
    """Every Flow JSON uploaded from the console, as uploaded, with Meta's validation errors."""

    model = FlowJsonVersion
    extra = 0
    fields = ("uploaded_at", "uploaded_by", "validation_errors", "text")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Flow)
class FlowAdmin(ScopedAdminMixin, AuditedAdminMixin, FixedOnceSavedMixin, admin.ModelAdmin):
    fixed_once_saved = ("account", "flow_id", "status")
    scope_account = "account"
    list_display = ("flow_id", "name", "status", "status_changed_at", "account", "updated_at")
    list_filter = ("status", "account")
    list_select_related = ("account",)
    search_fields = ("flow_id", "name", "account__waba_id")
    raw_id_fields = ("account",)
    readonly_fields = ("status_changed_at", "alerts", "created_at", "updated_at")
    inlines = [FlowStatusChangeInline, FlowJsonVersionInline]


@admin.register(FlowResponse)
class FlowResponseAdmin(ScopedAdminMixin, AuditedAdminMixin, ReadOnlyHistoryMixin, admin.ModelAdmin):
    scope_account = "message__conversation__phone_number__account"
    scope_phone = "message__conversation__phone_number"
    list_display = ("pk", "flow_token", "contact", "flow", "parse_error", "created_at")
    list_select_related = ("contact", "flow")
    search_fields = ("flow_token", "message__wamid", "contact__wa_id", "flow__flow_id")
    raw_id_fields = ("message", "contact", "flow")
    readonly_fields = ("created_at",)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ScopedAdminMixin, AuditedAdminMixin, ReadOnlyHistoryMixin, admin.ModelAdmin):
    """What Meta sent, exactly as it arrived: every field is read-only (the state changes only
    through the replay actions, which check the stored bytes against their hash and audit)."""

    list_display = ("pk", "field", "phone_number_id", "state", "attempts", "received_at", "processed_at")
    list_filter = ("state", "field", "account")
    list_select_related = ("account",)
    search_fields = ("body_sha256", "phone_number_id", "body")
    scope_account = "account"
    service_audited_actions = ("replay", "replay_unprocessed")
    # With "Select all N" (select-across), Django hands an action the whole filtered changelist:
    # filter by state=failed, select all, replay — and every matching event is replayed.
    actions = ["replay", "replay_unprocessed"]

    def scope_queryset(self, request, queryset):
        # The signer's account must be theirs, and the number, when the event names one.
        queryset = super().scope_queryset(request, queryset)
        if sees_every_number(request.user):
            return queryset
        numbers = accessible_phone_numbers(request.user).values("phone_number_id")
        return queryset.filter(Q(phone_number_id="") | Q(phone_number_id__in=numbers))

    @admin.action(description="Replay selected events (idempotent)", permissions=["change"])
    def replay(self, request, queryset):
        self._replay(request, queryset)

    @admin.action(
        description="Replay the failed, rejected, unroutable or pending among the selected (use “select all”)",
        permissions=["change"],
    )
    def replay_unprocessed(self, request, queryset):
        self._replay(request, queryset.exclude(state=WebhookEvent.State.PROCESSED))

    def _replay(self, request, queryset):
        ids = list(queryset.order_by("received_at", "pk").values_list("pk", flat=True))
        replay = replay_webhook_events(event_ids=ids, actor=request.user, reason="Replayed from the admin")
        for pk, why in replay.refused:
            self.message_user(request, f"Event #{pk} not replayed. {why}", messages.ERROR)
        if replay.queued:
            self.message_user(request, f"Queued {replay.queued} event(s) for replay; their state updates as they run.")
            return
        level = messages.SUCCESS if replay.processed == replay.replayed else messages.WARNING
        self.message_user(request, f"Replayed {replay.replayed} event(s): {replay.processed} processed.", level)
