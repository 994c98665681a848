"""Message templates and their approval history."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import BusinessAccount


class MessageTemplate(models.Model):
    """One template in one language, as Meta has it (or a local draft not submitted yet)."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        PENDING = "PENDING", "Pending review"
        APPROVED = "APPROVED", "Approved"
        REJECTED = "REJECTED", "Rejected"
        PAUSED = "PAUSED", "Paused"
        DISABLED = "DISABLED", "Disabled"
        IN_APPEAL = "IN_APPEAL", "In appeal"
        FLAGGED = "FLAGGED", "Flagged"
        REINSTATED = "REINSTATED", "Reinstated"
        PENDING_DELETION = "PENDING_DELETION", "Pending deletion"
        DELETED = "DELETED", "Deleted"
        LIMIT_EXCEEDED = "LIMIT_EXCEEDED", "Limit exceeded"
        ARCHIVED = "ARCHIVED", "Archived"
        UNARCHIVED = "UNARCHIVED", "Unarchived"
        LOCKED = "LOCKED", "Locked"

    class Category(models.TextChoices):
        MARKETING = "MARKETING", "Marketing"
        UTILITY = "UTILITY", "Utility"
        AUTHENTICATION = "AUTHENTICATION", "Authentication"

    class Quality(models.TextChoices):
        GREEN = "GREEN", "High"
        YELLOW = "YELLOW", "Medium"
        RED = "RED", "Low"
        UNKNOWN = "UNKNOWN", "Unknown (quality pending)"

    class ParameterFormat(models.TextChoices):
        POSITIONAL = "POSITIONAL", "Positional ({{1}})"
        NAMED = "NAMED", "Named ({{first_name}})"

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="templates")
    template_id = models.CharField(
        "Meta template id", max_length=64, null=True, blank=True, help_text="Empty for a local draft."
    )
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16, help_text="Meta's form: en_US, pt_BR, en …")
    category = models.CharField(max_length=32, choices=Category.choices, blank=True)
    sub_category = models.CharField(max_length=32, blank=True)
    parameter_format = models.CharField(
        max_length=16, choices=ParameterFormat.choices, default=ParameterFormat.POSITIONAL
    )
    components = models.JSONField(default=list, blank=True)
    message_send_ttl_seconds = models.PositiveIntegerField(null=True, blank=True)

    # Blank only for a template first seen in a quality, category or components webhook, until a sync.
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.DRAFT, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, help_text="Meta's time of the current status.")
    status_title = models.CharField(
        max_length=64, blank=True, help_text="other_info.title: FIRST_PAUSE, SECOND_PAUSE, UNPAUSE …"
    )
    status_description = models.TextField(blank=True, help_text="other_info.description")
    disable_date = models.DateTimeField(null=True, blank=True, help_text="disable_info.disable_date")
    rejected_reason = models.CharField(max_length=64, blank=True, help_text="INVALID_FORMAT, PROMOTIONAL …")
    rejection_explanation = models.TextField(blank=True, help_text="rejection_info.reason")
    rejection_recommendation = models.TextField(blank=True, help_text="rejection_info.recommendation")

    quality_score = models.CharField(max_length=16, choices=Quality.choices, blank=True)
    quality_updated_at = models.DateTimeField(null=True, blank=True)

    previous_category = models.CharField(max_length=32, blank=True)
    correct_category = models.CharField(
        max_length=32, blank=True, help_text="Meta will re-categorise the template as this at category_change_at."
    )
    category_change_at = models.DateTimeField(null=True, blank=True)
    category_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="Meta's time of the last category news."
    )

    needs_sync = models.BooleanField(
        default=False, help_text="Meta changed something its webhook did not carry; the next sync fetches it."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name", "language"], name="template_name_language_unique"),
            models.UniqueConstraint(
                fields=["account", "template_id"],
                condition=Q(template_id__isnull=False),
                name="template_meta_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["account", "status"], name="template_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def rejection_detail(self) -> str:
        """Meta's explanation when it says more than the reason code (Meta often repeats the code)."""
        explanation = self.rejection_explanation.strip()
        same = explanation.upper().replace(" ", "_") == self.rejected_reason.upper()
        return "" if same else explanation


class TemplateStatusChange(models.Model):
    """One step of a template's approval history. Append-only; one row per (template, status, time)."""

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        SYNC = "sync", "Sync"
        USER = "user", "User"

    template = models.ForeignKey(MessageTemplate, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=32, blank=True)
    new_status = models.CharField(max_length=32)
    reason = models.CharField(max_length=64, blank=True)
    details = models.JSONField(
        default=dict, blank=True, help_text="other_info, rejection_info, disable_info … as Meta sent them."
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEBHOOK)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(help_text="Meta's time (entry.time) when known, else when we learnt it.")
    applied = models.BooleanField(
        default=True, help_text="False when it arrived after a newer change and so did not set the current status."
    )
    webhook_event_id = models.BigIntegerField(null=True, blank=True, help_text="messaging.WebhookEvent id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "new_status", "occurred_at"], name="template_status_change_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template}: {self.old_status or '—'} → {self.new_status}"


class TemplateEdit(models.Model):
    """One edit we sent to Meta: what Meta's edit limits for approved templates are counted from."""

    template = models.ForeignKey(MessageTemplate, on_delete=models.CASCADE, related_name="edits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=32, help_text="The status when edited (limits apply to APPROVED).")
    category_before = models.CharField(max_length=32, blank=True)
    components_before = models.JSONField(default=list, blank=True)
    edited_at = models.DateTimeField()

    class Meta:
        ordering = ["-edited_at", "-id"]
        indexes = [models.Index(fields=["template", "edited_at"], name="template_edit_idx")]

    def __str__(self) -> str:
        return f"Edit of {self.template} at {self.edited_at:%Y-%m-%d %H:%M}"


class TemplateNotice(models.Model):
    """News for the template manager who submitted a template (approved, rejected, paused),
    shown on their next page until they dismiss it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="template_notices")
    template = models.ForeignKey(MessageTemplate, on_delete=models.CASCADE, related_name="notices")
    status = models.CharField(max_length=32)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "seen_at"], name="template_notice_unseen_idx")]

    def __str__(self) -> str:
        return self.text


class TemplateSyncState(models.Model):
    """How the last syncs of an account's templates with Meta went: a failing sync is shown, never
    silently stale."""

    account = models.OneToOneField(BusinessAccount, on_delete=models.CASCADE, related_name="template_sync_state")
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When a sync was last asked for or started (spaces out on-demand syncs)."
    )
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True, help_text="Counts of the last successful sync.")

    def __str__(self) -> str:
        return f"Template sync of {self.account}"

    @property
    def failing(self) -> bool:
        return self.last_error_at is not None and (
            self.last_success_at is None or self.last_error_at > self.last_success_at
        )

    @property
    def in_flight(self) -> bool:
        """A sync was asked for and has neither succeeded nor failed since."""
        if self.last_attempt_at is None:
            return False
        return all(done is None or done < self.last_attempt_at for done in (self.last_success_at, self.last_error_at))
