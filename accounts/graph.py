"""The one place that turns an account row into a Graph API client."""

from django.conf import settings

from cloudapi.client import CloudApiClient

from .models import BusinessAccount


def client_for(account: BusinessAccount) -> CloudApiClient:
    """A client speaking for ``account`` to Meta (or the simulator: ``GRAPH_API_BASE_URL``)."""
    return CloudApiClient(
        access_token=account.access_token,
        base_url=settings.GRAPH_API_BASE_URL,
        version=settings.GRAPH_API_VERSION,
        timeout=(settings.GRAPH_API_CONNECT_TIMEOUT, settings.GRAPH_API_READ_TIMEOUT),
    )
