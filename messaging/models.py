"""Contacts, conversations, messages with their status history, flows, and raw webhook events."""

import hashlib
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import BusinessAccount, PhoneNumber

SERVICE_WINDOW = timedelta(hours=24)


class Label(models.Model):
    """A coloured label of one business account, on contacts (campaign audiences call them tags) and
    on conversations (the team inbox): one model for both, managed by administrators in Settings."""

    class Colour(models.TextChoices):
        GREY = "grey", "Grey"
        RED = "red", "Red"
        ORANGE = "orange", "Orange"
        YELLOW = "yellow", "Yellow"
        GREEN = "green", "Green"
        TEAL = "teal", "Teal"
        BLUE = "blue", "Blue"
        PURPLE = "purple", "Purple"
        PINK = "pink", "Pink"

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=50)
    colour = models.CharField(max_length=16, choices=Colour.choices, default=Colour.GREY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="one_label_name_per_account")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A WhatsApp user as one business account knows them: (account, WhatsApp id).

    The same person writing to two accounts is two contacts, so names, notes, opt-outs and the
    timeline of one business never leak into another's.
    """

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="contacts")
    wa_id = models.CharField("WhatsApp id", max_length=32, help_text="Digits with country code.")
    user_id = models.CharField(
        "business-scoped user id", max_length=128, blank=True, help_text="Meta's BSUID, when a webhook carries one."
    )
    name = models.CharField(max_length=200, blank=True)
    opted_out = models.BooleanField(default=False, help_text="Does not want marketing messages.")
    opted_out_at = models.DateTimeField(null=True, blank=True, help_text="When they asked to stop marketing.")
    marketing_limited_until = models.DateTimeField(
        null=True, blank=True,
        help_text="Meta refused a marketing template to them (131049, its per-customer marketing limit): "
        "no marketing template before this time.",
    )
    notes = models.TextField(blank=True)
    attributes = models.JSONField(
        default=dict, blank=True, help_text="Name → text (first_name, city …), from imports or typed; campaigns fill "
        "template parameters from them."
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="contacts", help_text="Tags, for segments.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "wa_id"]
        constraints = [models.UniqueConstraint(fields=["account", "wa_id"], name="one_contact_per_account_wa_id")]

    def __str__(self) -> str:
        return f"{self.name} (+{self.wa_id})" if self.name else f"+{self.wa_id}"


class ContactEvent(models.Model):
    """The contact's timeline: marketing opt-out / opt-in and number changes, with where they came from."""

    class Kind(models.TextChoices):
        MARKETING_STOP = "marketing_stop", "Stopped marketing messages"
        MARKETING_RESUME = "marketing_resume", "Resumed marketing messages"
        PREFERENCE = "preference", "Other preference"
        NUMBER_CHANGED = "number_changed", "Changed phone number"

    class Source(models.TextChoices):
        USER_PREFERENCES = "user_preferences", "WhatsApp setting (user_preferences webhook)"
        KEYWORD = "keyword", "Keyword in a message (STOP / START)"
        SYSTEM_MESSAGE = "system", "WhatsApp system message"
        FAILED_SEND = "failed_send", "A marketing send failed: the customer opted out (131050)"
        MANUAL = "manual", "Changed by a person"
        IMPORT = "import", "Contact import"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    source = models.CharField(max_length=32, choices=Source.choices)
    detail = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True, help_text="What Meta sent, as it sent it.")
    occurred_at = models.DateTimeField(help_text="Meta's time for it.")
    webhook_event = models.ForeignKey(
        "WebhookEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_events"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["contact", "kind", "occurred_at"], name="contact_event_kind_idx")]

    def __str__(self) -> str:
        return f"{self.contact}: {self.get_kind_display()}"


