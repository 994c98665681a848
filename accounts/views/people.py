"""Settings → People and roles: list people, add one, their roles and numbers, deactivate."""

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from .. import roles
from ..encryption import decrypt, encrypt
from ..people_forms import AccessForm, AddPersonForm
from ..services.people import (
    add_person,
    deactivate_person,
    mail_is_configured,
    mail_set_password_link,
    new_set_password_link,
    reactivate_person,
    set_access,
)
from ._settings import settings_page

ROLE_LINES = [(name, roles.DESCRIPTIONS[name]) for name in roles.ROLES]


@settings_page
def people_list(request):
    people = list(
        get_user_model()
        .objects.prefetch_related(
            Prefetch("groups", queryset=Group.objects.filter(name__in=roles.ROLES).order_by("name"), to_attr="roles"),
            Prefetch("phone_numbers", to_attr="numbers"),
        )
        .order_by("-is_active", "username")
    )
    for person in people:
        person.sees_all = person.is_superuser or any(role.name == roles.ADMINISTRATOR for role in person.roles)
    return render(request, "accounts/settings/people_list.html", {"people": people, "role_lines": ROLE_LINES})


@settings_page
def person_add(request):
    form = AddPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            welcome = add_person(
                actor=request.user, username=data["username"], email=data["email"], name=data["name"],
                role_names=data["roles"], phone_numbers=data["phone_numbers"], password=data["password"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _show_once(request, welcome.user, temporary_password=welcome.temporary_password,
                              path=welcome.set_password_path)
    context = {"form": form, "role_lines": ROLE_LINES, "mail": mail_is_configured()}
    return render(request, "accounts/settings/person_add.html", context, status=400 if form.is_bound else 200)


@settings_page
def person_detail(request, pk: int):
    person = get_object_or_404(get_user_model(), pk=pk)
    initial = {"roles": list(person.groups.filter(name__in=roles.ROLES).values_list("name", flat=True)),
               "phone_numbers": list(person.phone_numbers.all())}
    form = AccessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            set_access(actor=request.user, user=person, role_names=form.cleaned_data["roles"],
                       phone_numbers=form.cleaned_data["phone_numbers"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            flash.success(request, f"Saved the roles and numbers of {person.get_username()}.")
            return redirect("settings:person-detail", pk=person.pk)
    context = {"person": person, "form": form, "role_lines": ROLE_LINES, "is_self": person.pk == request.user.pk}
    return render(request, "accounts/settings/person_detail.html", context, status=400 if form.is_bound else 200)


@require_POST
@settings_page
def person_active(request, pk: int):
    person = get_object_or_404(get_user_model(), pk=pk)
    change = {"deactivate": deactivate_person, "reactivate": reactivate_person}.get(request.POST.get("action", ""))
    if change is None:
        return HttpResponseBadRequest("Say whether to deactivate or reactivate (action=deactivate or reactivate).")
    try:
        change(actor=request.user, user=person)
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    else:
        done = "can't log in any more" if not person.is_active else "can log in again"
        flash.success(request, f"{person.get_username()} {done}.")
    return redirect("settings:person-detail", pk=person.pk)


@require_POST
@settings_page
def person_password_link(request, pk: int):
    person = get_object_or_404(get_user_model(), pk=pk)
    try:
        path = new_set_password_link(actor=request.user, user=person)
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
        return redirect("settings:person-detail", pk=person.pk)
    return _show_once(request, person, path=path)


# The way in a person was just given, kept in the session between the POST and the page that shows
# it (POST/redirect/GET): a reload of that page must not add the person again or make another link.
_WAY_IN = "settings.person_way_in"


def _show_once(request, person, *, temporary_password: str = "", path: str = ""):
    """Keep the way in (a link or a temporary password) for the one page that shows it, and go there."""
    link = request.build_absolute_uri(path) if path else ""
    mailed = bool(link) and mail_set_password_link(user=person, url=link)
    # Encrypted like every secret at rest: the session lives in the database until it is shown.
    request.session[_WAY_IN] = {"person": person.pk, "temporary_password": encrypt(temporary_password),
                                "link": encrypt(link), "mailed": mailed}
    return redirect("settings:person-welcome", pk=person.pk)


@settings_page
def person_welcome(request, pk: int):
    """The way in, shown once: it leaves the session as it is shown, so a reload says it was shown."""
    person = get_object_or_404(get_user_model(), pk=pk)
    way_in = request.session.get(_WAY_IN)
    if way_in is not None and way_in.get("person") == person.pk:
        del request.session[_WAY_IN]
        way_in = {**way_in, "temporary_password": decrypt(way_in["temporary_password"]),
                  "link": decrypt(way_in["link"])}
    else:
        way_in = None
    context = {"person": person, "way_in": way_in}
    response = render(request, "accounts/settings/person_welcome.html", context)
    add_never_cache_headers(response)
    return response
