from django.conf import settings


def site(request):
    """Values every page template needs."""
    return {
        "GRIDOPS_MAP_TILE_URL": settings.GRIDOPS_MAP_TILE_URL,
        "GRIDOPS_MAP_TILE_ATTRIBUTION": settings.GRIDOPS_MAP_TILE_ATTRIBUTION,
    }
