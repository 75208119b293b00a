"""Benchmark: case intake through the API under gunicorn on PostgreSQL, against a bare Django view
that inserts one similar row (the floor), same server, same run, concurrency 8.

Intake (`POST /api/v1/cases/`, token auth, JSON) does everything a real report does: input
serializer, category lookup, coordinate check, point-to-cell routing, responsible officer, a
unique tracking code, the case row, the `report` history event, the SLA clock and notification
hooks, and the duplicate suggestions in the answer. The floor (`POST /bench/floor/`, from the
bench-only URLconf `bench/intake_urls.py`) parses the same JSON and inserts one Case row with
fixed routing: no auth, no validation, no history, no hooks. A reference, `handwritten`, writes
intake's rows by hand, one statement each (see `bench/intake_urls.py`), with no framework.

It creates its own database (`gridops_bench`, dropped first), migrates, loads the demo categories,
SLA policies and calendar and a small grid (20 x 20 cells), starts gunicorn on 127.0.0.1 as the
`Procfile` runs it (4 sync workers: one request per process at a time, a connection per request;
`--worker-class gthread --workers 8` for the earlier set-up, with keep-alive), warms the endpoints
up, then measures them in interleaved rounds (floor, handwritten, intake, five times), each with 8 client threads (keep-alive `http.client`, bounded in
time), stops gunicorn and prints `name=value` lines. Every slice and thread sends reports of its
own (random places and categories in the grid; one in five another report of an earlier one
nearby, which intake suggests as a duplicate: `intake_share_with_duplicates`). With Redis on
127.0.0.1:6379 the Celery broker is Redis (database 9, flushed afterwards) as in production; a
report publishes no task (in-app notices are written with the case; e-mail and webhooks, which
the bench's users do not have, would go through the outbox).

Run: .venv/bin/python bench/intake.py [--requests 250 --rounds 5 --concurrency 8 --workers 4 --worker-class sync]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB_NAME = "gridops_bench"
PG = "postgres://postgres@127.0.0.1:5432"
GRID_ORIGIN = (113.95, 22.52)
GRID_N = 20
CELL = 0.005
MAX_SECONDS_PER_RUN = 90


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def bench_env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "DATABASE_URL": f"{PG}/{DB_NAME}",
            "DJANGO_SETTINGS_MODULE": "bench.intake_settings",
            "PYTHONPATH": str(ROOT),
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789",
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "GRIDOPS_VAR_DIR": "/tmp/gridops_bench_var",
            "MEDIA_ROOT": "/tmp/gridops_bench_var/media",
        }
    )
    if redis_up():
        env["REDIS_URL"] = "redis://127.0.0.1:6379/9"
    return env


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


SETUP = f"""
import django
django.setup()
from rest_framework.authtoken.models import Token
from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.demo import categories
from apps.demo import sla as demo_sla
from apps.grid import services
from apps.grid.choices import AreaLevel
from apps.grid.models import Cell, CellUserObjectPermission
from django.contrib.auth.models import Permission
from django.utils import timezone
from datetime import timedelta

x0, y0, n, size = {GRID_ORIGIN[0]}, {GRID_ORIGIN[1]}, {GRID_N}, {CELL}
def square(lon, lat, s):
    return {{"type": "Polygon", "coordinates": [[[lon, lat], [lon + s, lat], [lon + s, lat + s], [lon, lat + s], [lon, lat]]]}}
city = services.area_create(code="440300", name="深圳市", name_en="Shenzhen", level=AreaLevel.CITY)
district = services.area_create(code="440304", name="福田区", name_en="Futian", level=AreaLevel.DISTRICT, parent=city)
sub = services.area_create(code="440304001", name="园岭街道", name_en="Yuanling", level=AreaLevel.SUBDISTRICT, parent=district)
com = services.area_create(code="440304001001", name="红荔社区", name_en="Hongli", level=AreaLevel.COMMUNITY, parent=sub)
officers = [User.objects.create_user(username=f"officer{{i}}", password="x", role=Role.OFFICER) for i in range(20)]
since = timezone.now() - timedelta(days=1)
for i in range(n):
    for j in range(n):
        cell = services.cell_create(code=f"440304001001{{i * n + j:03d}}", name=f"网格{{i * n + j}}", area=com,
                                    geometry=square(x0 + i * size, y0 + j * size, size))
        services.assignment_create(cell=cell, officer=officers[(i * n + j) % 20], valid_from=since)
