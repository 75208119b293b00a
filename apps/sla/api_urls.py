"""SLA API, included at /api/v1/sla/."""

from django.urls import path

from .api import (
    CaseSlaApi,
    ExtensionRequestApi,
    RequestDecisionApi,
    RequestListApi,
    SuspensionRequestApi,
    SuspensionResumeApi,
)

app_name = "sla_api"
urlpatterns = [
    path("cases/<int:pk>/", CaseSlaApi.as_view(), name="case-sla"),
    path("cases/<int:pk>/suspension/", SuspensionRequestApi.as_view(), name="suspension-request"),
    path("cases/<int:pk>/resume/", SuspensionResumeApi.as_view(), name="suspension-resume"),
    path("cases/<int:pk>/extension/", ExtensionRequestApi.as_view(), name="extension-request"),
    path("requests/", RequestListApi.as_view(), name="request-list"),
    path("requests/<int:pk>/approve/", RequestDecisionApi.as_view(decision="approve"), name="request-approve"),
    path("requests/<int:pk>/refuse/", RequestDecisionApi.as_view(decision="refuse"), name="request-refuse"),
]
