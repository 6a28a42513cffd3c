"""The tamper-evident audit trail and the extranet-audit tool, against the
real module: chain, checkpoints, restarts, key change, rotation, sinks,
privacy, write failures, hostile input and concurrency."""

import json
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest

import harness
from audit_support import (SyslogListener, audit_config, hammer, read_lines,
                           read_records, tool, wait_for_records, write_key)

pytestmark = pytest.mark.usefixtures("module_built")

KEY_TEXT = "b3f1c0de9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817065f4e"
NEW_KEY_TEXT = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
START_FAILURE_LOG = r"XN(0601|1007|1001|1002)"
RUNTIME_FAILURE_LOG = r"XN(0602|1010)"


@pytest.fixture
def trail(httpd, tmp_path):
    """httpd with a sealed audit log and a checkpoint file in a fresh
    folder. Returns (server, paths)."""
    folder = tmp_path / "trail"
    folder.mkdir()
    os.chmod(folder, 0o755)
    paths = {
        "log": str(folder / "audit.log"),
        "key": write_key(str(folder / "audit.key"), KEY_TEXT),
        "checkpoints": str(folder / "checkpoints.log"),
        "folder": str(folder),
    }
    checkpoint = 'ExtranetAuditCheckpoint "%s" 10 60' % paths["checkpoints"]
    httpd.configure(httpd.standard_config(
        audit_config(paths["log"], paths["key"], checkpoint,
                     extra="LimitRequestLine 120000\n")))
    return httpd, paths


def sign_in(server, uid="raadslid"):
    accounts = harness.read_accounts()
    client = server.client()
    r = client.login(uid, accounts[uid]["password"], "/")
    assert r.status_code == 303, r.text[:300]
    return client


def records_after(path, count, start=0):
    lines = wait_for_records(path, start + count)
    return [json.loads(line) for line in lines[start:]]


def verify(paths, *files, extra=()):
    files = files or (paths["log"],)
    return tool("verify", "--key", paths["key"], "--checkpoints", paths["checkpoints"],
                *extra, *files)


