"""The HTML link filter: links to pages a user may not open disappear from
pages served from files, directory listings and a reverse-proxied backend."""

import gzip
import os
import time

import pytest

import harness
import links_support as ls

pytestmark = pytest.mark.usefixtures("module_built")

COUNCILLOR = ("raadslid", "Raad2026!")
STAFF_ROLE_ATTRIBUTE = "data-extranet-roles"


@pytest.fixture(scope="module")
def backend():
    server = ls.standard_backend()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pages():
    folder = ls.make_pages_dir()
    yield folder
    ls.remove_pages_dir(folder)


@pytest.fixture
def links(httpd, pages, backend):
    httpd.configure(ls.links_config(httpd, pages, backend.port))
    return httpd


def sign_in(server, uid, password):
    client = server.client()
    r = client.login(uid, password, "/")
    assert r.status_code == 303, "%s: %d" % (uid, r.status_code)
    return client


def staff_account(accounts):
    return next((uid, a["password"]) for uid, a in accounts.items()
                if a["roles"] == ["personeel"])


@pytest.fixture
def councillor(links):
    return sign_in(links, *COUNCILLOR)


class TestBadInput:

    def test_script_passes_unchanged(self, councillor):
        r = councillor.get("/linktest/script.html")
        assert r.status_code == 200
        assert r.content == b'<p>x</p><script>if(a<b&&c>d){location="/personeel/"}</script>'

    @pytest.mark.parametrize("href", [
        "/Raad/../personeel/", "HTTP://127.0.0.1/personeel/", "//127.0.0.1/personeel/",
        "./../personeel/", "&#x2f;personeel/", "/personeel", "/%70ersoneel/"])
    def test_staff_spelling_removed(self, links, councillor, pages, href):
        name = "spelling-%d.html" % abs(hash(href))
        path = os.path.join(pages, name)
        with open(path, "wb") as f:
            f.write(ls.link_page([href, "/personeelsblad/"]))
        os.chmod(path, 0o644)
        r = councillor.get("/linktest/" + name)
        assert r.status_code == 200
        assert ('href="%s"' % href).encode() not in r.content
        assert b"link 0" not in r.content
        assert b'href="/personeelsblad/"' in r.content

    @pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "0x7f000001",
                                      "2130706433", "0177.0.0.1"])
    def test_server_address_removed_whatever_host(self, links, pages, host):
        href = "http://%s:%d/personeel/" % (host, links.port)
        name = "host-%s.html" % host
        path = os.path.join(pages, name)
        with open(path, "wb") as f:
            f.write(ls.link_page([href, "/personeelsblad/"]))
        os.chmod(path, 0o644)
        client = links.client()
        client.session.headers["Host"] = "other"
        assert client.login(*COUNCILLOR, "/").status_code == 303
        r = client.get("/linktest/" + name)
        assert r.status_code == 200
        assert ('href="%s"' % href).encode() not in r.content
        assert b'href="/personeelsblad/"' in r.content

    @pytest.mark.parametrize("page", [
        b'<svg><style></svg><ul><li><a href="/personeel/">P</a></li></ul>',
        b'<svg><title></svg><a href="/vriendenkring/">V</a>',
        b'<math><style></math><a href="/personeel/">P</a>'])
    def test_svg_and_mathml_content_filtered(self, councillor, pages, page):
        name = "foreign-%d.html" % abs(hash(page))
        path = os.path.join(pages, name)
        with open(path, "wb") as f:
            f.write(page + b'<a href="/personeelsblad/">B</a>')
        os.chmod(path, 0o644)
        r = councillor.get("/linktest/" + name)
        assert r.status_code == 200
        assert b'href="/personeel/"' not in r.content
        assert b'href="/vriendenkring/"' not in r.content
        assert b'href="/personeelsblad/"' in r.content

    def test_windows_1252_characters_kept(self, councillor):
        r = councillor.get("/linktest/cp1252.html")
        assert r.status_code == 200
        assert "Caf\u00e9 \u2013 \u20ac".encode("cp1252") in r.content
        assert b"/personeel/" not in r.content
        assert r.content.count(b"windows-1252") == 2
        assert "utf-8" not in r.headers.get("Content-Type", "").lower()

    @pytest.mark.parametrize("page", ["truncated.html", "tiny.html", "nul.html"])
    def test_broken_page_served(self, councillor, page):
        r = councillor.get("/linktest/" + page)
        assert r.status_code == 200
        assert b"/personeel/" not in r.content
        assert b"/perso" not in r.content

    def test_nul_byte_passes(self, councillor):
        r = councillor.get("/linktest/nul.html")
        assert r.content == b"<p>a\x00b</p><p>c</p>"

    def test_tiny_page_unchanged(self, councillor):
        assert councillor.get("/linktest/tiny.html").content == b"<p>"

    def test_empty_204_from_backend(self, councillor):
        r = councillor.get("/backend/empty")
        assert r.status_code == 204
        assert r.content == b""

    def test_deep_nesting_bounded_time(self, councillor):
        start = time.monotonic()
        r = councillor.get("/linktest/nested.html")
        elapsed = time.monotonic() - start
        assert r.status_code == 200
        assert len(r.content) == 1100000
        assert b"/personeel/" not in r.content
        assert elapsed < 5, elapsed

    def test_gzip_backend_filtered(self, councillor, backend):
        r = councillor.get("/backend/gzip.html", headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200
        assert "Content-Encoding" not in r.headers
        assert b"/personeel/\"" not in r.content
        assert b'href="/personeelsblad/"' in r.content
        assert backend.seen[-1]["accept-encoding"] == "identity"

    def test_gzip_compressed_again(self, councillor):
        r = councillor.get("/backend/gzip.html", headers={"Accept-Encoding": "gzip"},
                           stream=True)
        raw = r.raw.read()
        assert r.headers.get("Content-Encoding") == "gzip"
        body = gzip.decompress(raw)
        assert b'href="/personeel/"' not in body
        assert b'href="/raad/"' in body

    def test_gzip_members_all_filtered(self, councillor):
        r = councillor.get("/backend/gzip-members.html",
                           headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200
        assert b'href="/personeel/"' not in r.content
        assert b'href="/personeelsblad/"' in r.content
        assert r.content.endswith(b"</html>\n")

    def test_raw_deflate_backend_filtered(self, councillor):
        r = councillor.get("/backend/deflate.html", headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200
        assert b'href="/personeel/"' not in r.content
        assert b'href="/raad/"' in r.content

    @pytest.mark.log_allow(r"XN1103")
    def test_brotli_never_passed_through(self, councillor):
        r = councillor.get("/backend/br.html", headers={"Accept-Encoding": "br"})
        assert r.status_code == 502
        assert r.headers.get("Content-Encoding") != "br"

    @pytest.mark.log_allow(r"XN1106")
    @pytest.mark.parametrize("page", ["utf16-split.html", "utf16-gzip.html", "utf32.html"])
    def test_utf16_backend_rejected(self, councillor, page):
        r = councillor.get("/backend/" + page, headers={"Accept-Encoding": "identity"})
        assert r.status_code == 500
        assert "/personeel/".encode("utf-16-le") not in r.content

    def test_docx_byte_identical(self, councillor, pages):
        with open(os.path.join(pages, "doc.docx"), "rb") as f:
            expected = f.read()
        r = councillor.get("/linktest/doc.docx")
        assert r.status_code == 200
        assert r.content == expected

    def test_utf8_meta_without_http_charset(self, councillor):
        r = councillor.get("/backend/utf8.html")
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "text/html"
        assert "Caf\u00e9 \u20ac".encode("utf-8") in r.content
        assert b"\xc3\x83" not in r.content
        assert b'href="/personeel/"' not in r.content


class TestHeaders:

    def test_filtered_page_headers(self, councillor):
        r = councillor.get("/linktest/menu.html")
        assert "Content-Length" not in r.headers or \
            int(r.headers["Content-Length"]) == len(r.content)
        etag = r.headers.get("ETag")
        assert etag is None or etag.startswith("W/")
        assert "private" in r.headers.get("Cache-Control", "")
        assert "cookie" in r.headers.get("Vary", "").lower()

    def test_range_never_returns_raw_bytes(self, councillor):
        full = councillor.get("/linktest/menu.html").content
        r = councillor.get("/linktest/menu.html", headers={"Range": "bytes=0-199"})
        if r.status_code == 206:
            assert r.content == full[:200]
        else:
            assert r.status_code == 200
            assert r.content == full
        assert b"/personeel/\"" not in r.content

    def test_proxied_range_not_forwarded(self, councillor, backend):
        r = councillor.get("/backend/menu.html", headers={"Range": "bytes=0-99"})
        assert r.status_code in (200, 206)
        assert backend.seen[-1]["range"] is None
        assert b'href="/personeel/"' not in r.content

    def test_json_untouched(self, councillor):
        r = councillor.get("/backend/data.json")
        assert r.content == b'{"href": "/personeel/"}'

    def test_pdf_untouched(self, councillor):
        with open(os.path.join(harness.HTDOCS, "raad", "agenda.pdf"), "rb") as f:
            expected = f.read()
        assert councillor.get("/raad/agenda.pdf").content == expected


class TestPages:

    def test_councillor_home_without_staff_entries(self, councillor):
        r = councillor.get("/")
        assert r.status_code == 200
        assert b'href="/personeel/"' not in r.content
        assert b'href="/vriendenkring/"' not in r.content
        assert b'href="/personeelsblad/"' in r.content
        assert b'href="/raad/"' in r.content
        assert b"<li>" in r.content

    def test_staff_home_has_all_entries(self, links, accounts):
        staff = sign_in(links, *staff_account(accounts))
        r = staff.get("/")
        assert r.status_code == 200
        assert r.content.count(b'href="/personeel/"') == 2
        assert b'href="/vriendenkring/"' in r.content

    def test_autoindex_header_filtered(self, councillor):
        r = councillor.get("/linktest/lijst/")
        assert r.status_code == 200
        assert b"notulen.txt" in r.content
        assert b'href="/personeel/"' not in r.content
        assert b'href="/raad/"' in r.content

    def test_marked_blocks(self, links, councillor, accounts):
        r = councillor.get("/linktest/marked.html")
        assert r.content == b"<p>Raad en college</p><p>Open</p>"
        staff = sign_in(links, *staff_account(accounts))
        r = staff.get("/linktest/marked.html")
        assert r.content == b"<p>Enkel personeel</p><p>Open</p>"
        assert STAFF_ROLE_ATTRIBUTE.encode() not in r.content

    def test_anonymous_keeps_links_loses_marked_blocks(self, links):
        r = harness.raw_request(links.port, "GET", "/publiek/proef/marked.html")
        assert r.status == 200
        assert r.body == b"<p>Open</p>"
        r = harness.raw_request(links.port, "GET", "/publiek/proef/menu.html")
        assert r.body == ls.MENU_PAGE

    def test_server_side_include_filtered(self, councillor):
        r = councillor.get("/linktest/ssi.shtml")
        assert r.status_code == 200
        assert r.content == b'<ul><li><a href="/raad/">R</a></li></ul>'

    def test_cgi_output_filtered(self, councillor):
        r = councillor.get("/cgi/menu.cgi")
        assert r.status_code == 200
        assert r.content == b'<ul><li><a href="/raad/">R</a></li></ul>'

    def test_unwrap_mode(self, councillor):
        r = councillor.get("/linktest/unwrap/menu.html")
        assert b"<li>Personeel</li>" in r.content
        assert b'href="/personeel/"' not in r.content

    def test_filter_off(self, links, pages, backend):
        links.configure(ls.links_config(links, pages, backend.port,
                                        "<Location /linktest/>\n"
                                        "    ExtranetLinkFilter Off\n</Location>"))
        client = sign_in(links, *COUNCILLOR)
        r = client.get("/linktest/menu.html")
        assert b'href="/personeel/"' in r.content


class TestMemory:

    def test_large_page_bounded_memory(self, links, councillor, pages):
        path = os.path.join(pages, "large.html")
        item = b'<li><a href="/personeel/x.html">Personeel</a></li><li><a href="/raad/">R</a></li>\n'
        with open(path, "wb") as f:
            f.write(b"<ul>\n")
            for _ in range((50 * 1024 * 1024) // len(item)):
                f.write(item)
            f.write(b"</ul>\n")
        os.chmod(path, 0o644)
        councillor.get("/linktest/menu.html")
        before = links_rss(links)
        r = councillor.get("/linktest/large.html", stream=True)
        size = 0
        for chunk in r.iter_content(1 << 16):
            assert b"/personeel/" not in chunk
            size += len(chunk)
        growth = links_rss(links) - before
        print("50 MB page: RSS growth %d bytes" % growth)
        os.unlink(path)
        assert size > 15 * 1024 * 1024
        assert growth < 8 * 1024 * 1024, growth


def links_rss(server):
    """Return the summed anonymous RSS in bytes of httpd's children."""
    total = 0
    for pid in server.child_pids():
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("RssAnon:"):
                        total += int(line.split()[1]) * 1024
        except (OSError, IndexError, ValueError):
            continue
    return total


class TestConfig:

    @pytest.mark.parametrize("line, message", [
        ("ExtranetLinkRemoval drop", "ExtranetLinkRemoval: invalid value \"drop\""),
        ("ExtranetRoleAttribute 1x", "ExtranetRoleAttribute: invalid attribute name"),
        ("ExtranetLinkFilter maybe", "ExtranetLinkFilter"),
    ])
    def test_invalid_directive_rejected(self, httpd_server, line, message):
        status, output = httpd_server.config_test(httpd_server.standard_config(line))
        assert status != 0
        assert message in output
