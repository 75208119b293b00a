"""The SLA pages of the workbench, included at /work/sla/."""

from django.urls import path

from . import views

app_name = "sla"
urlpatterns = [
    path("cases/<int:pk>/extension/", views.extension_request, name="extension_request"),
    path("cases/<int:pk>/suspension/", views.suspension_request, name="suspension_request"),
    path("cases/<int:pk>/resume/", views.suspension_resume, name="suspension_resume"),
    path("requests/", views.request_queue, name="queue"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
]
