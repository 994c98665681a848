"""The console's Settings area (/settings/): administrators run accounts, numbers, people and the log."""

from .audit_log import audit_log, audit_log_csv
from .home import settings_home
from .people import person_active, person_add, person_detail, person_password_link, people_list
from .profile import number_profile, number_profile_check

__all__ = [
    "audit_log",
    "audit_log_csv",
    "number_profile",
    "number_profile_check",
    "people_list",
    "person_active",
    "person_add",
    "person_detail",
    "person_password_link",
    "settings_home",
]
