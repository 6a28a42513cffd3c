"""Pages, a backend and helpers for the HTML link filter tests.

Backend is a small HTTP server on 127.0.0.1 that mod_proxy forwards
/backend/ to. It serves fixed pages, some compressed, and records the
Accept-Encoding and Range headers it received.
"""

import gzip
import http.server
import os
import shutil
import tempfile
import threading
import time
import zlib

import harness

CP1252_PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="windows-1252">'
    '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    '<title>Caf\u00e9</title></head><body><p>Caf\u00e9 \u2013 \u20ac</p>'
    '<ul><li><a href="/raad/">Raad</a></li><li><a href="/personeel/">Personeel</a></li></ul>'
    '</body></html>\n').encode("cp1252")

UTF8_PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>x</title></head>'
    '<body><p>Caf\u00e9 \u20ac</p><ul><li><a href="/personeel/">Personeel</a></li>'
    '<li><a href="/raad/">Raad</a></li></ul></body></html>\n').encode("utf-8")

MENU_PAGE = (
    '<!DOCTYPE html>\n<html><head><title>Menu</title></head><body><nav><ul>'
    '<li><a href="/raad/">Gemeenteraad</a></li>'
    '<li><a href="/personeel/">Personeel</a></li>'
    '<li><a href="/personeelsblad/">Personeelsblad</a></li>'
    '</ul></nav></body></html>\n').encode("utf-8")


def link_page(links):
    """Return an HTML page with one list item per link in LINKS."""
    items = "".join('<li><a href="%s">link %d</a></li>\n' % (href, i)
                    for i, href in enumerate(links))
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>t</title></head>'
            '<body><ul>\n%s</ul></body></html>\n' % items).encode("utf-8")


