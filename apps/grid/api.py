"""Grid API: which cell, area and officer a point belongs to."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .coords import CRS, to_wgs84
from .locator import locate_detail


class LocateInput(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text=_("Longitude in the given system."))
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text=_("Latitude in the given system."))
    crs = serializers.ChoiceField(
        choices=CRS.choices,
        default=CRS.WGS84,
        help_text=_("Coordinate system of lon/lat: wgs84 (GPS), gcj02 (AMap) or bd09 (Baidu)."),
    )


class AreaOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class CellOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OfficerOutput(serializers.Serializer):
    display_name = serializers.CharField()


class LocateOutput(serializers.Serializer):
    inside = serializers.BooleanField()
    lon = serializers.FloatField(help_text=_("WGS84 longitude the point was located at."))
    lat = serializers.FloatField(help_text=_("WGS84 latitude the point was located at."))
    cell = CellOutput()
    areas = AreaOutput(many=True, help_text=_("From the city down to the cell's community."))
    officer = OfficerOutput(allow_null=True, help_text=_("The responsible grid officer now (public name only)."))


OUTSIDE = inline_serializer("LocateOutside", {"inside": serializers.BooleanField(), "detail": serializers.CharField()})


class LocateView(APIView):
    """Route a point to its grid cell. Public: answers carry no personal contact data."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="grid_locate",
        parameters=[LocateInput],
        responses={
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="LocateAnswer", serializers=[LocateOutput, OUTSIDE], resource_type_field_name=None
                ),
                description=_(
                    "The point's cell, area path and officer; or, for a point outside the service "
                    'area, `{"inside": false, "detail": "outside the service area"}` (also HTTP 200).'
                ),
                examples=[OpenApiExample("outside", value={"inside": False, "detail": "outside the service area"})],
            ),
            400: OpenApiResponse(description=_('A missing or invalid parameter, named: `{"lon": ["..."]}`.')),
        },
    )
    def get(self, request):
        params = LocateInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        lon, lat = to_wgs84(params.validated_data["lon"], params.validated_data["lat"], params.validated_data["crs"])
        detail = locate_detail(lon, lat)
        if detail is None:
            return Response({"inside": False, "detail": _("outside the service area")})
        return Response(
            LocateOutput(
                {
                    "inside": True,
                    "lon": lon,
                    "lat": lat,
                    "cell": {"code": detail.cell_code, "name": detail.cell_name},
                    "areas": [{"code": a.code, "name": a.name, "level": a.level} for a in detail.areas],
                    "officer": {"display_name": detail.officer_name} if detail.officer_name else None,
                }
            ).data
        )
