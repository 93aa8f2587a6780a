"""tools/center: a reference district-center console for city-edge-gateway.

It is the worked example of docs/contract.md from the center's side:

  subscribe   {prefix}/# with QoS 1, persistent session (clean_session=False,
              fixed client id): what arrives while the console is away waits
              in the broker (which must persist sessions: mosquitto
              `persistence true`), nothing is missed across a broker restart
  keep        each message is kept (journal, evidence file) inside the
              message callback; Paho sends the PUBACK after it returns.
              A malformed message is refused (counted, logged), never kept
  de-dup      events by `id`, evidence by event id, samples by (point, ts):
              delivery is at least once, a repeat is normal and dropped
  incidents   raise / update / clear grouped by `incident`
  commands    ack and mode on {prefix}/{site}/{gateway}/cmd/{name}, replies
              on .../reply/{name}, optionally HMAC-signed; sent again (same
              id) when no reply comes
  report      report.html and summary.json in the output directory
"""
import argparse
import json
import os
import queue
import shutil
import signal
import sys
import threading
import time

from . import book as book_mod
from . import commands
from . import contract
from . import report
from . import view

try:
    import paho.mqtt.client as mqtt
except ImportError:  # pragma: no cover - tools/setup installs python3-paho-mqtt
    mqtt = None


def now_ms():
    return int(time.time() * 1000)


