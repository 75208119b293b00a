"""Thin API views: parse input, call one service or selector, answer with an output serializer.

Every case is reached through `CaseScopeMixin` (that is, `case_list_for_user`): outside a user's
scope a case is 404; visible but not allowed is 403 (NotPermitted from the service).
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.choices import Role
from gridops.api import ERROR, shared_represent, shared_validate
from gridops.pagination import CursorPagination

from .. import selectors, services
from ..choices import Channel
from ..models import CasePhoto
from ..permissions import CaseScopeMixin, IsStaffRole
from ..workflow import TRANSITIONS
from .filters import CaseFilter
from .serializers import (
    CaseActionInput,
    CaseActionJsonInput,
    CaseDetailOutput,
    CaseIntakeInput,
    CaseIntakeJsonInput,
    CaseIntakeOutput,
    CaseListOutput,
    CasePhotoInput,
    CaseRateInput,
    CategoryOutput,
    ContactOutput,
    DuplicateOutput,
    PhotoOutput,
    TrackOutput,
)

PARSERS = [JSONParser, MultiPartParser, FormParser]
DEFAULT_CHANNEL = {Role.HOTLINE: Channel.HOTLINE, Role.OFFICER: Channel.PATROL, Role.RESIDENT: Channel.API}


class CaseCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _detail_payload(*, request, case) -> dict:
    user = request.user
    followed = selectors.case_followed(case=case)
    case.contact_view = selectors.case_contact_for_user(user=user, case=case)
    # A resident reading their own case sees the public timeline, as on the portal's pages.
    case.history_list = (
        list(selectors.case_history(case=case)) if user.is_staff_role else selectors.case_public_events(case=case)
    )
    case.photos_list = list(CasePhoto.objects.filter(case=case))
    case.actions_list = selectors.case_actions_for_user(user=user, case=case)
    case.followed_case = followed if followed.pk != case.pk else None
    return CaseDetailOutput(case, context={"request": request, "show_actor_names": user.is_staff_role}).data


class CaseListCreateApi(CaseScopeMixin, generics.ListAPIView):
    """GET: the cases you may see (filters, cursor pagination). POST: report a case."""

    serializer_class = CaseListOutput
    pagination_class = CaseCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    parser_classes = PARSERS

    @extend_schema(
        request={
            "application/json": CaseIntakeJsonInput,
            "multipart/form-data": CaseIntakeInput,
            "application/x-www-form-urlencoded": CaseIntakeJsonInput,
        },
        responses={201: CaseIntakeOutput, 400: ERROR},
    )
    def post(self, request):
        values = shared_validate(CaseIntakeInput, request.data)
        user = request.user
        case = services.case_intake(
            actor=user,
            channel=values.get("channel") or DEFAULT_CHANNEL.get(user.role, Channel.API),
            category=values["category"],
            description=values["description"],
            lon=values["lon"],
            lat=values["lat"],
            crs=values["crs"],
            address=values["address"],
            photos=values["photos"],
            reporter_name=values["reporter_name"],
            reporter_phone=values["reporter_phone"],
            suggest_duplicates=True,
        )
        duplicates = selectors.case_intake_duplicates(case=case, user=user)
        out = shared_represent(
            CaseIntakeOutput,
            {
                "id": case.pk,
                "tracking_code": case.tracking_code,
                "state": case.state,
                "cell": case.cell.code if case.cell else None,
                "area_path": case.area_path,
                "duplicates": duplicates,
            },
        )
        return Response(out, status=status.HTTP_201_CREATED)


class CaseDetailApi(CaseScopeMixin, APIView):
    @extend_schema(responses={200: CaseDetailOutput, 404: ERROR})
    def get(self, request, pk: int):
        return Response(_detail_payload(request=request, case=self.get_case()))


class CaseActionApi(CaseScopeMixin, APIView):
    """One endpoint per workflow action (`case_action` is fixed per URL)."""

    case_action: str = ""
    parser_classes = PARSERS

    def post(self, request, pk: int):
        case = self.get_case()
        services.case_action_check(case=case, actor=request.user, action=self.case_action)
        data = CaseActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = services.case_transition(
            case=case,
            actor=request.user,
            action=self.case_action,
            note=values["note"],
            department=values["department"],
            assignee=values["assignee"],
            photos=values["photos"],
            merge_into=values["merge_into"],
            expected_version=values["expected_version"],
        )
        return Response(_detail_payload(request=request, case=case))


def action_view(action: str):
    """A distinct view class per action, so that each gets its own documented operation."""
    transition = TRANSITIONS[action]
    decorated = extend_schema(
        summary=transition.description,
        description=transition.description,
        request={
            "application/json": CaseActionJsonInput,
            "multipart/form-data": CaseActionInput,
            "application/x-www-form-urlencoded": CaseActionJsonInput,
        },
        responses={200: CaseDetailOutput, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        operation_id=f"cases_{action}",
    )

    def post(self, request, pk: int):
        return CaseActionApi.post(self, request, pk)

    name = "Case" + "".join(part.title() for part in action.split("_")) + "Api"
    cls = type(name, (CaseActionApi,), {"case_action": action, "post": decorated(post)})
    return cls.as_view()


class CasePhotoApi(CaseScopeMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": CasePhotoInput},
        responses={201: PhotoOutput(many=True), 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def post(self, request, pk: int):
        case = self.get_case()
        data = CasePhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        photos = services.case_photos_add(
            case=case, actor=request.user, photos=values["photos"], kind=values["kind"], note=values["note"]
        )
        return Response(PhotoOutput(photos, many=True).data, status=status.HTTP_201_CREATED)


class CaseContactApi(CaseScopeMixin, APIView):
    @extend_schema(
        responses={200: ContactOutput, 404: ERROR},
        description="The reporter's contact as you may see it (masked unless it is your own report).",
    )
    def get(self, request, pk: int):
        case = self.get_case()
        return Response(ContactOutput(selectors.case_contact_for_user(user=request.user, case=case)).data)


class CaseContactRevealApi(CaseScopeMixin, APIView):
    @extend_schema(
        request=None,
        responses={200: ContactOutput, 403: ERROR, 404: ERROR},
        description="Full name and phone for dispatchers and hotline operators; the view is recorded.",
    )
    def post(self, request, pk: int):
        case = self.get_case()
        return Response(ContactOutput(services.case_contact_reveal(case=case, actor=request.user)).data)


class CaseRateApi(CaseScopeMixin, APIView):
    @extend_schema(
        request=CaseRateInput, responses={200: CaseDetailOutput, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}
    )
    def post(self, request, pk: int):
        case = self.get_case()
        data = CaseRateInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_rate(
            case=case, actor=request.user, rating=data.validated_data["rating"], comment=data.validated_data["comment"]
        )
        return Response(_detail_payload(request=request, case=case))


class CaseDuplicatesApi(CaseScopeMixin, APIView):
    """Staff only; a case outside the user's scope is 404 first, whoever asks."""

    @extend_schema(responses={200: DuplicateOutput(many=True), 403: ERROR, 404: ERROR})
    def get(self, request, pk: int):
        case = self.get_case()
        if not IsStaffRole().has_permission(request, self):
            raise PermissionDenied()
        found = selectors.case_duplicate_candidates(
            category=case.category, lon=case.lon, lat=case.lat, exclude=case, at=None, user=request.user
        )
        return Response(DuplicateOutput(found, many=True).data)


class TrackApi(APIView):
    """Public tracking by code: state, public timeline and photos; never personal data."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: TrackOutput, 404: ERROR}, auth=[])
    def get(self, request, code: str):
        case = selectors.case_get_by_tracking_code(code=code)
        if case is None:
            return Response({"detail": "Not found.", "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
        followed = selectors.case_followed(case=case)
        payload = {
            "tracking_code": case.tracking_code,
            "state": case.state,
            "state_label": case.get_state_display(),
            "category": case.category,
            "created_at": case.created_at,
            "closed_at": case.closed_at,
            "followed": followed if followed.pk != case.pk else None,
            "events": list(selectors.case_public_events(case=case)),
            "photos": list(CasePhoto.objects.filter(case=case)),
        }
        return Response(TrackOutput(payload).data)


class CategoryListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = CategoryOutput
    pagination_class = None

    def get_queryset(self):
        return selectors.category_list()
