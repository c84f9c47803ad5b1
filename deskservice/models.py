"""What the whole desk shares: departments, operators and their presence."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A service point that answers chats (Research & Instruction, Access Services...)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Order in the widget and dashboard.")
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive departments are hidden from patrons.")
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A member of staff. What they may do comes from their role group (deskservice.roles)."""

    class Availability(models.TextChoices):
        ONLINE = "online", pgettext_lazy("availability", "Online")
        AWAY = "away", pgettext_lazy("availability", "Away")

    departments = models.ManyToManyField(
        Department, blank=True, related_name="operators", verbose_name=_("departments")
    )
    availability = models.CharField(
        _("availability"), max_length=10, choices=Availability.choices, default=Availability.ONLINE
    )

    @property
    def display_name(self):
        return self.first_name or self.get_username()


class AlertPreferences(models.Model):
    """How the dashboard gets an operator's attention: sound and desktop pop-ups, and for which
    alerts. Kept on the server so that they follow the operator to any desk computer; an operator
    without a row has every alert on."""

    # The alerts an operator can switch off one by one, as the dashboard names them.
    KINDS = ("new_chats", "transfer_requests", "internal_messages")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="alert_preferences",
        verbose_name=_("user"),
    )
    sound = models.BooleanField(_("play a sound"), default=True)
    popups = models.BooleanField(_("show desktop pop-ups"), default=True)
    new_chats = models.BooleanField(_("new chats"), default=True)
    transfer_requests = models.BooleanField(_("transfer requests"), default=True)
    internal_messages = models.BooleanField(_("internal messages"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("alert preferences")

    def __str__(self):
        return f"Alerts of {self.user}"

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        return ("sound", "popups", *cls.KINDS)

    def as_dict(self) -> dict:
        return {field: getattr(self, field) for field in self.fields()}


class DashboardConnection(models.Model):
    """One open operator dashboard socket.

    Presence is derived from these rows rather than held in a process's memory, so every
    ASGI process agrees on it, and a row whose heartbeat stopped (browser or server died)
    stops counting after DESK_PRESENCE_TIMEOUT_SECONDS without anyone cleaning it up.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(default=timezone.now)
    last_heartbeat = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.user} @ {self.channel_name}"


class Shift(models.Model):
    """When an operator is on duty for a department: every week on a weekday, or on one date."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("operator")
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("department")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices, null=True, blank=True)
    date = models.DateField(
        _("date"), null=True, blank=True, help_text=_("For a one-off shift instead of a weekly one.")
    )
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))

    class Meta:
        ordering = ["weekday", "date", "starts_at"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(weekday__isnull=False, date__isnull=True)
                    | models.Q(weekday__isnull=True, date__isnull=False)
                ),
                name="shift_weekly_or_dated",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            ),
        ]

    def __str__(self):
        when = self.date.isoformat() if self.date else self.get_weekday_display()
        return f"{self.operator} — {self.department} — {when} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


EMBEDDING_SITES_CACHE_KEY = "desk:embedding-sites"


def contrast_with_white(colour: str) -> float | None:
    """WCAG contrast ratio of white text on `colour` (#rrggbb), or None if it is not one."""
    if len(colour) != 7 or not colour.startswith("#"):
        return None
    try:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    except ValueError:
        return None
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