def write_line(line):
    """One write per line: lines from Paho's thread and the main thread
    never run into each other."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def parse_broker(text):
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("broker must be HOST:PORT, got %r" % text)
    return host, int(port)


def parse_rule(text):
    """TYPE[:SEVERITY] for --emergency-on."""
    kind, _, sev = text.partition(":")
    sev = sev or "warning"
    if not kind or sev not in contract.SEVERITIES:
        raise argparse.ArgumentTypeError("expected TYPE[:SEVERITY], got %r" % text)
    return kind, sev


class Console:
    """The MQTT side and the screen. The book holds the state; every access
    goes through self.lock (Paho's network thread writes, the main thread
    draws)."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.book = book_mod.Book(args.out, args.prefix)
        self.outbox = commands.Outbox(args.reply_timeout)
        self.secret = commands.read_secret(args.secret_file) if args.secret_file else None
        self.view = args.view
        if self.view == "auto":
            self.view = "table" if sys.stdout.isatty() else "log"
        self.colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        self.notes = []
        self.connected = False
        self.dirty = True
        self.stop = threading.Event()
        self.auto_acked = 0
        self.emergency_sent = set()  # gateway keys switched by --emergency-on
        self.header_printed = False
        self.client = None
        self.exit_code = 0

    # --- output -------------------------------------------------------------------

    def say(self, text):
        """A note: printed at once in the log view, kept for the table view."""
        line = "%s  %s" % (view.clock(now_ms()), text)
        with self.lock:
            self.notes.append(line)
            del self.notes[:-50]
            self.dirty = True
            if self.view == "log":
                write_line(line)

    def print_event(self, line):
        if self.view != "log":
            return
        with self.lock:
            if not self.header_printed:
                write_line(view.header())
                self.header_printed = True
            write_line(line)

    def draw(self):
        height = shutil.get_terminal_size((120, 40)).lines
        with self.lock:
            lines = view.table(self.book, self.notes, height, self.colour, self.connected)
            self.dirty = False
        sys.stdout.write("\033[H\033[2J" + "\n".join(lines) + "\n")
        sys.stdout.flush()

    # --- MQTT callbacks (Paho's thread) ------------------------------------------------

    def on_connect(self, client, userdata, flags, rc):
        if rc != 0:
            self.say("broker refused the connection: %s" % mqtt.connack_string(rc))
            return
        # Subscribe after every connect: a broker that lost its state (no
        # persistence) has forgotten the subscription.
        client.subscribe(self.args.prefix + "/#", qos=1)
        with self.lock:
            self.connected = True
            self.book.on_connection(True, now_ms())
        self.say("connected to %s:%d (session %s)" % (
            self.args.broker[0], self.args.broker[1],
            "resumed" if flags.get("session present") else "new"))

    def on_disconnect(self, client, userdata, rc):
        if rc == mqtt.MQTT_ERR_SUCCESS:  # our own disconnect at the end
            return
        with self.lock:
            was = self.connected
            self.connected = False
            self.book.on_connection(False, now_ms())
        if was:
            self.say("lost the broker (%s); reconnecting" % mqtt.error_string(rc))

    def on_message(self, client, userdata, msg):
        rx = now_ms()
        topic = contract.parse_topic(msg.topic, self.args.prefix)
        if topic is None:
            return
        try:
            with self.lock:
                self.dirty = True
                self.handle(topic, msg, rx)
        except book_mod.KeepError as e:
            self.cannot_keep(msg.topic, e)
            raise  # so Paho sends no PUBACK: the broker keeps it for the next start
        except ValueError as e:  # not JSON, not UTF-8, or a field of the wrong type
            self.bad_message(msg.topic, str(e))
        except Exception as e:
            # Last resort: what escapes this callback kills Paho's network
            # thread, and the console would hear nothing more.
            self.bad_message(msg.topic, "cannot handle it: %s: %s" % (type(e).__name__, e))

    def bad_message(self, topic, why):
        """A center must survive a bad message; it tells the operator."""
        with self.lock:
            self.book.refuse(topic, why)
        self.say("unreadable message on %s: %s" % (topic, why))

    def cannot_keep(self, topic, error):
        """Acknowledging a message it could not keep (a full disk) would lose
        it: the console stops instead, and gets it again when restarted."""
        self.say("cannot keep the message on %s (%s): stopping without acknowledging it"
                 % (topic, error))
        self.exit_code = 1
        self.stop.set()

    def handle(self, topic, msg, rx):
        b = self.book
        if topic.channel == "event":
            event, inc, dup_of = b.on_event(msg.topic, msg.payload, rx)
            if dup_of is not None:
                self.print_event(view.duplicate_line(event, dup_of))
                return
            self.print_event(view.event_line(event, inc, rx, self.colour))
            self.playbook(event, inc)
        elif topic.channel == "evidence":
            event_id, path, dup = b.on_evidence(msg.topic, msg.payload, rx)
            if dup:
                self.say("duplicate evidence %s dropped" % event_id)
            elif path:
                self.say("evidence %s saved: %s" % (event_id, os.path.join(self.args.out, path)))
            else:
                self.say("evidence %s unusable: %s" % (event_id, b.evidence_errors[-1][1]))
        elif topic.channel == "telemetry":
            b.on_telemetry(topic.gateway_key, msg.payload)
        elif topic.channel == "status":
            st = b.on_status(topic.gateway_key, msg.payload)
            if st:
                self.say("status %s: %s, boot %s, version %s%s" % (
                    topic.gateway_key, "online" if st.get("online") else "OFFLINE",
                    st.get("boot"), st.get("version"),
                    (", mode " + st["mode"]) if st.get("mode") else ""))
        elif topic.channel == "reply":
            reply = b.on_reply(topic.name, msg.payload, rx)
            claimed = self.outbox.claimed_by_unsigned(reply)
            if claimed:
                self.say("reply/%s from %s names no id: %s (the gateway could not take request "
                         "%s as signed by this center: check --secret-file)" % (
                             topic.name, topic.gateway_key, reply.get("error"),
                             claimed.request["id"]))
            elif self.outbox.on_reply(reply) is None and not self.outbox.answered_before(reply):
                self.say("reply/%s %s from %s (not ours)" % (topic.name, reply.get("id"),
                                                              topic.gateway_key))
        # cmd/: requests (ours or another center's) are not for us.

    # --- playbook: what the demo (or a night shift) automates ----------------------------

    def playbook(self, event, inc):
        if inc is None or event.get("state") == "clear":
            return
        rank = contract.severity_rank(event.get("severity"))
        if (self.auto_acked < self.args.auto_ack and rank >= contract.severity_rank("alarm")
                and inc.ackable and not inc.ack_request and not inc.acked_by):
            self.auto_acked += 1
            self.send_ack(inc, self.args.operator, "playbook: first alarm acknowledged, "
                          "crew dispatched")
        for kind, sev in self.args.emergency_on:
            if (event.get("type") == kind and rank >= contract.severity_rank(sev)
                    and inc.key not in self.emergency_sent):
                self.emergency_sent.add(inc.key)
                self.send_mode(inc.site, inc.gateway, "emergency", self.args.emergency_duration,
                               "%s reached %s" % (kind, event.get("severity")))

    # --- commands --------------------------------------------------------------------

    def send(self, site, gateway, name, request, fields, on_done):
        """Publishes a request (QoS 1; queued by Paho while the broker is away)."""
        key = site + "/" + gateway
        topic = contract.command_topic(self.args.prefix, site, gateway, name)
        record = {"id": request["id"], "name": name, "gateway": key,
                  "sent_ms": now_ms(), "fields": fields, "outcome": "sent", "reply": None,
                  "resends": 0}
        with self.lock:
            self.book.commands.append(record)

        def resend(pending):
            pending.request = commands.for_resend(name, pending.request, self.secret,
                                                  target=key)
            with self.lock:
                record["resends"] = pending.resends
            self.say("no reply from %s to %s %s within %g s: sending it again, same id (%d of %d)"
                     % (key, name, request["id"], self.args.reply_timeout, pending.resends,
                        self.outbox.resends))
            self.publish(topic, pending.request)

        def done(reply):
            with self.lock:
                self.dirty = True
                if reply is None:
                    record["outcome"] = "no reply within %g s, sent %d times" % (
                        self.args.reply_timeout, 1 + record["resends"])
                    if pending.unvouched_refusal:
                        record["outcome"] += "; refused as not signed: %s" % (
                            pending.unvouched_refusal)
                else:
                    record["reply"] = reply
                    record["replied_ms"] = now_ms()
                    record["outcome"] = "ok" if reply.get("ok") else \
                        "refused: %s" % reply.get("error", "?")
            on_done(reply)
        pending = commands.Pending(name, key, request, now_ms(), done, resend)
        self.outbox.add(pending)
        self.publish(topic, request)

    def publish(self, topic, request):
        self.client.publish(topic, json.dumps(request, separators=(",", ":")), qos=1)

    def no_reply_text(self, name, key):
        return ("no reply from %s to %s, sent %d times %g s apart: the gateway is offline or "
                "busy; the broker keeps the command for its session and the gateway runs it "
                "once when it is back (a late reply is still shown)" % (
                    key, name, 1 + self.outbox.resends, self.args.reply_timeout))

    def send_ack(self, inc, by, note=None):
        if not inc.ackable:
            self.say("%s is a store report (%s): the gateway takes no ack for it" % (
                inc.id, inc.type))
            return
        try:
            req = commands.ack(inc.id, by, note, secret=self.secret,
                               target=inc.site + "/" + inc.gateway)
        except ValueError as e:
            self.say("ack not sent: %s" % e)
            return
        inc.ack_request = {"id": req["id"], "status": "sent", "by": by, "sent_ms": now_ms()}
        self.say("ack -> %s: incident %s (%s %s) by %r, request %s" % (
            inc.key, inc.id, inc.type, inc.max_severity, by, req["id"]))

        def done(reply):
            if reply is None:
                inc.ack_request["status"] = "no reply"
                self.say(self.no_reply_text("ack", inc.key))
            elif reply.get("ok"):
                inc.ack_request["status"] = "confirmed"
                self.say("%s confirmed the ack of %s" % (inc.key, inc.id))
            else:
                inc.ack_request["status"] = "refused"
                self.say("%s refused the ack of %s: %s" % (inc.key, inc.id, reply.get("error")))
        self.send(inc.site, inc.gateway, "ack", req, {"incident": inc.id, "by": by}, done)

    def send_mode(self, site, gateway, new_mode, duration_s=None, why=""):
        key = site + "/" + gateway
        try:
            req = commands.mode(new_mode, duration_s, secret=self.secret, target=key)
        except ValueError as e:
            self.say("mode not sent: %s" % e)
            return
        self.say("mode -> %s: %s%s%s, request %s" % (
            key, new_mode, " for %d s" % duration_s if duration_s else "",
            " (%s)" % why if why else "", req["id"]))

        def done(reply):
            if reply is None:
                self.say(self.no_reply_text("mode", key))
            elif reply.get("ok"):
                self.say("%s is in %s mode%s" % (key, new_mode, (
                    ": " + json.dumps(reply["result"])) if reply.get("result") else ""))
            else:
                self.say("%s refused mode %s: %s" % (key, new_mode, reply.get("error")))
        fields = {"mode": new_mode}
        if duration_s:
            fields["duration_s"] = duration_s
        self.send(site, gateway, "mode", req, fields, done)

    # --- typed commands (stdin) -------------------------------------------------------

    def find_incident(self, ref):
        rows = view.incident_rows(self.book)
        if ref.isdigit() and 1 <= int(ref) <= len(rows):
            return rows[int(ref) - 1]
        if ref in self.book.incidents:
            return self.book.incidents[ref]
        if ref in self.book.events:
            event = self.book.events[ref][0]
            return self.book.incidents.get(event.get("incident", ref))
        return None

    def find_gateway(self, ref):
        keys = set(self.book.status) | {i.key for i in self.book.incidents.values()}
        matches = [k for k in keys if k == ref or k.split("/", 1)[1] == ref]
        return matches[0].split("/", 1) if len(matches) == 1 else None

    def command(self, line):
        words = line.split()
        if not words:
            return
        with self.lock:
            if words[0] == "ack" and len(words) >= 2:
                inc = self.find_incident(words[1])
                if inc is None:
                    self.say("no incident %r (row number, incident id or event id)" % words[1])
                else:
                    self.send_ack(inc, self.args.operator, " ".join(words[2:]) or None)
            elif words[0] == "mode" and len(words) in (3, 4):
                gw = self.find_gateway(words[1])
                if gw is None:
                    self.say("no single gateway %r (give site/gateway)" % words[1])
                elif len(words) == 4 and not words[3].isdigit():
                    self.say("duration must be seconds")
                else:
                    self.send_mode(gw[0], gw[1], words[2],
                                   int(words[3]) if len(words) == 4 else None, "operator")
            elif words[0] == "report":
                self.write_outputs()
                self.say("report written: %s" % os.path.join(self.args.out, "report.html"))
            elif words[0] in ("quit", "exit"):
                self.stop.set()
            else:
                self.say("commands: ack ROW|ID [note] | mode GATEWAY normal|emergency "
                         "[seconds] | report | quit")

    def read_stdin(self, lines):
        for line in sys.stdin:
            lines.put(line)

    # --- outputs ------------------------------------------------------------------------

    def summary(self):
        with self.lock:
            s = self.book.summary()
            s["connected"] = self.connected
            s["commands_sent"] = self.outbox.sent
            s["commands_resent"] = self.outbox.resent
            s["commands_answered"] = self.outbox.answered
            s["commands_unanswered"] = self.outbox.unanswered
            s["written_ms"] = now_ms()
        return s

    def write_summary(self):
        s = self.summary()
        path = os.path.join(self.args.out, "summary.json")
        with open(path + ".tmp", "w") as f:
            json.dump(s, f, indent=1)
        os.replace(path + ".tmp", path)  # readers never see half a file
        return s

    def write_outputs(self):
        s = self.write_summary()
        write_report(self.args.out, s, self.args.title)

    # --- main loop ------------------------------------------------------------------

    def run(self):
        os.makedirs(self.args.out, exist_ok=True)
        replayed = self.book.open_journal()
        self.tell_journal(replayed)
        self.client = mqtt.Client(client_id=self.args.client_id, clean_session=False,
                                  protocol=mqtt.MQTTv311)
        self.client.on_connect = self.on_connect
        self.client.on_disconnect = self.on_disconnect
        self.client.on_message = self.on_message
        connect_options(self.client, self.args)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.client.connect_async(self.args.broker[0], self.args.broker[1], keepalive=10)
        self.client.loop_start()
        lines = queue.Queue()
        threading.Thread(target=self.read_stdin, args=(lines,), daemon=True).start()
        # The handler only notes the signal: it runs in the main thread
        # between bytecodes, and Event.set() there could find the Event's
        # own lock held by the stop.wait() it interrupted, and wait on it for
        # ever (a CI run's console never exited after SIGTERM).
        signalled = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: signalled.append(True))
        self.say("center console: %s:%d, topics %s/#, output %s" % (
            self.args.broker[0], self.args.broker[1], self.args.prefix, self.args.out))
        last_summary = 0
        while not signalled and not self.stop.wait(0.2):
            with self.lock:
                self.outbox.expire(now_ms())
            while not lines.empty():
                self.command(lines.get())
            if self.view == "table" and self.dirty:
                self.draw()
            if now_ms() - last_summary >= 1000:
                self.write_summary()
                last_summary = now_ms()
        self.stop.set()  # for whoever else waits on it, outside the handler
        self.client.disconnect()
        self.client.loop_stop()
        with self.lock:
            self.book.close()
        self.write_outputs()
        self.final_words()
        return self.exit_code

    def tell_journal(self, replayed):
        path = os.path.join(self.args.out, "events.jsonl")
        b = self.book
        if b.journal_torn_bytes:
            self.say("cut a torn last line (%d bytes) from %s: a crash cut its write short, "
                     "the broker delivers it again" % (b.journal_torn_bytes, path))
        if replayed:
            self.say("re-read %d events from %s" % (replayed, path))
        if b.journal_skipped:
            number, why = b.journal_skipped[0]
            self.say("skipped %d records of %s that could not be applied (line %d: %s)" % (
                len(b.journal_skipped), path, number, why))

    def final_words(self):
        with self.lock:
            if self.view == "table":
                self.draw()
            else:
                print("\n== incidents at the center")
                print("  #  " + view.header())
                for n, inc in enumerate(view.incident_rows(self.book), 1):
                    print("%3d  " % n + view.COLUMNS % (
                        view.clock(inc.raised_ts or inc.first_seen_ts), inc.site[:9],
                        inc.gateway[:7], inc.detector[:17], inc.type[:26], inc.max_severity,
                        inc.state, inc.ack_text()[:20], view.latency(inc.raise_latency_ms),
                        (inc.raise_message or inc.message)[:60]))
            print(view.figures_line(self.book))
            print("report: %s" % os.path.join(self.args.out, "report.html"), flush=True)


