"""What every field-work verb shares: the refusal, the idempotency key, photos."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from loudong.fieldwork.models import IdempotencyKey
from loudong.lib.images import ImageRejected, clean_image
from loudong.lib.sealed_files import save_sealed

MAX_PHOTOS = 3
PHOTO_PURPOSE = "incident_photo"


class Refused(ValidationError):
    """A rule refuses the request; the message names the field and says why, in Chinese."""


def idempotent(user, key: str | None, kind: str, model, create):
    """Run ``create()`` once per (user, key): a replay returns the record the first call made.

    ``create`` runs inside the caller's transaction with the key row; if another request with
    the same key commits first, the unique constraint stops this one and its record is returned
    instead (nothing of the second attempt is kept). Returns ``(obj, created)``.
    """
    key = (key or "").strip()[:100]
    if not key or user is None or not getattr(user, "is_authenticated", False):
        return create(), True
    done = IdempotencyKey.objects.filter(user=user, key=key).first()
    if done is not None:
        return _replayed(done, kind, model), False
    try:
        with transaction.atomic():
            obj = create()
            IdempotencyKey.objects.create(user=user, key=key, kind=kind, object_id=obj.pk)
    except IntegrityError:
        done = IdempotencyKey.objects.filter(user=user, key=key).first()
        if done is None:
            raise
        return _replayed(done, kind, model), False
    return obj, True


def _replayed(done, kind, model):
    if done.kind != kind:
        raise Refused("Idempotency-Key 已用于另一种记录，请为每次提交生成新的键")
    return model.objects.get(pk=done.object_id)


def clean_photos(uploads) -> list[bytes]:
    """JPEG bytes of up to three photos: checked by content, EXIF stripped, resized.

    Nothing is stored here; a bad photo refuses the whole submission (nothing half-written).
    """
    uploads = [u for u in uploads if u]
    if len(uploads) > MAX_PHOTOS:
        raise Refused(f"照片：最多 {MAX_PHOTOS} 张")
    cleaned = []
    limit = settings.LOUDONG_MAX_PHOTO_BYTES
    for upload in uploads:
        size = getattr(upload, "size", None)
        if size is not None and size > limit:
            raise Refused(f"照片：不能超过 {limit // (1024 * 1024)} MB")
        data = upload.read() if hasattr(upload, "read") else bytes(upload)
        try:
            cleaned.append(clean_image(data, max_bytes=limit, max_side=1600))
        except ImageRejected as exc:
            raise Refused(f"照片：{exc}") from None
    return cleaned


def store_photo(data: bytes) -> str:
    return save_sealed(data, purpose=PHOTO_PURPOSE, folder="incidents", suffix=".jpg")