def graceful_restart(server):
    """Send SIGUSR1 and wait until httpd logs that the new generation runs."""
    mark = server.error_log_mark()
    os.kill(server.proc.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any("resuming normal operations" in line
               for line in server.error_log_since(mark)):
            return
        time.sleep(0.05)
    raise AssertionError("no graceful restart within 10 s")


class TestChain:

    def test_records_carry_seq_and_chain(self, trail):
        server, paths = trail
        client = sign_in(server)
        assert client.get("/raad/agenda.pdf").status_code == 200
        records = records_after(paths["log"], 4)
        assert records[0]["event"] == "chain_start"
        assert records[0]["reason"] == "new_log"
        assert records[0]["prev_seq"] == 0
        assert records[1]["event"] == "config_load"
        assert records[1]["seq"] == 1
        # httpd writes a record after the response, so the sign-in's record
        # and the next request's, on another connection, may come in
        # either order.
        events = sorted(r["event"] for r in records[2:])
        assert events == ["access", "login_success"]
        assert [r["seq"] for r in records[1:]] == [1, 2, 3]
        for rec in records:
            assert len(rec["chain"]) == 64

    def test_verify_passes_with_checkpoints(self, trail):
        server, paths = trail
        client = sign_in(server)
        for _ in range(25):
            assert client.get("/raad/agenda.pdf").status_code == 200
        wait_for_records(paths["log"], 28)
        result = verify(paths)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("checkpoints:")
        assert "OK: 27 records verified, 1 anchors" in result.stdout
        with open(paths["checkpoints"]) as f:
            checkpoints = [json.loads(line) for line in f]
        assert [c["seq"] for c in checkpoints] == [1, 11, 21]

    def test_key_is_never_logged(self, trail):
        server, paths = trail
        sign_in(server)
        wait_for_records(paths["log"], 3)
        for path in (paths["log"], paths["checkpoints"], server.error_log):
            with open(path, encoding="utf-8", errors="replace") as f:
                assert KEY_TEXT not in f.read()

    def test_graceful_restart_keeps_chain(self, trail):
        server, paths = trail
        sign_in(server)
        wait_for_records(paths["log"], 3)
        graceful_restart(server)
        # The shmcb session store does not survive a restart: sign in again.
        sign_in(server)
        records = records_after(paths["log"], 5)
        assert [r["event"] for r in records] == [
            "chain_start", "config_load", "login_success", "config_load",
            "login_success"]
        assert [r["seq"] for r in records[1:]] == [1, 2, 3, 4]
        result = verify(paths)
        assert result.returncode == 0, result.stdout

    def test_full_restart_continues_from_file(self, trail):
        server, paths = trail
        sign_in(server)
        wait_for_records(paths["log"], 3)
        text = server.config_text
        server.stop()
        server.configure(text)
        records = records_after(paths["log"], 4)
        assert [r["event"] for r in records] == [
            "chain_start", "config_load", "login_success", "config_load"]
        assert records[3]["seq"] == 3
        assert tool("verify", "--key", paths["key"], paths["log"]).returncode == 0

    def test_new_key_starts_new_chain(self, trail):
        server, paths = trail
        sign_in(server)
        wait_for_records(paths["log"], 3)
        text = server.config_text
        old_key = paths["key"] + ".old"
        shutil.copy(paths["key"], old_key)
        os.chmod(old_key, 0o600)
        write_key(paths["key"], NEW_KEY_TEXT)
        server.stop()
        server.configure(text)
        records = records_after(paths["log"], 5)
        assert records[3]["event"] == "chain_start"
        assert records[3]["reason"] == "key_change"
        assert records[3]["prev_seq"] == 2
        both = tool("verify", "--key", paths["key"], "--key", old_key, paths["log"])
        assert both.returncode == 0, both.stdout
        new_only = tool("verify", "--key", paths["key"], paths["log"])
        assert new_only.returncode == 1
        assert "FIRST BAD RECORD" in new_only.stdout


class TestTamperDetection:
    """Each change of a real log is reported on the line where it shows."""

    @pytest.fixture
    def log(self, trail):
        server, paths = trail
        client = sign_in(server)
        for _ in range(6):
            client.get("/raad/agenda.pdf")
        lines = wait_for_records(paths["log"], 9)
        assert len(lines) == 9
        return paths, lines

    def check(self, paths, lines, expected):
        target = os.path.join(paths["folder"], "tampered.log")
        with open(target, "wb") as f:
            f.write(b"".join(lines))
        result = tool("verify", "--key", paths["key"], target)
        assert result.returncode == 1, result.stdout
        assert expected in result.stdout, result.stdout
        return result.stdout

    def test_one_changed_byte(self, log):
        paths, lines = log
        lines[5] = lines[5].replace(b"agenda", b"agendb")
        out = self.check(paths, lines, "tampered.log:6: FIRST BAD RECORD")
        assert "chain value mismatch" in out

    def test_deleted_line(self, log):
        paths, lines = log
        del lines[4]
        out = self.check(paths, lines, "tampered.log:5: FIRST BAD RECORD")
        assert "seq 5 where 4 was expected" in out

    def test_two_lines_swapped(self, log):
        paths, lines = log
        lines[4], lines[5] = lines[5], lines[4]
        self.check(paths, lines, "tampered.log:5: FIRST BAD RECORD")

    def test_appended_forged_line(self, log):
        paths, lines = log
        last = json.loads(lines[-1])
        forged = dict(last, seq=last["seq"] + 1, path="/raad/notulen-2026-11-17.pdf")
        lines.append(json.dumps(forged, separators=(",", ":")).encode() + b"\n")
        out = self.check(paths, lines, "tampered.log:10: FIRST BAD RECORD")
        assert "chain value mismatch" in out

    def test_truncated_last_line(self, log):
        paths, lines = log
        lines[-1] = lines[-1][:40]
        self.check(paths, lines, "tampered.log:9: TRUNCATED")

    def test_tail_removal_caught_by_checkpoint(self, trail):
        server, paths = trail
        client = sign_in(server)
        for _ in range(12):
            client.get("/raad/agenda.pdf")
        lines = wait_for_records(paths["log"], 15)
        target = os.path.join(paths["folder"], "cut.log")
        with open(target, "wb") as f:
            f.write(b"".join(lines[:8]))
        alone = tool("verify", "--key", paths["key"], target)
        assert alone.returncode == 0, alone.stdout
        result = verify(paths, target)
        assert result.returncode == 1
        assert "TAIL TRUNCATED" in result.stdout


class TestHostileInput:

    def test_username_with_newline_and_fake_record(self, trail):
        server, paths = trail
        start = len(wait_for_records(paths["log"], 2))
        fake = 'x\n{"time":"2026-01-01T00:00:00.000+00:00","event":"access"}'
        server.raw_request(
            "POST", "/extranet/login",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=("username=%s&password=y" % fake.replace("\n", "%0a")
                  .replace('"', "%22").replace("{", "%7b").replace("}", "%7d")
                  .replace(":", "%3a").replace(",", "%2c")).encode())
        lines = wait_for_records(paths["log"], start + 1)[start:]
        assert len(lines) == 1, lines
        rec = json.loads(lines[0])
        assert rec["event"] == "login_failed"
        assert b"\\n" in lines[0] or b"\\u000a" in lines[0]

    def test_path_with_crlf(self, trail):
        server, paths = trail
        client = sign_in(server)
        cookie = "extranet_session=" + client.cookie
        start = len(wait_for_records(paths["log"], 3))
        resp = harness.raw_request(server.port, "GET", "/raad/x%0d%0ay.html",
                                   headers={"Cookie": cookie})
        assert resp.status == 404
        lines = wait_for_records(paths["log"], start + 1)[start:]
        assert len(lines) == 1
        assert b"\\r\\n" in lines[0]
        assert b"\r" not in lines[0][:-1]
        assert tool("verify", "--key", paths["key"], paths["log"]).returncode == 0

    def test_user_agent_with_esc_and_nul(self, trail):
        """httpd rejects control characters in header values (400) before
        the module runs, and the audit log never contains the User-Agent."""
        server, paths = trail
        client = sign_in(server)
        cookie = "extranet_session=" + client.cookie
        for agent in ("a\x1bb", "a\x00b"):
            resp = harness.raw_request(server.port, "GET", "/raad/agenda.pdf",
                                       headers={"Cookie": cookie, "User-Agent": agent})
            assert resp.status == 400
        resp = harness.raw_request(server.port, "GET", "/raad/agenda.pdf",
                                   headers={"Cookie": cookie, "User-Agent": "a\tb"})
        assert resp.status == 200
        lines = wait_for_records(paths["log"], 4)
        for line in lines:
            assert not any(c < 0x20 for c in line[:-1]), line
        assert len(lines) == 4
        assert tool("verify", "--key", paths["key"], paths["log"]).returncode == 0

    def test_long_url_is_cut(self, trail):
        server, paths = trail
        client = sign_in(server)
        start = len(wait_for_records(paths["log"], 3))
        # httpd returns 403 for a path longer than PATH_MAX (4096) before
        # authentication, so the longest path that reaches the module is
        # shorter; the 100 KB URL case is test_long_query_is_cut. The path
        # is a denied one, because a missing document is no access and
        # gets no record.
        r = client.get("/personeel/" + "a/" * 1500)
        assert r.status_code == 404
        lines = wait_for_records(paths["log"], start + 1)[start:]
        assert len(lines) == 1
        assert len(lines[0]) < 4096
        rec = json.loads(lines[0])
        assert rec["truncated"] is True
        assert len(rec["path"]) == 1024

    def test_long_query_is_cut(self, httpd, tmp_path):
        log = str(tmp_path / "q.log")
        httpd.configure(httpd.standard_config(
            audit_config(log, extra="ExtranetAuditQuery keep\nLimitRequestLine 120000\n")))
        client = sign_in(httpd)
        start = len(wait_for_records(log, 2))
        assert client.get("/raad/agenda.pdf?q=" + "b" * 100000).status_code == 200
        lines = wait_for_records(log, start + 1)[start:]
        assert len(lines) == 1
        rec = json.loads(lines[0])
        assert rec["truncated"] is True
        assert len(rec["query"]) == 1024

    def test_invalid_utf8_path_is_escaped(self, trail):
        server, paths = trail
        client = sign_in(server)
        start = len(wait_for_records(paths["log"], 3))
        cookie = "extranet_session=" + client.cookie
        harness.raw_request(server.port, "GET", "/personeel/%ff%fe.html",
                            headers={"Cookie": cookie})
        lines = wait_for_records(paths["log"], start + 1)[start:]
        assert b"\\u00ff\\u00fe" in lines[0]
        lines[0].decode("utf-8")


class TestPrivacy:

    def test_query_dropped_by_default(self, trail):
        server, paths = trail
        client = sign_in(server)
        start = len(wait_for_records(paths["log"], 3))
        client.get("/raad/agenda.pdf?token=geheim&x=1")
        rec = json.loads(wait_for_records(paths["log"], start + 1)[start])
        assert "query" not in rec
        with open(paths["log"]) as f:
            assert "geheim" not in f.read()

    @pytest.mark.parametrize("mode,expected", [("redact", "token=*&x=*"),
                                               ("keep", "token=geheim&x=1")])
    def test_query_modes(self, httpd, tmp_path, mode, expected):
        log = str(tmp_path / "q.log")
        httpd.configure(httpd.standard_config(
            audit_config(log, extra="ExtranetAuditQuery %s\n" % mode)))
        client = sign_in(httpd)
        start = len(wait_for_records(log, 2))
        client.get("/raad/agenda.pdf?token=geheim&x=1")
        rec = json.loads(wait_for_records(log, start + 1)[start])
        assert rec["query"] == expected

    def test_no_secret_in_log(self, trail):
        server, paths = trail
        accounts = harness.read_accounts()
        client = sign_in(server)
        client.get("/raad/agenda.pdf", headers={"Authorization": "Basic c2VjcmV0"})
        client.logout()
        wait_for_records(paths["log"], 5)
        with open(paths["log"]) as f:
            text = f.read()
        assert accounts["raadslid"]["password"] not in text
        assert client.cookie is None or client.cookie not in text
        assert "c2VjcmV0" not in text


class TestStartUpFailures:

    @pytest.mark.log_allow(START_FAILURE_LOG)
    def test_missing_directory_stops_start(self, httpd, tmp_path):
        text = httpd.standard_config(audit_config(str(tmp_path / "nope" / "a.log")))
        with pytest.raises(RuntimeError):
            httpd.configure(text)

    @pytest.mark.log_allow(START_FAILURE_LOG)
    def test_unwritable_target_stops_start(self, httpd, tmp_path):
        text = httpd.standard_config(audit_config(str(tmp_path)))
        with pytest.raises(RuntimeError):
            httpd.configure(text)

    @pytest.mark.log_allow(START_FAILURE_LOG)
    def test_full_disk_stops_start(self, httpd):
        text = httpd.standard_config(audit_config("/dev/full"))
        with pytest.raises(RuntimeError):
            httpd.configure(text)

    @pytest.mark.log_allow(START_FAILURE_LOG)
    def test_key_readable_by_others_is_rejected(self, httpd, tmp_path):
        key = write_key(str(tmp_path / "k"), KEY_TEXT)
        os.chmod(key, 0o640)
        status, out = httpd.config_test(httpd.standard_config(
            audit_config(str(tmp_path / "a.log"), key)))
        assert status != 0
        assert "ExtranetAuditKeyFile" in out
        assert "chmod 600" in out

    @pytest.mark.log_allow(START_FAILURE_LOG)
    def test_log_without_key_file_is_rejected(self, httpd, tmp_path):
        log = str(tmp_path / "a.log")
        text = httpd.standard_config().replace(
            'ExtranetAuditKeyFile "%s"' % httpd.audit_key, "")
        text = text.replace('ExtranetAuditLog "%s"' % httpd.audit_log,
                            'ExtranetAuditLog "%s"' % log)
        status, out = httpd.config_test(text)
        assert status != 0
        assert 'ExtranetAuditKeyFile: not set for ExtranetAuditLog "%s"' % log in out
        assert '"none"' in out

    def test_key_file_none_writes_unchained_records(self, httpd, tmp_path):
        log = str(tmp_path / "a.log")
        mark = httpd.error_log_mark()
        httpd.configure(httpd.standard_config(audit_config(log)))
        sign_in(httpd)
        records = [json.loads(l) for l in wait_for_records(log, 2)]
        assert [r["event"] for r in records] == ["config_load", "login_success"]
        assert all("seq" not in r for r in records)
        assert all("chain" not in r for r in records)
        notices = [l for l in httpd.error_log_since(mark) if "XN1008" in l]
        assert notices
        assert "ExtranetAuditKeyFile none" in notices[0]

    @pytest.mark.log_allow(START_FAILURE_LOG)
    def test_short_key_is_rejected(self, httpd, tmp_path):
        key = write_key(str(tmp_path / "k"), "short")
        status, out = httpd.config_test(httpd.standard_config(
            audit_config(str(tmp_path / "a.log"), key)))
        assert status != 0
        assert "shorter than 32 bytes" in out


@pytest.fixture
def open_folder():
    """A folder that httpd's User may write in, as rotation needs."""
    import pathlib
    import tempfile
    folder = tempfile.mkdtemp(prefix="extranet-audit-")
    os.chmod(folder, 0o777)
    yield pathlib.Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def small_disk(open_folder):
    """A 256 KiB tmpfs that httpd's User can reach; skips when mounting is
    not allowed."""
    mount = open_folder / "disk"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755",
                           "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs: %s" % proc.stderr.decode().strip())
    yield str(mount)
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder):
    """Fill the file system of FOLDER; returns the filler's path."""
    filler = os.path.join(folder, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


class TestRunTimeFailure:

    @pytest.mark.log_allow(RUNTIME_FAILURE_LOG)
    def test_deny_answers_503_until_space_returns(self, httpd, small_disk, tmp_path):
        log = os.path.join(small_disk, "audit.log")
        key = write_key(str(tmp_path / "k"), KEY_TEXT)
        httpd.configure(httpd.standard_config(audit_config(log, key)))
        client = sign_in(httpd)
        assert client.get("/raad/agenda.pdf").status_code == 200
        filler = fill(small_disk)
        # A process looks at the free space at most every 10 ms.
        time.sleep(0.05)
        assert client.get("/raad/agenda.pdf").status_code == 503
        os.unlink(filler)
        time.sleep(0.05)
        # The first request after the space returned may still be refused:
        # its own record, once written, clears the failure.
        statuses = []
        for _ in range(3):
            statuses.append(client.get("/raad/agenda.pdf").status_code)
            time.sleep(0.05)
        assert statuses[-1] == 200, statuses
        assert statuses.count(503) <= 1, statuses
        wait_for_records(log, 5)
        events = [(r["event"], r.get("reason")) for r in read_records(log)]
        assert ("denied", "audit_unavailable") in events
        result = tool("verify", "--key", key, log)
        assert result.returncode == 0, result.stdout

    @pytest.mark.log_allow(RUNTIME_FAILURE_LOG)
    def test_log_mode_serves_and_logs_error(self, httpd, small_disk, tmp_path):
        log = os.path.join(small_disk, "audit.log")
        httpd.configure(httpd.standard_config(
            audit_config(log, extra="ExtranetAuditOnFailure log\n")))
        client = sign_in(httpd)
        filler = fill(small_disk)
        mark = httpd.error_log_mark()
        # The last page of the log may still have room for a few records.
        for _ in range(30):
            assert client.get("/raad/agenda.pdf").status_code == 200
        time.sleep(0.3)
        os.unlink(filler)
        assert any("XN0602" in line for line in httpd.error_log_since(mark))


class TestRotationAndSinks:

    def test_size_rotation_keeps_chain(self, httpd, tmp_path, open_folder):
        folder = open_folder
        log = str(folder / "audit.log")
        key = write_key(str(tmp_path / "k"), KEY_TEXT)
        httpd.configure(httpd.standard_config(
            audit_config(log, key, extra="ExtranetAuditRotate 64K\n")))
        client = sign_in(httpd)
        for _ in range(250):
            client.get("/raad/agenda.pdf")
        time.sleep(0.5)
        rotated = sorted(str(p) for p in folder.iterdir() if p.name != "audit.log")
        assert rotated, "no rotated file"
        files = rotated + [log]
        result = tool("verify", "--key", key, *files)
        assert result.returncode == 0, result.stdout
        assert "OK: 252 records verified, 2 anchors" in result.stdout
        alone = tool("verify", "--key", key, log)
        assert alone.returncode == 0, alone.stdout
        first = json.loads(read_lines(log)[0])
        assert first["event"] == "chain_start"
        assert first["reason"] == "rotate"

    def test_piped_sink_verifies(self, httpd, tmp_path):
        out = str(tmp_path / "piped.log")
        key = write_key(str(tmp_path / "k"), KEY_TEXT)
        httpd.configure(httpd.standard_config(
            audit_config("|/bin/sh -c 'cat >> %s'" % out, key)))
        client = sign_in(httpd)
        client.get("/raad/agenda.pdf")
        wait_for_records(out, 4)
        result = tool("verify", "--key", key, out)
        assert result.returncode == 0, result.stdout


    def test_syslog_sink_seals_records(self, httpd, tmp_path):
        """A socket at /dev/log stands in for a syslog daemon where there is
        none; the checkpoints show that the records were sealed in order."""
        key = write_key(str(tmp_path / "k"), KEY_TEXT)
        checkpoints = str(tmp_path / "cp.log")
        with SyslogListener():
            httpd.configure(httpd.standard_config(audit_config(
                "syslog:local3", key,
                'ExtranetAuditCheckpoint "%s" 2 60' % checkpoints)))
            client = sign_in(httpd)
            for _ in range(3):
                assert client.get("/raad/agenda.pdf").status_code == 200
            lines = wait_for_records(checkpoints, 3)
            httpd.stop()
        seqs = [json.loads(line)["seq"] for line in lines]
        assert seqs == [1, 3, 5]


class TestConcurrency:

    def test_5000_requests_from_50_connections(self, trail):
        server, paths = trail
        client = sign_in(server)
        access_mark = os.path.getsize(os.path.join(server.rundir, "access_log"))
        start = len(wait_for_records(paths["log"], 3))
        counts = hammer(server.port, "extranet_session=" + client.cookie,
                        "/raad/agenda.pdf", 50, 100)
        assert counts == {200: 5000}, counts
        lines = wait_for_records(paths["log"], start + 5000, timeout=30)
        time.sleep(0.3)
        lines = read_lines(paths["log"])
        with open(os.path.join(server.rundir, "access_log"), "rb") as f:
            f.seek(access_mark)
            served = [l for l in f.read().splitlines() if b"/raad/agenda.pdf" in l]
        audited = [l for l in lines[start:] if b'"event":"access"' in l]
        assert len(audited) == len(served) == 5000
        assert all(l.endswith(b"}\n") for l in lines)
        result = verify(paths)
        assert result.returncode == 0, result.stdout


def processes_of(server):
    """Return {pid: (open file paths, thread count)} for the httpd parent's
    child processes."""
    result = {}
    for pid in server.child_pids():
        try:
            fd_dir = "/proc/%d/fd" % pid
            paths = set()
            for fd in os.listdir(fd_dir):
                try:
                    paths.add(os.readlink(os.path.join(fd_dir, fd)))
                except OSError:
                    pass
            threads = len(os.listdir("/proc/%d/task" % pid))
        except OSError:
            continue
        result[pid] = (paths, threads)
    return result


def writer_pid(server, log):
    holders = [pid for pid, (paths, _) in processes_of(server).items() if log in paths]
    assert len(holders) == 1, holders
    return holders[0]


class TestWriter:
    """One writer process per audit log seals and writes what the children
    send through a pipe."""

    def test_only_the_writer_holds_the_log(self, trail):
        server, paths = trail
        sign_in(server)
        wait_for_records(paths["log"], 3)
        procs = processes_of(server)
        writer = writer_pid(server, paths["log"])
        assert procs[writer][1] == 1
        children = [pid for pid, (_, threads) in procs.items() if threads > 1]
        assert children
        for pid in children:
            assert paths["log"] not in procs[pid][0]
            assert paths["checkpoints"] not in procs[pid][0]

    @pytest.mark.log_allow(r"XN1014")
    def test_killed_writer_is_replaced(self, trail):
        server, paths = trail
        client = sign_in(server)
        wait_for_records(paths["log"], 3)
        old = writer_pid(server, paths["log"])
        os.kill(old, signal.SIGKILL)
        for _ in range(20):
            assert client.get("/raad/agenda.pdf").status_code == 200
        records = records_after(paths["log"], 21, start=3)
        # The new writer first records that the old one ended unexpectedly.
        assert [r["event"] for r in records] == ["writer_lost"] + ["access"] * 20
        assert [r["seq"] for r in records] == list(range(3, 24))
        deadline = time.monotonic() + 5
        while writer_pid(server, paths["log"]) == old and time.monotonic() < deadline:
            time.sleep(0.05)
        assert writer_pid(server, paths["log"]) != old
        assert verify(paths).returncode == 0

    def test_stop_writes_every_record(self, trail):
        server, paths = trail
        client = sign_in(server)
        start = len(wait_for_records(paths["log"], 3))
        counts = hammer(server.port, "extranet_session=" + client.cookie,
                        "/raad/agenda.pdf", 10, 50)
        assert counts == {200: 500}, counts
        server.stop()
        lines = read_lines(paths["log"])
        assert len([l for l in lines[start:] if b'"event":"access"' in l]) == 500
        assert verify(paths).returncode == 0

    def test_graceful_restart_under_load(self, trail):
        server, paths = trail
        client = sign_in(server)
        mark = server.error_log_mark()
        start = len(wait_for_records(paths["log"], 3))
        access_mark = os.path.getsize(os.path.join(server.rundir, "access_log"))
        results = {}
        load = threading.Thread(target=lambda: results.update(hammer(
            server.port, "extranet_session=" + client.cookie, "/raad/agenda.pdf", 10, 100)))
        load.start()
        time.sleep(0.2)
        graceful_restart(server)
        load.join()
        server.stop()
        with open(os.path.join(server.rundir, "access_log"), "rb") as f:
            f.seek(access_mark)
            served = [l for l in f.read().splitlines()
                      if b"/raad/agenda.pdf" in l and b'" 200 ' in l]
        lines = read_lines(paths["log"])[start:]
        audited = [l for l in lines if b'"event":"access"' in l]
        assert len(audited) == len(served) == results.get(200, 0)
        assert verify(paths).returncode == 0
        assert not [l for l in server.error_log_since(mark) if "lost child" in l]


class TestTool:

    @pytest.fixture
    def log(self, trail):
        server, paths = trail
        accounts = harness.read_accounts()
        client = sign_in(server)
        client.get("/raad/agenda.pdf")
        client.get("/personeel/x.pdf")
        other = server.client()
        other.login("raadslid", "fout")
        wait_for_records(paths["log"], 6)
        assert accounts
        return paths

    def test_show_filters(self, log):
        out = tool("show", "--format", "json", "--user", "raadslid", "--event",
                   "access,denied", log["log"]).stdout.splitlines()
        events = [json.loads(l)["event"] for l in out]
        assert events == ["access", "denied"]
        out = tool("show", "--format", "json", "--path", "/raad/", log["log"]).stdout
        assert [json.loads(l)["path"] for l in out.splitlines()] == ["/raad/agenda.pdf"]
        out = tool("show", "--format", "json", "--role", "raad", "--since", "2000-01-01",
                   "--until", "2100-01-01", log["log"]).stdout
        assert len(out.splitlines()) == 3

    def test_csv_uses_semicolon_and_bom(self, log):
        out = tool("show", "--format", "csv", "--bom", log["log"]).stdout
        assert out.startswith("\ufefftime;event;user;")
        out = tool("show", "--format", "csv", "--separator", ",", log["log"]).stdout
        assert out.startswith("time,event,user,")

    def test_reports(self, log):
        docs = tool("report", "documents", log["log"])
        assert docs.returncode == 0
        assert "/raad/agenda.pdf" in docs.stdout
        assert "raadslid (1)" in docs.stdout
        users = tool("report", "users", "--format", "json", log["log"]).stdout
        row = [json.loads(l) for l in users.splitlines() if '"raadslid"' in l][0]
        assert row["access"] == 1
        assert row["denied"] == 1
        assert row["login_failed"] == 1

    def test_html_report_is_self_contained(self, log):
        target = os.path.join(log["folder"], "report.html")
        result = tool("html", "--output", target, log["log"])
        assert result.returncode == 0, result.stderr
        with open(target, encoding="utf-8") as f:
            text = f.read()
        assert "<svg" in text
        assert "/raad/agenda.pdf" in text
        assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in text
        assert "<script" not in text

    def test_help_in_english_and_dutch(self):
        assert "Usage: extranet-audit" in tool("help").stdout
        assert "Gebruik: extranet-audit" in tool("--help", env={"LANG": "nl_BE.UTF-8"}).stdout

    def test_prune_keeps_log_verifiable(self, log):
        lines = read_lines(log["log"])
        cut = json.loads(lines[4])["time"]
        pruned = os.path.join(log["folder"], "pruned.log")
        result = tool("prune", "--key", log["key"], "--before", cut, "--output",
                      pruned, log["log"])
        assert result.returncode == 0, result.stderr
        kept = read_records(pruned)
        assert kept[0]["event"] == "prune"
        check = tool("verify", "--key", log["key"], pruned)
        assert check.returncode == 0, check.stdout
