"""`gridops.db`: rows that refer to each other written together; rows of plain SQL read as the ORM would."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.cases.models import Case, CaseEvent
from apps.notify.models import Notification
from apps.sla.models import CaseClock
from gridops.db import RowBatch, RowReader, Selected, rows_update

pytestmark = pytest.mark.django_db


def _case(category, cell, **extra) -> Case:
    values = {
        "tracking_code": "BATCH2345678",
        "channel": "api",
        "category": category,
        "description": "井盖丢失",
        "lon": 114.005,
        "lat": 22.505,
        "cell": cell,
        "area": cell.area,
        "area_path": cell.area.path,
        "created_at": timezone.now(),
    }
    return Case(**(values | extra))


@pytest.fixture
def category():
    from apps.cases.models import Category

    return Category.objects.create(code="E0101", name="暴露垃圾", name_en="Exposed rubbish", kind="event")


def test_linked_rows_get_their_keys_and_keep_their_related_objects(city, cast, category, django_assert_num_queries):
    at = timezone.now()
    batch = RowBatch()
    case = batch.add(_case(category, city.cell_a, responsible_officer=cast.officer_a, created_at=at))
    event = batch.add(CaseEvent(case=case, actor=cast.resident, action="report", to_state="reported", created_at=at))
    clock = batch.add(CaseClock(case=case, stage="register", stage_started_at=at, running_since=at, limit_seconds=3600))
    note = batch.add(
        Notification(channel="inapp", recipient=cast.officer_a, case=case, event=event, key="report", created_at=at)
    )
    batch.write()

    assert None not in (case.pk, event.pk, note.pk)
    assert clock.pk == case.pk  # the clock's key is its case
    with django_assert_num_queries(0):  # the objects stay attached: nothing is read back
        assert event.case is case and clock.case is case and note.event is event
    stored = Notification.objects.select_related("event__case").get(pk=note.pk)
    assert stored.case_id == case.pk and stored.event.case.tracking_code == "BATCH2345678"
    assert CaseClock.objects.get(pk=case.pk).limit_seconds == 3600


def test_values_are_stored_as_the_orm_stores_them(city, cast, category):
    """NULLs, booleans, zeros and empty strings (written as SQL literals), JSON, one shared
    instant and the fields' defaults come back as they went in."""
    at = timezone.now().replace(microsecond=123456)
    batch = RowBatch()
    case = batch.add(_case(category, city.cell_a, created_at=at, address="", reporter=None))
    event = batch.add(
        CaseEvent(case=case, actor=None, action="report", to_state="reported", data={"键": [1, None]}, created_at=at)
    )
    batch.add(
        CaseClock(case=case, stage="register", stage_started_at=at, running_since=at, is_suspended=False, warned=True)
    )
    batch.write()

    stored = Case.objects.get(pk=case.pk)
    assert (stored.created_at, stored.address, stored.reporter_id, stored.version) == (at, "", None, case.version)
    assert stored.updated_at is not None and stored.state == "reported" and stored.reopen_count == 0
    stored_event = CaseEvent.objects.get(pk=event.pk)
    assert (stored_event.data, stored_event.actor_id, stored_event.created_at) == ({"键": [1, None]}, None, at)
    clock = CaseClock.objects.get(pk=case.pk)
    assert (clock.stage_started_at, clock.running_since, clock.is_suspended, clock.warned) == (at, at, False, True)
    assert (clock.consumed_seconds, clock.escalation_level, clock.stopped_at) == (0, 0, None)


def test_a_failing_row_writes_none_of_them_and_the_transaction_goes_on(city, cast, category):
    before = Case.objects.count()
    batch = RowBatch()
    case = batch.add(_case(category, city.cell_a))
    batch.add(CaseEvent(case=case, action="report", to_state="reported", created_at=None))  # NOT NULL
    called = []
    batch.after_write(lambda: called.append(True))
    with pytest.raises(IntegrityError):
        batch.write()
    assert Case.objects.count() == before  # usable: the failure did not break the test's transaction
    assert called == []


