from loudong.policy.profile import memoised

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ProfileMemoMiddleware:
    """Read-only requests answer repeated policy lookups once (``profile.memoised``).

    A GET never changes state, so the profile in force cannot change under it; a POST may publish
    a version and read it back, so it looks up every time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        with memoised():
            return self.get_response(request)