categories.load()
demo_sla.load()
resident = User.objects.create_user(username="bench_resident", password="x", role=Role.RESIDENT, full_name="张三",
                                    phone="13800138000")
print(Token.objects.create(user=resident).key)
"""


def run_setup(env: dict[str, str]) -> str:
    # The API serves no static files, but WhiteNoise warns in every worker when their folder is missing.
    (Path(env["GRIDOPS_VAR_DIR"]) / "staticfiles").mkdir(parents=True, exist_ok=True)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run([PY, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, worker_class: str) -> subprocess.Popen:
    cmd = [
        str(Path(PY).parent / "gunicorn"),
        "gridops.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--keep-alive",
        "5",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("bench/intake.py: gunicorn did not start listening within 30 s")


class Client:
    """One keep-alive connection per thread; reconnects if the server closed it."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port, self.headers = port, headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, body: dict) -> tuple[int, float, bytes]:
        data = json.dumps(body).encode()
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request("POST", path, body=data, headers={**self.headers, "Content-Type": "application/json"})
                response = self.conn.getresponse()
                payload = response.read()
                return response.status, time.perf_counter() - started, payload
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


REPEAT_SHARE = 0.2  # of reports: someone else reporting the same thing nearby (a duplicate)


class Reports:
    """One client's stream of reports: a random place and category each, except that one in five
    is another report of an earlier one (same category, within about 30 m), as when several
    residents report the same overflowing bin; those find the earlier case as a duplicate."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.earlier: list[dict] = []

    def next(self) -> dict:
        rng = self.rng
        if self.earlier and rng.random() < REPEAT_SHARE:
            base = rng.choice(self.earlier)
            lon, lat, category = (
                base["lon"] + rng.uniform(-2e-4, 2e-4),
                base["lat"] + rng.uniform(-2e-4, 2e-4),
                base["category"],
            )
        else:
            lon = GRID_ORIGIN[0] + rng.uniform(0.0004, GRID_N * CELL - 0.0004)
            lat = GRID_ORIGIN[1] + rng.uniform(0.0004, GRID_N * CELL - 0.0004)
            category = rng.choice(["E0101", "E0102", "C0103", "E0402", "C0201"])
        body = {
            "category": category,
            "description": "小区门口垃圾堆放多日无人清理，气味很大",
            "lon": round(lon, 6),
            "lat": round(lat, 6),
        }
        self.earlier.append(body)
        return body


@dataclass
class Tally:
    """What one endpoint has answered so far, over all rounds."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: int = 0
    rounds: list[float] = field(default_factory=list)  # requests/s of each round
    with_duplicates: int = 0  # intake's answers that suggested a duplicate

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        q = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else [ordered[0]] * 99
        return {
            "rps": len(ordered) / self.elapsed,
            "p50_ms": q[49] * 1000,
            "p95_ms": q[94] * 1000,
            "count": len(ordered),
            "errors": self.errors,
        }


