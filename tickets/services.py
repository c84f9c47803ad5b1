"""Every change to a ticket goes through these functions.

Each one checks its rule, locks the ticket, writes the change with a TicketChange row for
every field it changes, queues mail with `transaction.on_commit`, and publishes the
dashboard counts after commit. Views, the widget API and the inbound mail handler only
parse, authorise and call them; they turn a TicketError into a clear message.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from deskservice import audit, outbox, roles
from deskservice.languages import supported_language
from deskservice.selectors import is_operator
from tickets import events, selectors
from tickets.attachments import store_attachment
from tickets.mail import desk_address, new_message_id, one_line
from tickets.models import OutgoingEmail, Queue, Ticket, TicketChange, TicketMessage

MAX_QUESTION = 10000
MAX_BODY = 20000


class TicketError(Exception):
    """A rule of the desk refused the action; `str(error)` is a sentence for the user."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class TicketConflict(TicketError):
    """Someone else changed the ticket since the form was loaded."""

    status_code = 409


class NotAllowed(TicketError):
    status_code = 403


@dataclass
class IncomingFile:
    filename: str
    content_type: str
    data: bytes


# --- Opening tickets ------------------------------------------------------------------------


def default_queue_for(department=None) -> Queue:
    queue = None
    if department is not None:
        queue = Queue.objects.filter(department=department).order_by("id").first()
    queue = queue or Queue.objects.filter(is_default=True).first() or Queue.objects.order_by("id").first()
    if queue is None:
        raise TicketError(gettext_noop("The desk has no ticket queue yet; a supervisor must create one in admin."))
    return queue


def create_ticket(
    *,
    question: str,
    email: str,
    source: str,
    name: str = "",
    phone: str = "",
    queue=None,
    department=None,
    subject: str = "",
    operator=None,
    assignee=None,
    note: str = "",
    acknowledge: bool | None = None,
    source_message_id: str = "",
    files: list[IncomingFile] = (),
    language: str = "",
) -> Ticket:
    """Open a ticket for follow-up by email. The email address is required and validated.

    Tickets left through the widget's form or by email get an acknowledgement (pass
    `acknowledge=False` for automatic mail, which must never be answered). Publishes new
    dashboard counts to the queue's operators.
    """
    question = _clean_body(
        question, field="question", limit=MAX_QUESTION, empty=gettext_noop("Please write your question.")
    )
    email = _clean_email(email)
    if operator is not None:
        _require_operator(operator)
    if acknowledge is None:
        acknowledge = source in {Ticket.Source.WIDGET, Ticket.Source.EMAIL}
    with transaction.atomic():
        ticket = _open_ticket(
            queue=queue or default_queue_for(department),
            source=source,
            subject=subject or question,
            question=question,
            name=name,
            email=email,
            phone=phone,
            operator=operator,
            assignee=assignee,
            note=note,
            source_message_id=source_message_id,
            language=language,
        )
        for file in files:
            store_attachment(ticket=ticket, filename=file.filename, content_type=file.content_type, data=file.data)
        if acknowledge:
            _queue_email(ticket, OutgoingEmail.Kind.ACKNOWLEDGEMENT, to=email)
    return ticket


def create_ticket_from_chat(
    *,
    chat,
    operator,
    queue,
    email: str,
    name: str = "",
    phone: str = "",
    question: str = "",
    assignee=None,
    note: str = "",
) -> Ticket:
    """Create Ticket from a chat, during it or after it ended: the ticket keeps the chat (its
    transcript) and the patron's contact, and the patron is told in the chat that follow-up
    comes by email. A chat becomes at most one ticket; pressing Create Ticket twice is refused."""
    from chat.models import Chat
    from chat.services import in_patron_language, post_system_message

    _require_operator(operator)
    if not selectors.may_create_ticket_from(operator, chat):
        raise NotAllowed(
            gettext("Only operators of %(department)s can create a ticket from this chat.")
            % {"department": chat.department.name}
        )
    question = _clean_body(question or chat.question, field="question", limit=MAX_QUESTION, empty="")
    email = _clean_email(email)
    source = Ticket.Source.SMS if chat.source == Chat.Source.SMS else Ticket.Source.CHAT
    try:
        with transaction.atomic():
            # Serialises two Create Ticket clicks on the same chat; the unique constraint backs it up.
            Chat.objects.select_for_update().filter(pk=chat.pk).first()
            existing = Ticket.objects.filter(chat=chat).first()
            if existing:
                raise TicketConflict(
                    gettext("This chat already became ticket #%(number)s.") % {"number": existing.number}
                )
            ticket = _open_ticket(
                queue=queue,
                source=source,
                subject=question,
                question=question,
                name=name or chat.patron_name,
                email=email,
                phone=phone,
                operator=operator,
                assignee=assignee,
                note=note,
                chat=chat,
            )
            post_system_message(
                chat=chat,
                body=in_patron_language(
                    chat,
                    gettext_noop(
                        "We created ticket #%(number)s for your question. Follow-up will come by email to %(email)s."
                    ),
                    number=ticket.number,
                    email=email,
                ),
            )
    except IntegrityError:
        existing = Ticket.objects.filter(chat=chat).first()
        raise TicketConflict(
            gettext("This chat already became ticket #%(number)s.") % {"number": existing.number if existing else "?"}
        ) from None
    return ticket


