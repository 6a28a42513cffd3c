"""Behaviour of mod_extranet against the demo directory and intranet.

Each class configures the session httpd; the standard configuration is the
demo one (demo/httpd.conf.in) plus the test locations described in
harness.EXTRANET_CONFIG, with ExtranetLDAPTimeout 2.
"""

import os
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

import harness

pytestmark = pytest.mark.usefixtures("module_built")

FAILED_MESSAGE = "Onjuiste gebruikersnaam of wachtwoord."
UNAVAILABLE_MESSAGE = "tijdelijk niet beschikbaar"
LOGGED_OUT_MESSAGE = "U bent afgemeld"
COOKIE = "extranet_session"
SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
AUDIT_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
LDAP_TIMEOUT = 2
# Module lines expected while the directory is stopped or frozen.
DIRECTORY_DOWN_LOG = r"\[extranet:(warn|error)\]"

AGENDA = os.path.join(harness.HTDOCS, "raad", "agenda.pdf")
STAFF_PDF = os.path.join(harness.HTDOCS, "personeel", "x.pdf")


@pytest.fixture
def std(httpd):
    httpd.configure(httpd.standard_config())
    return httpd


def sign_in(server, uid, password, return_path="/"):
    """Sign in through the form and return the client once the audit log
    contains the login_success record; asserts success."""
    mark = server.audit_mark()
    client = server.client()
    r = client.login(uid, password, return_path)
    assert r.status_code == 303, "%s: %d %s" % (uid, r.status_code, r.text[:300])
    assert client.cookie, "%s: no %s cookie after sign-in" % (uid, COOKIE)
    events = [rec["event"] for rec in server.audit_since(mark)]
    assert events == ["login_success"], events
    return client


def set_cookies(response):
    return response.raw.headers.getlist("Set-Cookie")


def session_cookie_header(response):
    headers = [h for h in set_cookies(response) if h.startswith(COOKIE + "=")]
    assert len(headers) == 1, set_cookies(response)
    return headers[0]


def cookie_attributes(header):
    """Split a Set-Cookie header into (value, {lower-case attribute: value})."""
    parts = [p.strip() for p in header.split(";")]
    value = parts[0].split("=", 1)[1]
    attrs = {}
    for part in parts[1:]:
        name, _, val = part.partition("=")
        attrs[name.lower()] = val
    return value, attrs


def location_path(response):
    """The path and query of a Location header, relative or absolute."""
    loc = urlsplit(response.headers["Location"])
    assert loc.netloc in ("", "127.0.0.1", "127.0.0.1:%s" % loc.port), loc
    return loc.path + ("?" + loc.query if loc.query else "")


def audit_exactly(server, mark, count, settle=0.3):
    """Return the audit records after MARK, asserting there are exactly COUNT."""
    records = server.audit_since(mark, count)
    time.sleep(settle)
    records = server.audit_since(mark, count, timeout=0)
    assert len(records) == count, records
    return records


