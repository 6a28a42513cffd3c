"""Sign-in against a real Samba AD domain controller (samba_support.py).

Covers the AD sign-in forms, account state, nested groups through
LDAP_MATCHING_RULE_IN_CHAIN, search continuation references at the domain
root, and LDAPS and StartTLS with a CA made for the test.
"""

import base64
import time

import pytest

import samba_support
from samba_support import samba  # noqa: F401  (session fixture)

pytestmark = pytest.mark.usefixtures("module_built")

FAILED_MESSAGE = "Onjuiste gebruikersnaam of wachtwoord."
ACCOUNT_MESSAGE = "Uw account is geblokkeerd, verlopen of uw wachtwoord moet"
UNAVAILABLE_MESSAGE = "tijdelijk niet beschikbaar"
DIRECTORY_DOWN_LOG = r"\[extranet:(warn|error)\]"

AD_CONFIG = """\
Extranet On
ExtranetLDAPURL "{url}/{base}?sAMAccountName?sub?(objectClass=user)"
ExtranetLDAPDirectoryType ad
ExtranetLDAPDomain GEMEENTE
ExtranetLDAPBindDN "{service_dn}"
ExtranetLDAPBindPassword "file:{password_file}"
ExtranetLDAPGroupBase "{users}"
ExtranetLDAPConnectTimeout 1
ExtranetLDAPTimeout 3
{tls}
ExtranetRole raad    "CN=Raadsleden,{users}"
ExtranetRole college "CN=College,{users}"

ExtranetRule /publiek/ public
ExtranetRule /raad/    raad college
ExtranetRule /college/ college
ExtranetRule /         raad college

ExtranetAuditLog "{rundir}/audit.log"
ExtranetAuditKeyFile "{rundir}/audit.key"
# Plain HTTP, and many sign-ins from one address.
ExtranetAllowInsecureCookie On
ExtranetThrottleAccount 100 200
ExtranetThrottleAddress 500 1000

Alias /basic/ "{htdocs}/raad/"

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
"""


def ad_config(httpd, dc, url="ldap://127.0.0.1", base=samba_support.BASE, tls=""):
    return (httpd.base_config() + "\n"
            + AD_CONFIG.format(url=url, base=base, service_dn=dc.service_dn,
                               password_file=dc.service_password_file,
                               users=samba_support.USERS, tls=tls, rundir=httpd.rundir,
                               htdocs=httpd.htdocs))


@pytest.fixture
def ad(httpd, samba):  # noqa: F811
    httpd.configure(ad_config(httpd, samba))
    return httpd


def login(server, user, password):
    """Sign in; return (response, audit records of the attempt)."""
    mark = server.audit_mark()
    r = server.client().login(user, password, "/raad/")
    return r, server.audit_since(mark)


class TestSignInForms:
    @pytest.mark.parametrize("typed", [
        "jan.peeters",
        "JAN.Peeters",
        "jan.peeters@gemeente.test",
        "Jan.Peeters@GEMEENTE.TEST",
        "GEMEENTE\\jan.peeters",
        "gemeente\\JAN.PEETERS",
    ])
    def test_forms_give_canonical_name(self, ad, typed):
        r, records = login(ad, typed, samba_support.PASSWORD)
        assert r.status_code == 303, r.text[:300]
        assert [rec["event"] for rec in records] == ["login_success"]
        assert records[0]["user"] == "jan.peeters"
        assert records[0]["roles"] == "raad"

    def test_unknown_domain_rejected(self, ad):
        r, records = login(ad, "ANDERS\\jan.peeters", samba_support.PASSWORD)
        assert r.status_code == 200
        assert FAILED_MESSAGE in r.text
        assert records[0]["reason"] == "unknown_domain"

    def test_utf8_name_and_password(self, ad):
        r, records = login(ad, samba_support.UTF8_USER, samba_support.UTF8_PASSWORD)
        assert r.status_code == 303, r.text[:300]
        assert records[0]["user"] == samba_support.UTF8_USER

    def test_wrong_password(self, ad):
        r, records = login(ad, "jan.peeters", "fout")
        assert FAILED_MESSAGE in r.text
        assert records[0]["reason"] == "bad_password"

    def test_user_without_role(self, ad):
        r, records = login(ad, "geen.rol", samba_support.PASSWORD)
        assert FAILED_MESSAGE in r.text
        assert records[0]["reason"] == "no_role"


class TestAccountState:
    @pytest.mark.parametrize("user,reason", [
        ("uit.geschakeld", "account_disabled"),
        ("verlopen", "account_expired"),
        ("moet.wijzigen", "password_must_change"),
    ])
    def test_state_with_right_password(self, ad, user, reason):
        r, records = login(ad, user, samba_support.PASSWORD)
        assert r.status_code == 200
        assert ACCOUNT_MESSAGE in r.text
        assert "Set-Cookie" not in r.headers
        assert records[0]["event"] == "login_failed"
        assert records[0]["reason"] == reason

    @pytest.mark.parametrize("user", ["uit.geschakeld", "verlopen", "moet.wijzigen"])
    def test_state_hidden_with_wrong_password(self, ad, user):
        r, records = login(ad, user, "fout")
        assert FAILED_MESSAGE in r.text
        assert ACCOUNT_MESSAGE not in r.text
        assert records[0]["reason"] == "bad_password"

    def test_locked_account(self, ad):
        for _ in range(samba_support.LOCKOUT_THRESHOLD):
            _r, records = login(ad, "op.slot", "fout")
            assert records[0]["reason"] == "bad_password"
        r, records = login(ad, "op.slot", samba_support.PASSWORD)
        assert r.status_code == 200
        # AD reports a lockout whatever the password, so the page stays generic.
        assert FAILED_MESSAGE in r.text
        assert records[0]["reason"] == "account_locked"


