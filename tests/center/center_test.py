"""tools/center: the reference district-center console.

BookTest, CommandsTest: its logic without a broker (dedupe, incidents,
evidence, holes in the id sequence, latency; request building and signing,
checked against the command schemas and against `openssl dgst`).
ReportTest: report.html rendered in headless Chromium, the screenshot must
show the page (many colours, the severity colours of the timeline).
ConsoleTest: tools/center against a real mosquitto on a loopback port.
"""
import base64
import errno
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zlib
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from center_console import book as book_mod  # noqa: E402
from center_console import commands  # noqa: E402
from center_console import report  # noqa: E402

JPEG = "/usr/share/doc/opencv-doc/examples/data/apple.jpg"  # opencv-doc (tools/setup)


def event(seq, state="raise", severity="alarm", incident_seq=None, ts=1700000000000, **extra):
    e = {"v": 1, "id": "gw-01-3-%08d" % seq,
         "incident": "gw-01-3-%08d" % (incident_seq or seq),
         "site": "site-001", "gateway": "gw-01", "ts": ts, "clock": "synced",
         "detector": "flood-1", "kind": "flood", "type": "water_depth", "severity": severity,
         "state": state, "value": 31.5, "unit": "cm", "message": "water depth 31.5 cm",
         "details": {}}
    e.update(extra)
    return e


def payload(obj):
    return json.dumps(obj).encode()


def evidence(event_id, data, **extra):
    ev = {"evidence": event_id, "v": 1, "site": "site-001", "gateway": "gw-01",
          "ts": 1700000000000, "content_type": "image/jpeg", "encoding": "base64",
          "size": len(data), "data": base64.b64encode(data).decode()}
    ev.update(extra)
    return ev


def malformed_messages():
    """(topic, payload): one of each shape that once took the console down
    (and, kept in the journal, every restart after it). Events use id 1, so
    that a good event 1 after them shows none of them was taken."""
    ev = "city/site-001/gw-01/event"
    return [
        (ev, payload(event(1, incident=["x"]))),
        (ev, payload(event(1, site=5))),
        (ev, payload(event(1, ts="x"))),
        (ev, payload(event(1, ts=10 ** 20))),
        (ev, payload(event(1, renotify=7)).replace(b'"renotify": 7', b'"renotify": 1e400')),
        (ev, payload(event(1, evidence=["x"]))),
        (ev, payload(event(1, escalated="yes"))),
        (ev, b'["x"]'),
        (ev, b"\xff\xfe not UTF-8"),
        (ev, b"[" * 100000),
        ("city/site-001/gw-01/status", b"[1]"),
        ("city/site-001/gw-01/status", payload({"online": True, "mode": 5})),
        ("city/site-001/gw-01/reply/ack", b"[1]"),
        ("city/site-001/gw-01/reply/ack", payload({"id": ["x"], "ok": True})),
        ("city/site-001/gw-01/telemetry", b"[1]"),
        ("city/site-001/gw-01/telemetry", payload({"samples": [{"point": ["p"], "ts": 1}]})),
        ("city/site-001/gw-01/evidence/gw-01-3-00000001",
         payload(dict(evidence("gw-01-3-00000001", b"\xff\xd8"), data=5))),
    ]


def feed(b, topic, data):
    """Hands one message to the book the way the console does."""
    channel = topic.split("/")[3]
    if channel == "event":
        return b.on_event(topic, data, 1700000000000)
    if channel == "evidence":
        return b.on_evidence(topic, data, 1700000000000)
    if channel == "telemetry":
        return b.on_telemetry("site-001/gw-01", data)
    if channel == "status":
        return b.on_status("site-001/gw-01", data)
    return b.on_reply(topic.rsplit("/", 1)[1], data, 1700000000000)


def store_full(seq):
    return event(seq, detector="store", kind="store", type="store_full", severity="alarm",
                 message="store full: alarms refused", value=None, unit="")


def journal_line(topic, payload_text, rx_ms=1700000000000):
    return json.dumps({"topic": topic, "rx_ms": rx_ms, "payload": payload_text}) + "\n"


