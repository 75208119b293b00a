"""The OpenAPI schema served by the app is valid and complete enough for client generators."""

import re

from django.core.management import call_command


def test_openapi_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/cases/" in text
    assert "/api/v1/grid/locate" in text


def test_interactive_api_page_works_offline(client, django_user_model):
    user = django_user_model.objects.create_user(username="dev", password="x", role="dispatcher")
    client.force_login(user)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    # Swagger UI comes from the vendored sidecar package, never from a CDN or any other host.
    assert not re.search(r"""(?:src|href|url)\s*[=:]\s*["'](?:https?:)?//""", html)
    assert "/static/drf_spectacular_sidecar/" in html


def test_the_icon_is_served_from_the_app_for_pages_that_do_not_link_it(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 302
    icon = client.get(answer["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])


def test_the_schema_speaks_the_readers_language(client, db):
    """Operation summaries are translated per request, not frozen in the language of start-up."""
    summaries = {}
    for lang in ("en", "zh-hans"):
        schema = client.get("/api/v1/schema/?format=json", HTTP_ACCEPT_LANGUAGE=lang).json()
        summaries[lang] = schema["paths"]["/api/v1/cases/{id}/accept/"]["post"]["summary"]
    assert summaries["en"].startswith("Take the dispatched case on")
    assert "签收" in summaries["zh-hans"] and not summaries["zh-hans"].startswith("Take")


def test_the_schema_says_what_the_server_accepts_and_answers(client, db):
    schema = client.get("/api/v1/schema/?format=json").json()
    components = schema["components"]["schemas"]
    intake = schema["paths"]["/api/v1/cases/"]["post"]["requestBody"]["content"]
    # Photos are files: only a multipart body carries them.
    assert "photos" in components[intake["multipart/form-data"]["schema"]["$ref"].split("/")[-1]]["properties"]
    assert "photos" not in components[intake["application/json"]["schema"]["$ref"].split("/")[-1]]["properties"]
    # A value that can be null is declared so.
    assert components["CategoryOutput"]["properties"]["parent"].get("nullable") is True
    assert components["CaseListOutput"]["properties"]["department"].get("nullable") is True
    # A point outside the city is a documented answer of /grid/locate.
    assert {"$ref": "#/components/schemas/LocateOutside"} in components["LocateAnswer"]["oneOf"]
    # SLA actions document their errors.
    assert {"400", "403", "404", "409"} <= set(
        schema["paths"]["/api/v1/sla/cases/{id}/suspension/"]["post"]["responses"]
    )
