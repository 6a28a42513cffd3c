"""Directory behaviour against the session slapd: failover with back-off,
the status handler, a hanging directory under load, lookup-only mode,
parallel sign-ins under the event and worker MPMs, and awkward input.

directory_support.py adds the test people and groups to slapd once.
"""

import base64
import concurrent.futures
import json
import re
import time

import pytest

import directory_support as ds
import harness

pytestmark = pytest.mark.usefixtures("module_built")

FAILED_MESSAGE = "Onjuiste gebruikersnaam of wachtwoord."
UNAVAILABLE_MESSAGE = "tijdelijk niet beschikbaar"
DIRECTORY_DOWN_LOG = r"\[extranet:(warn|error)\]"
# httpd's own line for Basic credentials that a provider rejected.
BASIC_FAILURE_LOG = r"AH01617: user .*: authentication failure"
LDAP_TIMEOUT = 2

SPECIAL_ROLES = ["s%d" % i for i in range(len(ds.SPECIAL_CNS))]
CROWD_ROLES = ["c%d" % i for i in range(ds.CROWD_ROLES)]

CONFIG = """\
Extranet On
ExtranetLDAPURL "{url}ou=mensen,dc=gemeente,dc=test?uid?sub?(objectClass=inetOrgPerson)"
ExtranetLDAPBindDN "cn=extranet,ou=diensten,dc=gemeente,dc=test"
ExtranetLDAPBindPassword "file:{password_file}"
ExtranetLDAPGroupBase "ou=groepen,dc=gemeente,dc=test"
ExtranetLDAPConnectTimeout 1
ExtranetLDAPTimeout {timeout}
ExtranetLookupUser On
{extra}
ExtranetRole raad  "cn=gemeenteraad,ou=groepen,dc=gemeente,dc=test" "{utf8_group}"
ExtranetRole cycle "{cycle_group}"
ExtranetRole empty "{empty_group}"
ExtranetRole many  "{many_group}"
{special_roles}
{crowd_roles}
ExtranetRule /publiek/ public
ExtranetRule /         {all_roles}

ExtranetAuditLog "{rundir}/audit.log"
ExtranetAuditKeyFile "{rundir}/audit.key"
# Plain HTTP, and many sign-ins from one address.
ExtranetAllowInsecureCookie On
ExtranetThrottleAccount 100 200
ExtranetThrottleAddress 500 1000

Alias /basic/ "{htdocs}/raad/"
Alias /anon/  "{htdocs}/raad/"

<Location />
    AuthType Extranet
    Require extranet-rules
</Location>

<Location /basic/>
    AuthType Basic
    AuthName "Gemeente Zonnedorp"
    AuthBasicProvider extranet
    Require extranet-rules
</Location>

<Location /anon/>
    AuthType Basic
    AuthName "Elders aangemeld"
    AuthBasicProvider anon
    Anonymous *
    Anonymous_NoUserID Off
    Anonymous_MustGiveEmail Off
    Require extranet-rules
</Location>

<Location /ldap-status>
    SetHandler extranet-ldap-status
    Require ip 127.0.0.1
</Location>
"""


def config(httpd, url=None, extra="", timeout=LDAP_TIMEOUT, mpm="event"):
    special = "\n".join('ExtranetRole %s "%s"' % (role, ds.group_dn(cn, ds.hex_dn_value))
                        for role, cn in zip(SPECIAL_ROLES, ds.SPECIAL_CNS))
    crowd = "\n".join('ExtranetRole %s "%s"' % (role, ds.group_dn("tgcrowd%d" % i))
                      for i, role in enumerate(CROWD_ROLES))
    base = httpd.base_config().replace("LoadModule authn_core_module",
                                       "LoadModule authn_anon_module %s/mod_authn_anon.so\n"
                                       "LoadModule authn_core_module" % harness.MODULES_DIR)
    if mpm != "event":
        base = base.replace("mpm_event_module", "mpm_%s_module" % mpm)
        base = base.replace("mod_mpm_event.so", "mod_mpm_%s.so" % mpm)
    return base + "\n" + CONFIG.format(
        url=url or httpd.ldap_url, password_file=httpd.password_file, timeout=timeout,
        extra=extra, utf8_group=ds.group_dn("tgutf8"), cycle_group=ds.group_dn("tgcycle-b"),
        empty_group=ds.group_dn("tgempty"), many_group=ds.group_dn("tgmany%03d" % (ds.MANY_GROUPS - 1)),
        special_roles=special, crowd_roles=crowd,
        all_roles=" ".join(["raad", "cycle", "empty", "many"] + SPECIAL_ROLES + CROWD_ROLES),
        rundir=httpd.rundir, htdocs=httpd.htdocs)


