"""What WhatsApp takes, by kind of media: MIME types, size limits, file extensions (docs/cloudapi.md §4).

These are Meta's facts, not settings: changing them here cannot make Meta accept more. The one home
for them (media_lib, messaging and templates_mgr all read them here); the simulator keeps its own
copy on purpose, as an independent model of Meta that checks us.
"""

from __future__ import annotations

from dataclasses import dataclass

KB = 1024
MB = 1024 * 1024

IMAGE = "image"
VIDEO = "video"
AUDIO = "audio"
DOCUMENT = "document"
STICKER = "sticker"
KINDS = (IMAGE, VIDEO, AUDIO, DOCUMENT, STICKER)
# The media a template's header may carry (docs/cloudapi.md §3; a GIF header is sent as a video).
HEADER_KINDS = (IMAGE, VIDEO, DOCUMENT)

DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLS = "application/vnd.ms-excel"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPT = "application/vnd.ms-powerpoint"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@dataclass(frozen=True)
class FileType:
    """One MIME type WhatsApp takes: its kind, a name people know, and its file extensions."""

    mime_type: str
    kind: str
    label: str
    extensions: tuple[str, ...]  # the first one is added to a name that has none

    @property
    def extension(self) -> str:
        return self.extensions[0]


FILE_TYPES: dict[str, FileType] = {
    t.mime_type: t
    for t in (
        FileType("image/jpeg", IMAGE, "JPEG image", ("jpg", "jpeg", "jpe", "jfif")),
        FileType("image/png", IMAGE, "PNG image", ("png",)),
        FileType("image/webp", STICKER, "WebP sticker", ("webp",)),
        FileType("audio/aac", AUDIO, "AAC audio", ("aac",)),
        FileType("audio/amr", AUDIO, "AMR audio", ("amr",)),
        FileType("audio/mpeg", AUDIO, "MP3 audio", ("mp3", "mpga")),
        FileType("audio/mp4", AUDIO, "MP4 audio", ("m4a", "mp4")),
        FileType("audio/ogg", AUDIO, "Ogg Opus audio", ("ogg", "opus", "oga")),
        FileType("video/mp4", VIDEO, "MP4 video", ("mp4", "m4v")),
        FileType("video/3gpp", VIDEO, "3GP video", ("3gp", "3gpp")),
        FileType("application/pdf", DOCUMENT, "PDF document", ("pdf",)),
        FileType("text/plain", DOCUMENT, "text file", ("txt", "text", "log", "csv", "tsv", "md")),
        FileType(DOC, DOCUMENT, "Word document", ("doc", "dot")),
        FileType(DOCX, DOCUMENT, "Word document", ("docx",)),
        FileType(XLS, DOCUMENT, "Excel workbook", ("xls", "xlt")),
        FileType(XLSX, DOCUMENT, "Excel workbook", ("xlsx",)),
        FileType(PPT, DOCUMENT, "PowerPoint presentation", ("ppt", "pps", "pot")),
        FileType(PPTX, DOCUMENT, "PowerPoint presentation", ("pptx",)),
    )
}

# The largest file of each kind Meta takes. Stickers: 100 KB static, 500 KB animated.
MAX_BYTES = {IMAGE: 5 * MB, VIDEO: 16 * MB, AUDIO: 16 * MB, DOCUMENT: 100 * MB, STICKER: 500 * KB}
MAX_STATIC_STICKER_BYTES = 100 * KB
STICKER_PIXELS = (512, 512)
# Nothing bigger than the largest kind is even read.
MAX_UPLOAD_BYTES = max(MAX_BYTES.values())

# What Meta may call a type that we (and §4) spell another way.
_ALIASES = {
    "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "audio/mp3": "audio/mpeg", "audio/opus": "audio/ogg",
    "audio/x-m4a": "audio/mp4", "audio/m4a": "audio/mp4", "video/3gp": "video/3gpp", "audio/x-aac": "audio/aac",
}


def base_mime(mime_type: str) -> str:
    """``audio/ogg; codecs=opus`` → ``audio/ogg``; ``image/jpg`` → ``image/jpeg``."""
    plain = (mime_type or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(plain, plain)


def kind_for_mime(mime_type: str) -> str | None:
    """The kind a MIME type is sent as (webp: sticker), or None when WhatsApp takes it for no kind."""
    file_type = FILE_TYPES.get(base_mime(mime_type))
    return file_type.kind if file_type else None


def mime_types_of(kind: str) -> frozenset[str]:
    """Every MIME type WhatsApp takes as ``kind``."""
    return frozenset(t.mime_type for t in FILE_TYPES.values() if t.kind == kind)
