from django.urls import path  # noqa: F401

app_name = "notify_api"
urlpatterns: list = []
