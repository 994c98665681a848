"""The console's Settings area (/settings/): administrators run accounts, numbers, people and the log."""

from .home import settings_home
from .profile import number_profile, number_profile_check

__all__ = ["number_profile", "number_profile_check", "settings_home"]
