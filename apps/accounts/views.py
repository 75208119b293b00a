from __future__ import annotations

from django.contrib.auth import views as auth_views

from .models import User
from .throttling import FailedTries


class LoginView(auth_views.LoginView):
    """The sign-in page. Failed tries count against the same limits as the token endpoint's
    (see throttling.py); past them the page says how long to wait and checks no password."""

    template_name = "accounts/login.html"

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")[: User._meta.get_field("username").max_length]
        self.tries = FailedTries(request, username)
        wait = self.tries.wait()
        if wait is None:
            return super().post(request, *args, **kwargs)
        form = self.get_form_class()(request, initial={"username": username})
        return self.render_to_response(self.get_context_data(form=form, wait=wait), status=429)

    def form_invalid(self, form):
        if form.data.get("username") and form.data.get("password"):  # a try, not an empty form
            self.tries.record()
        return super().form_invalid(form)
