"""The Settings area's first page: what is in it."""

from django.shortcuts import render

from ._settings import settings_page


@settings_page
def settings_home(request):
    return render(request, "accounts/settings/home.html")
