#!/usr/bin/python3
"""Write the demo PDF documents under htdocs/.

Each document is a one-page PDF 1.4 file with Helvetica text, written with
the standard library only, so the demo needs no PDF tool. `pdfinfo` and
`pdftotext` (poppler-utils) read them.
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))

DOCUMENTS = {
    "raad/agenda.pdf": [
        "Gemeente Zonnedorp - Gemeenteraad",
        "Agenda van de zitting van dinsdag 15 december 2026 om 20 uur",
        "",
        "Openbare zitting",
        "1. Goedkeuring van het verslag van de vorige zitting",
        "2. Meerjarenplan 2026-2031: aanpassing nr. 4",
        "3. Budget 2027 van de politiezone Zonnedorp-Heide",
        "4. Reglement op de toelagen voor jeugdverenigingen",
        "5. Mondelinge vragen van de raadsleden",
        "",
        "Besloten zitting",
        "6. Personeel: aanstelling van een diensthoofd burgerzaken",
    ],
    "raad/notulen-2026-11-17.pdf": [
        "Gemeente Zonnedorp - Gemeenteraad",
        "Notulen van de zitting van 17 november 2026",
        "",
        "Aanwezig: de voorzitter, de burgemeester, de schepenen en 21 raadsleden.",
        "Punt 1: het verslag van de vorige zitting wordt goedgekeurd.",
        "Punt 2: het belastingreglement op tweede verblijven wordt verlengd.",
        "Stemming: 17 stemmen voor, 6 tegen, 2 onthoudingen.",
    ],
    "college/besluitenlijst-2026-11-27.pdf": [
        "Gemeente Zonnedorp - College van burgemeester en schepenen",
        "Besluitenlijst van de zitting van 27 november 2026",
        "",
        "1. Omgevingsvergunning Dorpsstraat 12: verleend onder voorwaarden.",
        "2. Gunning van de opdracht wegenwerken Kerkweg.",
        "3. Evenementenvergunning kerstmarkt op het Marktplein.",
    ],
    "college/besluitenlijst-2026-12-04.pdf": [
        "Gemeente Zonnedorp - College van burgemeester en schepenen",
        "Besluitenlijst van de zitting van 4 december 2026",
        "",
        "1. Goedkeuring van de facturen, lijst nr. 47.",
        "2. Aanvraag subsidie voor de renovatie van de sporthal.",
    ],
    "personeel/x.pdf": [
        "Gemeente Zonnedorp - Dienst personeel",
        "Arbeidsreglement, bijlage X: telewerk",
        "",
        "Personeelsleden mogen tot twee dagen per week telewerken.",
        "Het diensthoofd keurt de telewerkdagen goed.",
        "Vertrouwelijk: enkel voor personeelsleden.",
    ],
    "personeelsblad/personeelsblad-2026-12.pdf": [
        "Het Zonneblad - personeelsblad van Gemeente Zonnedorp",
        "Nummer 48, december 2026",
        "",
        "Nieuwe collega's bij de dienst burgerzaken.",
        "Terugblik op de personeelsdag in het gemeentepark.",
        "Kerstfeest op vrijdag 18 december in de raadzaal.",
    ],
    "publiek/openingsuren.pdf": [
        "Gemeente Zonnedorp - Openingsuren van het gemeentehuis",
        "",
        "Maandag tot vrijdag: 8.30 tot 12 uur",
        "Woensdag ook: 13.30 tot 19 uur",
        "Zaterdag: gesloten",
    ],
}


def escape_text(line):
    """Escape a line for a PDF literal string; Latin-1 covers Dutch text."""
    raw = line.encode("latin-1")
    out = bytearray()
    for b in raw:
        if b in b"()\\":
            out += b"\\" + bytes([b])
        elif b >= 0x80:
            out += b"\\%03o" % b
        else:
            out.append(b)
    return bytes(out)


def make_pdf(lines):
    content = bytearray(b"BT\n/F1 16 Tf\n56 780 Td\n")
    for index, line in enumerate(lines):
        if index == 1:
            content += b"/F1 11 Tf\n"
        content += b"(" + escape_text(line) + b") Tj\n0 -18 Td\n"
    content += b"ET\n"

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        b"/Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + bytes(content) + b"endstream",
        b"<< /Title (" + escape_text(lines[0]) + b") /Producer (Gemeente Zonnedorp demo) >>",
    ]

    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n" % (len(objects) + 1)
    pdf += b"0000000000 65535 f \n"
    for offset in offsets:
        pdf += b"%010d 00000 n \n" % offset
    pdf += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, len(objects))
    pdf += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(pdf)


def main():
    for name, lines in DOCUMENTS.items():
        path = os.path.join(HERE, "htdocs", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(make_pdf(lines))


if __name__ == "__main__":
    main()
