"""Which files Meta takes, by kind, and how big they may be (docs/cloudapi.md §4).

Deliberately a copy of what ``cloudapi.media_kinds`` says: the simulator is an independent model
of Meta that checks us, so it must not read our own rules (a mistake there would pass both).
"""

from __future__ import annotations

MB = 1024 * 1024

# kind → (MIME types, max bytes). Stickers: 500 KB is the animated limit (static ones: 100 KB).
MEDIA_KINDS: dict[str, tuple[frozenset[str], int]] = {
    "audio": (frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}), 16 * MB),
    "document": (
        frozenset({
            "text/plain", "application/pdf", "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        }),
        100 * MB,
    ),
    "image": (frozenset({"image/jpeg", "image/png"}), 5 * MB),
    "sticker": (frozenset({"image/webp"}), 500 * 1024),
    "video": (frozenset({"video/mp4", "video/3gpp"}), 16 * MB),
}
ALL_TYPES = sorted(set().union(*(types for types, _ in MEDIA_KINDS.values())))
# Resumable Upload (template header examples, profile pictures) takes fewer types.
RESUMABLE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"})


def base_type(mime_type: str) -> str:
    """``audio/ogg; codecs=opus`` → ``audio/ogg``."""
    return mime_type.split(";", 1)[0].strip().lower()


def kind_of(mime_type: str) -> str | None:
    """The media kind a MIME type belongs to, or None when Meta takes it for no kind."""
    plain = base_type(mime_type)
    for kind, (types, _limit) in MEDIA_KINDS.items():
        if plain in types:
            return kind
    return None


def max_size(mime_type: str) -> int:
    """The largest file of this type Meta takes (0 for unknown types)."""
    kind = kind_of(mime_type)
    return MEDIA_KINDS[kind][1] if kind else 0


def fits(message_kind: str, mime_type: str) -> bool:
    """Whether a file of ``mime_type`` can be sent as a ``message_kind`` message."""
    types, _limit = MEDIA_KINDS.get(message_kind, (frozenset(), 0))
    return base_type(mime_type) in types
