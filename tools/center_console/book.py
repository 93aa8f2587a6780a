"""The center's book: what arrived, once, and what it means.

Everything a center must do with the gateway's at-least-once delivery
(docs/contract.md) happens here, without MQTT, so it can be read and tested
on its own:

- drop duplicates: events by `id`, evidence by `evidence` (the event id),
  telemetry samples by (gateway, point, ts);
- keep incidents: a `raise` opens one (its id is the incident id), `update`s
  and the `clear` carry that id in `incident`;
- save evidence images as JPEG files;
- measure delivery: end-to-end latency (receive time - event ts, valid when
  both clocks agree: same host, or NTP-synced gateways, see `clock`), and the
  holes in each gateway's event-id sequence (ids are <gateway>-<boot>-<seq>,
  seq counting 1, 2, 3 ... within a boot, so a hole is an event made and
  never received).

Before a message is acknowledged to the broker it must be kept: the console
calls these methods from the MQTT message callback, and Paho sends the PUBACK
after the callback returns. The journal (events.jsonl) is written and
flushed before the method returns, so a center that crashes re-reads it
instead of losing what it had acknowledged. A message that could not be kept
raises KeepError: it must not be acknowledged.
"""
import base64
import binascii
import json
import os
import re

from . import contract

# The newest bad messages kept with why; older ones are only counted, so a
# flood of garbage grows neither memory nor summary.json.
BAD_MESSAGES_KEPT = 100

# A line of events.jsonl: one event as it arrived.
JOURNAL_FIELDS = {"topic": contract.TEXT, "rx_ms": contract.COUNT, "payload": contract.TEXT}

# An image is written under this suffix, then renamed (see _save_image).
TEMP_SUFFIX = ".tmp"



def missing_count(gaps):
    """How many ids the ranges of gaps() (or the summary's "gaps") hold. A
    summary written before ranges lists single ids: each counts one."""
    return sum(1 if isinstance(r, int) else r[1] - r[0] + 1
               for ranges in gaps.values() for r in ranges)

class KeepError(Exception):
    """A message could not be kept (journal, evidence file): the center must
    not acknowledge it, so that the broker delivers it again."""


def cut_torn_tail(path):
    """Truncates the file after its last newline; returns the bytes cut.

    A crash inside a journal write leaves a last line without its newline.
    That record was never acknowledged (the broker sends it again), and the
    next record appended would be glued onto it and lost with it."""
    with open(path, "rb+") as f:
        size = f.seek(0, os.SEEK_END)
        end = size
        while end > 0:
            start = max(0, end - 4096)
            f.seek(start)
            newline = f.read(end - start).rfind(b"\n")
            if newline >= 0:
                end = start + newline + 1
                break
            end = start
        if end < size:
            f.truncate(end)
            os.fsync(f.fileno())
    return size - end


