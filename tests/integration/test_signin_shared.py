"""Sessions and throttling shared by two httpd instances through one
redis-server on loopback (mod_socache_redis), and over a graceful restart."""

import os
import signal
import time

import pytest

import harness
import signin_support

pytestmark = pytest.mark.usefixtures("module_built")

REDIS_MODULE = os.path.join(harness.MODULES_DIR, "mod_socache_redis.so")


@pytest.fixture(scope="module")
def redis(rundir):
    if not os.path.exists(signin_support.REDIS_SERVER):
        pytest.skip("redis-server is not installed; run 'make deps'")
    server = signin_support.RedisServer(os.path.join(rundir, "redis"), harness.free_port())
    server.start()
    yield server
    server.stop()


def redis_config(server, redis_port):
    return server.standard_config(extra=(
        "LoadModule socache_redis_module %s\n"
        "ExtranetSessionCache redis:127.0.0.1:%d\n"
        "ExtranetThrottleAccount 2 4\n"
        "ExtranetThrottleBlock 30\n"
        "ExtranetAdminRole beheer\n" % (REDIS_MODULE, redis_port)))


@pytest.fixture(scope="module")
def pair(rundir, ldap, served_files, redis, httpd_server):
    servers = []
    for name in ("redis-a", "redis-b"):
        module = signin_support.copy_module(httpd_server.module, rundir, name + ".so")
        server = signin_support.extra_httpd(name, rundir, ldap, served_files, module)
        server.configure(redis_config(server, redis.port))
        servers.append(server)
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def a_b(pair):
    marks = [server.error_log_mark() for server in pair]
    yield pair
    for server, mark in zip(pair, marks):
        signin_support.assert_clean_log(server, mark)


def client_for(server, cookies_from=None):
    client = server.client()
    if cookies_from is not None:
        client.session.cookies.update(cookies_from.session.cookies)
    return client


class TestSharedStore:
    def test_signin_on_a_valid_on_b(self, a_b):
        a, b = a_b
        on_a = a.client()
        assert on_a.login("raadslid", "Raad2026!").status_code == 303
        on_b = client_for(b, on_a)
        assert on_b.get("/raad/agenda.pdf").status_code == 200

    def test_form_of_a_accepted_by_b(self, a_b):
        a, b = a_b
        on_a = a.client()
        token = on_a.form_token()
        on_b = client_for(b, on_a)
        assert on_b.login("raadslid", "Raad2026!", csrf=token).status_code == 303

    def test_signout_on_a_ends_on_b(self, a_b):
        a, b = a_b
        on_a = a.client()
        on_a.login("raadslid", "Raad2026!")
        cookie = {"Cookie": "extranet_session=%s" % on_a.cookie}
        assert b.raw_request("GET", "/raad/agenda.pdf", cookie).status == 200
        assert on_a.logout().status_code == 200
        r = b.raw_request("GET", "/raad/agenda.pdf", cookie)
        assert r.status == 302

    def test_throttling_counts_on_both(self, a_b, ldap):
        a, b = a_b
        ldap_mark = ldap.log_mark()
        assert a.client().login("schepen", "Fout-1").status_code == 200
        assert b.client().login("schepen", "Fout-2").status_code == 200
        r = a.client().login("schepen", "Fout-3")
        assert r.status_code == 429
        r = b.client().login("schepen", "Fout-4")
        assert r.status_code == 429
        assert len(ldap.binds_since(ldap_mark, "uid=schepen,")) == 2

    def test_session_end_on_a_applies_on_b(self, a_b):
        a, b = a_b
        user = a.client()
        user.login("tgoossens", "Goossens-Pers2026!")
        admin = a.client()
        admin.login("beheerder", "Beheer2026!")
        token = admin.form_token("/extranet/admin/sessions")
        r = admin.request("POST", "/extranet/admin/sessions",
                          data={"user": "tgoossens", "csrf": token})
        assert r.status_code == 200
        assert client_for(b, user).get("/personeel/").status_code == 302

    def test_sessions_survive_graceful(self, a_b):
        a, b = a_b
        client = a.client()
        assert client.login("nvermeulen", "Vermeulen-Pers2026!").status_code == 303
        for server in (a, b):
            mark = server.error_log_mark()
            server.proc.send_signal(signal.SIGUSR1)
            wait_for_line(server, mark, "resuming normal operations")
        assert client.get("/personeel/").status_code == 200
        assert client_for(b, client).get("/personeel/").status_code == 200


def wait_for_line(server, mark, text, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in line for line in server.error_log_since(mark)):
            time.sleep(0.3)
            return
        time.sleep(0.1)
    raise AssertionError("%s: no %r in the error log" % (server.error_log, text))


class TestShmcbGraceful:
    """The default shmcb store lives in shared memory that a graceful
    restart recreates, so sessions end; this is the documented contrast with
    redis."""

    def test_sessions_end_at_graceful(self, httpd):
        httpd.configure(httpd.standard_config())
        client = httpd.client()
        assert client.login("raadslid", "Raad2026!").status_code == 303
        assert client.get("/raad/agenda.pdf").status_code == 200
        mark = httpd.error_log_mark()
        httpd.proc.send_signal(signal.SIGUSR1)
        wait_for_line(httpd, mark, "resuming normal operations")
        assert client.get("/raad/agenda.pdf").status_code == 302
