"""extranet-audit on gzip-compressed logs, the column layout of its text
reports, and the timeline and denials of its HTML report.

Most logs here are written by seal_log(), which seals records the way
mod_extranet does (docs/audit-log.md, "Tamper evidence"), so that dates,
names and damage can be chosen freely. TestRealLog reads a log that the
module wrote."""

import datetime
import gzip
import hashlib
import hmac
import json
import os
import re
import resource
import subprocess
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

import pytest

import harness
from audit_support import TOOL, audit_config, read_lines, wait_for_records, write_key

KEY_TEXT = "b3f1c0de9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817065f4e"
ZERO_CHAIN = "0" * 64
BRUSSELS = {"TZ": "Europe/Brussels"}
GZIP_ERROR = "not a readable gzip file"


@pytest.fixture(scope="module", autouse=True)
def tool_built():
    if not os.path.exists(TOOL):
        pytest.skip("%s is not built; run 'make tools'" % TOOL)


def run_tool(*args, stdin=None, env=None):
    """Run extranet-audit with ARGS, STDIN bytes and extra ENV; return the
    completed process with text output."""
    run_env = dict(os.environ, LANG="C", LC_ALL="", LC_MESSAGES="")
    run_env.update(env or {})
    result = subprocess.run([TOOL] + [str(a) for a in args], input=stdin,
                            capture_output=True, timeout=120, env=run_env)
    result.stdout = result.stdout.decode("utf-8")
    result.stderr = result.stderr.decode("utf-8")
    return result


# --------------------------------------------------------------------------
# Logs written by hand
# --------------------------------------------------------------------------

def record(time, event, **fields):
    """Return one record line without newline, fields in the given order."""
    values = {"time": time, "event": event}
    values.update(fields)
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False)


def access(time, user, path, event="access"):
    return record(time, event, user=user, roles="raad", client="127.0.0.1",
                  method="GET", path=path, status=200 if event == "access" else 404,
                  bytes=1000, request_id="r", host="localhost")


def chain_of(key, prev, body):
    return hmac.new(key, (prev + body).encode("utf-8"), hashlib.sha256).hexdigest()


def seal_log(records, key=KEY_TEXT, start_time=None):
    """Return the lines (bytes) of a sealed log: a chain_start anchor, then
    RECORDS with seq 1, 2, ..."""
    key = key.encode()
    key_id = hashlib.sha256(key).hexdigest()[:16]
    start_time = start_time or json.loads(records[0])["time"]
    body = record(start_time, "chain_start", reason="new_log", host="localhost")[:-1]
    body += ',"key_id":"%s","prev_seq":0,"prev_chain":"%s"' % (key_id, ZERO_CHAIN)
    lines = [body + ',"chain":"%s"}\n' % chain_of(key, ZERO_CHAIN, body)]
    prev = ZERO_CHAIN
    for seq, line in enumerate(records, 1):
        body = line[:-1] + ',"seq":%d' % seq
        prev = chain_of(key, prev, body)
        lines.append(body + ',"chain":"%s"}\n' % prev)
    return [l.encode("utf-8") for l in lines]


