"""The demo cases loader: real histories through the services, every state and channel, fast."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.cases.choices import CaseState
from apps.cases.models import Case, CaseEvent, Category
from apps.demo import cases as demo_cases
from apps.demo import categories as demo_categories
from apps.demo import sla as demo_sla
from apps.sla.models import CaseClock, SlaAlert


def test_demo_categories_cover_the_taxonomy(db):
    demo_categories.load()
    leaves = Category.objects.filter(parent__isnull=False)
    assert leaves.count() >= 40
    assert set(Category.objects.filter(parent__isnull=True).values_list("kind", flat=True)) == {"component", "event"}
    names = set(leaves.values_list("name", flat=True))
    for name in (
        "高空抛物",
        "井盖丢失",
        "电动车起火",
        "入室盗窃",
        "暴露垃圾",
        "道路不洁",
        "绿地养护",
        "违法建设",
        "紧急求助",
        "咨询",
        "求助",
        "投诉",
        "举报",
    ):
        assert name in names
    assert Category.objects.get(name="入室盗窃").default_department.code == "POLICE"
    assert not leaves.filter(default_department__isnull=True).exists()
    demo_categories.load()  # loading twice changes nothing
    assert Category.objects.filter(parent__isnull=False).count() == leaves.count()


def test_demo_cases_reach_every_state_with_real_histories(cast, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo_categories.load()
    demo_sla.load()
    demo_cases.load(count=120)
    cases = Case.objects.all()
    assert cases.count() >= 110
    assert set(cases.values_list("state", flat=True)) == set(CaseState.values)
    assert set(cases.values_list("channel", flat=True)) >= {"web", "hotline", "patrol"}
    assert cases.filter(merged_into__isnull=False).exists()
    assert cases.filter(reopen_count__gt=0).exists()
    assert not cases.filter(created_at__gt=timezone.now()).exists()
    assert cases.earliest("created_at").created_at < timezone.now() - timezone.timedelta(days=30)
    # every case's history starts with its report and follows its state
    for case in cases.prefetch_related("events")[:40]:
        events = [e for e in case.events.all() if e.to_state]
        assert events[0].action == "report"
        assert events[-1].to_state == case.state
        assert all(a.created_at <= b.created_at for a, b in zip(events, events[1:], strict=False))
    assert CaseEvent.objects.filter(created_at__gt=timezone.now()).count() == 0


def test_demo_sla_alerts_fired_when_they_fell_due_not_at_load_time(cast, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo_categories.load()
    demo_sla.load()
    demo_cases.load(count=120)
    alerts = list(SlaAlert.objects.all())
    assert alerts, "a demo of old open cases has overdue ones"
    for alert in alerts:
        assert alert.due_at <= alert.created_at <= alert.due_at + timedelta(minutes=1)
    assert SlaAlert.objects.filter(created_at__lt=timezone.now() - timedelta(days=7)).exists()
    # nothing left for the first real sweep to fire in bulk
    assert not CaseClock.objects.filter(next_check_at__lte=timezone.now()).exists()
    warnings = CaseEvent.objects.filter(action__in=["sla_warning", "sla_escalation"])
    assert warnings.count() == len(alerts)
    assert {e.created_at for e in warnings} == {a.created_at for a in alerts}
