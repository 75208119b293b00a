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


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # a new object: guardian's permission cache is per instance


def test_an_assignment_that_starts_later_grants_nothing_until_it_starts(cast, city):
    now = timezone.now()
    services.assignment_create(
        cell=city.cell_b, officer=cast.officer_a, kind=AssignmentKind.BACKUP, valid_from=now + timedelta(days=30)
    )
    assert not _fresh(cast.officer_a).has_perm("grid.work_in_cell", city.cell_b)
    assert services.assignment_permissions_sync(at=now + timedelta(days=29)) == (0, 0)
    assert services.assignment_permissions_sync(at=now + timedelta(days=30)) == (1, 0)
    assert _fresh(cast.officer_a).has_perm("grid.work_in_cell", city.cell_b)


def test_an_assignment_that_runs_out_loses_its_permission_at_the_next_sync(cast, city):
    from apps.cases.selectors import case_list_for_user

    now = timezone.now()
    services.assignment_create(
        cell=city.cell_b,
        officer=cast.officer_a,
        kind=AssignmentKind.BACKUP,
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(hours=1),
    )
    assert _fresh(cast.officer_a).has_perm("grid.work_in_cell", city.cell_b)
    assert services.assignment_permissions_sync(at=now + timedelta(minutes=59)) == (0, 0)
    assert services.assignment_permissions_sync(at=now + timedelta(hours=1)) == (0, 1)
    officer = _fresh(cast.officer_a)
    assert not officer.has_perm("grid.work_in_cell", city.cell_b)
    assert officer.has_perm("grid.work_in_cell", city.cell_a)  # the assignment still in force stays
    assert not case_list_for_user(user=officer).filter(cell=city.cell_b).exists()


def test_ending_an_assignment_later_keeps_the_permission_until_then(cast, city):
    now = timezone.now()
    assignment = city.cell_a.assignments.get(officer=cast.officer_a)
    services.assignment_end(assignment=assignment, at=now + timedelta(days=1))
    assert _fresh(cast.officer_a).has_perm("grid.work_in_cell", city.cell_a)
    assert services.assignment_permissions_sync(at=now + timedelta(days=1)) == (0, 1)
    assert not _fresh(cast.officer_a).has_perm("grid.work_in_cell", city.cell_a)


def test_the_sync_restores_what_assignments_say(cast, city):
    """A permission lost or left over by hand is put right, and a second run changes nothing."""
    from apps.grid.models import CellUserObjectPermission

    CellUserObjectPermission.objects.filter(user=cast.officer_a, content_object=city.cell_a).delete()
    from guardian.shortcuts import assign_perm

    assign_perm("grid.work_in_cell", cast.officer_a, city.cell_b)
    assert services.assignment_permissions_sync() == (1, 1)
    assert services.assignment_permissions_sync() == (0, 0)
    officer = _fresh(cast.officer_a)
    assert officer.has_perm("grid.work_in_cell", city.cell_a) and not officer.has_perm("grid.work_in_cell", city.cell_b)
