"""``dsadmin serve``: the HTTP API under /api/v1 and the server-rendered pages, on one ASGI app."""