def local_time(moment):
    """Format MOMENT (aware datetime) as a record time."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.000%z")
    return text[:-2] + ":" + text[-2:]


def brussels(year, month, day, hour=9, minute=0):
    """Return an aware datetime in Belgian time (CET, or CEST from the last
    Sunday of March to the last Sunday of October, 2026 dates only)."""
    naive = datetime.datetime(year, month, day, hour, minute)
    summer = datetime.datetime(2026, 3, 29, 2) <= naive < datetime.datetime(2026, 10, 25, 3)
    return naive.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=2 if summer else 1)))


def council_records(count=60):
    """Records of three users on four documents, about five hours apart
    from 2 March 2026 on. raadslid is denied every time."""
    users = ["raadslid", "schepen.vanderstraeten", "jo"]
    paths = ["/raad/agenda.pdf", "/raad/begroting/2026/ontwerp-begroting-definitief.pdf",
             "/personeel/x.pdf", "/raad/é.pdf"]
    out = []
    for i in range(count):
        moment = brussels(2026, 3, 2, 8) + datetime.timedelta(minutes=293 * i)
        event = "denied" if users[i % 3] == "raadslid" else "access"
        out.append(access(local_time(moment), users[i % 3], paths[i % 4], event))
    return out


def write(path, lines, compress=False):
    data = b"".join(lines)
    if compress:
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


@pytest.fixture
def key(tmp_path):
    return write_key(str(tmp_path / "audit.key"), KEY_TEXT)


@pytest.fixture
def sealed(tmp_path):
    """A sealed log of council_records(), plain and gzip compressed.
    Returns (plain path, .gz path, lines)."""
    lines = seal_log(council_records())
    return (write(tmp_path / "audit.log", lines),
            write(tmp_path / "audit.log.2.gz", lines, compress=True), lines)


def damage(data, kind):
    """Return gzip DATA damaged in one of the ways a copy or a disk can."""
    data = bytearray(data)
    if kind == "truncated":
        return bytes(data[:len(data) // 2])
    if kind == "crc":
        data[-6] ^= 0x01
    elif kind == "deflate":
        data[len(data) // 2] ^= 0x10
    elif kind == "header":
        data[0] ^= 0xff
    elif kind == "empty":
        return b""
    return bytes(data)


DAMAGE_KINDS = ["truncated", "crc", "deflate", "header", "empty"]


# --------------------------------------------------------------------------
# gzip input
# --------------------------------------------------------------------------

class TestGzipInput:

    def test_verify_reads_gzip(self, key, sealed):
        plain, compressed, _ = sealed
        expected = run_tool("verify", "--key", key, plain)
        result = run_tool("verify", "--key", key, compressed)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout == expected.stdout
        assert result.stdout.startswith("OK: 60 records verified, 1 anchors")

    def test_verify_gzip_from_stdin(self, key, sealed):
        _, compressed, _ = sealed
        with open(compressed, "rb") as f:
            result = run_tool("verify", "--key", key, "-", stdin=f.read())
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("OK: 60 records verified")

    def test_verify_mixed_rotated_files(self, tmp_path, key, sealed):
        _, _, lines = sealed
        old = write(tmp_path / "audit.log.2.gz", lines[:20], compress=True)
        middle = write(tmp_path / "audit.log.1", lines[20:40])
        current = write(tmp_path / "audit.log", lines[40:])
        result = run_tool("verify", "--key", key, old, middle, current)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "last seq 60, 0 bad" in result.stdout

    def test_verify_finds_change_inside_gzip(self, tmp_path, key, sealed):
        _, _, lines = sealed
        changed = list(lines)
        changed[5] = changed[5].replace(b'"bytes":1000', b'"bytes":1001')
        path = write(tmp_path / "changed.log.gz", changed, compress=True)
        result = run_tool("verify", "--key", key, path)
        assert result.returncode == 1
        assert "changed.log.gz:6: FIRST BAD RECORD: chain value mismatch" in result.stdout
        assert "1 bad" in result.stdout

    def test_show_gzip_equals_plain(self, sealed):
        plain, compressed, _ = sealed
        expected = run_tool("show", "--format", "json", plain)
        result = run_tool("show", "--format", "json", compressed)
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected.stdout
        assert len(result.stdout.splitlines()) == 61

    @pytest.mark.parametrize("kind", ["documents", "users"])
    def test_report_gzip_equals_plain(self, sealed, kind):
        plain, compressed, _ = sealed
        for fmt in ("table", "csv", "json"):
            expected = run_tool("report", kind, "--format", fmt, plain)
            result = run_tool("report", kind, "--format", fmt, compressed)
            assert result.returncode == 0, result.stderr
            assert result.stdout == expected.stdout

    def test_html_gzip_equals_plain(self, tmp_path, sealed):
        plain, compressed, _ = sealed
        expected = run_tool("html", plain, env=BRUSSELS)
        result = run_tool("html", compressed, env=BRUSSELS)
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected.stdout

    def test_html_from_stdin(self, sealed):
        plain, compressed, _ = sealed
        expected = run_tool("html", plain, env=BRUSSELS)
        with open(compressed, "rb") as f:
            result = run_tool("html", "-", stdin=f.read(), env=BRUSSELS)
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected.stdout
        assert "/raad/agenda.pdf" in result.stdout

    def test_prune_reads_gzip(self, tmp_path, key, sealed):
        _, compressed, lines = sealed
        cut = json.loads(lines[31])["time"]
        pruned = str(tmp_path / "pruned.log")
        result = run_tool("prune", "--key", key, "--before", cut, "--output", pruned,
                          compressed)
        assert result.returncode == 0, result.stderr
        pruned_lines = read_lines(pruned)
        assert json.loads(pruned_lines[0])["event"] == "prune"
        assert pruned_lines[1:] == lines[31:]
        check = run_tool("verify", "--key", key, pruned)
        assert check.returncode == 0, check.stdout

    def test_checkpoints_from_gzip_syslog(self, tmp_path, key, sealed):
        plain, _, lines = sealed
        last = json.loads(lines[-1])
        checkpoint = record("2026-03-12T20:00:00.000+01:00", "checkpoint", path=plain,
                            seq=last["seq"], chain=last["chain"])
        syslog = [b"Mar 12 20:00:00 www extranet: other program line\n",
                  b"Mar 12 20:00:00 www extranet: " + checkpoint.encode() + b"\n"]
        checkpoints = write(tmp_path / "syslog.1.gz", syslog, compress=True)
        result = run_tool("verify", "--key", key, "--checkpoints", checkpoints, plain)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "checkpoints: 1 read, 1 matched" in result.stdout

    def test_overlong_line_is_one_bad_record(self, tmp_path, key, sealed):
        _, _, lines = sealed
        long_line = b'{"time":"2026-03-05T10:00:00.000+01:00","event":"access","x":"' \
            + b"a" * 70000 + b'"}\n'
        path = write(tmp_path / "long.log.gz", lines[:10] + [long_line] + lines[10:],
                     compress=True)
        result = run_tool("verify", "--key", key, path)
        assert result.returncode == 1
        assert "long.log.gz:11: FIRST BAD RECORD: the line is longer than 65536 bytes" \
            in result.stdout
        assert "60 records verified, 1 anchors, last seq 60, 1 bad" in result.stdout
        show = run_tool("show", "--format", "json", path)
        assert len(show.stdout.splitlines()) == 61
        assert "1 lines skipped" in show.stderr


class TestDamagedGzip:

    @pytest.fixture(params=DAMAGE_KINDS)
    def damaged(self, request, tmp_path, sealed):
        _, compressed, _ = sealed
        with open(compressed, "rb") as f:
            data = damage(f.read(), request.param)
        path = tmp_path / "audit.log.3.gz"
        path.write_bytes(data)
        return str(path)

    def test_verify_reports_read_error(self, key, damaged):
        result = run_tool("verify", "--key", key, damaged)
        assert result.returncode == 2
        assert "cannot read %s: %s" % (damaged, GZIP_ERROR) in result.stderr
        assert "gzip -t" in result.stderr
        assert "BAD RECORD" not in result.stdout
        assert "TRUNCATED" not in result.stdout
        assert result.stdout == ""

    def test_verify_keeps_reports_of_earlier_files(self, tmp_path, key, damaged):
        bad_plain = write(tmp_path / "other.log", [b"not a record\n"])
        result = run_tool("verify", "--key", key, bad_plain, damaged)
        assert result.returncode == 2
        assert "other.log:1: FIRST BAD RECORD" in result.stdout
        assert "audit.log.3.gz:" not in result.stdout
        assert GZIP_ERROR in result.stderr

    @pytest.mark.parametrize("command", [["show"], ["report", "documents"],
                                         ["report", "users"]])
    def test_reading_commands_fail(self, damaged, command):
        result = run_tool(*command, damaged)
        assert result.returncode == 2
        assert "cannot read %s: %s" % (damaged, GZIP_ERROR) in result.stderr
        assert "lines skipped" not in result.stderr

    def test_html_fails_without_output(self, tmp_path, damaged):
        target = tmp_path / "report.html"
        result = run_tool("html", "--output", target, damaged)
        assert result.returncode == 2
        assert GZIP_ERROR in result.stderr
        assert not target.exists()

    def test_prune_fails_without_output(self, tmp_path, key, damaged):
        target = tmp_path / "pruned.log"
        result = run_tool("prune", "--key", key, "--before", "2026-03-05", "--output",
                          target, damaged)
        assert result.returncode == 2
        assert GZIP_ERROR in result.stderr
        assert not target.exists()
        assert not (tmp_path / "pruned.log.tmp").exists()

    def test_damaged_stdin(self, key, sealed):
        _, compressed, _ = sealed
        with open(compressed, "rb") as f:
            data = damage(f.read(), "crc")
        result = run_tool("verify", "--key", key, "-", stdin=data)
        assert result.returncode == 2
        assert "cannot read standard input: %s (incorrect data check)" % GZIP_ERROR \
            in result.stderr
        assert result.stdout == ""


# The data segment limit (RLIMIT_DATA, which on Linux 4.7 and later also
# counts private writable mappings) under which the tool reads a 45 MB log.
# The tool needs about 3 MiB here, independent of the log size.
DATA_LIMIT = 8 * 1024 * 1024


def run_limited(*args):
    """Run extranet-audit with ARGS under DATA_LIMIT."""
    def limit():
        resource.setrlimit(resource.RLIMIT_DATA, (DATA_LIMIT, DATA_LIMIT))
    return subprocess.run([TOOL] + [str(a) for a in args], capture_output=True,
                          timeout=120, preexec_fn=limit, env=dict(os.environ, LANG="C"))


class TestMemory:

    @pytest.fixture(scope="class")
    def big_log(self, tmp_path_factory):
        """150,000 records of 50 documents in one gzip file. Returns the
        path and the unpacked size."""
        start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
        records = [access(local_time(start + datetime.timedelta(seconds=30 * i)),
                          "raadslid", "/raad/doc%d.pdf" % (i % 50))
                   for i in range(150000)]
        lines = seal_log(records)
        folder = tmp_path_factory.mktemp("big")
        return write(folder / "big.log.gz", lines, compress=True), sum(map(len, lines))

    @pytest.mark.parametrize("command", [["show", "--event", "denied"], ["report", "documents"],
                                         ["report", "users"], ["html"]])
    def test_reading_stays_under_limit(self, big_log, command):
        path, unpacked = big_log
        assert unpacked > 5 * DATA_LIMIT
        result = run_limited(*command, path)
        assert result.returncode == 0, result.stderr

    def test_verify_stays_under_limit(self, big_log, key):
        path, _ = big_log
        result = run_limited("verify", "--key", key, path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(b"OK: 150000 records verified")


# --------------------------------------------------------------------------
# Text reports
# --------------------------------------------------------------------------

CELL_RE = re.compile(r"\S+(?: \S+)*")


def cells(line):
    """Return the cells of a table line as (text, start, end), cells being
    separated by two or more blanks."""
    return [(m.group(0), m.start(), m.end()) for m in CELL_RE.finditer(line)]


def assert_columns_line_up(text, numeric):
    """Check that every cell of every row starts where its header starts
    (ends, for the NUMERIC column indexes)."""
    lines = text.splitlines()
    header = cells(lines[0])
    assert len(lines) > 1
    for line in lines[1:]:
        row = cells(line)
        assert len(row) in (len(header), len(header) - 1), line
        for i, (value, start, end) in enumerate(row):
            if i in numeric:
                assert end == header[i][2], (line, value, header[i])
            else:
                assert start == header[i][1], (line, value, header[i])
        assert line == line.rstrip()


class TestReportTable:

    @pytest.fixture
    def log(self, tmp_path):
        records = council_records()
        records.append(access("2026-03-13T09:00:00.000+01:00", "ëlise", "/raad/kort.pdf"))
        return write(tmp_path / "audit.log", seal_log(records))

    def test_documents_columns_line_up(self, log):
        result = run_tool("report", "documents", log)
        assert result.returncode == 0, result.stderr
        assert_columns_line_up(result.stdout, numeric={1, 2})
        lines = result.stdout.splitlines()
        assert lines[0].split() == ["path", "access", "denied", "first", "last", "users",
                                    "(opened)"]
        assert len(lines) == 6
        assert any("/raad/begroting/2026/ontwerp-begroting-definitief.pdf" in l for l in lines)

    def test_users_columns_line_up(self, log):
        result = run_tool("report", "users", log)
        assert result.returncode == 0, result.stderr
        assert_columns_line_up(result.stdout, numeric={1, 2, 3, 4})
        lines = result.stdout.splitlines()
        assert len(lines) == 5
        assert lines[-1].startswith("ëlise ")

    def test_long_path_keeps_alignment(self, tmp_path):
        long_path = "/raad/" + "zeer-lange-naam-" * 8 + ".pdf"
        records = [access("2026-03-12T19:00:00.000+01:00", "jo", long_path),
                   access("2026-03-12T19:01:00.000+01:00", "jo", "/a.pdf")]
        log = write(tmp_path / "audit.log", seal_log(records))
        result = run_tool("report", "documents", log)
        assert_columns_line_up(result.stdout, numeric={1, 2})
        assert long_path in result.stdout


# --------------------------------------------------------------------------
# HTML report
# --------------------------------------------------------------------------

# At most this many pixels per character of an axis label (font-size 11).
LABEL_CHAR_PX = 7


def timeline_svg(text):
    """Return the timeline's <svg> element, parsed."""
    start = text.index("<svg")
    end = text.index("</svg>") + len("</svg>")
    return ElementTree.fromstring(text[start:end])