class TempDir(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="center-test.")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class BookTest(TempDir):
    def test_a_repeated_event_id_is_dropped_and_counted(self):
        b = book_mod.Book(self.dir)
        b.open_journal()
        self.addCleanup(b.close)
        _, inc, dup = b.on_event("city/site-001/gw-01/event", payload(event(1)), 1700000000100)
        self.assertIsNone(dup)
        _, _, dup = b.on_event("city/site-001/gw-01/event", payload(event(1)), 1700000005000)
        self.assertEqual(1700000000100, dup)
        self.assertEqual(1, b.duplicate_events)
        self.assertEqual(1, len(b.events))
        self.assertEqual(1, len(inc.events))
        self.assertEqual(100, inc.raise_latency_ms)

    def test_an_incident_follows_its_raise_id_to_the_clear(self):
        b = book_mod.Book()
        b.on_event("t", payload(event(1, severity="warning")), 1700000000050)
        b.on_event("t", payload(event(2, "update", "alarm", incident_seq=1)), 1700000000060)
        b.on_event("t", payload(event(3, "clear", "info", incident_seq=1)), 1700000000070)
        self.assertEqual(["gw-01-3-00000001"], list(b.incidents))
        inc = b.incidents["gw-01-3-00000001"]
        self.assertEqual("cleared", inc.state)
        self.assertEqual("alarm", inc.max_severity)
        self.assertEqual(["raise", "update", "clear"], [e[1] for e in inc.events])

    def test_an_update_without_its_raise_still_makes_an_incident(self):
        b = book_mod.Book()
        b.on_event("t", payload(event(5, "update", "alarm", incident_seq=2)), 1700000000000)
        inc = b.incidents["gw-01-3-00000002"]
        self.assertIsNone(inc.raised_ts)
        self.assertEqual("active", inc.state)

    def test_an_info_raise_is_a_notice_not_an_active_incident(self):
        b = book_mod.Book()
        b.on_event("t", payload(event(1, severity="info", kind="system", type="mode_changed",
                                      detector="mode")), 1700000000000)
        self.assertEqual("notice", b.incidents["gw-01-3-00000001"].state)
        b.on_event("t", payload(event(2)), 1700000000000)
        self.assertEqual("active", b.incidents["gw-01-3-00000002"].state)

    def test_holes_in_the_id_sequence_are_missing_events(self):
        b = book_mod.Book()
        for seq in (1, 2, 4, 7):
            b.on_event("t", payload(event(seq)), 1700000000000)
        self.assertEqual({("gw-01", 3): [[3, 3], [5, 6]]}, b.gaps())
        self.assertEqual(3, book_mod.missing_count(b.gaps()))

    def test_a_huge_seq_is_one_range_not_a_hang(self):
        b = book_mod.Book()
        for seq in (5, 6, 99999999999999):
            b.on_event("t", payload(event(seq)), 1700000000000)
        self.assertEqual({("gw-01", 3): [[7, 99999999999998]]}, b.gaps())
        self.assertEqual(99999999999992, book_mod.missing_count(b.gaps()))

    def test_a_summary_from_before_ranges_still_counts_and_renders(self):
        from center_console import report
        self.assertEqual(4, book_mod.missing_count({"gw-01-3": [3, 5], "gw-01-4": [[7, 8]]}))
        self.assertEqual(["3", "7-8"], [report.id_range(3), report.id_range([7, 8])])

    def test_ids_before_the_first_one_seen_are_not_missing(self):
        b = book_mod.Book()  # joined a gateway at seq 40
        for seq in (40, 41, 43):
            b.on_event("t", payload(event(seq)), 1700000000000)
        self.assertEqual({("gw-01", 3): [[42, 42]]}, b.gaps())

    def test_gateway_ids_with_dashes_parse(self):
        from center_console import contract
        self.assertEqual(("gw-north-2", 12, 40), contract.parse_event_id("gw-north-2-12-00000040"))
        self.assertIsNone(contract.parse_event_id("nonsense"))

    def test_closed_loop_fields_are_kept(self):
        b = book_mod.Book()
        b.on_event("t", payload(event(1)), 1700000000000)
        b.on_event("t", payload(event(2, "update", "alarm", incident_seq=1, renotify=1)), 1)
        b.on_event("t", payload(event(3, "update", "critical", incident_seq=1, escalated=True)), 1)
        b.on_event("t", payload(event(4, "update", "critical", incident_seq=1,
                                      acked_by="ops", ack_note="crew sent")), 1)
        inc = b.incidents["gw-01-3-00000001"]
        self.assertEqual((1, True, "ops", "crew sent"),
                         (inc.renotify, inc.escalated, inc.acked_by, inc.ack_note))
        self.assertEqual(1, b.renotifications)
        self.assertEqual("acked: ops", inc.ack_text())

    def test_evidence_is_saved_once_as_the_jpeg_it_carries(self):
        with open(JPEG, "rb") as f:
            jpeg = f.read()
        b = book_mod.Book(self.dir)
        b.on_event("t", payload(event(1, evidence="gw-01-3-00000001")), 1700000000000)
        eid, rel, dup = b.on_evidence("city/site-001/gw-01/evidence/gw-01-3-00000001",
                                      payload(evidence("gw-01-3-00000001", jpeg)), 1)
        self.assertFalse(dup)
        with open(os.path.join(self.dir, rel), "rb") as f:
            self.assertEqual(jpeg, f.read())
        _, _, dup = b.on_evidence("x", payload(evidence("gw-01-3-00000001", jpeg)), 2)
        self.assertTrue(dup)
        self.assertEqual(1, b.duplicate_evidence)
        self.assertEqual([], b.missing_evidence())

    def test_bad_evidence_is_reported_not_saved(self):
        b = book_mod.Book(self.dir)
        b.on_event("t", payload(event(1, evidence="gw-01-3-00000001")), 1700000000000)
        _, rel, _ = b.on_evidence("x", payload(evidence("gw-01-3-00000001", b"not a jpeg")), 1)
        self.assertIsNone(rel)
        _, rel, _ = b.on_evidence("x", payload(evidence("gw-01-3-00000001", b"\xff\xd8xx",
                                                        size=99)), 1)
        self.assertIsNone(rel)
        self.assertEqual(["gw-01-3-00000001"], b.missing_evidence())
        self.assertIn("size", b.evidence_errors[-1][1])

    def test_repeated_telemetry_samples_are_counted_once(self):
        b = book_mod.Book()
        batch = payload({"samples": [{"point": "p", "ts": 1, "value": 1.0, "quality": "good"},
                                     {"point": "p", "ts": 2, "value": 1.0, "quality": "good"}]})
        self.assertEqual(2, b.on_telemetry("site-001/gw-01", batch))
        self.assertEqual(0, b.on_telemetry("site-001/gw-01", batch))
        self.assertEqual((2, 2), (b.telemetry_samples, b.duplicate_samples))

    def test_latency_of_events_made_during_an_outage_is_reported_apart(self):
        b = book_mod.Book()
        b.on_connection(True, 1000)
        b.on_event("t", payload(event(1, ts=2000)), 2050)
        b.on_connection(False, 3000)
        b.on_event("t", payload(event(2, ts=4000)), 9000)  # held in the gateway's store
        b.on_connection(True, 8900)
        f = b.latency_figures()
        self.assertEqual((1, 50), (f["live"]["n"], f["live"]["p50_ms"]))
        self.assertEqual((1, 5000), (f["held"]["n"], f["held"]["max_ms"]))
        self.assertEqual(2, f["all"]["n"])

    def test_only_disconnections_after_the_first_connect_are_outages(self):
        b = book_mod.Book()
        b.on_connection(False, 500)  # not connected yet: no outage
        b.on_connection(True, 1000)
        b.on_connection(False, 2000)
        b.on_connection(True, 2500)
        self.assertEqual([[2000, 2500]], b.offline)

    def test_percentiles_use_the_nearest_rank(self):
        values = list(range(1, 101))
        self.assertEqual((50, 99, 100), (book_mod.percentile(values, 50),
                                         book_mod.percentile(values, 99),
                                         book_mod.percentile(values, 100)))
        self.assertIsNone(book_mod.percentile([], 50))

    def test_a_restarted_center_still_has_the_evidence_it_saved(self):
        with open(JPEG, "rb") as f:
            jpeg = f.read()
        b = book_mod.Book(self.dir)
        b.open_journal()
        b.on_event("t", payload(event(1, evidence="gw-01-3-00000001")), 1700000000000)
        b.on_evidence("x", payload(evidence("gw-01-3-00000001", jpeg)), 1)
        b.close()
        again = book_mod.Book(self.dir)
        again.open_journal()
        self.addCleanup(again.close)
        self.assertEqual([], again.missing_evidence())
        _, _, dup = again.on_evidence("x", payload(evidence("gw-01-3-00000001", jpeg)), 2)
        self.assertTrue(dup)

    def test_a_restarted_center_keeps_its_dedupe_set_from_the_journal(self):
        b = book_mod.Book(self.dir)
        b.open_journal()
        b.on_event("city/site-001/gw-01/event", payload(event(1)), 1700000000100)
        b.close()
        again = book_mod.Book(self.dir)
        self.assertEqual(1, again.open_journal())
        self.addCleanup(again.close)
        _, _, dup = again.on_event("city/site-001/gw-01/event", payload(event(1)), 1)
        self.assertIsNotNone(dup)

    def test_malformed_messages_are_refused_before_they_are_kept(self):
        b = book_mod.Book(self.dir)
        b.open_journal()
        for topic, data in malformed_messages():
            with self.assertRaises(ValueError, msg=data[:80]):
                feed(b, topic, data)
        self.assertEqual(({}, {}, {}, [], 0), (b.events, b.incidents, b.status, b.replies,
                                              b.telemetry_batches))
        self.assertEqual({}, b.evidence)
        _, inc, dup = b.on_event("city/site-001/gw-01/event", payload(event(1)), 1700000000100)
        self.assertIsNone(dup)
        self.assertEqual("active", inc.state)
        b.summary()  # the report's figures hold nothing they would trip over
        b.close()
        again = book_mod.Book(self.dir)
        self.assertEqual(1, again.open_journal())
        self.addCleanup(again.close)
        self.assertEqual([], again.journal_skipped)

    def test_a_journal_record_that_cannot_be_applied_is_skipped_and_reported(self):
        # What an older center kept before it checked what it kept.
        t = "city/site-001/gw-01/event"
        with open(os.path.join(self.dir, "events.jsonl"), "w") as f:
            f.write(journal_line(t, json.dumps(event(1, incident=["x"]))))
            f.write(journal_line(t, json.dumps(event(2, renotify=7)).replace(
                '"renotify": 7', '"renotify": 1e400')))
            f.write("not json\n")
            f.write(json.dumps({"topic": t, "rx_ms": 1}) + "\n")
            f.write("[1]\n")
            f.write(journal_line(t, json.dumps(event(6))))
        b = book_mod.Book(self.dir)
        self.assertEqual(1, b.open_journal())
        self.addCleanup(b.close)
        self.assertEqual([1, 2, 3, 4, 5], [n for n, _ in b.journal_skipped])
        self.assertEqual(["gw-01-3-00000006"], list(b.events))
        self.assertEqual(5, len(b.summary()["journal"]["skipped"]))

    def test_a_torn_last_journal_line_does_not_swallow_the_next_record(self):
        t = "city/site-001/gw-01/event"
        b = book_mod.Book(self.dir)
        b.open_journal()
        b.on_event(t, payload(event(1)), 1700000000100)
        b.close()
        torn = journal_line(t, json.dumps(event(2)))[:40]
        with open(os.path.join(self.dir, "events.jsonl"), "a") as f:
            f.write(torn)  # a crash inside the write
        again = book_mod.Book(self.dir)
        self.assertEqual(1, again.open_journal())
        self.assertEqual(len(torn), again.journal_torn_bytes)
        again.on_event(t, payload(event(3)), 1700000000300)
        again.close()
        third = book_mod.Book(self.dir)
        self.assertEqual(2, third.open_journal())
        self.addCleanup(third.close)
        self.assertEqual([], third.journal_skipped)
        self.assertEqual(["gw-01-3-00000001", "gw-01-3-00000003"], list(third.events))

    def test_a_message_that_cannot_be_kept_is_not_taken(self):
        b = book_mod.Book(self.dir)
        b.open_journal()
        b.close()
        b._journal = open("/dev/full", "a", encoding="utf-8")  # a full disk
        self.addCleanup(b.close)
        with self.assertRaises(book_mod.KeepError):
            b.on_event("t", payload(event(1)), 1700000000000)
        # Not in the dedupe set: delivered again, it is taken then.
        self.assertEqual({}, b.events)

    def test_a_store_report_is_listed_but_is_no_incident_to_handle(self):
        from center_console import view
        b = book_mod.Book()
        b.on_event("t", payload(store_full(1)), 1700000000000)
        b.on_event("t", payload(event(2)), 1700000000000)
        report, flood = b.incidents["gw-01-3-00000001"], b.incidents["gw-01-3-00000002"]
        self.assertEqual(("report", False), (report.state, report.ackable))
        self.assertEqual(("active", True), (flood.state, flood.ackable))
        self.assertEqual([flood, report], view.incident_rows(b))

    def test_an_image_torn_by_a_crash_is_not_taken_for_saved(self):
        with open(JPEG, "rb") as f:
            jpeg = f.read()
        folder = os.path.join(self.dir, "evidence")
        b = book_mod.Book(self.dir)
        b.open_journal()
        # The crash: the bytes are written, they never reach the disk.
        with mock.patch.object(book_mod.os, "fsync", side_effect=OSError(errno.EIO, "I/O")):
            with self.assertRaises(book_mod.KeepError):
                b.on_evidence("x", payload(evidence("gw-01-3-00000001", jpeg)), 1)
        b.close()
        self.assertEqual(["gw-01-3-00000001.jpg" + book_mod.TEMP_SUFFIX], os.listdir(folder))
        again = book_mod.Book(self.dir)
        again.open_journal()
        self.addCleanup(again.close)
        self.assertEqual([], os.listdir(folder))  # the leftover is no image
        _, rel, dup = again.on_evidence("x", payload(evidence("gw-01-3-00000001", jpeg)), 2)
        self.assertFalse(dup)
        with open(os.path.join(self.dir, rel), "rb") as f:
            self.assertEqual(jpeg, f.read())


