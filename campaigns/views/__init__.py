from .actions import (
    campaign_cancel,
    campaign_dry_run,
    campaign_launch,
    campaign_pause,
    campaign_resume,
    campaign_test_send,
)
from .detail import campaign_cost, campaign_detail, campaign_export, campaign_progress, campaign_rate
from .pages import campaign_create, campaign_edit, campaign_list, campaign_parameters

__all__ = [
    "campaign_cancel",
    "campaign_create",
    "campaign_cost",
    "campaign_detail",
    "campaign_dry_run",
    "campaign_edit",
    "campaign_export",
    "campaign_launch",
    "campaign_list",
    "campaign_parameters",
    "campaign_pause",
    "campaign_progress",
    "campaign_rate",
    "campaign_resume",
    "campaign_test_send",
]
