"""The small typed results of client calls, and the defensive parsing of Meta's answers.

Parsing rules: unknown fields are ignored; a missing or mistyped optional field becomes
``None`` (or an empty tuple); a missing required field (an id, a URL) means the answer is
not what Meta documents, which is a ``ServerError`` — never a ``KeyError`` or ``TypeError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ServerError


@dataclass(frozen=True)
class SendResult:
    """Meta accepted the message (accepted, not delivered)."""

    wamid: str
    wa_id: str
    input: str
    message_status: str = ""


@dataclass(frozen=True)
class MediaInfo:
    """``GET /{media-id}``: a download URL valid for 5 minutes, and the file's facts."""

    id: str
    url: str
    mime_type: str | None = None
    sha256: str | None = None
    file_size: int | None = None

    @classmethod
    def from_graph(cls, data: Any) -> MediaInfo:
        data = _object(data, "media")
        return cls(
            id=_required(data, "id", "media"),
            url=_required(data, "url", "media"),
            mime_type=_text(data, "mime_type"),
            sha256=_text(data, "sha256"),
            file_size=_int(data, "file_size"),
        )


@dataclass(frozen=True)
class DownloadedMedia:
    """The bytes of a media file and the MIME type Meta served them with."""

    content: bytes
    mime_type: str

    def __repr__(self) -> str:  # a file's bytes are a message body: keep them out of logs
        return f"DownloadedMedia(mime_type={self.mime_type!r}, size={len(self.content)})"


@dataclass(frozen=True)
class TemplateInfo:
    """One message template (one name in one language) as Meta holds it."""

    id: str
    name: str | None = None
    language: str | None = None
    status: str | None = None
    category: str | None = None
    components: tuple[dict[str, Any], ...] = ()
    parameter_format: str | None = None
    sub_category: str | None = None
    previous_category: str | None = None
    correct_category: str | None = None
    rejected_reason: str | None = None
    quality_score: str | None = None
    message_send_ttl_seconds: int | None = None

    @classmethod
    def from_graph(cls, data: Any) -> TemplateInfo:
        data = _object(data, "template")
        quality = data.get("quality_score")
        return cls(
            id=_required(data, "id", "template"),
            name=_text(data, "name"),
            language=_text(data, "language"),
            status=_text(data, "status"),
            category=_text(data, "category"),
            components=_objects(data, "components"),
            parameter_format=_text(data, "parameter_format"),
            sub_category=_text(data, "sub_category"),
            previous_category=_text(data, "previous_category"),
            correct_category=_text(data, "correct_category"),
            rejected_reason=_text(data, "rejected_reason"),
            quality_score=_text(quality, "score") if isinstance(quality, dict) else None,
            message_send_ttl_seconds=_int(data, "message_send_ttl_seconds"),
        )


@dataclass(frozen=True)
class TemplateCreated:
    """Meta's answer to a template submission: its id and first review status."""

    id: str
    status: str | None = None
    category: str | None = None

    @classmethod
    def from_graph(cls, data: Any) -> TemplateCreated:
        data = _object(data, "template creation")
        return cls(
            id=_required(data, "id", "template creation"),
            status=_text(data, "status"),
            category=_text(data, "category"),
        )


@dataclass(frozen=True)
class PhoneNumberInfo:
    """A business phone number (docs/cloudapi.md §7); everything but the id may be absent."""

    id: str
    display_phone_number: str | None = None
    verified_name: str | None = None
    quality_rating: str | None = None
    code_verification_status: str | None = None
    name_status: str | None = None
    new_name_status: str | None = None
    platform_type: str | None = None
    throughput_level: str | None = None
    status: str | None = None
    account_mode: str | None = None
    # The portfolio's limit (``whatsapp_business_manager_messaging_limit``), else the deprecated
    # per-number ``messaging_limit_tier``.
    messaging_limit_tier: str | None = None
    is_official_business_account: bool | None = None
    is_pin_enabled: bool | None = None
    last_onboarded_time: str | None = None

    @classmethod
    def from_graph(cls, data: Any) -> PhoneNumberInfo:
        data = _object(data, "phone number")
        throughput = data.get("throughput")
        return cls(
            id=_required(data, "id", "phone number"),
            display_phone_number=_text(data, "display_phone_number"),
            verified_name=_text(data, "verified_name"),
            quality_rating=_text(data, "quality_rating"),
            code_verification_status=_text(data, "code_verification_status"),
            name_status=_text(data, "name_status"),
            new_name_status=_text(data, "new_name_status"),
            platform_type=_text(data, "platform_type"),
            throughput_level=_text(throughput, "level") if isinstance(throughput, dict) else None,
            status=_text(data, "status"),
            account_mode=_text(data, "account_mode"),
            # The tier moved to a new field name; read whichever the answer carries.
            messaging_limit_tier=_text(data, "whatsapp_business_manager_messaging_limit")
            or _text(data, "messaging_limit_tier"),
            is_official_business_account=_bool(data, "is_official_business_account"),
            is_pin_enabled=_bool(data, "is_pin_enabled"),
            last_onboarded_time=_text(data, "last_onboarded_time"),
        )