# --- commands -------------------------------------------------------------------------

def schema_dir():
    """The command schemas: docs/schema once the command channel (issue 13)
    is merged; before that the coordination copy when it exists."""
    for d in (os.path.join(ROOT, "docs/schema"), "/work/coord/schema"):
        if os.path.exists(os.path.join(d, "cmd-ack.json")):
            return d
    return None


def validate(instance, schema, where="$"):
    """The JSON-Schema subset the contract uses (type, required, properties,
    additionalProperties:false, enum, minimum/maximum, min/maxLength,
    pattern). Returns a list of problems."""
    problems = []
    types = schema.get("type")
    if types:
        types = types if isinstance(types, list) else [types]
        ok = {"object": dict, "string": str, "boolean": bool, "array": list,
              "null": type(None)}
        def is_type(t):
            if t == "integer":
                return isinstance(instance, int) and not isinstance(instance, bool)
            if t == "number":
                return isinstance(instance, (int, float)) and not isinstance(instance, bool)
            return isinstance(instance, ok[t])
        if not any(is_type(t) for t in types):
            return ["%s: not %s" % (where, types)]
    if "enum" in schema and instance not in schema["enum"]:
        problems.append("%s: %r not in %s" % (where, instance, schema["enum"]))
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            problems.append("%s: too short" % where)
        if len(instance) > schema.get("maxLength", 1 << 30):
            problems.append("%s: too long" % where)
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            problems.append("%s: does not match %s" % (where, schema["pattern"]))
    if isinstance(instance, (int, float)) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            problems.append("%s: below minimum" % where)
        if "maximum" in schema and instance > schema["maximum"]:
            problems.append("%s: above maximum" % where)
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            if key not in instance:
                problems.append("%s: %s missing" % (where, key))
        props = schema.get("properties", {})
        for key, value in instance.items():
            if key in props:
                problems += validate(value, props[key], where + "." + key)
            elif schema.get("additionalProperties") is False:
                problems.append("%s: unknown field %s" % (where, key))
    return problems