class Conversation(models.Model):
    """All messages between one contact and one of our phone numbers."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending (waiting on the customer)"
        SNOOZED = "snoozed", "Snoozed"
        RESOLVED = "resolved", "Resolved"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.CASCADE, related_name="conversations")
    last_inbound_at = models.DateTimeField(null=True, blank=True, help_text="When the customer last wrote.")
    last_message_at = models.DateTimeField(default=timezone.now)
    unread_count = models.PositiveIntegerField(default=0)
    # The inbox row shows it (type, snippet, who, Meta's time) from the same query as the row.
    last_message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The newest message by Meta's time, for the inbox row.",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    read_up_to = models.DateTimeField(
        null=True, blank=True, help_text="Meta's time of the newest customer message marked read at Meta."
    )
    typing_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When we last showed the customer “typing…” (rate limit)."
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True, help_text="A snoozed conversation reopens then.")
    state_changed_at = models.DateTimeField(null=True, blank=True)
    labels = models.ManyToManyField(Label, blank=True, related_name="conversations")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_message_at"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "phone_number"], name="one_conversation_per_pair"),
        ]
        # The inbox: newest activity first, per number, per assignee, and the unread ones.
        indexes = [
            models.Index(fields=["phone_number", "-last_message_at", "-id"], name="conversation_inbox_idx"),
            models.Index(fields=["assigned_to", "-last_message_at"], name="conversation_assigned_idx"),
            # The inbox poll of an operator of several numbers (and an administrator's) walks these in
            # order and stops at the page's end: (time, id) both in the index, so no sort of a
            # growing set (EXPLAIN in docs/webhooks.md), all and unread only.
            models.Index(fields=["-last_message_at", "-id"], name="conversation_recent_idx"),
            models.Index(
                fields=["-last_message_at", "-id"], condition=models.Q(unread_count__gt=0),
                name="conversation_unread_recent_idx",
            ),
            models.Index(fields=["last_inbound_at"], name="conversation_window_idx"),
            # The inbox's counts per state (one GROUP BY over the user's numbers) and its state filter.
            models.Index(fields=["phone_number", "state", "assigned_to"], name="conversation_state_idx"),
            # The beat's wake-up of snoozed conversations whose time has come.
            models.Index(
                fields=["snoozed_until"], condition=models.Q(state="snoozed"), name="conversation_snoozed_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ↔ {self.phone_number}"

    @property
    def window_open_until(self) -> datetime | None:
        """The end of the customer-service window (24 h after the customer last wrote)."""
        return self.last_inbound_at + SERVICE_WINDOW if self.last_inbound_at else None

    def window_is_open(self, now: datetime | None = None) -> bool:
        until = self.window_open_until
        return until is not None and until > (now or timezone.now())


class ConversationEvent(models.Model):
    """What the team did to a conversation, or what happened to it: state changes (a customer's message
    reopening it too), assignments, labels. The thread shows them as small system lines; insights
    measure response and resolution times from them. Append-only."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        REOPENED = "reopened", "Reopened by the customer"
        PENDING = "pending", "Marked pending"
        SNOOZED = "snoozed", "Snoozed"
        RESOLVED = "resolved", "Resolved"
        # Opened by a person (or by the timer when a snooze ends): never a customer's message, so
        # response times start only at ``opened`` / ``reopened``.
        MARKED_OPEN = "marked_open", "Marked open"
        ASSIGNED = "assigned", "Assigned"
        LABELLED = "labelled", "Labels changed"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who did it; empty when the customer's message or a timer did.",
    )
    details = models.JSONField(default=dict, blank=True, help_text="e.g. the assignee, the labels, snoozed until.")
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "occurred_at"], name="conversation_event_thread_idx"),
            models.Index(fields=["kind", "occurred_at"], name="conversation_event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation}: {self.get_kind_display()}"


class Note(models.Model):
    """A private note in a thread: the team's, never a ``Message``, never sent to WhatsApp."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="note_thread_idx")]

    def __str__(self) -> str:
        return f"Note on {self.conversation}"


class Mention(models.Model):
    """A colleague ``@mentioned`` in a note: they are notified until they have seen it."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions")
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["note", "user"], name="one_mention_per_note_user")]
        indexes = [models.Index(fields=["user", "seen_at"], name="mention_unseen_idx")]


