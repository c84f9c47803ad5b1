import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskservice.settings")

app = Celery("deskservice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
