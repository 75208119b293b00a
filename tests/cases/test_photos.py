"""Photos: type decided by content, size limit, metadata stripped, thumbnails, before/after kept apart."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.cases.choices import PhotoKind
from apps.cases.photos import photo_prepare
from gridops.errors import DomainError

from .conftest import image_bytes, jpeg


def exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (22.0, 32.0, 10.0), "E", (114.0, 3.0, 5.0)
    return exif.tobytes()


def test_renamed_text_file_is_refused_naming_the_field():
    upload = SimpleUploadedFile("holiday.jpg", b"just some text, honestly", content_type="image/jpeg")
    with pytest.raises(DomainError) as err:
        photo_prepare(upload)
    assert err.value.field == "photos"


def test_png_claiming_to_be_jpeg_is_refused():
    upload = SimpleUploadedFile("photo.jpg", image_bytes("PNG"), content_type="image/jpeg")
    with pytest.raises(DomainError) as err:
        photo_prepare(upload)
    assert err.value.code == "photo_type_mismatch"


def test_gif_is_not_accepted():
    upload = SimpleUploadedFile("anim.gif", image_bytes("GIF"), content_type="image/gif")
    with pytest.raises(DomainError):
        photo_prepare(upload)


def test_oversized_file_is_refused(settings):
    settings.GRIDOPS_PHOTO_MAX_BYTES = 2000
    upload = SimpleUploadedFile(
        "big.png", image_bytes("PNG", size=(400, 400), color=None) + b"\0" * 3000, content_type="image/png"
    )
    with pytest.raises(DomainError) as err:
        photo_prepare(upload)
    assert (err.value.field, err.value.code) == ("photos", "photo_too_large")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_each_accepted_format_is_kept_with_its_type(fmt):
    upload = SimpleUploadedFile(f"p.{fmt.lower()}", image_bytes(fmt), content_type=f"image/{fmt.lower()}")
    prepared = photo_prepare(upload)
    assert prepared.content_type == f"image/{fmt.lower()}"
    assert Image.open(io.BytesIO(prepared.content)).format == fmt


def test_gps_and_all_exif_are_stripped_and_orientation_applied():
    raw = image_bytes("JPEG", size=(80, 40), exif=exif_with_gps())
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the original has GPS
    prepared = photo_prepare(SimpleUploadedFile("gps.jpg", raw, content_type="image/jpeg"))
    clean = Image.open(io.BytesIO(prepared.content))
    assert len(clean.getexif()) == 0
    assert "exif" not in clean.info
    assert b"PhoneMaker" not in prepared.content
    assert clean.size == (40, 80)  # rotated as the phone meant it
    thumb = Image.open(io.BytesIO(prepared.thumbnail))
    assert len(thumb.getexif()) == 0 and max(thumb.size) <= 320


def test_stored_photo_files_have_no_gps(report):
    raw = image_bytes("JPEG", exif=exif_with_gps())
    case = report(photos=[SimpleUploadedFile("gps.jpg", raw, content_type="image/jpeg")])
    photo = case.photos.get()
    with photo.image.open("rb") as fh:
        stored = fh.read()
    assert len(Image.open(io.BytesIO(stored)).getexif()) == 0
    assert photo.thumbnail and photo.kind == PhotoKind.BEFORE


def test_after_photos_come_with_resolve_and_are_kept_apart(case_in):
    case = case_in("resolved", photos=[jpeg("before.jpg")])
    kinds = sorted(case.photos.values_list("kind", flat=True))
    assert kinds == [PhotoKind.AFTER, PhotoKind.BEFORE]


def test_photo_upload_endpoint_adds_before_photos_for_the_reporter(api_as, cast, report):
    case = report()
    response = api_as(cast.resident).post(
        f"/api/v1/cases/{case.pk}/photos/", {"photos": [jpeg()], "kind": "before"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert case.photos.count() == 1
    assert case.events.filter(action="photos_added").exists()


def test_photo_upload_endpoint_refuses_after_photos_from_the_reporter(api_as, cast, report):
    case = report()
    response = api_as(cast.resident).post(
        f"/api/v1/cases/{case.pk}/photos/", {"photos": [jpeg()], "kind": "after"}, format="multipart"
    )
    assert response.status_code == 403
    assert case.photos.count() == 0


def test_photo_upload_endpoint_names_the_field_for_a_non_image(api_as, cast, report):
    case = report()
    bad = SimpleUploadedFile("x.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = api_as(cast.resident).post(f"/api/v1/cases/{case.pk}/photos/", {"photos": [bad]}, format="multipart")
    assert response.status_code == 400
    assert "photos" in response.json()
    assert case.photos.count() == 0


def _files_under(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("hook", ["clock_on_transition", "notify_case_event"])
def test_a_report_failing_after_its_photos_were_stored_leaves_no_files(report, settings, monkeypatch, hook):
    """The database rolls the photo rows back; their files go too (a failure in a later step of
    the same write, here an SLA or notification hook)."""
    from pathlib import Path

    from apps.cases import services
    from apps.cases.models import Case

    def broken(**kwargs):
        raise RuntimeError("hook failed")

    monkeypatch.setattr(services, hook, broken)
    before = Case.objects.count()
    with pytest.raises(RuntimeError):
        report(photos=[jpeg("a.jpg"), jpeg("b.jpg")])
    assert Case.objects.count() == before
    assert _files_under(Path(settings.MEDIA_ROOT)) == []


def test_an_action_failing_after_its_photos_were_stored_leaves_no_files(case_in, settings, monkeypatch):
    from pathlib import Path

    from apps.cases import services

    case = case_in("in_progress")
    kept = _files_under(Path(settings.MEDIA_ROOT))
    monkeypatch.setattr(services, "notify_case_event", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("down")))
    with pytest.raises(RuntimeError):
        services.case_transition(
            case=case, actor=case.assignee, action="resolve", note="已清理", photos=[jpeg("after.jpg")]
        )
    assert _files_under(Path(settings.MEDIA_ROOT)) == kept
    case.refresh_from_db()
    assert case.state == "in_progress" and not case.photos.filter(kind=PhotoKind.AFTER).exists()


def test_photos_of_a_successful_write_are_kept(report, settings):
    from pathlib import Path

    case = report(photos=[jpeg("a.jpg")])
    files = _files_under(Path(settings.MEDIA_ROOT))
    photo = case.photos.get()
    assert len(files) == 2 and {f.name for f in files} == {Path(photo.image.name).name, Path(photo.thumbnail.name).name}
