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
from .home import settings_home

__all__ = [
    "account_connect",
    "account_detail",
    "account_disconnect",
    "account_list",
    "account_reconnect",
    "account_rotate",
    "account_subscribe",
    "account_test",
    "settings_home",
]
