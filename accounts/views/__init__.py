"""The console's Settings area (/settings/): administrators run accounts, numbers, people and the log."""

from .home import settings_home
from .number_health import number_health_page
from .numbers import number_action, number_deregister, number_detail, number_list, number_status, number_sync

__all__ = [
    "number_action",
    "number_deregister",
    "number_detail",
    "number_health_page",
    "number_list",
    "number_status",
    "number_sync",
    "settings_home",
]