@pytest.fixture(scope="module")
def entries(ldap):
    ds.add_entries(ldap)


@pytest.fixture
def directory(httpd, entries):
    httpd.configure(config(httpd))
    return httpd


def login(server, user, password, client=None):
    """Sign in; return (response, seconds taken, audit records)."""
    mark = server.audit_mark()
    started = time.monotonic()
    r = (client or server.client()).login(user, password, "/raad/")
    elapsed = time.monotonic() - started
    return r, elapsed, server.audit_since(mark)


def basic(user_bytes, password_bytes):
    return "Basic " + base64.b64encode(user_bytes + b":" + password_bytes).decode("ascii")


def log_count(server, mark, pattern):
    return len([line for line in server.error_log_since(mark) if re.search(pattern, line)])


class TestInput:
    def test_utf8_name_and_password(self, directory):
        r, _elapsed, records = login(directory, ds.UTF8_UID, ds.UTF8_PASSWORD)
        assert r.status_code == 303, r.text[:300]
        assert records[0]["user"] == ds.UTF8_UID
        assert records[0]["roles"] == "raad"

    def test_utf8_basic_credentials(self, directory):
        header = basic(ds.UTF8_UID.encode("utf-8"), ds.UTF8_PASSWORD.encode("utf-8"))
        r = directory.raw_request("GET", "/basic/agenda.pdf", {"Authorization": header})
        assert r.status == 200

    @pytest.mark.log_allow(BASIC_FAILURE_LOG)
    def test_latin1_basic_credentials_rejected(self, directory):
        mark = directory.audit_mark()
        header = basic(ds.UTF8_UID.encode("latin-1"), ds.UTF8_PASSWORD.encode("utf-8"))
        r = directory.raw_request("GET", "/basic/agenda.pdf", {"Authorization": header})
        assert r.status == 401
        records = directory.audit_since(mark)
        assert records[0]["reason"] == "invalid_username"

    @pytest.mark.log_allow(BASIC_FAILURE_LOG)
    def test_latin1_basic_password_rejected(self, directory):
        mark = directory.audit_mark()
        header = basic(ds.UTF8_UID.encode("utf-8"), "Wachtwoord-\u00e9\u00df1".encode("latin-1"))
        r = directory.raw_request("GET", "/basic/agenda.pdf", {"Authorization": header})
        assert r.status == 401
        records = directory.audit_since(mark)
        assert records[0]["reason"] == "invalid_password"

    def test_invalid_utf8_form_rejected(self, directory):
        mark = directory.audit_mark()
        client = directory.client()
        token = client.form_token()
        r = client.request("POST", "/extranet/login",
                           headers={"Content-Type": "application/x-www-form-urlencoded"},
                           data="username=%FF%FEraad&password=x%C3&csrf=" + token)
        assert r.status_code == 200
        assert FAILED_MESSAGE in r.text
        assert directory.audit_since(mark)[0]["reason"] == "invalid_username"

    @pytest.mark.parametrize("typed", ["TSTSPECIAL", "TstSpecial", "tstspecial"])
    def test_case_variants_are_one_person(self, directory, typed):
        r, _elapsed, records = login(directory, typed, ds.PASSWORD)
        assert r.status_code == 303
        assert records[0]["user"] == "tstspecial"

    def test_special_characters_in_group_cn(self, directory):
        r, _elapsed, records = login(directory, "tstspecial", ds.PASSWORD)
        assert r.status_code == 303, r.text[:300]
        assert records[0]["roles"] == ",".join(SPECIAL_ROLES)

    def test_group_cycle_ends(self, directory):
        r, elapsed, records = login(directory, "tstcycle", ds.PASSWORD)
        assert r.status_code == 303
        assert records[0]["roles"] == "cycle"
        assert elapsed < 2, elapsed

    def test_empty_group_grants_nothing(self, directory):
        r, _elapsed, records = login(directory, "tstempty", ds.PASSWORD)
        assert FAILED_MESSAGE in r.text
        assert records[0]["reason"] == "no_role"

    def test_user_in_300_groups(self, directory):
        r, elapsed, records = login(directory, "tstmany", ds.PASSWORD)
        assert r.status_code == 303
        assert records[0]["roles"] == "many"
        assert elapsed < 2, elapsed