def test_after_write_runs_once_the_rows_have_their_keys(city, category):
    batch = RowBatch()
    case = batch.add(_case(category, city.cell_a))
    seen = []
    batch.after_write(lambda: seen.append(case.pk))
    batch.write()
    assert seen == [case.pk] and case.pk is not None


def test_a_row_may_not_refer_to_one_added_after_it(city, category):
    later = _case(category, city.cell_a)
    batch = RowBatch()
    batch.add(CaseEvent(case=later, action="report", to_state="reported", created_at=timezone.now()))
    batch.add(later)
    with pytest.raises(ValueError, match="added after it"):
        batch.write()


def test_a_saved_row_cannot_be_added(city, category):
    case = _case(category, city.cell_a)
    case.save()
    with pytest.raises(ValueError, match="already saved"):
        RowBatch().add(case)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement of data-modifying CTEs is PostgreSQL's")
def test_on_postgresql_the_rows_go_in_one_statement_without_a_transaction_of_their_own(city, cast, category):
    at = timezone.now()
    batch = RowBatch()
    case = batch.add(_case(category, city.cell_a, created_at=at))
    batch.add(CaseEvent(case=case, action="report", to_state="reported", created_at=at))
    batch.add(CaseClock(case=case, stage="register", stage_started_at=at))
    with CaptureQueriesContext(connection) as queries:
        batch.write()
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].count("INSERT INTO") == 3
    # Inside the test's transaction a savepoint guards it; outside one it is a single statement.
    assert len(queries.captured_queries) == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement of data-modifying CTEs is PostgreSQL's")
def test_on_postgresql_outside_a_transaction_it_is_a_single_statement(city, category):
    assert not connection.in_atomic_block
    batch = RowBatch()
    case = batch.add(_case(category, city.cell_a))
    batch.add(CaseEvent(case=case, action="report", to_state="reported", created_at=timezone.now()))
    with CaptureQueriesContext(connection) as queries:
        batch.write()
    assert len(queries.captured_queries) == 1
    assert CaseEvent.objects.filter(case_id=case.pk).count() == 1


def test_values_of_another_type_are_converted_as_the_orm_converts_them(city, cast, category):
    """Plain fields take their value as it is only when it has the field's own type."""
    batch = RowBatch()
    case = batch.add(
        _case(category, city.cell_a, description=12345, lon=114, lat="22.505", reporter_id=str(cast.resident.pk))
    )
    batch.write()
    stored = Case.objects.get(pk=case.pk)
    assert (stored.description, stored.lon, stored.lat, stored.reporter_id) == (
        "12345",
        114.0,
        22.505,
        cast.resident.pk,
    )
    assert type(stored.lon) is float


def test_a_naive_time_is_taken_in_the_default_time_zone_as_the_orm_takes_it(city, category):
    naive = datetime(2026, 11, 3, 9, 30)
    batch = RowBatch()
    case = batch.add(_case(category, city.cell_a, created_at=naive))
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        batch.write()
    assert Case.objects.get(pk=case.pk).created_at == timezone.make_aware(naive)


def _selected_codes(batch) -> object:
    return batch.select(
        Selected(
            "SELECT id, tracking_code FROM cases_case WHERE category_id = %(q_category)s ORDER BY id",
            {"q_category": batch.rows[0].category_id},
        )
    )


def test_a_select_answered_with_the_write_sees_the_rows_as_they_were_before_it(city, category):
    _case(category, city.cell_a, tracking_code="EARLIER23456").save()
    batch = RowBatch()
    case = batch.add(_case(category, city.cell_a))
    batch.add(CaseEvent(case=case, action="report", to_state="reported", created_at=timezone.now()))
    selected = _selected_codes(batch)
    batch.write()
    assert [code for _, code in selected.rows] == ["EARLIER23456"]  # not the batch's own case
    assert case.pk is not None and Case.objects.filter(pk=case.pk).exists()


