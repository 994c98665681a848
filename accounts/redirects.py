"""Where a form's ``next`` field may send the user back to: only somewhere on this site."""

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, *, fallback: str) -> str:
    """The POSTed ``next`` when it points at this host (with this request's scheme), else ``fallback``.

    ``fallback`` may be a URL or a URL name; both suit ``redirect``.
    """
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
