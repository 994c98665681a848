"""Pillow's part: decode an image whole (a cut-off file fails here), read its facts, make thumbnails."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

THUMBNAIL_PIXELS = (320, 320)
# A few megabytes of PNG can unpack to gigabytes of pixels; nothing WhatsApp shows needs this many.
MAX_PIXELS = 40_000_000
_PIXEL_LIMIT = f"at most {MAX_PIXELS // 1_000_000} million pixels are accepted."
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, UnidentifiedImageError)
# Pillow refuses in Image.open itself, before we see the size, past its own limit (89 million pixels
# warns, twice that raises); both mean "too many pixels", not "damaged".
_BOMBS = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@dataclass(frozen=True)
class Thumbnail:
    content: bytes
    extension: str  # "jpg" or "png"
    width: int  # of the original image
    height: int


@dataclass(frozen=True)
class ImageFacts:
    width: int
    height: int
    mode: str
    animated: bool


def inspect_image(file: IO[bytes], *, label: str) -> ImageFacts:
    """Decode ``file`` completely (``verify`` checks the structure, ``load`` the pixel data).

    Raises ``ValidationError`` for a file Pillow cannot read through or one with too many pixels.
    """
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(f"This {label} is {width}×{height} pixels; {_PIXEL_LIMIT}", code="too_many_pixels")
                image.verify()
            file.seek(0)
            with Image.open(file) as image:
                image.load()
                facts = ImageFacts(width=width, height=height, mode=image.mode,
                                   animated=bool(getattr(image, "is_animated", False)))
    except _BOMBS:
        raise ValidationError(f"This {label} has far too many pixels; {_PIXEL_LIMIT}", code="too_many_pixels") from None
    except _DECODE_ERRORS:
        raise ValidationError(f"This {label} is cut off or damaged (it can't be decoded); upload the whole file.",
                              code="truncated") from None
    finally:
        file.seek(0)
    return facts


def make_thumbnail(file: IO[bytes]) -> Thumbnail | None:
    """A small preview (JPEG, or PNG when the image has transparency), with the original's size.

    None when the file can't be decoded (the upload checks have run before; inbound files may
    be anything Meta accepted).
    """
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return None
                image.seek(0)
                frame = ImageOps.exif_transpose(image) or image
                width, height = frame.size  # as people see it (EXIF rotation applied)
                frame.thumbnail(THUMBNAIL_PIXELS)
                transparent = frame.mode in ("RGBA", "LA", "PA") or (
                    frame.mode == "P" and "transparency" in frame.info)
                out = io.BytesIO()
                if transparent:
                    frame.convert("RGBA").save(out, "PNG", optimize=True)
                    extension = "png"
                else:
                    frame.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
                    extension = "jpg"
    except (*_DECODE_ERRORS, *_BOMBS):
        return None
    finally:
        file.seek(0)
    return Thumbnail(content=out.getvalue(), extension=extension, width=width, height=height)
