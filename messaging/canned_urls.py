"""Settings → Canned replies (the account's shared ones), mounted at /settings/canned-replies/ by
config/urls.py: the pages are messaging's, the Settings area is accounts', which cannot import us."""

from django.urls import path

from .views import canned_replies

app_name = "canned-replies"

urlpatterns = [
    path("", canned_replies.shared_list, name="list"),
    path("new/", canned_replies.shared_edit, name="create"),
    path("<id:pk>/", canned_replies.shared_edit, name="edit"),
    path("<id:pk>/delete/", canned_replies.shared_delete, name="delete"),
]
