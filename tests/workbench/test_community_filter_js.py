"""The community chooser's search box (static/js/community-filter.js), run by Node against a stand-in
for the page (community_filter_harness.js): what the select offers and what the count line says as
a hotline operator or a resident types."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

HARNESS = Path(__file__).with_name("community_filter_harness.js")
SCRIPT = Path(settings.BASE_DIR) / "static" / "js" / "community-filter.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

ALL = [
    "请选择…",
    {"group": "罗湖区 · 桂园街道", "options": ["景坪社区", "阳园社区"]},
    {"group": "罗湖区 · 黄贝街道", "options": ["龙峰社区"]},
    {"group": "福田区 · 园岭街道", "options": ["红荔社区", "百花社区"]},
    {"group": "南山区 · 南头街道", "options": ["前海社区"]},
]
LUOHU = [ALL[0], ALL[1], ALL[2]]


def play(scenario: str) -> dict:
    done = subprocess.run(
        ["node", str(HARNESS), str(SCRIPT), scenario], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def test_a_labelled_search_box_comes_before_the_select():
    seen = play("layout")
    assert seen["before_select"] is True
    assert seen["label_for"] == seen["input_id"] == "id_community_filter"
    assert seen["input_type"] == "search" and seen["input_name"] is None  # not sent with the form
    assert seen["controls"] == "id_community" and seen["clear_type"] == "button"
    assert seen["live"] == "polite" and seen["role"] == "status" and seen["status"] == ""
    assert seen["list"] == ALL and seen["clear_hidden"] is True


def test_a_chinese_name_narrows_to_its_community_and_chooses_it():
    seen = play("by_chinese_name")
    assert seen["list"] == ["请选择…", {"group": "福田区 · 园岭街道", "options": ["红荔社区"]}]
    assert seen["value"] == "4" and seen["changes"] == 1
    assert seen["status"] == "One community matches and is now chosen: 福田区 · 园岭街道 · 红荔社区."


@pytest.mark.parametrize("scenario", ["by_code", "by_full_width_code"])
def test_a_subdistrict_code_keeps_its_communities_in_their_group(scenario):
    seen = play(scenario)
    assert seen["list"] == ["请选择…", ALL[1]]
    assert seen["status"] == "2 communities match."
    assert seen["value"] == "" and seen["changes"] == 0  # two matches: nothing chosen for the user


def test_a_district_keeps_its_subdistricts_groups():
    seen = play("by_district")
    assert seen["list"] == LUOHU and seen["status"] == "3 communities match." and seen["value"] == ""


def test_words_narrow_together():
    seen = play("by_district_and_name")
    assert seen["list"] == ["请选择…", {"group": "福田区 · 园岭街道", "options": ["百花社区"]}]
    assert seen["value"] == "5"


def test_the_other_languages_name_matches_too():
    assert play("by_english_name")["value"] == "2"
    seen = play("english_page_by_chinese_district")
    assert seen["list"] == [
        "Choose…",
        {"group": "Futian · Yuanling Subdistrict", "options": ["Hongli Community", "Baihua Community"]},
    ]
    assert play("english_page_by_english_name")["status"] == (
        "One community matches and is now chosen: Futian · Yuanling Subdistrict · Hongli Community."
    )


def test_without_search_data_the_names_shown_still_match():
    seen = play("text_only_by_name_and_district")
    assert seen["name"]["value"] == "1"
    assert seen["district"]["list"] == ["请选择…", ALL[4]]


def test_no_match_says_so_and_leaves_only_choose():
    seen = play("no_match")
    assert seen["list"] == ["请选择…"] and seen["value"] == ""
    assert seen["status"] == "No community matches “xyz”. Check what you typed, or type less of it."


def test_enter_takes_the_first_match_and_does_not_send_the_form():
    seen = play("enter_takes_the_first_match")
    assert seen["prevented"] is True and seen["value"] == "1" and seen["changes"] == 1
    assert seen["list"] == LUOHU
    assert seen["status"] == "Chosen: 罗湖区 · 桂园街道 · 景坪社区."
    empty = play("enter_with_nothing_typed_does_not_send_the_form")
    assert empty["prevented"] is True and empty["value"] == "" and empty["list"] == ALL


def test_typing_never_takes_away_the_chosen_community():
    seen = play("chosen_stays_while_filtering")
    assert seen["value"] == "6"
    assert seen["list"] == [*LUOHU, ALL[4]]
    assert seen["status"] == "3 communities match."  # the chosen one is shown, not counted


def test_a_single_match_is_chosen_when_the_words_before_had_left_it_out():
    """The browser showed "now chosen" while the select sent nothing: a value set on a select whose
    option had been taken out is no value."""
    seen = play("single_match_from_another_list")
    assert seen["list"] == ["请选择…", {"group": "罗湖区 · 桂园街道", "options": ["景坪社区"]}]
    assert seen["value"] == "1" and seen["changes"] == 1


def test_enter_replaces_a_community_chosen_before():
    seen = play("enter_replaces_the_chosen_community")
    assert seen["value"] == "1" and seen["list"] == LUOHU and seen["changes"] == 2


def test_clear_restores_every_option_in_order_and_keeps_the_choice():
    seen = play("clear_button_restores_all")
    assert seen["all"] == ALL and seen["typed"]["clear_hidden"] is False
    assert seen["cleared"] == {"list": ALL, "value": "4", "status": "", "clear_hidden": True, "changes": 1}
    assert seen["input"] == "" and seen["focused"] is True


def test_escape_or_an_empty_box_restores_every_option():
    escaped = play("escape_restores_all")
    assert escaped["prevented"] is True and escaped["input"] == "" and escaped["cleared"]["list"] == ALL
    emptied = play("emptying_the_box_restores_all")
    assert emptied["cleared"]["list"] == ALL and emptied["cleared"]["status"] == ""


def test_pinyin_being_composed_does_not_filter():
    seen = play("input_method_composition")
    assert seen["composing"]["list"] == ALL and seen["composing"]["clear_hidden"] is False
    assert seen["composed"]["value"] == "4" and seen["composed"]["changes"] == 1


def test_the_words_are_translated_through_the_javascript_catalog():
    assert play("in_chinese") == {
        "label": "查找社区：输入社区、街道或区名称中的几个字",
        "clear": "清除",
        "many": "找到 3 个社区。",
        "one": "只找到一个社区，已为您选择：福田区 · 园岭街道 · 红荔社区。",
        "none": "没有找到与“xyz”相符的社区。请检查输入，或少输入几个字。",
        "chosen": "已选择：罗湖区 · 桂园街道 · 景坪社区。",
    }
