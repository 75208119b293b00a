"""The map's script (static/js/gridmap.js), run by Node against stand-ins for Leaflet and the page
(gridmap_harness.js): what the user sees after zooming, clicking, reloading and a tile failure."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

HARNESS = Path(__file__).with_name("gridmap_harness.js")
SCRIPT = Path(settings.BASE_DIR) / "static" / "js" / "gridmap.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


def play(scenario: str) -> dict:
    done = subprocess.run(
        ["node", str(HARNESS), str(SCRIPT), scenario], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def test_cells_arriving_after_zooming_out_are_not_drawn():
    seen = play("late_answer_after_zoom_out")
    assert seen == {"drawn": 0, "status": "Zoom in to see the grid cells."}


def test_a_cells_popup_stays_open_when_the_cells_reload():
    """Opening a popup near the map's edge pans the map, which reloads the cells: the popup closed
    at once (on a phone, for most cells in the upper half of the screen)."""
    seen = play("popup_survives_reload")
    assert "cell 1" in seen["opened"]
    assert seen["after_reload"] == seen["opened"]


def test_a_cell_without_an_officer_is_grey_and_officers_have_colours():
    unassigned, first, second = play("colours")["fills"]
    assert unassigned == "#9aa3ad"
    assert first.startswith("hsl(") and second.startswith("hsl(") and first != second


def test_the_colour_mode_follows_the_checked_radio_at_load():
    first, second = play("colour_mode_from_checked_radio")["fills"]
    assert first == second  # same community, different officers


def test_a_note_shows_when_the_base_map_cannot_load():
    assert play("tiles_fail") == {"hidden_before": True, "hidden_after": False}
