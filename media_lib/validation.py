"""Is this upload something WhatsApp will take? Decided from the bytes, with a message that says why not.

The browser's ``content_type`` is never read and the name is only checked against the content
(a ``.jpg`` that is a PDF is refused as lying). Markup and programs are refused whatever they
are called, so nothing stored can run in our origin.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError

from . import images, kinds
from .sniffing import OTHER_EXTENSIONS, Sniffed, sniff

_MAX_NAME_CHARS = 150
_FORBIDDEN_NAME_CHARS = set('<>:"|?*')
_A_KIND = {kinds.IMAGE: "An image", kinds.VIDEO: "A video", kinds.AUDIO: "An audio file",
           kinds.DOCUMENT: "A document", kinds.STICKER: "A sticker"}


@dataclass(frozen=True)
class CheckedUpload:
    """What an acceptable upload is: its safe name, its real type and kind, size and sha256 (hex)."""

    name: str
    mime_type: str
    kind: str
    size: int
    sha256: str
    image: images.ImageFacts | None = None


def check_upload(*, file: IO[bytes], name: str, size: int | None = None) -> CheckedUpload:
    """Check an uploaded file's content against docs/cloudapi.md §4; raise ``ValidationError`` if refused."""
    size = _size_of(file) if size is None else size
    if size == 0:
        raise ValidationError("The file is empty.", code="empty")
    if size > kinds.MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"The file is too large ({kinds.human_size(size)}); the largest file WhatsApp takes is a "
            f"{kinds.human_size(kinds.MAX_UPLOAD_BYTES)} document.", code="too_large")
    _refuse_path_characters(name)
    sniffed = sniff(file, size=size)
    _refuse_unsendable(sniffed)
    assert sniffed.mime_type is not None and sniffed.kind is not None
    file_type = kinds.FILE_TYPES[sniffed.mime_type]
    safe = _name_for(name, file_type, sniffed)
    _check_size(sniffed.kind, size, sniffed)
    facts = _check_pixels(file, sniffed) if sniffed.kind in (kinds.IMAGE, kinds.STICKER) else None
    return CheckedUpload(name=safe, mime_type=sniffed.mime_type, kind=sniffed.kind, size=size,
                         sha256=sha256_of(file), image=facts)


def safe_name(name: str) -> str:
    """A base name that is safe to show and to send: no directories, no control or shell characters.

    ``../../etc/passwd`` → ``passwd``; ``C:\\Users\\me\\photo.jpg`` → ``photo.jpg``; ``..`` → ``file``.
    """
    text = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch not in _FORBIDDEN_NAME_CHARS and (ch.isspace() or not unicodedata.category(ch).startswith("C"))
    )
    text = " ".join(text.split()).strip(" .")
    if not text:
        return "file"
    stem, dot, extension = text.rpartition(".")
    if dot and stem and len(extension) <= 10:
        return stem[: _MAX_NAME_CHARS - len(extension) - 1].rstrip(" .") + "." + extension
    return text[:_MAX_NAME_CHARS]


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def sha256_of(file: IO[bytes]) -> str:
    """Hex sha256 of the whole file, read in chunks; leaves the position at 0."""
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _refuse_path_characters(name: str) -> None:
    """An uploaded name that carries directories or control characters is refused, not guessed at."""
    text = str(name or "")
    if "/" in text or "\\" in text or any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValidationError(
            f"The file name “{safe_name(text)}” arrived with folder or control characters in it "
            f"({text[:60]!r}). Rename the file to a plain name and upload it again.", code="bad_name")


def _refuse_unsendable(sniffed: Sniffed) -> None:
    if sniffed.dangerous:
        raise ValidationError(
            f"This file is {_a(sniffed.label)}. HTML, SVG, scripts and programs are never accepted: they could "
            "run in the browser or on a customer's phone.", code="dangerous")
    if sniffed.mime_type is None:
        raise ValidationError(
            f"This file is {_a(sniffed.label)}, which WhatsApp does not take. Accepted: JPEG or PNG images, "
            "MP4 or 3GP videos, AAC, AMR, MP3, MP4 or Ogg Opus audio, WebP stickers, and PDF, text, Word, "
            "Excel or PowerPoint documents.", code="wrong_type")
    if sniffed.problem:
        raise ValidationError(sniffed.problem, code="truncated" if "cut off" in sniffed.problem else "refused")


def _name_for(name: str, file_type: kinds.FileType, sniffed: Sniffed) -> str:
    """The safe name, refused when its extension claims another type, given one when it has none."""
    safe = safe_name(name)
    extension = extension_of(safe)
    if extension in kinds.DANGEROUS_EXTENSIONS:
        raise ValidationError(
            f"Files named .{extension} are never accepted (HTML, SVG, scripts and programs could run in the "
            "browser); rename it if it really is " + _a(sniffed.label) + ".", code="dangerous")
    if not extension:
        return f"{safe}.{file_type.extension}"
    if extension in file_type.extensions:
        return safe
    claimed = _label_for_extension(extension)
    if claimed:
        raise ValidationError(
            f"The name says .{extension} ({claimed}), but the file is {_a(sniffed.label)}. "
            "Choose the right file, or rename it to ." + file_type.extension + ".", code="mismatch")
    return safe


def _label_for_extension(extension: str) -> str:
    for file_type in kinds.FILE_TYPES.values():
        if extension in file_type.extensions:
            return file_type.label
    return OTHER_EXTENSIONS.get(extension, "")


def _check_size(kind: str, size: int, sniffed: Sniffed) -> None:
    limit = kinds.MAX_BYTES[kind]
    if kind == kinds.STICKER and not sniffed.animated:
        limit = kinds.MAX_STATIC_STICKER_BYTES
    if size > limit:
        what = _A_KIND[kind]
        if kind == kinds.STICKER:
            what = "An animated sticker" if sniffed.animated else "A static sticker"
        raise ValidationError(
            f"{what} may be at most {kinds.human_size(limit)} ({limit:,} bytes); this file is {size:,} bytes.",
            code="too_large")


def _check_pixels(file: IO[bytes], sniffed: Sniffed) -> images.ImageFacts:
    facts = images.inspect_image(file, label=sniffed.label)
    if sniffed.mime_type == "image/png" and facts.mode not in ("RGB", "RGBA"):
        raise ValidationError(
            f"WhatsApp takes 8-bit RGB or RGBA PNG images; this one is {_MODES.get(facts.mode, facts.mode)}. "
            "Save it as RGB (or RGBA) and upload it again.", code="image_mode")
    if sniffed.mime_type == "image/jpeg" and facts.mode not in ("RGB", "L"):
        raise ValidationError(
            f"WhatsApp takes RGB JPEG images; this one is {_MODES.get(facts.mode, facts.mode)}. "
            "Save it as RGB and upload it again.", code="image_mode")
    if sniffed.kind == kinds.STICKER and (facts.width, facts.height) != kinds.STICKER_PIXELS:
        raise ValidationError(
            f"A sticker must be 512×512 pixels; this WebP is {facts.width}×{facts.height}.", code="sticker_size")
    return facts


_MODES = {"L": "grayscale", "LA": "grayscale with transparency", "P": "a palette image", "1": "black and white",
          "I;16": "16-bit", "I": "32-bit", "CMYK": "CMYK", "YCbCr": "YCbCr", "I;16B": "16-bit", "F": "floating point"}


_a = kinds.with_article


def _size_of(file: IO[bytes]) -> int:
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    return size
