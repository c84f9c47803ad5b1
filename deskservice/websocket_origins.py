"""Refuses websocket handshakes from origins other than the desk and the allowed library sites.

This stops cross-site websocket hijacking: a hostile page cannot open the dashboard socket
with an operator's session cookie, nor a patron socket from a site that is not the library's.
"""

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier

from deskservice.origins import origin_allowed


class WidgetOriginValidator:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode("latin1")
        host = headers.get(b"host", b"").decode("latin1")
        # The allowed sites may come from the database (Desk settings): not on the event loop.
        if not await database_sync_to_async(origin_allowed)(origin, host=host):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.application(scope, receive, send)
