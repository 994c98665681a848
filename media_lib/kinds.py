"""What WhatsApp takes, by kind of media: MIME types, size limits, file extensions (docs/cloudapi.md §4).

These are Meta's facts, not settings: changing them here cannot make Meta accept more.
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

# Names that are (or run) code: refused whatever the content, so nothing we store can pose as one.
DANGEROUS_EXTENSIONS = frozenset(
    {
        "htm", "html", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs",
        "cjs", "jsx", "ts", "vbs", "vbe", "wsf", "wsh", "hta", "php", "phtml", "asp", "aspx", "jsp", "cgi",
        "pl", "py", "rb", "sh", "bash", "zsh", "bat", "cmd", "ps1", "psm1", "exe", "dll", "com", "scr", "msi",
        "jar", "apk", "app", "swf", "lnk", "reg",
    }
)

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


def accepted_labels(kind: str) -> str:
    """``JPEG image or PNG image``: for messages that say what would have been accepted."""
    labels = list(dict.fromkeys(t.label for t in FILE_TYPES.values() if t.kind == kind))
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def human_size(size: int) -> str:
    """``5242881`` → ``5.0 MB``; ``102400`` → ``100 KB``."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= KB:
        return f"{size // KB} KB"
    return f"{size} bytes"


def with_article(label: str) -> str:
    """``PDF document`` → ``a PDF document``; ``HTML page`` → ``an HTML page``."""
    vowel_sound = label[:1].lower() in "aeiou" or label.startswith(("HTML", "MP3", "MP4", "SVG", "RTF"))
    return ("an " if vowel_sound else "a ") + label
