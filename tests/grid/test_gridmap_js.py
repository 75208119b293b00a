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


LOGIN = {"href": "/accounts/login/?next=/grid/", "text": "Sign in again."}


def test_when_the_session_ends_the_map_says_so_with_a_link_to_sign_in_again():
    """The endpoints answered a redirect to the HTML sign-in page, which the map could not read:
    it went on showing "Loading cells…" or a vague error while the user panned about."""
    seen = play("session_ended_on_cells")
    assert seen["status"] == {"text": "Your session has ended. Sign in again.", "links": [LOGIN]}
    assert seen["drawn"] == 2  # the cells drawn before stay
    assert seen["status_after_moves"] == seen["status"]
    assert seen["requests_after_moves"] == 0


def test_the_session_message_is_translated_through_the_javascript_catalog():
    seen = play("session_ended_in_chinese")
    assert seen == {"text": "登录已过期。 重新登录", "links": [{"href": LOGIN["href"], "text": "重新登录"}]}


def test_a_session_that_ended_before_the_districts_loaded_is_told_too():
    seen = play("session_ended_on_districts")
    assert seen["status"] == {"text": "Your session has ended. Sign in again.", "links": [LOGIN]}
    assert seen["cell_requests"] == 0
    assert seen["areas_note_hidden"] is True  # the session message says it all


def test_a_note_shows_when_the_districts_cannot_load():
    seen = play("districts_fail")
    assert seen["after_500"] is False and seen["offline"] is False
    assert seen["status"] == "Zoom in to see the grid cells."


def test_a_failed_reload_keeps_the_cells_drawn_and_says_so():
    seen = play("cells_reload_fails")
    assert seen["drawn"] == 2 and seen["status"] == "Could not load the cells."
    assert seen["offline"] == {"drawn": 2, "status": "Could not load the cells."}
