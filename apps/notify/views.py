"""The inbox page: in-app notifications with the unread count; htmx marks them read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services


@login_required
def inbox(request):
    qs = selectors.notification_list_for_user(user=request.user)
    if request.GET.get("unread") == "1":
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "unread": selectors.notification_unread_count(user=request.user),
            "only_unread": request.GET.get("unread") == "1",
        },
    )


@login_required
def unread_badge(request):
    """htmx partial: the unread count for the top bar."""
    return render(
        request, "notify/partials/unread_badge.html", {"unread": selectors.notification_unread_count(user=request.user)}
    )


@login_required
@require_POST
def mark_read(request, pk: int):
    if not selectors.notification_list_for_user(user=request.user).filter(pk=pk).exists():
        raise Http404
    services.notification_mark_read(user=request.user, notification_id=pk)
    if request.htmx:
        return unread_badge(request)
    return redirect("notify:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_all_read(user=request.user)
    return redirect("notify:inbox")
