"""The Graph API client: one method per call, all through one private ``_request``.

No retries here (tasks own them) and no imports of our models. Nothing logs a token or a
message body. ``CloudApiClient`` is composed from one mixin per topic:

* ``messages`` — ``send_message`` (the one sender), ``send_text|media|location|contacts|
  reaction|template|interactive``, ``mark_read``; ``interactive_*`` build interactive objects
* ``media`` — upload / info / download / delete, resumable upload sessions and handles
* ``templates`` — list (all pages) / get / create / edit / delete
* ``phone_numbers`` — list / get / request_code / verify_code / register / deregister
* ``profile`` — business profile get / update
* ``flows`` — list / create / upload JSON / get / publish / deprecate / delete, public key
* ``subscriptions`` — subscribed apps
* ``analytics`` — ``pricing_analytics`` (what Meta counted and charged per day, category, type, country)
* ``tokens`` — ``debug_token`` (validity, expiry, scopes, granted WABAs) and the WABA with its owner business
"""

from ._transport import DEFAULT_MAX_DOWNLOAD_BYTES
from .analytics import AnalyticsMixin, PricingDataPoint
from .flows import FlowsMixin
from .media import MediaMixin
from .messages import (
    MessagesMixin,
    interactive_buttons,
    interactive_cta_url,
    interactive_flow,
    interactive_list,
)
from .phone_numbers import PhoneNumbersMixin
from .profile import BusinessProfileMixin
from .results import (
    BusinessAccountInfo,
    BusinessProfileInfo,
    BusinessPublicKey,
    DownloadedMedia,
    FlowInfo,
    FlowPreview,
    FlowValidationError,
    GranularScope,
    MediaInfo,
    PhoneNumberInfo,
    SendResult,
    SubscribedApp,
    TemplateCreated,
    TemplateInfo,
    TokenInfo,
)
from .subscriptions import SubscribedAppsMixin
from .templates import TemplatesMixin
from .tokens import TokensMixin


class CloudApiClient(
    MessagesMixin,
    MediaMixin,
    TemplatesMixin,
    PhoneNumbersMixin,
    BusinessProfileMixin,
    FlowsMixin,
    SubscribedAppsMixin,
    TokensMixin,
    AnalyticsMixin,
):
    """Talks to ``{base_url}/{version}/…`` with one access token (Meta or the simulator)."""


__all__ = [
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "BusinessAccountInfo",
    "BusinessProfileInfo",
    "BusinessPublicKey",
    "CloudApiClient",
    "DownloadedMedia",
    "PricingDataPoint",
    "FlowInfo",
    "FlowPreview",
    "FlowValidationError",
    "GranularScope",
    "MediaInfo",
    "PhoneNumberInfo",
    "SendResult",
    "SubscribedApp",
    "TemplateCreated",
    "TemplateInfo",
    "TokenInfo",
    "interactive_buttons",
    "interactive_cta_url",
    "interactive_flow",
    "interactive_list",
]
