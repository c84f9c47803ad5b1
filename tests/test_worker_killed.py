"""A Celery worker killed (SIGKILL) in the middle of sending a transcript: another worker sends
it, once.

The SMTP server is reached through a proxy of the test that stalls, so the first worker is
caught inside the task with the mail not yet accepted. Tasks are acknowledged late, so the
broker hands the task out again once its visibility timeout has passed (shortened here to 2 s).
"""

import signal
import time

import pytest

from chat.models import TranscriptEmail
from tests.faults import RedisServer, TcpProxy
from tests.live import Mailbox, Server, Worker, child_environment
from tests.test_transcript_mail_integration import post_json, start_and_answer, wait_until

pytestmark = [pytest.mark.integration]


def test_a_task_whose_worker_was_killed_runs_again_and_sends_once(transactional_db, alice, departments):
    redis, mailbox = RedisServer(name="redis-worker-killed"), Mailbox().start()
    smtp = TcpProxy([mailbox.port])
    smtp.stall()
    env = child_environment(
        REDIS_URL=redis.url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp.port,
        EMAIL_TIMEOUT="120",
        CELERY_TASK_ALWAYS_EAGER="false",
        CELERY_VISIBILITY_TIMEOUT="2",
    )
    processes = []
    try:
        processes.append(first := Worker(env, name="worker-to-kill"))
        processes.append(server := Server(env, name="server-worker-killed"))
        chat, started = start_and_answer(server.url, alice, departments)
        post_json(
            f"{server.url}/api/widget/v1/chats/{started['id']}/transcript",
            {},
            token=started["token"],
            origin=server.url,
        )

        # The worker is inside the task, waiting for the SMTP greeting.
        assert wait_until(lambda: len(smtp.held) >= 1), first.output()
        first.stop(signal.SIGKILL)
        smtp.restore()
        assert TranscriptEmail.objects.get(chat=chat).status == TranscriptEmail.Status.PENDING
        time.sleep(2.5)  # past the visibility timeout

        processes.append(Worker(env, name="worker-after-kill"))
        messages = mailbox.wait_for(1, timeout=40)
        assert len(messages) == 1 and messages[0]["To"] == "pat@example.org"
        assert wait_until(lambda: TranscriptEmail.objects.get(chat=chat).status == TranscriptEmail.Status.SENT)
        # The killed attempt's transaction rolled back: the count shows one attempt, the one that sent.
        assert TranscriptEmail.objects.get(chat=chat).attempts == 1
        time.sleep(3)  # another visibility timeout: nothing is handed out a third time
        assert len(mailbox.messages) == 1
    finally:
        for process in reversed(processes):
            process.stop()
        smtp.close()
        mailbox.stop()
        redis.stop()
