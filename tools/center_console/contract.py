"""The gateway -> center MQTT contract as a center reads it (docs/contract.md).

Topics are {prefix}/{site}/{gateway}/{channel}[/{name}] where channel is one of
event, telemetry, status, evidence/{event id}, cmd/{name} (center -> gateway)
and reply/{name} (gateway -> center, answers to commands).
"""
import json
import re
import reprlib

SEVERITIES = ["info", "notice", "warning", "alarm", "critical"]

# The request-id and camera-id patterns of docs/schema/cmd-*.json.
REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def severity_rank(name):
    """info=0 .. critical=4; unknown severities rank below info."""
    return SEVERITIES.index(name) if name in SEVERITIES else -1


class Topic:
    """One parsed topic. `channel` is event|telemetry|status|evidence|cmd|reply;
    `name` is the evidence's event id or the command name (else None)."""

    def __init__(self, prefix, site, gateway, channel, name=None):
        self.prefix, self.site, self.gateway = prefix, site, gateway
        self.channel, self.name = channel, name

    @property
    def gateway_key(self):
        return self.site + "/" + self.gateway


def parse_topic(topic, prefix):
    """Topic -> Topic, or None when it is not a gateway topic under prefix."""
    parts = topic.split("/")
    if len(parts) < 4 or parts[0] != prefix:
        return None
    site, gateway, channel = parts[1], parts[2], parts[3]
    rest = parts[4:]
    if channel in ("event", "telemetry", "status") and not rest:
        return Topic(prefix, site, gateway, channel)
    if channel in ("evidence", "cmd", "reply") and len(rest) == 1 and rest[0]:
        return Topic(prefix, site, gateway, channel, rest[0])
    return None


def command_topic(prefix, site, gateway, name):
    return "%s/%s/%s/cmd/%s" % (prefix, site, gateway, name)


def parse_event_id(event_id):
    """'<gateway>-<boot>-<seq>' -> (gateway, boot, seq), or None.

    The gateway id may itself contain '-', so split from the right. boot is
    incremented durably at every gateway start and seq counts within a boot,
    so (gateway, boot) numbers every event the gateway made: 1, 2, 3, ...
    A hole in that sequence is an event the center never received."""
    parts = event_id.rsplit("-", 2)
    if len(parts) != 3 or not parts[0] or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return parts[0], int(parts[1]), int(parts[2])


# --- what a message must be before the center keeps it --------------------------
#
# The console reads fields as strings, whole numbers, flags: one of another
# type would raise deep inside the screen, the table sort or the summary, and
# a kept one at every restart (the journal is re-read). So a message is
# checked when it arrives, before it is kept, and refused as a bad message.
# Only types are checked, and only of the fields the center reads: a value
# it does not know (a new severity, kind or state) is shown as it is.

# 9999-12-31: the last day the screen's clock (time.localtime) can show.
MAX_TS_MS = 253402300799999


def _is_text(v):
    return isinstance(v, str)


def _is_id(v):
    return isinstance(v, str) and v != ""


def _is_whole(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_count(v):
    return _is_whole(v) and v >= 0


def _is_ms(v):
    return _is_whole(v) and 0 <= v <= MAX_TS_MS


TEXT = (_is_text, "a string")
ID = (_is_id, "a non-empty string")
COUNT = (_is_count, "a whole number >= 0")
MS = (_is_ms, "UTC ms, a whole number 0..%d" % MAX_TS_MS)
FLAG = (lambda v: isinstance(v, bool), "true or false")
OBJECT = (lambda v: isinstance(v, dict), "an object")
LIST = (lambda v: isinstance(v, list), "an array")
TEXT_OR_NULL = (lambda v: v is None or _is_text(v), "a string or null")
ID_OR_NULL = (lambda v: v is None or _is_id(v), "a non-empty string or null")

EVENT_FIELDS = {
    "id": ID, "incident": ID, "site": TEXT, "gateway": TEXT, "ts": MS,
    "detector": TEXT, "kind": TEXT, "type": TEXT, "severity": TEXT, "state": TEXT,
    "message": TEXT, "evidence": TEXT, "acked_by": TEXT, "ack_note": TEXT_OR_NULL,
    "renotify": COUNT, "escalated": FLAG,
}
EVIDENCE_FIELDS = {"evidence": ID, "content_type": TEXT, "size": COUNT, "data": TEXT}
SAMPLE_FIELDS = {"point": TEXT, "ts": MS}
STATUS_FIELDS = {"online": FLAG, "boot": COUNT, "version": TEXT, "mode": TEXT}
REPLY_FIELDS = {"id": ID_OR_NULL, "ok": FLAG, "error": TEXT, "result": OBJECT}


def loads(text):
    """JSON text (or UTF-8 bytes) -> value; ValueError for anything else."""
    try:
        return json.loads(text)
    except RecursionError:  # [[[[...]]]] is no ValueError: said here
        raise ValueError("JSON nested too deeply") from None


def decode(payload):
    """Payload bytes -> JSON value; ValueError (UnicodeDecodeError is one)
    for anything that is not UTF-8 JSON."""
    return loads(payload.decode("utf-8"))


def check(message, fields, what, required=()):
    """Returns message, or raises ValueError naming the first field the
    center would read as the wrong type, or a required one that is missing."""
    if not isinstance(message, dict):
        raise ValueError("%s is not a JSON object" % what)
    for name in required:
        if name not in message:
            raise ValueError("%s without %s" % (what, name))
    for name, (test, expected) in fields.items():
        if name in message and not test(message[name]):
            raise ValueError("%s field %s is not %s: %s" % (
                what, name, expected, reprlib.repr(message[name])))
    return message


def check_event(event):
    return check(event, EVENT_FIELDS, "event", required=("id",))


def check_evidence(evidence):
    return check(evidence, EVIDENCE_FIELDS, "evidence")


def check_telemetry(batch):
    check(batch, {"samples": LIST}, "telemetry")
    for sample in batch.get("samples", []):
        check(sample, SAMPLE_FIELDS, "telemetry sample")
    return batch


def check_status(status):
    return check(status, STATUS_FIELDS, "status")


def check_reply(reply):
    return check(reply, REPLY_FIELDS, "reply")


def is_report(event):
    """The store's own reports (store/telemetry_evicted, store_full, ...):
    a raise with no update or clear after it, never re-sent and not open to
    an ack (docs/contract.md). Listed, but no incident to handle."""
    return event.get("kind") == "store"
