"""Admins edit categories in the admin; its list filters by the classes that have sub-categories."""

from __future__ import annotations


def test_the_category_list_offers_only_parent_classes_as_a_filter(client, cast, category, category_road):
    client.force_login(cast.admin)
    page = client.get("/admin/cases/category/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    choices = {
        str(choice["display"])
        for spec in page.context["cl"].filter_specs
        for choice in spec.choices(page.context["cl"])
        if spec.title == "parent"
    }
    assert "市容环境" in choices or "City appearance" in choices
    assert not {"暴露垃圾", "Exposed garbage", "道路破损", "Damaged road"} & choices
    assert client.get(f"/admin/cases/category/{category.pk}/change/").status_code == 200