class CannedReply(models.Model):
    """A saved reply of one business account, picked in the composer by its short code (``/code``).

    Shared by the account's team (``owner`` empty, managed by administrators in Settings) or an
    operator's own (``owner`` set, managed from the console). The body may hold ``{{first_name}}``,
    ``{{name}}`` and ``{{<attribute>}}``, filled from the contact when it is picked. It is free
    text: it can only be sent inside the customer-service window."""

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="canned_replies")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="canned_replies",
        help_text="Empty: the account's team shares it. Set: this person's own.",
    )
    code = models.CharField(max_length=32, help_text="Typed after / in the composer: letters, digits, - and _.")
    title = models.CharField(max_length=100)
    body = models.TextField(max_length=4096)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "code"], condition=models.Q(owner__isnull=True),
                                    name="one_shared_canned_code_per_account"),
            models.UniqueConstraint(fields=["account", "owner", "code"], condition=models.Q(owner__isnull=False),
                                    name="one_personal_canned_code_per_owner"),
        ]
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return f"/{self.code}"


class OperatorPresence(models.Model):
    """Whether a console user is at their desk: the console POSTs a heartbeat every
    ``PRESENCE_HEARTBEAT`` seconds, saying "away" when its tab is hidden. No heartbeat for
    ``PRESENCE_AWAY_AFTER`` reads as away, none for ``PRESENCE_OFFLINE_AFTER`` as offline."""

    class Status(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="presence")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ONLINE)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["status", "last_seen"], name="presence_online_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.status}"


class AutoAssignment(models.Model):
    """Round-robin for one number: each unassigned conversation a customer writes in goes to the next
    operator of the number who is online (``OperatorPresence``), in turn. Off unless switched on."""

    phone_number = models.OneToOneField(PhoneNumber, on_delete=models.CASCADE, primary_key=True,
                                        related_name="auto_assignment")
    enabled = models.BooleanField(default=False)
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Whose turn it was last: the next online operator after them gets the next conversation.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Round-robin on {self.phone_number_id}: {'on' if self.enabled else 'off'}"


