"""A report's photos: decoded and re-encoded, so nothing of the file but its pixels is kept.

Phones write GPS positions and device data into EXIF; re-encoding from the pixels drops it
(and XMP, comments, ICC profiles), with the EXIF orientation applied first so the photo stands
as it was taken. The longest side becomes at most 2,048 px. A file is refused before it is
decoded when its header promises more pixels than MAX_PIXELS (a decompression bomb: a small
file that would unpack into gigabytes).
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.problems import PayloadTooLarge, UnsupportedMediaType

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
# 60 megapixels: more than any phone camera's default and a tenth of Pillow's own bomb limit's
# memory at once (an RGB image of this size decodes into 180 MB).
MAX_PIXELS = 60_000_000
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_JPEG_QUALITY = 85


class NotAnImage(UnsupportedMediaType):
    """A photo that is not a JPEG, PNG or WebP image that can be read."""

    type = "fotot-ar-ingen-bild"
    title = "Fotot är ingen bild som tas emot"


class PhotoTooLarge(PayloadTooLarge):
    """A photo over 10 MB, or with more pixels than is decoded."""

    type = "fotot-ar-for-stort"
    title = "Fotot är för stort"


@dataclass(frozen=True)
class Photo:
    """A photo as it is stored: re-encoded, without metadata."""

    mediatyp: str
    bredd: int
    hojd: int
    data: bytes


def _output_mode(image: Image.Image, image_format: str) -> str:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if image_format == "JPEG":
        return "L" if image.mode in ("1", "L") else "RGB"
    if image_format == "PNG" and image.mode in ("L", "LA", "RGB", "RGBA"):
        return image.mode
    return "RGBA" if has_alpha else "RGB"


def clean_photo(data: bytes, number: int) -> Photo:
    """The photo re-encoded in its own format: orientation applied, ≤ 2,048 px, no metadata."""
    which = f"Foto {number}"
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(f"{which} är större än {MAX_PHOTO_BYTES // 2**20} MB.")
    try:
        with Image.open(io.BytesIO(data), formats=list(MEDIA_TYPES)) as original:
            image_format = original.format or ""
            width, height = original.size
            if width * height > MAX_PIXELS:
                raise PhotoTooLarge(
                    f"{which} är {width} × {height} bildpunkter; högst "
                    f"{MAX_PIXELS // 1_000_000} miljoner tas emot."
                )
            if image_format == "JPEG":
                # Decode at 1/2 … 1/8 scale when that still gives 2,048 px: less memory and time.
                original.draft("RGB", (MAX_SIDE, MAX_SIDE))
            original.load()
            upright = ImageOps.exif_transpose(original)
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        if isinstance(exc, Image.DecompressionBombError):
            raise PhotoTooLarge(f"{which} har för många bildpunkter för att läsas.") from exc
        raise NotAnImage(f"{which} är ingen JPEG-, PNG- eller WebP-bild.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise NotAnImage(f"{which} gick inte att läsa som bild: filen är skadad.") from exc
    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    mode = _output_mode(upright, image_format)
    # A new image of the pixels alone: nothing of the original's info (EXIF, XMP, ICC, text).
    clean = Image.frombytes(mode, upright.size, upright.convert(mode).tobytes())
    out = io.BytesIO()
    if image_format == "JPEG":
        clean.save(out, "JPEG", quality=_JPEG_QUALITY, optimize=True)
    elif image_format == "PNG":
        clean.save(out, "PNG", compress_level=6)
    else:
        clean.save(out, "WEBP", quality=_JPEG_QUALITY)
    return Photo(MEDIA_TYPES[image_format], clean.width, clean.height, out.getvalue())
