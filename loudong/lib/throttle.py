"""Fixed-window rate limits on the shared cache (the database cache: every app node sees it).

Used where an unauthenticated or low-trust caller could hammer an endpoint: residents' token
pages, searches by ID or phone, out-of-scope probes. ``hit(key, limit, window)`` counts one
request and says whether the caller is over the limit for the current window.
"""

import hashlib
import time

from django.core.cache import cache

from loudong.lib.http import client_ip

# Residents' pages (QR channel, objections, ballots): per token and per address.
RESIDENT_LIMIT = 20
RESIDENT_WINDOW_S = 600


def _key(name: str) -> str:
    return "throttle:" + hashlib.sha256(name.encode()).hexdigest()[:40]


def hit(name: str, limit: int, window_s: int) -> bool:
    """Count one request under ``name``; True when this request is over ``limit``."""
    bucket = int(time.time() // window_s)
    key = _key(f"{name}:{bucket}")
    if cache.add(key, 1, timeout=window_s + 5):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_s + 5)
        count = 1
    return count > limit


def over(name: str, limit: int, window_s: int) -> bool:
    """Whether ``name`` is already over ``limit`` in this window, without counting a request."""
    bucket = int(time.time() // window_s)
    return (cache.get(_key(f"{name}:{bucket}")) or 0) >= limit


def resident_throttled(request, scope: str) -> bool:
    """Limit a no-account page per token scope and per client address."""
    ip = client_ip(request) or "unknown"
    over_scope = hit(f"resident:{scope}", RESIDENT_LIMIT, RESIDENT_WINDOW_S)
    over_ip = hit(f"resident-ip:{ip}", RESIDENT_LIMIT * 3, RESIDENT_WINDOW_S)
    return over_scope or over_ip
