"""New rows that refer to each other, written together.

A report writes four rows at once (the case, its first history entry, its SLA clock, the
responsible officer's notice), each but the first pointing at an earlier one. Saved one by one
they cost six round trips to PostgreSQL (BEGIN, four INSERTs, COMMIT), and under load a report's
cost grows with its round trips more than with the work the database does. `RowBatch` writes
them as one statement of data-modifying CTEs: one round trip, atomic by itself.

    batch = RowBatch()
    case = batch.add(Case(...))
    event = batch.add(CaseEvent(case=case, ...))     # refers to the unsaved case
    batch.after_write(lambda: ...)                    # runs once every row has its key
    nearby = batch.select(Selected("SELECT id, … FROM … WHERE …", {"q_lat": …}))
    batch.write()
    nearby.rows                                       # as the database was before the batch


The rows are the models' own instances; the columns and values come from their fields, as
`QuerySet.bulk_create` takes them (defaults, `auto_now_add`, JSON), and like `bulk_create` the
write sends no `pre_save`/`post_save` signals and calls no `save()` override. On other databases
the rows are inserted one by one, in order, in a transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Model

M = TypeVar("M", bound=Model)

_sql_cache: dict[tuple, str] = {}
MAX_SHAPES = 256


class Selected:
    """A SELECT and, once asked, its `rows`: asked now (`run`), or answered with a batch's write
    (`RowBatch.select`). Named parameters (`%(name)s`)."""

    def __init__(self, sql: str, params: dict, *, using: str = DEFAULT_DB_ALIAS) -> None:
        self.sql, self.params, self.using = sql, params, using
        self.rows: list[tuple] | None = None

    def run(self):
        """Ask it now; returns itself."""
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            self.rows = cursor.fetchall()
        return self


class RowBatch:
    """Unsaved model instances to insert together, in the order they were added.

    A foreign key set to an earlier instance of the batch (`CaseEvent(case=case)`) takes that
    row's new key. `write()` is atomic: all rows or none (inside a transaction, a savepoint)."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        self.rows: list[Model] = []
        self._after: list[Callable[[], None]] = []
        self.selected: Selected | None = None

    def add(self, obj: M) -> M:
        if obj.pk is not None and not obj._state.adding:
            raise ValueError(f"{obj!r} is already saved")
        self.rows.append(obj)
        return obj

    def after_write(self, callback: Callable[[], None]) -> None:
        """`callback()` once the rows are written and have their keys (e.g. to schedule work
        with `transaction.on_commit`, which needs the ids)."""
        self._after.append(callback)

    def select(self, selected: Selected) -> Selected:
        """`selected` answered with the write (its `rows` filled), as the database was before the
        batch's rows: on PostgreSQL it is part of the write's statement (a round trip saved:
        intake's duplicate search), elsewhere it runs just before the inserts. One per batch, on
        the batch's database; parameter names do not start with "p"; its first column is never
        NULL."""
        if self.selected is not None:
            raise ValueError("a batch answers one SELECT")
        if any(name.startswith("p") for name in selected.params):
            raise ValueError("the SELECT's parameter names must not start with 'p'")
        if selected.using != self.using:
            raise ValueError("the SELECT is for another database than the batch")
        self.selected = selected
        return selected

    def write(self) -> None:
        connection = connections[self.using]
        selected = self.selected
        if self.rows:
            links = _links(self.rows)  # also refuses a row that refers to one added after it
            if connection.vendor != "postgresql":
                with transaction.atomic(using=self.using):
                    if selected is not None:
                        selected.run()
                    for obj in self.rows:  # bulk_create takes the keys of the rows saved before
                        type(obj)._base_manager.using(self.using).bulk_create([obj])
            elif connection.in_atomic_block:
                # A savepoint: a failure leaves the caller's transaction usable (intake retries
                # a clashing tracking code).
                with transaction.atomic(using=self.using):
                    _insert_as_one(self.rows, links, connection, selected)
            else:
                _insert_as_one(self.rows, links, connection, selected)  # one statement: atomic by itself
        elif selected is not None:
            selected.run()
        callbacks, self._after = self._after, []
        for callback in callbacks:
            callback()


# Fields whose value goes to PostgreSQL as it is when it is of this exact Python type (or None):
# their `pre_save` reads the attribute and their `get_db_prep_save` only converts other types.
# (`_insert_as_one`, the only user, is PostgreSQL's.)
_PLAIN_TYPES = {
    models.CharField: str,
    models.TextField: str,
    models.IntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.SmallIntegerField: int,
    models.BigIntegerField: int,
    models.FloatField: float,
    models.BooleanField: bool,
}
_INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)


