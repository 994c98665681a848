"""The console's Settings area (/settings/): administrators run accounts, numbers, people and the log."""

from .home import settings_home

__all__ = ["settings_home"]
