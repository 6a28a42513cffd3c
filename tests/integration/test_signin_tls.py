"""Cookies under HTTPS (mod_ssl with a self-signed certificate made for the
test) and the refusal to sign in over plain HTTP without
ExtranetAllowInsecureCookie."""

import os

import pytest
import requests

import harness
import signin_support

pytestmark = pytest.mark.usefixtures("module_built")

SSL_MODULE = os.path.join(harness.MODULES_DIR, "mod_ssl.so")
# A request that the HTTP probe of HttpdServer.start() sends to the TLS port.
PLAIN_ON_TLS_LOG = r"AH02032|AH02008|AH02261|SSL Library Error|HTTP spoken on HTTPS"


@pytest.fixture(scope="module")
def tls_server(rundir, ldap, served_files, httpd_server):
    module = signin_support.copy_module(httpd_server.module, rundir, "tls.so")
    server = signin_support.extra_httpd("tls", rundir, ldap, served_files, module)
    cert, key = signin_support.make_certificate(os.path.join(server.rundir, "tls"))
    server.configure(server.standard_config(extra=(
        "LoadModule ssl_module %s\n"
        "SSLEngine on\n"
        "SSLCertificateFile %s\n"
        "SSLCertificateKeyFile %s\n"
        "ExtranetAllowInsecureCookie Off\n" % (SSL_MODULE, cert, key))))
    server.base_url = "https://127.0.0.1:%d" % server.port
    server.cert = cert
    yield server
    server.stop()


def tls_client(server):
    """A client that trusts only the test certificate. trust_env is off
    because requests lets REQUESTS_CA_BUNDLE override Session.verify."""
    client = server.client()
    client.session.trust_env = False
    client.session.verify = server.cert
    return client


def cookie_headers(response):
    return response.raw.headers.getlist("Set-Cookie")


class TestHttps:
    def test_host_prefix_and_secure(self, tls_server):
        mark = tls_server.error_log_mark()
        client = tls_client(tls_server)
        client.cookie_name = "__Host-extranet_session"
        r = client.get("/extranet/login")
        pre = [h for h in cookie_headers(r) if h.startswith("__Host-extranet_session_csrf=")]
        assert len(pre) == 1, cookie_headers(r)
        assert "; Secure" in pre[0]
        assert "; Path=/" in pre[0]
        assert "Domain" not in pre[0]

        r = client.login("raadslid", "Raad2026!")
        assert r.status_code == 303
        session = [h for h in cookie_headers(r) if h.startswith("__Host-extranet_session=")]
        assert len(session) == 1, cookie_headers(r)
        assert "; Secure" in session[0]
        assert "; HttpOnly" in session[0]
        assert client.get("/raad/agenda.pdf").status_code == 200
        signin_support.assert_clean_log(tls_server, mark, [PLAIN_ON_TLS_LOG])

    def test_unprefixed_cookie_ignored(self, tls_server):
        client = tls_client(tls_server)
        client.cookie_name = "__Host-extranet_session"
        client.login("raadslid", "Raad2026!")
        value = client.cookie
        other = requests.Session()
        other.trust_env = False
        plain = other.get(tls_server.base_url + "/raad/agenda.pdf", verify=tls_server.cert,
                          cookies={"extranet_session": value}, allow_redirects=False,
                          timeout=10)
        assert plain.status_code == 302


class TestPlainHttp:
    @pytest.fixture
    def strict(self, httpd):
        httpd.configure(httpd.standard_config(extra="ExtranetAllowInsecureCookie Off\n"))
        return httpd

    @pytest.mark.log_allow(r"XN1204: sign-in over plain HTTP refused")
    def test_signin_refused(self, strict, ldap):
        ldap_mark = ldap.log_mark()
        client = strict.client()
        r = client.get("/extranet/login")
        assert r.status_code == 403
        assert not cookie_headers(r)
        r = client.login("raadslid", "Raad2026!", csrf="A" * 43)
        assert r.status_code == 403
        assert ldap.binds_since(ldap_mark) == []

    def test_startup_warns_when_allowed(self, httpd):
        status, output = httpd.config_test(httpd.standard_config())
        assert status == 0
        assert "XN1201: ExtranetAllowInsecureCookie On" in output
