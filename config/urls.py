from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views.password import password_set

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/set/<uidb64>/<token>/", password_set, name="password-set"),
    path("settings/", include("accounts.urls")),
    path("templates/", include("templates_mgr.urls")),
    path("media/", include("media_lib.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("messaging.urls")),
]