def test_a_select_that_finds_nothing_answers_no_rows(city, category):
    batch = RowBatch()
    batch.add(_case(category, city.cell_a))
    selected = _selected_codes(batch)
    batch.write()
    assert selected.rows == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement of data-modifying CTEs is PostgreSQL's")
def test_on_postgresql_the_select_is_part_of_the_write(city, category):
    _case(category, city.cell_a, tracking_code="EARLIER23456").save()
    _case(category, city.cell_a, tracking_code="EARLIER65432").save()
    batch = RowBatch()
    case = batch.add(_case(category, city.cell_a))
    selected = _selected_codes(batch)
    with CaptureQueriesContext(connection) as queries:
        batch.write()
    assert len(queries.captured_queries) == 1
    assert [code for _, code in selected.rows] == ["EARLIER23456", "EARLIER65432"]
    assert case.pk is not None


def test_a_batch_answers_one_select_with_names_of_its_own(city, category):
    batch = RowBatch()
    batch.add(_case(category, city.cell_a))
    with pytest.raises(ValueError, match="must not start"):
        batch.select(Selected("SELECT 1 WHERE 1 = %(p0)s", {"p0": 1}))
    _selected_codes(batch)
    with pytest.raises(ValueError, match="one SELECT"):
        _selected_codes(batch)


def test_reader_builds_instances_with_the_orm_conversions(city, category):
    at = timezone.now() - timedelta(hours=1)
    _case(category, city.cell_a, created_at=at).save()
    reader = RowReader((Case, ["created_at", "id", "tracking_code"]))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {reader.columns()} FROM cases_case")
        (found,) = reader.read(cursor.fetchone())
    assert isinstance(found, Case) and found.tracking_code == "BATCH2345678"
    assert found.created_at == at  # an aware datetime on SQLite too (its converter was applied)
    assert found.get_deferred_fields() >= {"description", "state"}


def test_transaction_rollback_undoes_a_batch_written_inside_it(city, category):
    before = Case.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        batch = RowBatch()
        batch.add(_case(category, city.cell_a))
        batch.write()
        raise RuntimeError
    assert Case.objects.count() == before


def test_rows_update_writes_the_given_fields_of_each_row_in_one_statement(city, category, django_assert_num_queries):
    at = timezone.now()
    cases = [_case(category, city.cell_a, tracking_code=f"UPD{i:09d}") for i in range(3)]
    for case in cases:
        case.save()
    clocks = CaseClock.objects.bulk_create(
        [CaseClock(case=c, stage="handle", running_since=at, deadline=at, next_check_at=at) for c in cases]
    )
    first, second, untouched = clocks
    first.warned, first.escalation_level, first.next_check_at = True, 2, at + timedelta(hours=1)
    second.warned, second.escalation_level, second.next_check_at = False, 1, None  # NULL in a typed column
    first.deadline = second.deadline = at + timedelta(days=9)  # not among the fields: not written
    stamp = at + timedelta(minutes=5)
    with django_assert_num_queries(1):
        rows_update([first, second], ["warned", "escalation_level", "next_check_at"], also={"updated_at": stamp})

    got = {c.pk: c for c in CaseClock.objects.all()}
    assert (got[first.pk].warned, got[first.pk].escalation_level, got[first.pk].next_check_at) == (
        True,
        2,
        at + timedelta(hours=1),
    )
    assert (got[second.pk].warned, got[second.pk].escalation_level, got[second.pk].next_check_at) == (False, 1, None)
    assert got[first.pk].deadline == at and got[second.pk].updated_at == stamp
    assert got[untouched.pk].escalation_level == 0 and got[untouched.pk].next_check_at == at
    assert got[untouched.pk].updated_at != stamp
