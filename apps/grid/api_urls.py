from django.urls import path  # noqa: F401

app_name = "grid_api"
urlpatterns: list = []
