"""Helpers for the audit trail tests: key files, the extranet-audit tool,
configuration snippets and a concurrent client."""

import http.client
import json
import os
import subprocess
import threading

import harness

TOOL = os.environ.get("EXTRANET_AUDIT_TOOL",
                      os.path.join(harness.REPO, "build", "extranet-audit"))


def write_key(path, text):
    """Write a key file readable by root only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)
    return path


def tool(*args, env=None, check=False):
    """Run extranet-audit with ARGS; return the completed process."""
    run_env = dict(os.environ, LANG="C", LC_ALL="", LC_MESSAGES="")
    run_env.update(env or {})
    return subprocess.run([TOOL] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=120, env=run_env, check=check)


def audit_config(log, key=None, checkpoint=None, extra=""):
    """Directives that send the audit log to LOG, sealed with KEY, or
    without a chain when KEY is None."""
    lines = ['ExtranetAuditLog "%s"' % log,
             'ExtranetAuditKeyFile "%s"' % (key or "none")]
    if checkpoint:
        lines.append(checkpoint)
    return "\n".join(lines) + "\n" + extra


class SyslogListener:
    """A datagram socket at /dev/log that collects what syslog(3) sends,
    for a machine without a syslog daemon. Use as a context manager; it
    removes the socket again."""

    PATH = "/dev/log"

    def __init__(self):
        self.messages = []
        self.sock = None
        self.thread = None

    def __enter__(self):
        import socket
        if os.path.exists(self.PATH):
            return self
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.PATH)
        os.chmod(self.PATH, 0o666)
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._collect, daemon=True)
        self.running = True
        self.thread.start()
        return self

    def _collect(self):
        while self.running:
            try:
                self.messages.append(self.sock.recv(65536))
            except OSError:
                continue

    def __exit__(self, *exc):
        if self.sock is not None:
            self.running = False
            self.thread.join()
            self.sock.close()
            os.unlink(self.PATH)


def read_lines(path):
    with open(path, "rb") as f:
        return f.read().splitlines(keepends=True)


def read_records(path):
    return [json.loads(line) for line in read_lines(path)]


def wait_for_records(path, count, timeout=10.0):
    """Wait until PATH contains at least COUNT complete lines."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        try:
            lines = [l for l in read_lines(path) if l.endswith(b"\n")]
        except FileNotFoundError:
            lines = []
        if len(lines) >= count or time.monotonic() >= deadline:
            return lines
        time.sleep(0.05)


def hammer(port, cookie, path, connections, per_connection):
    """Send CONNECTIONS x PER_CONNECTION keep-alive GETs of PATH with the
    session COOKIE from parallel threads. Returns the status counts."""
    counts = {}
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local = {}
        try:
            for _ in range(per_connection):
                try:
                    conn.request("GET", path, headers={"Cookie": cookie})
                    resp = conn.getresponse()
                except (http.client.RemoteDisconnected, ConnectionResetError):
                    # httpd closed an idle keep-alive connection before it
                    # read the request: send it again on a new one.
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.request("GET", path, headers={"Cookie": cookie})
                    resp = conn.getresponse()
                resp.read()
                local[resp.status] = local.get(resp.status, 0) + 1
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        finally:
            conn.close()
            with lock:
                for status, n in local.items():
                    counts[status] = counts.get(status, 0) + n

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts
