"""What the campaign pages share: who may open them (Administrators and superusers hold every
campaigns permission) and the campaign, found among those the user may see (404 otherwise)."""

from django.contrib.auth.decorators import login_required, permission_required

from ..selectors import campaign_for_user

VIEW = "campaigns.view_campaign"
ADD = "campaigns.add_campaign"
CHANGE = "campaigns.change_campaign"


def needs(permission: str):
    """Anonymous users go to the login page; anybody without ``permission`` gets 403."""

    def wrap(view):
        return login_required(permission_required(permission, raise_exception=True)(view))

    return wrap


def campaign_or_404(request, pk: int):
    return campaign_for_user(request.user, pk)