def axis_labels(svg):
    """Return the axis labels as (x, text), left to right."""
    ns = "{http://www.w3.org/2000/svg}"
    labels = [(int(t.get("x")), t.text) for t in svg.iter(ns + "text")
              if int(t.get("x")) > 0]
    return sorted(labels)


def bar_titles(svg):
    ns = "{http://www.w3.org/2000/svg}"
    return [t.text for t in svg.iter(ns + "title")]


def html_report(tmp_path, records, env=BRUSSELS):
    log = write(tmp_path / "audit.log", seal_log(records))
    result = run_tool("html", log, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_labels_fit(svg, labels):
    width = int(svg.get("width"))
    for (x, text), following in zip(labels, labels[1:] + [None]):
        assert x + LABEL_CHAR_PX * len(text) <= width, (text, x, width)
        if following:
            assert x + LABEL_CHAR_PX * len(text) < following[0], (text, following)


class TestHtmlTimeline:

    def test_one_hour_label_fits(self, tmp_path):
        records = [access(local_time(brussels(2026, 3, 12, 19, 5 * i)), "raadslid",
                          "/raad/a.pdf") for i in range(5)]
        text = html_report(tmp_path, records)
        svg = timeline_svg(text)
        labels = axis_labels(svg)
        assert [t for _, t in labels] == ["12/03 19:00"]
        assert_labels_fit(svg, labels)
        assert "<p>Van 12/03/2026 19:00 tot 12/03/2026 19:20, per uur.</p>" in text
        assert bar_titles(svg) == ["12/03/2026 19:00-20:00: 5 geopend, 0 geweigerd, "
                                   "0 mislukte aanmeldingen"]

    def test_days_labelled_day_month(self, tmp_path):
        records = [access(local_time(brussels(2026, 1, 5) + datetime.timedelta(days=1.7 * i)),
                          "raadslid", "/raad/a.pdf") for i in range(60)]
        text = html_report(tmp_path, records)
        svg = timeline_svg(text)
        labels = axis_labels(svg)
        assert len(labels) >= 3
        assert labels[0][1] == "05/01"
        for _, label in labels:
            assert re.fullmatch(r"\d\d/\d\d", label), label
        assert_labels_fit(svg, labels)
        assert "per dag.</p>" in text
        assert "2026-" not in "".join(t for _, t in labels)

    def test_years_labelled_with_year(self, tmp_path):
        start = datetime.datetime(2020, 1, 5, 9, tzinfo=datetime.timezone.utc)
        records = [access(local_time(start + datetime.timedelta(days=30 * i)), "raadslid",
                          "/raad/a.pdf") for i in range(100)]
        text = html_report(tmp_path, records, env={"TZ": "UTC"})
        svg = timeline_svg(text)
        labels = axis_labels(svg)
        assert labels[0][1] == "05/01/2020"
        for _, label in labels:
            assert re.fullmatch(r"\d\d/\d\d/20\d\d", label), label
        assert_labels_fit(svg, labels)
        assert "per 30 dagen.</p>" in text

    @pytest.mark.parametrize("first_month", [3, 10])
    def test_days_across_clock_change(self, tmp_path, first_month):
        # Belgian clocks change on 29 March and 25 October 2026.
        days = [datetime.date(2026, first_month, 20) + datetime.timedelta(days=i)
                for i in range(20)]
        records = [access(local_time(brussels(day.year, day.month, day.day)), "raadslid",
                          "/raad/a.pdf") for day in days]
        svg = timeline_svg(html_report(tmp_path, records))
        dates = [t.split(":")[0] for t in bar_titles(svg)]
        assert dates == [day.strftime("%d/%m/%Y") for day in days]


class TableParser(HTMLParser):
    """Collects the tables of a page as lists of rows of (class, text)."""

    def __init__(self):
        super().__init__()
        self.tables = []
        self.cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = [dict(attrs).get("class"), ""]

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(tuple(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data


def document_table(text):
    """Return the per-document table as a list of {header: (class, text)}."""
    parser = TableParser()
    parser.feed(text)
    table = parser.tables[0]
    header = [t for _, t in table[0]]
    assert header[0] == "Document"
    return [dict(zip(header, row)) for row in table[1:]]


class TestHtmlDenied:

    @pytest.fixture
    def rows(self, tmp_path):
        records = [
            access("2026-03-12T19:00:00.000+01:00", "jo", "/raad/agenda.pdf"),
            access("2026-03-12T19:01:00.000+01:00", "raadslid", "/raad/agenda.pdf", "denied"),
            access("2026-03-12T19:02:00.000+01:00", "raadslid", "/raad/agenda.pdf", "denied"),
            access("2026-03-12T19:03:00.000+01:00", "<b>x</b>", "/raad/agenda.pdf", "denied"),
            access("2026-03-12T19:04:00.000+01:00", "raadslid", "/personeel/x.pdf", "denied"),
            access("2026-03-12T19:05:00.000+01:00", "jo", "/raad/kort.pdf"),
        ]
        text = html_report(tmp_path, records)
        assert "<b>x</b>" not in text
        return {row["Document"][1]: row for row in document_table(text)}

    def test_denied_listed_beside_opened(self, rows):
        row = rows["/raad/agenda.pdf"]
        assert row["Geopend door (aantal keer)"] == (None, "jo (1)")
        assert row["Geweigerd voor (aantal keer)"] == ("denied", "<b>x</b> (1), raadslid (2)")
        assert row["Geweigerd"] == (None, "3")

    def test_only_denied_document(self, rows):
        row = rows["/personeel/x.pdf"]
        assert row["Geopend"] == (None, "0")
        assert row["Geopend door (aantal keer)"] == (None, "")
        assert row["Geweigerd voor (aantal keer)"] == ("denied", "raadslid (1)")

    def test_never_denied_document(self, rows):
        row = rows["/raad/kort.pdf"]
        assert row["Geweigerd voor (aantal keer)"] == ("denied", "")


# --------------------------------------------------------------------------
# A log that the module wrote
# --------------------------------------------------------------------------

@pytest.mark.usefixtures("module_built")
class TestRealLog:

    @pytest.fixture
    def log(self, httpd, tmp_path):
        folder = tmp_path / "trail"
        folder.mkdir()
        os.chmod(folder, 0o755)
        log = str(folder / "audit.log")
        key = write_key(str(folder / "audit.key"), KEY_TEXT)
        httpd.configure(httpd.standard_config(audit_config(log, key)))
        accounts = harness.read_accounts()
        client = httpd.client()
        r = client.login("raadslid", accounts["raadslid"]["password"], "/")
        assert r.status_code == 303, r.text[:300]
        client.get("/raad/agenda.pdf")
        client.get("/personeel/x.pdf")
        wait_for_records(log, 5)
        compressed = str(folder / "audit.log.1.gz")
        with open(log, "rb") as f:
            write(compressed, [f.read()], compress=True)
        return log, compressed, key

    def test_verify_and_html_of_gzip(self, log):
        plain, compressed, key = log
        result = run_tool("verify", "--key", key, compressed)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout == run_tool("verify", "--key", key, plain).stdout
        page = run_tool("html", compressed, env=BRUSSELS)
        assert page.returncode == 0, page.stderr
        rows = {row["Document"][1]: row for row in document_table(page.stdout)}
        assert rows["/personeel/x.pdf"]["Geweigerd voor (aantal keer)"] == \
            ("denied", "raadslid (1)")
        assert rows["/raad/agenda.pdf"]["Geopend door (aantal keer)"] == \
            (None, "raadslid (1)")
