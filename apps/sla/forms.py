"""Forms of the SLA pages: ask for more time, ask to suspend or resume the clock, decide a request.

Forms only parse the input; the sla services decide, and a refusal coming back from them is shown
at the field it names (`apps.workbench.forms.add_domain_error`).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import LimitUnit, RequestStatus

MAX_TEXT = 2000
UNIT_CHOICES = [(unit.value, unit.label) for unit in (LimitUnit.MINUTES, LimitUnit.HOURS, LimitUnit.DAYS)]


class ExtensionRequestForm(forms.Form):
    """How much more time, in minutes, hours or days of the stage's time basis, and why."""

    amount = forms.IntegerField(
        label=_("How much more time?"), widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"})
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, initial=LimitUnit.HOURS)
    reason = forms.CharField(
        label=_("Why is more time needed?"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )


class SuspensionRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should the clock stop?"),
        help_text=_("For example waiting for the owner, a permit or the weather. Suspended time does not count."),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResumeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=MAX_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    """Approve or refuse one request (the two submit buttons send `decision`), with an optional note.
    `back`: the page the decision was taken on, to return to it."""

    APPROVE, REFUSE = "approve", "refuse"

    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))], widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note on the decision (optional)"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    back = forms.ChoiceField(choices=[("queue", "queue"), ("case", "case")], initial="queue", widget=forms.HiddenInput)


REQUEST_FORMS = {"extension": ExtensionRequestForm, "suspension": SuspensionRequestForm, "resume": ResumeForm}


def decision_prefix(request_id: int) -> str:
    return f"decide-{request_id}"


def decision_form(request_id: int, *, back: str, data=None) -> DecisionForm:
    return DecisionForm(data, prefix=decision_prefix(request_id), initial={"back": back})


def clock_panel_forms(panel: dict, *, bound: dict | None = None) -> dict:
    """`panel` (`apps.sla.selectors.case_sla_panel`) with the forms the case page shows in it:
    `panel["forms"]` maps "extension", "suspension" and "resume" to a form for each request the
    user may make now (or has just sent back with errors); each pending request gets its
    `decision_form` when the user may decide it. `bound`: the forms of a refused post, by prefix."""
    bound = bound or {}
    panel["forms"] = {
        kind: bound.get(kind) or form_class(prefix=kind)
        for kind, form_class in REQUEST_FORMS.items()
        if kind in bound or (kind in panel["offers"] and panel["offers"][kind] is None)
    }
    for req in panel["requests"]:
        prefix = decision_prefix(req.pk)
        if prefix in bound:
            req.decision_form = bound[prefix]
        elif panel["may_decide"] and req.status == RequestStatus.PENDING:
            req.decision_form = decision_form(req.pk, back="case")
    return panel
