"""The console's Settings area (/settings/): administrators run accounts, numbers, people and the log."""

from .accounts import (
    account_connect,
    account_detail,
    account_disconnect,
    account_list,
    account_reconnect,
    account_rotate,
    account_subscribe,
    account_test,
)
from .audit_log import audit_log, audit_log_csv
from .flow_keys import number_flow_key, number_flow_key_status
from .home import settings_home
from .number_health import number_health_page
from .numbers import number_action, number_deregister, number_detail, number_list, number_status, number_sync
from .people import person_active, person_add, person_detail, person_password_link, person_welcome, people_list
from .profile import number_profile, number_profile_check

__all__ = [
    "account_connect",
    "account_detail",
    "account_disconnect",
    "account_list",
    "account_reconnect",
    "account_rotate",
    "account_subscribe",
    "account_test",
    "audit_log",
    "audit_log_csv",
    "number_flow_key",
    "number_flow_key_status",
    "number_action",
    "number_deregister",
    "number_detail",
    "number_health_page",
    "number_list",
    "number_profile",
    "number_profile_check",
    "number_status",
    "number_sync",
    "people_list",
    "person_active",
    "person_add",
    "person_detail",
    "person_password_link",
    "person_welcome",
    "settings_home",
]
