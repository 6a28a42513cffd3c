"""Start the demo directory and two httpd instances for the browser tests,
print their base URLs as one JSON line, and stop them when stdin closes.

The first httpd is the standard test configuration with branding, an admin
role and low throttling limits, so every page can be reached. The second
points at a directory port where nothing listens, for the "unavailable"
page. Run by pages.test.mjs; the servers write to OUTPUT/run.
"""

import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402

BRANDING = """\
ExtranetBrandingLogo /publiek/logo.svg "Gemeente Zonnedorp"
ExtranetBrandingColor "#7a1f5c"
ExtranetBrandingHelp nl "Lukt het aanmelden niet? Neem contact op met de ICT-dienst op 050 12 34 56."
ExtranetBrandingHelp fr "Un probl\u00e8me de connexion ? Contactez le service informatique au 050 12 34 56."
ExtranetBrandingHelp en "Trouble signing in? Contact the IT service on 050 12 34 56."
ExtranetAdminRole beheer
ExtranetThrottleAccount 1 3
ExtranetThrottleBlock 600
"""

LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40">'
        '<rect width="160" height="40" fill="#ffffff"/>'
        '<text x="8" y="27" font-size="18" fill="#7a1f5c">Zonnedorp</text></svg>')


def served_copy(folder):
    """Copy the demo pages and the service password where www-data can read
    them, as the integration tests' served_files fixture does."""
    os.chmod(folder, 0o755)
    htdocs = os.path.join(folder, "htdocs")
    shutil.copytree(harness.HTDOCS, htdocs)
    with open(os.path.join(htdocs, "publiek", "logo.svg"), "w", encoding="utf-8") as f:
        f.write(LOGO)
    for path in [os.path.join(d, n) for d, dirs, files in os.walk(folder) for n in dirs + files]:
        os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
    password_file = os.path.join(folder, "extranet.pw")
    shutil.copyfile(harness.SERVICE_PASSWORD_FILE, password_file)
    os.chmod(password_file, 0o600)
    return htdocs, password_file


def main():
    output = os.environ.get("BROWSER_OUTPUT", os.path.join(HERE, "output"))
    run = os.path.join(output, "run")
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    folder = tempfile.mkdtemp(prefix="extranet-browser-")
    htdocs, password_file = served_copy(folder)
    module = os.path.join(run, "mod_extranet.so")
    shutil.copyfile(harness.MODULE, module)

    ldap = harness.LdapServer(os.path.join(run, "ldap"), harness.free_port())
    servers = []
    try:
        ldap.start()
        main_server = harness.HttpdServer(os.path.join(run, "httpd"), harness.free_port(),
                                          ldap.url, htdocs=htdocs,
                                          password_file=password_file, module=module)
        main_server.configure(main_server.standard_config(extra=BRANDING))
        servers.append(main_server)
        down_url = "ldap://127.0.0.1:%d/" % harness.free_port()
        down = harness.HttpdServer(os.path.join(run, "httpd-down"), harness.free_port(),
                                   down_url, htdocs=htdocs, password_file=password_file,
                                   module=module)
        down.configure(down.standard_config(extra=BRANDING))
        servers.append(down)
        print(json.dumps({"base": main_server.base_url, "down": down.base_url}), flush=True)
        sys.stdin.read()
    finally:
        for server in servers:
            server.stop()
        ldap.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