def write_report(out_dir, summary, title, checks=None):
    path = os.path.join(out_dir, "report.html")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(report.render(summary, title, checks))
    os.replace(path + ".tmp", path)
    return path


def one_shot(args, name, build):
    """ack/mode from the command line: connect, send, wait for the reply.
    Exit 0 ok, 1 refused or no reply, 2 bad arguments."""
    secret = commands.read_secret(args.secret_file) if args.secret_file else None
    try:
        request = build(secret)
    except ValueError as e:
        print("center: %s" % e, file=sys.stderr)
        return 2
    got = queue.Queue()
    subscribed = threading.Event()
    reply_topic = "%s/%s/%s/reply/%s" % (args.prefix, args.site, args.gateway, name)
    client = mqtt.Client(client_id="", clean_session=True,
                         protocol=mqtt.MQTTv311)

    def on_connect(c, userdata, flags, rc):
        c.subscribe(reply_topic, qos=1)

    def on_subscribe(c, userdata, mid, granted):
        subscribed.set()

    unsigned = []  # refusals naming our id only in their error (not signed)

    def on_message(c, userdata, msg):
        try:
            reply = contract.check_reply(contract.decode(msg.payload))
        except ValueError:
            return
        if reply.get("id") == request["id"]:
            got.put(reply)
        elif reply.get("id") is None and \
                'request id "%s" not signed' % request["id"] in str(reply.get("error")):
            unsigned.append(reply.get("error"))
    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    connect_options(client, args)
    client.connect(args.broker[0], args.broker[1], keepalive=10)
    client.loop_start()
    reply = None
    sent = subscribed.wait(args.reply_timeout)
    if sent:
        topic = contract.command_topic(args.prefix, args.site, args.gateway, name)
        for copy in range(1 + commands.RESENDS):
            if copy:
                request = commands.for_resend(name, request, secret,
                                              target=args.site + "/" + args.gateway)
            client.publish(topic, json.dumps(request, separators=(",", ":")), qos=1)
            try:
                reply = got.get(timeout=args.reply_timeout)
                break
            except queue.Empty:
                continue
    client.disconnect()
    client.loop_stop()
    print(json.dumps({"request": request, "reply": reply}))
    if not sent:
        print("center: not sent: the broker at %s:%d did not confirm the subscription to the "
              "replies within %g s" % (args.broker[0], args.broker[1], args.reply_timeout),
              file=sys.stderr)
        return 1
    if reply is None and unsigned:
        print("center: %s/%s refused the request as not signed by this center: %s (check "
              "--secret-file against the gateway's commands.secret_file)" % (
                  args.site, args.gateway, unsigned[-1]), file=sys.stderr)
        return 1
    if reply is None:
        print("center: no reply to %d copies %g s apart: %s/%s is offline or busy (the broker "
              "keeps the command for the gateway's session)" % (
                  1 + commands.RESENDS, args.reply_timeout, args.site, args.gateway),
              file=sys.stderr)
        return 1
    return 0 if reply.get("ok") else 1


