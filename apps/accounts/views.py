from __future__ import annotations

import math

from django.contrib.auth import views as auth_views

from .models import User
from .throttling import PASSWORD_THROTTLES


class LoginView(auth_views.LoginView):
    """The sign-in page. Password tries count against the same limits as the token endpoint's
    (see throttling.py); past them the page says how long to wait and checks no password."""

    template_name = "accounts/login.html"
    throttle_scope = "token"

    def post(self, request, *args, **kwargs):
        throttles = [cls() for cls in PASSWORD_THROTTLES]
        waits = [t.wait() for t in throttles if not t.allow_request(request, self)]
        if not waits:
            return super().post(request, *args, **kwargs)
        username = request.POST.get("username", "")[: User._meta.get_field("username").max_length]
        form = self.get_form_class()(request, initial={"username": username})
        wait = math.ceil(max((w for w in waits if w is not None), default=60))
        return self.render_to_response(self.get_context_data(form=form, wait=wait), status=429)