class CommandsTest(TempDir):
    def schema(self, name):
        d = schema_dir()
        if d is None:
            self.skipTest("command schemas not in docs/schema yet (issue 13)")
        with open(os.path.join(d, name)) as f:
            return json.load(f)

    def secret_file(self, text=b"s3cret-0123456789\n", mode=0o600):
        path = os.path.join(self.dir, "secret")
        with open(path, "wb") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def test_ack_and_mode_requests_match_the_schemas(self):
        secret = commands.read_secret(self.secret_file())
        cases = [
            ("cmd-ack.json", commands.ack("gw-01-3-00000001", "center operator")),
            ("cmd-ack.json", commands.ack("gw-01-3-00000001", "ops", "crew sent", secret=secret,
                                          target="site-001/gw-01")),
            ("cmd-mode.json", commands.mode("emergency")),
            ("cmd-mode.json", commands.mode("emergency", 3600, secret=secret,
                                            target="site-001/gw-01")),
            ("cmd-mode.json", commands.mode("normal", secret=secret, target="site-001/gw-01")),
        ]
        for name, request in cases:
            self.assertEqual([], validate(request, self.schema(name)), request)

    def test_the_validator_refuses_what_the_gateway_refuses(self):
        # The check above is only worth something if this validator bites.
        schema = self.schema("cmd-mode.json")
        self.assertNotEqual([], validate({"id": "x", "mode": "panic"}, schema))
        self.assertNotEqual([], validate({"id": "x", "mode": "normal", "extra": 1}, schema))
        self.assertNotEqual([], validate({"id": "bad id!", "mode": "normal"}, schema))
        self.assertNotEqual([], validate({"id": "x", "mode": "normal", "duration_s": 5}, schema))

    def test_mistakes_are_caught_before_sending(self):
        with self.assertRaises(ValueError):
            commands.mode("panic")
        with self.assertRaises(ValueError):
            commands.mode("emergency", 10)
        with self.assertRaises(ValueError):
            commands.ack("", "ops")
        with self.assertRaises(ValueError):
            commands.ack("x", "o" * 129)
        with self.assertRaises(ValueError):
            commands.build("ack", {}, request_id="has space")

    def test_the_signature_is_hmac_sha256_over_target_name_and_canonical_json(self):
        secret = commands.read_secret(self.secret_file())
        req = commands.ack("gw-01-3-00000001", "Zhang Wei", "到场", request_id="r-1",
                           secret=secret, now_ms=1700000000000, target="site-001/gw-01")
        canonical = ('{"by":"Zhang Wei","id":"r-1","incident":"gw-01-3-00000001",'
                     '"note":"到场","ts":1700000000000}')
        self.assertEqual(canonical, commands.canonical(req))
        # An independent HMAC: openssl over the same bytes.
        out = subprocess.run(["openssl", "dgst", "-sha256", "-hmac", "s3cret-0123456789"],
                             input=("site-001/gw-01\nack\n" + canonical).encode(),
                             capture_output=True,
                             check=True).stdout.decode()
        self.assertEqual(out.strip().split()[-1], req["sig"])
        self.assertRegex(req["sig"], "^[0-9a-f]{64}$")

    def test_a_signature_is_for_one_gateway_only(self):
        # Captured for gw-01, a signed command must not pass on gw-02 holding
        # the same secret: the target is part of the signed text.
        secret = commands.read_secret(self.secret_file())
        one = commands.mode("emergency", request_id="m-1", secret=secret,
                            now_ms=1700000000000, target="site-001/gw-01")
        other = commands.mode("emergency", request_id="m-1", secret=secret,
                              now_ms=1700000000000, target="site-001/gw-02")
        self.assertEqual({k: v for k, v in one.items() if k != "sig"},
                         {k: v for k, v in other.items() if k != "sig"})
        self.assertNotEqual(one["sig"], other["sig"])
        self.assertNotEqual(commands.signature("site-002/gw-01", "mode", one, secret),
                            one["sig"])
        for target in (None, "", "gw-01", "site-001/", "/gw-01", "a/b/c", 7):
            with self.assertRaises(ValueError, msg=repr(target)):
                commands.mode("emergency", secret=secret, target=target)
        with self.assertRaises(ValueError):
            commands.for_resend("mode", one, secret)
        # Unsigned, no target is needed.
        self.assertNotIn("sig", commands.mode("emergency"))

    def test_a_secret_readable_by_others_or_empty_is_refused(self):
        with self.assertRaises(ValueError):
            commands.read_secret(self.secret_file(mode=0o644))
        with self.assertRaises(ValueError):
            commands.read_secret(self.secret_file(b"\n"))
        with self.assertRaises(ValueError):
            commands.read_secret(self.secret_file(b"short\n"))

    def test_the_secret_is_the_first_line_as_the_gateway_reads_it(self):
        self.assertEqual(b"s3cret-0123456789",
                         commands.read_secret(self.secret_file(
                             b"s3cret-0123456789\r\n# rotated 2026-12-01\n")))

    def test_a_duration_with_mode_normal_is_refused_before_it_is_sent(self):
        # The gateway refuses it ("duration_s: only with mode emergency").
        with self.assertRaises(ValueError):
            commands.mode("normal", 3600)

    def test_a_refusal_naming_our_id_unsigned_says_why_but_answers_nothing(self):
        out = commands.Outbox(timeout_s=1, resends=0)
        done = []
        req = commands.ack("i", "ops")
        out.add(commands.Pending("ack", "s/g", req, 0, done.append))
        refusal = {"id": None, "ok": False,
                   "error": 'bad signature (request id "%s" not signed: the reply names none)'
                            % req["id"]}
        p = out.claimed_by_unsigned(refusal)
        self.assertIs(p, out.pending[req["id"]])  # still pending: it may be a forgery
        self.assertEqual(refusal["error"], p.unvouched_refusal)
        self.assertIsNone(out.on_reply(refusal))
        self.assertEqual([], done)
        self.assertIsNone(out.claimed_by_unsigned(
            {"id": None, "ok": False, "error": 'unsigned (request id "other" not signed)'}))

    def test_replies_are_matched_by_id_even_after_the_timeout(self):
        out = commands.Outbox(timeout_s=1)
        seen = []
        req = commands.ack("i", "ops")
        out.add(commands.Pending("ack", "s/g", req, 0, seen.append))
        out.expire(500)
        self.assertEqual([], seen)
        out.expire(1000)
        self.assertEqual([None], seen)
        self.assertIsNone(out.on_reply({"id": "someone-else"}))
        self.assertIsNotNone(out.on_reply({"id": req["id"], "ok": True}))
        self.assertEqual([None, {"id": req["id"], "ok": True}], seen)
        self.assertEqual((1, 1, 0), (out.sent, out.answered, out.unanswered))

    def test_an_unanswered_request_is_sent_again_with_its_id_before_it_is_given_up(self):
        out = commands.Outbox(timeout_s=1, resends=3)
        done, copies = [], []
        req = commands.ack("i", "ops")
        out.add(commands.Pending("ack", "s/g", req, 0, done.append,
                                 lambda p: copies.append(p.request["id"])))
        for now in (999, 1000, 1500, 2000, 3000):
            out.expire(now)
        self.assertEqual(([req["id"]] * 3, []), (copies, done))
        out.expire(4000)
        self.assertEqual(([req["id"]] * 3, [None]), (copies, done))
        out.expire(9000)  # given up once
        self.assertEqual((3, [None]), (len(copies), done))
        self.assertIsNotNone(out.on_reply({"id": req["id"], "ok": True}))
        # Each copy may get its reply again: still ours.
        self.assertIsNone(out.on_reply({"id": req["id"], "ok": True}))
        self.assertTrue(out.answered_before({"id": req["id"]}))
        self.assertFalse(out.answered_before({"id": "someone-else"}))
        self.assertEqual((1, 3, 1, 0), (out.sent, out.resent, out.answered, out.unanswered))

    def test_a_signed_request_is_resent_with_its_id_and_a_fresh_signature(self):
        secret = commands.read_secret(self.secret_file())
        unsigned = commands.ack("gw-01-3-00000001", "ops")
        self.assertIs(unsigned, commands.for_resend("ack", unsigned, secret))
        first = commands.ack("gw-01-3-00000001", "ops", "crew sent", secret=secret,
                             now_ms=1700000000000, target="site-001/gw-01")
        again = commands.for_resend("ack", first, secret, now_ms=1700000600000,
                                    target="site-001/gw-01")
        self.assertEqual({k: v for k, v in first.items() if k not in ("ts", "sig")},
                         {k: v for k, v in again.items() if k not in ("ts", "sig")})
        self.assertEqual(1700000600000, again["ts"])
        self.assertEqual(commands.signature("site-001/gw-01", "ack", again, secret), again["sig"])
        self.assertEqual([], validate(again, self.schema("cmd-ack.json")))


