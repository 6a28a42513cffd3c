"""Checks of the test plumbing itself: the demo directory and a plain httpd."""

import os
import re
import subprocess

import pytest

import harness


def test_slapd_answers_service_account(ldap):
    result = ldap.search(harness.PEOPLE, "(uid=raadslid)", "uid", "cn")
    assert result.returncode == 0, result.stderr
    assert "dn: uid=raadslid,ou=mensen,dc=gemeente,dc=test" in result.stdout
    assert "cn: Jan Peeters" in result.stdout


def test_slapd_hides_tree_from_anonymous(ldap):
    result = subprocess.run(["/usr/bin/ldapsearch", "-x", "-LLL", "-H", ldap.url,
                             "-b", harness.PEOPLE, "(uid=raadslid)"],
                            capture_output=True, text=True, timeout=10)
    assert "dn: uid=raadslid" not in result.stdout


def test_every_demo_account_binds(ldap, accounts, tmp_path):
    mark = ldap.log_mark()
    for uid, account in accounts.items():
        password_file = tmp_path / "pw"
        password_file.write_text(account["password"], encoding="utf-8")
        dn = "uid=%s,%s" % (uid, harness.PEOPLE)
        result = subprocess.run(["/usr/bin/ldapwhoami", "-x", "-H", ldap.url, "-D", dn,
                                 "-y", str(password_file)],
                                capture_output=True, text=True, timeout=10)
        assert result.returncode == 0, "%s: %s" % (uid, result.stderr)
    assert len(ldap.binds_since(mark, "uid=")) == len(accounts)


def test_groups_match_accounts_file(ldap, accounts):
    for uid, account in accounts.items():
        dn = "uid=%s,%s" % (uid, harness.PEOPLE)
        result = ldap.search(harness.GROUPS, "(member=%s)" % dn, "cn")
        assert result.returncode == 0, result.stderr
        groups = sorted(line[4:] for line in result.stdout.splitlines()
                        if line.startswith("cn: "))
        assert groups == sorted(account["groups"]), uid


def test_nested_group_contains_college(ldap):
    result = ldap.search(harness.GROUPS, "(cn=mandatarissen)", "member")
    assert "member: cn=college,ou=groepen,dc=gemeente,dc=test" in result.stdout
    assert "member: cn=gemeenteraad,ou=groepen,dc=gemeente,dc=test" in result.stdout


@pytest.mark.skipif(not os.path.exists("/usr/lib/ldap/memberof.la"),
                    reason="slapd memberof overlay not installed")
def test_memberof_overlay_fills_memberof(ldap):
    result = ldap.search(harness.PEOPLE, "(uid=schepen)", "memberOf")
    assert "memberOf: cn=college,ou=groepen,dc=gemeente,dc=test" in result.stdout


def test_slapd_log_counts_binds(ldap):
    mark = ldap.log_mark()
    ldap.search(harness.PEOPLE, "(uid=schepen)", "uid")
    binds = ldap.binds_since(mark, harness.SERVICE_DN)
    assert len(binds) == 1
    assert ldap.searches_since(mark) == ["(uid=schepen)"]


def test_httpd_starts_without_module(httpd):
    httpd.configure(httpd.base_config(module=False))
    client = httpd.client()
    r = client.get("/raad/agenda.pdf")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-1.4")
    r = client.get("/")
    assert r.status_code == 200
    assert "Gemeente Zonnedorp" in r.text
    assert 'action="/extranet/logout"' in r.text


def test_raw_request_keeps_path(httpd):
    httpd.configure(httpd.base_config(module=False))
    r = httpd.raw_request("GET", "/raad/../publiek/index.html")
    assert r.status == 200
    assert "Publieke informatie" in r.text
    r = httpd.raw_request("GET", "/publiek%2findex.html")
    assert r.status == 404


@pytest.mark.log_allow(r"AH10244: invalid URI path")
def test_httpd_error_log_is_read(httpd):
    httpd.configure(httpd.base_config(module=False))
    mark = httpd.error_log_mark()
    httpd.raw_request("GET", "/../../etc/passwd")
    lines = httpd.error_log_since(mark)
    assert any("AH10244" in line or "invalid URI path" in line for line in lines), lines
    assert httpd.unexpected_log_lines(mark, [r"AH10244|invalid URI path"]) == []


@pytest.mark.skipif(not os.path.exists("/usr/bin/pdfinfo"), reason="poppler-utils not installed")
def test_demo_pdfs_are_valid():
    pdfs = []
    for folder, _dirs, files in os.walk(harness.HTDOCS):
        pdfs += [os.path.join(folder, f) for f in files if f.endswith(".pdf")]
    assert len(pdfs) >= 7
    for path in pdfs:
        result = subprocess.run(["/usr/bin/pdfinfo", path], capture_output=True, text=True)
        assert result.returncode == 0, "%s: %s" % (path, result.stderr)
        assert re.search(r"^Pages:\s+1$", result.stdout, re.M), path
