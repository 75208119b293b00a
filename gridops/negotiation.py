"""The API's content negotiation (`REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"]`).

Its own module: DRF imports it while it loads its views, which `gridops.api` imports."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with the answer for API clients given at once: no `Accept` header, `*/*`
    or exactly a renderer's media type, and no `format` in the query or the path, choose what
    DRF's rules choose (the first renderer for the first two, the named one for the third) without
    parsing the header and the query string, which cost intake about 3 % of its time. Anything
    else (a browser's list, parameters, q-values, `?format=`) goes through DRF's rules."""

    def select_renderer(self, request, renderers, format_suffix=None):
        meta = request._request.META
        accept = meta.get("HTTP_ACCEPT", "*/*")
        if format_suffix is None and renderers and "format" not in meta.get("QUERY_STRING", ""):
            if accept == "*/*":
                return renderers[0], renderers[0].media_type
            for renderer in renderers:
                if accept == renderer.media_type:
                    return renderer, accept
        return super().select_renderer(request, renderers, format_suffix)
