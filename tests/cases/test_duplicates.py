"""Duplicate suggestions at intake and on the dispatcher's screen; merging follows the master."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.cases import selectors, services
from apps.cases.choices import CaseState, Channel

from .conftest import POINT, jpeg


def test_nearby_recent_open_case_of_same_category_is_suggested(report, category, category_road):
    lon, lat = POINT["a"]
    first = report()
    near = selectors.case_duplicate_candidates(category=category, lon=lon + 0.0003, lat=lat, exclude=None)
    assert near == [first] and 25 < near[0].distance_m < 40
    # too far (about 150 m), other category, or excluded: not suggested
    assert selectors.case_duplicate_candidates(category=category, lon=lon + 0.0015, lat=lat) == []
    assert selectors.case_duplicate_candidates(category=category_road, lon=lon, lat=lat) == []
    assert selectors.case_duplicate_candidates(category=category, lon=lon, lat=lat, exclude=first) == []


def test_old_or_closed_cases_are_not_suggested(report, case_in, category):
    lon, lat = POINT["a"]
    report(at=timezone.now() - timedelta(hours=100))
    case_in("closed")
    case_in("rejected")
    assert selectors.case_duplicate_candidates(category=category, lon=lon, lat=lat) == []


def test_intake_answer_lists_duplicates_the_reporter_may_see(api_as, cast, report, category):
    lon, lat = POINT["a"]
    mine = report()
    others = report(by=cast.resident2)
    body = {"category": category.code, "description": "又是这堆垃圾", "lon": lon, "lat": lat}
    answer = api_as(cast.resident).post("/api/v1/cases/", body, format="json").json()
    assert [d["id"] for d in answer["duplicates"]] == [mine.pk]
    answer = api_as(cast.dispatcher).post("/api/v1/cases/", body, format="json").json()
    assert {d["id"] for d in answer["duplicates"]} >= {mine.pk, others.pk}


def test_a_report_is_suggested_the_cases_before_it_with_or_without_photos(cast, report, category):
    """`case_intake(suggest_duplicates=True)`: found with the write (one round trip without
    photos, before it with them), never the new case itself."""
    lon, lat = POINT["a"]
    first = report()
    for photos in ([], [jpeg()]):
        case = services.case_intake(
            actor=cast.resident,
            channel=Channel.RESIDENT_WEB,
            category=category,
            description="又是这堆垃圾",
            lon=lon,
            lat=lat,
            photos=photos,
            suggest_duplicates=True,
        )
        found = selectors.case_intake_duplicates(case=case, user=cast.resident)
        assert case.pk not in [c.pk for c in found] and first in found
    plain = services.case_intake(
        actor=cast.resident, channel=Channel.RESIDENT_WEB, category=category, description="垃圾", lon=lon, lat=lat
    )
    assert plain.duplicate_search is None


def test_dispatcher_sees_duplicates_of_a_case(api_as, cast, report):
    first = report()
    second = report(by=cast.resident2)
    answer = api_as(cast.dispatcher).get(f"/api/v1/cases/{second.pk}/duplicates/")
    assert answer.status_code == 200
    assert [d["id"] for d in answer.json()] == [first.pk]
    assert api_as(cast.resident2).get(f"/api/v1/cases/{second.pk}/duplicates/").status_code == 403


def test_merge_rejects_the_duplicate_and_its_reporter_follows_the_master(api_as, cast, report, city):
    master = report(by=cast.resident2)
    duplicate = report()
    services.case_transition(case=duplicate, actor=cast.dispatcher, action="merge", merge_into=master)
    assert (duplicate.state, duplicate.merged_into) == (CaseState.REJECTED, master)
    services.case_transition(case=master, actor=cast.dispatcher, action="register")
    services.case_transition(case=master, actor=cast.dispatcher, action="dispatch", department=city.dept_x)

    detail = api_as(cast.resident).get(f"/api/v1/cases/{duplicate.pk}/").json()
    assert detail["state"] == "rejected"
    assert detail["followed"] == {"id": master.pk, "tracking_code": master.tracking_code, "state": "dispatched"}
    track = api_as(None).get(f"/api/v1/track/{duplicate.tracking_code}/").json()
    assert track["followed"]["state"] == "dispatched"


def test_merge_needs_an_open_master_that_is_not_itself(cast, report, case_in):
    import pytest

    from gridops.errors import DomainError

    case = report()
    closed = case_in("closed")
    for master in (None, case, closed):
        with pytest.raises(DomainError) as err:
            services.case_transition(case=case, actor=cast.dispatcher, action="merge", merge_into=master)
        assert err.value.field == "merge_into"
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED


def test_merge_into_a_case_outside_the_actors_scope_is_refused(cast, report):
    case = report("a")
    elsewhere = report("c")
    import pytest

    from gridops.errors import DomainError

    with pytest.raises(DomainError) as err:
        services.case_transition(case=case, actor=cast.supervisor_d, action="merge", merge_into=elsewhere)
    assert err.value.field == "merge_into"


def test_the_time_window_holds_whatever_time_zone_the_moment_is_given_in(report, category):
    """A report 70 h old is inside a 72 h window and 74 h old is not, asked in Shanghai time or in UTC."""
    from zoneinfo import ZoneInfo

    lon, lat = POINT["a"]
    now = timezone.now()
    recent = report(at=now - timedelta(hours=70))
    report(at=now - timedelta(hours=74))
    for zone in ("Asia/Shanghai", "UTC"):
        at = now.astimezone(ZoneInfo(zone))
        found = selectors.case_duplicate_candidates(category=category, lon=lon, lat=lat, at=at)
        assert [c.pk for c in found] == [recent.pk], zone
