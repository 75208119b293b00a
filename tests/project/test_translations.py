"""Every user-facing string has a Chinese translation, and the compiled catalogue matches the source."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUES = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"


def untranslated(po):
    return [entry.msgid for entry in po if not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)]


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_committed_chinese_catalogue_is_complete_and_compiled(domain):
    po = polib.pofile(str(CATALOGUES / f"{domain}.po"))
    assert untranslated(po) == []
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(CATALOGUES / f"{domain}.mo"))}
    for entry in po:
        if not entry.obsolete and not entry.msgid_plural:
            key = (entry.msgctxt, entry.msgid)
            assert compiled.get(key) == entry.msgstr, f"{domain}.mo is stale: run make messages"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_every_marked_string_in_the_source_is_in_the_chinese_catalogue(tmp_path):
    """makemessages on a copy of the source finds nothing that the committed catalogue lacks."""
    for name in ("apps", "gridops", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "static" / "js", tmp_path / "static" / "js")
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-d", domain, "--no-obsolete"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        assert untranslated(polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"))) == []


def test_pages_use_the_chinese_catalogue():
    with translation.override("zh-hans"):
        assert translation.gettext("Cases") != "Cases"


def test_scripts_mark_strings_with_gettext_itself():
    """makemessages finds `gettext("…")` only: a string passed through an alias (`var t = gettext`)
    never reaches the catalogue and shows in English on a Chinese page."""
    import re

    alias = re.compile(r"\b(?:var|let|const)\s+(\w+)\s*=\s*(?:window\.)?(?:n|p|np)?gettext\b")
    for script in (ROOT / "static" / "js").glob("*.js"):
        names = [name for name in alias.findall(script.read_text()) if not name.endswith("gettext")]
        assert names == [], f"{script.name} aliases gettext as {names}"
