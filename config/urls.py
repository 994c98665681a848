from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views.password import password_set

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/set/<uidb64>/<token>/", password_set, name="password-set"),
    # Labels are messaging's (accounts imports no messaging), in the Settings area.
    path("settings/labels/", include("messaging.urls_labels")),
    # Settings → Prices is campaigns' (accounts must not import it); before accounts' own Settings pages.
    path("settings/pricing/", include("campaigns.urls_pricing")),
    # Settings → Canned replies and Round-robin: messaging's pages in accounts' Settings area (accounts imports no app above it).
    path("settings/canned-replies/", include("messaging.canned_urls")),
    path("settings/auto-assignment/", include("messaging.auto_assignment_urls")),
    path("settings/", include("accounts.urls")),
    # Audiences (contact imports, segments) before the campaign pages, which share /campaigns/.
    path("campaigns/", include("campaigns.urls_audiences")),
    path("templates/", include("templates_mgr.urls")),
    path("media/", include("media_lib.urls")),
    path("insights/", include("insights.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("messaging.urls")),
]
