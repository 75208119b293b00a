"""Cases API, included at /api/v1/: cases, one endpoint per workflow action, tracking, categories."""

from django.urls import path

from .api.views import (
    CaseContactApi,
    CaseContactRevealApi,
    CaseDetailApi,
    CaseDuplicatesApi,
    CaseListCreateApi,
    CasePhotoApi,
    CaseRateApi,
    CategoryListApi,
    TrackApi,
    action_view,
)
from .workflow import TRANSITIONS

app_name = "cases_api"

urlpatterns = [
    path("cases/", CaseListCreateApi.as_view(), name="case-list"),
    path("cases/<int:pk>/", CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<int:pk>/photos/", CasePhotoApi.as_view(), name="case-photos"),
    path("cases/<int:pk>/contact/", CaseContactApi.as_view(), name="case-contact"),
    path("cases/<int:pk>/contact/reveal/", CaseContactRevealApi.as_view(), name="case-contact-reveal"),
    path("cases/<int:pk>/rate/", CaseRateApi.as_view(), name="case-rate"),
    path("cases/<int:pk>/duplicates/", CaseDuplicatesApi.as_view(), name="case-duplicates"),
    path("track/<str:code>/", TrackApi.as_view(), name="track"),
    path("categories/", CategoryListApi.as_view(), name="category-list"),
] + [
    # /cases/{id}/verify-pass/ etc.: the action code with dashes
    path(f"cases/<int:pk>/{action.replace('_', '-')}/", action_view(action), name=f"case-{action.replace('_', '-')}")
    for action in TRANSITIONS
]
