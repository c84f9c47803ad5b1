"""The desk's four roles and what each may do: the one table that the migration, the demo data,
the test personas and every permission check read.

A library only puts people in groups. Each role includes the one before it: student
assistants chat, work tickets and record interactions; librarians also read the reports;
backup supervisors also reassign chats and tickets and read the audit; supervisors also run
the desk from the admin.
"""

from django.db.models import Q

STUDENT_ASSISTANT = "Student Assistant"
LIBRARIAN = "Librarian"
BACKUP_SUPERVISOR = "Backup Supervisor"
SUPERVISOR = "Supervisor"
ROLES = [STUDENT_ASSISTANT, LIBRARIAN, BACKUP_SUPERVISOR, SUPERVISOR]

# The permissions the code checks, by name.
WORK_DESK = "deskservice.work_desk"
VIEW_REPORTS = "analytics.view_reports"
REASSIGN_CHAT = "chat.reassign_chat"
REASSIGN_TICKET = "tickets.reassign_ticket"
VIEW_AUDIT = "deskservice.view_auditentry"
EXPORT_DATA = "deskservice.export_data"
ERASE_PATRON = "deskservice.erase_patron_data"
RUN_DESK = "deskservice.run_desk"

# What the desk's configuration is made of: a supervisor may view, add, change and delete these
# in the admin ("app_label.model").
CONFIGURATION = [
    "deskservice.department",
    "deskservice.shift",
    "deskservice.desksettings",
    "chat.cannedmessage",
    "tickets.queue",
    "tickets.externalteam",
    "analytics.location",
    "analytics.questiontype",
    "analytics.patrontype",
    "analytics.referralsource",
    "analytics.formsettings",
    "faq.faqentry",
]
# Supervisors look after the people, chats and tickets too, without deleting history.
SUPERVISED = ["deskservice.user", "chat.chat", "chat.ban", "tickets.ticket", "analytics.interaction"]
# The outbox: supervisors see each mail and text the desk sent or could not send, and Send again.
OUTBOX = ["chat.transcriptemail", "tickets.outgoingemail", "chat.outgoingsms"]

_STUDENT = [WORK_DESK, "analytics.add_interaction", "faq.add_faqentry"]
_LIBRARIAN = [*_STUDENT, VIEW_REPORTS, EXPORT_DATA]
_BACKUP = [*_LIBRARIAN, REASSIGN_CHAT, REASSIGN_TICKET, VIEW_AUDIT]
_CONFIGURE = [
    f"{app}.{verb}_{model}"
    for app, model in (name.split(".") for name in CONFIGURATION)
    for verb in ("view", "add", "change", "delete")
]
_SUPERVISE = [
    f"{app}.{verb}_{model}" for app, model in (name.split(".") for name in SUPERVISED) for verb in ("view", "change")
]
_OUTBOX = [f"{app}.view_{model}" for app, model in (name.split(".") for name in OUTBOX)]
# Supervisors configure operators, so they also add accounts (the admin keeps them to the four
# roles: deskservice.admin.OperatorAdmin).
_SUPERVISOR = [
    *_BACKUP,
    RUN_DESK,
    ERASE_PATRON,
    "auth.view_group",
    "deskservice.add_user",
    *_CONFIGURE,
    *_SUPERVISE,
    *_OUTBOX,
]

PERMISSIONS = {
    STUDENT_ASSISTANT: _STUDENT,
    LIBRARIAN: _LIBRARIAN,
    BACKUP_SUPERVISOR: _BACKUP,
    SUPERVISOR: _SUPERVISOR,
}


def sync_role_groups(apps) -> None:
    """Create the four groups and give each exactly its permissions (idempotent).

    Takes an app registry so that the data migration can pass its historical one; permissions
    of apps that are not installed (or not yet migrated) are skipped, and the post_migrate
    hook fills them in on the next migrate.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = Q(pk__in=[])
        for name in names:
            app_label, codename = name.split(".", 1)
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(wanted))


def role_of(user) -> str | None:
    """The highest role a user holds ("Supervisor" for a superuser), for display."""
    if user.is_superuser:
        return SUPERVISOR
    names = set(user.groups.values_list("name", flat=True))
    for role in reversed(ROLES):
        if role in names:
            return role
    return None
