"""Reference Analytics: one row per reference interaction, with no patron identity."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Choice(models.Model):
    """A choice supervisors manage in admin. Inactive choices leave the forms but stay in old reports."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Location(Choice):
    """Where the question was answered (Virtual, Main desk...)."""

    class Meta(Choice.Meta):
        verbose_name = _("location")
        verbose_name_plural = _("locations")


class QuestionType(Choice):
    """What the question was about (Directional, Research, Technology...)."""

    class Meta(Choice.Meta):
        verbose_name = _("question type")
        verbose_name_plural = _("question types")


class PatronType(Choice):
    """Who asked, as a category only (Undergraduate, Faculty, Community...)."""

    class Meta(Choice.Meta):
        verbose_name = _("patron type")
        verbose_name_plural = _("patron types")


class ReferralSource(Choice):
    """Who sent the patron to the desk (a faculty member, another desk, the website...)."""

    class Meta(Choice.Meta):
        verbose_name = _("referral source")
        verbose_name_plural = _("referral sources")


class ReadScale(models.IntegerChoices):
    """The READ scale (Reference Effort Assessment Data, Bella Karr Gerlich): effort, not difficulty."""

    DIRECTIONAL = 1, _("1 · Directional: no expertise or resources")
    BASIC = 2, _("2 · Basic: minimal knowledge, a quick look-up")
    SOME_KNOWLEDGE = 3, _("3 · Some reference knowledge and skills")
    SEVERAL_RESOURCES = 4, _("4 · Several resources, more instruction")
    SUBSTANTIAL = 5, _("5 · Substantial research, colleagues consulted")
    IN_DEPTH = 6, _("6 · In-depth research, extended effort")


# Modes of the questions recorded by hand with Record interaction; chats and tickets record their own.
DESK_MODE_VALUES = ("in_person", "phone", "email")


