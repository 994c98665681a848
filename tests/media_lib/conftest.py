"""media_lib's fixtures."""

import pytest

from media_lib.services import register_usage_provider, unregister_usage_provider


@pytest.fixture
def in_use():
    """A usage provider (as messaging registers one) that reports the assets in ``used``."""
    used: dict[int, list[str]] = {}

    def provider(asset):
        return used.get(asset.pk, [])

    register_usage_provider(provider)
    yield used
    unregister_usage_provider(provider)
