"""Reads for the library pages: every query starts from the accounts the user may access."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.access import accessible_accounts, accessible_phone_numbers
from accounts.models import BusinessAccount

from .models import MediaAsset


def assets_for(user) -> QuerySet[MediaAsset]:
    """Assets of the accounts ``user`` may work (a number of theirs is granted to the user)."""
    return MediaAsset.objects.filter(account__in=accessible_accounts(user)).select_related("account")


def asset_for_user(user, pk: int) -> MediaAsset:
    """One asset, or 404 when it does not exist or belongs to an account the user may not see."""
    asset = assets_for(user).filter(pk=pk).first()
    if asset is None:
        raise Http404("No such file")
    return asset


def library(user, *, kind: str = "", query: str = "", origin: str = "uploaded", account_id: int | None = None,
            stored_only: bool = False) -> QuerySet[MediaAsset]:
    """The library grid: filter by kind, name (or sha256 prefix), origin and account, newest first."""
    assets = assets_for(user)
    if kind in MediaAsset.Kind.values:
        assets = assets.filter(kind=kind)
    if origin in MediaAsset.Origin.values:
        assets = assets.filter(origin=origin)
    if account_id is not None:
        assets = assets.filter(account_id=account_id)
    if stored_only:
        assets = assets.filter(download_state=MediaAsset.DownloadState.DONE).exclude(file="")
    query = query.strip()
    if query:
        assets = assets.filter(original_name__icontains=query)
    return assets


def upload_accounts(user) -> QuerySet[BusinessAccount]:
    """Accounts ``user`` may add files to."""
    return accessible_accounts(user).order_by("name")


def account_for_number(user, phone_number_pk: int) -> BusinessAccount | None:
    """The account of a number the user may access (the composer's picker asks by number)."""
    phone = accessible_phone_numbers(user).select_related("account").filter(pk=phone_number_pk).first()
    return phone.account if phone else None
