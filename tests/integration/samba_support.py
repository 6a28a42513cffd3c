"""A real Samba AD domain controller for the Active Directory tests.

SambaDC provisions the domain GEMEENTE (gemeente.test) once per test run
into a private folder, with its own smb.conf, private, lock, state and cache
folders. It creates the test users and groups offline through Samba's
Python bindings, in one process, so the setup stays fast. It then runs
`samba -F` with only the ldap, cldap and kdc services on the loopback
interface. Samba's LDAP ports are fixed: 389, and 636 for LDAPS.

TLS uses a CA made here with the openssl command line tool. The server
certificate names only IP address 127.0.0.1, so ldaps://localhost is a
wrong host name, and a second CA that signed nothing makes an untrusted
chain.

The `samba` fixture skips the tests that use it, with the reason, when
Samba is not installed, the tests do not run as root, or ports 389 and 636
are taken.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

REALM = "GEMEENTE.TEST"
DOMAIN = "GEMEENTE"
BASE = "DC=gemeente,DC=test"
USERS = "CN=Users," + BASE
ADMIN_PASSWORD = "Adm1n!Beheer-2026"
PASSWORD = "Geheim123!"
UTF8_USER = "zo\u00eb.m\u00fcller"
UTF8_PASSWORD = "Wachtwoord-\u00e9\u20ac\u00df1"
SERVICE_USER = "svc-extranet"
SERVICE_PASSWORD = "Dienst!Extranet-2026"
LOCKOUT_THRESHOLD = 3
START_TIMEOUT = 60

SAMBA = "/usr/sbin/samba"
SAMBA_TOOL = "/usr/bin/samba-tool"
SYSTEM_PYTHON = "/usr/bin/python3"

# Users: name -> (groups, what to change after creation). Every password is
# PASSWORD except UTF8_USER's and the service account's.
ACCOUNTS = {
    "jan.peeters": (["Raadsleden"], None),
    "an.wouters": (["Schepenen"], None),
    "uit.geschakeld": (["Raadsleden"], "disable"),
    "verlopen": (["Raadsleden"], "expire"),
    "moet.wijzigen": (["Raadsleden"], "must_change"),
    "op.slot": (["Raadsleden"], None),
    "geen.rol": ([], None),
    "basic.gebruiker": (["Raadsleden"], None),
    UTF8_USER: (["Raadsleden"], None),
}

# Group -> groups it is a member of. Schepenen sits inside College, so
# an.wouters has role college only through nesting.
GROUPS = {
    "Raadsleden": [],
    "College": [],
    "Schepenen": ["College"],
}

# Runs under Debian's python3, which has Samba's bindings; the test process
# may run another interpreter.
SETUP_SCRIPT = r"""
import json, sys
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

spec = json.load(open(sys.argv[2], encoding="utf-8"))
lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
for group in spec["groups"]:
    db.newgroup(group)
for group, parents in spec["groups"].items():
    for parent in parents:
        db.add_remove_group_members(parent, [group], add_members_operation=True)
for name, (password, groups, change) in spec["users"].items():
    # newuser() sets userPrincipalName to name@gemeente.test.
    db.newuser(name, password,
               force_password_change_at_next_login_req=(change == "must_change"))
    for group in groups:
        db.add_remove_group_members(group, [name], add_members_operation=True)
    flt = "(sAMAccountName=%s)" % name
    if change == "disable":
        db.disable_account(flt)
    elif change == "expire":
        db.setexpiry(flt, 0, no_expiry_req=False)
