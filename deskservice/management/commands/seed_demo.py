"""Loads the demo desk: three departments, a supervisor, three operators in the other roles, canned messages,
analytics locations and ticket queues. Safe to run again: it updates rather than duplicates."""

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from analytics.default_choices import install_default_choices
from analytics.models import Location
from chat.models import CannedMessage
from deskservice.models import Department, User
from deskservice.roles import BACKUP_SUPERVISOR, LIBRARIAN, STUDENT_ASSISTANT, SUPERVISOR, sync_role_groups
from tickets.models import Queue

DEPARTMENTS = [
    ("Research & Instruction", "research", 1),
    ("Access Services", "access-services", 2),
    ("IDEAS", "ideas", 3),
]

# username, first name, last name, departments, password, role
PEOPLE = [
    ("supervisor", "Sam", "Rivera", ["research", "access-services", "ideas"], "demo-supervisor-2026", SUPERVISOR),
    ("alice", "Alice", "Chen", ["research"], "demo-alice-2026", LIBRARIAN),
    ("bob", "Bob", "Okafor", ["research", "access-services"], "demo-bob-2026", BACKUP_SUPERVISOR),
    ("carmen", "Carmen", "Diaz", ["ideas"], "demo-carmen-2026", STUDENT_ASSISTANT),
]

WELCOMES = {
    "research": "Hi {patron_name}, this is {operator_name} from {department}. I'm reading over your question now.",
    "access-services": "Hello {patron_name}! {operator_name} from {department} here. Let me read your question.",
    "ideas": "Hi {patron_name}, welcome to {department}! I'm {operator_name}; give me a moment to read your question.",
}

GLOBAL_CANNED = [
    ("One moment", "One moment while I check that for you."),
    ("Anything else?", "Is there anything else I can help you with today?"),
    ("Goodbye", "Thanks for chatting with the library, {patron_name}. Have a great day!"),
]

LOCATIONS = ["Virtual", "Main service desk", "Research & Instruction office", "IDEAS lab"]


class Command(BaseCommand):
    help = "Load demo departments, operators, canned messages, locations and queues."

    @transaction.atomic
    def handle(self, *args, **options):
        departments = {}
        for name, slug, position in DEPARTMENTS:
            departments[slug], _ = Department.objects.update_or_create(
                slug=slug, defaults={"name": name, "position": position, "active": True}
            )
        sync_role_groups(apps)
        for username, first, last, slugs, password, role in PEOPLE:
            user, created = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@library.example.edu"
            # The demo supervisor also gets the is_staff flag, so that Django's own admin pages
            # (users, groups) are open to them; every other right comes from the role group.
            user.is_staff = role == SUPERVISOR
            user.is_superuser = False
            if created:
                user.set_password(password)
            user.save()
            user.departments.set([departments[s] for s in slugs])
            user.groups.set([Group.objects.get(name=role)])
        for slug, body in WELCOMES.items():
            department = departments[slug]
            CannedMessage.objects.update_or_create(
                department=department, title=f"{department.name} welcome", defaults={"body": body, "position": 0}
            )
        for position, (title, body) in enumerate(GLOBAL_CANNED, start=1):
            CannedMessage.objects.update_or_create(
                department=None, title=title, defaults={"body": body, "position": position}
            )
        for position, name in enumerate(LOCATIONS):
            Location.objects.update_or_create(name=name, defaults={"position": position})
        install_default_choices()
        for name, slug, _ in DEPARTMENTS:
            Queue.objects.update_or_create(
                slug=slug,
                defaults={"name": name, "department": departments[slug], "is_default": slug == "access-services"},
            )
        self.stdout.write(self.style.SUCCESS("Demo desk loaded. Sign in at /accounts/login/ with:"))
        for username, _first, _, slugs, password, role in PEOPLE:
            names = ", ".join(departments[s].name for s in slugs)
            self.stdout.write(f"  {username:<11} {password:<22} {role}: {names}")
