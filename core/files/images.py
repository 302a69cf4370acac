"""Images checked by a full decode, re-encoded without metadata, and thumbnailed (Pillow)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from core.files.sniff import JPEG, PNG, WEBP

#: Pillow's format name for each accepted image type.
_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
#: The longest side of a thumbnail, in pixels.
THUMBNAIL_SIZE = 400


class ImageRejected(Exception):
    """The file is not a whole, decodable image of the sniffed type."""


@dataclass(frozen=True)
class EncodedImage:
    """An image re-encoded from decoded pixels: no EXIF, XMP, comments or text chunks."""

    data: bytes
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class CleanImage:
    """The re-encoded original and its thumbnail."""

    image: EncodedImage
    thumbnail: EncodedImage


def _encode(image: Image.Image, content_type: str, icc_profile: bytes | None) -> EncodedImage:
    fmt = _FORMATS[content_type]
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    if fmt == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    out = io.BytesIO()
    options: dict[str, object] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile  # colour, not metadata: kept
    if fmt == "JPEG":
        options.update(quality=90, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=90)
    else:
        options.update(optimize=True)
    image.save(out, format=fmt, **options)
    return EncodedImage(out.getvalue(), content_type, image.width, image.height)


def clean_image(path: Path, content_type: str, *, max_pixels: int) -> CleanImage:
    """Decode the whole image at ``path`` and re-encode it and a thumbnail.

    Raises :class:`ImageRejected` when the bytes are not a complete image of the sniffed
    type (truncated, corrupt, another format) or have more than ``max_pixels`` pixels.
    """
    expected = _FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[expected]) as probe:
                if probe.width * probe.height > max_pixels:
                    raise ImageRejected(
                        f"{probe.width}x{probe.height} is more than {max_pixels} pixels"
                    )
                probe.verify()  # structure and checksums, without decoding
            with Image.open(path, formats=[expected]) as image:
                image.load()  # the full decode: a truncated file fails here
                icc = image.info.get("icc_profile")
                upright = ImageOps.exif_transpose(image)
                upright.info = {}  # EXIF, XMP, comments, text: none of it is saved again
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(f"it is not a valid {expected} image") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected(f"it is damaged or incomplete ({exc})") from None
    cleaned = _encode(upright, content_type, icc)
    thumb = upright.copy()
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    return CleanImage(cleaned, _encode(thumb, WEBP, icc))
