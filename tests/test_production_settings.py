"""The production switch (DJANGO_ENV=production): Django's deployment checks pass with no warning,
and the desk then answers only over HTTPS with secure cookies and HSTS.

Settings are read from the environment at start-up, so each case runs in a fresh process.
"""

import json
import secrets
import subprocess
import sys

import pytest

from tests.live import ROOT, child_environment

HOST = "desk.library.example.edu"


def production_env(**overrides):
    env = child_environment(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        WIDGET_ALLOWED_ORIGINS="https://www.library.example.edu",
    )
    env.pop("DEBUG", None)
    env.update(overrides)
    return env


def run(args, env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_deployment_checks_pass_with_production_settings(db):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_checks_would_catch_development_settings(db):
    """The check is not vacuous: without the switch it names what is missing."""
    env = production_env()
    env.pop("DJANGO_ENV")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr + result.stdout, check


@pytest.mark.parametrize(
    "overrides,complaint",
    [({"SECRET_KEY": ""}, "needs SECRET_KEY"), ({"DEBUG": "true"}, "refuses DEBUG=true")],
)
def test_production_refuses_to_start_without_a_secret_or_with_debug(db, overrides, complaint):
    env = production_env(**overrides)
    if not overrides.get("SECRET_KEY", True):
        env.pop("SECRET_KEY")
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0 and complaint in result.stderr


PROBE = """
import json, django
django.setup()
from django.test import Client
host = {"HTTP_HOST": "HOST_NAME"}
plain = Client().get("/accounts/login/", **host)
tls = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https", **host)
health = Client().get("/healthz", **host)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "tls": [tls.status_code, tls.get("Strict-Transport-Security"), {n: dict(c) for n, c in tls.cookies.items()}],
    "health": health.status_code,
}))
""".replace("HOST_NAME", HOST)


def test_production_answers_over_https_only_with_secure_cookies_and_hsts(transactional_db):
    result = run(["-c", PROBE], production_env(DJANGO_SETTINGS_MODULE="deskservice.settings"))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, f"https://{HOST}/accounts/login/"]
    status, hsts, cookies = seen["tls"]
    assert status == 200
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert cookies["csrftoken"]["secure"] is True
    # The load balancer's plain-HTTP health check is not redirected.
    assert seen["health"] in (200, 503)
