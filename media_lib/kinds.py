"""media_lib's words for Meta's media kinds: what an operator is told, and which names we never store.

Meta's facts themselves (kinds, MIME types, size limits) live in :mod:`cloudapi.media_kinds`;
they are imported here so media_lib's modules read them as ``kinds.FILE_TYPES`` and so on.
"""

from __future__ import annotations

from cloudapi.media_kinds import (  # noqa: F401  (re-exported for media_lib's modules)
    AUDIO,
    DOC,
    DOCUMENT,
    DOCX,
    FILE_TYPES,
    IMAGE,
    KB,
    KINDS,
    MAX_BYTES,
    MAX_STATIC_STICKER_BYTES,
    MAX_UPLOAD_BYTES,
    MB,
    PPT,
    PPTX,
    STICKER,
    STICKER_PIXELS,
    VIDEO,
    XLS,
    XLSX,
    FileType,
    base_mime,
    kind_for_mime,
)

# Names that are (or run) code: refused whatever the content, so nothing we store can pose as one.
DANGEROUS_EXTENSIONS = frozenset(
    {
        "htm", "html", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs",
        "cjs", "jsx", "ts", "vbs", "vbe", "wsf", "wsh", "hta", "php", "phtml", "asp", "aspx", "jsp", "cgi",
        "pl", "py", "rb", "sh", "bash", "zsh", "bat", "cmd", "ps1", "psm1", "exe", "dll", "com", "scr", "msi",
        "jar", "apk", "app", "swf", "lnk", "reg",
    }
)


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
