"""Tiny real files of every kind WhatsApp takes (built here, a few hundred bytes each), shared by the
media and messaging tests; ``tests/media_lib/test_samples.py`` checks the sniffer's verdict on each."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png(size=(64, 48), mode="RGB", color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color if mode in ("RGB", "RGBA") else 128).save(out, "PNG")
    return out.getvalue()


def jpeg(size=(64, 48), color=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=85)
    return out.getvalue()


def webp_sticker(size=(512, 512), animated=False, alpha=255) -> bytes:
    out = io.BytesIO()
    first = Image.new("RGBA", size, (255, 200, 0, alpha))
    if animated:
        first.save(out, "WEBP", save_all=True, append_images=[Image.new("RGBA", size, (0, 200, 255, 255))], duration=100)
    else:
        first.save(out, "WEBP")
    return out.getvalue()


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def iso_media(brand: bytes = b"isom", handlers=(b"vide", b"soun")) -> bytes:
    """An MP4/3GP/M4A skeleton: ftyp, a moov with one track per handler, an mdat."""
    tracks = b"".join(box(b"trak", box(b"mdia", box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 12))) for handler in handlers)
    return box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41") + box(b"moov", tracks) + box(b"mdat", b"\x00" * 64)


def mp4() -> bytes:
    return iso_media(b"isom")


def three_gp() -> bytes:
    return iso_media(b"3gp4")


def m4a() -> bytes:
    return iso_media(b"M4A ", handlers=(b"soun",))


def ogg_opus() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13" + b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00" + b"\x00" * 64


def mp3() -> bytes:
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400


def aac() -> bytes:
    return b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 200


def amr() -> bytes:
    return b"#!AMR\n" + b"\x3c" + b"\x00" * 31


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def text() -> bytes:
    return "Opening hours: Monday–Friday 9–17\nClosed on public holidays.\n".encode()


def ooxml(part: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(part, "<?xml version='1.0'?><root/>")
    return out.getvalue()


def ole2(stream: str) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00" * 512


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# Every kind, as (file name, bytes, the MIME type and kind we must detect).
SAMPLES = {
    "photo.png": (png, "image/png", "image"),
    "photo.jpg": (jpeg, "image/jpeg", "image"),
    "sticker.webp": (webp_sticker, "image/webp", "sticker"),
    "clip.mp4": (mp4, "video/mp4", "video"),
    "clip.3gp": (three_gp, "video/3gpp", "video"),
    "note.m4a": (m4a, "audio/mp4", "audio"),
    "voice.ogg": (ogg_opus, "audio/ogg", "audio"),
    "song.mp3": (mp3, "audio/mpeg", "audio"),
    "sound.aac": (aac, "audio/aac", "audio"),
    "memo.amr": (amr, "audio/amr", "audio"),
    "menu.pdf": (pdf, "application/pdf", "document"),
    "hours.txt": (text, "text/plain", "document"),
    "letter.docx": (lambda: ooxml("word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document"),
    "prices.xlsx": (lambda: ooxml("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document"),
    "deck.pptx": (lambda: ooxml("ppt/presentation.xml"), "application/vnd.openxmlformats-officedocument.presentationml.presentation", "document"),
    "old.doc": (lambda: ole2("WordDocument"), "application/msword", "document"),
    "old.xls": (lambda: ole2("Workbook"), "application/vnd.ms-excel", "document"),
    "old.ppt": (lambda: ole2("PowerPoint Document"), "application/vnd.ms-powerpoint", "document"),
}
