#!/usr/bin/python3
"""A fake carbon-intensity API server for tests/cli/ci.sh.

It binds 127.0.0.1 on a port the kernel picks, writes the port to
--port-file, answers for at most --lifetime seconds and then exits by
itself. Python's standard library only; never contacts anything.

The first path segment of a request names the scenario, so that one
server plays every case: /SCENARIO[.TAG]/API-PATH. TAG only makes a
label unique, for scenarios that count requests ("429once"). Scenarios:

  good        the API's normal answer (bodies from tests/fixtures/ci)
  s401        401 with Electricity Maps' error body
  s429        429 with "Retry-After: 1", every time
  s429once    429 with "Retry-After: 1" the first time, then good
  s429long    429 with "Retry-After: 3600"
  s500        500 with the UK API's error body, every time
  s500once    500 the first time, then good
  badjson     200 with a body that is not JSON
  truncated   200 whose body stops before its Content-Length
  huge        200 with a body one byte over 1 MiB (with Content-Length)
  hugestream  the same without Content-Length (the connection ends it)
  slow        the good answer, 3 s late
  wtexpired   WattTime: the first data request after a login gets 401

Good answers check credentials: the Electricity Maps token (--token, in
the auth-token header), WattTime's Basic login (--wt-user,
--wt-password) and its bearer token. Every request is logged to --log
as "TIME LABEL PATH auth=ok|bad|none"; secrets are never logged.
"""

import argparse
import base64
import copy
import datetime
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CAP = 1 << 20  # the client's default body limit (CI_HTTP_MAX_BYTES)
WT_TOKEN = "wt-test-token-7f3a9c"  # as in watttime_login_SYNTHETIC.json


def load(name):
    with open(os.path.join(ARGS.fixtures, name), "rb") as f:
        return json.loads(f.read())


def iso_uk(t):
    return t.strftime("%Y-%m-%dT%H:%MZ")


def parse_uk(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%MZ").replace(
        tzinfo=datetime.timezone.utc)


def uk_series(start):
    """The real GB day of the pt24h sample, moved to begin at start."""
    slots = load("uk_intensity_pt24h_2023-03-15T0031Z.json")["data"]
    shift = start - parse_uk(slots[0]["from"])
    out = []
    for s in slots:
        s = copy.deepcopy(s)
        s["from"] = iso_uk(parse_uk(s["from"]) + shift)
        s["to"] = iso_uk(parse_uk(s["to"]) + shift)
        out.append(s)
    return out


