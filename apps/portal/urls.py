from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thanks/<str:code>/", views.thanks, name="thanks"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/", views.track_case, name="track_case"),
    path("mine/", views.my_reports, name="my_reports"),
    path("mine/<int:pk>/", views.my_report, name="my_report"),
    path("mine/<int:pk>/rate/", views.rate, name="rate"),
    path("mine/<int:pk>/reopen/", views.reopen, name="reopen"),
]
