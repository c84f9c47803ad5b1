"""Patron chats, their messages, the events in their lives, canned messages and transcripts."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def hash_token(token: str) -> str:
    """Tokens are stored hashed: a leaked database backup does not open anyone's chat."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Chat(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    # Which statuses each status may move to; services change status only through
    # Chat.can_move_to so that the flow is written down once.
    TRANSITIONS = {
        Status.WAITING: {Status.ACTIVE, Status.ENDED},
        Status.ACTIVE: {Status.ENDED},
        Status.ENDED: set(),
    }

    class Source(models.TextChoices):
        WEB = "web", _("Web")
        SMS = "sms", _("SMS")

    class EndedBy(models.TextChoices):
        PATRON = "patron", _("Patron")
        OPERATOR = "operator", _("Operator")
        SYSTEM = "system", _("System")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    department = models.ForeignKey("deskservice.Department", on_delete=models.PROTECT, related_name="chats")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    question = models.TextField()
    patron_name = models.CharField(max_length=100, blank=True)
    patron_email = models.EmailField(blank=True)
    page_url = models.URLField(max_length=500, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The patron's language (settings.LANGUAGES): their transcript email is written in it.
    language = models.CharField(max_length=10, default="en")
    # Set when the retention run (or an erasure request) removed the patron's data.
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # A keyed hash of the patron's address, so that a ban can name the client (chat.bans).
    client_hash = models.CharField(max_length=64, blank=True, editable=False)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="chats"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # While waiting, the widget's socket says it is still there every DESK_PATRON_HEARTBEAT_SECONDS:
    # a chat whose patron closed the tab is ended as left while waiting (chat/abandoned.py).
    patron_seen_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=10, choices=EndedBy.choices, blank=True)
    # Set when the operator presses Close Chat: the chat leaves their dashboard.
    closed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        permissions = [("reassign_chat", "Can reassign any chat to another operator")]
        indexes = [
            # The queue: waiting chats of a department in arrival order (STACK-NOTES: without
            # a partial index, claims and queue positions slow down by two orders of magnitude).
            models.Index(
                fields=["department", "created_at", "id"],
                condition=Q(status="waiting"),
                name="chat_waiting_queue",
            ),
            models.Index(fields=["operator", "closed_at"], name="chat_operator_open"),
            # Chat service figures in the reports filter chats by date range.
            models.Index(fields=["created_at"], name="chat_created_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="chat_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(operator__isnull=False), name="chat_active_has_operator"
            ),
        ]

    def __str__(self):
        return f"Chat {self.short_id} ({self.get_status_display()})"

    @property
    def short_id(self):
        return str(self.id)[:8]

    def can_move_to(self, status) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    def token_matches(self, token: str) -> bool:
        return bool(token) and secrets.compare_digest(self.token_hash, hash_token(token))

    @property
    def duration_minutes(self) -> int:
        """Minutes from claim (or arrival) to end, rounded up: what Reference Analytics records."""
        start = self.claimed_at or self.created_at
        end = self.ended_at or timezone.now()
        seconds = max(0, (end - start).total_seconds())
        return max(1, int(-(-seconds // 60)))

    @property
    def patron_label(self):
        return self.patron_name or "Patron"


class Message(models.Model):
    """One line of a chat. Its id orders the chat and is what clients catch up from."""

    class Sender(models.TextChoices):
        PATRON = "patron", _("Patron")
        OPERATOR = "operator", _("Operator")
        SYSTEM = "system", _("System")

    # No index of its own: message_chat_id (chat, id) below serves every lookup by chat, and
    # each index is written again on every message (docs/performance.md).
    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="messages", db_index=False)
    sender = models.CharField(max_length=10, choices=Sender.choices)
    # Indexed only where set (message_operator below): most messages are the patron's, and
    # an index entry for each of their NULLs was written on every message for no look-up.
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["chat", "id"], name="message_chat_id"),
            # Serves "operator_id = X" (the SET_NULL when a user is deleted, and the foreign
            # key's check): an equality implies NOT NULL, so PostgreSQL uses a partial index.
            models.Index(fields=["operator"], name="message_operator", condition=models.Q(operator__isnull=False)),
        ]

    def __str__(self):
        return f"{self.sender}: {self.body[:40]}"