# --- report in a browser ---------------------------------------------------------------

def read_png(path):
    """Decodes an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes)
    into (width, height, rows of bytes, bytes per pixel)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def sample_book(out_dir):
    with open(JPEG, "rb") as f:
        jpeg = f.read()
    b = book_mod.Book(out_dir)
    t = 1700000000000
    b.on_connection(True, t - 5000)
    b.on_event("t", payload(event(1, severity="warning", ts=t)), t + 40)
    b.on_event("t", payload(event(2, "update", "alarm", incident_seq=1, ts=t + 20000)), t + 20030)
    b.on_event("t", payload(event(3, "clear", "info", incident_seq=1, ts=t + 60000)), t + 60050)
    b.on_connection(False, t + 25000)
    b.on_event("t", payload(event(4, severity="critical", ts=t + 30000, detector="lift-1",
                                  type="entrapment_between_floors")), t + 46000)
    b.on_connection(True, t + 45000)
    b.on_event("t", payload(event(5, severity="alarm", ts=t + 50000, detector="crowd-plaza",
                                  type="crowd_density", evidence="gw-01-3-00000005",
                                  message="9 people on the path")), t + 50100)
    b.on_evidence("x", payload(evidence("gw-01-3-00000005", jpeg)), t + 50200)
    b.on_event("t", payload(event(6, "update", "alarm", incident_seq=5, ts=t + 55000,
                                  detector="crowd-plaza", type="crowd_density",
                                  acked_by="center operator", message="8 people")), t + 55100)
    b.commands.append({"id": "r1", "name": "ack", "gateway": "site-001/gw-01", "sent_ms": t,
                       "fields": {"incident": "gw-01-3-00000001"}, "outcome": "ok"})
    return b


class ReportTest(TempDir):
    def test_the_report_renders_in_headless_chromium(self):
        b = sample_book(self.dir)
        html = report.render(b.summary(), checks=[{"text": "lost: 0", "bad": False}])
        path = os.path.join(self.dir, "report.html")
        with open(path, "w") as f:
            f.write(html)
        self.assertIn("evidence/gw-01-3-00000005.jpg", html)
        # The image is captioned with its own event's message, not the latest.
        self.assertIn("crowd_density: 9 people on the path</figcaption>", html)
        self.assertIn("broker down", html)
        shot = os.path.join(self.dir, "report.png")
        profile = os.path.join(self.dir, "chromium-profile")
        browser = shutil.which("chromium") or shutil.which("chromium-browser")
        self.assertIsNotNone(browser, "chromium is not installed (tools/setup installs it)")
        r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                            "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync",
                            "--user-data-dir=" + profile, "--hide-scrollbars",
                            "--screenshot=" + shot, "--window-size=1200,1400",
                            "file://" + path], capture_output=True, text=True, timeout=180)
        self.assertTrue(os.path.exists(shot), r.stderr[-2000:])
        width, height, rows, bpp = read_png(shot)
        self.assertEqual((1200, 1400), (width, height))
        colours, grey = set(), []
        for row in rows[::4]:
            for x in range(0, len(row), bpp * 4):
                px = row[x:x + 3]
                colours.add(px)
                grey.append(sum(px) / 3)
        mean = sum(grey) / len(grey)
        variance = sum((g - mean) ** 2 for g in grey) / len(grey)
        self.assertGreater(len(colours), 50, "the page looks blank")
        self.assertGreater(variance, 100, "the page looks blank")

        def near(rgb):
            return any(all(abs(p - q) <= 12 for p, q in zip(c, rgb)) for c in colours)
        # The timeline's bars: warning (amber), alarm (red), critical (dark red).
        self.assertTrue(near((0xe0, 0xa1, 0x00)), "no warning bar drawn")
        self.assertTrue(near((0xd6, 0x45, 0x45)), "no alarm bar drawn")
        self.assertTrue(near((0x8e, 0x1b, 0x1b)), "no critical bar drawn")


# --- the console against a real broker ------------------------------------------------------

def free_port():
    # Outside the ephemeral range (below it on a stock kernel, above it if it
    # was moved down): a port from it can be taken as the local end of some
    # client connection before the server binds it.
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low, high = (int(v) for v in f.read().split()[:2])
    ports = [p for p in range(10000, 65536) if not low <= p <= high]
    if len(ports) < 100:
        raise RuntimeError(f"fewer than 100 ports outside the ephemeral range {low}-{high}")
    for _ in range(1000):
        port = random.choice(ports)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError(f"no free port outside the ephemeral range {low}-{high}")


def wait_for(cond, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


class ConsoleTest(TempDir):
    def setUp(self):
        super().setUp()
        import paho.mqtt.client as mqtt
        import pwd
        self.mqtt = mqtt
        self.port = free_port()
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\nuser %s\n" % (
                self.port, pwd.getpwuid(os.getuid()).pw_name))
        self.broker = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        def listening():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0
        wait_for(listening, 20, "mosquitto")
        self.out = os.path.join(self.dir, "out")
        self.center = None

    def tearDown(self):
        for p in (self.center, self.broker):
            if p and p.poll() is None:
                p.terminate()
                p.wait(20)
        super().tearDown()

    def start_center(self, *extra):
        with open(os.path.join(self.dir, "center.log"), "w") as log:
            self.center = subprocess.Popen(
                [sys.executable, os.path.join(ROOT, "tools/center"), "--broker",
                 "127.0.0.1:%d" % self.port, "--out", self.out, "--view", "log",
                 "--reply-timeout", "2", *extra], stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        wait_for(lambda: self.summary() and self.summary().get("connected"), 30, "the center")

    def summary(self):
        try:
            with open(os.path.join(self.out, "summary.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def log(self):
        with open(os.path.join(self.dir, "center.log")) as f:
            return f.read()

    def gateway(self, answer_commands, ignore=0):
        """Plays the gateway's side of the topics: publishes what it is
        given and, if asked, answers commands the way issue 13 specifies,
        except the first `ignore` requests (lost, as in a crash between the
        PUBACK and keeping the command)."""
        c = self.mqtt.Client(client_id="gw-01", clean_session=True)
        seen = []

        def on_message(client, userdata, msg):
            req = json.loads(msg.payload)
            seen.append((msg.topic, req))
            if len(seen) <= ignore:
                return
            name = msg.topic.rsplit("/", 1)[1]
            client.publish("city/site-001/gw-01/reply/" + name, json.dumps(
                {"v": 1, "id": req["id"], "site": "site-001", "gateway": "gw-01",
                 "ts": int(time.time() * 1000), "ok": True, "result": {}}), qos=1)
        if answer_commands:
            c.on_message = on_message
        c.connect("127.0.0.1", self.port)
        if answer_commands:
            c.subscribe("city/site-001/gw-01/cmd/+", qos=1)
        c.loop_start()
        return c, seen

    def publish(self, c, topic, obj):
        self.publish_bytes(c, topic, json.dumps(obj))

    def publish_bytes(self, c, topic, data):
        c.publish(topic, data, qos=1).wait_for_publish()

    def wait_summary(self, cond, what, timeout_s=30):
        return wait_for(lambda: (lambda s: s if s and cond(s) else None)(self.summary()),
                        timeout_s, what)

    def test_duplicates_incidents_evidence_and_a_confirmed_ack(self):
        self.start_center("--auto-ack", "1", "--emergency-on", "rain_intensity:warning",
                          "--operator", "night shift")
        gw, seen = self.gateway(answer_commands=True)
        now = int(time.time() * 1000)
        with open(JPEG, "rb") as f:
            jpeg = f.read()
        self.publish(gw, "city/site-001/gw-01/event", event(1, severity="alarm", ts=now,
                                                            evidence="gw-01-3-00000001"))
        self.publish(gw, "city/site-001/gw-01/evidence/gw-01-3-00000001",
                     evidence("gw-01-3-00000001", jpeg))
        self.publish(gw, "city/site-001/gw-01/event", event(1, severity="alarm", ts=now))
        self.publish(gw, "city/site-001/gw-01/event", event(2, "update", "warning", 1, ts=now))
        self.publish(gw, "city/site-001/gw-01/event", event(3, "clear", "info", 1, ts=now))
        self.publish(gw, "city/site-001/gw-01/event", event(9, severity="warning", ts=now,
                                                            type="rain_intensity"))
        s = wait_for(lambda: (lambda s: s if s and s["events"]["unique"] == 4 and
                              s["commands_answered"] == 2 else None)(self.summary()), 30,
                     "4 events and 2 answered commands")
        self.assertEqual(1, s["events"]["duplicates_dropped"])
        self.assertEqual({"gw-01-3": [[4, 8]]}, s["events"]["gaps"])
        self.assertEqual(1, s["evidence"]["saved"])
        with open(os.path.join(self.out, "evidence/gw-01-3-00000001.jpg"), "rb") as f:
            self.assertEqual(jpeg, f.read())
        names = sorted(t.rsplit("/", 1)[1] for t, _ in seen)
        self.assertEqual(["ack", "mode"], names)
        ack = [r for t, r in seen if t.endswith("/ack")][0]
        self.assertEqual(("gw-01-3-00000001", "night shift"), (ack["incident"], ack["by"]))
        mode = [r for t, r in seen if t.endswith("/mode")][0]
        self.assertEqual("emergency", mode["mode"])
        self.assertEqual(["ok", "ok"], [c["outcome"] for c in s["commands"]])
        self.center.terminate()
        self.assertEqual(0, self.center.wait(30))
        self.assertTrue(os.path.exists(os.path.join(self.out, "report.html")))
        self.assertIn("duplicate gw-01-3-00000001 dropped", self.log())
        gw.loop_stop()

    def test_it_logs_in_to_a_broker_that_takes_no_anonymous_client(self):
        # A district broker (docs/deployment.md): the center was refused at
        # every connect, having no login to give.
        import pwd
        port = free_port()
        passwd = os.path.join(self.dir, "passwd")
        subprocess.run(["mosquitto_passwd", "-b", "-c", passwd, "center", "its password"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conf = os.path.join(self.dir, "district.conf")
        with open(conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous false\npassword_file %s\nuser %s\n"
                    % (port, passwd, pwd.getpwuid(os.getuid()).pw_name))
        broker = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            def listening():
                with socket.socket() as s:
                    return s.connect_ex(("127.0.0.1", port)) == 0
            wait_for(listening, 20, "the district broker")
            password = os.path.join(self.dir, "center.pw")
            with open(password, "w") as f:
                f.write("its password\n")
            os.chmod(password, 0o600)

            def mode(*login):
                return subprocess.run(
                    [sys.executable, os.path.join(ROOT, "tools/center"), "mode", "emergency",
                     "--site", "site-001", "--gateway", "gw-01", "--broker",
                     "127.0.0.1:%d" % port, "--reply-timeout", "1", *login],
                    capture_output=True, text=True, timeout=60)
            # No gateway answers here: "no reply" means the broker took the
            # login and the request; without it nothing is even sent.
            logged_in = mode("--username", "center", "--password-file", password)
            self.assertIn("no reply to 4 copies", logged_in.stderr)
            anonymous = mode()
            self.assertIn("not sent", anonymous.stderr)
        finally:
            broker.terminate()
            broker.wait(20)

    def test_a_gateway_that_does_not_answer_is_said_plainly(self):
        self.start_center("--auto-ack", "1")
        gw, seen = self.gateway(answer_commands=True, ignore=1000)
        self.publish(gw, "city/site-001/gw-01/event", event(1, severity="critical",
                                                            ts=int(time.time() * 1000)))
        s = wait_for(lambda: (lambda s: s if s and s["commands_unanswered"] == 1 else None)(
            self.summary()), 30, "the ack to time out")
        self.assertEqual("no reply within 2 s, sent 4 times", s["commands"][0]["outcome"])
        self.assertIn("is offline or busy", self.log())
        # The first send and its 3 copies, one id: the gateway runs it once.
        self.assertEqual([s["commands"][0]["id"]] * 4, [r["id"] for _, r in seen])
        self.center.terminate()
        self.assertEqual(0, self.center.wait(30))
        gw.loop_stop()

    def test_an_ack_that_gets_no_reply_is_sent_again_with_the_same_id(self):
        self.start_center("--auto-ack", "1")
        gw, seen = self.gateway(answer_commands=True, ignore=1)
        self.publish(gw, "city/site-001/gw-01/event", event(1, ts=int(time.time() * 1000)))
        s = self.wait_summary(lambda s: s["commands_answered"] == 1, "the resent ack's reply")
        self.assertEqual(2, len(seen))
        self.assertEqual(seen[0], seen[1])  # same topic, same request, same id
        self.assertEqual(("ok", 1, 1), (s["commands"][0]["outcome"], s["commands"][0]["resends"],
                                        s["commands_resent"]))
        self.center.terminate()
        self.assertEqual(0, self.center.wait(30))
        gw.loop_stop()

    def test_the_playbook_acks_the_alarm_not_a_store_report_before_it(self):
        self.start_center("--auto-ack", "1")
        gw, seen = self.gateway(answer_commands=True)
        now = int(time.time() * 1000)
        self.publish(gw, "city/site-001/gw-01/event", store_full(1))
        self.publish(gw, "city/site-001/gw-01/event", event(2, ts=now))
        s = self.wait_summary(lambda s: s["events"]["unique"] == 2 and
                              s["commands_answered"] == 1, "2 events and the ack's reply")
        self.assertEqual(["gw-01-3-00000002"], [r["incident"] for _, r in seen])
        states = {i["incident"]: i["state"] for i in s["incidents"]}
        self.assertEqual({"gw-01-3-00000001": "report", "gw-01-3-00000002": "active"}, states)
        self.center.terminate()
        self.assertEqual(0, self.center.wait(30))
        gw.loop_stop()

    def test_malformed_messages_are_refused_and_the_console_keeps_working(self):
        self.start_center()
        gw, _ = self.gateway(answer_commands=False)
        bad = malformed_messages()
        for topic, data in bad:
            self.publish_bytes(gw, topic, data)
        self.publish(gw, "city/site-001/gw-01/event", event(1, ts=int(time.time() * 1000)))
        s = self.wait_summary(lambda s: s["events"]["unique"] == 1, "the good event after them")
        self.assertEqual(len(bad), s["bad_message_count"])
        self.assertIn("unreadable message on city/site-001/gw-01/event", self.log())
        self.center.terminate()
        self.assertEqual(0, self.center.wait(30))
        # Nothing malformed was kept: the restart reads the journal whole.
        os.remove(os.path.join(self.out, "summary.json"))
        self.start_center()
        s = self.wait_summary(lambda s: s["events"]["unique"] == 1, "the re-read journal")
        self.assertEqual([], s["journal"]["skipped"])
        self.center.terminate()
        self.assertEqual(0, self.center.wait(30))
        gw.loop_stop()

    def test_a_message_it_cannot_keep_stops_the_console_unacknowledged(self):
        with open(JPEG, "rb") as f:
            jpeg = f.read()
        self.start_center()
        gw, _ = self.gateway(answer_commands=False)
        # A full disk under the image's temp file.
        tmp = os.path.join(self.out, "evidence", "gw-01-3-00000001.jpg" + book_mod.TEMP_SUFFIX)
        os.symlink("/dev/full", tmp)
        self.publish(gw, "city/site-001/gw-01/evidence/gw-01-3-00000001",
                     evidence("gw-01-3-00000001", jpeg))
        self.assertEqual(1, self.center.wait(30))
        self.assertIn("stopping without acknowledging it", self.log())
        # Not acknowledged: the broker delivers it again to the restarted console.
        os.remove(os.path.join(self.out, "summary.json"))
        self.start_center()
        self.wait_summary(lambda s: s["evidence"]["saved"] == 1, "the image delivered again")
        with open(os.path.join(self.out, "evidence", "gw-01-3-00000001.jpg"), "rb") as f:
            self.assertEqual(jpeg, f.read())
        self.center.terminate()
        self.assertEqual(0, self.center.wait(30))
        gw.loop_stop()


if __name__ == "__main__":
    unittest.main()
