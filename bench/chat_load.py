"""Chat load: N patrons and M operators as real websocket clients against the real server.

Run on demand, never in the test suite (tests/test_chat_load_smoke.py runs it for a few
seconds so that it cannot rot). By default it starts the desk the production way on a
database of its own: `uvicorn --workers 2` sharing one port and a Celery worker, on
PostgreSQL and Redis. Patrons start chats over the widget API and open their sockets,
operators claim them with Claim Chat, then both sides send messages at a set rate for a set
time. It prints the connections held, messages/s delivered, delivery latency (send to
receipt on the other side) p50/p95/p99, errors, lost and duplicated messages, and the
server processes' peak memory (RSS summed over each process tree).

    createdb -h 127.0.0.1 -U postgres deskservice_load
    python bench/chat_load.py --patrons 2000 --operators 50 --rate 500 --duration 60
    python bench/chat_load.py --target baseline --patrons 2000 --operators 50 --rate 500 --duration 60
    python bench/chat_load.py --find-max --patrons 200 --operators 20     # the maximum sustainable rate
    python bench/chat_load.py --compare --patrons 2000 --rate 500 ...      # desk and baseline, with ratios
    python bench/chat_load.py --claim-storm                                # 50 operators, 200 chats
    python bench/chat_load.py --url http://127.0.0.1:8000 ...             # attach to a running desk

The bench server raises the anonymous rate limits (DESK_RATE_LIMIT_*_PER_MINUTE) and the
queue cap (DESK_MAX_WAITING_CHATS_PER_CLIENT): every simulated patron comes from 127.0.0.1.
Never do that in production (docs/operations.md).
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load_clients import (  # noqa: E402
    TO_OPERATOR,
    TO_PATRON,
    BaselineTarget,
    DeskTarget,
    OperatorClient,
    PatronClient,
    Tally,
    percentile,
)
from stack import MemorySampler, free_port, start_baseline, start_desk  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/deskservice_load"
BENCH_LIMIT = 1_000_000


# --- The desk's bench data (Django in this process, before the clients start) ---------------


def prepare_desk(database_url: str, operators: int, departments: int, migrate: bool) -> tuple[list[str], list[str]]:
    """Departments bench-1..D, operators bench-op-0..M-1 with sessions; old bench chats closed."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskservice.settings")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from chat.models import Chat
    from deskservice.models import DashboardConnection, Department, User
    from deskservice.roles import STUDENT_ASSISTANT

    if migrate:
        call_command("migrate", verbosity=0)
    slugs = [f"bench-{d + 1}" for d in range(departments)]
    depts = [
        Department.objects.update_or_create(slug=slug, defaults={"name": f"Bench desk {slug[6:]}", "active": True})[0]
        for slug in slugs
    ]
    now = timezone.now()
    Chat.objects.filter(department__in=depts, closed_at__isnull=True).update(
        status=Chat.Status.ENDED, ended_at=now, closed_at=now
    )
    cookies = []
    for number in range(operators):
        user, created = User.objects.get_or_create(
            username=f"bench-op-{number}", defaults={"first_name": f"Op{number}", "availability": "online"}
        )
        if created:
            user.set_unusable_password()
            user.save()
        user.departments.set([depts[number % departments]])
        # Operators work the desk by their role (deskservice/roles.py), as a library would set them up.
        user.groups.add(Group.objects.get(name=STUDENT_ASSISTANT))
        DashboardConnection.objects.filter(user=user).delete()
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(session.session_key)
    connection.close()
    return cookies, slugs


def check_claims(chat_ids: list[str], winners: dict[str, int]) -> list[str]:
    """Every chat active, owned by the operator whose claim won, with exactly one Claimed event."""
    from django.db import connection
    from django.db.models import Count, Q

    from chat.models import Chat, ChatEvent

    problems = []
    chats = Chat.objects.filter(pk__in=chat_ids).annotate(
        claims=Count("events", filter=Q(events__kind=ChatEvent.Kind.CLAIMED))
    )
    for chat in chats.select_related("operator"):
        expected = f"bench-op-{winners.get(str(chat.pk))}"
        if chat.status != Chat.Status.ACTIVE or chat.claims != 1 or chat.operator.username != expected:
            problems.append(f"{chat.pk}: {chat.status}, {chat.claims} claims, owner {chat.operator}, won by {expected}")
    connection.close()
    return problems