@functools.cache
def _plan(model: type[Model]) -> tuple[tuple, tuple, str]:
    """A model's (field, attname, plain type or None) per concrete field, its foreign keys, and
    the attname of its primary key."""
    fields = []
    for field in model._meta.concrete_fields:
        plain = _PLAIN_TYPES.get(type(field))
        if type(field) in (models.ForeignKey, models.OneToOneField) and isinstance(field.target_field, _INTEGER_KEYS):
            plain = int
        if type(field) is models.DateTimeField and not (field.auto_now or field.auto_now_add):
            plain = datetime  # on PostgreSQL an aware datetime goes as it is (naive ones are converted)
        fields.append((field, field.attname, plain))
    keys = tuple(f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one)
    return tuple(fields), keys, model._meta.pk.attname


def _links(rows: list[Model]) -> list[dict[str, tuple[int, object]]]:
    """Per row: the attname of each foreign key pointing at an earlier unsaved row -> (that
    row's index, the field)."""
    position = {id(obj): i for i, obj in enumerate(rows)}
    found = []
    for i, obj in enumerate(rows):
        links = {}
        for field in _plan(type(obj))[1]:
            target = field.get_cached_value(obj, None)
            if target is None or target.pk is not None or id(target) not in position:
                continue
            j = position[id(target)]
            if j >= i:
                raise ValueError(f"{obj!r} refers to a row added after it")
            links[field.attname] = (j, field)
        found.append(links)
    return found


