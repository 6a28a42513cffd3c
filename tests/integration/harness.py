"""Servers and clients for the mod_extranet integration tests.

LdapServer runs the demo directory (demo/ldap) in a private slapd.
HttpdServer writes an httpd configuration, runs Debian's apache2 with it in
the foreground and reads its error log and the extranet audit log.
ExtranetClient signs in through the form with a requests.Session, and
raw_request sends a request line exactly as given, which requests would
normalise.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
from urllib.parse import urlencode

import requests

FORM_TYPE = "application/x-www-form-urlencoded"

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(REPO, "demo")
HTDOCS = os.path.join(DEMO, "htdocs")
SLAPCTL = os.path.join(DEMO, "ldap", "slapctl")
SERVICE_PASSWORD_FILE = os.path.join(DEMO, "ldap", "extranet.pw")
ACCOUNTS_FILE = os.path.join(DEMO, "ldap", "accounts.tsv")
MODULE = os.environ.get("EXTRANET_MODULE", os.path.join(REPO, "build", "mod_extranet.so"))
APACHE2 = "/usr/sbin/apache2"
MODULES_DIR = "/usr/lib/apache2/modules"

SUFFIX = "dc=gemeente,dc=test"
PEOPLE = "ou=mensen," + SUFFIX
GROUPS = "ou=groepen," + SUFFIX
SERVICE_DN = "cn=extranet,ou=diensten," + SUFFIX

# error_log levels that fail a test unless a pattern allows the line.
FAILING_LEVELS = ("warn", "error", "crit", "alert", "emerg")
LOG_LEVEL_RE = re.compile(r"^\[[^\]]*\] \[(?:[\w.]+:)?(\w+)\]")
# The hidden CSRF field of the module's forms.
CSRF_FIELD_RE = re.compile(r'<input type="hidden" name="csrf" value="([A-Za-z0-9_-]+)">')


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_accounts():
    """Return the demo accounts as {uid: {"password", "groups", "roles"}}."""
    accounts = {}
    with open(ACCOUNTS_FILE, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            uid, password, _given, _sn, _function, groups, roles = line.split("\t")
            accounts[uid] = {
                "password": password,
                "groups": [] if groups == "-" else groups.split(","),
                "roles": [] if roles == "-" else roles.split(","),
            }
    return accounts


class LdapServer:
    """The demo directory in a private slapd on 127.0.0.1:port."""

    def __init__(self, rundir, port):
        self.rundir = rundir
        self.port = port
        self.url = "ldap://127.0.0.1:%d/" % port
        self.log_path = os.path.join(rundir, "slapd.log")
        self.frozen = False

    def start(self):
        subprocess.run([SLAPCTL, "start", self.rundir, str(self.port)],
                       check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        self.resume()
        subprocess.run([SLAPCTL, "stop", self.rundir], check=True)

    def pid(self):
        with open(os.path.join(self.rundir, "slapd.pid")) as f:
            return int(f.read().strip())

    def freeze(self):
        """Suspend slapd with SIGSTOP: the kernel accepts connections but slapd never replies."""
        os.kill(self.pid(), signal.SIGSTOP)
        self.frozen = True

    def resume(self):
        if self.frozen:
            os.kill(self.pid(), signal.SIGCONT)
            self.frozen = False

    def search(self, base, filt, *attrs, bind_dn=SERVICE_DN,
               password_file=SERVICE_PASSWORD_FILE):
        """Run ldapsearch and return its completed process (LDIF on stdout)."""
        cmd = ["/usr/bin/ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no",
               "-H", self.url, "-D", bind_dn, "-y", password_file,
               "-b", base, filt] + list(attrs)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10)

    def log_mark(self):
        """Return the current end of the slapd log, for log_since()."""
        try:
            return os.path.getsize(self.log_path)
        except FileNotFoundError:
            return 0

    def log_since(self, mark):
        with open(self.log_path, "rb") as f:
            f.seek(mark)
            return f.read().decode("utf-8", "replace").splitlines()

    def binds_since(self, mark, dn_prefix=None):
        """Return the BIND lines logged after MARK, optionally only those for
        a DN starting with DN_PREFIX (compared case-insensitively)."""
        binds = []
        for line in self.log_since(mark):
            # slapd logs "BIND dn=... method=128" for each request and a
            # second "BIND dn=... mech=SIMPLE" line when it succeeds.
            m = re.search(r' BIND dn="([^"]*)" method=', line)
            if not m:
                continue
            if dn_prefix is None or m.group(1).lower().startswith(dn_prefix.lower()):
                binds.append(line)
        return binds

    def searches_since(self, mark):
        """Return the filters of the SRCH operations logged after MARK."""
        filters = []
        for line in self.log_since(mark):
            m = re.search(r' SRCH base="[^"]*" .*filter="(.*)"$', line)
            if m:
                filters.append(m.group(1))
        return filters


BASE_CONFIG = """\
ServerRoot "{rundir}"
DefaultRuntimeDir "{rundir}"
PidFile "{rundir}/httpd.pid"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}