class TestSignIn:

    def test_anonymous_request_redirects_to_form(self, std):
        r = std.client().get("/raad/agenda.pdf")
        assert r.status_code == 302
        loc = urlsplit(r.headers["Location"])
        assert loc.path == "/extranet/login"
        assert parse_qs(loc.query)["return"] == ["/raad/agenda.pdf"]

    def test_form_is_dutch(self, std):
        r = std.client().get("/extranet/login", params={"return": "/raad/agenda.pdf"})
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/html")
        assert 'lang="nl"' in r.text
        assert "Aanmelden" in r.text
        assert 'name="username"' in r.text
        assert 'name="password"' in r.text
        assert 'name="return"' in r.text
        assert 'value="/raad/agenda.pdf"' in r.text
        assert 'action="/extranet/login"' in r.text

    def test_councillor_signs_in(self, std):
        client = std.client()
        mark = std.audit_mark()
        r = client.login("raadslid", "Raad2026!", "/raad/agenda.pdf")
        assert r.status_code == 303
        assert location_path(r) == "/raad/agenda.pdf"

        records = std.audit_since(mark)
        assert [rec["event"] for rec in records] == ["login_success"]
        rec = records[0]
        assert rec["user"] == "raadslid"
        assert rec["roles"] == "raad"
        assert rec["client"] == "127.0.0.1"
        assert AUDIT_TIME_RE.match(rec["time"]), rec["time"]

    def test_session_cookie_flags(self, std):
        r = std.client().login("raadslid", "Raad2026!", "/")
        assert r.status_code == 303
        value, attrs = cookie_attributes(session_cookie_header(r))
        assert SESSION_ID_RE.match(value), value
        assert len(value) == 43
        assert "httponly" in attrs
        assert attrs.get("samesite", "").lower() == "lax"
        assert attrs.get("path") == "/"
        assert "secure" not in attrs

    def test_sessions_get_distinct_ids(self, std):
        first = sign_in(std, "raadslid", "Raad2026!")
        second = sign_in(std, "raadslid", "Raad2026!")
        assert first.cookie != second.cookie

    def test_wrong_password_shows_form_again(self, std):
        wrong = "Fout-Wachtwoord-7319"
        client = std.client()
        audit_mark = std.audit_mark()
        log_mark = std.error_log_mark()
        r = client.login("raadslid", wrong, "/raad/")
        assert r.status_code == 200
        assert FAILED_MESSAGE in r.text
        assert 'name="password"' in r.text
        assert wrong not in r.text

        records = std.audit_since(audit_mark)
        assert [rec["event"] for rec in records] == ["login_failed"]
        assert records[0]["user"] == "raadslid"
        assert records[0]["reason"]
        assert wrong not in std.audit_text_since(audit_mark)
        assert not any(wrong in line for line in std.error_log_since(log_mark))

        assert client.get("/raad/").status_code == 302

    def test_unknown_user_rejected(self, std):
        mark = std.audit_mark()
        r = std.client().login("niemand", "Raad2026!")
        assert r.status_code == 200
        assert FAILED_MESSAGE in r.text
        records = std.audit_since(mark)
        assert [rec["event"] for rec in records] == ["login_failed"]
        assert records[0]["user"] == "niemand"

    def test_empty_password_never_binds(self, std, ldap):
        client = std.client()
        ldap_mark = ldap.log_mark()
        audit_mark = std.audit_mark()
        token = client.form_token()
        r = client.request("POST", "/extranet/login",
                           data="username=raadslid&password=&csrf=" + token,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200
        assert FAILED_MESSAGE in r.text

        records = audit_exactly(std, audit_mark, 1)
        assert records[0]["event"] == "login_failed"
        assert records[0]["reason"] == "empty_password"
        assert ldap.binds_since(ldap_mark, "uid=raadslid,") == []

    @pytest.mark.parametrize("username", ["*", "raadslid)(uid=*", "x)(|(cn=*"])
    def test_filter_characters_in_username(self, std, ldap, username):
        ldap_mark = ldap.log_mark()
        audit_mark = std.audit_mark()
        r = std.client().login(username, "Raad2026!")
        assert r.status_code == 200
        assert FAILED_MESSAGE in r.text

        records = audit_exactly(std, audit_mark, 1)
        assert records[0]["event"] == "login_failed"
        assert records[0]["user"] == username
        for search_filter in ldap.searches_since(ldap_mark):
            assert "(uid=*)" not in search_filter, search_filter
            assert "(cn=*)" not in search_filter, search_filter
        assert ldap.binds_since(ldap_mark, "uid=") == []

    def test_user_without_role_cannot_sign_in(self, std):
        client = std.client()
        mark = std.audit_mark()
        r = client.login("gastgebruiker", "Gast2026!", "/nieuws/")
        assert r.status_code == 200
        assert FAILED_MESSAGE in r.text
        records = std.audit_since(mark)
        assert [rec["event"] for rec in records] == ["login_failed"]
        assert records[0]["user"] == "gastgebruiker"
        assert records[0]["reason"]
        assert client.get("/nieuws/").status_code == 302

    def test_non_ascii_uid_signs_in(self, std):
        mark = std.audit_mark()
        client = sign_in(std, "zoë.müller", "Zoë-Raad2026!", "/raad/")
        records = std.audit_since(mark)
        assert records[0]["event"] == "login_success"
        assert records[0]["user"] == "zoë.müller"
        assert records[0]["roles"] == "raad"
        assert client.get("/raad/agenda.pdf").status_code == 200

    def test_planted_cookie_is_replaced(self, std):
        planted = "A" * 43
        client = std.client()
        client.session.cookies.set(COOKIE, planted, domain="127.0.0.1", path="/")
        assert client.get("/raad/agenda.pdf").status_code == 302

        r = client.login("raadslid", "Raad2026!", "/raad/")
        assert r.status_code == 303
        value, _attrs = cookie_attributes(session_cookie_header(r))
        assert value != planted
        assert SESSION_ID_RE.match(value)

        r = std.raw_request("GET", "/raad/agenda.pdf", {"Cookie": "%s=%s" % (COOKIE, planted)})
        assert r.status == 302

    @pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/",
                                        "/\\evil.example", "http:/evil.example"])
    def test_offsite_return_goes_home(self, std, target):
        r = std.client().login("raadslid", "Raad2026!", target)
        assert r.status_code == 303
        assert location_path(r) == "/"
        assert "evil.example" not in r.headers["Location"]

    def test_local_return_is_kept(self, std):
        r = std.client().login("schepen", "Schepen2026!", "/college/besluitenlijst-2026-12-04.pdf")
        assert r.status_code == 303
        assert location_path(r) == "/college/besluitenlijst-2026-12-04.pdf"


