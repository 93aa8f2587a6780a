"""Commands from the center to a gateway (docs/contract.md, "Commands").

A request is a JSON object published with QoS 1 on
{prefix}/{site}/{gateway}/cmd/{name}; the gateway answers once on
{prefix}/{site}/{gateway}/reply/{name} with {"v":1,"id":<request id>,"ok":...}.
The request id is chosen here; sending the same id again (after a lost
reply) is safe: the gateway replies with its first answer and does not
execute the command twice. So a request that gets no reply is sent again,
same id, RESENDS times (the contract: "The center must resend a command
(same id) that gets no reply"): the gateway may have crashed between the
broker's PUBACK and keeping the command.

Signed commands (the gateway has `[commands] secret_file`): the request also
carries `ts` (UTC ms) and `sig` = lowercase hex HMAC-SHA256(secret,
"{site}/{gateway}\\n{name}\\n{canonical}") where site and gateway are the
target's two topic levels and canonical is the request without `sig`,
serialised with sorted keys and no whitespace. Naming the target in the
signed text means a command signed for one gateway is refused ("bad
signature") by another that holds the same secret: it cannot be replayed
there.
"""
import collections
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import time

from . import contract

MODES = ("normal", "emergency")

RESENDS = 3  # copies of a request sent after the first got no reply


MIN_SECRET_BYTES = 16  # as the gateway's commands.secret_file


def read_secret(path):
    """The shared secret: the file's first line without its line end, read
    as the gateway reads its copy (a second line, a note on the rotation,
    is not part of it: read whole, every signature was refused). Like the
    gateway's copy it should not be readable by others, and it is at least
    16 characters; both are refused here too, not found out at the gateway."""
    st = os.stat(path)
    if st.st_mode & (stat.S_IROTH | stat.S_IWOTH):
        raise ValueError("%s: readable or writable by others (chmod 600 it)" % path)
    with open(path, "rb") as f:
        secret = f.readline().rstrip(b"\r\n")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError("%s: the secret must be at least %d characters (the gateway refuses a "
                         "shorter one)" % (path, MIN_SECRET_BYTES))
    return secret


def read_password(path):
    """A broker password: the file's first line, as the gateway reads its
    uplink.credentials_file's second; not readable by others."""
    st = os.stat(path)
    if st.st_mode & (stat.S_IROTH | stat.S_IWOTH):
        raise ValueError("%s: readable or writable by others (chmod 600 it)" % path)
    with open(path, "rb") as f:
        return f.readline().rstrip(b"\r\n").decode("utf-8")


