from django.urls import path

from . import views

app_name = "workbench"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/act/<str:action>/", views.case_act, name="case_act"),
    path("cases/<int:pk>/contact/", views.case_contact, name="case_contact"),
    path("hotline/", views.hotline_intake, name="hotline_intake"),
    path("patrol/", views.patrol_report, name="patrol_report"),
    path("reported/<int:pk>/", views.intake_done, name="intake_done"),
]
