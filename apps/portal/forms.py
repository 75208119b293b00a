"""Forms of the resident portal: report, track, rate, reopen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.workbench.forms import CommunityField, LocatedReportForm, PhotosField


class ResidentReportForm(LocatedReportForm):
    """A resident's report. Location: the browser's position (WGS84), else the chosen community,
    else an address or landmark the grid knows by name."""

    where_missing = _("Tell us where: use your location, choose the community, or type an address.")
    address_not_found = _("We could not find this place. Choose the community below, or use your location.")

    community = CommunityField(
        label=_("Or choose the community"),
        required=False,
        help_text=_("Without your location, the community tells us whose area it is."),
    )

    photos = PhotosField(label=_("Take or choose photos"), attrs={"capture": "environment", "accept": "image/*"})
    reporter_name = forms.CharField(label=_("Your name (optional)"), max_length=100, required=False)
    reporter_phone = forms.CharField(
        label=_("Your phone (optional)"),
        max_length=32,
        required=False,
        help_text=_("Only staff handling the report can see it, so they can call you back."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    field_order = [
        "category",
        "description",
        "address",
        "community",
        "lon",
        "lat",
        "crs",
        "photos",
        "reporter_name",
        "reporter_phone",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Residents do not know the grid's names: the address is where exactly, for the officer;
        # the position or the community is what places the report.
        self.fields["address"].help_text = _("For example the building, the street and number, or a shop nearby.")
        # The browser fills these from its geolocation (WGS84); residents never type coordinates.
        for name in ("lon", "lat", "crs"):
            self.fields[name].widget = forms.HiddenInput()
        self.fields["reporter_name"].widget.attrs["autocomplete"] = "name"

    def clean(self):
        data = super().clean()
        data["crs"] = "wgs84"
        return data


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,  # room for a code typed with spaces or dashes between its characters
        help_text=_("For example 7KQ2 M9XD 4HPA. Spaces and small letters do not matter."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "autocorrect": "off", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].replace("-", " ").split()).upper()


RATING_CHOICES = [
    (5, _("5 — very satisfied")),
    (4, _("4 — satisfied")),
    (3, _("3 — acceptable")),
    (2, _("2 — dissatisfied")),
    (1, _("1 — very dissatisfied")),
]


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the result?"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=_("Why is the problem not solved?"),
        max_length=2000,
        # The reason is shown on the public tracking page (anyone with the code may read it).
        help_text=_("Anyone with the tracking code can read this: do not write your name or phone number."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
