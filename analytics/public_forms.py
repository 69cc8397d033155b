"""What keeps the public complaint form (监督一点通) honest without any outside service.

A form is served with a **signed token** ``v1.<issued ms>.<nonce>.<signature>`` (HMAC-SHA256
under a server secret kept in the database, so every worker agrees and a restart keeps
issued forms valid). A filing is accepted only if

- the signature holds (the token was made here, not by a script),
- the form was open at least ``min_fill_s`` seconds and at most ``max_age_s``,
- the page's own JavaScript found a **proof of work**: a counter such that
  SHA-256(``token:counter``) starts with ``bits`` zero bits (≈ 2^bits hashes: a fraction
  of a second in a browser, a real cost to anyone posting thousands),
- and the token was not used before: the complaint's id is a digest of the token's nonce
  and Neo4j's uniqueness constraint on it makes the second filing find the first.

The tracking code (查询码) is derived from the nonce with the server secret: 80 bits,
16 base32 characters in four groups. So a form posted twice (a double tap, a retried
request) stores one complaint *and* shows the same code both times, while the database
holds only the code's SHA-256 and the nonce's digest — neither gives the code back.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time

from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["FormRejected", "server_secret", "issue_form_token", "verify_form_token",
           "proof_holds", "complaint_id_for", "tracking_code", "tracking_hash",
           "normalise_code", "address_digest"]

SECRET = """
MERGE (s:ServerSecret {name: $name})
ON CREATE SET s.value = $value, s.created_at = datetime()
RETURN s.value AS value
"""

TOKEN = re.compile(r"^v1\.(\d{10,16})\.([A-Z2-7]{26})\.([A-Za-z0-9_-]{43})$")
CODE_ALPHABET = re.compile(r"^[A-Z2-7]{16}$")

_secrets: dict[tuple[str, str, str], bytes] = {}
_lock = threading.Lock()


class FormRejected(LianjianError):
    """A complaint form that is forged, too fast, too old, used, or without its proof.

    ``reason`` is a short code (``signature``, ``too_fast``, ``expired``, ``proof``) the
    public page turns into one sentence.
    """

    def __init__(self, reason: str):
        super().__init__(f"complaint form refused: {reason}")
        self.reason = reason


def server_secret(connection: Connection, name: str = "public-forms") -> bytes:
    """The named random secret (256 bits), made at first use and cached per process."""
    cache_key = (connection.uri, connection.database, name)
    with _lock:
        found = _secrets.get(cache_key)
    if found is None:
        value = connection.write(SECRET, name=name, value=secrets.token_hex(32))[0]["value"]
        found = bytes.fromhex(value)
        with _lock:
            _secrets[cache_key] = found
    return found


def _sign(secret: bytes, text: str) -> str:
    digest = hmac.new(secret, text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_form_token(secret: bytes, now_ms: int | None = None) -> str:
    """A new signed form token (its nonce: 130 random bits in base32).

    >>> token = issue_form_token(b"k" * 32, 1_700_000_000_000)
    >>> bool(TOKEN.match(token)), token.split(".")[1]
    (True, '1700000000000')
    """
    issued = int(time.time() * 1000) if now_ms is None else int(now_ms)
    nonce = base64.b32encode(secrets.token_bytes(17)).decode()[:26]
    body = f"v1.{issued}.{nonce}"
    return f"{body}.{_sign(secret, body)}"


def verify_form_token(secret: bytes, token: str, *, min_fill_s: float, max_age_s: float,
                      now_ms: int | None = None) -> str:
    """The token's nonce if it was made here and its age is right; FormRejected otherwise.

    >>> key = b"k" * 32
    >>> token = issue_form_token(key, 1_000_000_000_000)
    >>> len(verify_form_token(key, token, min_fill_s=3, max_age_s=60, now_ms=1_000_000_005_000))
    26
    >>> verify_form_token(key, token, min_fill_s=3, max_age_s=60, now_ms=1_000_000_001_000)
    Traceback (most recent call last):
    ...
    analytics.public_forms.FormRejected: complaint form refused: too_fast
    """
    found = TOKEN.match(token or "")
    if not found:
        raise FormRejected("signature")
    body = token.rsplit(".", 1)[0]
    if not hmac.compare_digest(_sign(secret, body), found.group(3)):
        raise FormRejected("signature")
    now = int(time.time() * 1000) if now_ms is None else int(now_ms)
    age_s = (now - int(found.group(1))) / 1000
    if age_s < min_fill_s:
        raise FormRejected("too_fast")
    if age_s > max_age_s:
        raise FormRejected("expired")
    return found.group(2)


def proof_holds(token: str, counter: str, bits: int) -> bool:
    """Whether SHA-256(``token:counter``) starts with ``bits`` zero bits.

    >>> proof_holds("t", "0", 0), proof_holds("t", "x" * 40, 4)
    (True, False)
    """
    if not re.fullmatch(r"\d{1,12}", counter or ""):
        return bits <= 0
    digest = hashlib.sha256(f"{token}:{counter}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - bits) == 0 if bits > 0 else True


def complaint_id_for(nonce: str) -> str:
    """The id of the complaint filed with a form: ``WS`` and 14 hex digits of its nonce.

    >>> complaint_id_for("A" * 26)
    'WSA615A643988276'
    """
    return "WS" + hashlib.sha256(f"complaint|{nonce}".encode()).hexdigest()[:14].upper()


def tracking_code(secret: bytes, nonce: str) -> str:
    """The citizen's 查询码 of a form: 80 bits as ``XXXX-XXXX-XXXX-XXXX`` (base32)."""
    digest = hmac.new(secret, f"track|{nonce}".encode(), hashlib.sha256).digest()[:10]
    code = base64.b32encode(digest).decode()
    return "-".join(code[i:i + 4] for i in range(0, 16, 4))


def normalise_code(text: str | None) -> str | None:
    """A typed code in its stored form (upper case, no spaces or dashes), or None.

    >>> normalise_code(" abcd-efgh ijkl-mnop "), normalise_code("short")
    ('ABCDEFGHIJKLMNOP', None)
    """
    cleaned = re.sub(r"[\s\-]", "", (text or "")).upper()
    return cleaned if CODE_ALPHABET.match(cleaned) else None


def tracking_hash(code: str | None) -> str | None:
    """SHA-256 (hex) of a tracking code as typed, or None when it cannot be one."""
    cleaned = normalise_code(code)
    return hashlib.sha256(f"track|{cleaned}".encode()).hexdigest() if cleaned else None


def address_digest(secret: bytes, address: str | None) -> str:
    """A client address as the throttles key it: keyed digest, never the address itself
    (a whistle-blower's address is not kept, not even in a throttle node)."""
    return hmac.new(secret, f"address|{address or 'unknown'}".encode(),
                    hashlib.sha256).hexdigest()[:20]
