"""Audiences' segments, campaigns and their recipients, and the dated price table campaigns and
insights price messages with. Contacts, their attributes, labels (tags) and consent are messaging's."""

import uuid

from django.conf import settings
from django.db import models

from accounts.models import BusinessAccount, PhoneNumber
from messaging.models import Contact, Message
from templates_mgr.models import MessageTemplate


class Segment(models.Model):
    """A saved audience: the account's contacts matching every rule (tags, attributes, recent writers, consent)."""

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(max_length=100)
    rules = models.JSONField(default=list, blank=True, help_text="A list of rules, all of which must hold.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="one_segment_name_per_account")]

    def __str__(self) -> str:
        return self.name


class PricingRate(models.Model):
    """What Meta charges for one delivered template of a category to a country, from a date on.

    Status webhooks say a message is billable and its category but carry no price, so prices come
    from this table, kept by administrators in Settings. ``country`` is an ISO 3166 region code
    (``GB``, ``IN``), or empty for "every other country".
    """

    class Category(models.TextChoices):
        MARKETING = "marketing", "Marketing"
        UTILITY = "utility", "Utility"
        AUTHENTICATION = "authentication", "Authentication"
        AUTHENTICATION_INTERNATIONAL = "authentication_international", "Authentication (international)"

    category = models.CharField(max_length=32, choices=Category.choices)
    country = models.CharField(max_length=2, blank=True, help_text="ISO region code; empty for every other country.")
    price = models.DecimalField(max_digits=10, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")
    valid_from = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "country", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["category", "country", "valid_from"],
                                               name="one_rate_per_category_country_date")]

    def __str__(self) -> str:
        return f"{self.category} {self.country or '*'} from {self.valid_from}: {self.price} {self.currency}"


RATE_GROUP_PREFIX = "campaign:"


class Campaign(models.Model):
    """One approved template sent to a segment's contacts from one number, at a rate, once each."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="campaigns")
    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(max_length=200)
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="campaigns")
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns")
    parameters = models.JSONField(
        default=dict, blank=True,
        help_text='Template parameter → where its value comes from, e.g. {"body.1": "first_name"}.',
    )
    rate_cap = models.PositiveIntegerField(null=True, blank=True, help_text="Messages per second, at most.")
    scheduled_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    state_reason = models.CharField(max_length=500, blank=True, help_text="Why it paused, in words.")
    state_changed_at = models.DateTimeField(null=True, blank=True, help_text="When it last started, paused …")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The one dispatcher allowed to hand this campaign's recipients to the message pipeline: a task
    # whose token is not this one stops (see campaigns/services/dispatch.py); its heartbeat tells the
    # sweep whether the dispatcher is still alive.
    dispatcher_token = models.UUIDField(null=True, blank=True, editable=False)
    dispatcher_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def rate_group(self) -> str:
        """What its messages carry as ``Message.rate_group``, so the rate limiter caps them together."""
        return f"{RATE_GROUP_PREFIX}{self.pk}"

    @staticmethod
    def id_of_rate_group(rate_group: str) -> int | None:
        """The campaign whose messages carry ``rate_group``; None for any other (a console send's is empty)."""
        prefix, _, pk = rate_group.partition(":")
        return int(pk) if f"{prefix}:" == RATE_GROUP_PREFIX and pk.isdigit() else None


class CampaignRecipient(models.Model):
    """One (campaign, contact), written before any send; its ``uuid`` becomes the message's UUID, so
    a lost answer or a crashed worker can never send it twice."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        QUEUED = "queued", "Queued"
        SUPPRESSED = "suppressed", "Suppressed"
        SKIPPED = "skipped", "Not sent (missing values)"
        DONE = "done", "Handed to the message pipeline"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="campaign_recipients")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=255, blank=True, help_text="Why it was suppressed or skipped.")
    parameters = models.JSONField(default=dict, blank=True, help_text="The values filled in for this recipient.")
    message = models.OneToOneField(Message, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="campaign_recipient")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "contact"], name="one_recipient_per_contact")]
        # With the id: the next pending recipients in order are read off the index, not sorted out of
        # all of the campaign's pending ones for every chunk (5 ms a chunk at 10,000 recipients).
        indexes = [models.Index(fields=["campaign", "state", "id"], name="recipient_next_pending_idx")]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.contact}"


class ContactImport(models.Model):
    """One CSV upload of contacts into an account, with the outcome of every row, kept so the
    report can be read again (who imported what, when, and why a row was refused)."""

    class State(models.TextChoices):
        IMPORTED = "imported", "Imported"
        CHECKED = "checked", "Checked only (nothing written)"
        REFUSED = "refused", "Refused (nothing written)"

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="contact_imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    region = models.CharField(max_length=2, blank=True, help_text="Default region for numbers without a country code.")
    state = models.CharField(max_length=16, choices=State.choices)
    reason = models.CharField(max_length=500, blank=True, help_text="Why the whole file was refused.")
    rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0, help_text="New contacts.")
    merged = models.PositiveIntegerField(default=0, help_text="Rows merged into an existing contact or an earlier row.")
    refused = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True,
                              help_text="One object per row: line, number as given, wa_id, outcome, reason.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} → {self.account} ({self.get_state_display()})"