class TestRules:

    def test_councillor_reads_agenda(self, std):
        client = sign_in(std, "raadslid", "Raad2026!")
        mark = std.audit_mark()
        r = client.get("/raad/agenda.pdf")
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "application/pdf"
        assert r.content.startswith(b"%PDF-")
        assert len(r.content) == os.path.getsize(AGENDA)

        records = audit_exactly(std, mark, 1)
        rec = records[0]
        assert rec["event"] == "access"
        assert rec["user"] == "raadslid"
        assert rec["roles"] == "raad"
        assert rec["client"] == "127.0.0.1"
        assert rec["method"] == "GET"
        assert rec["path"] == "/raad/agenda.pdf"
        assert rec["status"] == 200
        assert rec["bytes"] == os.path.getsize(AGENDA)
        assert rec["rule"] == "/raad/"
        assert rec["request_id"]
        assert rec["host"]
        assert AUDIT_TIME_RE.match(rec["time"])

    def test_missing_file_not_audited(self, std):
        client = sign_in(std, "raadslid", "Raad2026!")
        mark = std.audit_mark()
        r = client.get("/raad/bestaat-niet.pdf")
        assert r.status_code == 404
        r = client.get("/raad/agenda.pdf")
        assert r.status_code == 200
        records = audit_exactly(std, mark, 1)
        assert records[0]["path"] == "/raad/agenda.pdf"

    def test_councillor_denied_staff_pdf(self, std):
        client = sign_in(std, "raadslid", "Raad2026!")
        mark = std.audit_mark()
        r = client.get("/personeel/x.pdf")
        assert r.status_code == 404
        assert r.headers["Content-Type"].startswith("text/html")
        assert 'lang="nl"' in r.text
        assert "niet gevonden" in r.text
        assert "Not Found" not in r.text
        assert b"%PDF" not in r.content
        assert "telewerk" not in r.text.lower()

        records = audit_exactly(std, mark, 1)
        rec = records[0]
        assert rec["event"] == "denied"
        assert rec["user"] == "raadslid"
        assert rec["path"] == "/personeel/x.pdf"
        assert rec["status"] == 404
        assert rec["rule"] == "/personeel/"

    @pytest.mark.parametrize("path", [
        "/personeel",
        "/personeel/",
        "/personeel/x.pdf",
        "//personeel/x.pdf",
        "/./personeel/x.pdf",
        "/raad/../personeel/x.pdf",
        "/raad/%2e%2e/personeel/x.pdf",
        "/%70ersoneel/x.pdf",
        "/personeel%2fx.pdf",
        "/PERSONEEL/x.pdf",
        "/Personeel/X.PDF",
        "/personeel/x.pdf?download=1",
        "/vriendenkring/../personeel/x.pdf",
    ])
    def test_councillor_never_reaches_staff_paths(self, std, path):
        client = sign_in(std, "raadslid", "Raad2026!")
        r = std.raw_request("GET", path, {"Cookie": "%s=%s" % (COOKIE, client.cookie)})
        assert r.status == 404, "%s -> %d" % (path, r.status)
        assert b"%PDF" not in r.body
        assert "Verlof en afwezigheden" not in r.text

    @pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "POST", "PROPFIND"])
    def test_other_methods_denied_like_get(self, std, method):
        client = sign_in(std, "raadslid", "Raad2026!")
        r = std.raw_request(method, "/personeel/x.pdf",
                            {"Cookie": "%s=%s" % (COOKIE, client.cookie)},
                            body=b"" if method == "POST" else None)
        assert r.status == 404, "%s -> %d" % (method, r.status)
        assert "allow" not in r.headers
        assert b"%PDF" not in r.body

    def test_staff_newsletter_open_to_councillor(self, std):
        client = sign_in(std, "raadslid", "Raad2026!")
        r = client.get("/personeelsblad/")
        assert r.status_code == 200
        assert "Het Zonneblad" in r.text
        r = client.get("/personeelsblad/personeelsblad-2026-12.pdf")
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "application/pdf"

    def test_denied_status_403_per_location(self, std):
        client = sign_in(std, "raadslid", "Raad2026!")
        r = client.get("/vriendenkring/")
        assert r.status_code == 403
        assert "quizavond" not in r.text

    def test_staff_reads_staff_pdf(self, std):
        client = sign_in(std, "personeel", "Personeel2026!")
        mark = std.audit_mark()
        r = client.get("/personeel/x.pdf")
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "application/pdf"
        assert len(r.content) == os.path.getsize(STAFF_PDF)
        records = audit_exactly(std, mark, 1)
        assert records[0]["event"] == "access"
        assert records[0]["user"] == "personeel"
        assert records[0]["roles"] == "personeel"
        assert records[0]["rule"] == "/personeel/"
        assert records[0]["status"] == 200

    def test_staff_reads_college_decisions(self, std):
        client = sign_in(std, "personeel", "Personeel2026!")
        assert client.get("/college/besluitenlijst-2026-11-27.pdf").status_code == 200
        assert client.get("/vriendenkring/").status_code == 200

    def test_college_member_rights(self, std):
        client = sign_in(std, "schepen", "Schepen2026!")
        assert client.get("/raad/agenda.pdf").status_code == 200
        assert client.get("/college/").status_code == 200
        assert client.get("/personeel/x.pdf").status_code == 404

    def test_councillor_denied_college(self, std):
        client = sign_in(std, "raadslid", "Raad2026!")
        assert client.get("/college/besluitenlijst-2026-12-04.pdf").status_code == 404

    def test_admin_rights(self, std):
        client = sign_in(std, "beheerder", "Beheer2026!")
        assert client.get("/personeel/x.pdf").status_code == 200
        assert client.get("/nieuws/").status_code == 200
        assert client.get("/raad/agenda.pdf").status_code == 404

    def test_rmw_member_with_two_roles(self, std):
        mark = std.audit_mark()
        client = sign_in(std, "lvandamme", "Damme-Raad2026!")
        records = std.audit_since(mark)
        assert sorted(records[0]["roles"].split(",")) == ["raad", "rmw"]
        assert client.get("/raad/agenda.pdf").status_code == 200

    def test_public_pages_without_sign_in(self, std):
        client = std.client()
        r = client.get("/publiek/")
        assert r.status_code == 200
        assert "Publieke informatie" in r.text
        r = client.get("/publiek/openingsuren.pdf")
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "application/pdf"
        assert client.cookie is None