def _insert_as_one(rows: list[Model], links: list[dict], connection, selected: Selected | None = None) -> None:
    """WITH r0 AS (INSERT … RETURNING id), r1 AS (INSERT … VALUES (…, (SELECT id FROM r0), …)), …
    SELECT the new ids; the SQL text is built once per shape of batch. With a SELECT, it is one
    more CTE (which, like every part of the statement, sees the rows as they were before it),
    joined to the ids: a row per row it finds (at least one, NULLs when it finds none)."""
    shape = []
    params: dict[str, object] = {}
    times: dict[datetime, str] = {}  # a report's rows share its instant: one parameter for it
    for obj, linked in zip(rows, links, strict=True):
        fields, _keys, pk_attname = _plan(type(obj))
        state = obj.__dict__  # the attributes as set (a deferred one is read through the model)
        attnames, values = [], []
        for field, attname, plain in fields:
            if attname in linked:
                attnames.append(attname)
                values.append(f"(SELECT id FROM r{linked[attname][0]})")
                continue
            value = state[attname] if attname in state else getattr(obj, attname)
            if value is None and attname == pk_attname:
                continue  # the database numbers it
            attnames.append(attname)
            kind = type(value)
            # A plain field's value of its own type goes as it is (a str subclass, such as a
            # TextChoices member, is what CharField would send too; a datetime only when aware);
            # anything else is converted as the ORM converts it, after `pre_save` (auto_now,
            # defaults computed on save).
            as_is = plain is not None and (
                value is None
                or (kind is plain and not (kind is datetime and value.tzinfo is None))
                or (plain is str and isinstance(value, str))
            )
            if not as_is:
                value = field.get_db_prep_save(field.pre_save(obj, True), connection)
                kind = type(value)
            # Values that are the same in most rows (NULL, a boolean, zero, an empty string) are
            # written in the text: fewer parameters keep the statement within what psycopg caches
            # the parsing of (50 parameters; parsing a report's statement costs more than building
            # its values), and the texts are a handful of shapes.
            if value is None:
                values.append("NULL")
            elif kind is bool:
                values.append("TRUE" if value else "FALSE")
            elif (kind is int or kind is float) and value == 0:
                values.append("0")
            elif kind is str and not value:
                values.append("''")
            elif kind is datetime:
                name = times.get(value)
                if name is None:
                    name = times[value] = f"p{len(params)}"
                    params[name] = value
                values.append(f"%({name})s")
            else:
                name = f"p{len(params)}"
                params[name] = value
                values.append(f"%({name})s")
        shape.append((type(obj), tuple(attnames), tuple(values)))
    select = selected.sql if selected is not None else None
    key = (connection.alias, tuple(shape), select)
    sql = _sql_cache.get(key)
    if sql is None:
        if len(_sql_cache) >= MAX_SHAPES:  # a handful in practice; never let it grow without end
            _sql_cache.clear()
        sql = _sql_cache[key] = _compose(shape, connection, select)
    if selected is not None:
        params.update(selected.params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if selected is None:
            ids = cursor.fetchone()
        else:
            found = cursor.fetchall()
            n = len(rows)
            ids = found[0][:n]
            selected.rows = [row[n:] for row in found if row[n] is not None]
    for obj, new_id in zip(rows, ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = connection.alias
    for obj, linked in zip(rows, links, strict=True):
        for j, field in linked.values():
            # Through the descriptor: sets the id and keeps the object cached (setting the id alone
            # would drop it, and the next access would read the row back).
            setattr(obj, field.name, rows[j])


def _compose(shape: list[tuple], connection, select: str | None = None) -> str:
    q = connection.ops.quote_name
    parts = []
    for i, (model, attnames, values) in enumerate(shape):
        meta = model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        columns = [q(by_attname[attname].column) for attname in attnames]
        parts.append(
            f"r{i} AS (INSERT INTO {q(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(values)})"
            f" RETURNING {q(meta.pk.column)} AS id)"
        )
    ids = ", ".join(f"(SELECT id FROM r{i})" for i in range(len(shape)))
    if select is None:
        return f"WITH {', '.join(parts)} SELECT {ids}"
    parts.append(f"q AS ({select})")
    return f"WITH {', '.join(parts)} SELECT {ids}, q.* FROM (SELECT 1) AS one LEFT JOIN q ON TRUE"


# ---------------------------------------------------------------- reading rows written as SQL


class RowReader:
    """Instances of models from a plain SQL query's rows, as the ORM would build them.

    For the few queries that run on every request (token look-up, duplicate search): composing the
    ORM's query and its `raw()` machinery costs several times the database's own work there.
    `parts` are (model, attnames); the SELECT lists `columns()` of each part in turn (in the
    model's order of fields); `read(row)` gives one (deferred) instance per part, with the ORM's
    converters applied (SQLite's times and booleans).
    """

    def __init__(self, *parts: tuple[type[Model], list[str]], using: str = DEFAULT_DB_ALIAS) -> None:
        connection = connections[using]
        self.using = using
        # `Model.from_db` takes a subset of the fields' values in the model's order of fields.
        self.parts = []
        for model, attnames in parts:
            wanted = set(attnames)
            self.parts.append((model, [f.attname for f in model._meta.concrete_fields if f.attname in wanted]))
        self.converters = []
        i = 0
        for model, attnames in self.parts:
            by_attname = {f.attname: f for f in model._meta.concrete_fields}
            for attname in attnames:
                field = by_attname[attname]
                expression = field.get_col(model._meta.db_table)
                found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
                if found:
                    self.converters.append((i, found, expression))
                i += 1

    def columns(self, alias: str = "", *, part: int = 0) -> str:
        """The quoted column list of one part, for the SELECT (`alias.` before each if given)."""
        model, attnames = self.parts[part]
        q = connections[self.using].ops.quote_name
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        prefix = f"{alias}." if alias else ""
        return ", ".join(f"{prefix}{q(by_attname[a].column)}" for a in attnames)

    def read(self, row) -> list[Model]:
        if self.converters:
            connection = connections[self.using]
            row = list(row)
            for i, functions, expression in self.converters:
                for convert in functions:
                    row[i] = convert(row[i], expression, connection)
        found, start = [], 0
        for model, attnames in self.parts:
            end = start + len(attnames)
            found.append(model.from_db(self.using, attnames, row[start:end]))
            start = end
        return found


def rows_update(
    objs: Sequence[Model], fields: Sequence[str], *, also: dict | None = None, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Write `fields` of saved instances of one model in one UPDATE … FROM a table of their values,
    matched by primary key (`QuerySet.bulk_update` builds a CASE per row and field). `also`: fields
    set to one value in every row. PostgreSQL gets the values as one typed array per column
    (`unnest`: a parameter per column whatever the number of rows, NULLs typed); elsewhere as VALUES."""
    if not objs:
        return
    connection = connections[using]
    meta = type(objs[0])._meta
    q = connection.ops.quote_name
    table = q(meta.db_table)
    key, columns = meta.pk, [meta.get_field(name) for name in fields]
    names = ", ".join(q(f.column) for f in (key, *columns))
    sets = [f"{q(f.column)} = v.{q(f.column)}" for f in columns]
    set_params = []
    for name, value in (also or {}).items():
        field = meta.get_field(name)
        sets.append(f"{q(field.column)} = %s")
        set_params.append(field.get_db_prep_save(value, connection))
    update = f"UPDATE {table} SET {', '.join(sets)}"
    match = f"WHERE {table}.{q(key.column)} = v.{q(key.column)}"

    def values(field):
        return [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objs]

    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in (key, *columns))
        sql = f"{update} FROM unnest({arrays}) AS v({names}) {match}"
        params = [*set_params, *(values(f) for f in (key, *columns))]
    else:
        row = f"({', '.join(['%s'] * (len(columns) + 1))})"
        sql = f"WITH v({names}) AS (VALUES {', '.join([row] * len(objs))}) {update} FROM v {match}"
        by_column = [values(f) for f in (key, *columns)]
        params = [value for row_values in zip(*by_column, strict=True) for value in row_values] + set_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
