import pytest

from apps.grid.models import CellAssignment, GridRevision

PAGES = [
    "accounts/user",
    "accounts/department",
    "grid/area",
    "grid/cell",
    "grid/cellassignment",
    "grid/officerleave",
]


@pytest.mark.parametrize("page", PAGES)
def test_admin_changelist_and_add_pages_load(client, cast, page):
    client.force_login(cast.admin)
    assert client.get(f"/admin/{page}/").status_code == 200
    assert client.get(f"/admin/{page}/add/").status_code == 200


def test_ending_an_assignment_in_the_admin_revokes_the_permission(client, cast, city):
    client.force_login(cast.admin)
    assignment = CellAssignment.objects.get(cell=city.cell_a, officer=cast.officer_a)
    answer = client.post(
        "/admin/grid/cellassignment/", {"action": "end_now", "_selected_action": [assignment.pk]}, follow=True
    )
    assert answer.status_code == 200
    officer = type(cast.officer_a).objects.get(pk=cast.officer_a.pk)
    assert not officer.has_perm("grid.work_in_cell", city.cell_a)


def test_creating_a_cell_in_the_admin_computes_its_box_and_moves_the_revision(client, cast, city):
    client.force_login(cast.admin)
    before = GridRevision.objects.get(pk=1).revision
    geometry = '{"type": "Polygon", "coordinates": [[[114.1, 22.5], [114.11, 22.5], [114.11, 22.51], [114.1, 22.5]]]}'
    answer = client.post(
        "/admin/grid/cell/add/",
        {
            "code": "440304001001099",
            "name": "新网格",
            "name_en": "New",
            "area": city.community_d.pk,
            "geometry": geometry,
            "is_active": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    cell = city.community_d.cells.get(code="440304001001099")
    assert (cell.min_lon, cell.max_lat) == (114.1, 22.51)
    assert cell.path == f"{city.community_d.path}440304001001099/"
    assert GridRevision.objects.get(pk=1).revision > before


def test_a_webhook_address_without_its_scheme_is_taken_as_https(client, db):
    from apps.accounts.models import Department, User

    User.objects.create_superuser(username="root", password="pw-root-123")
    client.login(username="root", password="pw-root-123")
    response = client.post(
        "/admin/accounts/department/add/",
        {
            "code": "WATER",
            "name": "水务",
            "name_en": "Water",
            "webhook_url": "hooks.example.org/gridops",
            "webhook_secret": "a-long-enough-secret",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert Department.objects.get(code="WATER").webhook_url == "https://hooks.example.org/gridops"


@pytest.mark.parametrize("secret", ["", "short"])
def test_a_webhook_without_a_real_secret_is_refused(client, db, secret):
    """Its calls are signed with the secret: an empty one lets anybody forge them."""
    from apps.accounts.models import Department, User

    User.objects.create_superuser(username="root", password="pw-root-123")
    client.login(username="root", password="pw-root-123")
    response = client.post(
        "/admin/accounts/department/add/",
        {"code": "WATER", "name": "水务", "webhook_url": "https://hooks.example.org/", "webhook_secret": secret},
    )
    assert response.status_code == 200
    assert "webhook_secret" in response.context["adminform"].form.errors
    assert not Department.objects.filter(code="WATER").exists()