class Message(models.Model):
    """One message in or out. Outbound ones move queued → accepted → sent → delivered → read."""

    class Direction(models.TextChoices):
        INBOUND = "in", "Inbound"
        OUTBOUND = "out", "Outbound"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        ACCEPTED = "accepted", "Accepted by WhatsApp"
        # Meta's answer said held_for_quality_assessment (portfolio pacing): it may still go out
        # (then "sent") or be dropped (failed, 132015).
        HELD = "held", "Held by WhatsApp for a quality check"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        PLAYED = "played", "Played"
        FAILED = "failed", "Failed"
        RECEIVED = "received", "Received"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    wamid = models.CharField("WhatsApp message id", max_length=255, unique=True, null=True, blank=True)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    type = models.CharField(max_length=32, default="text")
    payload = models.JSONField(default=dict, blank=True, help_text="The type's object, as in the Cloud API.")
    text = models.TextField(blank=True, help_text="Body or caption, for display and search.")
    context_wamid = models.CharField(max_length=255, blank=True, help_text="The message this one quotes.")
    context = models.JSONField(default=dict, blank=True, help_text="Meta's context object (forwarded, product …).")
    referral = models.JSONField(default=dict, blank=True, help_text="The click-to-WhatsApp ad it came from.")
    errors = models.JSONField(default=list, blank=True, help_text="Every error object Meta attached.")
    target_wamid = models.CharField(
        max_length=255, blank=True, db_index=True, help_text="What a reaction, edit or revoke applies to."
    )
    target = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="updates",
        help_text="The message this reaction, edit or revoke was applied to, once we have it.",
    )
    reactions = models.JSONField(default=dict, blank=True, help_text="Reactor's WhatsApp id → emoji.")
    media_asset = models.ForeignKey(
        "media_lib.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages",
        help_text="The file of an image, video, audio, document or sticker message (sent or received).",
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    previous_versions = models.JSONField(default=list, blank=True, help_text="Text and payload before each edit.")
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="When the sender deleted it.")
    read_at_meta = models.DateTimeField(
        null=True, blank=True, help_text="Inbound: when we told Meta we read it (Meta marks earlier ones read too)."
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    status_at = models.DateTimeField(null=True, blank=True, help_text="Meta's time of the current status.")
    error_code = models.IntegerField(null=True, blank=True)
    error_title = models.CharField(max_length=255, blank=True)
    error_details = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    meta_timestamp = models.DateTimeField(null=True, blank=True, help_text="When Meta says it was sent.")
    # A sender may cap its own messages below the number's throughput (a campaign's rate): every
    # message with the same ``rate_group`` shares at most ``rate_cap`` sends per second.
    rate_group = models.CharField(max_length=64, blank=True, help_text="e.g. campaign:12; empty for console sends.")
    rate_cap = models.PositiveIntegerField(null=True, blank=True, help_text="Messages per second for the group.")
    resend_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends",
        help_text="The failed message support staff sent again as this one.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        # The thread pages (keyset on created_at, id). Message text search on PostgreSQL uses
        # trigram indexes created by migration 0003 (they need the pg_trgm extension).
        indexes = [
            models.Index(fields=["conversation", "created_at", "id"], name="message_thread_page_idx"),
            # Messages by error code (a campaign's dispatcher looks for 132015 every second). It names
            # no column a status update changes (status, updated_at): on PostgreSQL such an update
            # is "HOT" then, writing no index entry at all (migration 0022), and only rows with an
            # error are in it, so the look-up stays small.
            models.Index(fields=["error_code"], condition=models.Q(error_code__isnull=False),
                         name="message_error_code_idx"),
        ]
        permissions = [("send_message", "Can send messages")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.type} {self.wamid or self.uuid}"

    @property
    def reaction_emojis(self) -> list[str]:
        return [emoji for emoji in (self.reactions or {}).values() if isinstance(emoji, str) and emoji]


class MessageStatusEvent(models.Model):
    """One status Meta reported for one wamid; the message's timeline. Unique per (wamid, status)."""

    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="status_events"
    )
    # Looked up by the (wamid, status) constraint's index, wamid first: an index of its own (two on
    # PostgreSQL, with LIKE's) only cost every one of the ~3 inserts per message.
    wamid = models.CharField(max_length=255)
    status = models.CharField(max_length=16)
    timestamp = models.DateTimeField()
    recipient_id = models.CharField(max_length=64, blank=True)
    recipient_type = models.CharField(max_length=16, blank=True, help_text="'group' for the Groups API.")
    recipient_participant_id = models.CharField(max_length=64, blank=True, help_text="Group member it refers to.")
    errors = models.JSONField(default=list, blank=True)
    pricing = models.JSONField(default=dict, blank=True)
    conversation_info = models.JSONField(default=dict, blank=True)
    webhook_event = models.ForeignKey(
        "WebhookEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="status_events"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["timestamp", "id"]
        constraints = [models.UniqueConstraint(fields=["wamid", "status"], name="one_status_per_wamid")]

    def __str__(self) -> str:
        return f"{self.wamid} {self.status}"


class MessageSendAttempt(models.Model):
    """One call to Meta to send an outbound message, and how it ended: support sees every try.

    Holds Meta's error text and ids, never the message body. Numbered from 1 per message while
    the message is claimed (``deliver_messages``), so two racing tasks cannot share a number.
    """

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted by WhatsApp"
        RETRYABLE = "retryable", "Failed (retryable error)"
        PERMANENT = "permanent", "Failed (permanent error)"
        UNKNOWN = "unknown", "No answer (may have been sent)"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="send_attempts")
    number = models.PositiveSmallIntegerField(help_text="1 for the first call to Meta, 2 for the next …")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(help_text="How long Meta (or the network) took to answer.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_subcode = models.IntegerField(null=True, blank=True)
    error_title = models.CharField(max_length=255, blank=True, help_text="Meta's error_user_title.")
    error_message = models.CharField(max_length=500, blank=True, help_text="Meta's (or the network's) error text.")
    error_details = models.TextField(blank=True, help_text="Meta's error_data.details.")
    fbtrace_id = models.CharField(max_length=64, blank=True, help_text="Quote it to Meta support.")

    class Meta:
        ordering = ["message", "number"]
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="one_send_attempt_per_number")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of message {self.message_id}: {self.get_outcome_display()}"


