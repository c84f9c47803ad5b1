"""SMS chats: texts reach the desk through a provider's webhook and replies go back through its REST API.

`base.py` is the provider interface, `twilio.py` the first provider, `log.py` the stand-in used
when none is configured. `services.py` turns texts into chats and operator messages into
OutgoingSms rows that `tasks.py` sends once.
"""