class TestNestedGroups:
    def test_role_through_nested_group(self, ad):
        client = ad.client()
        r = client.login("an.wouters", samba_support.PASSWORD, "/college/")
        assert r.status_code == 303, r.text[:300]
        assert client.get("/college/").status_code == 200

    def test_direct_member_lacks_nested_role(self, ad):
        client = ad.client()
        assert client.login("jan.peeters", samba_support.PASSWORD).status_code == 303
        assert client.get("/college/").status_code == 404


class TestReferrals:
    def test_domain_root_reference_not_followed(self, ad, samba):  # noqa: F811
        """A search at the domain root returns a continuation reference to
        ldap://gemeente.test/CN=Configuration,..., a name that does not
        resolve here; following it would cost a DNS lookup or a timeout."""
        proc = samba.search(samba_support.BASE, "(sAMAccountName=jan.peeters)", "dn")
        assert "ref: ldap://gemeente.test/" in proc.stdout or proc.returncode == 0
        started = time.monotonic()
        r, _records = login(ad, "jan.peeters", samba_support.PASSWORD)
        elapsed = time.monotonic() - started
        assert r.status_code == 303
        assert elapsed < 1.0, elapsed


class TestTls:
    def test_ldaps_with_ca_file(self, httpd, samba):  # noqa: F811
        httpd.configure(ad_config(httpd, samba, url="ldaps://127.0.0.1",
                                  tls='ExtranetLDAPCAFile "%s"' % samba.ca_file))
        r, _records = login(httpd, "jan.peeters", samba_support.PASSWORD)
        assert r.status_code == 303, r.text[:300]

    def test_starttls_with_ca_file(self, httpd, samba):  # noqa: F811
        httpd.configure(ad_config(httpd, samba, url="ldap://127.0.0.1",
                                  tls='ExtranetLDAPStartTLS On\n'
                                      'ExtranetLDAPCAFile "%s"' % samba.ca_file))
        r, _records = login(httpd, "jan.peeters", samba_support.PASSWORD)
        assert r.status_code == 303, r.text[:300]

    @pytest.mark.log_allow(DIRECTORY_DOWN_LOG)
    def test_wrong_host_name_fails(self, httpd, samba):  # noqa: F811
        httpd.configure(ad_config(httpd, samba, url="ldaps://localhost",
                                  tls='ExtranetLDAPCAFile "%s"' % samba.ca_file))
        r, records = login(httpd, "jan.peeters", samba_support.PASSWORD)
        assert r.status_code == 503
        assert UNAVAILABLE_MESSAGE in r.text
        assert records[0]["event"] == "directory_unavailable"

    @pytest.mark.log_allow(DIRECTORY_DOWN_LOG)
    @pytest.mark.parametrize("tls", ["ExtranetLDAPCAFile \"{other}\"",
                                     "ExtranetLDAPStartTLS On\nExtranetLDAPCAFile \"{other}\""])
    def test_untrusted_certificate_fails(self, httpd, samba, tls):  # noqa: F811
        url = "ldap://127.0.0.1" if "StartTLS" in tls else "ldaps://127.0.0.1"
        httpd.configure(ad_config(httpd, samba, url=url,
                                  tls=tls.format(other=samba.other_ca_file)))
        r, _records = login(httpd, "jan.peeters", samba_support.PASSWORD)
        assert r.status_code == 503

    def test_missing_ca_file_is_startup_error(self, httpd, samba):  # noqa: F811
        text = ad_config(httpd, samba, url="ldaps://127.0.0.1",
                         tls='ExtranetLDAPCAFile "/nonexistent/ca.pem"')
        status, output = httpd.config_test(text)
        assert status != 0
        assert "ExtranetLDAPCAFile" in output
        assert "/nonexistent/ca.pem" in output

    def test_starttls_with_ldaps_is_startup_error(self, httpd, samba):  # noqa: F811
        text = ad_config(httpd, samba, url="ldaps://127.0.0.1",
                         tls="ExtranetLDAPStartTLS On")
        status, output = httpd.config_test(text)
        assert status != 0
        assert "ExtranetLDAPStartTLS" in output


class TestBasicCache:
    @pytest.mark.log_allow(r"AH01617: user basic\.gebruiker: authentication failure")
    def test_disabled_account_loses_cached_access(self, httpd, samba):  # noqa: F811
        httpd.configure(ad_config(httpd, samba, tls="ExtranetBasicCacheRecheck 1"))
        credentials = base64.b64encode(
            ("basic.gebruiker:" + samba_support.PASSWORD).encode()).decode()
        header = {"Authorization": "Basic " + credentials}
        assert httpd.raw_request("GET", "/basic/agenda.pdf", header).status == 200
        # A cache hit within the re-check interval needs no directory.
        assert httpd.raw_request("GET", "/basic/agenda.pdf", header).status == 200

        samba.disable("basic.gebruiker")
        time.sleep(1.2)
        mark = httpd.audit_mark()
        r = httpd.raw_request("GET", "/basic/agenda.pdf", header)
        assert r.status == 401
        records = httpd.audit_since(mark)
        assert records[0]["event"] == "login_failed"
        assert records[0]["reason"] == "account_disabled"
