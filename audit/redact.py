"""Scrub secrets from anything about to be written to the audit log, and PII from exports.

Why here and not at each call site: the log is written from many layers (the gate, the DocuSign
client's request callback, the conversation), and one missed call site would leak a key into a
table that is kept forever and cannot be edited. So ``AuditLog.append`` runs every payload
through ``redact`` and the call sites need not remember to.

Two nets, both applied everywhere in the structure:
- by key: a mapping entry whose key names a secret (``access_token``, ``refresh_token``,
  ``assertion``, ``private_key``, ``client_secret``, ``authorization``, ``password``, any
  ``*token`` or ``*secret``) keeps its key and loses its value;
- by shape: every string is scanned for PEM blocks, ``Bearer``/``Basic`` credentials, JWTs,
  ``key=value`` and ``"key": "value"`` forms of the secret keys, and Anthropic API keys.
Redaction is idempotent: the placeholders match none of the patterns.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any, overload

REDACTED = "[REDACTED]"

# Normalised key names (lower case, letters and digits only) whose values are always secret.
_SECRET_KEYS = frozenset({
    "authorization", "proxyauthorization", "cookie", "setcookie", "assertion", "clientassertion",
    "password", "passphrase", "jwt", "privatekey", "privatekeypem", "clientsecret", "apikey",
    "xapikey", "codeverifier",
})
_SECRET_KEY_PARTS = ("secret", "password", "privatekey", "apikey")
# Keys that are counts or descriptions of tokens rather than tokens.
_NOT_SECRET = frozenset({"tokentype", "maxtokens", "inputtokens", "outputtokens"})

# Query-string / form / JSON-text spellings of the secret fields.
_FIELD_NAMES = (r"access_token|refresh_token|id_token|assertion|client_assertion|client_secret"
                r"|private_key|password|code_verifier")

# One alternation, compiled once, scanned once per string (it was seven passes, about 30% of an
# append). Each branch is a named group; the ``*_k`` groups keep the key part of ``key=value``.
_SECRETS = re.compile("|".join((
    # whole PEM blocks; an unterminated one (truncated log line) is cut to the end of the text
    r"(?P<pem>-----BEGIN [A-Z0-9 ]+-----(?s:.*?)(?:-----END [A-Z0-9 ]+-----|\Z))",
    # Authorization header values, as text ("Authorization: Bearer x", "authorization=Basic x")
    r"(?P<auth>(?P<auth_k>\b(?i:(?:proxy-)?authorization)\s*[:=]\s*)"
    r"(?i:(?:bearer|basic|digest|token|negotiate)\s+[^\s,;&\"']+|[A-Za-z0-9\-._~+/=]{16,}))",
    # form bodies and query strings: assertion=..., access_token=...
    rf"(?P<form>(?P<form_k>\b(?i:{_FIELD_NAMES}))=[^&\s\"']+)",
    # JSON held as text: "access_token": "..."
    rf"(?P<json>(?P<json_k>\"(?i:{_FIELD_NAMES})\"\s*:\s*)\"(?:[^\"\\]|\\.)*\")",
    # bare bearer tokens in prose and log lines
    r"(?P<bearer>(?P<bearer_k>\b(?i:bearer))\s+[A-Za-z0-9\-._~+/]{8,}=*)",
    # JWTs (header and payload are base64url JSON, so both start with "eyJ")
    r"(?P<jwt>\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*)",
    # Anthropic API keys
    r"(?P<apikey>\bsk-ant-[A-Za-z0-9_-]{8,})",
)))
_PLACEHOLDERS: dict[str, Callable[[re.Match[str]], str]] = {
    "pem": lambda m: "[REDACTED PEM]",
    "auth": lambda m: m.group("auth_k") + REDACTED,
    "form": lambda m: m.group("form_k") + "=" + REDACTED,
    "json": lambda m: m.group("json_k") + '"' + REDACTED + '"',
    "bearer": lambda m: m.group("bearer_k") + " " + REDACTED,
    "jwt": lambda m: "[REDACTED JWT]",
    "apikey": lambda m: REDACTED,
}
# the shortest text any branch matches (a JWT shape "eyJab.cd."); shorter strings are ids and codes
_SHORTEST_SECRET = 9


def _placeholder(match: re.Match[str]) -> str:
    group = match.lastgroup
    if group is None:  # unreachable: every branch of _SECRETS is a named group; cut it all
        return REDACTED
    return _PLACEHOLDERS[group](match)


_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_PII_KEYS = frozenset({"firstname", "lastname", "middlename", "fullname", "username", "displayname",
                       "phone", "phonenumber", "telephone", "mobile"})


@functools.lru_cache(maxsize=4096)  # the same few dozen keys, on every event
def _norm_key(key: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(key).lower())


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: object) -> bool:
    """True for mapping keys whose values must never be stored."""
    k = _norm_key(key)
    if k in _NOT_SECRET:
        return False
    return k in _SECRET_KEYS or k.endswith("token") or any(part in k for part in _SECRET_KEY_PARTS)


# Strings already scanned and found clean (emails, account and profile names, API paths recur on
# every event of every call): scanning is a pure function of the text, so a clean one stays clean.
# Only clean strings are remembered, never one that held a credential; bounded, emptied when full.
_CLEAN: dict[str, None] = {}
_CLEAN_MAX, _CLEAN_LONGEST = 4096, 512


def redact_text(text: str) -> str:
    """``text`` with every recognisable credential replaced by a placeholder."""
    if len(text) < _SHORTEST_SECRET or text in _CLEAN:
        return text
    clean = _SECRETS.sub(_placeholder, text)
    if clean == text and len(text) <= _CLEAN_LONGEST:
        if len(_CLEAN) >= _CLEAN_MAX:
            _CLEAN.clear()
        _CLEAN[text] = None
    return clean


# The overloads say what the log relies on: a mapping comes back a dict (its keys stay strings), a
# string a string, a list or tuple a list; anything else (numbers, None) is returned as it is.
@overload
def redact(obj: str) -> str: ...
@overload
def redact(obj: Mapping[str, Any]) -> dict[str, Any]: ...
@overload
def redact(obj: list[Any] | tuple[Any, ...]) -> list[Any]: ...
@overload
def redact(obj: object) -> object: ...
def redact(obj: object) -> object:
    """A copy of ``obj`` (JSON-like: mappings, lists, strings, scalars) with secrets removed."""
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, Mapping):
        out: dict[object, object] = {}
        for key, value in obj.items():
            clean_key = redact_text(key) if isinstance(key, str) else key
            out[clean_key] = REDACTED if value is not None and is_secret_key(key) else redact(value)
        return out
    if isinstance(obj, list | tuple):
        return [redact(item) for item in obj]
    return obj


@overload
def redact_strings(obj: str) -> str: ...
@overload
def redact_strings(obj: Mapping[str, Any]) -> dict[str, Any]: ...
@overload
def redact_strings(obj: list[Any] | tuple[Any, ...]) -> list[Any]: ...
@overload
def redact_strings(obj: object) -> object: ...
def redact_strings(obj: object) -> object:
    """A copy of ``obj`` with credentials cut out of every string, keys and structure kept.

    For conversation messages: what a person types (a pasted key, a PEM block, a bearer token)
    must not be stored in ``session_messages`` nor re-sent to the model, but a message's own
    fields (``tool_use_id``, ``input``) must keep their values, so the by-key net is not used."""
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, Mapping):
        return {key: redact_strings(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_strings(item) for item in obj]
    return obj


def pseudonym(value: str, *, salt: str = "") -> str:
    """A stable stand-in for a piece of PII, so an export still shows that two events share it."""
    digest = hashlib.sha256((salt + value.strip().lower()).encode("utf-8")).hexdigest()[:12]
    return f"[pii:{digest}]"


@overload
def redact_pii(obj: str, *, salt: str = "") -> str: ...
@overload
def redact_pii(obj: Mapping[str, Any], *, salt: str = "") -> dict[str, Any]: ...
@overload
def redact_pii(obj: list[Any] | tuple[Any, ...], *, salt: str = "") -> list[Any]: ...
@overload
def redact_pii(obj: object, *, salt: str = "") -> object: ...
def redact_pii(obj: object, *, salt: str = "") -> object:
    """A copy of ``obj`` with email addresses and personal-name/phone fields pseudonymised."""
    if isinstance(obj, str):
        return _EMAIL.sub(lambda m: pseudonym(m.group(0), salt=salt), obj)
    if isinstance(obj, Mapping):
        out: dict[object, object] = {}
        for key, value in obj.items():
            if isinstance(value, str) and value and _norm_key(key) in _PII_KEYS:
                out[key] = pseudonym(value, salt=salt)
            else:
                out[key] = redact_pii(value, salt=salt)
        return out
    if isinstance(obj, list | tuple):
        return [redact_pii(item, salt=salt) for item in obj]
    return obj
