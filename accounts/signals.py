"""Signals other apps listen to without accounts importing them (the layering points inward)."""

from django.dispatch import Signal

# Sent with ``account=`` once an account's credentials are saved (connect_account, the admin):
# templates_mgr fetches its templates right away instead of at the next scheduled sync.
account_connected = Signal()