def fsync_dir(path):
    """Makes a rename in the folder durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a list, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-p * len(ordered) // 100)))  # ceil(p/100 * n)
    return ordered[min(rank, len(ordered)) - 1]


class Incident:
    """One incident as the center sees it: the raise and what followed."""

    def __init__(self, incident_id, event, rx_ms):
        self.id = incident_id
        self.site = event.get("site", "?")
        self.gateway = event.get("gateway", "?")
        self.detector = event.get("detector", "?")
        self.kind = event.get("kind", "?")
        self.type = event.get("type", "?")
        self.severity = event.get("severity", "info")
        self.max_severity = self.severity
        self.state = "active"
        self.raised_ts = event.get("ts") if event.get("state") == "raise" else None
        self.first_seen_ts = event.get("ts", rx_ms)
        self.raise_latency_ms = None
        self.cleared_ts = None
        self.message = event.get("message", "")       # the latest
        self.raise_message = self.message if event.get("state") == "raise" else None
        self.events = []        # (ts, state, severity, event id, message)
        self.evidence = []      # event ids that named an image
        self.acked_by = None    # from the gateway's update event (closed loop)
        self.ack_note = None
        self.acked_ts = None
        self.ack_request = None  # what this center asked: {"id", "status", "by", ...}
        self.report = contract.is_report(event)
        self.renotify = 0       # re-notifications of an unacknowledged incident
        self.escalated = False

    @property
    def key(self):
        return self.site + "/" + self.gateway

    @property
    def ackable(self):
        """The gateway refuses an ack of a store report."""
        return not self.report

    def ack_text(self):
        """What the ack column shows."""
        if self.acked_by:
            return "acked: " + self.acked_by
        if self.ack_request:
            return "ack " + self.ack_request["status"]
        return "-"


class Book:
    """The center's state. Not thread-safe: the console holds its lock."""

    def __init__(self, out_dir=None, prefix="city"):
        self.prefix = prefix
        self.out_dir = out_dir
        self.evidence_dir = os.path.join(out_dir, "evidence") if out_dir else None
        self.incidents = {}        # incident id -> Incident, in arrival order
        self.events = {}           # event id -> (event, rx_ms): the dedupe set
        self.seqs = {}             # (gateway, boot) -> set of seq received
        self.latencies = []        # (event ts, latency ms) of every unique event
        self.duplicate_events = 0
        self.duplicate_evidence = 0
        self.evidence = {}         # event id -> saved file (relative to out_dir)
        self.evidence_errors = []  # (event id, why) for images that could not be used
        self.telemetry_batches = 0
        self.telemetry_samples = 0
        self.duplicate_samples = 0
        self._samples_seen = set()  # (site/gateway, point, ts); a real center bounds this
        self.status = {}           # site/gateway -> last status payload
        self.replies = []          # (rx_ms, command name, reply)
        self.commands = []         # what this center sent: dicts kept up to date by the console
        self.offline = []          # [start_ms, end_ms or None]: center not connected
        self.renotifications = 0
        self.started_ms = None
        self.bad_messages = []     # (topic, why), the newest BAD_MESSAGES_KEPT
        self.bad_message_count = 0
        self.journal_skipped = []  # (line number, why): records a restart could not apply
        self.journal_torn_bytes = 0
        self._journal = None
        if out_dir:
            os.makedirs(self.evidence_dir, exist_ok=True)

    # --- journal: what was received, kept before it is acknowledged -----------

    def open_journal(self):
        """Re-reads events.jsonl (a restarted center keeps its dedupe set and
        incidents), then appends to it. Returns how many records were read;
        those it could not apply are in journal_skipped."""
        if not self.out_dir:
            return 0
        path = os.path.join(self.out_dir, "events.jsonl")
        replayed = 0
        if os.path.exists(path):
            self.journal_torn_bytes = cut_torn_tail(path)
            with open(path, "rb") as f:
                for number, line in enumerate(f, 1):
                    why = self._replay(line)
                    if why:
                        self.journal_skipped.append((number, why))
                    else:
                        replayed += 1
        self._scan_evidence()
        self._journal = open(path, "a", encoding="utf-8")
        return replayed

    def _replay(self, line):
        """Applies one journal record; returns why it could not, or None."""
        try:
            rec = contract.check(contract.loads(line), JOURNAL_FIELDS, "journal record",
                                 required=tuple(JOURNAL_FIELDS))
            self.on_event(rec["topic"], rec["payload"].encode(), rec["rx_ms"], journal=False)
        except Exception as e:
            # One record (kept by an older center, or damaged) must not
            # stop the center from starting: skipped and reported.
            return "%s: %s" % (type(e).__name__, e)
        return None

    def _scan_evidence(self):
        """The images saved before: the journal holds events only, and the
        evidence of a replayed incident must not read as missing (nor an
        image delivered again as new). Each file is named by its event id.
        A temp file is an image whose write a crash cut short: it was never
        acknowledged, the broker delivers it again, so it is deleted."""
        for name in sorted(os.listdir(self.evidence_dir)):
            if name.endswith(".jpg"):
                self.evidence.setdefault(name[:-4], os.path.join("evidence", name))
            elif name.endswith(".jpg" + TEMP_SUFFIX):
                os.remove(os.path.join(self.evidence_dir, name))

    def close(self):
        if self._journal:
            try:
                self._journal.close()
            except OSError:
                pass  # the rest of a record that raised KeepError: cut at the next open
            self._journal = None

    def _keep(self, topic, payload_text, rx_ms):
        if not self._journal:
            return
        try:
            self._journal.write(json.dumps({"topic": topic, "rx_ms": rx_ms,
                                            "payload": payload_text}) + "\n")
            self._journal.flush()
            os.fsync(self._journal.fileno())
        except OSError as e:
            raise KeepError("events.jsonl: %s" % e) from e

    def refuse(self, topic, why):
        """Counts a message the center cannot use."""
        self.bad_message_count += 1
        self.bad_messages.append((topic, why))
        del self.bad_messages[:-BAD_MESSAGES_KEPT]

    # --- connection ------------------------------------------------------------

    def on_connection(self, connected, now_ms):
        """Connection changes after the first connect: the windows in which
        the center could not hear the gateways (its own stop is no outage)."""
        if self.started_ms is None:
            if not connected:
                return
            self.started_ms = now_ms
        if connected and self.offline and self.offline[-1][1] is None:
            self.offline[-1][1] = now_ms
        elif not connected and (not self.offline or self.offline[-1][1] is not None):
            self.offline.append([now_ms, None])

    def was_offline_at(self, ts):
        return any(start <= ts and (end is None or ts < end) for start, end in self.offline)

    # --- events ----------------------------------------------------------------

    def on_event(self, topic, payload, rx_ms, journal=True):
        """Returns (event, incident, duplicate_of_rx_ms): duplicate_of_rx_ms is
        set (and nothing changes) when this id was received before. Raises
        ValueError for a payload that is not an event (before it is kept)."""
        text = payload.decode("utf-8")
        event = contract.check_event(contract.loads(text))
        event_id = event["id"]
        if event_id in self.events:
            self.duplicate_events += 1
            return event, self.incidents.get(event.get("incident", event_id)), \
                self.events[event_id][1]
        if journal:
            self._keep(topic, text, rx_ms)
        self.events[event_id] = (event, rx_ms)
        parsed = contract.parse_event_id(event_id)
        if parsed:
            self.seqs.setdefault(parsed[:2], set()).add(parsed[2])
        ts = event.get("ts")
        if isinstance(ts, int):
            self.latencies.append((ts, rx_ms - ts))
        return event, self._apply(event, rx_ms), None

    def _apply(self, event, rx_ms):
        incident_id = event.get("incident") or event["id"]
        inc = self.incidents.get(incident_id)
        if inc is None:
            # A raise, or an update/clear whose raise this center never saw
            # (it started later): the incident begins here either way.
            inc = self.incidents[incident_id] = Incident(incident_id, event, rx_ms)
        state = event.get("state")
        severity = event.get("severity", inc.severity)
        if state == "raise" and isinstance(event.get("ts"), int):
            inc.raised_ts = event["ts"]
            inc.raise_latency_ms = rx_ms - event["ts"]
            inc.raise_message = event.get("message", "")
        inc.events.append((event.get("ts"), state, severity, event["id"],
                           event.get("message", "")))
        inc.message = event.get("message", inc.message)
        if state == "clear":
            inc.state = "cleared"
            inc.cleared_ts = event.get("ts")
        else:
            inc.severity = severity
            if contract.severity_rank(severity) > contract.severity_rank(inc.max_severity):
                inc.max_severity = severity
            # An info raise (mode_changed, a snapshot, a test event) is a
            # notice: nothing clears it, and it is nothing to handle, so it
            # must not stay among the active incidents for ever.
            if inc.state != "cleared":
                inc.state = self._open_state(inc)
        if event.get("evidence"):
            inc.evidence.append(event["evidence"])
        # Closed-loop fields (issue 13): the gateway's own record of the ack,
        # re-notifications of unacknowledged incidents, escalation.
        if event.get("acked_by"):
            if not inc.acked_by:
                inc.acked_ts = event.get("ts")
            inc.acked_by = event["acked_by"]
            inc.ack_note = event.get("ack_note")
        if event.get("renotify"):
            inc.renotify = max(inc.renotify, event["renotify"])
            self.renotifications += 1
        if event.get("escalated"):
            inc.escalated = True
        return inc

    @staticmethod
    def _open_state(inc):
        # A store report never clears and takes no ack: kept active, it
        # would be there for ever and draw the playbook's ack.
        if inc.report:
            return "report"
        return "notice" if inc.max_severity == "info" else "active"

    # --- evidence ----------------------------------------------------------------

    def on_evidence(self, topic, payload, rx_ms):
        """Saves the image as evidence/<event id>.jpg. Returns (event id,
        path or None, duplicate?). Raises ValueError for a payload that is
        not evidence."""
        ev = contract.check_evidence(contract.decode(payload))
        event_id = ev.get("evidence") or topic.rsplit("/", 1)[-1]
        if event_id in self.evidence:
            self.duplicate_evidence += 1
            return event_id, self.evidence[event_id], True
        why = None
        try:
            data = base64.b64decode(ev.get("data", ""), validate=True)
        except (binascii.Error, ValueError):
            data, why = b"", "data is not base64"
        if not why and ev.get("content_type") != "image/jpeg":
            why = "content_type %r is not image/jpeg" % ev.get("content_type")
        if not why and len(data) != ev.get("size"):
            why = "size %r but %d bytes decoded" % (ev.get("size"), len(data))
        if not why and data[:2] != b"\xff\xd8":
            why = "not a JPEG"
        if why:
            self.evidence_errors.append((event_id, why))
            return event_id, None, False
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", event_id) + ".jpg"
        rel = os.path.join("evidence", name)
        if self.out_dir:
            self._save_image(rel, data)
        self.evidence[event_id] = rel
        return event_id, rel, False

    def _save_image(self, rel, data):
        """Written under a temp name and renamed: a crash mid-write leaves a
        temp file, never a torn <event id>.jpg that a restart would take as
        saved (and drop the image delivered again as a duplicate)."""
        path = os.path.join(self.out_dir, rel)
        tmp = path + TEMP_SUFFIX
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            fsync_dir(os.path.dirname(path))
        except OSError as e:
            raise KeepError("%s: %s" % (rel, e)) from e

    # --- telemetry, status, replies -------------------------------------------------

    def on_telemetry(self, key, payload):
        batch = contract.check_telemetry(contract.decode(payload))
        self.telemetry_batches += 1
        fresh = 0
        for s in batch.get("samples", []):
            k = (key, s.get("point"), s.get("ts"))
            if k in self._samples_seen:
                self.duplicate_samples += 1
            else:
                self._samples_seen.add(k)
                fresh += 1
        self.telemetry_samples += fresh
        return fresh

    def on_status(self, key, payload):
        if not payload:  # a retained status being deleted
            self.status.pop(key, None)
            return None
        st = contract.check_status(contract.decode(payload))
        self.status[key] = st
        return st

    def on_reply(self, name, payload, rx_ms):
        reply = contract.check_reply(contract.decode(payload))
        self.replies.append((rx_ms, name, reply))
        return reply

    # --- figures -------------------------------------------------------------------

    def gaps(self):
        """(gateway, boot) -> [first, last] ranges of the seqs missing between
        the lowest and the highest seen. Not from 1: the persistent session
        holds what comes after the center's first subscription, not what a
        gateway sent before (a center that joins a running gateway). Ranges,
        not every id: one id with a huge seq (x-1-99999999999999) made a
        list of 10^14 numbers every second, and the console hung at each
        restart too (the journal replays it)."""
        out = {}
        for key, seen in self.seqs.items():
            ordered = sorted(seen)
            missing = [[a + 1, b - 1] for a, b in zip(ordered, ordered[1:]) if b - a > 1]
            if missing:
                out[key] = missing
        return out

    def missing_evidence(self):
        """Event ids that named an image the center does not have."""
        named = {e.get("evidence") for e, _ in self.events.values() if e.get("evidence")}
        return sorted(named - set(self.evidence))

    def latency_figures(self):
        """p50/p99/max over all unique events, and split into events made while
        the center was connected (live) and while it was not (held by the
        gateway's store during an outage)."""
        live = [l for ts, l in self.latencies if not self.was_offline_at(ts)]
        held = [l for ts, l in self.latencies if self.was_offline_at(ts)]
        allv = [l for _, l in self.latencies]

        def fig(v):
            return {"n": len(v), "p50_ms": percentile(v, 50), "p99_ms": percentile(v, 99),
                    "max_ms": max(v) if v else None}
        return {"all": fig(allv), "live": fig(live), "held": fig(held)}

    def _evidence_entry(self, event_id):
        event = self.events.get(event_id, ({}, None))[0]
        return {"path": self.evidence[event_id], "event": event_id, "ts": event.get("ts"),
                "message": event.get("message", "")}

    def summary(self):
        """Everything the report and scripts need, JSON-ready."""
        incidents = []
        for inc in self.incidents.values():
            incidents.append({
                "incident": inc.id, "site": inc.site, "gateway": inc.gateway,
                "detector": inc.detector, "kind": inc.kind, "type": inc.type,
                "severity": inc.severity, "max_severity": inc.max_severity, "state": inc.state,
                "raised_ts": inc.raised_ts, "cleared_ts": inc.cleared_ts,
                "raise_latency_ms": inc.raise_latency_ms, "acked_by": inc.acked_by,
                "ack_note": inc.ack_note, "acked_ts": inc.acked_ts,
                "ack_request": inc.ack_request, "renotify": inc.renotify,
                "escalated": inc.escalated, "message": inc.message,
                "raise_message": inc.raise_message,
                "evidence": [self._evidence_entry(e) for e in inc.evidence if e in self.evidence],
                "events": [{"ts": t, "state": s, "severity": sev, "id": i, "message": m}
                           for t, s, sev, i, m in inc.events],
            })
        return {
            "prefix": self.prefix,
            "events": {"unique": len(self.events), "duplicates_dropped": self.duplicate_events,
                       "gaps": {"%s-%d" % k: v for k, v in self.gaps().items()},
                       "ids": {"%s-%d" % k: sorted(v) for k, v in self.seqs.items()}},
            "evidence": {"saved": len(self.evidence), "duplicates_dropped": self.duplicate_evidence,
                         "missing": self.missing_evidence(),
                         "errors": [list(e) for e in self.evidence_errors]},
            "telemetry": {"batches": self.telemetry_batches, "samples": self.telemetry_samples,
                          "duplicate_samples": self.duplicate_samples},
            "latency": self.latency_figures(),
            "renotifications": self.renotifications,
            "offline": self.offline,
            "status": self.status,
            "replies": [{"rx_ms": t, "command": n, "reply": r} for t, n, r in self.replies],
            "commands": self.commands,
            "incidents": incidents,
            "bad_messages": [list(b) for b in self.bad_messages],
            "bad_message_count": self.bad_message_count,
            "journal": {"skipped": [list(j) for j in self.journal_skipped],
                        "torn_bytes": self.journal_torn_bytes},
        }