class Flow(models.Model):
    """A WhatsApp Flow of one of our accounts, as Meta last described it."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        PUBLISHED = "PUBLISHED", "Published"
        DEPRECATED = "DEPRECATED", "Deprecated"
        THROTTLED = "THROTTLED", "Throttled (max 10 sends an hour)"
        BLOCKED = "BLOCKED", "Blocked (cannot be sent or opened)"

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="flows")
    flow_id = models.CharField("Flow id", max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=32, default=Status.DRAFT, help_text="Meta's status; new ones kept as sent.")
    status_changed_at = models.DateTimeField(null=True, blank=True, help_text="Meta's time of the last status change.")
    categories = models.JSONField(default=list, blank=True)
    validation_errors = models.JSONField(default=list, blank=True)
    json_version = models.CharField(max_length=16, blank=True)
    data_api_version = models.CharField(max_length=16, blank=True)
    endpoint_uri = models.CharField(max_length=500, blank=True, help_text="The flow's data endpoint (https).")
    health_status = models.JSONField(default=dict, blank=True)
    alerts = models.JSONField(
        default=dict, blank=True, help_text="Latest alert per kind (ENDPOINT_ERROR_RATE …) from the flows webhook."
    )
    meta_updated_at = models.DateTimeField(null=True, blank=True, help_text="Meta's updated_at of the flow.")
    synced_at = models.DateTimeField(null=True, blank=True, help_text="When Meta's list last included it.")
    preview_url = models.CharField(max_length=1000, blank=True, help_text="Meta's preview link (as Meta gave it).")
    preview_expires_at = models.DateTimeField(null=True, blank=True)
    health_phone_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The sending number health_status was last read for.",
    )
    health_checked_at = models.DateTimeField(null=True, blank=True)
    endpoint_handler = models.CharField(
        max_length=64, blank=True, help_text="The data endpoint's handler for this flow (messaging/flow_handlers)."
    )
    endpoint_config = models.JSONField(default=dict, blank=True, help_text="The handler's settings, e.g. screen data.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "flow_id"]

    def __str__(self) -> str:
        return f"{self.name or 'Flow'} ({self.flow_id})"

    @property
    def status_label(self) -> str:
        """Our words for Meta's status (the field keeps any status Meta sends, so it has no choices)."""
        try:
            return self.Status(self.status).label
        except ValueError:
            return self.status

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def can_deprecate(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.THROTTLED, self.Status.BLOCKED)


