from django.contrib import admin

from .models import MessageTemplate, TemplateStatusChange


class StatusChangeInline(admin.TabularInline):
    """The approval history, read-only: it is append-only."""

    model = TemplateStatusChange
    extra = 0
    fields = (
        "occurred_at",
        "old_status",
        "new_status",
        "reason",
        "applied",
        "source",
        "user",
        "details",
        "webhook_event_id",
    )
    readonly_fields = fields
    can_delete = False
    ordering = ("-occurred_at", "-id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "language",
        "status",
        "category",
        "quality_score",
        "account",
        "template_id",
        "status_changed_at",
    )
    list_filter = ("status", "category", "language", "quality_score", "needs_sync")
    list_select_related = ("account",)
    search_fields = ("name", "template_id", "account__waba_id")
    raw_id_fields = ("account", "created_by")
    # What Meta decides is shown, not edited: it changes by webhook or sync.
    readonly_fields = (
        "status",
        "status_changed_at",
        "status_title",
        "status_description",
        "disable_date",
        "rejected_reason",
        "rejection_explanation",
        "rejection_recommendation",
        "quality_score",
        "quality_updated_at",
        "previous_category",
        "correct_category",
        "category_change_at",
        "category_updated_at",
        "submitted_at",
        "last_synced_at",
        "deleted_at",
        "created_at",
        "updated_at",
    )
    inlines = [StatusChangeInline]


@admin.register(TemplateStatusChange)
class TemplateStatusChangeAdmin(admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "template",
        "old_status",
        "new_status",
        "reason",
        "applied",
        "source",
        "webhook_event_id",
    )
    list_filter = ("new_status", "source", "applied")
    list_select_related = ("template",)
    search_fields = ("template__name", "template__template_id", "=webhook_event_id")
    raw_id_fields = ("template", "user")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
