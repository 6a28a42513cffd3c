"""Session fixtures for the mod_extranet integration tests.

One slapd holding the demo directory runs for the whole session. One httpd
runs too; each test class configures it through the `httpd` fixture, and
HttpdServer.configure() restarts it only when the configuration text changes.
After every test that used httpd, warn-or-worse lines in its error_log fail
the test unless a `log_allow` marker pattern matches them.
"""

import os
import shutil
import signal
import subprocess
import tempfile

import pytest

import harness

RUN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run")

# httpd's own lines for a request that authorization denied. The rule tests
# provoke them on purpose, so they never fail a test.
ALWAYS_ALLOWED = [
    r"AH01630: client denied by server configuration",
    r"AH01631: user .*: authorization failure",
    # Start-up warning of ExtranetAllowInsecureCookie On, which the plain
    # HTTP test configuration sets.
    r"XN1201: ExtranetAllowInsecureCookie On",
]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "log_allow(*patterns): error_log lines (regular expressions) that "
        "this test expects at warn level or worse")


def stop_leftover_servers():
    """Stop the slapd and httpd of an earlier run that ended without its
    fixtures' teardown, found through their pid files."""
    ldap_dir = os.path.join(RUN, "ldap")
    if os.path.exists(os.path.join(ldap_dir, "slapd.pid")):
        subprocess.run([harness.SLAPCTL, "stop", ldap_dir], check=False)
    pidfile = os.path.join(RUN, "httpd", "httpd.pid")
    try:
        with open(pidfile) as f:
            os.kill(int(f.read().strip()), signal.SIGTERM)
    except (OSError, ValueError):
        pass


@pytest.fixture(scope="session")
def rundir():
    stop_leftover_servers()
    shutil.rmtree(RUN, ignore_errors=True)
    os.makedirs(RUN)
    return RUN


@pytest.fixture(scope="session")
def ldap(rundir):
    server = harness.LdapServer(os.path.join(rundir, "ldap"), harness.free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def served_files():
    """Copy the demo pages to a world-readable folder, because httpd's
    children run as www-data and may not be able to reach files inside the
    checkout, and the service password beside them with mode 0600, which git
    does not keep. Returns (htdocs, password file)."""
    folder = tempfile.mkdtemp(prefix="extranet-test-")
    os.chmod(folder, 0o755)
    htdocs = os.path.join(folder, "htdocs")
    shutil.copytree(harness.HTDOCS, htdocs)
    password_file = os.path.join(folder, "extranet.pw")
    shutil.copyfile(harness.SERVICE_PASSWORD_FILE, password_file)
    for path in [folder] + [os.path.join(d, n) for d, dirs, files in os.walk(folder)
                            for n in dirs + files]:
        os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
    # The module reads the password as root before the children start, and
    # warns when other users can read the file.
    os.chmod(password_file, 0o600)
    yield htdocs, password_file
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def httpd_server(rundir, ldap, served_files):
    htdocs, password_file = served_files
    module = None
    if os.path.exists(harness.MODULE):
        # httpd maps the module file; a rebuild that rewrites build/ in place
        # while the tests run would crash the children, so load a copy.
        module = os.path.join(rundir, "mod_extranet.so")
        shutil.copyfile(harness.MODULE, module)
    server = harness.HttpdServer(os.path.join(rundir, "httpd"), harness.free_port(), ldap.url,
                                 htdocs=htdocs, password_file=password_file, module=module)
    yield server
    server.stop()


@pytest.fixture
def httpd(request, httpd_server):
    """The session httpd; fails the test on unexpected error_log lines."""
    mark = httpd_server.error_log_mark()
    yield httpd_server
    allowed = list(ALWAYS_ALLOWED)
    for marker in request.node.iter_markers("log_allow"):
        allowed += list(marker.args)
    bad = httpd_server.unexpected_log_lines(mark, allowed)
    if bad:
        pytest.fail("unexpected lines in %s:\n%s" % (httpd_server.error_log, "\n".join(bad)),
                    pytrace=False)


@pytest.fixture(scope="session")
def accounts():
    return harness.read_accounts()


@pytest.fixture(scope="session")
def module_built():
    if not os.path.exists(harness.MODULE):
        pytest.skip("%s is not built; run 'make build'" % harness.MODULE)
    return harness.MODULE
