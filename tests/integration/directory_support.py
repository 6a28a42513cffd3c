"""Extra directory entries and configurations for test_directory.py.

The entries go into the session slapd (harness.LdapServer) through ldapadd
as its root DN, once per run, under names no other test uses: people
"tst..." in ou=mensen and groups "tg..." in ou=groepen.
"""

import base64
import os
import subprocess

import harness

ROOT_DN = "cn=admin," + harness.SUFFIX
PASSWORD = "Test-2026!"
UTF8_UID = "t\u00e9l\u00e9.gebruiker"
UTF8_PASSWORD = "Wachtwoord-\u00e9\u20ac\u00df1"
CROWD = 500
CROWD_ROLES = 5
MANY_GROUPS = 300

# Group CNs with characters that DNs escape. Each contains the user tstspecial.
SPECIAL_CNS = ["Zorg, Welzijn", "A+B", '"Citaat"', "back\\slash", "semi;colon", "#hekje"]


def dn_value(value):
    """Escape VALUE as an RDN value (RFC 4514)."""
    out = ""
    for i, ch in enumerate(value):
        if ch in ',+"\\<>;=' or (i == 0 and ch in "# "):
            out += "\\" + ch
        else:
            out += ch
    return out


def hex_dn_value(value):
    """Escape every special character of VALUE in the \\XX hex form, a
    different spelling of the same DN than dn_value()."""
    out = ""
    for i, ch in enumerate(value):
        if ch in ',+"\\<>;=' or (i == 0 and ch in "# "):
            out += "\\%02X" % ord(ch)
        else:
            out += ch
    return out


def group_dn(cn, escape=dn_value):
    return "cn=%s,%s" % (escape(cn), harness.GROUPS)


def user_dn(uid):
    return "uid=%s,%s" % (dn_value(uid), harness.PEOPLE)


def ldif_value(name, value):
    if all(32 <= ord(c) < 127 for c in value) and not value.startswith((" ", ":", "<")):
        return "%s: %s\n" % (name, value)
    return "%s:: %s\n" % (name, base64.b64encode(value.encode("utf-8")).decode("ascii"))


def person(uid, password=PASSWORD):
    return (ldif_value("dn", user_dn(uid)) + "objectClass: inetOrgPerson\n"
            + ldif_value("uid", uid) + ldif_value("cn", uid) + "sn: Test\n"
            + ldif_value("userPassword", password) + "\n")


def group(cn, members):
    text = ldif_value("dn", group_dn(cn)) + "objectClass: groupOfNames\n" + ldif_value("cn", cn)
    for member in members or ["cn=niemand," + harness.GROUPS]:
        text += ldif_value("member", member)
    return text + "\n"


def crowd_uid(i):
    return "tst%04d" % i


def crowd_roles(i):
    """Role indexes (0-based) of crowd user I: the bits of I % 31 + 1."""
    mask = i % 31 + 1
    return [r for r in range(CROWD_ROLES) if mask & (1 << r)]


def build_ldif():
    entries = [person("tstspecial"), person("tstcycle"), person("tstempty"),
               person("tstmany"), person(UTF8_UID, UTF8_PASSWORD)]
    for i in range(CROWD):
        entries.append(person(crowd_uid(i)))
    for cn in SPECIAL_CNS:
        entries.append(group(cn, [user_dn("tstspecial")]))
    # A cycle: tgcycle-a contains tgcycle-b and the user, tgcycle-b
    # contains tgcycle-a.
    entries.append(group("tgcycle-a", [user_dn("tstcycle"), group_dn("tgcycle-b")]))
    entries.append(group("tgcycle-b", [group_dn("tgcycle-a")]))
    entries.append(group("tgempty", []))
    entries.append(group("tgutf8", [user_dn(UTF8_UID)]))
    for n in range(MANY_GROUPS):
        entries.append(group("tgmany%03d" % n, [user_dn("tstmany")]))
    for r in range(CROWD_ROLES):
        members = [user_dn(crowd_uid(i)) for i in range(CROWD) if r in crowd_roles(i)]
        entries.append(group("tgcrowd%d" % r, members))
    return "".join(entries)


def add_entries(ldap):
    """Load the test entries into LDAP (a harness.LdapServer) once."""
    marker = os.path.join(ldap.rundir, "directory-test-entries")
    if os.path.exists(marker):
        return
    # tgcycle-a names tgcycle-b before it exists, which slapd allows:
    # groupOfNames members are not checked for existence.
    proc = subprocess.run(["/usr/bin/ldapadd", "-x", "-H", ldap.url, "-D", ROOT_DN,
                           "-y", os.path.join(ldap.rundir, "rootpw")],
                          input=build_ldif(), capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError("ldapadd failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
    open(marker, "w").close()


class Blackhole:
    """A listening socket on 127.0.0.1 that accepts connections and never
    sends a byte, like a directory host that hangs."""

    def __init__(self):
        import socket
        import threading
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.running = False
        self.sock.close()
        for conn in self.accepted:
            conn.close()


class Proxy:
    """A TCP forwarder from a fixed 127.0.0.1 port to TARGET_PORT that can be
    stopped and started again, like a directory host that goes away and
    comes back."""

    def __init__(self, target_port):
        import socket
        self.target_port = target_port
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.listener = None
        self.sockets = []

    def start(self):
        import socket
        import threading
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        import socket
        import threading
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        import socket
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        import socket
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.sockets = []
