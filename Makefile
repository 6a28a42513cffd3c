# mod_extranet build, test and demo targets.
#
#   make            build the module and the core library
#   make test       install missing packages, build, run unit and integration tests
#   make demo       start slapd and httpd with the demo municipality on port 8080
#   make demo-stop  stop them
#   make bench      throughput ratios against plain httpd and mod_authnz_ldap,
#                   and of the link filter against mod_proxy_html

APXS      ?= apxs
CC        ?= cc
BUILD     := build
PYTHON    ?= /usr/bin/python3

APR_CFLAGS := $(shell apr-1-config --includes --cppflags 2>/dev/null) \
              $(shell apu-1-config --includes 2>/dev/null)
APR_LIBS   := $(shell apr-1-config --link-ld --libs 2>/dev/null) \
              $(shell apu-1-config --link-ld 2>/dev/null)

WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
CORE_CFLAGS := $(CFLAGS) $(WARN) -std=gnu99 -fPIC $(APR_CFLAGS)

CORE_SRC  := $(wildcard mod_extranet/core/*.c)
CORE_HDR  := $(wildcard mod_extranet/core/*.h)
CORE_OBJ  := $(patsubst mod_extranet/core/%.c,$(BUILD)/core/%.o,$(CORE_SRC))
CORE_LIB  := $(BUILD)/libxncore.a

MOD_SRC   := $(wildcard mod_extranet/*.c)
MOD_HDR   := $(wildcard mod_extranet/*.h)
MODULE    := $(BUILD)/mod_extranet.so

LINK_LIBS := -lldap -llber -lcrypto -lm -lz

TOOL_SRC  := $(wildcard tools/*.c)
TOOL_HDR  := $(wildcard tools/*.h)
TOOL      := $(BUILD)/extranet-audit

.PHONY: all build tools bench-audit unit unit-asan integration test deps demo demo-stop bench clean format \
        browser browser-deps bench-signin

all: build

build: $(MODULE) $(TOOL)

tools: $(TOOL)

# extranet-audit links the same core library as the module, so it seals and
# verifies the chain with the same code.
$(TOOL): $(TOOL_SRC) $(TOOL_HDR) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -std=gnu99 $(APR_CFLAGS) -Imod_extranet/core \
	    -o $@ $(TOOL_SRC) $(CORE_LIB) -lcrypto -lz $(APR_LIBS)

$(BUILD)/core/%.o: mod_extranet/core/%.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# apxs drives libtool, which writes its objects beside the sources; the
# finished module is copied out of .libs into build/.
$(MODULE): $(MOD_SRC) $(MOD_HDR) $(CORE_LIB)
	@mkdir -p $(BUILD)
	$(APXS) -c -o mod_extranet/mod_extranet.la \
	    -Wc,-std=gnu99 -Wc,-Wall -Wc,-Wextra -Wc,-Werror \
	    -Imod_extranet/core $(MOD_SRC) $(CORE_LIB) $(LINK_LIBS) >$(BUILD)/apxs.log 2>&1 \
	    || { cat $(BUILD)/apxs.log; exit 1; }
	cp mod_extranet/.libs/mod_extranet.so $@.tmp && mv -f $@.tmp $@

include tests/unit/unit.mk

# --------------------------------------------------------------------------
# Packages, integration tests and the demo
# --------------------------------------------------------------------------

# Debian packages needed to build, test and run the demo. poppler-utils
# provides pdfinfo, which the integration tests use to check the demo PDFs.
# samba and samba-ad-dc run the domain controller of the Active Directory
# tests.
DEB_PACKAGES := apache2 apache2-dev libldap-dev libxml2-dev libssl-dev slapd \
                ldap-utils check python3-pytest python3-requests wrk pkg-config \
                poppler-utils samba samba-ad-dc zlib1g-dev
# The sign-in tests: chromium for the browser tests, redis-server for the
# shared session store, openssl for a self-signed test certificate.
DEB_PACKAGES += chromium redis-server openssl
BROWSER_DIR := tests/browser

PORT      ?= 8080
LDAP_PORT ?= 3890

# Installs the packages that are missing. apt-get update runs only when
# something is missing. A temporary policy-rc.d keeps the maintainer scripts
# from starting Debian's own apache2 and slapd services, and any instance that
# runs anyway is stopped, so ports 80 and 389 stay free.
deps:
	@missing=""; \
	for pkg in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' "$$pkg" 2>/dev/null | grep -qx 'install ok installed' \
	        || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all packages installed"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	policy=/usr/sbin/policy-rc.d; placed=""; \
	if [ ! -e "$$policy" ]; then \
	    printf '#!/bin/sh\nexit 101\n' >"$$policy" && chmod 755 "$$policy" && placed=1; \
	fi; \
	rc=0; \
	apt-get update -q && apt-get install -y -q -o Dpkg::Options::=--force-confdef \
	    -o Dpkg::Options::=--force-confold $$missing || rc=$$?; \
	if [ -n "$$placed" ]; then rm -f "$$policy"; fi; \
	for svc in apache2 slapd samba-ad-dc smbd nmbd; do \
	    if [ -x "/etc/init.d/$$svc" ] && "/etc/init.d/$$svc" status >/dev/null 2>&1; then \
	        echo "deps: stopping the $$svc service started by its package"; \
	        "/etc/init.d/$$svc" stop || true; \
	    fi; \
	done; \
	exit $$rc
	@$(MAKE) --no-print-directory browser-deps

# Node.js and npm come from Debian unless a node with npm is already there
# (NodeSource's nodejs package bundles npm and conflicts with Debian's npm).
# npm ci installs exactly the versions of tests/browser/package-lock.json.
browser-deps:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	    echo "deps: installing nodejs npm"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -q && apt-get install -y -q nodejs npm; \
	fi
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund

# Accessibility and layout of the pages in headless Chromium, after
# "make build". Screenshots go to tests/browser/output/screenshots.
browser: build
	cd $(BROWSER_DIR) && node --test

integration: build
	$(PYTHON) -m pytest -ra tests/integration

# deps runs first in its own make, so that variables computed from
# apr-1-config and friends are evaluated after the packages are installed.
test:
	$(MAKE) deps
	$(MAKE) build
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) integration
	$(MAKE) browser

demo: deps
	$(MAKE) build
	PORT=$(PORT) LDAP_PORT=$(LDAP_PORT) demo/start

demo-stop:
	demo/stop

bench: build
	bench/run
	bench/signin

# Cold sign-ins per second against mod_authnz_ldap (bench/signin).
bench-signin: build
	bench/signin

# The HTML link filter against mod_proxy_html; part of make bench.
.PHONY: bench-links
bench: bench-links
bench-links: build
	bench/links/run

# Throughput with and without the audit trail, side by side (part of bench).
bench: bench-audit
bench-audit: build
	bench/audit

clean:
	rm -rf $(BUILD) mod_extranet/.libs mod_extranet/*.la mod_extranet/*.lo \
	    mod_extranet/*.slo mod_extranet/*.o