class TestFailover:
    @pytest.mark.log_allow(r"XN1311: directory host ldap://127\.0\.0\.1:\d+ failed")
    def test_dead_host_skipped_and_logged_once(self, httpd, entries, ldap):
        dead = harness.free_port()
        url = "ldap://127.0.0.1:%d 127.0.0.1:%d/" % (dead, ldap.port)
        httpd.configure(config(httpd, url=url))
        mark = httpd.error_log_mark()
        for _ in range(6):
            r, elapsed, _records = login(httpd, "tstspecial", ds.PASSWORD)
            assert r.status_code == 303
            assert elapsed < 1.5, elapsed
        # Each process logs the change once; the test server runs at most two.
        count = log_count(httpd, mark, r"XN1311: directory host ldap://127\.0\.0\.1:%d failed" % dead)
        assert 1 <= count <= 2, count

        states = []
        for _ in range(10):
            status = json.loads(httpd.client().get("/ldap-status").text)
            assert [h["uri"] for h in status["hosts"]] == [
                "ldap://127.0.0.1:%d" % dead, "ldap://127.0.0.1:%d" % ldap.port]
            states.append((status["hosts"][0]["up"], status["hosts"][1]["up"]))
        assert (False, True) in states, states

    @pytest.mark.log_allow(DIRECTORY_DOWN_LOG)
    def test_hanging_host_skipped(self, httpd, entries, ldap):
        hole = ds.Blackhole()
        try:
            url = "ldap://127.0.0.1:%d 127.0.0.1:%d/" % (hole.port, ldap.port)
            httpd.configure(config(httpd, url=url, extra="ExtranetLDAPRetryInterval 60"))
            results = []
            for _ in range(8):
                r, elapsed, _records = login(httpd, "tstspecial", ds.PASSWORD)
                results.append((r.status_code, elapsed))
                assert elapsed < LDAP_TIMEOUT + 1.5, results
            # A process waits once for the hanging host, then skips it.
            assert len([s for s, _e in results if s == 503]) <= 2, results
            assert [s for s, _e in results[-4:]] == [303] * 4, results
        finally:
            hole.close()

    @pytest.mark.log_allow(r"XN1311: directory host ldap://127\.0\.0\.1:\d+ failed")
    def test_failed_host_retried_after_back_off(self, httpd, entries, ldap):
        proxy = ds.Proxy(ldap.port)
        proxy.start()
        try:
            url = "ldap://127.0.0.1:%d 127.0.0.1:%d/" % (proxy.port, ldap.port)
            httpd.configure(config(httpd, url=url, extra="ExtranetLDAPRetryInterval 1"))
            first = "ldap://127.0.0.1:%d" % proxy.port
            mark = httpd.error_log_mark()
            assert login(httpd, "tstspecial", ds.PASSWORD)[0].status_code == 303

            proxy.stop()
            for _ in range(4):
                r, elapsed, _records = login(httpd, "tstspecial", ds.PASSWORD)
                assert r.status_code == 303
                assert elapsed < 1.5, elapsed
            failed = log_count(httpd, mark, r"XN1311: directory host %s failed" % re.escape(first))
            assert 1 <= failed <= 2, failed

            proxy.start()
            time.sleep(1.5)
            recovered = 0
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and recovered < failed:
                assert login(httpd, "tstspecial", ds.PASSWORD)[0].status_code == 303
                recovered = log_count(httpd, mark,
                                      r"XN1310: directory host %s is available again"
                                      % re.escape(first))
            assert recovered == failed, (recovered, failed)
            assert proxy.sockets, "no connection reached the first host again"
        finally:
            proxy.stop()

    def test_status_needs_require(self, httpd, entries):
        httpd.configure(config(httpd))
        r = httpd.raw_request("GET", "/ldap-status", source="127.0.0.2")
        assert r.status == 403


