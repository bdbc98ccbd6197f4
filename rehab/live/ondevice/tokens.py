"""Short-lived signed tokens for the on-device ingest: who may send landmarks for which program.

The live page (Streamlit, where the patient signed in) issues a token bound to the patient's
user id, their patient record, the prescription and its items, the session's language and
the pain they gave before starting. The browser sends it in the first WebSocket message
(never in a URL, so it is in no log, history or Referer). The server checks the signature
(HMAC-SHA256 with the server's secret) and the expiry, then the claims against the store.
While connected, the server hands out fresh tokens with the same claims, so a browser that
loses its connection can come back within the grace period after the page's token expired.

    token = issue_token(secret, claims, ttl_s=600)
    claims = verify_token(secret, token)        # TokenRefused(reason) when it is not good

Format: `v1.<base64url JSON claims>.<base64url HMAC-SHA256 of "v1.<claims>">`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rehab.errors import RehabError

VERSION = "v1"
MAX_TOKEN_CHARS = 2048
MIN_SECRET_BYTES = 32


class TokenRefused(RehabError):
    """The token is missing, malformed, tampered with, expired or not for this use."""


class LiveClaims(BaseModel):
    """What a token vouches for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: int = Field(ge=1, lt=2**31)
    patient_id: int = Field(ge=1, lt=2**31)
    prescription_id: int = Field(ge=1, lt=2**31)
    item_ids: tuple[int, ...] = Field(min_length=1, max_length=64)
    language: str = Field(min_length=2, max_length=8)
    pain_before: int | None = Field(default=None, ge=0, le=10)
    expires_at: float = 0.0  # Unix seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, signed: str) -> bytes:
    return hmac.new(secret, signed.encode("ascii"), hashlib.sha256).digest()


def issue_token(secret: bytes, claims: LiveClaims, ttl_s: float, now: float | None = None) -> str:
    """A token for `claims` valid for `ttl_s` seconds from `now` (default: the clock)."""
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the token secret must have at least {MIN_SECRET_BYTES} bytes")
    moment = time.time() if now is None else now
    stamped = claims.model_copy(update={"expires_at": round(moment + ttl_s, 3)})
    body = _b64(json.dumps(stamped.model_dump(), separators=(",", ":")).encode("utf-8"))
    signed = f"{VERSION}.{body}"
    return f"{signed}.{_b64(_signature(secret, signed))}"


def verify_token(secret: bytes, token: object, now: float | None = None) -> LiveClaims:
    """The claims of a good token; TokenRefused with a short reason otherwise."""
    if not isinstance(token, str) or not token:
        raise TokenRefused("no token")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenRefused("token too long")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise TokenRefused("malformed token")
    try:
        given = _unb64(parts[2])
        payload = _unb64(parts[1])
    except (binascii.Error, ValueError) as exc:
        raise TokenRefused("malformed token") from exc
    if not hmac.compare_digest(given, _signature(secret, f"{parts[0]}.{parts[1]}")):
        raise TokenRefused("bad signature (tampered, or signed with another secret)")
    try:
        claims = LiveClaims.model_validate_json(payload)
    except ValidationError as exc:
        raise TokenRefused("token claims are not valid") from exc
    moment = time.time() if now is None else now
    if claims.expires_at <= moment:
        raise TokenRefused(f"token expired {moment - claims.expires_at:.0f} s ago")
    return claims


def unverified_ids(token: object) -> tuple[int | None, int | None]:
    """The user and patient a token claims, read WITHOUT checking it: for the audit entry of a
    refused token only (never trusted for anything else)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        return None, None
    try:
        data = json.loads(_unb64(token.split(".")[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    return _id(data.get("user_id")), _id(data.get("patient_id"))


def _id(value: object) -> int | None:
    """A plausible database id, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return value
    return None