def connect_options(client, args):
    """The broker login and TLS of --username/--password-file and
    --cafile/--cert/--key: a district broker (docs/deployment.md) takes no
    anonymous client, and the center was refused at every connect."""
    if args.password_file and not args.username:
        raise ValueError("--password-file needs --username")
    if args.username:
        password = commands.read_password(args.password_file) if args.password_file else None
        client.username_pw_set(args.username, password)
    if (args.cert or args.key) and not args.cafile:
        raise ValueError("--cert and --key need --cafile (TLS)")
    if bool(args.cert) != bool(args.key):
        raise ValueError("--cert and --key go together")
    if args.cafile:
        client.tls_set(ca_certs=args.cafile, certfile=args.cert, keyfile=args.key)


def add_link_options(parser, suppress=False):
    """Broker and command options, accepted before or after a subcommand."""
    def d(value):
        return argparse.SUPPRESS if suppress else value
    parser.add_argument("--broker", type=parse_broker, default=d(("127.0.0.1", 1883)),
                        help="HOST:PORT (default 127.0.0.1:1883)")
    parser.add_argument("--prefix", default=d("city"), help="uplink.topic_prefix (default city)")
    parser.add_argument("--secret-file", default=d(None),
                        help="sign commands with this shared secret (HMAC-SHA256)")
    parser.add_argument("--username", default=d(None),
                        help="broker login (a district broker: allow_anonymous false)")
    parser.add_argument("--password-file", default=d(None),
                        help="the login's password: the file's first line (not readable by "
                             "others)")
    parser.add_argument("--cafile", default=d(None),
                        help="TLS: the broker's CA certificate (then --broker is its TLS port)")
    parser.add_argument("--cert", default=d(None), help="TLS: this center's client certificate")
    parser.add_argument("--key", default=d(None), help="TLS: its private key")
    parser.add_argument("--reply-timeout", type=float, default=d(5.0),
                        help="seconds to wait for a command's reply before sending it again, "
                             "%d times (default 5)" % commands.RESENDS)


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="tools/center", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Without a subcommand: the console. Typed commands while it runs: "
               "ack ROW|ID [note], mode GATEWAY normal|emergency [seconds], report, quit.")
    add_link_options(p)
    p.add_argument("--out", default="center-out",
                   help="directory for events.jsonl, evidence/, summary.json, report.html")
    p.add_argument("--client-id", default="district-center",
                   help="MQTT client id; fixed so the broker keeps this console's session")
    p.add_argument("--view", choices=["auto", "table", "log"], default="auto",
                   help="table: live screen (default on a terminal); log: a line per event")
    p.add_argument("--operator", default="center operator", help="who acknowledges")
    p.add_argument("--auto-ack", type=int, default=0, metavar="N",
                   help="playbook: acknowledge the first N incidents that reach alarm")
    p.add_argument("--emergency-on", type=parse_rule, action="append", default=[],
                   metavar="TYPE[:SEVERITY]",
                   help="playbook: switch a gateway to emergency mode when an incident of "
                        "this type reaches SEVERITY (default warning) there")
    p.add_argument("--emergency-duration", type=int, default=None, metavar="S",
                   help="emergency mode for S seconds (default: until switched back)")
    p.add_argument("--title", default="District center report")
    sub = p.add_subparsers(dest="cmd")

    a = sub.add_parser("ack", help="acknowledge one incident and wait for the reply")
    m = sub.add_parser("mode", help="switch a gateway's mode and wait for the reply")
    for q in (a, m):
        add_link_options(q, suppress=True)
        q.add_argument("--site", required=True)
        q.add_argument("--gateway", required=True)
    a.add_argument("incident", help="incident id or any event id of the incident")
    a.add_argument("--by", required=True)
    a.add_argument("--note")
    m.add_argument("mode", choices=list(commands.MODES))
    m.add_argument("--duration", type=int, help="seconds (60..604800)")

    r = sub.add_parser("report", help="re-render DIR/report.html from DIR/summary.json")
    r.add_argument("dir")
    r.add_argument("--checks", help="JSON list of {text, bad} lines for a Verification box")
    r.add_argument("--title", default=argparse.SUPPRESS)

    args = p.parse_args(argv)
    if args.cmd == "report":
        with open(os.path.join(args.dir, "summary.json")) as f:
            summary = json.load(f)
        checks = None
        if args.checks:
            with open(args.checks) as f:
                checks = json.load(f)
        print(write_report(args.dir, summary, args.title, checks))
        return 0
    if mqtt is None:
        print("center: python3-paho-mqtt is missing (tools/setup installs it)", file=sys.stderr)
        return 2
    try:
        # A signed command names the gateway it is for (docs/contract.md, "Signing").
        target = "%s/%s" % (args.site, args.gateway) if args.cmd in ("ack", "mode") else None
        if args.cmd == "ack":
            return one_shot(args, "ack", lambda s: commands.ack(args.incident, args.by, args.note,
                                                                secret=s, target=target))
        if args.cmd == "mode":
            return one_shot(args, "mode",
                            lambda s: commands.mode(args.mode, args.duration, secret=s,
                                                    target=target))
        return Console(args).run()
    except (ValueError, OSError) as e:  # a bad secret file, an unreachable broker
        print("center: %s" % e, file=sys.stderr)
        return 2