def _open_ticket(
    *,
    queue,
    source,
    subject,
    question,
    name,
    email,
    phone,
    operator,
    assignee,
    note,
    chat=None,
    source_message_id="",
    language="",
) -> Ticket:
    if assignee is not None:
        _require_assignable(assignee)
    ticket = Ticket.objects.create(
        queue=queue,
        source=source,
        # Subjects end up in mail headers: no line breaks may reach them.
        subject=one_line(subject, 120) or "(no subject)",
        question=question,
        patron_name=one_line(name, 100),
        patron_email=email,
        patron_phone=one_line(phone, 30),
        assignee=assignee,
        chat=chat,
        source_message_id=source_message_id[:255],
        language=supported_language(language) or (chat.language if chat else settings.LANGUAGE_CODE),
    )
    _record(ticket, operator, TicketChange.Field.CREATED, "", Ticket.Source(ticket.source).label)
    if assignee is not None:
        _record(ticket, operator, TicketChange.Field.ASSIGNEE, "", assignee.display_name)
    note = (note or "").strip()
    if note:
        TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.NOTE, author=operator, body=note[:MAX_BODY])
    _publish_counts(queues=[queue.pk], people=[assignee.pk if assignee else None])
    return ticket


# --- Working a ticket ------------------------------------------------------------------------


def reply_to_ticket(*, ticket, operator, body: str, close: bool = False, expected_version=None) -> TicketMessage:
    """Reply: email the patron. The ticket then waits for them (pending), or, with Submit as
    Closed, is closed in the same step. Refused if the ticket changed since the form was loaded."""
    _require_operator(operator)
    body = _clean_body(body, field="body", limit=MAX_BODY, empty=gettext_noop("Write a reply before sending it."))
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        message_id = new_message_id(ticket)
        entry = TicketMessage.objects.create(
            ticket=ticket,
            kind=TicketMessage.Kind.REPLY,
            author=operator,
            from_email=desk_address(),
            to_email=ticket.patron_email,
            body=body,
            message_id=message_id,
        )
        _queue_email(ticket, OutgoingEmail.Kind.REPLY, to=ticket.patron_email, entry=entry)
        if ticket.status == Ticket.Status.CLOSED and not close:
            _move(ticket, Ticket.Status.OPEN, operator)  # A follow-up on a closed ticket reopens it first.
        _move(ticket, Ticket.Status.CLOSED if close else Ticket.Status.PENDING, operator)
        _saved(ticket)
    return entry


def add_internal_note(*, ticket, operator, body: str) -> TicketMessage:
    """Internal note: seen by staff only, never emailed. Notes never conflict: nothing is overwritten."""
    _require_operator(operator)
    body = _clean_body(body, field="body", limit=MAX_BODY, empty=gettext_noop("Write the note before saving it."))
    with transaction.atomic():
        ticket = _lock(ticket, None)
        entry = TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.NOTE, author=operator, body=body)
        _saved(ticket)
    return entry


def change_ticket_status(*, ticket, operator, status: str, expected_version=None) -> Ticket:
    """Move the ticket along its status flow (Ticket.TRANSITIONS)."""
    _require_operator(operator)
    if status not in Ticket.Status.values:
        raise TicketError(gettext_noop("Choose open, pending or closed."), field="status")
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        if ticket.status == status:
            return ticket
        _move(ticket, status, operator)
        _saved(ticket)
    return ticket


