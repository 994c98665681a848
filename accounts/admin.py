from django.contrib import admin, messages

from .admin_audit import AuditedAdminMixin
from .admin_history import ReadOnlyHistoryMixin
from .admin_scope import ScopedAdminMixin
from .forms import BusinessAccountAdminForm
from .models import AccountEvent, AuditEntry, BusinessAccount, BusinessProfile, PhoneNumber
from .services import resolve_account_events
from .signals import account_connected


class PhoneNumberInline(admin.TabularInline):
    model = PhoneNumber
    extra = 0
    fields = (
        "phone_number_id",
        "display_phone_number",
        "verified_name",
        "name_status",
        "quality_rating",
        "messaging_limit_tier",
    )
    readonly_fields = ("name_status", "messaging_limit_tier")
    show_change_link = True


@admin.register(BusinessAccount)
class BusinessAccountAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope_account = ""
    list_display = ("name", "waba_id", "app_id", "messaging_limit_tier", "review_status", "ban_state", "updated_at")
    list_filter = ("review_status", "ban_state", "messaging_limit_tier")
    search_fields = ("name", "waba_id", "app_id")
    # Secrets are write-only here: the form never renders the stored value back.
    form = BusinessAccountAdminForm
    # What Meta reports arrives by webhook; support staff read it here.
    readonly_fields = (
        "messaging_limit_tier",
        "max_phone_numbers",
        "messaging_limit_updated_at",
        "review_status",
        "ban_state",
        "ban_date",
        "restrictions",
        "restricted_until",
        # Settings → Accounts: the last connection test and the account's connection state.
        "connection_tested_at",
        "connection_ok",
        "connection_checks",
        "token_expires_at",
        "token_scopes",
        "owner_business_id",
        "owner_business_name",
        "subscribed",
        "subscription_callback_uri",
        "subscription_checked_at",
        "disconnected_at",
        "disconnect_reason",
    )
    inlines = [PhoneNumberInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.access_token:
            account_connected.send(sender=BusinessAccount, account=obj)


@admin.register(PhoneNumber)
class PhoneNumberAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope_account = "account"
    scope_phone = ""
    list_display = (
        "display_phone_number",
        "phone_number_id",
        "verified_name",
        "name_status",
        "quality_rating",
        "messaging_limit_tier",
        "throughput_level",
        "account",
    )
    list_filter = ("quality_rating", "name_status", "messaging_limit_tier", "throughput_level")
    list_select_related = ("account",)
    search_fields = ("phone_number_id", "display_phone_number", "verified_name", "account__waba_id")
    raw_id_fields = ("account",)
    filter_horizontal = ("operators",)
    readonly_fields = (
        "name_status",
        "requested_verified_name",
        "name_rejection_reason",
        "name_status_updated_at",
        "quality_event",
        "quality_updated_at",
    )


@admin.register(BusinessProfile)
class BusinessProfileAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope_account = "phone_number__account"
    scope_phone = "phone_number"
    list_display = ("phone_number", "email", "vertical", "synced_at")
    list_select_related = ("phone_number",)
    search_fields = ("phone_number__phone_number_id", "phone_number__display_phone_number", "email")
    raw_id_fields = ("phone_number",)


@admin.register(AccountEvent)
class AccountEventAdmin(ScopedAdminMixin, AuditedAdminMixin, ReadOnlyHistoryMixin, admin.ModelAdmin):
    """What Meta reported about an account: shown, never edited; the banner is resolved by the action."""

    scope_account = "account"
    list_display = (
        "occurred_at",
        "account",
        "phone_number",
        "field",
        "event",
        "title",
        "severity",
        "active",
        "resolved_at",
    )
    list_filter = ("field", "severity", "active")
    list_select_related = ("account", "phone_number")
    search_fields = ("account__waba_id", "phone_number__phone_number_id", "event", "title", "=webhook_event_id")
    raw_id_fields = ("account", "phone_number")
    readonly_fields = ("resolved_at", "created_at")
    actions = ["resolve"]

    @admin.action(description="Take selected events off the console banner", permissions=["change"])
    def resolve(self, request, queryset):
        count = resolve_account_events(events=queryset)
        self.message_user(request, f"Resolved {count} event(s).", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The audit trail, read-only for everybody: entries are never added, changed or deleted here."""

    scope_account = "account"
    list_display = ("at", "actor_username", "action", "object_model", "object_label", "account", "reason")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    list_select_related = ("account",)
    search_fields = ("actor_username", "action", "object_label", "=object_pk", "object_model")
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
