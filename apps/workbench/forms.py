"""Forms of the staff workbench (and the intake pieces the resident portal shares).

Forms only parse and validate input; the cases services decide. A `DomainError` coming back from a
service is attached to the field it names with `add_domain_error`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import Role
from apps.accounts.models import Department, User
from apps.cases.choices import CaseState
from apps.cases.geocode import NOT_FOUND, area_point
from apps.cases.models import Category
from apps.cases.workflow import Action, Requirement
from apps.grid.coords import CRS
from apps.grid.models import Area
from gridops.errors import DomainError

MAX_PHOTOS = 6

CRS_CHOICES = CRS.choices

# Service error fields that a form shows under another name.
FIELD_ALIASES = {"location": "address", "lon": "lon", "lat": "lat", "after_photo": "photos", "photo": "photos"}


def add_domain_error(form: forms.Form, err: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's refusal next to the field it names (or at the top of the form)."""
    names = {**FIELD_ALIASES, **(aliases or {})}
    field = names.get(err.field or "", err.field)
    form.add_error(field if field in form.fields else None, str(err))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more uploaded photos; the service checks their content."""

    def __init__(self, *args, **kwargs):
        attrs = {"accept": "image/jpeg,image/png,image/webp", **kwargs.pop("attrs", {})}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [super(PhotosField, self).clean(f, initial) for f in files if f]
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)d photos, please.") % {"n": MAX_PHOTOS}, code="too_many")
        return files


def grouped_category_choices(categories: Iterable[Category]) -> list:
    """Choices grouped by top-level class: [(group label, [(id, label), ...]), ...].

    A top-level class without sub-classes is selectable itself.
    """
    categories = list(categories)
    present = {c.pk for c in categories}
    children: dict[int, list[Category]] = {}
    tops: list[Category] = []
    for cat in categories:
        if cat.parent_id is None:
            tops.append(cat)
        else:
            children.setdefault(cat.parent_id, []).append(cat)
            if cat.parent_id not in present:  # an active class under an inactive parent
                present.add(cat.parent_id)
                tops.append(cat.parent)
    labels = [t.label for t in tops]
    choices: list = [("", _("Choose…"))]
    for top in tops:
        kids = children.get(top.pk, [])
        label = top.label
        if labels.count(label) > 1:
            label = f"{top.get_kind_display()} · {label}"
        if kids:
            choices.append((label, [(str(c.pk), c.label) for c in kids]))
        elif top.is_active:
            choices.append((str(top.pk), label))
    return choices


class CategoryField(forms.ChoiceField):
    """A category chooser grouped by top-level class; cleans to a `Category`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._by_pk: dict[str, Category] = {}

    def set_categories(self, categories: Iterable[Category]) -> None:
        categories = list(categories)
        self._by_pk = {str(c.pk): c for c in categories}
        self.choices = grouped_category_choices(categories)

    def clean(self, value):
        value = super().clean(value)
        return self._by_pk.get(value) if value else None


