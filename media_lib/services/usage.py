"""Where an asset is used, as told by the apps above us.

media_lib may not import messaging or templates_mgr, so they register a provider from their
``AppConfig.ready()``: a callable that, given an asset, returns human descriptions of its uses
(``["Message to +1 650 555 1234 on 3 May"]``). Deleting an asset that any provider reports in use
needs ``force``; the library page lists the uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..models import MediaAsset

UsageProvider = Callable[[MediaAsset], Iterable[str]]

_providers: list[UsageProvider] = []


def register_usage_provider(provider: UsageProvider) -> None:
    """Add ``provider`` (called with one asset, returns descriptions of its uses). Idempotent."""
    if provider not in _providers:
        _providers.append(provider)


def unregister_usage_provider(provider: UsageProvider) -> None:
    """Remove ``provider`` (tests; an app that unloads)."""
    if provider in _providers:
        _providers.remove(provider)


def usages_of(*, asset: MediaAsset) -> list[str]:
    """Every use of ``asset`` any registered provider reports, in registration order.

    A provider that raises is not swallowed: not knowing whether a file is in use must never
    look like "not in use" to a delete.
    """
    found: list[str] = []
    for provider in _providers:
        found.extend(str(usage) for usage in provider(asset) or ())
    return found


def usages_by_asset(*, assets: Iterable[MediaAsset]) -> dict[int, list[str]]:
    """``{asset pk: usages}`` for a page of assets (one provider call per asset)."""
    return {asset.pk: usages_of(asset=asset) for asset in assets}
