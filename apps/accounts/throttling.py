"""Password guessing is slowed down twice: per client address (DRF's scoped throttle) and per
account name tried, whatever address the tries claim to come from.

The address is DRF's: REMOTE_ADDR, or with NUM_PROXIES (settings) the address the trusted
proxies put in X-Forwarded-For. Many addresses (a botnet, or a proxy configured to trust too
much) still get an allowance each; the per-name count stops them guessing one account. It counts
names nobody has, too, so it tells nothing about who exists.
The sign-in page and the token endpoint share both counts and the `token` rate.
"""

from __future__ import annotations

import hashlib

from rest_framework.throttling import ScopedRateThrottle


def _tried_username(request) -> str:
    # A DRF request carries JSON or form data in `data`; the sign-in page is a plain form post.
    data = request.data if hasattr(request, "data") else request.POST
    value = data.get("username") if hasattr(data, "get") else None
    return value.strip() if isinstance(value, str) else ""


class AccountRateThrottle(ScopedRateThrottle):
    """The view's `throttle_scope` rate, counted per account name tried (a hash: names may be phone numbers)."""

    def get_cache_key(self, request, view):
        username = _tried_username(request)
        if not username:
            return None
        digest = hashlib.sha256(username.encode()).hexdigest()
        return self.cache_format % {"scope": f"{self.scope}-account", "ident": digest}


PASSWORD_THROTTLES = (ScopedRateThrottle, AccountRateThrottle)
