"""Intake: routing, tracking code, history and hooks; validation before any write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.cases import services
from apps.cases.choices import CaseState, Channel, PhotoKind
from apps.cases.models import Case, CaseEvent, CasePhoto
from apps.cases.services import TRACKING_ALPHABET, TRACKING_LENGTH
from gridops.errors import DomainError

from .conftest import POINT, jpeg


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count()


def test_intake_routes_to_cell_area_and_responsible_officer(cast, city, report):
    case = report("b")
    assert case.state == CaseState.REPORTED
    assert case.cell == city.cell_b
    assert case.area == city.community_d
    assert case.area_path == city.community_d.path
    assert case.responsible_officer == cast.officer_b
    assert case.reporter == cast.resident


def test_tracking_code_is_long_unambiguous_and_unique(report):
    codes = {report().tracking_code for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == TRACKING_LENGTH
        assert set(code) <= set(TRACKING_ALPHABET)
        assert not set(code) & set("01OIL")


def test_tracking_code_letters_are_drawn_evenly():
    """Every letter of the alphabet in every position, none much more often than another: a
    code must not be easier to guess than its length says."""
    from collections import Counter

    from apps.cases.services import tracking_code_generate

    codes = [tracking_code_generate() for _ in range(3100)]
    assert all(len(code) == TRACKING_LENGTH for code in codes)
    counts = Counter(letter for code in codes for letter in code)
    expected = len(codes) * TRACKING_LENGTH / len(TRACKING_ALPHABET)  # 1200 each
    assert set(counts) == set(TRACKING_ALPHABET)
    assert all(0.85 * expected < n < 1.15 * expected for n in counts.values()), counts
    assert all(len({code[i] for code in codes}) == len(TRACKING_ALPHABET) for i in range(TRACKING_LENGTH))


def test_intake_records_report_event_with_before_photos(cast, report):
    case = report(photos=[jpeg("a.jpg"), jpeg("b.jpg")])
    event = case.events.get()
    assert (event.action, event.from_state, event.to_state, event.actor) == ("report", "", "reported", cast.resident)
    photos = list(case.photos.all())
    assert [p.kind for p in photos] == [PhotoKind.BEFORE, PhotoKind.BEFORE]
    assert sorted(event.data["photos"]) == sorted(p.pk for p in photos)
    assert all(p.event_id == event.pk for p in photos)


def test_intake_calls_sla_and_notify_hooks_inside_the_transaction(monkeypatch, report):
    calls = []
    monkeypatch.setattr(services, "clock_on_transition", lambda **kw: calls.append(("clock", kw)))
    monkeypatch.setattr(services, "notify_case_event", lambda **kw: calls.append(("notify", kw)))
    case = report()
    clock = dict(calls)["clock"]
    assert (clock["case"], clock["action"], clock["from_state"], clock["to_state"]) == (case, "report", "", "reported")
    assert dict(calls)["notify"]["event"].action == "report"


def test_intake_in_the_past_keeps_that_time(report):
    at = timezone.now() - timedelta(days=10)
    case = report(at=at)
    assert case.created_at == at
    assert case.events.get().created_at == at


def test_hotline_intake_keeps_caller_details_without_a_reporter_account(cast, report):
    case = report(by=cast.hotline, channel=Channel.HOTLINE, reporter_name="李四", reporter_phone="13700137000")
    assert case.reporter is None and case.created_by == cast.hotline
    assert (case.reporter_name, case.reporter_phone) == ("李四", "13700137000")


def test_gcj02_coordinates_are_converted_to_wgs84(report, city):
    from apps.grid.coords import to_wgs84

    lon, lat = POINT["a"]
    # a GCJ-02 point whose WGS84 position is the middle of cell A
    from prcoords import Coords, wgs_gcj

    gcj = wgs_gcj(Coords(lat, lon))
    case = report(lon=gcj.lon, lat=gcj.lat, crs="gcj02")
    assert case.cell == city.cell_a
    assert (round(case.lon, 5), round(case.lat, 5)) == (round(lon, 5), round(lat, 5))
    assert to_wgs84(lon, lat, "wgs84") == (lon, lat)


def test_address_without_coordinates_is_geocoded_to_the_most_specific_match(report, city):
    case = report(lon=None, lat=None, address=f"红荔社区 网格 {city.cell_b.code} 门口")
    assert case.cell == city.cell_b
    case = report(lon=None, lat=None, address="南头街道前海社区某小区")
    assert case.area == city.community_e and case.cell == city.cell_c


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lon": 120.0, "lat": 30.0}, "location"),
        ({"description": "   "}, "description"),
        ({"lon": None, "lat": None, "address": "火星基地"}, "address"),
        ({"lon": None, "lat": None, "address": ""}, "location"),
        ({"photos": [SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")]}, "photos"),
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"reporter_phone": "call me"}, "reporter_phone"),
        ({"reporter_phone": "١٣٨٠٠١٣٨٠٠٠"}, "reporter_phone"),
        ({"crs": "mars"}, "crs"),
    ],
)
def test_invalid_intake_names_the_field_and_saves_nothing(report, change, field):
    before = counts()
    with pytest.raises(DomainError) as err:
        report(**change)
    assert err.value.field == field
    assert counts() == before


def test_inactive_category_is_refused(report, category):
    category.is_active = False
    category.save()
    before = counts()
    with pytest.raises(DomainError) as err:
        report()
    assert err.value.field == "category"
    assert counts() == before


def test_bad_photo_among_good_ones_saves_nothing(report):
    before = counts()
    with pytest.raises(DomainError):
        report(photos=[jpeg(), SimpleUploadedFile("y.png", b"GIF89a....", content_type="image/png")])
    assert counts() == before


def test_a_tracking_code_clash_is_retried_with_a_new_code(report, monkeypatch):
    first = report()
    codes = iter([first.tracking_code, "ABCDEFGHJKMN"])
    monkeypatch.setattr(services, "tracking_code_generate", lambda: next(codes))
    second = report()
    assert second.tracking_code == "ABCDEFGHJKMN"
    assert Case.objects.count() == 2


def test_api_intake_runs_a_fixed_short_list_of_queries(api_as, cast, category, report, django_assert_max_num_queries):
    """Grid revision, officer, savepoint, the case with its event, clock and inbox row (one
    statement on PostgreSQL, four elsewhere), release, duplicates and their visibility: no
    look-up of the category, the policy or the cell."""
    from django.db import connection

    from apps.sla.models import SlaPolicy

    SlaPolicy.objects.create(name="std", category=category)
    client = api_as(cast.resident)
    lon, lat = POINT["a"]
    report()  # a duplicate to find
    body = {"category": category.code, "description": "垃圾", "lon": lon, "lat": lat}
    client.post("/api/v1/cases/", body, format="json")  # warm the process caches
    with django_assert_max_num_queries(7 if connection.vendor == "postgresql" else 10):
        response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201 and response.json()["duplicates"]


def test_a_category_switched_off_in_the_admin_is_refused_at_once(api_as, cast, category):
    client = api_as(cast.resident)
    lon, lat = POINT["a"]
    body = {"category": category.code, "description": "垃圾", "lon": lon, "lat": lat}
    assert client.post("/api/v1/cases/", body, format="json").status_code == 201
    category.is_active = False
    category.save()
    refused = client.post("/api/v1/cases/", body, format="json")
    assert refused.status_code == 400 and "category" in refused.json()


def test_a_category_changed_elsewhere_is_seen_within_the_cache_time(api_as, cast, category, monkeypatch, settings):
    """A change another process made (no signal here) reaches this one after GRIDOPS_CATALOG_CACHE_SECONDS."""
    from apps.cases.models import Category
    from gridops import localcache

    settings.GRIDOPS_CATALOG_CACHE_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(localcache, "_clock", lambda: now[0])
    client = api_as(cast.resident)
    lon, lat = POINT["a"]
    body = {"category": category.code, "description": "垃圾", "lon": lon, "lat": lat}
    assert client.post("/api/v1/cases/", body, format="json").status_code == 201
    Category.objects.filter(pk=category.pk).update(is_active=False)
    now[0] += 4
    assert client.post("/api/v1/cases/", body, format="json").status_code == 201
    now[0] += 2
    assert client.post("/api/v1/cases/", body, format="json").status_code == 400


def test_a_class_with_categories_on_offer_is_refused_naming_the_field(report, category, api_as, cast):
    """Reports are filed under the categories the forms offer, not their class (E01 holds E0101)."""
    before = counts()
    with pytest.raises(DomainError) as err:
        report(category=category.parent)
    assert err.value.field == "category" and counts() == before
    lon, lat = POINT["a"]
    body = {"category": category.parent.code, "description": "垃圾", "lon": lon, "lat": lat}
    refused = api_as(cast.resident).post("/api/v1/cases/", body, format="json")
    assert refused.status_code == 400 and "category" in refused.json()


def test_a_class_whose_categories_are_all_switched_off_takes_reports(report, category):
    category.is_active = False
    category.save()
    case = report(category=category.parent)
    assert case.category == category.parent
