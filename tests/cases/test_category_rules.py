"""The taxonomy's rules as an administrator meets them in the admin: two levels, one kind per class,
codes that cannot be confused, no active sub-category under a hidden class, and a category that
cases use is refused deletion with a reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cases.choices import CategoryKind, Priority
from apps.cases.models import Category

ADMIN = "/admin/cases/category/"


def form_data(category: Category | None = None, **changes) -> dict:
    values = {
        "code": "",
        "name": "",
        "name_en": "",
        "kind": CategoryKind.EVENT,
        "parent": "",
        "default_department": "",
        "priority": Priority.NORMAL,
        "is_active": True,
        "sort_order": 0,
    }
    if category is not None:
        values.update(
            code=category.code,
            name=category.name,
            name_en=category.name_en,
            kind=category.kind,
            parent=category.parent_id or "",
            default_department=category.default_department_id or "",
            priority=category.priority,
            is_active=category.is_active,
            sort_order=category.sort_order,
        )
    values.update(changes)
    if not values.pop("is_active"):
        return values  # an unticked checkbox is absent from the post
    return values | {"is_active": "on"}


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast.admin)
    return client


def save(client, category: Category | None = None, lang: str = "en", **changes):
    url = f"{ADMIN}{category.pk}/change/" if category is not None else f"{ADMIN}add/"
    return client.post(url, form_data(category, **changes), HTTP_ACCEPT_LANGUAGE=lang)


def field_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "the admin saved what it should have refused"
    return {name: [str(e) for e in errors] for name, errors in response.context["adminform"].form.errors.items()}


def snapshot():
    return list(Category.objects.order_by("pk").values())


# ---- two levels, no cycle --------------------------------------------------------------------------


def test_a_category_cannot_be_its_own_class(admin_client, category):
    parent = category.parent
    before = snapshot()
    errors = field_errors(save(admin_client, parent, parent=parent.pk))
    assert list(errors) == ["parent"]
    assert snapshot() == before


def test_a_class_cannot_be_put_under_its_own_sub_category(admin_client, category):
    before = snapshot()
    errors = field_errors(save(admin_client, category.parent, parent=category.pk))
    assert "parent" in errors
    assert snapshot() == before


def test_a_sub_category_cannot_have_sub_categories_of_its_own(admin_client, category):
    before = snapshot()
    errors = field_errors(save(admin_client, code="E010101", name="三级", name_en="Third level", parent=category.pk))
    assert list(errors) == ["parent"]
    assert "two levels" in errors["parent"][0]
    assert snapshot() == before


def test_a_class_with_sub_categories_cannot_become_a_sub_category(admin_client, category):
    other = Category.objects.create(code="E02", name="宣传广告", name_en="Advertising", kind=CategoryKind.EVENT)
    before = snapshot()
    errors = field_errors(save(admin_client, category.parent, parent=other.pk))
    assert list(errors) == ["parent"]
    assert snapshot() == before


def test_the_parent_chooser_offers_only_top_level_classes(admin_client, category, category_road):
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "cases", "model_name": "category", "field_name": "parent", "term": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    offered = {row["text"] for row in response.json()["results"]}
    assert offered == {"City appearance", "Damaged road"}


# ---- one kind per class ----------------------------------------------------------------------------


def test_a_sub_category_has_the_kind_of_its_class(admin_client, category):
    before = snapshot()
    errors = field_errors(
        save(
            admin_client,
            code="E0199",
            name="井盖",
            name_en="Manhole",
            kind=CategoryKind.COMPONENT,
            parent=category.parent_id,
        )
    )
    assert list(errors) == ["kind"]
    assert snapshot() == before


def test_a_class_keeps_the_kind_of_its_sub_categories(admin_client, category):
    before = snapshot()
    errors = field_errors(save(admin_client, category.parent, kind=CategoryKind.COMPONENT))
    assert list(errors) == ["kind"]
    assert snapshot() == before


# ---- codes -----------------------------------------------------------------------------------------


def test_a_code_already_used_is_refused_at_the_field(admin_client, category):
    errors = field_errors(save(admin_client, code="E0101", name="重复", name_en="Duplicate", parent=category.parent_id))
    assert list(errors) == ["code"]


def test_a_code_differing_only_in_case_is_refused(admin_client, category):
    before = snapshot()
    errors = field_errors(save(admin_client, code="e0101", name="重复", name_en="Duplicate", parent=category.parent_id))
    assert list(errors) == ["code"]
    assert "E0101" in errors["code"][0]
    assert snapshot() == before


@pytest.mark.parametrize("code", ["E01 02", "E01\u300002", "Ｅ0102", "E01/02"])
def test_a_code_with_spaces_or_other_signs_is_refused(admin_client, category, code):
    before = snapshot()
    errors = field_errors(save(admin_client, code=code, name="新", name_en="New", parent=category.parent_id))
    assert list(errors) == ["code"]
    assert snapshot() == before


def test_spaces_around_a_code_are_dropped(admin_client, category):
    response = save(admin_client, code="  E0102 ", name="道路不洁", name_en="Dirty road", parent=category.parent_id)
    assert response.status_code == 302
    assert Category.objects.filter(code="E0102").exists()


def test_a_category_error_is_in_chinese_for_a_chinese_admin(admin_client, category):
    errors = field_errors(save(admin_client, category.parent, lang="zh-hans", parent=category.parent_id))
    assert all(not message.isascii() for message in errors["parent"])


# ---- switching off -------------------------------------------------------------------------------


def test_a_class_with_active_sub_categories_cannot_be_switched_off(admin_client, category):
    parent = category.parent
    errors = field_errors(save(admin_client, parent, is_active=False))
    assert list(errors) == ["is_active"]
    assert Category.objects.get(pk=parent.pk).is_active

    assert save(admin_client, category, is_active=False).status_code == 302
    assert save(admin_client, parent, is_active=False).status_code == 302
    assert not Category.objects.get(pk=parent.pk).is_active


def test_a_sub_category_cannot_be_active_under_an_inactive_class(admin_client, category):
    Category.objects.filter(pk=category.pk).update(is_active=False)
    Category.objects.filter(pk=category.parent_id).update(is_active=False)
    errors = field_errors(save(admin_client, Category.objects.get(pk=category.pk), is_active=True))
    assert list(errors) == ["parent"]
    assert not Category.objects.get(pk=category.pk).is_active
    errors = field_errors(
        save(admin_client, code="E0102", name="道路不洁", name_en="Dirty road", parent=category.parent_id)
    )
    assert list(errors) == ["parent"]


# ---- deleting ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, reason", [("en", "1 case uses"), ("zh-hans", "1 个案件")])
def test_deleting_a_category_that_cases_use_is_refused_with_the_reason(admin_client, category, report, lang, reason):
    report()
    page = admin_client.get(f"{ADMIN}{category.pk}/delete/", HTTP_ACCEPT_LANGUAGE=lang)
    assert page.status_code == 200
    assert reason in page.content.decode()
    assert not page.context["perms_lacking"]  # not "you lack permission": the cases are the reason

    refused = admin_client.post(f"{ADMIN}{category.pk}/delete/", {"post": "yes"}, HTTP_ACCEPT_LANGUAGE=lang)
    assert refused.status_code == 200 and reason in refused.content.decode()
    bulk = admin_client.post(
        ADMIN,
        {"action": "delete_selected", "_selected_action": [category.pk], "post": "yes"},
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert bulk.status_code == 200 and reason in bulk.content.decode()
    assert Category.objects.filter(pk=category.pk).exists()


def test_a_category_no_case_uses_can_be_deleted(admin_client, category):
    response = admin_client.post(f"{ADMIN}{category.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Category.objects.filter(pk=category.pk).exists()


# ---- names, lists ----------------------------------------------------------------------------------


def test_without_an_english_name_english_pages_show_the_chinese_one(api, category):
    Category.objects.filter(pk=category.pk).update(name_en="")
    names = {row["code"]: row["name"] for row in api.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="en").json()}
    assert names["E0101"] == "暴露垃圾"


def test_the_category_change_list_runs_the_same_queries_for_20_or_200_categories(admin_client, city):
    def add(tops: int) -> None:
        start = Category.objects.filter(parent=None).count()
        for t in range(start, start + tops):
            top = Category.objects.create(
                code=f"E{t:02d}", name=f"类{t}", name_en=f"Class {t}", kind=CategoryKind.EVENT
            )
            for k in range(9):
                Category.objects.create(
                    code=f"E{t:02d}{k:02d}",
                    name=f"子类{t}-{k}",
                    kind=CategoryKind.EVENT,
                    parent=top,
                    default_department=city.dept_x,
                )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(f"{ADMIN}?all=", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
        return len(ctx.captured_queries)

    add(2)
    few = count()
    add(18)
    assert Category.objects.count() == 200
    assert count() == few


def test_the_demo_taxonomy_follows_the_rules(city):
    from apps.demo import categories as demo

    demo.load()
    for category in Category.objects.select_related("parent"):
        try:
            category.full_clean()
        except ValidationError as err:  # pragma: no cover - the message names the culprit
            pytest.fail(f"{category.code}: {err.message_dict}")
