"""Uploaded photos: checked by content, re-encoded (no EXIF, no GPS), resized, optionally cropped.

A phone photo carries the place and time it was taken in its EXIF block; re-encoding through
Pillow drops all of it. The file's *content* decides whether it is an image (its name and the
browser's content type are not trusted), and decompression bombs are refused.
"""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
# Pillow refuses larger images as decompression bombs; a phone photo is ~12–50 megapixels.
Image.MAX_IMAGE_PIXELS = 60_000_000


class ImageRejected(ValueError):
    """The upload is not an acceptable image; the message is for the user."""


def clean_image(
    data: bytes,
    *,
    max_bytes: int,
    max_side: int = 1600,
    aspect: float | None = None,
    quality: int = 85,
) -> bytes:
    """JPEG bytes of the upload, EXIF stripped, longest side ≤ ``max_side``.

    ``aspect`` (width / height) centre-crops first — a badge photo is 3:4 (0.75), cut a little
    above the centre where a portrait's face is.
    """
    if len(data) > max_bytes:
        raise ImageRejected(f"照片不能超过 {max_bytes // (1024 * 1024)} MB")
    if not data:
        raise ImageRejected("照片是空文件")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected("无法识别的图片：请上传 JPG、PNG 或 WebP 照片") from None
    except Image.DecompressionBombError:
        raise ImageRejected("图片尺寸过大") from None
    if kind not in ALLOWED_FORMATS:
        raise ImageRejected("只接受 JPG、PNG、WebP 或 GIF 格式的照片")
    image = ImageOps.exif_transpose(image)  # keep the photo upright before EXIF is dropped
    image = image.convert("RGB")
    if aspect:
        image = _crop(image, aspect)
    image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _crop(image: Image.Image, aspect: float) -> Image.Image:
    width, height = image.size
    if width / height > aspect:
        new_width = int(height * aspect)
        left = (width - new_width) // 2
        return image.crop((left, 0, left + new_width, height))
    new_height = int(width / aspect)
    top = max(0, int((height - new_height) * 0.35))
    return image.crop((0, top, width, top + new_height))