class TestSignOut:

    def test_logout_page_has_button(self, std):
        client = sign_in(std, "raadslid", "Raad2026!")
        r = client.get("/extranet/logout")
        assert r.status_code == 200
        assert 'method="post"' in r.text.lower()
        assert "Afmelden" in r.text

    def test_cookie_replayed_after_logout(self, std):
        client = sign_in(std, "raadslid", "Raad2026!")
        old_cookie = client.cookie
        assert client.get("/raad/agenda.pdf").status_code == 200

        mark = std.audit_mark()
        r = client.logout()
        assert r.status_code == 200
        assert LOGGED_OUT_MESSAGE in r.text
        records = std.audit_since(mark)
        assert [rec["event"] for rec in records] == ["logout"]
        assert records[0]["user"] == "raadslid"

        r = std.raw_request("GET", "/raad/agenda.pdf", {"Cookie": "%s=%s" % (COOKIE, old_cookie)})
        assert r.status == 302
        assert urlsplit(r.header("Location")).path == "/extranet/login"


class TestBasicAuth:

    def test_basic_councillor(self, std):
        r = std.client().get("/basic/agenda.pdf", auth=("raadslid", "Raad2026!"))
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "application/pdf"

    @pytest.mark.log_allow(r"AH01617: user raadslid: authentication failure")
    def test_basic_wrong_password(self, std):
        r = std.client().get("/basic/agenda.pdf", auth=("raadslid", "Fout-Wachtwoord-7319"))
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == 'Basic realm="Gemeente Zonnedorp"'

    def test_basic_without_credentials(self, std):
        r = std.client().get("/basic/agenda.pdf")
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Basic ")

    def test_basic_wrong_role(self, std):
        r = std.client().get("/basic/agenda.pdf", auth=("personeel", "Personeel2026!"))
        assert r.status_code == 401

    @pytest.mark.log_allow(r"AH01617: user raadslid: authentication failure")
    def test_basic_empty_password_never_binds(self, std, ldap):
        mark = ldap.log_mark()
        r = std.client().get("/basic/agenda.pdf", auth=("raadslid", ""))
        assert r.status_code == 401
        assert ldap.binds_since(mark, "uid=raadslid,") == []

    def test_basic_credentials_cached(self, std, ldap):
        client = std.client()
        auth = ("wjanssens", "Janssens-Raad2026!")
        assert client.get("/basic/agenda.pdf", auth=auth).status_code == 200
        mark = ldap.log_mark()
        for _ in range(3):
            assert client.get("/basic/agenda.pdf", auth=auth).status_code == 200
        assert ldap.binds_since(mark, "uid=wjanssens,") == []


