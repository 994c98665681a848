"""Insights' own rows: figures per number and day, materialised from the other apps' history.

Pages read these and never scan messages: a period is a sum (or, for response times, a merge of
histograms) over at most a few hundred rows per number and day. ``services/rollup.py`` writes them;
docs/insights.md says what each metric means.
"""

from django.conf import settings
from django.db import models

from accounts.models import BusinessAccount, PhoneNumber


class DailyFigure(models.Model):
    """One number's count of one thing on one day (UTC), optionally split by ``key`` / ``detail``,
    by operator and, for durations, by histogram ``bucket`` (see ``services/histogram.py``)."""

    class Metric(models.TextChoices):
        COMPUTED = "computed", "The day has been computed"
        MESSAGES_IN = "messages_in", "Messages received"
        MESSAGES_OUT = "messages_out", "Messages sent"
        OPENED = "opened", "Conversations opened or reopened"
        RESOLVED = "resolved", "Conversations resolved"
        FIRST_RESPONSE = "first_response", "First response time (histogram)"
        RESOLUTION = "resolution", "Resolution time (histogram)"
        UNANSWERED = "unanswered", "Starts without a reply by a person"
        TEMPLATE_SENT = "tpl_sent", "Templates accepted by WhatsApp"
        TEMPLATE_DELIVERED = "tpl_delivered", "Templates delivered"
        TEMPLATE_READ = "tpl_read", "Templates read"
        TEMPLATE_REPLIED = "tpl_replied", "Templates answered within 24 h"
        TEMPLATE_FAILED = "tpl_failed", "Templates failed (detail: error code)"
        PRICED = "priced", "Messages Meta priced (key: category, detail: type|country)"

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="+")
    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    metric = models.CharField(max_length=32, choices=Metric.choices)
    key = models.CharField(max_length=200, blank=True, help_text="Template name|language, or pricing category.")
    detail = models.CharField(max_length=64, blank=True, help_text="Error code, or pricing type|country.")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", help_text="Who replied first / who resolved.")
    bucket = models.SmallIntegerField(null=True, blank=True, help_text="Histogram bucket of a duration.")
    value = models.BigIntegerField(default=0)

    class Meta:
        # A page reads one metric group for a set of numbers and a period: on PostgreSQL the index holds
        # every column the pages read, so they are answered from the index alone (no table reads).
        indexes = [models.Index(fields=["phone_number", "metric", "day"], name="daily_figure_read_idx",
                                include=["operator", "bucket", "value", "key", "detail"])]
        default_permissions = ()
        permissions = [("view_insights", "See the insights pages (figures and charts)")]

    def __str__(self) -> str:
        return f"{self.phone_number_id} {self.day} {self.metric} {self.key} {self.detail} = {self.value}"


class MetaPricingDay(models.Model):
    """What Meta's ``pricing_analytics`` says one number was charged on one day, per category, type
    and country: the other side of the cost reconciliation. Fetched by ``services/reconciliation``."""

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="+")
    phone_number = models.ForeignKey(PhoneNumber, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")
    day = models.DateField()
    category = models.CharField(max_length=64)
    pricing_type = models.CharField(max_length=64)
    country = models.CharField(max_length=8, blank=True)
    volume = models.BigIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    fetched_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "day"], name="meta_pricing_day_idx")]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} {self.category} {self.pricing_type} {self.country}: {self.volume}"