LoadModule mpm_event_module      {modules}/mod_mpm_event.so
LoadModule authn_core_module     {modules}/mod_authn_core.so
LoadModule authz_core_module     {modules}/mod_authz_core.so
LoadModule authz_host_module     {modules}/mod_authz_host.so
LoadModule auth_basic_module     {modules}/mod_auth_basic.so
LoadModule socache_shmcb_module  {modules}/mod_socache_shmcb.so
LoadModule mime_module           {modules}/mod_mime.so
LoadModule dir_module            {modules}/mod_dir.so
LoadModule alias_module          {modules}/mod_alias.so
{load_module}
User www-data
Group www-data

ErrorLog "{rundir}/error_log"
LogLevel {log_level}
LogFormat "%h %u \\"%r\\" %>s %b %D" timing
CustomLog "{rundir}/access_log" timing

StartServers 1
ServerLimit 2
ThreadsPerChild 25
MaxRequestWorkers 50
MinSpareThreads 25
MaxSpareThreads 50
KeepAliveTimeout 2
TypesConfig /etc/mime.types
AddDefaultCharset utf-8
DirectoryIndex index.html
DocumentRoot "{htdocs}"

<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{htdocs}">
    Options None
    AllowOverride None
    Require all granted
</Directory>
"""

# The demo roles and rules (demo/httpd.conf.in) plus test-only locations:
#   /mandaat/  with nested_role, only for role mandataris, which members
#              of cn=college hold only through a nested group
#              (cn=mandatarissen contains cn=gemeenteraad and cn=college)
#   /basic/    the raad documents behind Basic authentication
#   /ipraad/   the raad documents for role raad or for client 127.0.0.2
#   /vriendenkring/ returns 403 instead of 404 when denied
EXTRANET_CONFIG = """\
Extranet On
ExtranetLDAPURL "{ldap_url}ou=mensen,dc=gemeente,dc=test?uid?sub?(objectClass=inetOrgPerson)"
ExtranetLDAPBindDN "cn=extranet,ou=diensten,dc=gemeente,dc=test"
ExtranetLDAPBindPassword "file:{password_file}"
ExtranetLDAPGroupBase "ou=groepen,dc=gemeente,dc=test"
ExtranetLDAPConnectTimeout 1
ExtranetLDAPTimeout {ldap_timeout}

ExtranetRole raad       "cn=gemeenteraad,ou=groepen,dc=gemeente,dc=test"
ExtranetRole college    "cn=college,ou=groepen,dc=gemeente,dc=test"
ExtranetRole rmw        "cn=rmw,ou=groepen,dc=gemeente,dc=test"
ExtranetRole personeel  "cn=personeel,ou=groepen,dc=gemeente,dc=test"
ExtranetRole beheer     "cn=beheer,ou=groepen,dc=gemeente,dc=test"
{nested_role}
ExtranetRule /publiek/       public
ExtranetRule /personeel/     personeel beheer
ExtranetRule /vriendenkring/ personeel
ExtranetRule /raad/          raad college rmw personeel
ExtranetRule /college/       college personeel
{nested_rule}ExtranetRule /               raad college rmw personeel beheer

ExtranetAuditLog "{rundir}/audit.log"
ExtranetAuditKeyFile "{rundir}/audit.key"
# The tests talk plain HTTP; test_signin_tls.py covers HTTPS.
ExtranetAllowInsecureCookie On
# Many tests fail a sign-in on purpose from one address; the throttling
# tests set the limits they test.
ExtranetThrottleAccount 100 200
ExtranetThrottleAddress 500 1000

Alias /mandaat/ "{htdocs}/nieuws/"
Alias /basic/   "{htdocs}/raad/"
Alias /ipraad/  "{htdocs}/raad/"

<Location />
    AuthType Extranet
    Require extranet-rules
</Location>

<Location /vriendenkring/>
    ExtranetDeniedStatus 403
</Location>

<Location /basic/>
    AuthType Basic
    AuthName "Gemeente Zonnedorp"
    AuthBasicProvider extranet
    Require extranet-role raad
