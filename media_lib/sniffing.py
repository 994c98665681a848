"""What a file is, from its bytes: magic numbers and a little structure, never the name or a claim.

``sniff`` knows every type WhatsApp takes (``kinds.FILE_TYPES``) well enough to tell them apart
(an MP4 that holds only sound is audio, an OLE2 file with a ``WordDocument`` stream is a .doc),
names the common types it does not take (so a refusal can say "this is a GIF"), flags markup and
programs as dangerous, and notices files whose structure is cut off. Pillow's deeper image checks
live in ``images``.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import IO

from . import kinds

_HEAD_BYTES = 8 * 1024
_TAIL_BYTES = 1024
_SCAN_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Sniffed:
    """The verdict on a file's content.

    ``mime_type`` is set only for types WhatsApp takes; ``label`` always says what the file is
    ("PDF document", "GIF image", "HTML page", "unknown binary data"). ``problem`` says why a
    file of a known type is unusable (cut off, a codec WhatsApp refuses, macros).
    """

    label: str
    mime_type: str | None = None
    dangerous: bool = False
    problem: str = ""
    animated: bool = False

    @property
    def kind(self) -> str | None:
        return kinds.kind_for_mime(self.mime_type) if self.mime_type else None


# Extensions of types WhatsApp does not take, so a name that claims one can be caught lying.
OTHER_EXTENSIONS = {
    "gif": "GIF image", "bmp": "BMP image", "tif": "TIFF image", "tiff": "TIFF image", "heic": "HEIC image",
    "heif": "HEIC image", "avif": "AVIF image", "ico": "icon", "mov": "QuickTime video", "avi": "AVI video",
    "mkv": "Matroska video", "webm": "WebM video", "wav": "WAV audio", "flac": "FLAC audio", "zip": "ZIP archive",
    "rar": "RAR archive", "7z": "7-Zip archive", "gz": "gzip archive", "tar": "tar archive", "rtf": "RTF document",
    "odt": "OpenDocument file", "ods": "OpenDocument file", "odp": "OpenDocument file", "ps": "PostScript file",
    "eps": "PostScript file",
}

_MARKUP = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|svg|iframe|frameset|object|embed|meta|style)[\s>/]",
    re.IGNORECASE,
)
_MP4_BRANDS_AUDIO = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_MP4_BRANDS_3GP = (b"3gp", b"3g2")
_MP4_BRANDS_HEIF = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


def sniff(file: IO[bytes], *, size: int) -> Sniffed:
    """Identify ``file`` (seekable, ``size`` bytes) by its content. Leaves the position at 0."""
    file.seek(0)
    head = file.read(_HEAD_BYTES)
    file.seek(max(size - _TAIL_BYTES, 0))
    tail = file.read(_TAIL_BYTES)
    file.seek(0)
    try:
        return _identify(file, head, tail, size)
    finally:
        file.seek(0)


def _identify(file: IO[bytes], head: bytes, tail: bytes, size: int) -> Sniffed:
    for check in (_image, _iso_media, _audio, _document, _program):
        found = check(file, head, tail, size)
        if found is not None:
            return found
    return _text(head)


def _image(file: IO[bytes], head: bytes, tail: bytes, size: int) -> Sniffed | None:
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("JPEG image", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("PNG image", "image/png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        cut = int.from_bytes(head[4:8], "little") + 8 > size
        animated = head[12:16] == b"VP8X" and bool(head[20:21] and head[20] & 0x02)
        return Sniffed("WebP image", "image/webp", problem=_cut_off("WebP image") if cut else "", animated=animated)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("GIF image")
    if head[:2] == b"BM" and len(head) >= 6 and int.from_bytes(head[2:6], "little") == size:
        return Sniffed("BMP image")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Sniffed("TIFF image")
    if head[:4] == b"\x00\x00\x01\x00" and size > 6:
        return Sniffed("icon")
    return None


def _iso_media(file: IO[bytes], head: bytes, tail: bytes, size: int) -> Sniffed | None:
    """ISO base media (MP4, 3GP, M4A, MOV, HEIC): the ``ftyp`` box, then the tracks in ``moov``."""
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in _MP4_BRANDS_HEIF:
        return Sniffed("HEIC/AVIF image")
    if brand == b"qt  ":
        return Sniffed("QuickTime video")
    boxes = _top_level_boxes(file, size)
    if boxes is None:
        label = "3GP video" if brand.startswith(_MP4_BRANDS_3GP) else "MP4 file"
        return Sniffed(label, "video/3gpp" if brand.startswith(_MP4_BRANDS_3GP) else "video/mp4",
                       problem=_cut_off(label))
    if brand.startswith(_MP4_BRANDS_3GP):
        mime, label = "video/3gpp", "3GP video"
    else:
        handlers = _track_handlers(file, boxes)
        audio_only = b"soun" in handlers and b"vide" not in handlers
        if audio_only or (brand in _MP4_BRANDS_AUDIO and b"vide" not in handlers):
            mime, label = "audio/mp4", "MP4 audio"
        else:
            mime, label = "video/mp4", "MP4 video"
    if b"moov" not in boxes:
        problem = f"This {label} has no index (moov box): it is cut off or was never finished."
        return Sniffed(label, mime, problem=problem)
    return Sniffed(label, mime)


def _audio(file: IO[bytes], head: bytes, tail: bytes, size: int) -> Sniffed | None:
    if head.startswith(b"OggS"):
        if b"OpusHead" in head[:512]:
            return Sniffed("Ogg Opus audio", "audio/ogg")
        # Still audio/ogg (what a customer's file may be announced as), but not sendable by us.
        codec = "Vorbis" if b"\x01vorbis" in head[:512] else "an unknown codec"
        return Sniffed(f"Ogg audio ({codec})", "audio/ogg",
                       problem=f"This Ogg audio uses {codec}; WhatsApp takes Ogg audio only with the Opus codec.")
    if head.startswith(b"#!AMR-WB\n"):
        return Sniffed("AMR-WB audio")
    if head.startswith(b"#!AMR\n"):
        return Sniffed("AMR audio", "audio/amr")
    if head.startswith(b"fLaC"):
        return Sniffed("FLAC audio")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("WAV audio")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Sniffed("AVI video")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("WebM/Matroska video")
    offset = 0
    if head.startswith(b"ID3") and len(head) >= 10:
        offset = 10 + ((head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F))
        file.seek(offset)
        frame = file.read(2)
        if len(frame) < 2:
            return Sniffed("MP3 audio", "audio/mpeg", problem=_cut_off("MP3 audio"))
    else:
        frame = head[:2]
    if len(frame) == 2 and frame[0] == 0xFF and frame[1] & 0xE0 == 0xE0:
        if frame[1] & 0x06 == 0:  # layer bits 00: an ADTS (AAC) header, not MPEG audio
            return Sniffed("AAC audio", "audio/aac")
        return Sniffed("MP3 audio", "audio/mpeg")
    if offset:
        return Sniffed("MP3 audio", "audio/mpeg")
    return None


def _document(file: IO[bytes], head: bytes, tail: bytes, size: int) -> Sniffed | None:
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in tail:
            return Sniffed("PDF document", "application/pdf", problem=_cut_off("PDF document"))
        return Sniffed("PDF document", "application/pdf")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole2(file, size)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip(file)
    if head.startswith(b"{\\rtf"):
        return Sniffed("RTF document")
    if head.startswith(b"%!PS"):
        return Sniffed("PostScript file")
    if head.startswith(b"Rar!\x1a\x07"):
        return Sniffed("RAR archive")
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return Sniffed("7-Zip archive")
    if head.startswith(b"\x1f\x8b"):
        return Sniffed("gzip archive")
    return None


def _program(file: IO[bytes], head: bytes, tail: bytes, size: int) -> Sniffed | None:
    if head.startswith(b"MZ"):
        return Sniffed("Windows program", dangerous=True)
    if head.startswith(b"\x7fELF"):
        return Sniffed("Linux program", dangerous=True)
    if head[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return Sniffed("macOS program", dangerous=True)
    return None


def _text(head: bytes) -> Sniffed:
    """Plain text, or markup (HTML, SVG, XML) and scripts that must never be stored."""
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Sniffed("unknown binary data")
    body = head
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if body.startswith(bom):
            body = body[len(bom):]
            if bom != b"\xef\xbb\xbf":  # UTF-16: look at it as ASCII-ish for markup
                body = body.replace(b"\x00", b"")
            break
    start = body.lstrip()[:256].lower()
    if start.startswith(b"<?xml") or start.startswith(b"<!doctype") or _MARKUP.search(body):
        label = "SVG image" if b"<svg" in body.lower() else "HTML or XML page"
        return Sniffed(label, dangerous=True)
    if start.startswith(b"#!"):
        return Sniffed("script", dangerous=True)
    controls = sum(1 for byte in body if byte < 32 and byte not in (9, 10, 12, 13, 27))
    if body and controls > len(body) // 100:
        return Sniffed("unknown binary data")
    return Sniffed("text file", "text/plain")


# -- containers -------------------------------------------------------------------------------


def _top_level_boxes(file: IO[bytes], size: int) -> dict[bytes, tuple[int, int]] | None:
    """ISO boxes at the top level: type → (offset, size); None when one runs past the end."""
    boxes: dict[bytes, tuple[int, int]] = {}
    offset = 0
    for _ in range(10_000):
        if offset >= size:
            return boxes
        file.seek(offset)
        header = file.read(16)
        if len(header) < 8:
            return None
        box_size, box_type = int.from_bytes(header[:4], "big"), header[4:8]
        if box_size == 1 and len(header) >= 16:
            box_size = int.from_bytes(header[8:16], "big")
        elif box_size == 0:
            box_size = size - offset
        if box_size < 8 or offset + box_size > size:
            return None
        boxes.setdefault(box_type, (offset, box_size))
        offset += box_size
    return boxes


def _track_handlers(file: IO[bytes], boxes: dict[bytes, tuple[int, int]]) -> set[bytes]:
    """Handler types (``vide``, ``soun`` …) of the tracks in ``moov`` (read whole: it is an index)."""
    if b"moov" not in boxes:
        return set()
    offset, box_size = boxes[b"moov"]
    if box_size > 16 * kinds.MB:
        return set()
    file.seek(offset)
    moov = file.read(box_size)
    handlers = set()
    for match in re.finditer(rb"hdlr", moov):
        handler = moov[match.end() + 8 : match.end() + 12]
        if len(handler) == 4:
            handlers.add(handler)
    return handlers


def _ole2(file: IO[bytes], size: int) -> Sniffed:
    """Legacy Office files share one container; the stream names say which program wrote it."""
    names = {
        "WordDocument": ("Word document", kinds.DOC),
        "Workbook": ("Excel workbook", kinds.XLS),
        "PowerPoint Document": ("PowerPoint presentation", kinds.PPT),
    }
    found = _scan_for(file, size, [*(n.encode("utf-16-le") for n in names), *(n.encode("utf-16-le") for n in (
        "_VBA_PROJECT", "EncryptedPackage"))])
    if "EncryptedPackage".encode("utf-16-le") in found:
        return Sniffed("password-protected Office file", problem="Password-protected Office files can't be checked; "
                       "remove the password first.")
    for name, (label, mime) in names.items():
        if name.encode("utf-16-le") in found:
            if "_VBA_PROJECT".encode("utf-16-le") in found:
                return Sniffed(label, mime, problem=f"This {label} contains macros, which are refused.")
            return Sniffed(label, mime)
    return Sniffed("OLE2 compound file (not Word, Excel or PowerPoint)")


def _zip(file: IO[bytes]) -> Sniffed:
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return Sniffed("ZIP archive", problem=_cut_off("ZIP-based file"))
    finally:
        file.seek(0)
    parts = {
        "word/document.xml": ("Word document", kinds.DOCX),
        "xl/workbook.xml": ("Excel workbook", kinds.XLSX),
        "ppt/presentation.xml": ("PowerPoint presentation", kinds.PPTX),
    }
    if "[Content_Types].xml" in names:
        for part, (label, mime) in parts.items():
            if part in names:
                if any(name.lower().endswith("vbaproject.bin") for name in names):
                    return Sniffed(label, mime, problem=f"This {label} contains macros, which are refused.")
                return Sniffed(label, mime)
    if "mimetype" in names and any(name == "content.xml" for name in names):
        return Sniffed("OpenDocument file")
    return Sniffed("ZIP archive")


def _scan_for(file: IO[bytes], size: int, needles: list[bytes]) -> set[bytes]:
    """Which of ``needles`` occur anywhere in the file, read in chunks that overlap by a needle."""
    overlap = max(len(n) for n in needles)
    found: set[bytes] = set()
    previous = b""
    file.seek(0)
    while len(found) < len(needles):
        chunk = file.read(_SCAN_CHUNK)
        if not chunk:
            break
        window = previous + chunk
        found.update(n for n in needles if n in window)
        previous = window[-overlap:]
    file.seek(0)
    return found


def _cut_off(label: str) -> str:
    return f"This {label} is cut off (truncated or damaged); upload the whole file."