"""


def port_in_use(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def skip_reason():
    """Return why Samba cannot run here, or None."""
    for path in (SAMBA, SAMBA_TOOL):
        if not os.path.exists(path):
            return "%s is missing; install the Debian packages samba and samba-ad-dc" % path
    if os.geteuid() != 0:
        return "samba runs as an AD DC only as root"
    for port in (389, 636):
        if port_in_use(port):
            return "port %d on 127.0.0.1 is in use; samba needs it for LDAP" % port
    return None


def run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(cmd), proc.returncode,
                                                        proc.stdout, proc.stderr))
    return proc


def make_certificates(folder):
    """Create ca.pem and a server certificate for IP 127.0.0.1 signed by it,
    plus other-ca.pem, a CA that signed nothing."""
    def req(*args):
        run(["openssl"] + list(args), cwd=folder)

    req("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=Gemeente Zonnedorp test CA", "-keyout", "ca.key", "-out", "ca.pem")
    req("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=Other test CA", "-keyout", "other-ca.key", "-out", "other-ca.pem")
    req("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(folder, "server.ext"), "w") as f:
        f.write("subjectAltName = IP:127.0.0.1\n"
                "extendedKeyUsage = serverAuth\n")
    req("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem")
    os.chmod(os.path.join(folder, "server.key"), 0o600)
    for name in ("ca.pem", "other-ca.pem"):
        os.chmod(os.path.join(folder, name), 0o644)


class SambaDC:
    """A provisioned Samba AD DC on 127.0.0.1:389 and :636."""

    def __init__(self, folder):
        self.folder = folder
        self.target = os.path.join(folder, "dc")
        self.conf = os.path.join(self.target, "etc", "smb.conf")
        self.proc = None
        self.ca_file = os.path.join(folder, "ca.pem")
        self.other_ca_file = os.path.join(folder, "other-ca.pem")
        self.service_password_file = os.path.join(folder, "service.pw")
        self.service_dn = "CN=%s,%s" % (SERVICE_USER, USERS)

    def provision(self):
        os.makedirs(self.folder, exist_ok=True)
        os.chmod(self.folder, 0o755)
        make_certificates(self.folder)
        run([SAMBA_TOOL, "domain", "provision", "--realm=" + REALM, "--domain=" + DOMAIN,
             "--server-role=dc", "--dns-backend=NONE", "--host-name=dc1",
             "--adminpass=" + ADMIN_PASSWORD, "--targetdir=" + self.target,
             "--option=interfaces=lo", "--option=bind interfaces only=yes"])
        self.write_config()
        run([SAMBA_TOOL, "domain", "passwordsettings", "set", "--configfile=" + self.conf,
             "--complexity=off", "--min-pwd-length=1", "--history-length=0",
             "--min-pwd-age=0", "--account-lockout-threshold=%d" % LOCKOUT_THRESHOLD,
             "--account-lockout-duration=10", "--reset-account-lockout-after=10"])
        self.create_accounts()
        with open(self.service_password_file, "w") as f:
            f.write(SERVICE_PASSWORD + "\n")
        os.chmod(self.service_password_file, 0o600)

    def write_config(self):
        """Restrict the provisioned smb.conf to LDAP on loopback, keep logs
        and pid files in the private folder and set the test certificate."""
        extra = {
            "server services": "ldap, cldap, kdc",
            "log file": os.path.join(self.target, "log.%m"),
            "pid directory": os.path.join(self.target, "run"),
            "ldap server require strong auth": "no",
            "tls enabled": "yes",
            "tls keyfile": os.path.join(self.folder, "server.key"),
            "tls certfile": os.path.join(self.folder, "server.pem"),
            "tls cafile": self.ca_file,
        }
        os.makedirs(extra["pid directory"], exist_ok=True)
        lines = []
        with open(self.conf, encoding="utf-8") as f:
            for line in f:
                key = line.split("=", 1)[0].strip().lower()
                if key in extra:
                    continue
                lines.append(line)
                if line.strip() == "[global]":
                    lines += ["\t%s = %s\n" % item for item in extra.items()]
        with open(self.conf, "w", encoding="utf-8") as f:
            f.writelines(lines)

    def create_accounts(self):
        users = {name: (PASSWORD, groups, change)
                 for name, (groups, change) in ACCOUNTS.items()}
        users[UTF8_USER] = (UTF8_PASSWORD,) + users[UTF8_USER][1:]
        users[SERVICE_USER] = (SERVICE_PASSWORD, [], None)
        spec_path = os.path.join(self.folder, "accounts.json")
        with open(spec_path, "w", encoding="utf-8") as f:
            json.dump({"users": users, "groups": GROUPS}, f)
        run([SYSTEM_PYTHON, "-c", SETUP_SCRIPT, self.conf, spec_path])

    def start(self):
        log = open(os.path.join(self.folder, "samba.out"), "ab")
        self.proc = subprocess.Popen([SAMBA, "-s", self.conf, "-F", "--debug-stdout", "-d1"],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("samba exited with status %d; see %s/samba.out"
                                   % (self.proc.returncode, self.folder))
            if port_in_use(389) and port_in_use(636) and self.answers():
                return
            time.sleep(0.2)
        raise RuntimeError("samba did not answer on 127.0.0.1:389 within %ds" % START_TIMEOUT)

    def answers(self):
        proc = subprocess.run(["/usr/bin/ldapsearch", "-x", "-H", "ldap://127.0.0.1",
                               "-s", "base", "-b", "", "(objectClass=*)", "defaultNamingContext"],
                              capture_output=True, text=True, timeout=10)
        return proc.returncode == 0 and BASE in proc.stdout

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def disable(self, user):
        """Disable USER while the DC runs (samba-tool edits sam.ldb, which
        the running samba reads)."""
        run([SAMBA_TOOL, "user", "disable", user, "--configfile=" + self.conf])

    def search(self, base, filt, *attrs):
        cmd = ["/usr/bin/ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no",
               "-H", "ldap://127.0.0.1", "-D", self.service_dn, "-w", SERVICE_PASSWORD,
               "-b", base, filt] + list(attrs)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10)


@pytest.fixture(scope="session")
def samba():
    """The domain controller, provisioned once per run. Its folder lies
    outside the checkout because httpd's children, running as www-data,
    read the CA file in it."""
    reason = skip_reason()
    if reason:
        pytest.skip("Samba AD DC unavailable: " + reason)
    folder = tempfile.mkdtemp(prefix="extranet-samba-")
    dc = SambaDC(folder)
    try:
        dc.provision()
        dc.start()
        yield dc
    finally:
        dc.stop()
        shutil.rmtree(folder, ignore_errors=True)
