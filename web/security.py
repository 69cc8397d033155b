"""Response headers every answer carries, and the one way cookies are set.

The Content-Security-Policy allows nothing but this server: no inline script or style, no
frame, no plug-in, forms posting only here. Pages are never cached (they hold case data);
static assets are revalidated.
"""
from __future__ import annotations

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.settings import Settings

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeaders", "set_cookie", "delete_cookie"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                            b"interest-cohort=()"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


class SecurityHeaders:
    """Pure ASGI middleware adding ``HEADERS`` and the caching rule to every response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"cache-control", b"server")]
                headers += HEADERS
                headers.append((b"cache-control", b"no-cache" if static else b"no-store"))
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def set_cookie(response: Response, settings: Settings, name: str, value: str,
               max_age: int | None = None) -> None:
    """Secure (unless configured off), HttpOnly, SameSite=Strict, host-only, Path=/."""
    response.set_cookie(name, value, max_age=max_age, path="/", secure=settings.cookie_secure,
                        httponly=True, samesite="strict")


def delete_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(name, path="/", secure=settings.cookie_secure, httponly=True,
                           samesite="strict")