class FlowStatusChange(models.Model):
    """One step of a flow's history: a status change or an alert, as the webhook, a sync or the console saw it."""

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "Meta (webhook)"
        SYNC = "sync", "Sync with Meta"
        CONSOLE = "console", "Console"

    STATUS_CHANGE = "FLOW_STATUS_CHANGE"

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="history")
    event = models.CharField(max_length=64, help_text="FLOW_STATUS_CHANGE, or the alert (ENDPOINT_ERROR_RATE …).")
    old_status = models.CharField(max_length=32, blank=True)
    new_status = models.CharField(max_length=32, blank=True)
    message = models.CharField(max_length=255, blank=True, help_text="What Meta said, or what was done here.")
    details = models.JSONField(default=dict, blank=True, help_text="The webhook value (alerts: rates, thresholds).")
    source = models.CharField(max_length=16, choices=Source.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    webhook_event = models.ForeignKey(
        "WebhookEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(help_text="Meta's time for webhooks; ours otherwise.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["flow", "-occurred_at"], name="flowstatuschange_flow_idx")]

    def __str__(self) -> str:
        if self.event == self.STATUS_CHANGE:
            return f"{self.flow}: {self.old_status or '—'} → {self.new_status}"
        return f"{self.flow}: {self.event}"

    @property
    def is_status_change(self) -> bool:
        return self.event == self.STATUS_CHANGE


class FlowJsonVersion(models.Model):
    """A Flow JSON text as uploaded to Meta (exactly those characters) and the problems Meta found in it."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="json_versions")
    text = models.TextField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validation_errors = models.JSONField(default=list, blank=True, help_text="Meta's validation_errors, as sent.")

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.flow} JSON of {self.uploaded_at:%Y-%m-%d %H:%M}"

    @property
    def is_valid(self) -> bool:
        return not self.validation_errors


def _flow_token_value() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class FlowToken(models.Model):
    """A ``flow_token`` we handed out with a flow message: the data endpoint accepts only these.

    Unknown, expired or completed tokens are answered 427 (Meta then closes the flow with our message).
    """

    token = models.CharField(max_length=128, unique=True, default=_flow_token_value, editable=False)
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="tokens")
    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.CASCADE, related_name="flow_tokens")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="flow_tokens"
    )
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="flow_tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="The last data endpoint request with it.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Flow token {self.pk} of {self.flow_id}"


class FlowEndpointStat(models.Model):
    """Data endpoint requests of one flow (none: pings and undecryptable requests) and number in one hour.

    Meta retired its endpoint metrics API, so the flow's page charts these: requests, errors by HTTP
    code and latency. Rows are added to, never read back per request.
    """

    hour = models.DateTimeField(help_text="The start of the hour (UTC).")
    flow = models.ForeignKey(Flow, null=True, blank=True, on_delete=models.CASCADE, related_name="endpoint_stats")
    phone_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.CASCADE, related_name="flow_endpoint_stats"
    )
    requests = models.PositiveIntegerField(default=0)
    errors_421 = models.PositiveIntegerField(default=0, help_text="Could not decrypt.")
    errors_427 = models.PositiveIntegerField(default=0, help_text="Flow token unknown, expired or completed.")
    errors_432 = models.PositiveIntegerField(default=0, help_text="Signature mismatch.")
    errors_other = models.PositiveIntegerField(default=0, help_text="Any other error (4xx, 500).")
    latency_ms_total = models.PositiveBigIntegerField(default=0)
    latency_ms_max = models.PositiveIntegerField(default=0)
    slow = models.PositiveIntegerField(default=0, help_text="Requests answered in more than a second.")

    class Meta:
        ordering = ["-hour"]
        indexes = [models.Index(fields=["flow", "hour"], name="flowendpointstat_flow_hour")]


class AppointmentSlot(models.Model):
    """A time the example "appointment booking" flow handler offers; booked by the customer's flow token."""

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="appointment_slots")
    starts_at = models.DateTimeField()
    label = models.CharField(max_length=100, blank=True, help_text="E.g. the person or room; shown with the time.")
    booked_by = models.OneToOneField(
        FlowToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointment"
    )
    booked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.label}".strip()


