"""Password guessing is slowed down: failed tries are counted per client address and per account
name tried, and past the limit (the `token` rate, GRIDOPS_TOKEN_RATE: 10 a minute) further tries
are refused without checking the password until the oldest counted one leaves the window.

Only failures count: a district office whose staff all sign in at nine behind one address is
never held up, and guessing is. The address is DRF's (REMOTE_ADDR, or with NUM_PROXIES the
address the trusted proxies put in X-Forwarded-For); many addresses (a botnet) still get an
allowance each, and the per-name count stops them guessing one account. Names nobody has are
counted alike, so the answer tells nothing about who exists; they are kept as hashes (names may
be phone numbers). The sign-in page and the token endpoint share the counts.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

SCOPE = "token"


class FailedTries:
    """The counts of one request's address and account name."""

    def __init__(self, request, username: str) -> None:
        rate = ScopedRateThrottle.THROTTLE_RATES.get(SCOPE)
        self.limit, self.window = ScopedRateThrottle().parse_rate(rate)
        self.keys = [f"signin-failed:address:{BaseThrottle().get_ident(request)}"]
        username = (username or "").strip()
        if username:
            self.keys.append(f"signin-failed:name:{hashlib.sha256(username.encode()).hexdigest()}")

    def wait(self) -> int | None:
        """Seconds until another try is allowed, or None if one is allowed now."""
        if not self.limit:
            return None
        now = time.time()
        waits = []
        for key in self.keys:
            recent = [t for t in cache.get(key, []) if t > now - self.window]
            if len(recent) >= self.limit:
                waits.append(recent[-self.limit] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def record(self) -> None:
        """Count a failed try against the address and the name."""
        if not self.limit:
            return
        now = time.time()
        for key in self.keys:
            recent = [t for t in cache.get(key, []) if t > now - self.window]
            cache.set(key, [*recent, now][-self.limit :], self.window)