</Location>

<Location /ipraad/>
    AuthzSendForbiddenOnFailure On
    <RequireAny>
        Require ip 127.0.0.2
        Require extranet-role raad
    </RequireAny>
</Location>
"""


def write_audit_key(path):
    """Write a random audit chain key that only root can read, unless a
    file exists at PATH already."""
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
    return path


class HttpdServer:
    """A private apache2 on 127.0.0.1:port, configured per test class."""

    def __init__(self, rundir, port, ldap_url, htdocs=HTDOCS,
                 password_file=SERVICE_PASSWORD_FILE, module=None):
        self.rundir = rundir
        self.module = module or MODULE
        self.htdocs = htdocs
        self.password_file = password_file
        self.port = port
        self.ldap_url = ldap_url
        self.base_url = "http://127.0.0.1:%d" % port
        self.conf_path = os.path.join(rundir, "httpd.conf")
        self.error_log = os.path.join(rundir, "error_log")
        self.audit_log = os.path.join(rundir, "audit.log")
        self.proc = None
        self.config_text = None
        os.makedirs(rundir, exist_ok=True)
        self.audit_key = write_audit_key(os.path.join(rundir, "audit.key"))

    # -- configuration ----------------------------------------------------

    def base_config(self, module=True, log_level="warn"):
        if module:
            load = "LoadModule extranet_module %s" % self.module
            log_level += " extranet:info"
        else:
            load = ""
        return BASE_CONFIG.format(rundir=self.rundir, port=self.port, modules=MODULES_DIR,
                                  load_module=load, log_level=log_level, htdocs=self.htdocs)

    def extranet_config(self, ldap_timeout=2, nested_role=False):
        role = rule = ""
        if nested_role:
            role = 'ExtranetRole mandataris "cn=mandatarissen,ou=groepen,dc=gemeente,dc=test"\n'
            rule = "ExtranetRule /mandaat/       mandataris\n"
        return EXTRANET_CONFIG.format(ldap_url=self.ldap_url, rundir=self.rundir,
                                      password_file=self.password_file,
                                      htdocs=self.htdocs, ldap_timeout=ldap_timeout,
                                      nested_role=role, nested_rule=rule)

    def standard_config(self, extra="", nested_role=False):
        """The base configuration with the module and the demo rules."""
        return (self.base_config() + "\n" + self.extranet_config(nested_role=nested_role)
                + "\n" + extra)

    def configure(self, text):
        """Run httpd with configuration TEXT; restart only when it changed."""
        if self.proc is not None and self.proc.poll() is None and text == self.config_text:
            return
        self.stop()
        with open(self.conf_path, "w", encoding="utf-8") as f:
            f.write(text)
        self.config_text = text
        self.start()

    def config_test(self, text, name="configtest.conf"):
        """Run `apache2 -t` on TEXT; return (exit status, stdout + stderr)."""
        path = os.path.join(self.rundir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        proc = subprocess.run([APACHE2, "-t", "-f", path], capture_output=True,
                              text=True, timeout=30)
        return proc.returncode, proc.stdout + proc.stderr

    # -- process ------------------------------------------------------------

    def start(self, timeout=10):
        stderr = open(os.path.join(self.rundir, "httpd.stderr"), "ab")
        self.proc = subprocess.Popen([APACHE2, "-f", self.conf_path, "-DFOREGROUND"],
                                     stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                                     start_new_session=True)
        stderr.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("httpd exited with status %d during start-up:\n%s"
                                   % (self.proc.returncode, self.tail_logs()))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/server-ready-probe")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("httpd did not answer on port %d within %ds:\n%s"
                           % (self.port, timeout, self.tail_logs()))

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        self.config_text = None

    def tail_logs(self, lines=20):
        out = []
        for path in (os.path.join(self.rundir, "httpd.stderr"), self.error_log):
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    out += ["%s: %s" % (os.path.basename(path), line.rstrip())
                            for line in f.readlines()[-lines:]]
            except FileNotFoundError:
                pass
        return "\n".join(out)

    def child_pids(self):
        """Return the pids of the httpd parent's child processes."""
        pids = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if self.proc is not None and int(fields[1]) == self.proc.pid:
                pids.append(int(pid))
        return pids

    # -- logs -----------------------------------------------------------------

    def error_log_mark(self):
        try:
            return os.path.getsize(self.error_log)
        except FileNotFoundError:
            return 0

    def error_log_since(self, mark):
        try:
            with open(self.error_log, "rb") as f:
                f.seek(mark)
                return f.read().decode("utf-8", "replace").splitlines()
        except FileNotFoundError:
            return []

    def unexpected_log_lines(self, mark, allowed):
        """Return the warn-or-worse error_log lines after MARK that match
        none of the regular expressions in ALLOWED."""
        bad = []
        for line in self.error_log_since(mark):
            m = LOG_LEVEL_RE.match(line)
            if not m or m.group(1) not in FAILING_LEVELS:
                continue
            if any(re.search(p, line) for p in allowed):
                continue
            bad.append(line)
        return bad

    def audit_mark(self, quiet=0.1, timeout=2.0):
        """Return the end of the audit log once it has not grown for QUIET
        seconds, so that records of earlier requests, which httpd writes
        after their response has gone out, fall before the mark."""
        def size():
            try:
                return os.path.getsize(self.audit_log)
            except FileNotFoundError:
                return 0

        deadline = time.monotonic() + timeout
        last = size()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            current = size()
            if current == last:
                break
            last = current
        return last

    def audit_text_since(self, mark):
        try:
            with open(self.audit_log, "rb") as f:
                f.seek(mark)
                return f.read().decode("utf-8")
        except FileNotFoundError:
            return ""

    def audit_since(self, mark, count=1, timeout=3.0):
        """Return the audit records written after MARK as dicts, waiting up
        to TIMEOUT seconds for at least COUNT of them, because httpd writes a
        record when the request is logged, which may be after the client has
        read the response."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.audit_text_since(mark)
            complete = text[:text.rfind("\n") + 1]
            records = [json.loads(line) for line in complete.splitlines()]
            if len(records) >= count or time.monotonic() >= deadline:
                return records
            time.sleep(0.05)

    # -- clients --------------------------------------------------------------

    def client(self):
        return ExtranetClient(self.base_url)

    def raw_request(self, method, path, headers=None, body=None, source=None):
        return raw_request(self.port, method, path, headers, body, source)


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def header(self, name):
        return self.headers.get(name.lower())


def raw_request(port, method, path, headers=None, body=None, source=None):
    """Send METHOD PATH as given (no normalisation, no redirects) and return
    a RawResponse. SOURCE is a local address such as "127.0.0.2"."""
    source_address = (source, 0) if source else None
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                      source_address=source_address)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = b"" if method == "HEAD" else resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        return RawResponse(resp.status, hdrs, data)
    finally:
        conn.close()


class ExtranetClient:
    """A browser-like client: a requests.Session that keeps the session
    cookie. Redirects are not followed unless asked."""

    def __init__(self, base_url, cookie_name="extranet_session"):
        self.base_url = base_url
        self.cookie_name = cookie_name
        self.session = requests.Session()
        # One connection per request: a reused keep-alive connection that
        # the server closes after its KeepAliveTimeout, while the test
        # sleeps, would fail the next request with no response at all.
        self.session.headers["Connection"] = "close"

    def url(self, path):
        return self.base_url + path

    def get(self, path, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 15)
        return self.session.get(self.url(path), **kwargs)

    def request(self, method, path, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 15)
        return self.session.request(method, self.url(path), **kwargs)

    def form_token(self, path="/extranet/login"):
        """GET the form page PATH, which sets the pre-session cookie, and
        return the CSRF token of its form (None when it has none)."""
        r = self.get(path)
        m = CSRF_FIELD_RE.search(r.text)
        return m.group(1) if m else None

    def login(self, username, password, return_path=None, csrf=True, **kwargs):
        """POST the sign-in form and return the response (not followed).
        With CSRF true, the form page is fetched first for its token. A
        string is sent as the token unchanged, and None sends no token."""
        data = {"username": username, "password": password}
        if return_path is not None:
            data["return"] = return_path
        if csrf is True:
            csrf = self.form_token()
        if csrf is not None:
            data["csrf"] = csrf
        return self.request("POST", "/extranet/login", data=data, **kwargs)

    def logout(self, csrf=True):
        """POST the sign-out form, with the token of the sign-out page
        unless CSRF is None or a string to send instead."""
        data = {}
        if csrf is True:
            csrf = self.form_token("/extranet/logout")
        if csrf is not None:
            data["csrf"] = csrf
        # A browser posts a form without fields with this type and no body.
        return self.request("POST", "/extranet/logout", data=urlencode(data),
                            headers={"Content-Type": FORM_TYPE})

    @property
    def cookie(self):
        return self.session.cookies.get(self.cookie_name)