class BackendHandler(http.server.BaseHTTPRequestHandler):
    """Serves the pages in server.pages: path -> (status, headers, body)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.seen.append({"path": self.path,
                                 "accept-encoding": self.headers.get("Accept-Encoding"),
                                 "range": self.headers.get("Range")})
        status, headers, body = self.server.pages.get(
            self.path, (404, {"Content-Type": "text/plain"}, b"not found"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        # A list body is sent in its pieces, apart in time, so the proxy
        # passes each piece on in a bucket of its own.
        pieces = body if isinstance(body, list) else [body]
        if status != 204:
            self.send_header("Content-Length", str(sum(len(p) for p in pieces)))
        self.end_headers()
        if status != 204:
            for piece in pieces:
                self.wfile.write(piece)
                self.wfile.flush()
                if len(pieces) > 1:
                    time.sleep(0.1)

    def log_message(self, *args):
        pass


class Backend:
    """A threaded HTTP server on 127.0.0.1 with fixed pages."""

    def __init__(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BackendHandler)
        self.server.daemon_threads = True
        self.server.pages = {}
        self.server.seen = []
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, path, body, content_type="text/html; charset=utf-8", status=200,
            headers=None):
        hdrs = {"Content-Type": content_type} if content_type else {}
        hdrs.update(headers or {})
        self.server.pages[path] = (status, hdrs, body)

    @property
    def seen(self):
        return self.server.seen

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def standard_backend():
    backend = Backend()
    backend.add("/gzip.html", gzip.compress(MENU_PAGE),
                headers={"Content-Encoding": "gzip"})
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    backend.add("/deflate.html", raw.compress(MENU_PAGE) + raw.flush(),
                headers={"Content-Encoding": "deflate"})
    backend.add("/br.html", b"\x1b\x03\x00\xf8\xa5\x40\x02", headers={"Content-Encoding": "br"})
    backend.add("/utf8.html", UTF8_PAGE, content_type="text/html")
    backend.add("/menu.html", MENU_PAGE)
    backend.add("/empty", b"", status=204)
    utf16 = "\ufeff<a href=\"/personeel/\">P</a>".encode("utf-16-le")
    backend.add("/utf16-split.html", [utf16[:1], utf16[1:]], content_type="text/html")
    backend.add("/utf16-gzip.html", gzip.compress(utf16), content_type="text/html",
                headers={"Content-Encoding": "gzip"})
    backend.add("/utf32.html", "\ufeff<a href=\"/personeel/\">P</a>".encode("utf-32-be"),
                content_type="text/html")
    members = MENU_PAGE.split(b'<li><a href="/personeel/">')
    backend.add("/gzip-members.html",
                gzip.compress(members[0]) + gzip.compress(b'<li><a href="/personeel/">' + members[1]),
                headers={"Content-Encoding": "gzip"})
    backend.add("/data.json", b'{"href": "/personeel/"}', content_type="application/json")
    return backend


def make_pages_dir():
    """Create a world-readable folder of test pages and return its path."""
    folder = tempfile.mkdtemp(prefix="extranet-links-")
    files = {
        "script.html": b'<p>x</p><script>if(a<b&&c>d){location="/personeel/"}</script>',
        "cp1252.html": CP1252_PAGE,
        "menu.html": MENU_PAGE,
        "truncated.html": b'<ul><li><a href="/raad/">Raad</a><li><a href="/perso',
        "tiny.html": b"<p>",
        "nul.html": b'<p>a\x00b</p><a href="/personeel/">P</a><p>c</p>',
        "nested.html": b"<div>" * 100000 + b'<a href="/personeel/">P</a>' + b"</div>" * 100000,
        "marked.html": (b'<p data-extranet-roles="personeel">Enkel personeel</p>'
                        b'<p data-extranet-roles="raad college">Raad en college</p><p>Open</p>'),
        "doc.docx": b"PK\x03\x04" + bytes(range(256)) * 64 + b'<a href="/personeel/">',
        "lijst/HEADER.html": b'<p><a href="/personeel/">Personeel</a> <a href="/raad/">Raad</a></p>',
        "lijst/notulen.txt": b"notulen\n",
        "ssi.shtml": b'<ul><!--#include virtual="menu-items.html" --></ul>',
        "menu-items.html": b'<li><a href="/personeel/">P</a></li><li><a href="/raad/">R</a></li>',
        "cgi/menu.cgi": (b"#!/bin/sh\nprintf 'Content-Type: text/html\\r\\n\\r\\n'\n"
                         b"printf '<ul><li><a href=\"/personeel/\">P</a></li>"
                         b"<li><a href=\"/raad/\">R</a></li></ul>'\n"),
    }
    for name, body in files.items():
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(body)
    for path in [folder] + [os.path.join(d, n) for d, dirs, fs in os.walk(folder)
                            for n in dirs + fs]:
        executable = os.path.isdir(path) or path.endswith(".cgi")
        os.chmod(path, 0o755 if executable else 0o644)
    return folder


def remove_pages_dir(folder):
    shutil.rmtree(folder, ignore_errors=True)


def links_config(server, pages, backend_port, extra=""):
    modules = harness.MODULES_DIR
    return server.standard_config("""
LoadModule proxy_module       {modules}/mod_proxy.so
LoadModule proxy_http_module  {modules}/mod_proxy_http.so
LoadModule deflate_module     {modules}/mod_deflate.so
LoadModule autoindex_module   {modules}/mod_autoindex.so
LoadModule cgid_module        {modules}/mod_cgid.so
LoadModule include_module     {modules}/mod_include.so
ScriptSock "{rundir}/cgid.sock"
ScriptAlias /cgi/ "{pages}/cgi/"
<Directory "{pages}/cgi">
    Options +ExecCGI
    Require all granted
</Directory>
ProxyPass /backend/ http://127.0.0.1:{backend}/
Alias /publiek/proef/ "{pages}/"
Alias /linktest/unwrap/ "{pages}/"
Alias /linktest/ "{pages}/"
<Directory "{pages}">
    Options Indexes Includes
    AddType text/html .shtml
    AddOutputFilter INCLUDES .shtml
    Require all granted
    AddType application/vnd.openxmlformats-officedocument.wordprocessingml.document .docx
    HeaderName HEADER.html
</Directory>
<Location /linktest/cp1252.html>
    AddDefaultCharset Off
</Location>
<Location /backend/utf8.html>
    AddDefaultCharset Off
</Location>
<Location /linktest/unwrap/>
    ExtranetLinkRemoval unwrap
</Location>
{extra}
""".format(modules=modules, backend=backend_port, pages=pages, extra=extra,
           rundir=server.rundir))