class ChatEvent(models.Model):
    """An audit row for every transition of a chat; history and analytics read these."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CLAIMED = "claimed", _("Claimed")
        ENDED = "ended", _("Ended")
        CLOSED = "closed", pgettext_lazy("chat event", "Closed")
        TRANSCRIPT_REQUESTED = "transcript_requested", _("Transcript requested")
        RATED = "rated", _("Rated")
        TRANSFERRED = "transferred", _("Transferred")
        TRANSFER_REQUESTED = "transfer_requested", _("Transfer requested")
        REASSIGNED = "reassigned", _("Reassigned by a supervisor")
        PATRON_UPDATED = "patron_updated", _("Patron information updated")
        PARTICIPANT_JOINED = "participant_joined", _("An operator stayed in the chat")
        PARTICIPANT_LEFT = "participant_left", _("An operator left the chat")

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class CannedMessage(models.Model):
    """A prepared message. Global when it has no department.

    The body may use {patron_name}, {operator_name} and {department}.
    """

    title = models.CharField(max_length=100)
    body = models.TextField()
    department = models.ForeignKey(
        "deskservice.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_messages",
        help_text="Leave empty for a message every department can use.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self):
        return self.title


class TranscriptEmail(models.Model):
    """A request to email a chat's transcript; the Celery task sends it once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="transcript_emails")
    to_email = models.EmailField()
    requested_by = models.CharField(max_length=10, choices=Message.Sender.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the task should next try (now, or after a retry's wait): the outbox sweep queues a
    # pending row again once this is long past, since its task was then lost.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="transcript_pending_due")
        ]

    def __str__(self):
        return f"Transcript of {self.chat.short_id} to {self.to_email} ({self.status})"


class Transfer(models.Model):
    """A request to hand a patron chat to another operator or department.

    Recorded whatever its outcome, so Reference Analytics can fill *referred by* and the
    reports can count transfers.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Not answered in time")
        CANCELLED = "cancelled", _("Cancelled")

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="transfers")
    from_operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="transfers_sent"
    )
    to_operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers_received"
    )
    to_department = models.ForeignKey("deskservice.Department", null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)
    # The sender asked to stay in the chat once it is accepted (a three-way chat: ChatParticipant).
    from_operator_stays = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # Two transfers started at once: the database lets exactly one wait for an answer.
            models.UniqueConstraint(
                fields=["chat"], condition=Q(status="pending"), name="one_pending_transfer_per_chat"
            ),
            models.CheckConstraint(
                condition=Q(to_operator__isnull=False) | Q(to_department__isnull=False), name="transfer_has_target"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="transfer_pending_age")]

    def __str__(self):
        return f"Transfer of {self.chat.short_id} ({self.get_status_display()})"

    @property
    def target_name(self):
        if self.to_operator_id:
            return self.to_operator.display_name
        return self.to_department.name if self.to_department_id else ""


class ChatParticipant(models.Model):
    """An operator in a patron chat besides its owner: who transferred it and stayed (LibChat's
    three-way chat after a transfer). They read and write in it until they leave; only the
    owner (Chat.operator) ends, transfers or closes it, so leaving never ends the chat."""

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="participations")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_participations")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            # Staying twice would show the chat twice and announce two departures.
            models.UniqueConstraint(
                fields=["chat", "operator"], condition=Q(left_at__isnull=True), name="one_active_participation"
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("joined_at")),
                name="participant_leaves_after_joining",
            ),
        ]
        # Every dashboard snapshot looks up the chats its operator is still in.
        indexes = [
            models.Index(fields=["operator"], condition=Q(left_at__isnull=True), name="participant_active_operator")
        ]

    def __str__(self):
        return f"{self.operator} in {self.chat.short_id}"

    @property
    def active(self) -> bool:
        return self.left_at is None


class InternalConversation(models.Model):
    """Staff-only chat: one-to-one between operators, or a department's room.

    Never reaches a patron or a transcript. A department room is seen by the department's
    operators and by anyone from elsewhere who has written in it (asking to transfer).
    """

    class Kind(models.TextChoices):
        DIRECT = "direct", _("One-to-one")
        DEPARTMENT = "department", _("Department")
        ALL_STAFF = "all", _("All staff")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # "direct:<low id>:<high id>" or "department:<id>": one conversation per pair or room.
    key = models.CharField(max_length=50, unique=True)
    department = models.ForeignKey("deskservice.Department", null=True, blank=True, on_delete=models.CASCADE)
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="internal_conversations")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.key


class InternalMessage(models.Model):
    conversation = models.ForeignKey(InternalConversation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="internal_message_conv_id")]

    def __str__(self):
        return self.body[:40]


class InternalReadMark(models.Model):
    """The last internal message an operator has read in a conversation: unread counts."""

    conversation = models.ForeignKey(InternalConversation, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="one_read_mark")]

    def __str__(self):
        return f"{self.user} read {self.conversation} up to {self.last_read_id}"


class Ban(models.Model):
    """A patron kept out for a while after an abusive or spam chat.

    Holds only a keyed hash of the client's address (or an SMS number), never the address
    itself: enough to recognise the client, useless to anyone reading the table.
    """

    client_hash = models.CharField(max_length=64, db_index=True)
    chat = models.ForeignKey(Chat, null=True, blank=True, on_delete=models.SET_NULL, related_name="bans")
    reason = models.CharField(max_length=200, blank=True)
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="ban_ends_after_start"
            )
        ]

    def __str__(self):
        return f"Ban until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None and self.expires_at > timezone.now()


# Models of the SMS, attachment and screenshare parts live beside their code; importing them here
# registers them with the chat app.
from chat.attachments.models import ChatAttachment  # noqa: E402, F401
from chat.screenshare.models import MeetingRoom, ScreenshareRequest  # noqa: E402, F401
from chat.sms.models import IncomingSms, OutgoingSms, SmsConversation  # noqa: E402, F401