def transfer_ticket(
    *, ticket, operator, queue, assignee=None, team=None, note: str = "", close: bool = False, expected_version=None
) -> Ticket:
    """Assign/Transfer: to a person, another queue (unassigned when nobody is chosen), or an
    external team, which is emailed the ticket (question, transcript, note). `close` closes it
    on our side in the same step. Without a team the note is kept as an internal note."""
    _require_operator(operator)
    if assignee is not None:
        _require_assignable(assignee)
    if team is not None and not team.active:
        raise TicketError(gettext("%(team)s no longer takes referrals.") % {"team": team.name}, field="team")
    note = (note or "").strip()[:MAX_BODY]
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        old_queue, old_assignee = ticket.queue_id, ticket.assignee_id
        if queue.pk != ticket.queue_id:
            _record(ticket, operator, TicketChange.Field.QUEUE, ticket.queue.name, queue.name)
            audit.record(
                actor=operator, action=audit.Action.CHANGED_TICKET_QUEUE, target=ticket, old=old_queue, new=queue.pk
            )
            ticket.queue = queue
        if (assignee.pk if assignee else None) != ticket.assignee_id:
            _require_may_reassign(ticket, operator)
            before = ticket.assignee.display_name if ticket.assignee_id else ""
            _record(ticket, operator, TicketChange.Field.ASSIGNEE, before, assignee.display_name if assignee else "")
            audit.record(
                actor=operator,
                action=audit.Action.CHANGED_TICKET_ASSIGNEE,
                target=ticket,
                old=old_assignee,
                new=assignee.pk if assignee else None,
            )
            ticket.assignee = assignee
        if team is not None:
            _refer(ticket, operator, team, note)
        elif note:
            TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.NOTE, author=operator, body=note)
        if close:
            _move(ticket, Ticket.Status.CLOSED, operator)
        _saved(ticket, extra=["queue", "assignee", "external_team"])
        _publish_counts(queues=[old_queue, queue.pk], people=[old_assignee, ticket.assignee_id])
    return ticket


def _require_may_reassign(ticket, operator) -> None:
    """Anyone may take an unassigned ticket or pass on their own; taking a colleague's ticket
    away from them is for (backup) supervisors."""
    if ticket.assignee_id in (None, operator.pk) or operator.has_perm(roles.REASSIGN_TICKET):
        return
    raise TicketError(
        gettext("This ticket is assigned to %(name)s; only a supervisor can reassign it.")
        % {"name": ticket.assignee.display_name},
        field="assignee",
    )


def take_ticket(*, ticket, operator, expected_version=None) -> Ticket:
    """Assign the ticket to myself, keeping its queue."""
    return transfer_ticket(
        ticket=ticket, operator=operator, queue=ticket.queue, assignee=operator, expected_version=expected_version
    )


def _refer(ticket, operator, team, note: str) -> None:
    if ticket.external_team_id != team.pk:
        before = ticket.external_team.name if ticket.external_team_id else ""
        _record(ticket, operator, TicketChange.Field.EXTERNAL_TEAM, before, team.name)
        ticket.external_team = team
    entry = TicketMessage.objects.create(
        ticket=ticket,
        kind=TicketMessage.Kind.REFERRAL,
        author=operator,
        from_email=desk_address(),
        to_email=team.email,
        body=note,
        message_id=new_message_id(ticket),
    )
    _queue_email(ticket, OutgoingEmail.Kind.REFERRAL, to=team.email, entry=entry)


# --- Mail that arrives -----------------------------------------------------------------------


def add_email_to_ticket(
    *,
    ticket,
    kind: str,
    from_name: str,
    from_email: str,
    body: str,
    quoted: str = "",
    message_id: str = "",
    automatic: bool = False,
    files: list[IncomingFile] = (),
    incident_team=None,
    subject: str = "",
) -> TicketMessage:
    """Thread an email into its ticket. A person's reply reopens a pending or closed ticket;
    automatic replies and delivery failures change nothing. Mail from an external team is
    searched for its incident number, which is stored on the ticket; a help desk's receipt
    that carries it needs no further work, so it does not reopen the ticket either."""
    with transaction.atomic():
        ticket = _lock(ticket, None)
        entry = TicketMessage.objects.create(
            ticket=ticket,
            kind=kind,
            from_name=one_line(from_name, 100),
            from_email=from_email[:254],
            to_email=desk_address(),
            body=body or "(no text)",
            quoted=quoted,
            message_id=message_id[:255],
            automatic=automatic,
        )
        for file in files:
            store_attachment(
                ticket=ticket, message=entry, filename=file.filename, content_type=file.content_type, data=file.data
            )
        new_incident = False
        if incident_team is not None:
            number = incident_team.find_incident_number(subject, body)
            if number and number != ticket.incident_number:
                _record(ticket, None, TicketChange.Field.INCIDENT_NUMBER, ticket.incident_number, number)
                ticket.incident_number = number
                new_incident = True
        person_wrote = kind in {TicketMessage.Kind.PATRON, TicketMessage.Kind.EXTERNAL} and not automatic
        if person_wrote and not new_incident and ticket.status != Ticket.Status.OPEN:
            _move(ticket, Ticket.Status.OPEN, None)
        _saved(ticket, extra=["incident_number"])
    return entry


# --- Rules --------------------------------------------------------------------------------