@dataclass(frozen=True)
class BusinessAccountInfo:
    """A WABA (``GET /{waba-id}``) and the business portfolio that owns it (``owner_business_info``)."""

    id: str
    name: str | None = None
    timezone_id: str | None = None
    message_template_namespace: str | None = None
    owner_business_id: str | None = None
    owner_business_name: str | None = None

    @classmethod
    def from_graph(cls, data: Any) -> BusinessAccountInfo:
        data = _object(data, "business account")
        owner = data.get("owner_business_info")
        owner = owner if isinstance(owner, dict) else {}
        return cls(
            id=_required(data, "id", "business account"),
            name=_text(data, "name"),
            timezone_id=_text(data, "timezone_id"),
            message_template_namespace=_text(data, "message_template_namespace"),
            owner_business_id=_text(owner, "id"),
            owner_business_name=_text(owner, "name"),
        )


@dataclass(frozen=True)
class GranularScope:
    """One permission of a token and the objects (WABA ids) it is granted on; none listed = all."""

    scope: str
    target_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenInfo:
    """``GET /debug_token``: whether a token works, until when, and for which permissions and WABAs.

    ``expires_at`` / ``data_access_expires_at`` are Unix seconds, 0 = never. When Meta says the
    token is invalid, ``error_code`` / ``error_subcode`` say why (190 / 463 = expired).
    """

    is_valid: bool
    app_id: str | None = None
    type: str | None = None
    application: str | None = None
    user_id: str | None = None
    expires_at: int | None = None
    data_access_expires_at: int | None = None
    scopes: tuple[str, ...] = ()
    granular_scopes: tuple[GranularScope, ...] = ()
    error_code: int | None = None
    error_subcode: int | None = None
    error_message: str | None = None

    @property
    def expired(self) -> bool:
        """Meta reports the token's session as expired (190 / 463)."""
        return self.error_code == 190 and self.error_subcode == 463

    @property
    def never_expires(self) -> bool:
        """A system-user token without an end date (``expires_at`` 0)."""
        return self.expires_at == 0

    def grants(self, scope: str, target_id: str | None = None) -> bool:
        """Whether ``scope`` is granted (on ``target_id`` when given: it is among the scope's
        ``target_ids``, or the scope lists no targets, which means all of them)."""
        if not self.is_valid or scope not in self.scopes:
            return False
        if target_id is None:
            return True
        targets = [g.target_ids for g in self.granular_scopes if g.scope == scope]
        return not targets or any(not ids or str(target_id) in ids for ids in targets)

    @classmethod
    def from_graph(cls, data: Any) -> TokenInfo:
        data = _object(_object(data, "debug_token").get("data"), "debug_token data")
        valid = data.get("is_valid")
        if not isinstance(valid, bool):
            raise ServerError(message="The debug_token answer did not say whether the token is valid", retryable=False)
        error = data.get("error") if isinstance(data.get("error"), dict) else {}
        return cls(
            is_valid=valid,
            app_id=_text(data, "app_id"),
            type=_text(data, "type"),
            application=_text(data, "application"),
            user_id=_text(data, "user_id"),
            expires_at=_int(data, "expires_at"),
            data_access_expires_at=_int(data, "data_access_expires_at"),
            scopes=_texts(data, "scopes"),
            granular_scopes=tuple(
                GranularScope(scope=item["scope"], target_ids=tuple(str(t) for t in item.get("target_ids") or ()
                                                                    if isinstance(t, (str, int))))
                for item in _objects(data, "granular_scopes")
                if isinstance(item.get("scope"), str) and isinstance(item.get("target_ids", []), list)
            ),
            error_code=_int(error, "code"),
            error_subcode=_int(error, "subcode") if "subcode" in error else _int(error, "error_subcode"),
            error_message=_text(error, "message"),
        )


@dataclass(frozen=True)
class BusinessProfileInfo:
    """The profile customers see for a number (docs/cloudapi.md §6)."""

    about: str | None = None
    address: str | None = None
    description: str | None = None
    email: str | None = None
    profile_picture_url: str | None = None
    websites: tuple[str, ...] = ()
    vertical: str | None = None

    @classmethod
    def from_graph(cls, data: Any) -> BusinessProfileInfo:
        data = _object(data, "business profile")
        rows = data.get("data")
        if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
            raise ServerError(message="The business profile answer had no data", retryable=False)
        profile = rows[0]
        return cls(
            about=_text(profile, "about"),
            address=_text(profile, "address"),
            description=_text(profile, "description"),
            email=_text(profile, "email"),
            profile_picture_url=_text(profile, "profile_picture_url"),
            websites=_texts(profile, "websites"),
            vertical=_text(profile, "vertical"),
        )


