from django.urls import path

from . import api

app_name = "grid_api"
urlpatterns: list = [
    path("locate", api.LocateView.as_view(), name="locate"),
]