class TestRequireAny:

    def test_listed_address_needs_no_sign_in(self, std):
        r = std.raw_request("GET", "/ipraad/agenda.pdf", source="127.0.0.2")
        assert r.status == 200
        assert r.body.startswith(b"%PDF-")

    def test_other_address_must_sign_in(self, std):
        r = std.raw_request("GET", "/ipraad/agenda.pdf")
        assert r.status == 302
        assert urlsplit(r.header("Location")).path == "/extranet/login"

    def test_role_grants_from_other_address(self, std):
        client = sign_in(std, "raadslid", "Raad2026!")
        assert client.get("/ipraad/agenda.pdf").status_code == 200

    def test_missing_role_denied(self, std):
        client = sign_in(std, "personeel", "Personeel2026!")
        mark = std.audit_mark()
        r = client.get("/ipraad/agenda.pdf")
        assert r.status_code == 403
        assert b"%PDF" not in r.content
        assert "Geen toegang" in r.text
        record = std.audit_since(mark)[-1]
        assert record["event"] == "denied"
        assert record["reason"] == "require"
        assert record["path"] == "/ipraad/agenda.pdf"


class TestLanguage:

    @pytest.mark.parametrize("header, lang", [
        ("fr", "fr"),
        ("fr-BE, nl;q=0.5", "fr"),
        ("en-GB,en;q=0.9", "en"),
        ("nl-BE", "nl"),
        ("de", "nl"),
    ])
    def test_form_language(self, std, header, lang):
        r = std.client().get("/extranet/login", headers={"Accept-Language": header})
        assert r.status_code == 200
        assert 'lang="%s"' % lang in r.text
        if lang != "nl":
            assert "Aanmelden" not in r.text
            assert "Wachtwoord" not in r.text

    def test_failure_message_in_french(self, std):
        r = std.client().login("raadslid", "Fout-Wachtwoord-7319",
                               headers={"Accept-Language": "fr"})
        assert r.status_code == 200
        assert 'lang="fr"' in r.text
        assert FAILED_MESSAGE not in r.text