class Interaction(models.Model):
    class Mode(models.TextChoices):
        CHAT = "chat", _("Chat")
        SMS = "sms", _("SMS")
        PHONE = "phone", _("Phone")
        EMAIL = "email", pgettext_lazy("how a question arrived", "Email")
        IN_PERSON = "in_person", _("In person")
        TICKET = "ticket", _("Ticket")

    DESK_MODES = tuple(map(Mode, DESK_MODE_VALUES))

    happened_at = models.DateTimeField(_("happened at"), default=timezone.now)
    mode = models.CharField(pgettext_lazy("interaction mode", "mode"), max_length=20, choices=Mode.choices)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, verbose_name=_("location"))
    duration_minutes = models.PositiveIntegerField(
        _("duration minutes"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    # No index of their own: reports filter them inside the date range, where the covering index
    # below is faster than one on the column (it sends the scan back to the table for every row).
    department = models.ForeignKey(
        "deskservice.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        verbose_name=_("department"),
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        verbose_name=_("operator"),
    )
    question_type = models.ForeignKey(
        QuestionType, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("question type")
    )
    read_scale = models.PositiveSmallIntegerField(_("READ scale"), choices=ReadScale.choices, null=True, blank=True)
    patron_type = models.ForeignKey(
        PatronType, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("patron type")
    )
    # Two fields that students confused side by side: the kind of source, from the supervisor's
    # list, and the free-text name of who exactly referred the patron (a transfer fills in the operator).
    referral_source = models.ForeignKey(
        ReferralSource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("referral source"),
        help_text=_("What kind of source sent the patron to us: pick one from the list."),
    )
    referred_by = models.CharField(
        _("referred by (who sent the patron to us)"),
        max_length=100,
        blank=True,
        help_text=_("A name, in your own words: “Prof. Ortiz”, “Circulation desk”. A transfer fills it in."),
    )
    notes = models.TextField(_("notes"), blank=True)
    chat = models.OneToOneField(
        "chat.Chat",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interaction",
        verbose_name=pgettext_lazy("a patron chat", "chat"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        verbose_name=_("ticket"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-happened_at"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        permissions = [("view_reports", "Can view Reference Analytics reports")]
        indexes = [
            # Every report query filters on a date range and groups by these columns: with them
            # in the index, PostgreSQL can answer from the index alone (docs/performance.md).
            # SQLite has no covering indexes: it keeps the key column only (system check W040 says so).
            models.Index(
                fields=["happened_at"],
                include=[
                    "mode",
                    "location",
                    "department",
                    "operator",
                    "question_type",
                    "read_scale",
                    "duration_minutes",
                ],
                name="interaction_report",
            ),
            # Record interaction remembers where the operator last recorded a question by hand.
            models.Index(
                fields=["operator", "-happened_at"],
                condition=Q(mode__in=DESK_MODE_VALUES),
                name="interaction_desk_by_operator",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(read_scale__isnull=True) | Q(read_scale__gte=1, read_scale__lte=6),
                name="interaction_read_scale_1_to_6",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=24 * 60),
                name="interaction_duration_1_minute_to_1_day",
            ),
        ]

    def __str__(self):
        return f"{self.get_mode_display()} at {self.happened_at:%Y-%m-%d %H:%M}"


class FormSettings(models.Model):
    """Which optional fields the interaction forms require. One row; location, mode, duration are always required."""

    SINGLETON_ID = 1
    # Form field name -> the flag that makes it required.
    CONFIGURABLE = {
        "question_type": "question_type_required",
        "read_scale": "read_scale_required",
        "patron_type": "patron_type_required",
        "referral_source": "referral_source_required",
        "notes": "notes_required",
    }

    question_type_required = models.BooleanField(_("Require question type"), default=False)
    read_scale_required = models.BooleanField(_("Require READ scale"), default=False)
    patron_type_required = models.BooleanField(_("Require patron type"), default=False)
    referral_source_required = models.BooleanField(_("Require referral source"), default=False)
    notes_required = models.BooleanField(_("Require notes"), default=False)

    class Meta:
        verbose_name = _("required fields setting")
        verbose_name_plural = _("required fields")

    def __str__(self):
        return gettext("Required fields of the interaction forms")

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "FormSettings":
        settings_row, _ = cls.objects.get_or_create(pk=cls.SINGLETON_ID)
        return settings_row

    def required_fields(self) -> set[str]:
        return {field for field, flag in self.CONFIGURABLE.items() if getattr(self, flag)}


class RollupBucket(models.Model):
    """Common shape of the report pre-aggregates: a count and a sum of minutes per bucket.

    Keys are plain integers, 0 standing for "not recorded": a unique key with NULLs in it would
    never conflict, and the upsert that keeps these tables current needs it to (analytics/rollup.py).
    They are not foreign keys for the same reason, and so that deleting a department leaves the
    history intact; `manage.py rebuild_report_rollups` recomputes everything from the interactions.
    """

    day = models.DateField()  # in the library's time zone, like every figure of the reports
    mode = models.CharField(max_length=20)
    location_id = models.IntegerField()
    department_id = models.IntegerField()
    operator_id = models.IntegerField()
    count = models.IntegerField(default=0)
    minutes = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.count} interactions on {self.day}"


class DailyRollup(RollupBucket):
    """Interactions per day and per combination of every breakdown of the reports page."""

    question_type_id = models.IntegerField()
    read_scale = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "mode",
                    "location_id",
                    "department_id",
                    "operator_id",
                    "question_type_id",
                    "read_scale",
                ],
                name="daily_rollup_bucket",
            )
        ]


class MonthlyRollup(RollupBucket):
    """The daily rollup summed by month (`day` is the first of the month): a year of a busy desk
    makes about 900 daily rows a day but under 3,000 combinations a month."""

    question_type_id = models.IntegerField()
    read_scale = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "mode",
                    "location_id",
                    "department_id",
                    "operator_id",
                    "question_type_id",
                    "read_scale",
                ],
                name="monthly_rollup_bucket",
            )
        ]


class HourlyRollup(RollupBucket):
    """Interactions per hour of the library's clock and per combination of the page's filters:
    the counts over time and the hour x weekday heatmap."""

    hour = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "hour", "mode", "location_id", "department_id", "operator_id"],
                name="hourly_rollup_bucket",
            )
        ]
