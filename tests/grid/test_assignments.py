from datetime import timedelta

import pytest
from django.utils import timezone

from apps.grid import services
from apps.grid.choices import AssignmentKind
from apps.grid.selectors import cell_responsible_officer
from gridops.errors import DomainError


def test_assigning_an_officer_grants_work_in_cell(cast, city):
    assert cast.officer_a.has_perm("grid.work_in_cell", city.cell_a)
    assert not cast.officer_a.has_perm("grid.work_in_cell", city.cell_b)


def test_ending_an_assignment_revokes_the_permission(cast, city):
    assignment = city.cell_a.assignments.get(officer=cast.officer_a)
    services.assignment_end(assignment=assignment)
    cast.officer_a = type(cast.officer_a).objects.get(pk=cast.officer_a.pk)  # fresh permission cache
    assert not cast.officer_a.has_perm("grid.work_in_cell", city.cell_a)


def test_responsible_officer_answers_for_any_moment(cast, city):
    t0 = timezone.now()
    services.assignment_create(cell=city.cell_a, officer=cast.officer_b, valid_from=t0 + timedelta(days=10))
    assert cell_responsible_officer(cell=city.cell_a, at=t0 + timedelta(days=1)) == cast.officer_a
    assert cell_responsible_officer(cell=city.cell_a, at=t0 + timedelta(days=11)) == cast.officer_b
    # the earlier primary assignment was ended when the new one began
    old = city.cell_a.assignments.get(officer=cast.officer_a)
    assert old.valid_until == t0 + timedelta(days=10)


def test_backup_takes_over_while_primary_is_on_leave(cast, city):
    now = timezone.now()
    services.assignment_create(
        cell=city.cell_a, officer=cast.officer_c, kind=AssignmentKind.BACKUP, valid_from=now - timedelta(days=1)
    )
    services.leave_create(officer=cast.officer_a, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=4))
    assert cell_responsible_officer(cell=city.cell_a, at=now + timedelta(days=1)) == cast.officer_a
    assert cell_responsible_officer(cell=city.cell_a, at=now + timedelta(days=3)) == cast.officer_c
    assert cell_responsible_officer(cell=city.cell_a, at=now + timedelta(days=5)) == cast.officer_a


def test_a_deactivated_primary_is_never_responsible(cast, city):
    now = timezone.now()
    services.assignment_create(
        cell=city.cell_a, officer=cast.officer_c, kind=AssignmentKind.BACKUP, valid_from=now - timedelta(days=1)
    )
    cast.officer_a.is_active = False
    cast.officer_a.save()
    assert cell_responsible_officer(cell=city.cell_a, at=now) == cast.officer_c
    cast.officer_c.is_active = False
    cast.officer_c.save()
    assert cell_responsible_officer(cell=city.cell_a, at=now) is None


def test_only_officers_can_be_assigned(cast, city):
    with pytest.raises(DomainError) as err:
        services.assignment_create(cell=city.cell_a, officer=cast.handler_x)
    assert err.value.field == "officer"


def test_supervisor_scope_is_per_area(cast, city):
    assert cast.supervisor_d.has_perm("grid.supervise_area", city.district_d)
    assert not cast.supervisor_d.has_perm("grid.supervise_area", city.district_e)