class TestConfigErrors:

    def config(self, server, replace=None, extra=""):
        text = server.standard_config(extra)
        for old_prefix, new_line in (replace or {}).items():
            lines = text.splitlines()
            matches = [i for i, line in enumerate(lines) if line.startswith(old_prefix)]
            assert len(matches) == 1, old_prefix
            lines[matches[0]] = new_line
            text = "\n".join(lines) + "\n"
        return text

    def test_standard_config_passes(self, httpd_server, module_built):
        status, output = httpd_server.config_test(self.config(httpd_server))
        assert status == 0, output
        assert "Syntax OK" in output

    @pytest.mark.parametrize("replace, extra, directive", [
        (None, "ExtranetRule /geheim/ onbekend\n", "ExtranetRule"),
        ({"ExtranetLDAPURL": 'ExtranetLDAPURL "ldapx://127.0.0.1:3890/dc=gemeente,dc=test"'},
         "", "ExtranetLDAPURL"),
        ({"ExtranetLDAPURL": 'ExtranetLDAPURL "ldap://127.0.0.1:poort/dc=gemeente,dc=test"'},
         "", "ExtranetLDAPURL"),
        ({"ExtranetLDAPBindPassword": 'ExtranetLDAPBindPassword "file:/nonexistent/extranet.pw"'},
         "", "ExtranetLDAPBindPassword"),
        ({"ExtranetLDAPBindPassword": "ExtranetLDAPBindPassword Extranet-Dienst-2026"},
         "", "ExtranetLDAPBindPassword"),
        (None, "ExtranetSessionIdleTimeout -5\n", "ExtranetSessionIdleTimeout"),
        (None, "<Location /x/>\nExtranetDeniedStatus 500\n</Location>\n", "ExtranetDeniedStatus"),
        ({"ExtranetLDAPURL": 'ExtranetLDAPURL "ldap://127.0.0.1:3890/dc=gemeente,dc=test?uid?sub?(objectClass=person"'},
         "", "unbalanced parentheses"),
        ({"ExtranetLDAPURL": 'ExtranetLDAPURL "ldap://127.0.0.1:3890/dc=gemeente,dc=test?uid?sbu"'},
         "", "the scope is invalid"),
    ], ids=["unknown-role", "url-scheme", "url-port", "missing-password-file",
            "inline-password", "negative-timeout", "denied-status",
            "url-filter-parentheses", "url-scope"])
    def test_invalid_config_fails_configtest(self, httpd_server, module_built,
                                             replace, extra, directive):
        status, output = httpd_server.config_test(self.config(httpd_server, replace, extra))
        assert status != 0, output
        assert directive in output, output
        assert "Syntax OK" not in output
        assert "Extranet-Dienst-2026" not in output


    def test_rule_after_catch_all_fails(self, httpd_server, module_built):
        status, output = httpd_server.config_test(
            self.config(httpd_server, extra="ExtranetRule /geheim/ deny\n"))
        assert status != 0, output
        assert "XN0103" in output
        assert "ExtranetRule: rule /geheim/ at" in output
        assert "can never match" in output
        assert "Syntax OK" not in output


class TestDirectoryDown:
    """Stops, freezes and restarts the session slapd."""

    @pytest.mark.log_allow(DIRECTORY_DOWN_LOG)
    def test_stopped_directory_gives_503(self, std, ldap):
        mark = std.audit_mark()
        ldap.stop()
        try:
            start = time.monotonic()
            r = std.client().login("raadslid", "Raad2026!", "/raad/")
            elapsed = time.monotonic() - start
            assert r.status_code == 503
            assert UNAVAILABLE_MESSAGE in r.text
            assert elapsed < LDAP_TIMEOUT + 1.5, elapsed
            records = std.audit_since(mark)
            assert "directory_unavailable" in [rec["event"] for rec in records]
        finally:
            ldap.start()

        sign_in(std, "raadslid", "Raad2026!")

    @pytest.mark.log_allow(DIRECTORY_DOWN_LOG)
    def test_frozen_directory_times_out(self, std, ldap):
        sign_in(std, "raadslid", "Raad2026!")
        ldap.freeze()
        try:
            start = time.monotonic()
            r = std.client().login("raadslid", "Raad2026!", "/raad/")
            elapsed = time.monotonic() - start
            assert r.status_code == 503
            assert UNAVAILABLE_MESSAGE in r.text
            assert elapsed < LDAP_TIMEOUT + 1.5, elapsed
        finally:
            ldap.resume()

        sign_in(std, "raadslid", "Raad2026!")

    @pytest.mark.log_allow(DIRECTORY_DOWN_LOG)
    def test_session_survives_directory_outage(self, std, ldap):
        client = sign_in(std, "raadslid", "Raad2026!")
        ldap.stop()
        try:
            r = client.get("/raad/agenda.pdf")
            assert r.status_code == 200
            assert r.headers["Content-Type"] == "application/pdf"
        finally:
            ldap.start()


class TestCanonicalName:

    @pytest.mark.parametrize("typed", ["RAADSLID", "raadslid ", " raadslid",
                                       "\uff52\uff41\uff41\uff44\uff53\uff4c\uff49\uff44"])
    def test_session_carries_directory_spelling(self, std, typed):
        mark = std.audit_mark()
        client = std.client()
        r = client.login(typed, "Raad2026!")
        if r.status_code != 303:
            # The directory did not match this spelling: a failed sign-in
            # is as good as a canonical one.
            assert r.status_code == 200
            return
        records = std.audit_since(mark)
        assert [rec["user"] for rec in records] == ["raadslid"]
        mark = std.audit_mark()
        assert client.get("/raad/agenda.pdf").status_code == 200
        assert audit_exactly(std, mark, 1)[0]["user"] == "raadslid"

    def test_two_cookie_headers(self, std):
        client = sign_in(std, "raadslid", "Raad2026!")
        r = std.raw_request("GET", "/raad/agenda.pdf",
                            {"Cookie": "a=b, %s=%s" % (COOKIE, client.cookie)})
        assert r.status == 200