class TestPressure:
    @pytest.mark.log_allow(DIRECTORY_DOWN_LOG)
    def test_hanging_directory_under_load(self, httpd, entries, ldap):
        httpd.configure(config(httpd, extra="ExtranetLDAPMaxActive 4"))
        session = httpd.client()
        assert session.login("tstspecial", ds.PASSWORD).status_code == 303
        ldap.freeze()
        try:
            def attempt(i):
                started = time.monotonic()
                r = httpd.client().login(ds.crowd_uid(i), ds.PASSWORD)
                return r.status_code, UNAVAILABLE_MESSAGE in r.text, time.monotonic() - started

            with concurrent.futures.ThreadPoolExecutor(60) as pool:
                futures = [pool.submit(attempt, i) for i in range(60)]
                time.sleep(0.3)
                for _ in range(5):
                    started = time.monotonic()
                    assert httpd.client().get("/publiek/").status_code == 200
                    assert session.get("/raad/agenda.pdf").status_code == 200
                    assert time.monotonic() - started < 1.5
                results = [f.result() for f in futures]
            for status, dutch, elapsed in results:
                assert status == 503
                assert dutch
                assert elapsed < LDAP_TIMEOUT + 2.5, elapsed
        finally:
            ldap.resume()
        r, _elapsed, _records = login(httpd, "tstspecial", ds.PASSWORD)
        assert r.status_code == 303


    @pytest.mark.log_allow(DIRECTORY_DOWN_LOG)
    def test_default_limit_is_half_the_threads(self, httpd, entries, ldap):
        """ThreadsPerChild is 25 in the test server, so each process lets 12
        sign-ins wait and rejects the others at once."""
        httpd.configure(config(httpd))
        mark = httpd.audit_mark()
        ldap.freeze()
        try:
            with concurrent.futures.ThreadPoolExecutor(30) as pool:
                statuses = list(pool.map(
                    lambda i: httpd.client().login(ds.crowd_uid(i), ds.PASSWORD).status_code,
                    range(30)))
        finally:
            ldap.resume()
        assert statuses == [503] * 30
        reasons = [rec["reason"] for rec in httpd.audit_since(mark, count=30)]
        assert reasons.count("directory_busy") >= 30 - 2 * 12, reasons
        assert reasons.count("directory_unavailable") <= 2 * 12, reasons


class TestLookupOnly:
    def test_user_from_other_module_gets_roles(self, directory):
        mark = directory.audit_mark()
        header = basic(b"RAADSLID", b"any")
        r = directory.raw_request("GET", "/anon/agenda.pdf", {"Authorization": header})
        assert r.status == 200
        records = directory.audit_since(mark)
        assert records[0]["user"] == "raadslid"
        assert records[0]["roles"] == "raad"

    def test_lookup_result_cached(self, directory, ldap):
        header = {"Authorization": basic(b"wjanssens", b"any")}
        assert directory.raw_request("GET", "/anon/agenda.pdf", header).status == 200
        mark = ldap.log_mark()
        for _ in range(3):
            assert directory.raw_request("GET", "/anon/agenda.pdf", header).status == 200
        assert [f for f in ldap.searches_since(mark) if "wjanssens" in f] == []

    @pytest.mark.parametrize("user", [b"onbekend", b"tstempty"])
    def test_unknown_or_roleless_user_denied(self, directory, user):
        r = directory.raw_request("GET", "/anon/agenda.pdf",
                                  {"Authorization": basic(user, b"any")})
        assert r.status == 401


class TestParallelSignIns:
    @pytest.mark.parametrize("mpm", ["event", "worker"])
    def test_each_user_gets_own_roles(self, httpd, entries, mpm):
        httpd.configure(config(httpd, extra="ExtranetLDAPMaxActive 0", mpm=mpm))
        mark = httpd.audit_mark()

        def attempt(i):
            r = httpd.client().login(ds.crowd_uid(i), ds.PASSWORD)
            return r.status_code

        with concurrent.futures.ThreadPoolExecutor(100) as pool:
            statuses = list(pool.map(attempt, range(ds.CROWD)))
        assert statuses == [303] * ds.CROWD
        records = httpd.audit_since(mark, count=ds.CROWD, timeout=10)
        roles = {rec["user"]: rec["roles"] for rec in records if rec["event"] == "login_success"}
        assert len(roles) == ds.CROWD
        for i in range(ds.CROWD):
            expected = ",".join(CROWD_ROLES[r] for r in ds.crowd_roles(i))
            assert roles[ds.crowd_uid(i)] == expected, ds.crowd_uid(i)
