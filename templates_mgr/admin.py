from django.contrib import admin, messages

from accounts.admin_audit import AuditedAdminMixin
from accounts.admin_history import FixedOnceSavedMixin, ReadOnlyHistoryMixin
from accounts.admin_scope import ScopedAdminMixin
from accounts.models import BusinessAccount

from .models import MessageTemplate, TemplateStatusChange, TemplateSyncState
from .rules import describe_errors
from .services.changes import delete_template
from .services.errors import MetaRefused, TemplateInvalid
from .services.submit import submit_draft
from .services.sync import SyncFailed, sync_templates


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
class MessageTemplateAdmin(ScopedAdminMixin, AuditedAdminMixin, FixedOnceSavedMixin, admin.ModelAdmin):
    fixed_once_saved = ("account", "template_id", "name", "language")
    scope_account = "account"
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
    actions = ["submit_drafts", "sync_with_meta", "delete_at_meta"]

    # The actions call the console's services, so support staff get the console's messages.

    @admin.action(description="Submit the selected drafts to Meta", permissions=["change"])
    def submit_drafts(self, request, queryset):
        for template in queryset.select_related("account"):
            try:
                submit_draft(template=template, user=request.user)
            except TemplateInvalid as invalid:
                self.message_user(request, f"{template} not submitted: " + " ".join(describe_errors(invalid.errors)), messages.ERROR)
            except MetaRefused as refused:
                self.message_user(request, f"{template} not submitted: {refused.message}", messages.ERROR)
            else:
                self.message_user(request, f"{template} submitted to Meta.", messages.SUCCESS)

    @admin.action(description="Sync the selected templates' accounts with Meta", permissions=["change"])
    def sync_with_meta(self, request, queryset):
        for account in BusinessAccount.objects.filter(pk__in=queryset.values("account_id")):
            try:
                result = sync_templates(account=account)
            except SyncFailed as failure:
                self.message_user(request, f"Sync of {account.name} failed: {failure}", messages.ERROR)
            else:
                self.message_user(request, f"Synced {account.name}: {result}.", messages.SUCCESS)

    @admin.action(description="Delete the selected templates at Meta (this language only)", permissions=["delete"])
    def delete_at_meta(self, request, queryset):
        for template in queryset.select_related("account"):
            try:
                delete_template(template=template, every_language=False, user=request.user)
            except TemplateInvalid as invalid:
                self.message_user(request, f"{template} not deleted: " + " ".join(describe_errors(invalid.errors)), messages.ERROR)
            except MetaRefused as refused:
                self.message_user(request, f"{template} not deleted: {refused.message}", messages.ERROR)
            else:
                self.message_user(request, f"{template} deleted at Meta.", messages.SUCCESS)


@admin.register(TemplateStatusChange)
class TemplateStatusChangeAdmin(ScopedAdminMixin, AuditedAdminMixin, ReadOnlyHistoryMixin, admin.ModelAdmin):
    scope_account = "template__account"
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


@admin.register(TemplateSyncState)
class TemplateSyncStateAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope_account = "account"
    list_display = ("account", "last_success_at", "failing", "last_error_at", "last_error")
    list_select_related = ("account",)
    readonly_fields = ("account", "last_success_at", "last_error", "last_error_at", "last_result")

    @admin.display(boolean=True)
    def failing(self, obj) -> bool:
        return obj.failing

    def has_add_permission(self, request) -> bool:
        return False
