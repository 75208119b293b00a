"""Nothing but the workflow service writes `Case.state`: the source tree is parsed to prove it."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ALLOWED = {ROOT / "apps" / "cases" / "services.py"}
WRITE_CALLS = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}


def state_writes(source: str) -> list[int]:
    """Line numbers of `<x>.state = ...`, `.update(state=...)`, `Case(state=...)`, `Case.objects.create(state=...)`
    and `bulk_update(..., ["state"])`."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            lines += [node.lineno for t in targets if isinstance(t, ast.Attribute) and t.attr == "state"]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            has_state = any(k.arg == "state" for k in node.keywords)
            if has_state and (name in WRITE_CALLS or name == "Case"):
                lines.append(node.lineno)
            if name == "bulk_update" and "'state'" in ast.dump(node).replace('"', "'"):
                lines.append(node.lineno)
    return lines


def sources():
    # Product code only: benchmarks seed millions of rows in a given state with COPY, on purpose.
    for folder in ("apps", "gridops"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if "Case" in text or "cases" in text:  # only code that can reach the cases app
                yield path, text


def test_the_detector_finds_writes():
    assert state_writes("case.state = 'closed'") == [1]
    assert state_writes("Case.objects.filter(pk=1).update(state='closed')") == [1]
    assert state_writes("Case.objects.create(tracking_code='x', state='closed')") == [1]
    assert state_writes("Case.objects.bulk_update(cases, ['state'])") == [1]
    assert state_writes("Case.objects.filter(state='closed').count()") == []


def test_only_the_workflow_service_writes_case_state():
    offenders = {}
    for path, text in sources():
        if path in ALLOWED:
            continue
        found = state_writes(text)
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


def test_the_workflow_service_writes_state_in_one_place():
    text = (ROOT / "apps" / "cases" / "services.py").read_text(encoding="utf-8")
    assert len(state_writes(text)) == 1
