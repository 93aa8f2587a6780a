"""The gateway -> center MQTT contract as a center reads it (docs/contract.md).

Topics are {prefix}/{site}/{gateway}/{channel}[/{name}] where channel is one of
event, telemetry, status, evidence/{event id}, cmd/{name} (center -> gateway)
and reply/{name} (gateway -> center, answers to commands).
"""
import re

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
