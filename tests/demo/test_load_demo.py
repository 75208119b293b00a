"""One full load of the demo city (it takes a while: the suite loads it once)."""

from datetime import timedelta

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.cases.choices import CaseState
from apps.cases.models import Case, Category
from apps.cases.selectors import case_list_for_user
from apps.demo.people import DEMO_ACCOUNTS, DEMO_PASSWORD
from apps.grid.models import Area, Cell
from apps.grid.selectors import cells_responsible_officers
from apps.sla.models import ClockRequest
from apps.sla.selectors import clock_request_list_for_user


def test_the_demo_city_is_complete_and_every_demo_login_works(db):
    call_command("load_demo", "--if-empty")

    districts = Area.objects.filter(level="district")
    assert districts.count() == 9
    assert districts.filter(name="福田区", name_en__icontains="Futian").exists()
    assert Cell.objects.count() >= 5000
    assert not Area.objects.exclude(level="city").filter(parent__isnull=True).exists()
    assert not Area.objects.filter(geometry__isnull=True).exists()

    cell_ids = list(Cell.objects.values_list("pk", flat=True))
    assert len(cells_responsible_officers(cell_ids=cell_ids, at=timezone.now())) == len(cell_ids)

    assert Category.objects.filter(parent__isnull=False).count() >= 40
    assert set(Case.objects.values_list("state", flat=True).distinct()) == set(CaseState.values)

    # Every staff demo login has work to show, and open cases are mostly recent, not a stale backlog.
    for username in ("officer", "handler", "supervisor_community", "dispatcher"):
        assert case_list_for_user(user=User.objects.get(username=username)).exists(), username
    waiting = Case.objects.filter(state__in=[CaseState.REPORTED, CaseState.REGISTERED])
    recent = waiting.filter(created_at__gte=timezone.now() - timedelta(days=3))
    assert recent.count() > waiting.count() / 2
    # Some handlers asked for more time or a pause; the city supervisor has requests to decide.
    pending = clock_request_list_for_user(user=User.objects.get(username="supervisor_city"), status="pending")
    assert pending.exists()
    assert ClockRequest.objects.exclude(status="pending").exists()

    for username, role, _what in DEMO_ACCOUNTS:
        assert User.objects.get(username=username).role == role
        assert Client().login(username=username, password=DEMO_PASSWORD), username

    before = (Area.objects.count(), Cell.objects.count(), User.objects.count(), Case.objects.count())
    call_command("load_demo", "--if-empty")
    assert (Area.objects.count(), Cell.objects.count(), User.objects.count(), Case.objects.count()) == before
