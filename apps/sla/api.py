"""SLA API under /api/v1/sla/: a case's SLA status, suspension and extension requests and decisions.

Every case is reached through `apps.cases.selectors.case_get_for_user` (404 outside the user's
scope); the services then check the role (403).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.cases.selectors import case_get_for_user
from gridops.api import ERROR, StaffOnlyFieldsMixin

from . import selectors, services
from .choices import LimitUnit, RequestKind, RequestStatus
from .models import ClockRequest


class ClockRequestOutput(StaffOnlyFieldsMixin, serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id")
    requested_by = serializers.CharField(source="requested_by.display_name", allow_null=True)
    decided_by = serializers.CharField(source="decided_by.display_name", default=None, allow_null=True)

    class Meta:
        model = ClockRequest
        fields = [
            "id",
            "case",
            "kind",
            "stage",
            "status",
            "reason",
            "amount",
            "unit",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "ended_at",
        ]

    # A resident reading their own case sees neither staff names nor their remarks.
    staff_only = {"requested_by": None, "decided_by": None, "reason": "", "decision_note": ""}


class SlaStatusOutput(serializers.Serializer):
    status = serializers.CharField()
    stage = serializers.CharField()
    deadline = serializers.DateTimeField(allow_null=True)
    warn_at = serializers.DateTimeField(allow_null=True)
    escalation_level = serializers.IntegerField()
    is_suspended = serializers.BooleanField()
    extensions_left = serializers.IntegerField()
    policy = serializers.CharField(allow_null=True)
    requests = ClockRequestOutput(many=True)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, min_length=1)


class ExtensionInput(ReasonInput):
    amount = serializers.IntegerField(min_value=1, max_value=10000)
    unit = serializers.ChoiceField(choices=[LimitUnit.MINUTES, LimitUnit.HOURS, LimitUnit.DAYS])


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CaseSlaApi(APIView):
    @extend_schema(responses={200: SlaStatusOutput, 404: ERROR})
    def get(self, request, pk: int):
        case = case_get_for_user(user=request.user, pk=pk)
        data = selectors.case_sla_status(case=case)
        data["requests"] = list(selectors.clock_request_list(case=case))
        return Response(SlaStatusOutput(data, context={"request": request}).data)


class SuspensionRequestApi(APIView):
    @extend_schema(
        request=ReasonInput, responses={201: ClockRequestOutput, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}
    )
    def post(self, request, pk: int):
        case = case_get_for_user(user=request.user, pk=pk)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        req = services.suspension_request(actor=request.user, case=case, reason=data.validated_data["reason"])
        return Response(ClockRequestOutput(req, context={"request": request}).data, status=status.HTTP_201_CREATED)


class SuspensionResumeApi(APIView):
    @extend_schema(request=NoteInput, responses={200: SlaStatusOutput, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request, pk: int):
        case = case_get_for_user(user=request.user, pk=pk)
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.suspension_resume(actor=request.user, case=case, note=data.validated_data["note"])
        out = selectors.case_sla_status(case=case)
        out["requests"] = list(selectors.clock_request_list(case=case))
        return Response(SlaStatusOutput(out, context={"request": request}).data)


class ExtensionRequestApi(APIView):
    @extend_schema(
        request=ExtensionInput, responses={201: ClockRequestOutput, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}
    )
    def post(self, request, pk: int):
        case = case_get_for_user(user=request.user, pk=pk)
        data = ExtensionInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        req = services.extension_request(
            actor=request.user, case=case, amount=v["amount"], unit=v["unit"], reason=v["reason"]
        )
        return Response(ClockRequestOutput(req, context={"request": request}).data, status=status.HTTP_201_CREATED)


_DECISIONS = {
    (RequestKind.SUSPENSION, "approve"): services.suspension_approve,
    (RequestKind.SUSPENSION, "refuse"): services.suspension_refuse,
    (RequestKind.EXTENSION, "approve"): services.extension_approve,
    (RequestKind.EXTENSION, "refuse"): services.extension_refuse,
}


class RequestListApi(generics.ListAPIView):
    """Suspension and extension requests on the cases you may see (`?status=pending`: awaiting a decision)."""

    serializer_class = ClockRequestOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=RequestStatus.values, description="Only the requests in this status")
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.clock_request_list_for_user(
            user=self.request.user, status=self.request.query_params.get("status") or None
        )


class RequestDecisionApi(APIView):
    decision = ""

    @extend_schema(
        request=NoteInput, responses={200: ClockRequestOutput, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}
    )
    def post(self, request, pk: int):
        row = ClockRequest.objects.filter(pk=pk).values("case_id", "kind").first()
        if row is None:
            case_get_for_user(user=request.user, pk=0)  # the same 404 as a case out of scope
        case_get_for_user(user=request.user, pk=row["case_id"])
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        service = _DECISIONS[(row["kind"], self.decision)]
        req = service(actor=request.user, request_id=pk, note=data.validated_data["note"])
        return Response(ClockRequestOutput(req, context={"request": request}).data)
