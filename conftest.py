"""Personas and shared fixtures.

The suite runs against the real PostgreSQL and Redis (see `make test`). Personas follow the
manuals: alice and bob operate Research & Instruction, carmen operates IDEAS, sam supervises.
"""

import os

import pytest
from django.conf import settings
from django.db import connection

from deskservice.roles import BACKUP_SUPERVISOR, LIBRARIAN, STUDENT_ASSISTANT, SUPERVISOR


def pytest_configure(config):
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL must point at PostgreSQL")
    if "Redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"] and not os.environ.get("REDIS_URL"):
        problems.append("REDIS_URL must point at Redis")
    if problems:
        pytest.exit(
            "The test suite runs against the real PostgreSQL and Redis: "
            + "; ".join(problems)
            + ". Run it with `make test`, which sets them for 127.0.0.1.",
            returncode=2,
        )


@pytest.fixture(autouse=True)
def _fast_passwords(request, settings):
    # PBKDF2 costs ~0.4 s per persona; tests are not about hashing strength. Tests with real
    # server processes keep the real hasher, since those servers check the passwords.
    if "live_stack" not in request.fixturenames and not request.node.get_closest_marker("browser"):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _consumer_connections_closed(settings):
    # Consumer database threads outlive each test; a connection they kept open would stop the
    # test database from being dropped. Real server processes in tests keep theirs (production).
    settings.DESK_CONSUMER_DB_PERSISTENT = False


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache (Redis); tests must not inherit each other's.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def departments(db):
    from deskservice.models import Department

    return {
        "research": Department.objects.create(name="Research & Instruction", slug="research", position=1),
        "access": Department.objects.create(name="Access Services", slug="access-services", position=2),
        "ideas": Department.objects.create(name="IDEAS", slug="ideas", position=3),
    }


def _make_user(username, first_name, departments=(), role=None, **extra):
    from django.apps import apps
    from django.contrib.auth.models import Group

    from deskservice.models import User
    from deskservice.roles import sync_role_groups

    user = User.objects.create_user(username=username, password=f"pw-{username}-2026", first_name=first_name, **extra)
    if departments:
        user.departments.set(departments)
    if role:
        if not Group.objects.filter(name=role).exists():
            sync_role_groups(apps)
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def alice(departments):
    return _make_user(
        "alice", "Alice", [departments["research"]], role=STUDENT_ASSISTANT, email="alice@library.example.edu"
    )


@pytest.fixture
def bob(departments):
    return _make_user("bob", "Bob", [departments["research"]], role=STUDENT_ASSISTANT, email="bob@library.example.edu")


@pytest.fixture
def carmen(departments):
    return _make_user("carmen", "Carmen", [departments["ideas"]], role=STUDENT_ASSISTANT)


@pytest.fixture
def sam(departments):
    return _make_user("sam", "Sam", list(departments.values()), is_staff=True, is_superuser=True)


@pytest.fixture
def lena(departments):
    """A librarian of Research & Instruction: works the desk and reads the reports."""
    return _make_user("lena", "Lena", [departments["research"]], role=LIBRARIAN)


@pytest.fixture
def barb(departments):
    """A backup supervisor: also reassigns chats and tickets and reads the audit log."""
    return _make_user("barb", "Barb", [departments["research"]], role=BACKUP_SUPERVISOR)


@pytest.fixture
def sue(departments):
    """A supervisor by role (not a superuser): runs the desk from the admin."""
    return _make_user("sue", "Sue", list(departments.values()), role=SUPERVISOR)


@pytest.fixture
def stranger(db):
    """Signed-in staff member who is in no department: not an operator."""
    return _make_user("stranger", "Stan")


@pytest.fixture
def location(db):
    from analytics.models import Location

    return Location.objects.create(name="Virtual")


def bring_online(user, channel_name=None):
    """Give `user` a live dashboard connection, as an open dashboard would."""
    from deskservice.models import DashboardConnection

    return DashboardConnection.objects.create(user=user, channel_name=channel_name or f"test.{user.username}")


@pytest.fixture
def online():
    return bring_online


@pytest.fixture
def waiting_chat(departments, alice):
    """A patron's chat waiting in Research & Instruction (alice is online), with its token."""
    from chat import services

    bring_online(alice)
    chat, token = services.start_chat(
        department=departments["research"],
        question="Where can I find peer-reviewed articles on climate policy?",
        name="Pat Patron",
        email="pat@example.org",
    )
    chat.token = token
    return chat


@pytest.fixture
def active_chat(waiting_chat, alice):
    from chat import services

    chat = services.claim_chat(chat_id=waiting_chat.pk, operator=alice)
    chat.token = waiting_chat.token
    return chat


@pytest.fixture
def db_vendor():
    return connection.vendor


@pytest.fixture
def broker_down():
    """Celery pointed at a port where no broker listens, as while Redis restarts. Call the
    fixture's value to bring the broker back; it comes back at the end of the test anyway."""
    from deskservice.celery import app

    def point_at(url):
        app.conf.broker_url = url
        # The app keeps its connection pools: drop them so that the next task connects anew.
        app._pool = None
        app.amqp._producer_pool = None

    working = app.conf.broker_url
    point_at("redis://127.0.0.1:1/0")
    yield lambda: point_at(working)
    point_at(working)