# --- Phases ---------------------------------------------------------------------------------


async def connect_operators(target, tally, operators: int, departments: int) -> list[OperatorClient]:
    clients = [OperatorClient(target, tally, number, number % departments) for number in range(operators)]
    await asyncio.gather(*(client.open() for client in clients))
    return clients


async def open_chats(target, tally, operator_clients, patrons: int, departments: int, concurrency: int):
    """Each patron starts a chat, opens its socket, and an operator of the department claims it.

    Chats are claimed as they come, as a staffed desk does: the queue stays short.
    """
    by_department = [[op for op in operator_clients if op.department == d] for d in range(departments)]
    gate = asyncio.Semaphore(concurrency)
    opened: list[PatronClient] = []

    async def one(number: int):
        department = number % departments
        operator = by_department[department][(number // departments) % len(by_department[department])]
        async with gate:
            try:
                chat = await target.start_chat(number, department)
                patron = PatronClient(target, tally, chat)
                await patron.open()
                assigned = operator.expect(chat["id"])
                status, answer = await target.claim(operator, chat["id"])
                if status != 200:
                    raise RuntimeError(f"claim: {status} {answer}")
                await asyncio.wait_for(assigned.wait(), 60)
                if target.name == "desk":
                    await asyncio.wait_for(patron.active.wait(), 60)
                operator.chats.append(chat["id"])
                opened.append(patron)
            except Exception as error:
                tally.error(f"setup: {type(error).__name__}: {error}"[:80])

    await asyncio.gather(*(one(n) for n in range(patrons)))
    return opened


async def drive(tally, patrons, operator_clients, rate: float, operator_rate: float, duration: float):
    """Send at `rate` patron messages/s (round robin over patrons) and `operator_rate` answers/s."""
    pairs = [(op, chat) for op in operator_clients for chat in op.chats]
    random.shuffle(pairs)
    started = time.perf_counter()
    sent_p = sent_o = 0
    while (elapsed := time.perf_counter() - started) < duration:
        while sent_p < int(rate * elapsed) and patrons:
            patron = patrons[sent_p % len(patrons)]
            sent_p += 1
            if patron.open_now:
                await patron.send_message()
        while sent_o < int(operator_rate * elapsed) and pairs:
            operator, chat_id = pairs[sent_o % len(pairs)]
            sent_o += 1
            if operator.open_now:
                await operator.send_message(chat_id)
        await asyncio.sleep(0.002)
    return time.perf_counter() - started


async def drain(tally, timeout: float):
    deadline = time.perf_counter() + timeout
    while tally.pending and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)


def figures(tally, elapsed: float) -> dict:
    result = {"seconds": round(elapsed, 1)}
    for direction in (TO_OPERATOR, TO_PATRON):
        latencies = tally.latency[direction]
        result[direction] = {
            "sent": tally.sent[direction],
            "delivered": len(latencies),
            "per_second": round(len(latencies) / elapsed, 1) if elapsed else 0,
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
            "stored_p50_ms": round(percentile(tally.to_stored[direction], 0.50) * 1000, 1),
            "stored_p99_ms": round(percentile(tally.to_stored[direction], 0.99) * 1000, 1),
        }
    result["lost"] = len(tally.pending)
    result["duplicated"] = tally.duplicates
    result["errors"] = sum(tally.errors.values())
    result["error_kinds"] = dict(tally.errors.most_common(5))
    result["frames_received"] = dict(tally.frames.most_common())
    return result


async def steady(tally, patrons, operators, rate, operator_rate, duration, memory=None, drain_seconds=15):
    tally.reset()
    cpu = time.process_time()
    servers_before = await asyncio.to_thread(memory.cpu) if memory else None
    elapsed = await drive(tally, patrons, operators, rate, operator_rate, duration)
    await drain(tally, drain_seconds)
    result = figures(tally, elapsed)
    result["client_cpu_share"] = round((time.process_time() - cpu) / elapsed, 2)
    if memory:
        # CPU per delivered message: steadier than latency on a shared machine, and what a
        # change to the message path buys. PostgreSQL and Redis are counted machine-wide.
        used = {k: v - servers_before[k] for k, v in (await asyncio.to_thread(memory.cpu)).items()}
        delivered = sum(len(v) for v in tally.latency.values()) or 1
        result["server_cpu_ms_per_message"] = {k: round(v * 1000 / delivered, 2) for k, v in used.items()}
    # What was lost in one phase must not be counted again in the next.
    tally.pending.clear()
    return result


def sustainable(result: dict, rate: float) -> bool:
    """Kept up: nothing lost or doubled, 95 % of the rate delivered in the step, p95 under 500 ms."""
    direction = result[TO_OPERATOR]
    return (
        result["lost"] == 0
        and direction["per_second"] >= 0.95 * rate
        # p95, not p99: on a shared machine a single stall of another process decides the p99.
        and direction["p95_ms"] < 500
        and result["duplicated"] == 0
    )


async def load_session(target, args, memory: MemorySampler | None) -> dict:
    tally = Tally()
    started = time.perf_counter()
    operators = await connect_operators(target, tally, args.operators, args.departments)
    patrons = await open_chats(target, tally, operators, args.patrons, args.departments, args.concurrency)
    report = {
        "target": target.name,
        "patrons": args.patrons,
        "operators": args.operators,
        "setup_seconds": round(time.perf_counter() - started, 1),
        "setup_errors": sum(tally.errors.values()),
        "setup_error_kinds": dict(tally.errors.most_common(5)),
    }
    tally.errors.clear()
    if memory:
        idle = await asyncio.to_thread(memory.sample)
        report["rss_idle_mb"] = {name: round(value / 2**20) for name, value in idle.items()}
    if args.find_max:
        steps, rate = [], args.start_rate
        while rate <= args.max_rate:
            result = await steady(
                tally, patrons, operators, rate, rate * args.operator_share, args.step_seconds, memory
            )
            result["rate"] = rate
            result["sustainable"] = sustainable(result, rate)
            steps.append(result)
            print_step(result)
            if not result["sustainable"]:
                break
            rate = round(rate * args.step_factor)
        good = [s["rate"] for s in steps if s["sustainable"]]
        report["steps"] = steps
        report["max_sustainable_rate"] = max(good, default=0)
    else:
        report["run"] = await steady(
            tally, patrons, operators, args.rate, args.rate * args.operator_share, args.duration, memory
        )
        report["run"]["rate"] = args.rate
    report["connections_held"] = sum(p.open_now for p in patrons) + sum(o.open_now for o in operators)
    report["connections_wanted"] = args.patrons + args.operators
    if memory:
        report["rss_peak_mb"] = {name: round(value / 2**20) for name, value in memory.peak.items()}
    await close_all(patrons, operators)
    return report


async def close_all(patrons, operators):
    gate = asyncio.Semaphore(200)

    async def close(client):
        async with gate:
            try:
                await asyncio.wait_for(client.ws.close(), 10)
            except Exception:
                pass

    await asyncio.gather(*(close(p) for p in patrons))
    await asyncio.gather(*(op.close() for op in operators))


# --- The claim storm ------------------------------------------------------------------------


async def claim_storm(target: DeskTarget, args) -> dict:
    """`--operators` operators press Claim Chat on the same `--chats` chats at once, each in its own order."""
    tally = Tally()
    operators = await connect_operators(target, tally, args.operators, 1)
    chats = [await target.start_chat(n, 0) for n in range(args.chats)]
    chat_ids = [chat["id"] for chat in chats]
    outcomes: list[tuple[str, int, int, float]] = []
    go = asyncio.Event()

    async def operator_presses(operator):
        order = list(chat_ids)
        random.shuffle(order)
        await go.wait()
        for chat_id in order:
            pressed = time.perf_counter()
            status, _ = await target.claim(operator, chat_id)
            outcomes.append((chat_id, operator.number, status, time.perf_counter() - pressed))

    tasks = [asyncio.create_task(operator_presses(op)) for op in operators]
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(2)  # the last queue.removed events
    winners: dict[str, int] = {}
    wins_per_chat = {chat_id: 0 for chat_id in chat_ids}
    for chat_id, number, status, _ in outcomes:
        if status == 200:
            winners[chat_id] = number
            wins_per_chat[chat_id] += 1
    statuses = {}
    for _, _, status, _ in outcomes:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = [seconds for *_, seconds in outcomes]
    problems = await asyncio.to_thread(check_claims, chat_ids, winners)
    told = sum(len(op.queue_removed & set(chat_ids)) for op in operators)
    await asyncio.gather(*(op.close() for op in operators))
    return {
        "operators": args.operators,
        "chats": args.chats,
        "presses": len(outcomes),
        "seconds": round(elapsed, 2),
        "presses_per_second": round(len(outcomes) / elapsed, 1),
        "answers": statuses,
        "chats_with_one_winner": sum(1 for count in wins_per_chat.values() if count == 1),
        "chats_with_no_winner": sum(1 for count in wins_per_chat.values() if count == 0),
        "chats_with_two_or_more": sum(1 for count in wins_per_chat.values() if count > 1),
        "database_problems": problems[:5],
        "database_ok": not problems,
        "queue_removed_seen": f"{told}/{args.operators * args.chats}",
        "press_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "press_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


# --- Servers and output ---------------------------------------------------------------------


def server_environment(args, url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CHANNEL_LAYER_PREFIX=f"bench-{uuid.uuid4().hex[:8]}",
        SITE_URL=url,
        WIDGET_ALLOWED_ORIGINS=url,
        CELERY_TASK_ALWAYS_EAGER="false",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="deskservice.settings",
        # Every simulated patron is 127.0.0.1 and a few departments take every chat: lift the
        # per-address and per-department limits and the queue cap, for the bench server only.
        DESK_RATE_LIMIT_CHATS_PER_MINUTE=str(BENCH_LIMIT),
        DESK_RATE_LIMIT_MESSAGES_PER_MINUTE=str(BENCH_LIMIT),
        DESK_RATE_LIMIT_DEPARTMENT_CHATS_PER_MINUTE=str(BENCH_LIMIT),
        DESK_MAX_WAITING_CHATS_PER_CLIENT=str(BENCH_LIMIT),
    )
    if args.conn_max_age is not None:
        env["CONN_MAX_AGE"] = str(args.conn_max_age)
    return env


async def run_target(kind: str, args) -> dict:
    url = args.url
    processes = {}
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = server_environment(args, url)
        if kind == "desk":
            cookies, slugs = await asyncio.to_thread(
                prepare_desk, args.database_url, args.operators, args.departments, True
            )
            processes = await asyncio.to_thread(start_desk, env, port=port, web_workers=args.web_workers)
        else:
            processes = await asyncio.to_thread(start_baseline, env, port=port, processes=args.web_workers)
    elif kind == "desk":
        cookies, slugs = await asyncio.to_thread(
            prepare_desk, args.database_url, args.operators, args.departments, False
        )
    target = DeskTarget(url, cookies, slugs) if kind == "desk" else BaselineTarget(url)
    memory = MemorySampler({name: p.pid for name, p in processes.items()}) if processes else None
    try:
        if memory:
            memory.__enter__()
        if args.claim_storm:
            return await claim_storm(target, args)
        return await load_session(target, args, memory)
    finally:
        if memory:
            memory.__exit__(None, None, None)
        for process in processes.values():
            await asyncio.to_thread(process.stop)


def print_step(step: dict):
    d = step[TO_OPERATOR]
    print(
        f"  rate {step['rate']:>6}/s: delivered {d['per_second']:>7.1f}/s  p50 {d['p50_ms']:>7.1f}  "
        f"p99 {d['p99_ms']:>8.1f} ms  lost {step['lost']}  dup {step['duplicated']}  "
        f"client cpu {step['client_cpu_share']:.0%}  {'ok' if step['sustainable'] else 'NOT sustained'}",
        flush=True,
    )
    if "server_cpu_ms_per_message" in step:
        print(f"      server CPU ms per message: {step['server_cpu_ms_per_message']}", flush=True)


def print_report(report: dict):
    print(f"\n== {report.get('target', 'desk')} ==")
    if "presses" in report:
        for key, value in report.items():
            print(f"  {key:<24} {value}")
        return
    print(
        f"  connections held      {report['connections_held']} of {report['connections_wanted']}"
        f"  (setup {report['setup_seconds']} s, {report['setup_errors']} setup errors)"
    )
    if "rss_peak_mb" in report:
        print(f"  memory idle (MB)      {report['rss_idle_mb']}")
        print(f"  memory peak (MB)      {report['rss_peak_mb']}")
    if "max_sustainable_rate" in report:
        print(f"  max sustainable rate  {report['max_sustainable_rate']} patron messages/s")
        return
    run = report["run"]
    for direction in (TO_OPERATOR, TO_PATRON):
        d = run[direction]
        print(
            f"  {direction:<21} sent {d['sent']:>6}  delivered {d['delivered']:>6} ({d['per_second']}/s)  "
            f"p50 {d['p50_ms']} ms  p95 {d['p95_ms']} ms  p99 {d['p99_ms']} ms  max {d['max_ms']} ms"
        )
        print(f"  {'':<21} of which send to stored: p50 {d['stored_p50_ms']} ms  p99 {d['stored_p99_ms']} ms")
    print(f"  lost {run['lost']}  duplicated {run['duplicated']}  errors {run['errors']} {run['error_kinds'] or ''}")
    print(f"  client CPU share      {run['client_cpu_share']:.0%} of one core")
    if "server_cpu_ms_per_message" in run:
        print(f"  server CPU per message (ms)  {run['server_cpu_ms_per_message']}")
    print(f"  frames received       {run['frames_received']}")


def ratios(desk: dict, baseline: dict) -> dict:
    if "max_sustainable_rate" in desk:
        return {"throughput": round(desk["max_sustainable_rate"] / max(baseline["max_sustainable_rate"], 1), 2)}
    d, b = desk["run"][TO_OPERATOR], baseline["run"][TO_OPERATOR]
    return {
        "throughput": round(d["per_second"] / max(b["per_second"], 1e-9), 2),
        "p50": round(d["p50_ms"] / max(b["p50_ms"], 1e-9), 2),
        "p99": round(d["p99_ms"] / max(b["p99_ms"], 1e-9), 2),
        "memory": round(desk["rss_peak_mb"]["web"] / max(baseline["rss_peak_mb"]["web"], 1), 2)
        if "rss_peak_mb" in desk and "rss_peak_mb" in baseline
        else None,
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=["desk", "baseline"], default="desk")
    parser.add_argument("--compare", action="store_true", help="run the desk, then the baseline, and print ratios")
    parser.add_argument("--url", help="attach to a running server instead of starting one")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--conn-max-age", type=int, default=None, help="CONN_MAX_AGE for the desk server")
    parser.add_argument("--patrons", type=int, default=200)
    parser.add_argument("--operators", type=int, default=20)
    parser.add_argument("--departments", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=20, help="chats being opened at once")
    parser.add_argument("--rate", type=float, default=100, help="patron messages per second")
    parser.add_argument("--operator-share", type=float, default=0.2, help="operator answers per patron message")
    parser.add_argument("--duration", type=float, default=20, help="seconds of sending")
    parser.add_argument("--find-max", action="store_true", help="raise the rate step by step until not sustained")
    parser.add_argument("--start-rate", type=float, default=200)
    parser.add_argument("--step-factor", type=float, default=1.3)
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--max-rate", type=float, default=20000)
    parser.add_argument("--claim-storm", action="store_true")
    parser.add_argument("--chats", type=int, default=200, help="chats in the claim storm")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.claim_storm:
        args.departments = 1
        if args.operators == parser.get_default("operators"):
            args.operators = 50
    if args.operators < args.departments:
        args.departments = args.operators
    return args


async def main_async(args) -> dict:
    loadavg = os.getloadavg()
    kinds = ["desk", "baseline"] if args.compare else [args.target]
    reports = {}
    for kind in kinds:
        reports[kind] = await run_target(kind, args)
        print_report(reports[kind])
    result = {"load_average_before": [round(x, 2) for x in loadavg], "cpus": os.cpu_count(), **reports}
    if args.compare:
        result["ratios_desk_to_baseline"] = ratios(reports["desk"], reports["baseline"])
        print(f"\n  desk / baseline: {result['ratios_desk_to_baseline']}")
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"  load average before {result['load_average_before']}, after {result['load_average_after']}")
    return result


def main(argv=None):
    args = parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(main_async(args))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
