"""A supervisor adds and configures operators in the admin, and gains nothing more by it (issue 8).

sue is a Supervisor by role (not a superuser); sam is a superuser.
"""

import pytest
from django.contrib.auth.models import Group, Permission

from deskservice import roles
from deskservice.models import User

pytestmark = pytest.mark.django_db


def change_form_data(user, **overrides):
    """What the change form posts for `user` when nothing is edited."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": [g.pk for g in user.groups.all()],
        "departments": [d.pk for d in user.departments.all()],
        "availability": user.availability,
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(overrides)
    return data


def test_it_ignores_a_supervisor_ticking_superuser_staff_or_permissions_on_their_own_account(client, sue):
    client.force_login(sue)
    page = client.get(f"/admin/deskservice/user/{sue.pk}/change/")
    assert page.status_code == 200
    # The fields are shown read-only, not as inputs.
    assert b'name="is_superuser"' not in page.content
    assert b'name="user_permissions"' not in page.content
    assert b'name="is_staff"' not in page.content

    everything = Permission.objects.get(codename="delete_user")
    response = client.post(
        f"/admin/deskservice/user/{sue.pk}/change/",
        change_form_data(sue, is_superuser="on", is_staff="on", user_permissions=[everything.pk]),
    )
    assert response.status_code == 302
    sue = User.objects.get(pk=sue.pk)
    assert not sue.is_superuser and not sue.is_staff
    assert not sue.user_permissions.exists()
    assert not sue.has_perm("deskservice.delete_user")


def test_it_offers_a_supervisor_only_the_four_desk_roles(client, sue, alice):
    custom = Group.objects.create(name="Everything")
    custom.permissions.set(Permission.objects.all())
    client.force_login(sue)
    page = client.get(f"/admin/deskservice/user/{alice.pk}/change/")
    assert b"Everything" not in page.content
    for role in roles.ROLES:
        assert role.encode() in page.content

    refused = client.post(f"/admin/deskservice/user/{sue.pk}/change/", change_form_data(sue, groups=[custom.pk]))
    assert refused.status_code == 200 and b"Select a valid choice" in refused.content
    assert not User.objects.get(pk=sue.pk).groups.filter(pk=custom.pk).exists()

    # Making alice a librarian works, and keeps a group a superuser gave her.
    alice.groups.add(custom)
    librarian = Group.objects.get(name=roles.LIBRARIAN)
    done = client.post(f"/admin/deskservice/user/{alice.pk}/change/", change_form_data(alice, groups=[librarian.pk]))
    assert done.status_code == 302
    assert set(User.objects.get(pk=alice.pk).groups.values_list("name", flat=True)) == {roles.LIBRARIAN, "Everything"}


def test_it_refuses_a_supervisor_changing_a_superuser_or_their_password(client, sue, sam):
    client.force_login(sue)
    page = client.get(f"/admin/deskservice/user/{sam.pk}/change/")
    # Visible, read-only.
    assert page.status_code == 200 and b'name="username"' not in page.content
    response = client.post(f"/admin/deskservice/user/{sam.pk}/change/", change_form_data(sam, first_name="Mallory"))
    assert response.status_code == 403
    password = client.post(
        f"/admin/deskservice/user/{sam.pk}/password/",
        {"password1": "taken-over-2026!", "password2": "taken-over-2026!", "set_usable_password": "true"},
    )
    assert password.status_code == 403
    sam = User.objects.get(pk=sam.pk)
    assert sam.first_name == "Sam" and sam.check_password("pw-sam-2026")
    assert client.post(f"/admin/deskservice/user/{sam.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=sam.pk).exists()


def test_it_lets_a_superuser_still_grant_everything(client, sam, alice):
    client.force_login(sam)
    page = client.get(f"/admin/deskservice/user/{alice.pk}/change/")
    assert b'name="is_superuser"' in page.content and b'name="user_permissions"' in page.content


def test_it_lets_a_supervisor_add_an_operator_into_a_role(client, sue, departments):
    client.force_login(sue)
    form = client.get("/admin/deskservice/user/add/")
    assert form.status_code == 200
    assert b'name="is_superuser"' not in form.content and b'name="user_permissions"' not in form.content
    student = Group.objects.get(name=roles.STUDENT_ASSISTANT)
    response = client.post(
        "/admin/deskservice/user/add/",
        {
            "username": "nina",
            "usable_password": "true",
            "password1": "Reference-desk-2026",
            "password2": "Reference-desk-2026",
            "first_name": "Nina",
            "email": "nina@library.example.edu",
            "groups": [student.pk],
            "departments": [departments["research"].pk],
        },
    )
    assert response.status_code == 302
    nina = User.objects.get(username="nina")
    assert nina.check_password("Reference-desk-2026")
    assert nina.has_perm(roles.WORK_DESK) and not nina.is_staff and not nina.is_superuser
    assert list(nina.departments.all()) == [departments["research"]]


def test_it_lets_a_supervisor_add_an_operator_without_a_password_and_set_one_later(client, sue):
    client.force_login(sue)
    response = client.post(
        "/admin/deskservice/user/add/",
        {"username": "omar", "usable_password": "false", "first_name": "Omar"},
    )
    assert response.status_code == 302
    omar = User.objects.get(username="omar")
    assert not omar.has_usable_password()
    response = client.post(
        f"/admin/deskservice/user/{omar.pk}/password/",
        {"password1": "Reference-desk-2026", "password2": "Reference-desk-2026", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=omar.pk).check_password("Reference-desk-2026")


def test_it_refuses_adding_a_user_to_the_backup_supervisor(client, barb):
    client.force_login(barb)
    assert client.get("/admin/deskservice/user/add/").status_code == 403