class TestErrorDocument:
    """An ErrorDocument of the site does not tell a denied path from a
    missing one for signed-in users: both get the module's page."""

    @pytest.fixture(params=["",
                            'ErrorDocument 404 "Eigen foutpagina"\n',
                            "ErrorDocument 404 /publiek/index.html\n"],
                    ids=["none", "text", "url"])
    def errordoc(self, request, httpd):
        httpd.configure(httpd.standard_config(request.param))
        return httpd

    def test_denied_and_missing_look_alike(self, errordoc):
        client = sign_in(errordoc, "raadslid", "Raad2026!")
        denied = client.get("/personeel/x.pdf")
        missing = client.get("/raad/bestaat-niet.pdf")
        assert denied.status_code == 404
        assert missing.status_code == 404
        assert denied.content == missing.content
        assert "Pagina niet gevonden" in denied.text
        assert "Eigen foutpagina" not in denied.text
        assert list(denied.headers.keys()) == list(missing.headers.keys())


class TestPathInfo:
    """With AcceptPathInfo On httpd serves /personeel/x.pdf for a URL that
    goes on with path info, so dot segments in the path info must not move
    the rule decision to another section."""

    @pytest.fixture
    def pathinfo(self, httpd):
        httpd.configure(httpd.standard_config("AcceptPathInfo On\n"))
        return httpd

    @pytest.mark.parametrize("path", [
        "/personeel/verlof.html/..;/..;/publiek/",
        "/personeel/x.pdf/..%5C..%5Cpubliek/",
        "/personeel/x.pdf/..\\..\\publiek/",
        "/vriendenkring/index.html/..;/..;/publiek/",
    ])
    def test_anonymous_path_info_not_public(self, pathinfo, path):
        r = pathinfo.raw_request("GET", path)
        assert r.status in (302, 404), "%s -> %d" % (path, r.status)
        assert b"%PDF" not in r.body
        assert "Verlof en afwezigheden" not in r.text

    @pytest.mark.parametrize("path", [
        "/personeel/x.pdf/..;/..;/raad/",
        "/personeel/x.pdf/..%5C..%5Craad/",
    ])
    def test_councillor_path_info_denied(self, pathinfo, path):
        client = sign_in(pathinfo, "raadslid", "Raad2026!")
        mark = pathinfo.audit_mark()
        r = pathinfo.raw_request("GET", path,
                                 {"Cookie": "%s=%s" % (COOKIE, client.cookie)})
        assert r.status == 404, "%s -> %d" % (path, r.status)
        assert b"%PDF" not in r.body
        record = audit_exactly(pathinfo, mark, 1)[0]
        assert record["event"] == "denied"
        assert record["reason"] == "no_rule"


class TestNestedGroups:

    @pytest.fixture
    def nested(self, httpd):
        httpd.configure(httpd.standard_config(nested_role=True))
        return httpd

    def test_nested_group_grants_role(self, nested):
        mark = nested.audit_mark()
        client = sign_in(nested, "schepen", "Schepen2026!")
        records = nested.audit_since(mark)
        assert sorted(records[0]["roles"].split(",")) == ["college", "mandataris"]
        r = client.get("/mandaat/")
        assert r.status_code == 200
        assert "Kerkweg" in r.text

    def test_nested_role_not_given_to_staff(self, nested):
        client = sign_in(nested, "personeel", "Personeel2026!")
        assert client.get("/mandaat/").status_code == 404


class TestNestingOff:

    @pytest.fixture
    def flat(self, httpd):
        httpd.configure(httpd.standard_config("ExtranetLDAPNestedGroupDepth 0\n",
                                              nested_role=True))
        return httpd

    def test_nested_role_needs_nesting(self, flat):
        mark = flat.audit_mark()
        client = sign_in(flat, "schepen", "Schepen2026!")
        records = flat.audit_since(mark)
        assert records[0]["roles"] == "college"
        assert client.get("/college/").status_code == 200
        assert client.get("/mandaat/").status_code == 404