class FlowResponse(models.Model):
    """What a customer submitted at the end of a Flow (an ``nfm_reply`` message)."""

    class TokenState(models.TextChoices):
        VALID = "valid", "Ours, in time"
        EXPIRED = "expired", "Expired"
        UNKNOWN = "unknown", "Token unknown"

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="flow_response")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="flow_responses")
    flow = models.ForeignKey(Flow, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses")
    flow_token = models.CharField(max_length=512, blank=True, db_index=True)
    token = models.ForeignKey(
        FlowToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses",
        help_text="The token we issued, when the reply carries one of ours.",
    )
    token_state = models.CharField(
        max_length=16, choices=TokenState.choices, default=TokenState.UNKNOWN,
        help_text="What the reply's flow_token was when it arrived; kept even when unknown or expired.",
    )
    response = models.JSONField(default=dict, blank=True, help_text="response_json, parsed.")
    raw_response = models.TextField(blank=True, help_text="response_json exactly as Meta sent it.")
    parse_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Flow response {self.flow_token or self.pk} from {self.contact}"

    @property
    def fields(self) -> list[tuple[str, object]]:
        """The submitted values without the token, for display."""
        data = self.response if isinstance(self.response, dict) else {}
        return [(key, value) for key, value in data.items() if key != "flow_token"]


class WebhookEvent(models.Model):
    """A signed POST from Meta, stored before anything else happens to it."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed (will not be lost: replay it)"
        REJECTED = "rejected", "Rejected (malformed payload)"
        UNROUTABLE = "unroutable", "Unknown phone number"

    account = models.ForeignKey(BusinessAccount, null=True, blank=True, on_delete=models.SET_NULL)
    body = models.TextField()
    # The exact bytes Meta sent: ``body`` is their text (NULs and bad UTF-8 replaced), so only
    # these can be checked against ``body_sha256`` — replay refuses a row where they differ.
    raw_body = models.BinaryField(null=True, editable=False)
    body_sha256 = models.CharField(max_length=64, unique=True)
    field = models.CharField(max_length=64, blank=True, db_index=True)
    phone_number_id = models.CharField(max_length=64, blank=True, db_index=True)
    # The first entry's WABA id as the body names it: the signer may be another account of the same
    # Meta app (accounts sharing an app share its secret), so ``account`` alone can't tell whose it is.
    waba_id = models.CharField("WABA id", max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    error = models.TextField(blank=True)
    unhandled_fields = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # How many of the event's items (messages, statuses, changes) are applied: a large event is
    # applied in chunks, and a crash or a failing chunk resumes from here.
    applied_items = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # The drain picks the oldest pending event again and again: without this partial
            # index each pick scans past every processed row (8 ms at 10,000 events).
            models.Index(fields=["id"], condition=models.Q(state="pending"), name="webhookevent_pending_idx"),
            # "When did we last hear from Meta" (the health page), for an account and for a number:
            # the newest row is the first entry of the index, not a sort of all of them.
            models.Index(fields=["account", "received_at"], name="webhookevent_account_last_idx"),
            models.Index(fields=["phone_number_id", "received_at"], name="webhookevent_number_last_idx"),
            models.Index(fields=["waba_id", "received_at"], name="webhookevent_waba_last_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.field or 'webhook'} #{self.pk} ({self.state})"

    def stored_bytes(self) -> bytes:
        """What Meta sent; rows stored before ``raw_body`` existed have only their text."""
        return bytes(self.raw_body) if self.raw_body is not None else self.body.encode("utf-8")

    def stored_text(self) -> str:
        """The bytes as the handlers read them (the same replacements as ``body``)."""
        return self.stored_bytes().decode("utf-8", errors="replace").replace("\x00", "\ufffd")

    def tampered(self) -> str:
        """Why the stored bytes cannot be trusted (they do not hash to ``body_sha256``), or ``""``."""
        if hashlib.sha256(self.stored_bytes()).hexdigest() == self.body_sha256:
            return ""
        return "Refused: the stored bytes do not match body_sha256 (the event was altered after it was received)."