def _lock(ticket, expected_version) -> Ticket:
    """The ticket's row, locked for this transaction; refused when it moved past `expected_version`."""
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue", "assignee", "external_team")
        .get(pk=ticket.pk)
    )
    if expected_version is not None and locked.version != int(expected_version):
        what = selectors.last_activity(locked) or gettext("Someone changed this ticket")
        raise TicketConflict(
            gettext(
                "%(what)s while you were working on it, so nothing was saved. "
                "Read the latest version below and try again; your text is still in the form."
            )
            % {"what": what}
        )
    return locked


def _move(ticket, status, actor) -> None:
    if ticket.status == status:
        return
    if not ticket.can_move_to(status):
        raise TicketError(
            gettext("A %(current)s ticket cannot become %(next)s.")
            % {"current": ticket.get_status_display().lower(), "next": Ticket.Status(status).label.lower()},
            field="status",
        )
    _record(ticket, actor, TicketChange.Field.STATUS, Ticket.Status(ticket.status).label, Ticket.Status(status).label)
    closing_or_reopening = Ticket.Status.CLOSED in (ticket.status, status)
    ticket.status = status
    ticket.closed_at = timezone.now() if status == Ticket.Status.CLOSED else None
    if closing_or_reopening:
        # The counts are of tickets not closed: only a move into or out of closed changes them.
        _publish_counts(queues=[ticket.queue_id], people=[ticket.assignee_id])


def _saved(ticket, extra=()) -> None:
    ticket.version += 1
    ticket.save(update_fields=["status", "closed_at", "version", "updated_at", *extra])


def _record(ticket, actor, field, old, new) -> None:
    # Labels (status, source) are stored in the desk's language, whoever acts; the history shows
    # them in its reader's (TicketChange.shown_old_value).
    with translation.override(settings.LANGUAGE_CODE):
        old, new = str(old)[:200], str(new)[:200]
    TicketChange.objects.create(ticket=ticket, actor=actor, field=field, old_value=old, new_value=new)


def _queue_email(ticket, kind, *, to: str, entry=None) -> OutgoingEmail:
    from tickets.tasks import send_ticket_email

    outgoing = OutgoingEmail.objects.create(
        ticket=ticket,
        ticket_message=entry,
        kind=kind,
        to_email=to,
        message_id=entry.message_id if entry and entry.message_id else new_message_id(ticket),
    )
    # With the broker down the email stays pending (the outbox sweep sends it later): the reply
    # is saved either way, and the operator is told (mail_waits_for_queue), never shown a 500.
    transaction.on_commit(lambda: outbox.enqueue(send_ticket_email, OutgoingEmail, outgoing.pk))
    return outgoing


MAIL_WAITING = gettext_noop(
    "The mail queue cannot be reached just now: the email is saved and will be sent by itself once it is back."
)


def mail_waits_for_queue(ticket) -> bool:
    """Whether an email of this ticket could not be queued (the broker was down) and waits for the sweep."""
    return OutgoingEmail.objects.filter(
        ticket=ticket, status=OutgoingEmail.Status.PENDING, last_error__startswith=outbox.NOT_QUEUED
    ).exists()


def send_email_again(*, outgoing, supervisor) -> OutgoingEmail:
    """Send again (admin): a failed ticket email goes back to the outbox with a fresh set of attempts."""
    from tickets.tasks import send_ticket_email

    _require_supervisor(supervisor)
    try:
        return outbox.send_again(model=OutgoingEmail, task=send_ticket_email, pk=outgoing.pk)
    except outbox.NotFailed as error:
        raise TicketError(str(error)) from None


def _publish_counts(*, queues, people) -> None:
    events.publish_ticket_counts(selectors.operators_to_tell(queue_ids=[q for q in queues if q], user_ids=people))


def _require_operator(user) -> None:
    if not is_operator(user):
        raise NotAllowed(gettext_noop("Only operators of a department can work on tickets."))


def _require_supervisor(user) -> None:
    if not user.has_perm(roles.RUN_DESK):
        raise NotAllowed(gettext_noop("Only supervisors can send failed emails again."))


def _require_assignable(user) -> None:
    if not selectors.assignable_operators().filter(pk=user.pk).exists():
        raise TicketError(
            gettext("%(name)s is not an operator and cannot be assigned tickets.") % {"name": user.display_name},
            field="assignee",
        )


def _clean_body(value, *, field: str, limit: int, empty: str) -> str:
    value = value.replace("\x00", "").strip() if isinstance(value, str) else ""
    if not value:
        raise TicketError(empty or f"The {field} cannot be empty.", field=field)
    if len(value) > limit:
        raise TicketError(f"The {field} is too long (at most {limit:,} characters).", field=field)
    return value


def _clean_email(value) -> str:
    email = value.strip() if isinstance(value, str) else ""
    try:
        validate_email(email)
    except ValidationError:
        raise TicketError(gettext_noop("An email address is needed so that we can reply."), field="email") from None
    return email
