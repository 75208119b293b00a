"""Photo intake: decide the type by content, refuse what is not a JPEG/PNG/WebP or is too big,
strip every piece of metadata (GPS included) by re-encoding the pixels, make a thumbnail.

`photo_prepare` only reads and checks (nothing is stored), so services can validate every photo
before they write anything; `photo_store` then saves the prepared bytes.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gridops.errors import DomainError

logger = logging.getLogger(__name__)

# Pillow format name -> (content type, file extension)
ALLOWED_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
_CLAIMS = {
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/pjpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
}
MAX_PIXELS = 50_000_000  # refuse decompression bombs long before Pillow's own limit
THUMB_SIZE = (320, 320)
MAX_PHOTOS = 9


@dataclass(frozen=True)
class PreparedPhoto:
    content: bytes
    thumbnail: bytes
    content_type: str
    ext: str
    width: int
    height: int


def _claimed_formats(upload) -> set[str]:
    claims = set()
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if content_type in _CLAIMS:
        claims.add(_CLAIMS[content_type])
    name = (getattr(upload, "name", "") or "").lower()
    dot = name.rfind(".")
    if dot >= 0 and name[dot:] in _CLAIMS:
        claims.add(_CLAIMS[name[dot:]])
    return claims


def _read(upload) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return data


def photo_prepare(upload, *, field: str = "photos") -> PreparedPhoto:
    """Check one uploaded file and return clean bytes. Raises DomainError(field=field)."""
    size = getattr(upload, "size", None)
    limit = settings.GRIDOPS_PHOTO_MAX_BYTES
    if size is not None and size > limit:
        raise DomainError(
            _("The photo is too large (at most %(mb)s MB).") % {"mb": limit // (1024 * 1024) or 1},
            field=field,
            code="photo_too_large",
        )
    data = _read(upload)
    if len(data) > limit:
        raise DomainError(
            _("The photo is too large (at most %(mb)s MB).") % {"mb": limit // (1024 * 1024) or 1},
            field=field,
            code="photo_too_large",
        )
    not_image = DomainError(_("The file is not a JPEG, PNG or WebP image."), field=field, code="photo_type")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if probe.width * probe.height > MAX_PIXELS:
                raise DomainError(_("The photo has too many pixels."), field=field, code="photo_too_large")
            probe.verify()
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_image from None
    if fmt not in ALLOWED_FORMATS:
        raise not_image
    claims = _claimed_formats(upload)
    if claims and claims != {fmt}:
        raise DomainError(
            _("The file's name or type says one image format but its content is another."),
            field=field,
            code="photo_type_mismatch",
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            clean = ImageOps.exif_transpose(img)
            content = _encode(clean, fmt)
            thumb = clean.copy()
            thumb.thumbnail(THUMB_SIZE)
            thumbnail = _encode(_flatten(thumb), "JPEG")
            width, height = clean.size
    except (OSError, ValueError, SyntaxError):
        raise not_image from None
    content_type, ext = ALLOWED_FORMATS[fmt]
    return PreparedPhoto(
        content=content, thumbnail=thumbnail, content_type=content_type, ext=ext, width=width, height=height
    )


def photos_prepare(uploads: Sequence, *, field: str = "photos") -> list[PreparedPhoto]:
    if len(uploads) > MAX_PHOTOS:
        raise DomainError(_("At most %(n)s photos at a time.") % {"n": MAX_PHOTOS}, field=field, code="photo_count")
    return [photo_prepare(u, field=field) for u in uploads]


def _flatten(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "P"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB") if img.mode != "RGB" else img


def _encode(img: Image.Image, fmt: str) -> bytes:
    """Re-encode the pixels only: no EXIF, no XMP, no ICC, no text chunks."""
    out = io.BytesIO()
    img = img.copy()
    img.info = {}
    if fmt == "JPEG":
        flat = _flatten(img)
        flat.info = {}
        flat.save(out, format="JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        pixels = img if img.mode in ("RGB", "RGBA", "L", "LA", "P") else img.convert("RGBA")
        fresh = Image.new(pixels.mode, pixels.size)
        if pixels.mode == "P":
            fresh.putpalette(pixels.getpalette())
        fresh.paste(pixels)
        fresh.save(out, format="PNG", optimize=True)
    else:
        pixels = img if img.mode in ("RGB", "RGBA") else img.convert("RGBA")
        pixels.info = {}
        pixels.save(out, format="WEBP", quality=85)
    return out.getvalue()


def photo_store(*, case, prepared: PreparedPhoto, kind: str, event=None, uploaded_by=None):  # noqa: D401
    """Save one prepared photo of `case` (called by the services inside their transaction)."""
    from .models import CasePhoto

    stem = uuid.uuid4().hex
    photo = CasePhoto(
        case=case,
        event=event,
        kind=kind,
        content_type=prepared.content_type,
        width=prepared.width,
        height=prepared.height,
        size_bytes=len(prepared.content),
        uploaded_by=uploaded_by,
    )
    written = _files_written.get()
    for field, name, content in (
        (photo.image, f"{stem}.{prepared.ext}", prepared.content),
        (photo.thumbnail, f"{stem}.jpg", prepared.thumbnail),
    ):
        field.save(name, ContentFile(content), save=False)
        if written is not None:
            written.append((field.storage, field.name))
    photo.save()
    return photo


# The files `photo_store` saved inside the innermost `photo_files_undone_on_error` block.
_files_written: ContextVar[list | None] = ContextVar("gridops_photo_files", default=None)


@contextmanager
def photo_files_undone_on_error():
    """Delete the photo files stored inside the block if it raises: the database rolls their rows
    back, the storage keeps the files. Services wrap their transaction in it (so a failure at
    commit is covered too). Files of a block that succeeded inside an outer one are the outer's."""
    outer = _files_written.get()
    written: list = []
    token = _files_written.set(written)
    try:
        yield
    except BaseException:
        for storage, name in written:
            try:
                storage.delete(name)
            except OSError:  # the error being raised matters more; a leftover file harms no one
                logger.warning("could not delete the photo file of a failed write")
        raise
    finally:
        _files_written.reset(token)
    if outer is not None:
        outer.extend(written)