def wt_forecast(hours):
    """A MOER forecast from now, every five minutes, in lbs/MWh."""
    body = load("watttime_v3_forecast_SYNTHETIC-from-schema.json")
    now = datetime.datetime.now(datetime.timezone.utc)
    now = now.replace(second=0, microsecond=0)
    now -= datetime.timedelta(minutes=now.minute % 5)
    n = max(1, hours * 12)
    body["data"] = [{
        "point_time": (now + datetime.timedelta(minutes=5 * i)).isoformat(),
        "value": 870.0 - (i % 24) * 5.0,
    } for i in range(n)]
    return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    counts = {}
    expired = set()
    lock = threading.Lock()

    def log_message(self, fmt, *args):  # quiet: the log file says it all
        pass

    def log(self, label, path, auth):
        with self.lock, open(ARGS.log, "a") as f:
            f.write("%.3f %s %s auth=%s\n" % (time.time(), label, path, auth))

    def send(self, status, body, headers=None, length=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(
            len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def auth_state(self, api):
        """ok, bad or none for the credentials this API wants."""
        if api == "em":
            got = self.headers.get("auth-token")
            if got is None:
                return "none"
            return "ok" if got == ARGS.token else "bad"
        if api == "wt-login":
            h = self.headers.get("Authorization", "")
            if not h.startswith("Basic "):
                return "none"
            want = base64.b64encode(("%s:%s" % (
                ARGS.wt_user, ARGS.wt_password)).encode()).decode()
            return "ok" if h[6:] == want else "bad"
        if api == "wt":
            h = self.headers.get("Authorization", "")
            if not h.startswith("Bearer "):
                return "none"
            return "ok" if h[7:] == WT_TOKEN else "bad"
        return "none"

    def do_GET(self):
        url = urlsplit(self.path)
        parts = url.path.split("/", 2)
        label = parts[1] if len(parts) > 1 else ""
        path = "/" + (parts[2] if len(parts) > 2 else "")
        scenario = label.split(".")[0]
        query = parse_qs(url.query)
        if path.startswith("/carbon-intensity/"):
            api = "em"
        elif path == "/login":
            api = "wt-login"
        elif path.startswith("/v3/"):
            api = "wt"
        else:
            api = "uk"
        auth = self.auth_state(api)
        self.log(label, path, auth)
        with self.lock:
            n = self.counts[label] = self.counts.get(label, 0) + 1

        if scenario == "s401":
            return self.send(401, load(
                "electricitymaps_error_401_invalid-auth-token.json"))
        if scenario == "s429" or (scenario == "s429once" and n == 1):
            return self.send(429, {"error": {
                "code": "429 Too Many Requests",
                "message": "rate limited"}}, {"Retry-After": "1"})
        if scenario == "s429long":
            return self.send(429, {"error": {
                "code": "429 Too Many Requests",
                "message": "rate limited"}}, {"Retry-After": "3600"})
        if scenario == "s500" or (scenario == "s500once" and n == 1):
            return self.send(500, {"error": {
                "code": "500 Internal Server Error",
                "message": "the database is down"}})
        if scenario == "badjson":
            return self.send(200, '{"data":[{"from": oops}]}')
        if scenario == "truncated":
            body = json.dumps(load("uk_intensity_doc-example.json")).encode()
            return self.send(200, body[:len(body) // 2],
                             length=len(body) + 100)
        if scenario == "huge":
            return self.send(200, b'"' + b"x" * (CAP - 1) + b'"')
        if scenario == "hugestream":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                for _ in range(CAP // 65536 + 2):
                    self.wfile.write(b"x" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None
        if scenario == "slow":
            time.sleep(3)
        return self.good(api, label, path, query, auth)

    def good(self, api, label, path, query, auth):
        if api == "em":
            if auth != "ok":
                return self.send(401, load(
                    "electricitymaps_error_401_invalid-auth-token.json"))
            if path == "/carbon-intensity/latest":
                return self.send(200, load(
                    "electricitymaps_v3_carbon-intensity_latest.json"))
            if path == "/carbon-intensity/history":
                return self.send(200, load(
                    "electricitymaps_v3_carbon-intensity_history.json"))
        elif api == "wt-login":
            if auth != "ok":
                return self.send(401, {"error": "Unauthorized",
                                       "message": "bad username or password"})
            return self.send(200, load("watttime_login_SYNTHETIC.json"))
        elif api == "wt":
            with self.lock:
                expire = (label.startswith("wtexpired") and
                          label not in self.expired)
                if expire:
                    self.expired.add(label)
            if auth != "ok" or expire:
                return self.send(401, {"error": "Unauthorized",
                                       "message": "token expired"})
            if path == "/v3/forecast":
                hours = int(query.get("horizon_hours", ["24"])[0])
                return self.send(200, wt_forecast(hours))
            if path == "/v3/signal-index":
                return self.send(200, load(
                    "watttime_v3_signal-index_SYNTHETIC.json"))
            if path == "/v3/region-from-loc":
                return self.send(200, load(
                    "watttime_v3_region-from-loc_aiowatttime-fixture.json"))
        else:
            seg = path.strip("/").split("/")
            if path == "/intensity":
                return self.send(200, load("uk_intensity_doc-example.json"))
            if len(seg) == 3 and seg[0] == "intensity" and seg[2] == "fw48h":
                return self.send(200, {"data": uk_series(parse_uk(seg[1]))})
            if len(seg) == 3 and seg[:2] == ["regional", "regionid"]:
                body = load("uk_regional_doc-example_comma-fixed.json")
                body["data"][0]["regions"][0]["regionid"] = int(seg[2])
                return self.send(200, body)
            if (len(seg) == 6 and seg[:2] == ["regional", "intensity"] and
                    seg[3:5] == ["fw48h", "regionid"]):
                slots = uk_series(parse_uk(seg[2]))
                for s in slots:
                    s["intensity"].pop("actual", None)
                return self.send(200, {"data": {
                    "regionid": int(seg[5]), "shortname": "Test region",
                    "data": slots}})
        return self.send(404, {"error": {"code": "404 Not Found",
                                         "message": "no such route"}})


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--lifetime", type=float, default=90)
    p.add_argument("--fixtures", default="tests/fixtures/ci")
    p.add_argument("--token", default="em-test-token")
    p.add_argument("--wt-user", default="alice")
    p.add_argument("--wt-password", default="secret")
    ARGS = p.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, ARGS.port_file)
    # Bounded lifetime: stop serving even if nobody kills us.
    timer = threading.Timer(ARGS.lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


ARGS = None
if __name__ == "__main__":
    sys.exit(main())
