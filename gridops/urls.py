from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.accounts.api import TokenApi
from apps.workbench.views import home


class FaviconRedirect(RedirectView):
    """Browsers ask for /favicon.ico on pages without an icon link (the API pages, the admin).
    The address is resolved per request: the static manifest may not exist at import time."""

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static_url("img/favicon.svg")


admin.site.site_header = _("gridops administration")
admin.site.site_title = _("gridops administration")
admin.site.index_title = _("People, grid, categories and time limits")

api_v1 = [
    path("auth/token/", TokenApi.as_view(), name="api-token"),
    path("grid/", include("apps.grid.api_urls")),
    path("", include("apps.cases.api_urls")),
    path("sla/", include("apps.sla.api_urls")),
    path("notifications/", include("apps.notify.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", FaviconRedirect.as_view()),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("grid/", include("apps.grid.urls")),
    path("work/", include("apps.workbench.urls")),
    path("report/", include("apps.portal.urls")),
    path("notifications/", include("apps.notify.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "gridops.api.bad_request"
handler404 = "gridops.api.not_found"
handler500 = "gridops.api.server_error"
