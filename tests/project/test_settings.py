"""Settings come from the environment, with safe defaults, and fail loudly on bad values."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, gridops.settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'db': str(s.DATABASES['default']['NAME']), 'hosts': s.ALLOWED_HOSTS, 'tz': s.TIME_ZONE, "
    "'lang': s.LANGUAGE_CODE, 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, "
    "'cache': s.CACHES['default']['BACKEND'], 'inprocess_beat': s.GRIDOPS_INPROCESS_BEAT, "
    "'photo_max': s.GRIDOPS_PHOTO_MAX_BYTES, 'db_options': s.DATABASES['default'].get('OPTIONS', {})}, default=str))"
)
CONFIG_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "LANGUAGE_CODE",
    "TIME_ZONE",
    "CELERY_TASK_ALWAYS_EAGER",
    "GRIDOPS_INPROCESS_BEAT",
    "GRIDOPS_PHOTO_MAX_BYTES",
    "DB_PREPARED_STATEMENTS",
    "DB_PREPARE_THRESHOLD",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def settings_with(**env: str) -> dict:
    done = run_python(PROBE, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_defaults_are_the_embedded_setup():
    s = settings_with()
    assert s["debug"] is True
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["tz"] == "Asia/Shanghai"
    assert s["lang"] == "zh-hans"
    assert s["eager"] is True and s["broker"] == "memory://"
    assert s["cache"].endswith("LocMemCache")
    assert s["inprocess_beat"] is True


def test_database_and_redis_come_from_the_environment():
    s = settings_with(DATABASE_URL="postgres://gridops@db.internal:5432/gridops", REDIS_URL="redis://cache:6379/1")
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["db"] == "gridops"
    assert s["eager"] is False and s["broker"] == "redis://cache:6379/1"
    assert s["cache"].endswith("RedisCache")
    assert s["inprocess_beat"] is False


def test_postgresql_prepares_statements_unless_a_pooler_forbids_it():
    url = "postgres://gridops@db.internal:5432/gridops"
    options = settings_with(DATABASE_URL=url)["db_options"]
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 5
    assert "server_side_binding" not in settings_with(DATABASE_URL=url, DB_PREPARED_STATEMENTS="0")["db_options"]
    assert "server_side_binding" not in settings_with()["db_options"]  # SQLite has no such option


def test_hosts_language_and_numbers_are_parsed():
    s = settings_with(
        ALLOWED_HOSTS="grid.example.gov.cn, api.example.gov.cn", LANGUAGE_CODE="en", GRIDOPS_PHOTO_MAX_BYTES="2048"
    )
    assert s["hosts"] == ["grid.example.gov.cn", "api.example.gov.cn"]
    assert s["lang"] == "en"
    assert s["photo_max"] == 2048


@pytest.mark.parametrize(
    ("name", "value"), [("DEBUG", "maybe"), ("GRIDOPS_PHOTO_MAX_BYTES", "ten"), ("LOG_LEVEL", "verbose")]
)
def test_a_malformed_value_fails_loudly_naming_the_variable(name, value):
    done = run_python(PROBE, **{name: value})
    assert done.returncode != 0
    assert name in done.stderr


def test_production_needs_a_secret_key():
    done = run_python(PROBE, DEBUG="0")
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_check_deploy_is_clean_with_debug_off_and_a_real_secret():
    done = run_python(
        "import sys; from django.core.management import execute_from_command_line as run; "
        "run(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        DJANGO_SETTINGS_MODULE="gridops.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="grid.example.gov.cn",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


CONCURRENT_WRITERS = """
import threading, time
import django
django.setup()
from django.db import connection, connections, transaction
with connection.cursor() as c:
    c.execute("CREATE TABLE probe (n integer)")
connection.close()
errors = []
def writer():
    try:
        with transaction.atomic():
            with connection.cursor() as c:
                c.execute("SELECT count(*) FROM probe")  # read first, as a service checks a case
                time.sleep(0.05)
                c.execute("INSERT INTO probe VALUES (1)")  # then write
    except Exception as exc:
        errors.append(str(exc))
    finally:
        connections.close_all()
threads = [threading.Thread(target=writer) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
with connection.cursor() as c:
    c.execute("SELECT count(*) FROM probe")
    print(c.fetchone()[0], errors)
"""


def test_embedded_database_lets_writers_wait_for_each_other(tmp_path):
    """On SQLite, transactions that read then write, started together (two dispatchers acting at
    once), queue for the write lock instead of failing with 'database is locked'."""
    done = run_python(CONCURRENT_WRITERS, GRIDOPS_VAR_DIR=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "8 []"


RENDER_A_PAGE = """
import django
django.setup()
from django.test import Client
page = Client().get("/accounts/login/", HTTP_HOST="grid.example.gov.cn", secure=True)
print(page.status_code, "/static/css/gridops." in page.content.decode())
"""


def test_the_production_static_files_build_and_serve(tmp_path):
    """README's production steps: collectstatic with DEBUG off (hashed, compressed files; every
    file a stylesheet or script refers to must exist), then pages name the hashed files."""
    env = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "grid.example.gov.cn",
        "GRIDOPS_VAR_DIR": str(tmp_path),
    }
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(env)
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    page = run_python(RENDER_A_PAGE, **env)
    assert page.returncode == 0, page.stderr[-2000:]
    assert page.stdout.split() == ["200", "True"]


MAIL_PROBE = (
    "import json, gridops.settings as s; print(json.dumps([s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, "
    "s.EMAIL_USE_TLS, s.EMAIL_USE_SSL]))"
)


def test_mail_server_login_and_encryption_come_from_the_environment():
    done = run_python(MAIL_PROBE)
    assert json.loads(done.stdout) == ["", "", False, False]
    done = run_python(MAIL_PROBE, EMAIL_HOST_USER="notices", EMAIL_HOST_PASSWORD="s3cret", EMAIL_USE_TLS="1")
    assert json.loads(done.stdout) == ["notices", "s3cret", True, False]


def test_starttls_and_implicit_tls_together_are_refused():
    done = run_python(MAIL_PROBE, EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")
    assert done.returncode != 0
    assert "EMAIL_USE_TLS" in done.stderr and "EMAIL_USE_SSL" in done.stderr
