from django.urls import path

from . import views

app_name = "grid"
urlpatterns = [
    path("", views.grid_map, name="map"),
    path("cells.geojson", views.cells_geojson, name="cells"),
    path("areas.geojson", views.areas_geojson, name="areas"),
]
