"""Helpers of the sign-in hardening tests: extra httpd instances beside the
session one, a private redis-server, a self-signed certificate, and clients
that send many sign-ins from several loopback addresses."""

import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter

import harness
from conftest import ALWAYS_ALLOWED

REDIS_SERVER = "/usr/bin/redis-server"


def extra_httpd(name, rundir, ldap, served_files, module):
    """Return an HttpdServer in RUNDIR/NAME on a free port, not started."""
    htdocs, password_file = served_files
    return harness.HttpdServer(os.path.join(rundir, name), harness.free_port(), ldap.url,
                               htdocs=htdocs, password_file=password_file, module=module)


def assert_clean_log(server, mark, allowed=()):
    bad = server.unexpected_log_lines(mark, list(ALWAYS_ALLOWED) + list(allowed))
    assert not bad, "unexpected lines in %s:\n%s" % (server.error_log, "\n".join(bad))


class RedisServer:
    """A redis-server on 127.0.0.1:port without persistence."""

    def __init__(self, rundir, port):
        self.rundir = rundir
        self.port = port
        self.proc = None
        os.makedirs(rundir, exist_ok=True)

    def start(self, timeout=10):
        log = open(os.path.join(self.rundir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.rundir,
             "--protected-mode", "yes"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.cli("PING").strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer on port %d" % self.port)

    def cli(self, *args):
        proc = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port)] + list(args),
                              capture_output=True, text=True, timeout=10)
        return proc.stdout

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


def make_certificate(folder):
    """Create a self-signed certificate for 127.0.0.1 in FOLDER and return
    (certificate path, key path)."""
    os.makedirs(folder, exist_ok=True)
    cert = os.path.join(folder, "server.crt")
    key = os.path.join(folder, "server.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class SourceAddressAdapter(HTTPAdapter):
    """A requests adapter whose connections leave from one local address."""

    def __init__(self, address, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def client_from(server, address):
    """An ExtranetClient whose requests come from loopback ADDRESS."""
    client = server.client()
    adapter = SourceAddressAdapter(address)
    client.session.mount("http://", adapter)
    return client


def parallel(function, items, workers=16):
    """Run FUNCTION on each item with a bounded thread pool; return results."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))


def copy_module(module, rundir, name):
    """Copy the module for another httpd, as conftest does for the first."""
    path = os.path.join(rundir, name)
    shutil.copyfile(module, path)
    return path
