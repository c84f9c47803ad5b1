"""Sign-in lockout that still lets server-side code authenticate."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes, except for calls that carry no request.

    Every sign-in from a browser passes its request and is counted; authenticate() called
    without one (a management command, Django's test client) has no client to lock out,
    and AxesStandaloneBackend would raise instead of letting ModelBackend answer.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
