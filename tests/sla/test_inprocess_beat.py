"""The embedded default runs the periodic jobs in the runserver process only."""

from __future__ import annotations

import pytest

from apps.sla.apps import SlaConfig, should_run_inprocess_beat


@pytest.mark.parametrize(
    "argv,enabled,environ,expected",
    [
        (["manage.py", "runserver", "--noreload", "127.0.0.1:8000"], True, {}, True),
        (["manage.py", "runserver"], True, {"RUN_MAIN": "true"}, True),  # the autoreloader's serving child
        (["manage.py", "runserver"], True, {}, False),  # the autoreloader's watching parent
        (["manage.py", "runserver", "--noreload"], False, {}, False),  # REDIS_URL set: Celery beat does it
        (["manage.py", "migrate"], True, {}, False),
        (["manage.py", "sla_sweep"], True, {}, False),
        (["/usr/bin/pytest", "tests"], True, {}, False),
        (["gunicorn", "gridops.wsgi"], True, {}, False),
        (["celery", "-A", "gridops", "worker"], True, {}, False),
    ],
)
def test_in_process_beat_starts_only_in_the_serving_runserver(argv, enabled, environ, expected):
    assert should_run_inprocess_beat(argv, enabled, environ) is expected


def test_no_beat_thread_under_tests():
    assert SlaConfig.beat_thread is None