def canonical(request):
    """The request without `sig`, sorted keys, no whitespace (same bytes as
    nlohmann::json::dump() on the gateway for the same object)."""
    body = {k: v for k, v in request.items() if k != "sig"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _check_target(target):
    """target is "site/gateway": the two topic levels of the gateway the
    command is for."""
    parts = target.split("/") if isinstance(target, str) else []
    if len(parts) != 2 or not all(parts):
        raise ValueError("a signed command needs its target gateway, site/gateway")
    return target


def signature(target, name, request, secret):
    """HMAC-SHA256 over "{site}/{gateway}\\n{name}\\n{canonical}"; target is
    "site/gateway"."""
    message = (_check_target(target) + "\n" + name + "\n" + canonical(request)).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def new_request_id():
    """Unique enough across centers and restarts; matches ^[A-Za-z0-9_.:-]{1,64}$."""
    return "center-%d-%s" % (int(time.time()), secrets.token_hex(4))


def _check_text(field, value, max_len, min_len=1):
    if not isinstance(value, str) or not min_len <= len(value) <= max_len:
        raise ValueError("%s must be %d..%d characters" % (field, min_len, max_len))


def build(name, fields, request_id=None, secret=None, now_ms=None, target=None):
    """The request object for command `name`: {"id", fields..., ["ts", "sig"]}.
    Checks what the gateway's schema would refuse, so a mistake is reported
    here, not as an `ok:false` reply. Signed (secret given), target is
    required: "site/gateway" of the gateway the command is for."""
    request = {"id": request_id or new_request_id()}
    if not contract.REQUEST_ID.match(request["id"]):
        raise ValueError("request id must match %s" % contract.REQUEST_ID.pattern)
    request.update(fields)
    if secret is not None:
        _check_target(target)
        request["ts"] = int(now_ms if now_ms is not None else time.time() * 1000)
        request["sig"] = signature(target, name, request, secret)
    return request


def for_resend(name, request, secret=None, now_ms=None, target=None):
    """The request to send again: the same one, or, signed, the same id and
    fields with a fresh ts and sig (for the same target, "site/gateway"). The
    gateway refuses a ts further than its max_skew_s from its clock, and that
    can be as little as 5 s: shorter than a resend takes."""
    if "sig" not in request or secret is None:
        return request
    fields = {k: v for k, v in request.items() if k not in ("id", "ts", "sig")}
    return build(name, fields, request["id"], secret, now_ms, target)


def ack(incident, by, note=None, **kw):
    """Acknowledge an incident (its id, or one of its newest 64 event ids): the
    gateway records who took it and stops re-notifying."""
    _check_text("incident", incident, 128)
    _check_text("by", by, 128)
    fields = {"incident": incident, "by": by}
    if note is not None:
        _check_text("note", note, 1024, min_len=0)
        fields["note"] = note
    return build("ack", fields, **kw)


def mode(new_mode, duration_s=None, **kw):
    """Switch the gateway to normal or emergency mode, until changed or, for
    emergency, for duration_s (60 s .. 7 days), after which it falls back to
    normal. The gateway refuses a duration with normal."""
    if new_mode not in MODES:
        raise ValueError("mode must be normal or emergency")
    fields = {"mode": new_mode}
    if duration_s is not None and new_mode != "emergency":
        raise ValueError("a duration goes with mode emergency only")
    if duration_s is not None:
        if not isinstance(duration_s, int) or not 60 <= duration_s <= 604800:
            raise ValueError("duration_s must be an integer 60..604800")
        fields["duration_s"] = duration_s
    return build("mode", fields, **kw)


class Pending:
    """A request waiting for its reply."""

    def __init__(self, name, key, request, sent_ms, on_done, on_resend=None):
        self.name, self.key, self.request = name, key, request
        self.sent_ms = sent_ms  # of the latest copy
        self.on_done = on_done  # called with (reply or None on timeout)
        self.on_resend = on_resend  # called with (self) to send it again
        self.resends = 0
        self.timed_out = False
        # The error of a refusal that claimed this request's id without the
        # gateway taking it for ours (see Outbox.claimed_by_unsigned).
        self.unvouched_refusal = None


class Outbox:
    """Requests sent and not yet answered, matched to replies by id. A reply
    that comes after the timeout (the gateway was offline, its command queue
    was long) is still matched and reported."""

    def __init__(self, timeout_s, resends=RESENDS):
        self.timeout_ms = int(timeout_s * 1000)
        self.resends = resends
        self.pending = {}  # request id -> Pending
        # Ids answered lately: each copy of a resent request may get its
        # reply again, and that one is ours too.
        self.answered_ids = collections.deque(maxlen=1000)
        self.sent = 0
        self.resent = 0
        self.answered = 0
        self.unanswered = 0

    def add(self, pending):
        self.pending[pending.request["id"]] = pending
        self.sent += 1

    def on_reply(self, reply):
        """-> the Pending it answers, or None (another center's request)."""
        p = self.pending.pop(reply.get("id"), None) if isinstance(reply, dict) else None
        if p:
            self.answered_ids.append(p.request["id"])
            self.answered += 1
            if p.timed_out:
                self.unanswered -= 1
            p.on_done(reply)
        return p

    def claimed_by_unsigned(self, reply):
        """-> the Pending a reply without id names in its error, or None.
        With signing on, the gateway names the id of a request it cannot
        vouch for (unsigned, bad signature) only in the error, so that a
        forged copy cannot answer the real command: the reply stays no
        answer, and the request pending. But it says why a center with the
        wrong secret file, or none, hears nothing: kept for the timeout's
        message, which said only "offline or busy"."""
        if not isinstance(reply, dict) or reply.get("id") is not None:
            return None
        m = re.search(r'request id "([^"]+)" not signed', str(reply.get("error", "")))
        p = self.pending.get(m.group(1)) if m else None
        if p:
            p.unvouched_refusal = reply.get("error")
        return p

    def answered_before(self, reply):
        return isinstance(reply, dict) and reply.get("id") in self.answered_ids

    def expire(self, now_ms):
        """A request unanswered after the timeout is sent again (on_resend),
        up to `resends` times; unanswered after the last copy, on_done(None)
        is called once. It stays pending in case the reply still comes."""
        for p in self.pending.values():
            if p.timed_out or now_ms - p.sent_ms < self.timeout_ms:
                continue
            if p.on_resend and p.resends < self.resends:
                p.resends += 1
                p.sent_ms = now_ms
                self.resent += 1
                p.on_resend(p)
            else:
                p.timed_out = True
                self.unanswered += 1
                p.on_done(None)