@dataclass(frozen=True)
class FlowValidationError:
    """One problem Meta found in a Flow JSON, with where it is."""

    error: str | None = None
    error_type: str | None = None
    message: str | None = None
    line_start: int | None = None
    line_end: int | None = None
    column_start: int | None = None
    column_end: int | None = None
    pointers: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_graph(cls, data: dict[str, Any]) -> FlowValidationError:
        return cls(
            error=_text(data, "error"),
            error_type=_text(data, "error_type"),
            message=_text(data, "message"),
            line_start=_int(data, "line_start"),
            line_end=_int(data, "line_end"),
            column_start=_int(data, "column_start"),
            column_end=_int(data, "column_end"),
            pointers=_objects(data, "pointers"),
        )


@dataclass(frozen=True)
class FlowPreview:
    """A web preview of a flow; the link expires (``expires_at``, ISO 8601)."""

    preview_url: str
    expires_at: str | None = None


@dataclass(frozen=True)
class FlowInfo:
    """A WhatsApp Flow: its lifecycle status, JSON problems, preview and sendability."""

    id: str
    name: str | None = None
    status: str | None = None
    categories: tuple[str, ...] = ()
    validation_errors: tuple[FlowValidationError, ...] = ()
    json_version: str | None = None
    data_api_version: str | None = None
    endpoint_uri: str | None = None
    preview: FlowPreview | None = None
    can_send_message: str | None = None
    health_status: dict[str, Any] | None = None
    updated_at: str | None = None

    @classmethod
    def from_graph(cls, data: Any) -> FlowInfo:
        data = _object(data, "flow")
        preview = data.get("preview")
        health = data.get("health_status") if isinstance(data.get("health_status"), dict) else None
        return cls(
            id=_required(data, "id", "flow"),
            name=_text(data, "name"),
            status=_text(data, "status"),
            categories=_texts(data, "categories"),
            validation_errors=validation_errors(data),
            json_version=_text(data, "json_version"),
            data_api_version=_text(data, "data_api_version"),
            endpoint_uri=_text(data, "endpoint_uri") or _text(data, "data_channel_uri"),
            preview=(
                FlowPreview(preview_url=preview["preview_url"], expires_at=_text(preview, "expires_at"))
                if isinstance(preview, dict) and isinstance(preview.get("preview_url"), str)
                else None
            ),
            can_send_message=_text(health, "can_send_message") if health else None,
            health_status=health,
            updated_at=_text(data, "updated_at"),
        )


@dataclass(frozen=True)
class SubscribedApp:
    """A Meta app receiving this WABA's webhooks (``GET /{waba-id}/subscribed_apps``)."""

    id: str | None = None
    name: str | None = None
    link: str | None = None
    override_callback_uri: str | None = None

    @classmethod
    def from_graph(cls, data: dict[str, Any]) -> SubscribedApp:
        app = data.get("whatsapp_business_api_data")
        app = app if isinstance(app, dict) else {}
        return cls(
            id=_text(app, "id"),
            name=_text(app, "name"),
            link=_text(app, "link"),
            override_callback_uri=_text(data, "override_callback_uri"),
        )


@dataclass(frozen=True)
class BusinessPublicKey:
    """The Flows endpoint key Meta holds for a number, and whether its signature is valid."""

    business_public_key: str | None = None
    signature_status: str | None = None

    @classmethod
    def from_graph(cls, data: Any) -> BusinessPublicKey:
        data = _object(data, "business public key")
        rows = data.get("data")
        # Documented both bare and wrapped in ``data``; read either.
        if isinstance(rows, list) and rows and isinstance(rows[0], dict):
            data = rows[0]
        return cls(
            business_public_key=_text(data, "business_public_key"),
            signature_status=_text(data, "business_public_key_signature_status"),
        )


# --- parsing helpers ------------------------------------------------------------------------


def success(data: dict[str, Any], *, what: str) -> bool:
    """``{"success": true|false}`` → the bool; an answer without it is malformed."""
    value = data.get("success")
    if isinstance(value, bool):
        return value
    raise ServerError(message=f"The {what} answer did not say whether it succeeded", retryable=False)


def required_text(data: Any, key: str, *, what: str) -> str:
    """A required string (or numeric id) field of an answer, else ``ServerError``."""
    return _required(_object(data, what), key, what)


def validation_errors(data: dict[str, Any]) -> tuple[FlowValidationError, ...]:
    """The ``validation_errors`` of a flow or an asset upload (missing = none)."""
    items = data.get("validation_errors")
    if items is None:
        return ()
    if not isinstance(items, list):
        raise ServerError(message="The flow answer had a malformed validation_errors", retryable=False)
    return tuple(FlowValidationError.from_graph(item) for item in items if isinstance(item, dict))


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ServerError(message=f"The {what} answer was not an object", retryable=False)
    return data


def _required(data: dict[str, Any], key: str, what: str) -> str:
    value = _text(data, key)
    if not value:
        raise ServerError(message=f"The {what} answer had no {key}", retryable=False)
    return value


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # ids are strings, but an integer id is still the id
    return None


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _bool(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def _texts(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _objects(data: dict[str, Any], key: str) -> tuple[dict[str, Any], ...]:
    value = data.get(key)
    return tuple(item for item in value if isinstance(item, dict)) if isinstance(value, list) else ()
