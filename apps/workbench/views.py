from django.contrib.auth.decorators import login_required  # noqa: F401
from django.shortcuts import redirect, render

from apps.accounts.choices import Role


def home(request):
    """Front page: staff go to their workbench, everyone else to the resident portal."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "home.html")
    if user.role == Role.RESIDENT:
        return redirect("portal:home") if _has_url("portal:home") else render(request, "home.html")
    return redirect("workbench:dashboard") if _has_url("workbench:dashboard") else render(request, "home.html")


def _has_url(name: str) -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True
