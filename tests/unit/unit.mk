# C unit tests of the core library, included by the top Makefile.
#
#   make unit        build build/unit/xn_unit against build/libxncore.a and run it
#   make unit-asan   rebuild core and tests with ASan and UBSan, then run them
#
# All suites link into one Check runner, which exits non-zero on any failed
# test. CK_RUN_SUITE=path or CK_RUN_CASE=... selects part of it.

UNIT_SRC    := $(wildcard tests/unit/*.c)
UNIT_HDR    := tests/unit/unit.h
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS  := $(shell pkg-config --libs check 2>/dev/null)
UNIT_CFLAGS := $(CFLAGS) $(WARN) -std=gnu99 $(APR_CFLAGS) $(CHECK_CFLAGS) \
               -Imod_extranet/core
UNIT_LIBS   := -lcrypto $(APR_LIBS) $(CHECK_LIBS)
UNIT_BIN    := $(BUILD)/unit/xn_unit

SANITIZE    := -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=all
ASAN_DIR    := $(BUILD)/asan
ASAN_OBJ    := $(patsubst mod_extranet/core/%.c,$(ASAN_DIR)/core/%.o,$(CORE_SRC))
ASAN_BIN    := $(ASAN_DIR)/xn_unit

$(UNIT_BIN): $(UNIT_SRC) $(UNIT_HDR) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $(UNIT_SRC) $(CORE_LIB) $(UNIT_LIBS)

unit: $(UNIT_BIN)
	$(UNIT_BIN)

$(ASAN_DIR)/core/%.o: mod_extranet/core/%.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(SANITIZE) -c -o $@ $<

$(ASAN_BIN): $(UNIT_SRC) $(UNIT_HDR) $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) $(SANITIZE) -o $@ $(UNIT_SRC) $(ASAN_OBJ) $(UNIT_LIBS)

unit-asan: $(ASAN_BIN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1 $(ASAN_BIN)
