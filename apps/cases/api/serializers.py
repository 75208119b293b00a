"""Input serializers parse requests; output serializers shape answers. They never write."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.choices import Role
from apps.accounts.models import Department, User
from gridops.api import StaffOnlyFieldsMixin

from ..choices import CaseState, Channel, PhotoKind
from ..models import Case, CaseEvent, CasePhoto, Category
from ..selectors import category_by_ref

CRS_CHOICES = [("wgs84", "WGS84"), ("gcj02", "GCJ-02"), ("bd09", "BD-09")]


# ---- inputs -------------------------------------------------------------------------------------------


class CategoryRefField(serializers.CharField):
    """A category by code (or numeric id)."""

    def to_internal_value(self, data):
        found = category_by_ref(str(super().to_internal_value(data)))
        if found is None or not found.is_active:
            raise serializers.ValidationError(_("Unknown or inactive category."))
        return found


class CaseIntakeInput(serializers.Serializer):
    category = CategoryRefField(help_text="Category code")
    description = serializers.CharField(allow_blank=True, max_length=2000)
    lon = serializers.FloatField(required=False, allow_null=True, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    crs = serializers.ChoiceField(choices=CRS_CHOICES, default="wgs84")
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    reporter_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    reporter_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class CaseIntakeJsonInput(CaseIntakeInput):
    """The same report as JSON: photos need a multipart body (or a later upload to /photos/)."""

    photos = None


class CaseActionInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    department = serializers.CharField(required=False, allow_blank=True, default="", help_text="Department code")
    assignee = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="User id")
    merge_into = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Master case id")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    def validate_department(self, value):
        if not value:
            return None
        found = Department.objects.filter(code=value).first()
        if found is None:
            raise serializers.ValidationError(_("Unknown department."))
        return found

    def validate_assignee(self, value):
        if value is None:
            return None
        found = User.objects.filter(pk=value, is_active=True).select_related("department").first()
        if found is None:
            raise serializers.ValidationError(_("Unknown user."))
        return found

    def validate_merge_into(self, value):
        if value is None:
            return None
        found = Case.objects.filter(pk=value).first()
        if found is None:
            raise serializers.ValidationError(_("No such case."))
        return found


class CaseActionJsonInput(CaseActionInput):
    """The same inputs as JSON: photos need a multipart body."""

    photos = None


class CasePhotoInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PhotoKind.choices, default=PhotoKind.BEFORE)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    photos = serializers.ListField(child=serializers.FileField(), min_length=1)


class CaseRateInput(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


# ---- outputs ------------------------------------------------------------------------------------------


class CategoryOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="label")
    name_zh = serializers.CharField(source="name")
    parent = serializers.CharField(source="parent.code", default=None, allow_null=True)
    default_department = serializers.CharField(source="default_department.code", default=None, allow_null=True)
    kind = serializers.CharField(help_text="component (部件) or event (事件)")

    class Meta:
        model = Category
        fields = ["id", "code", "name", "name_zh", "name_en", "kind", "parent", "default_department", "priority"]


class CategoryBriefOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="label")


class UserBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    role = serializers.CharField()


class CaseListOutput(StaffOnlyFieldsMixin, serializers.ModelSerializer):
    category = CategoryBriefOutput()
    state_label = serializers.CharField(source="get_state_display")
    cell = serializers.CharField(source="cell.code", default=None, allow_null=True)
    area = serializers.CharField(source="area.code", default=None, allow_null=True)
    department = serializers.CharField(source="department.code", default=None, allow_null=True)
    assignee = UserBriefOutput(allow_null=True)
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "tracking_code",
            "state",
            "state_label",
            "channel",
            "priority",
            "category",
            "description",
            "address",
            "lon",
            "lat",
            "cell",
            "area",
            "area_path",
            "department",
            "assignee",
            "merged_into",
            "reopen_count",
            "version",
            "created_at",
            "updated_at",
        ]

    # A resident reading their own case sees roles only.
    staff_only = {"assignee": None, "responsible_officer": None}


class PhotoOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = CasePhoto
        fields = ["id", "kind", "url", "thumbnail_url", "content_type", "width", "height", "event"]

    @extend_schema_field(serializers.CharField())
    def get_url(self, obj) -> str:
        return obj.image.url if obj.image else ""

    @extend_schema_field(serializers.CharField())
    def get_thumbnail_url(self, obj) -> str:
        return obj.thumbnail.url if obj.thumbnail else ""


class EventOutput(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["id", "action", "from_state", "to_state", "note", "actor", "actor_role", "data", "created_at"]

    @extend_schema_field(UserBriefOutput(allow_null=True))
    def get_actor(self, obj):
        # Residents see the role that acted, never a staff member's name; staff see colleagues'
        # names but never a resident's (that is the reporter's personal data: its full value is
        # shown only through the recorded reveal).
        if not self.context.get("show_actor_names", False) or obj.actor_role == Role.RESIDENT or obj.actor is None:
            return None
        return UserBriefOutput(obj.actor).data


class ContactOutput(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    masked = serializers.BooleanField()
    can_reveal = serializers.BooleanField()


class FollowedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    state = serializers.ChoiceField(choices=CaseState.choices)


class DuplicateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    state = serializers.CharField()
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    distance_m = serializers.FloatField()


class CaseDetailOutput(CaseListOutput):
    responsible_officer = UserBriefOutput(allow_null=True)
    contact = ContactOutput(source="contact_view")
    photos = PhotoOutput(many=True, source="photos_list")
    events = EventOutput(many=True, source="history_list")
    actions = serializers.ListField(child=serializers.CharField(), source="actions_list")
    followed = FollowedOutput(
        allow_null=True, source="followed_case", help_text="The master case when this one was merged into it"
    )

    class Meta(CaseListOutput.Meta):
        fields = CaseListOutput.Meta.fields + [
            "responsible_officer",
            "registered_at",
            "resolved_at",
            "closed_at",
            "rating",
            "rating_comment",
            "contact",
            "photos",
            "events",
            "actions",
            "followed",
        ]


class CaseIntakeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    state = serializers.CharField()
    cell = serializers.CharField(allow_null=True)
    area_path = serializers.CharField()
    duplicates = DuplicateOutput(many=True)


class TrackEventOutput(serializers.Serializer):
    action = serializers.CharField()
    to_state = serializers.CharField()
    actor_role = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class TrackOutput(serializers.Serializer):
    """What anyone holding a tracking code may see: no names, no phones, no staff identities, no
    free text but the notes written for the public (the description may hold the reporter's contact
    details; the tracking page shows it to the reporter only)."""

    tracking_code = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    category = CategoryBriefOutput()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    followed = FollowedOutput(allow_null=True)
    events = TrackEventOutput(many=True)
    photos = PhotoOutput(many=True)
