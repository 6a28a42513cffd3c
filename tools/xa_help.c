/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <stdlib.h>
#include <string.h>

#include "xa_record.h"

static const char usage_en[] =
"Usage: extranet-audit COMMAND [OPTIONS] FILE...\n"
"\n"
"Reads the audit log of mod_extranet. FILE may be several files in order\n"
"(rotated files first) or - for standard input. Files compressed with\n"
"gzip (logrotate's audit.log.2.gz) are read as they are.\n"
"\n"
"Commands:\n"
"  verify  --key KEYFILE [--key OLDKEY]... [--checkpoints FILE] [--quiet] FILE...\n"
"          Check the chain: reports the first changed, removed, reordered,\n"
"          inserted or truncated record. Exit status 0 when intact, 1 when not.\n"
"  show    [FILTERS] [--format json|csv|table] [--separator C] [--bom] FILE...\n"
"          Print the records that pass the filters (default format: table).\n"
"  report  documents|users [FILTERS] [--format table|csv|json] FILE...\n"
"          Per document: who opened it and when. Per user: an activity summary.\n"
"  html    [FILTERS] [--output FILE] [--title TEXT] FILE...\n"
"          One self-contained HTML report with a timeline chart (no network).\n"
"  prune   --key KEYFILE --before DATE --output NEWFILE FILE\n"
"          Remove the records before DATE; NEWFILE starts with a signed\n"
"          anchor record, so it still verifies.\n"
"  help    Print this text.\n"
"\n"
"Filters:\n"
"  --user NAME        records of this user name (exact)\n"
"  --role ROLE        records of users holding this role\n"
"  --path PREFIX      records whose path starts with PREFIX\n"
"  --event EVENT      this event; repeat or separate with commas\n"
"  --since TIME       from TIME: 2026-03-12, 2026-03-12T19:30 (local time)\n"
"  --until TIME       before TIME\n"
"\n"
"CSV uses ';' by default, which Excel expects in Belgian and Dutch locales;\n"
"--separator , changes it, --bom adds a UTF-8 byte order mark.\n"
"The language of this help follows LC_ALL, LC_MESSAGES or LANG (nl: Dutch).\n"
"See extranet-audit(1).\n";

static const char usage_nl[] =
"Gebruik: extranet-audit OPDRACHT [OPTIES] BESTAND...\n"
"\n"
"Leest het auditlogboek van mod_extranet. Geef meerdere bestanden in\n"
"volgorde op (geroteerde bestanden eerst), of - voor standaardinvoer.\n"
"Met gzip gecomprimeerde bestanden (audit.log.2.gz van logrotate) worden\n"
"zo gelezen, zonder ze eerst uit te pakken.\n"
"\n"
"Opdrachten:\n"
"  verify  --key SLEUTEL [--key OUDESLEUTEL]... [--checkpoints BESTAND] [--quiet] BESTAND...\n"
"          Controleert de keten: meldt het eerste gewijzigde, verwijderde,\n"
"          verplaatste, ingevoegde of afgekapte record. Afsluitcode 0 als\n"
"          alles klopt, 1 als niet.\n"
"  show    [FILTERS] [--format json|csv|table] [--separator T] [--bom] BESTAND...\n"
"          Toont de records die door de filters komen (standaard: tabel).\n"
"  report  documents|users [FILTERS] [--format table|csv|json] BESTAND...\n"
"          Per document: wie het opende en wanneer. Per gebruiker: een\n"
"          overzicht van de activiteit.\n"
"  html    [FILTERS] [--output BESTAND] [--title TEKST] BESTAND...\n"
"          Eén zelfstandig HTML-rapport met een tijdlijn (geen netwerk nodig).\n"
"  prune   --key SLEUTEL --before DATUM --output NIEUWBESTAND BESTAND\n"
"          Verwijdert de records van voor DATUM; NIEUWBESTAND begint met een\n"
"          ondertekend ankerrecord, zodat het controleerbaar blijft.\n"
"  help    Toont deze tekst.\n"
"\n"
"Filters:\n"
"  --user NAAM        records van deze gebruikersnaam (exact)\n"
"  --role ROL         records van gebruikers met deze rol\n"
"  --path BEGIN       records waarvan het pad met BEGIN begint\n"
"  --event GEBEURTENIS  deze gebeurtenis; herhaal of scheid met komma's\n"
"  --since TIJD       vanaf TIJD: 2026-03-12, 2026-03-12T19:30 (lokale tijd)\n"
"  --until TIJD       voor TIJD\n"
"\n"
"CSV gebruikt standaard ';', zoals Excel in Belgische en Nederlandse\n"
"instellingen verwacht; --separator , wijzigt dat, --bom zet een UTF-8\n"
"byte order mark vooraan.\n"
"De taal van deze hulp volgt LC_ALL, LC_MESSAGES of LANG (nl: Nederlands).\n"
"Zie extranet-audit(1).\n";

int xa_dutch(void)
{
    static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
    int i;

    for (i = 0; i < 3; i++) {
        const char *value = getenv(vars[i]);

        if (value && *value) {
            return strncmp(value, "nl", 2) == 0;
        }
    }
    return 0;
}

void xa_usage(FILE *out)
{
    fputs(xa_dutch() ? usage_nl : usage_en, out);
}
