"""The content sniffer's verdict on every kind of file WhatsApp takes: the type comes from the bytes,
never from the name."""

import io

import pytest

from media_lib.sniffing import sniff

from ..media_samples import SAMPLES, box, ooxml, pdf, webp_sticker


@pytest.mark.parametrize("name", SAMPLES)
def test_it_tells_every_kind_whatsapp_takes_from_the_bytes_alone(name):
    build, mime_type, kind = SAMPLES[name]
    content = build()

    found = sniff(io.BytesIO(content), size=len(content))

    assert (found.mime_type, found.kind, found.problem) == (mime_type, kind, "")


@pytest.mark.parametrize(
    ("content", "label", "dangerous"),
    [
        (b"GIF89a" + b"\x00" * 20, "GIF image", False),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "HTML or XML page", True),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG image", True),
        (b"  <script>alert(1)</script>", "HTML or XML page", True),
        (b"#!/bin/sh\nrm -rf /\n", "script", True),
        (b"MZ\x90\x00" + b"\x00" * 60, "Windows program", True),
        (b"\x00\x01\x02\x03binary", "unknown binary data", False),
        (ooxml("readme.txt"), "ZIP archive", False),
    ],
)
def test_it_names_what_it_does_not_take_and_flags_what_could_run(content, label, dangerous):
    found = sniff(io.BytesIO(content), size=len(content))

    assert (found.mime_type, found.label, found.dangerous) == (None, label, dangerous)


def test_it_notices_an_mp4_without_its_index_and_a_pdf_cut_short():
    no_moov = box(b"ftyp", b"isom\x00\x00\x02\x00isom") + box(b"mdat", b"\x00" * 32)
    cut_pdf = pdf()[:-10]

    assert "no index" in sniff(io.BytesIO(no_moov), size=len(no_moov)).problem
    assert "cut off" in sniff(io.BytesIO(cut_pdf), size=len(cut_pdf)).problem


def test_it_tells_an_animated_sticker_from_a_static_one():
    animated = webp_sticker(animated=True)

    assert sniff(io.BytesIO(animated), size=len(animated)).animated is True
    assert sniff(io.BytesIO(webp_sticker()), size=len(webp_sticker())).animated is False