def run_slice(
    tally: Tally,
    name: str,
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    concurrency: int,
    requests: int,
    stream: int,
) -> None:
    """`concurrency` client threads, `requests` each (bounded in time); adds to `tally`. Each
    slice (`stream`) and thread has reports of its own: the endpoints write to the same table,
    and one endpoint's rows at another's places would be found as duplicates."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + MAX_SECONDS_PER_RUN

    def worker(seed: int) -> None:
        nonlocal errors
        reports = Reports(stream * 1000 + seed)
        client = Client(port, headers)
        mine, bad, found = [], 0, 0
        for _ in range(requests):
            if time.monotonic() > stop_at:
                break
            status, seconds, payload = client.post(path, reports.next())
            if status != 201:
                bad += 1
                if bad == 1:
                    print(f"# {name}: unexpected {status}: {payload[:200]!r}", file=sys.stderr)
            mine.append(seconds)
            if b'"duplicates":[{' in payload:
                found += 1
        client.conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad
            tally.with_duplicates += found

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    elapsed = time.perf_counter() - started
    tally.latencies.extend(latencies)
    tally.elapsed += elapsed
    tally.errors += errors
    tally.rounds.append(len(latencies) / elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=250, help="requests per client thread")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="as the Procfile's WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"], help="sync: as the Procfile")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds the requests are split into")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    env = bench_env(args.port)
    recreate_database()
    token = run_setup(env)
    server = start_gunicorn(env, args.port, args.workers, args.threads, args.worker_class)
    try:
        auth = {"Authorization": f"Token {token}"}
        endpoints = {
            "floor": ("/bench/floor/", {}),
            "handwritten": ("/bench/handwritten/", auth),
            "intake": ("/api/v1/cases/", auth),
        }
        streams = iter(range(1, 1000))
        for path, headers in endpoints.values():
            run_slice(
                Tally(),
                "warmup",
                args.port,
                path,
                headers,
                concurrency=args.concurrency,
                requests=10,
                stream=next(streams),
            )
        # Interleaved rounds: the machine's speed drifts over a run (other work on the host), and
        # measuring each endpoint in one block would credit the drift to whichever ran last.
        tallies = {name: Tally() for name in endpoints}
        per_round = max(1, args.requests // args.rounds)
        for _ in range(args.rounds):
            for name, (path, headers) in endpoints.items():
                run_slice(
                    tallies[name],
                    name,
                    args.port,
                    path,
                    headers,
                    concurrency=args.concurrency,
                    requests=per_round,
                    stream=next(streams),
                )
        floor, handwritten, intake = (tallies[name].summary() for name in ("floor", "handwritten", "intake"))
        round_ratios = [i / f for i, f in zip(tallies["intake"].rounds, tallies["floor"].rounds, strict=True)]
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        if env.get("REDIS_URL"):
            import redis

            redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    print(f"worker_class={args.worker_class}")
    print(f"workers={args.workers}")
    print(f"threads={args.threads}")
    print(f"concurrency={args.concurrency}")
    print(f"intake_requests={intake['count']}")
    print(f"intake_errors={intake['errors']}")
    print(f"intake_rps={intake['rps']:.1f}")
    print(f"intake_p50_ms={intake['p50_ms']:.1f}")
    print(f"intake_p95_ms={intake['p95_ms']:.1f}")
    print(f"floor_requests={floor['count']}")
    print(f"floor_errors={floor['errors']}")
    print(f"floor_rps={floor['rps']:.1f}")
    print(f"floor_p50_ms={floor['p50_ms']:.1f}")
    print(f"floor_p95_ms={floor['p95_ms']:.1f}")
    print(f"ratio_to_floor={intake['rps'] / floor['rps']:.2f}")
    print(f"intake_share_with_duplicates={tallies['intake'].with_duplicates / max(1, intake['count']):.2f}")
    print(f"rounds={args.rounds}")
    print(f"ratio_to_floor_round_min={min(round_ratios):.2f}")
    print(f"ratio_to_floor_round_max={max(round_ratios):.2f}")
    print(f"handwritten_rps={handwritten['rps']:.1f}")
    print(f"handwritten_p95_ms={handwritten['p95_ms']:.1f}")
    print(f"handwritten_ratio_to_floor={handwritten['rps'] / floor['rps']:.2f}")
    if intake["errors"] or floor["errors"] or handwritten["errors"]:
        raise SystemExit("bench/intake.py: some requests failed (see above)")


if __name__ == "__main__":
    main()