class DeskSettings(models.Model):
    """What a supervisor changes in the admin without a deploy: one row, created on first use.

    The environment gives the defaults (settings.DESK_RETENTION_DAYS, ...); this row wins.
    """

    retention_days = models.PositiveIntegerField(
        _("retention days"),
        default=180,
        # 0 would erase every chat the moment it ends, before anyone could record or reread it.
        validators=[MinValueValidator(1, _("Keep patron data at least one day."))],
        help_text=_(
            "Chats and tickets older than this many days lose the patron's name, contact and words; "
            "the reference statistics stay."
        ),
    )
    meeting_url = models.URLField(
        _("meeting URL"),
        blank=True,
        help_text=_("The library's screen-sharing meeting link (Zoom, Jitsi...), used when an operator has none."),
    )
    embedding_sites = models.TextField(
        _("embedding sites"),
        blank=True,
        help_text=_(
            "Library web sites that may embed the chat widget, one per line (https://library.example.edu), "
            "besides those in the WIDGET_ALLOWED_ORIGINS setting."
        ),
    )
    widget_title = models.CharField(
        _("widget title"),
        max_length=60,
        blank=True,
        help_text=_("The widget's heading; empty for \"Ask a Librarian\" in the patron's language."),
    )
    widget_colour = models.CharField(
        _("widget colour"),
        max_length=7,
        default="#1d4ed8",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour like #1d4ed8."))],
        help_text=_("The widget's header and buttons, under white text (it must be dark enough to read)."),
    )
    # What patrons read before they open the chat. Plain text, escaped wherever it is shown. One
    # text serves both of the widget's languages unless its Spanish version is filled in.
    launcher_label = models.CharField(
        _("launcher label"),
        max_length=40,
        blank=True,
        help_text=_(
            'The words on the chat button of the library\'s pages; empty for "Ask a Librarian" in the '
            "patron's language. Shown in English and Spanish alike unless the Spanish label is set."
        ),
    )
    launcher_label_es = models.CharField(
        _("launcher label (Spanish)"),
        max_length=40,
        blank=True,
        help_text=_(
            "The button's words for patrons reading Spanish; empty to use the launcher label above "
            '(or "Pregunte a un bibliotecario" when that is empty too).'
        ),
    )
    welcome_text = models.TextField(
        _("welcome text"),
        max_length=500,
        blank=True,
        help_text=_(
            "A few words at the top of the widget's start form (plain text: hours, what to ask). "
            "Shown in English and Spanish alike unless the Spanish welcome is set."
        ),
    )
    welcome_text_es = models.TextField(
        _("welcome text (Spanish)"),
        max_length=500,
        blank=True,
        help_text=_("The welcome for patrons reading Spanish; empty to use the welcome text above."),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("desk settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(retention_days__gte=1), name="retention_at_least_one_day")
        ]
        permissions = [
            ("work_desk", "Can chat, work tickets and record interactions"),
            ("run_desk", "Can run the desk from the admin"),
            ("export_data", "Can export data to CSV"),
            ("erase_patron_data", "Can erase a patron's data on request"),
        ]

    def __str__(self):
        return gettext("Desk settings")

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Origin checks cache the list of sites; a change applies at once on every process.
        cache.delete(EMBEDDING_SITES_CACHE_KEY)

    def clean(self):
        ratio = contrast_with_white(self.widget_colour or "")
        if ratio is not None and ratio < 4.5:
            raise ValidationError(
                {
                    "widget_colour": gettext(
                        "White text on this colour has a contrast of %(ratio).1f:1; "
                        "choose a darker colour (at least 4.5:1, WCAG AA)."
                    )
                    % {"ratio": ratio}
                }
            )
        for line in self.embedding_sites.splitlines():
            if line.strip() and not URLValidator(schemes=["http", "https"]).regex.match(line.strip()):
                raise ValidationError(
                    {"embedding_sites": gettext("“%(site)s” is not a web address.") % {"site": line.strip()[:80]}}
                )

    def launcher_label_for(self, language: str) -> str:
        """The admin's button words in `language`, or "" for the widget's own words."""
        return (language == "es" and self.launcher_label_es) or self.launcher_label

    def welcome_text_for(self, language: str) -> str:
        return (language == "es" and self.welcome_text_es) or self.welcome_text

    def embedding_site_list(self) -> list[str]:
        return [line.strip() for line in self.embedding_sites.splitlines() if line.strip()]

    @classmethod
    def current(cls) -> "DeskSettings":
        row, _ = cls.objects.get_or_create(pk=1, defaults={"retention_days": settings.DESK_RETENTION_DAYS})
        return row


class AuditEntry(models.Model):
    """Who did what to patron data, and when: written by the services, never changed afterwards.

    Rows refuse save-after-create and delete in Python; on PostgreSQL a trigger refuses UPDATE
    and DELETE too, so not even a shell or the admin can rewrite history.
    """

    class Action(models.TextChoices):
        VIEWED_TRANSCRIPT = "viewed_transcript", _("Viewed a transcript")
        TRANSFERRED_CHAT = "transferred_chat", _("Transferred a chat")
        REASSIGNED_CHAT = "reassigned_chat", _("Reassigned a chat")
        CLOSED_CHAT = "closed_chat", _("Closed a chat")
        CHANGED_TICKET_QUEUE = "changed_ticket_queue", _("Changed a ticket's queue")
        CHANGED_TICKET_ASSIGNEE = "changed_ticket_assignee", _("Changed a ticket's assignee")
        EXPORTED = "exported", _("Exported data")
        ERASED_PATRON = "erased_patron", _("Erased a patron's data")
        RETENTION_RUN = "retention_run", _("Anonymised old chats and tickets")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(
        _("actor name"), max_length=150, blank=True, help_text=_("Kept if the account is deleted.")
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'}: {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries cannot be deleted.")
