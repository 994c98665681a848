from django.contrib import admin

from .models import AccountEvent, BusinessAccount, BusinessProfile, PhoneNumber


class PhoneNumberInline(admin.TabularInline):
    model = PhoneNumber
    extra = 0
    fields = ("phone_number_id", "display_phone_number", "verified_name", "quality_rating")
    show_change_link = True


@admin.register(BusinessAccount)
class BusinessAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "waba_id", "app_id", "updated_at")
    search_fields = ("name", "waba_id", "app_id")
    # Secrets are write-only here: the form never renders the stored value back.
    exclude = ("access_token", "app_secret", "verify_token")
    inlines = [PhoneNumberInline]


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    list_display = ("display_phone_number", "phone_number_id", "verified_name", "quality_rating", "account")
    list_filter = ("quality_rating",)
    list_select_related = ("account",)
    search_fields = ("phone_number_id", "display_phone_number", "verified_name", "account__waba_id")
    raw_id_fields = ("account",)
    filter_horizontal = ("operators",)


@admin.register(BusinessProfile)
class BusinessProfileAdmin(admin.ModelAdmin):
    list_display = ("phone_number", "email", "vertical", "synced_at")
    list_select_related = ("phone_number",)
    search_fields = ("phone_number__phone_number_id", "phone_number__display_phone_number", "email")
    raw_id_fields = ("phone_number",)


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "account", "phone_number", "field", "event", "title", "severity", "active")
    list_filter = ("field", "severity", "active")
    list_select_related = ("account", "phone_number")
    search_fields = ("account__waba_id", "phone_number__phone_number_id", "event", "title")
    raw_id_fields = ("account", "phone_number")
