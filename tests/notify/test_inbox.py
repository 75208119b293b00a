"""The inbox: page and API, one user's notifications only, unread count, constant queries."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.notify.models import Notification


def notify(user, n=1, case=None, key="dispatch"):
    now = timezone.now()
    return Notification.objects.bulk_create(
        [
            Notification(
                channel="inapp", recipient=user, key=key, params={"code": f"C{i:04d}"}, created_at=now, case=case
            )
            for i in range(n)
        ]
    )


@pytest.fixture
def filled(cast):
    notify(cast.handler_x, 5)
    notify(cast.handler_y, 3)
    Notification.objects.create(channel="email", recipient=cast.handler_x, key="dispatch", created_at=timezone.now())
    return cast


def test_api_lists_only_my_in_app_notifications(api_as, filled):
    res = api_as(filled.handler_x).get("/api/v1/notifications/")
    assert res.status_code == 200
    assert res.json()["count"] == 5
    first = res.json()["results"][0]
    assert first["is_read"] is False and "C00" in first["text"]


def test_unread_count_and_marking_read(api_as, filled):
    client = api_as(filled.handler_x)
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 5}
    one = Notification.objects.filter(recipient=filled.handler_x, channel="inapp").first()
    assert client.post(f"/api/v1/notifications/{one.pk}/read/").json() == {"unread": 4}
    assert client.post("/api/v1/notifications/read-all/").json() == {"unread": 0}
    assert api_as(filled.handler_y).get("/api/v1/notifications/unread-count/").json() == {"unread": 3}


def test_cannot_mark_someone_elses_notification(api_as, filled):
    theirs = Notification.objects.filter(recipient=filled.handler_y).first()
    assert api_as(filled.handler_x).post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_gets_nothing(api):
    assert api.get("/api/v1/notifications/").status_code in (401, 403)


def test_api_query_count_is_constant(api_as, filled, django_assert_max_num_queries):
    client = api_as(filled.handler_x)
    notify(filled.handler_x, 40)
    with django_assert_max_num_queries(3):
        res = client.get("/api/v1/notifications/")
    assert len(res.json()["results"]) == 45


def test_inbox_page_shows_unread_count(client, filled, django_assert_max_num_queries):
    client.force_login(filled.handler_x)
    notify(filled.handler_x, 60)
    with django_assert_max_num_queries(8):
        res = client.get(reverse("notify:inbox"))
    assert res.status_code == 200
    assert res.context["unread"] == 65
    assert len(res.context["page"].object_list) == 50
    assert "C0059" in res.content.decode()


def test_inbox_pages_keep_the_unread_filter(client, filled):
    client.force_login(filled.handler_x)
    notify(filled.handler_x, 60)
    html = client.get(reverse("notify:inbox") + "?unread=1").content.decode()
    assert 'href="?unread=1&amp;page=2"' in html
    html = client.get(reverse("notify:inbox") + "?unread=1&page=2").content.decode()
    assert 'href="?unread=1&amp;page=1"' in html
    assert "unread=1" not in client.get(reverse("notify:inbox") + "?page=2").content.decode().split('class="pager"')[1]


def test_inbox_page_marks_all_read(client, filled):
    client.force_login(filled.handler_x)
    res = client.post(reverse("notify:read-all"))
    assert res.status_code == 302
    assert not Notification.objects.filter(recipient=filled.handler_x, channel="inapp", read_at__isnull=True).exists()


def test_inbox_page_needs_login(client, db):
    res = client.get(reverse("notify:inbox"))
    assert res.status_code == 302 and "login" in res["Location"]


def test_the_outbox_is_read_only_in_the_admin(client, cast, filled):
    from apps.notify.models import Notification

    client.force_login(cast.admin)
    listing = client.get("/admin/notify/notification/", HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    assert "gridops administration" in listing.content.decode()
    assert client.get("/admin/notify/notification/add/").status_code == 403
    row = Notification.objects.first()
    client.post(f"/admin/notify/notification/{row.pk}/delete/", {"post": "yes"})
    assert Notification.objects.filter(pk=row.pk).exists()


def test_sla_messages_name_the_stage_and_the_local_deadline_not_codes(db):
    from django.utils import translation

    note = Notification(
        channel="inapp",
        key="sla_warning",
        params={"code": "ABC123", "stage": "verify", "deadline": "2026-11-24T01:49:30.608823+00:00"},
    )
    with translation.override("en"):
        assert note.text == "Case ABC123: the Verify stage is due soon (deadline 2026-11-24 09:49)."
    with translation.override("zh-hans"):
        assert "verify" not in note.text and "2026-11-24 09:49" in note.text
    assert note.params["deadline"].startswith("2026-11-24T01:49")  # the data itself stays machine-readable


def test_the_inbox_links_each_case(client, filled, dispatched_case):
    case = dispatched_case()
    notify(filled.handler_x, 1, case=case)
    client.force_login(filled.handler_x)
    page = client.get(reverse("notify:inbox")).content.decode()
    assert f'href="{reverse("workbench:case_detail", args=[case.pk])}"' in page


def test_api_unread_filter_takes_a_boolean_and_a_bad_value_is_a_400_naming_it(api_as, filled):
    client = api_as(filled.handler_x)
    one = Notification.objects.filter(recipient=filled.handler_x, channel="inapp").first()
    Notification.objects.filter(pk=one.pk).update(read_at=timezone.now())
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 4
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 4
    assert client.get("/api/v1/notifications/?unread=0").json()["count"] == 5
    res = client.get("/api/v1/notifications/?unread=maybe")
    assert res.status_code == 400 and "unread" in res.json()