class CommunityField(forms.ChoiceField):
    """A community (社区) chooser grouped by district and subdistrict; cleans to an `Area`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._by_pk: dict[str, Area] = {}

    def set_communities(self, communities: Iterable[Area]) -> None:
        groups: dict[str, list[tuple[str, str]]] = {}
        for community in communities:
            self._by_pk[str(community.pk)] = community
            subdistrict = community.parent
            district = subdistrict.parent if subdistrict else None
            group = " · ".join(area.label for area in (district, subdistrict) if area is not None)
            groups.setdefault(group, []).append((str(community.pk), community.label))
        self.choices = [("", _("Choose…")), *groups.items()]

    def clean(self, value):
        value = super().clean(value)
        return self._by_pk.get(value) if value else None


class LocatedReportForm(forms.Form):
    """What every intake needs: a category, a description, a place, photos.

    The place is the first of: the coordinates, the chosen community, an address that names a grid
    area or cell. The grid knows no streets: an address it cannot place is kept for the handler, and
    the community places the report. `location()` gives the place to `case_intake`.
    """

    # What a form says when no place is given, and when the address names no area or cell.
    where_missing = _("Say where: type coordinates, choose the community, or name a grid area or cell in the address.")
    address_not_found = _(
        "No area or cell of the grid matches this address: choose the community as well, or type coordinates."
    )

    category = CategoryField(label=_("What kind of problem?"))
    description = forms.CharField(
        label=_("Describe the problem"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    address = forms.CharField(
        label=_("Address or landmark"),
        max_length=300,
        required=False,
        help_text=_(
            "Places the report only if it names a grid area or cell (its name or code). Any other address, "
            "such as a street and number, is kept for the handler: then choose the community too."
        ),
    )
    community = CommunityField(
        label=_("Community"),
        required=False,
        help_text=_("Places the report when no coordinates are given; the address is kept as the exact spot."),
    )
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    crs = forms.ChoiceField(label=_("Coordinate system"), choices=CRS_CHOICES, initial="wgs84", required=False)
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, categories: Iterable[Category] = (), communities: Iterable[Area] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].set_categories(categories)
        communities = list(communities)
        if communities:
            self.fields["community"].set_communities(communities)
        else:
            del self.fields["community"]

    def clean(self):
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        community = data.get("community")
        if (lon is None) != (lat is None):
            self.add_error("lat" if lat is None else "lon", _("Give both longitude and latitude, or neither."))
        elif lon is None and community is not None:
            address = data.get("address", "")
            if community.name not in address:
                # The handler reads which community the street is in.
                data["address"] = f"{community.name} {address}".strip()
        elif lon is None and not data.get("address") and not {"address", "community"} & set(self.errors):
            self.add_error("address", self.where_missing)
        data["crs"] = data.get("crs") or "wgs84"
        return data

    def location(self) -> dict:
        """The place as `case_intake`'s `lon`, `lat`, `crs` and `address`, from a valid form. A chosen
        community gives its own point (its name may be another community's too); an address alone is
        geocoded by the service. DomainError if the community has no place on the grid."""
        data = self.cleaned_data
        place = {"lon": data.get("lon"), "lat": data.get("lat"), "crs": data["crs"], "address": data.get("address", "")}
        community = data.get("community")
        if place["lon"] is None and community is not None:
            point = area_point(community)
            if point is None:
                raise DomainError(_("The grid has no boundary or cell for this community yet."), field="community")
            place.update(lon=point[0], lat=point[1], crs="wgs84")
        return place

    def add_intake_error(self, err: DomainError, aliases: dict[str, str] | None = None) -> None:
        """`add_domain_error`, in this form's words for an address that names no area or cell."""
        if err.code == NOT_FOUND and "community" in self.fields:
            err = DomainError(self.address_not_found, field=err.field, code=err.code)
        add_domain_error(self, err, aliases)


class HotlineIntakeForm(LocatedReportForm):
    """A 12345 operator types a caller's report."""

    reporter_name = forms.CharField(label=_("Caller's name"), max_length=100, required=False)
    reporter_phone = forms.CharField(label=_("Caller's phone"), max_length=32, required=False)

    field_order = [
        "reporter_name",
        "reporter_phone",
        "category",
        "description",
        "address",
        "community",
        "crs",
        "lon",
        "lat",
        "photos",
    ]


class PatrolReportForm(LocatedReportForm):
    """A grid officer's patrol report, optionally handled on the spot."""

    self_handle = forms.BooleanField(label=_("I handled it on the spot"), required=False)
    handle_note = forms.CharField(
        label=_("What did you do?"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # On patrol the officer is on the spot: the phone opens its camera, as on the resident's form.
    after_photos = PhotosField(label=_("Photos of the result"), attrs={"capture": "environment"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["capture"] = "environment"

    def clean(self):
        data = super().clean()
        if data.get("self_handle"):
            if not (data.get("handle_note") or "").strip():
                self.add_error("handle_note", _("Say what you did to handle it."))
            if not data.get("after_photos") and "after_photos" not in self.errors:
                self.add_error("after_photos", _("Add at least one photo of the result."))
        return data


class CaseFilterForm(forms.Form):
    """Filters of the case list. Every field is optional; bad values are ignored, not fatal."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("Any state")), *CaseState.choices])
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.none(), empty_label=_("Any category")
    )
    area = forms.ModelChoiceField(
        label=_("Area"), required=False, queryset=Area.objects.none(), empty_label=_("Any area")
    )
    cell = forms.CharField(label=_("Cell code"), required=False, max_length=32)
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.none(), empty_label=_("Any department")
    )
    # Years the database can compare in any time zone (a date at year 1 or 9999 overflowed).
    created_after = forms.DateField(
        label=_("Reported from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "min": "1900-01-01", "max": "9000-12-31"}),
        validators=[MinValueValidator(dt.date(1900, 1, 1)), MaxValueValidator(dt.date(9000, 12, 31))],
    )
    created_before = forms.DateField(
        label=_("Reported until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "min": "1900-01-01", "max": "9000-12-31"}),
        validators=[MinValueValidator(dt.date(1900, 1, 1)), MaxValueValidator(dt.date(9000, 12, 31))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related("parent")
        self.fields["area"].queryset = Area.objects.only("id", "name", "name_en", "path").order_by("path")
        self.fields["area"].label_from_instance = _area_option_label
        self.fields["department"].queryset = Department.objects.filter(is_active=True)


def _area_option_label(area: Area) -> str:
    depth = max(area.path.count("/") - 1, 0)
    return "\u3000" * depth + area.label


# What the note of an action is for, as the person taking it would put it.
NOTE_LABELS = {
    Action.REJECT: _("Why is it not registered?"),
    Action.RETURN: _("Why is it not yours to handle?"),
    Action.RESOLVE: _("What was done?"),
    Action.VERIFY_FAIL: _("What is still wrong?"),
    Action.REOPEN: _("Why reopen it?"),
    Action.SELF_HANDLE: _("What was done?"),
}


class ActionForm(forms.Form):
    """One workflow action. Which inputs it shows follows the transition's requirements."""

    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("— none —")
    )
    assignee = forms.ModelChoiceField(
        label=_("Officer"), queryset=User.objects.none(), required=False, empty_label=_("— none —")
    )
    merge_into = forms.CharField(label=_("Tracking code of the master case"), max_length=16, required=False)
    photos = PhotosField(label=_("Photos of the result"), attrs={"capture": "environment"})
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, action: str, requires: Iterable[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        self.requires = set(requires)
        keep = {"note", "expected_version"}
        if action == Action.DISPATCH:
            keep |= {"department", "assignee"}
            self.fields["department"].queryset = Department.objects.filter(is_active=True)
            self.fields["assignee"].queryset = User.objects.filter(role=Role.OFFICER, is_active=True).order_by(
                "username"
            )
        if Requirement.MERGE_INTO in self.requires or action == Action.MERGE:
            keep.add("merge_into")
            self.fields["merge_into"].required = True
        if Requirement.AFTER_PHOTO in self.requires:
            keep.add("photos")
            self.fields["photos"].required = True
        if Requirement.NOTE in self.requires:
            self.fields["note"].required = True
            self.fields["note"].label = NOTE_LABELS.get(action, _("Reason or note"))
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if self.action == Action.DISPATCH and not data.get("department") and not data.get("assignee"):
            self.add_error("department", _("Choose a department or an officer."))
        return data
