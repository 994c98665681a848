"""Business accounts (WABAs), their phone numbers and business profiles."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .encryption import EncryptedTextField


class BusinessAccount(models.Model):
    """A WhatsApp Business Account connected through one Meta app."""

    name = models.CharField(max_length=200)
    waba_id = models.CharField("WABA id", max_length=64, unique=True)
    app_id = models.CharField("Meta app id", max_length=64, blank=True)
    access_token = EncryptedTextField(help_text="System-user access token (stored encrypted).")
    app_secret = EncryptedTextField(help_text="The Meta app's secret, used to check webhook signatures.")
    verify_token = EncryptedTextField(help_text="The token you typed in Meta's webhook settings.")
    # What Meta reports about the account (webhooks; read-only in the admin).
    messaging_limit_tier = models.CharField(
        "portfolio messaging limit",
        max_length=32,
        blank=True,
        help_text="Unique customers per 24 h outside a service window, shared by the portfolio's numbers "
        "(Meta's max_daily_conversations_per_business, e.g. TIER_2K).",
    )
    max_phone_numbers = models.PositiveIntegerField(null=True, blank=True)
    messaging_limit_updated_at = models.DateTimeField(null=True, blank=True)
    ban_state = models.CharField(
        max_length=32, blank=True, help_text="DISABLE, SCHEDULE_FOR_DISABLE or REINSTATE (account_update)."
    )
    ban_date = models.CharField(max_length=64, blank=True, help_text="As Meta wrote it, e.g. “April 17, 2025”.")
    review_status = models.CharField(
        max_length=32, blank=True, help_text="Meta's account review: APPROVED, PENDING, DEFERRED or REJECTED."
    )
    restrictions = models.JSONField(
        default=list, blank=True, help_text="Current restriction_info: [{restriction_type, expiration}]."
    )
    restricted_until = models.DateTimeField(null=True, blank=True)
    # The last connection test (Settings → Accounts): what Meta said about the token and the WABA.
    connection_tested_at = models.DateTimeField(null=True, blank=True)
    connection_ok = models.BooleanField(null=True, blank=True, help_text="Outcome of the last connection test.")
    connection_checks = models.JSONField(
        default=list, blank=True, help_text="The last test's checks: [{check, ok, text}], in plain words, no secret."
    )
    token_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When the access token expires (debug_token); empty if it never does."
    )
    token_scopes = models.JSONField(default=list, blank=True, help_text="The token's permissions (debug_token).")
    owner_business_id = models.CharField(
        "business portfolio id", max_length=64, blank=True,
        help_text="The business portfolio owning the WABA (owner_business_info): messaging limits are shared by it.",
    )
    owner_business_name = models.CharField("business portfolio", max_length=200, blank=True)
    subscribed = models.BooleanField(
        null=True, blank=True, help_text="Whether our app receives this WABA's webhooks (subscribed_apps)."
    )
    subscription_callback_uri = models.CharField(
        max_length=500, blank=True, help_text="The WABA's override_callback_uri, if Meta reports one."
    )
    subscription_checked_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Set when an administrator disconnects the account: sending stops, webhooks are kept unroutable.",
    )
    disconnect_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("use_settings", "Use the console's Settings area (administrators)")]

    def __str__(self) -> str:
        return f"{self.name} ({self.waba_id})"

    @property
    def is_connected(self) -> bool:
        return self.disconnected_at is None

    def sending_blocked_reason(self, *, now=None) -> str:
        """Why nothing may be sent for this account now, or ``""``: disconnected, or its token expired."""
        if self.disconnected_at is not None:
            reason = f" ({self.disconnect_reason})" if self.disconnect_reason else ""
            return (f"The business account {self.name} was disconnected by an administrator{reason}: "
                    "nothing can be sent until it is reconnected in Settings → Accounts.")
        if self.token_expires_at is not None and self.token_expires_at <= (now or timezone.now()):
            return (f"The access token of {self.name} expired on {self.token_expires_at:%d %b %Y %H:%M} UTC: "
                    "nothing can be sent until an administrator renews it in Settings → Accounts.")
        return ""


class PhoneNumber(models.Model):
    """A business phone number registered on the Cloud API."""

    class Quality(models.TextChoices):
        GREEN = "GREEN", "High"
        YELLOW = "YELLOW", "Medium"
        RED = "RED", "Low"
        UNKNOWN = "UNKNOWN", "Unknown"

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="phone_numbers")
    phone_number_id = models.CharField(max_length=64, unique=True)
    display_phone_number = models.CharField(max_length=32)
    verified_name = models.CharField(max_length=200, blank=True)
    quality_rating = models.CharField(max_length=16, choices=Quality.choices, default=Quality.UNKNOWN)
    quality_event = models.CharField(
        max_length=32, blank=True, help_text="Meta's last phone_number_quality_update event (FLAGGED, UPGRADE …)."
    )
    quality_updated_at = models.DateTimeField(null=True, blank=True)
    messaging_limit_tier = models.CharField(max_length=32, blank=True)
    throughput_level = models.CharField(max_length=32, blank=True, default="STANDARD")
    name_status = models.CharField(
        "display name status", max_length=32, blank=True, help_text="APPROVED, PENDING, DEFERRED or REJECTED."
    )
    requested_verified_name = models.CharField(max_length=200, blank=True)
    name_rejection_reason = models.CharField(max_length=64, blank=True)
    name_status_updated_at = models.DateTimeField(null=True, blank=True)
    # What the last sync read from Meta (GET /{waba-id}/phone_numbers); blank until then.
    status = models.CharField(
        "number status", max_length=32, blank=True, help_text="CONNECTED, DISCONNECTED, FLAGGED, RESTRICTED …"
    )
    code_verification_status = models.CharField(
        max_length=32, blank=True, help_text="NOT_VERIFIED, VERIFIED or EXPIRED (only VERIFIED can register)."
    )
    platform_type = models.CharField(max_length=32, blank=True, help_text="CLOUD_API, ON_PREMISE or NOT_APPLICABLE.")
    account_mode = models.CharField(max_length=16, blank=True, help_text="LIVE or SANDBOX.")
    is_pin_enabled = models.BooleanField("two-step PIN set", null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True, help_text="When these facts were last read from Meta.")
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="phone_numbers",
        help_text="Users who may work this number's conversations (administrators see all).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_phone_number"]

    def __str__(self) -> str:
        label = self.verified_name or self.account.name
        return f"+{self.display_phone_number} ({label})"


class FlowKey(models.Model):
    """An RSA key pair of a number for the WhatsApp Flows data endpoint (docs/flows.md "Keys").

    Meta encrypts each endpoint request with the public half it was given for the number; the private
    half (encrypted at rest) decrypts it. During a rotation the new key is ``current`` and the old one
    ``retiring``: both decrypt until the old one is retired.
    """

    class State(models.TextChoices):
        CURRENT = "current", "Current"
        RETIRING = "retiring", "Retiring (still accepted)"
        RETIRED = "retired", "Retired (refused)"

    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.CASCADE, related_name="flow_keys")
    private_key = EncryptedTextField(help_text="PKCS#8 PEM (stored encrypted); never shown.")
    public_key = models.TextField(help_text="The PEM given to Meta as business_public_key.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.CURRENT, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    uploaded_at = models.DateTimeField(null=True, blank=True, help_text="When Meta last took this public key.")
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone_number"], condition=models.Q(state="current"), name="flowkey_one_current_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"Flow key {self.pk} of {self.phone_number_id} ({self.state})"


class RegistrationAttempt(models.Model):
    """One register or deregister call we made for a number, whatever Meta answered.

    Meta allows 10 of each per number per rolling 72 hours and then locks the number for 72 hours
    (133016); counting our own calls is how the console shows what is left before that happens.
    """

    class Action(models.TextChoices):
        REGISTER = "register", "Register"
        DEREGISTER = "deregister", "Deregister"

    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.CASCADE, related_name="registration_attempts")
    action = models.CharField(max_length=16, choices=Action.choices)
    at = models.DateTimeField()
    succeeded = models.BooleanField(default=False)
    error_code = models.IntegerField(null=True, blank=True, help_text="Meta's error code (133016 = locked).")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["phone_number", "action", "at"], name="registration_attempt_idx")]

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else f"failed ({self.error_code})"
        return f"{self.get_action_display()} {self.phone_number} at {self.at:%Y-%m-%d %H:%M}: {outcome}"


class BusinessProfile(models.Model):
    """The profile customers see for a phone number (about, address, websites …).

    A cache of Meta's copy: written only from Meta's answers (the Settings page reads it from Meta
    when opened and after each save), so it shows what customers saw last time we looked.
    """

    phone_number = models.OneToOneField(PhoneNumber, on_delete=models.CASCADE, related_name="profile")
    about = models.CharField(max_length=139, blank=True)
    address = models.CharField(max_length=256, blank=True)
    description = models.CharField(max_length=512, blank=True)
    email = models.EmailField(max_length=128, blank=True)
    websites = models.JSONField(default=list, blank=True)
    vertical = models.CharField(max_length=32, blank=True)
    # Meta's CDN link to the picture (long and signed; it changes whenever Meta re-signs it).
    profile_picture_url = models.TextField(blank=True)
    synced_at = models.DateTimeField(
        null=True, blank=True, help_text="When this copy was last read from Meta (Meta's copy is the real one)."
    )

    def __str__(self) -> str:
        return f"Profile of {self.phone_number}"


class AccountEvent(models.Model):
    """Something Meta reported about an account or number: a restriction, an alert, an error.

    Webhook handlers of every app record account-level news here; the console shows the ones
    still ``active`` as a banner and the admin lists them all.
    """

    class Severity(models.TextChoices):
        INFO = "info", "Information"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="events")
    phone_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    field = models.CharField(max_length=64, help_text="The webhook field it came from.")
    event = models.CharField(max_length=64, blank=True, help_text="Meta's event or error code.")
    topic = models.CharField(
        max_length=128,
        blank=True,
        help_text="Events of one topic (e.g. the account's ban state) supersede each other: "
        "only the latest can be active.",
    )
    title = models.CharField(max_length=255)
    details = models.JSONField(default=dict, blank=True, help_text="The webhook value, as Meta sent it.")
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.INFO)
    active = models.BooleanField(default=False, help_text="Shown as a banner in the console until resolved.")
    class Audience(models.TextChoices):
        EVERYONE = "everyone", "Everyone who works the account"
        ADMINISTRATORS = "administrators", "Administrators only"

    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="The banner goes away by itself then (a restriction's expiration)."
    )
    shown_from = models.DateTimeField(
        null=True, blank=True, help_text="The banner appears only from then (a token's expiry warning, 7 days ahead)."
    )
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    resolved_at = models.DateTimeField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    webhook_event_id = models.BigIntegerField(null=True, blank=True, help_text="messaging.WebhookEvent id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["account", "active"], name="account_event_active_idx"),
            models.Index(fields=["account", "topic", "occurred_at"], name="account_event_topic_idx"),
            # Every console page first asks whether any banner is up at all (accounts.context_processors).
            models.Index(fields=["id"], condition=models.Q(active=True), name="account_event_banner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account.name}: {self.title}"


class ConsolePreference(models.Model):
    """How one person likes the console to behave; a missing row means the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="console_preference")
    enter_sends = models.BooleanField(
        default=True, help_text="Enter sends and Shift+Enter starts a new line; off swaps them."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Console preferences of {self.user}"


class AuditEntryQuerySet(models.QuerySet):
    """The audit trail is append-only: bulk edits and deletes are refused too."""

    def update(self, **kwargs):
        raise PermissionError("Audit entries are append-only: they cannot be updated.")

    def delete(self):
        raise PermissionError("Audit entries are append-only: they cannot be deleted.")


class AuditEntry(models.Model):
    """Who did what, to which object, and why: one row per audited action, never changed.

    The object is kept as strings (app label, model, pk, label) because accounts may not import
    the apps above it. ``details`` never holds a secret or a message body. Deleting a user or an
    account keeps the entry (the foreign keys go null through Django's base manager; the
    username and the object's label stay).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True, help_text="Kept if the user is deleted.")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True, help_text="A dotted code, e.g. webhook_event.replay.")
    account = models.ForeignKey(
        BusinessAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    object_app = models.CharField(max_length=64, blank=True)
    object_model = models.CharField(max_length=64, blank=True)
    object_pk = models.CharField(max_length=64, blank=True, db_index=True)
    object_label = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_username or 'system'} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Audit entries are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only: they cannot be deleted.")
