"""The Support and Administrator roles open the admin by themselves; no "staff status" to tick."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from accounts.access import has_role, sees_every_number
from accounts.admin_site import may_use_admin
from accounts.services import ensure_user

pytestmark = pytest.mark.django_db


def _plain_user(django_user_model, role):
    roles.sync_roles()
    user = django_user_model.objects.create_user(username="sue", password="pw-sue-12345")  # is_staff stays False
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.parametrize("role", [roles.SUPPORT, roles.ADMINISTRATOR])
def test_it_lets_support_and_administrators_into_the_admin(client, django_user_model, role):
    user = _plain_user(django_user_model, role)
    client.force_login(user)

    assert client.get(reverse("admin:index")).status_code == 200
    assert f'href="{reverse("admin:index")}"' in client.get(reverse("messaging:inbox")).text  # the top bar links there


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.TEMPLATE_MANAGER, None])
def test_it_sends_other_roles_to_the_admin_login(client, django_user_model, role):
    client.force_login(_plain_user(django_user_model, role))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert f'href="{reverse("admin:index")}"' not in client.get(reverse("messaging:inbox")).text


def test_taking_the_role_away_closes_the_admin_at_once(client, django_user_model):
    user = _plain_user(django_user_model, roles.SUPPORT)
    client.force_login(user)
    user.groups.clear()

    assert client.get(reverse("admin:index")).status_code == 302


def test_a_user_object_already_asked_about_its_roles_sees_a_change_from_either_side(django_user_model):
    # A user object remembers its groups (one query a page): a change must still show at once.
    user = _plain_user(django_user_model, roles.SUPPORT)
    assert may_use_admin(user) and not sees_every_number(user)

    Group.objects.get(name=roles.SUPPORT).user_set.remove(user)  # from the group's side
    assert not may_use_admin(user) and not has_role(user)

    user.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    assert may_use_admin(user) and sees_every_number(user) and has_role(user)


def test_support_logs_in_on_the_admin_login_page(client, django_user_model):
    _plain_user(django_user_model, roles.SUPPORT)

    response = client.post(reverse("admin:login"), {"username": "sue", "password": "pw-sue-12345", "next": "/admin/"})

    assert response.status_code == 302 and response.url == "/admin/"


def test_an_operator_is_refused_on_the_admin_login_page(client):
    ensure_user(username="olga", password="pw-olga-12345", role=roles.OPERATOR)

    response = client.post(reverse("admin:login"), {"username": "olga", "password": "pw-olga-12345"})

    assert response.status_code == 200 and "staff account" in response.text
    assert "_auth_user_id" not in client.session


def test_an_inactive_support_user_stays_out(client, django_user_model):
    user = _plain_user(django_user_model, roles.SUPPORT)
    user.is_active = False
    user.save()
    client.force_login(user)

    assert client.get(reverse("admin:index")).status_code == 302
