"""Template helpers of the resident portal."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join

register = template.Library()

CODE_GROUP = 4


@register.simple_tag
def tracking_code(code: str):
    """The code in groups of four (7KQ2 M9XD 4HPA): easier to read aloud, to write down and to
    compare. The gap between groups is CSS, not a space, so a copied code is the code itself."""
    groups = ((code[i : i + CODE_GROUP],) for i in range(0, len(code), CODE_GROUP))
    return format_html_join("", '<span class="code-group">{}</span>', groups)
