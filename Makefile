# dheya-meet: the mentor's terminal client, and dheya-server, the reference platform API.
#   make               build both programs into $(BUILD)/
#   make check         install what is missing, build, run every test suite
#   make SANITIZE=1 check   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo          run dheya-server with demo data and open dheya-meet on it
#   make bench         performance report (never pass/fail)
#   make install PREFIX=/usr/local DESTDIR=
#   make clean

VERSION  := 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
CC       ?= cc
CFLAGS   ?= -O2 -g
PYTHON   ?= /usr/bin/python3

ifeq ($(SANITIZE),1)
BUILD    ?= build/sanitize
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD    ?= build
SANFLAGS :=
endif

WARNINGS := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wmissing-prototypes \
            -Wstrict-prototypes -Wpointer-arith -Wundef -Wno-unused-parameter
STD      := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -DDHEYA_VERSION='"$(VERSION)"'

# pkg-config runs lazily (=, not :=) so that `make deps` can install what is missing
# before anything asks for it.
SERVER_PKGS := libmicrohttpd sqlite3 jansson libcrypto
CLIENT_PKGS := libcurl jansson glib-2.0 ncursesw libnotify
SERVER_CFLAGS = $(shell pkg-config --cflags $(SERVER_PKGS))
SERVER_LIBS   = $(shell pkg-config --libs $(SERVER_PKGS)) -lpthread
CLIENT_CFLAGS = $(shell pkg-config --cflags $(CLIENT_PKGS))
CLIENT_LIBS   = $(shell pkg-config --libs $(CLIENT_PKGS))
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka)

ALL_CFLAGS = $(STD) $(WARNINGS) $(CFLAGS) $(SANFLAGS) -I. -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

SERVER_SRCS := $(wildcard server/*.c)
SERVER_LIB  := $(filter-out $(BUILD)/server/main.o,$(SERVER_SRCS:%.c=$(BUILD)/%.o))
CLIENT_SRCS := $(wildcard net/*.c tui/*.c widgets/*.c themes/*.c)
CLIENT_LIB  := $(filter-out $(BUILD)/tui/main.o,$(CLIENT_SRCS:%.c=$(BUILD)/%.o))

UNIT_SERVER := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_server_*.c))
UNIT_CLIENT := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_client_*.c))

PROGRAMS := $(BUILD)/dheya-server $(if $(CLIENT_SRCS),$(BUILD)/dheya-meet)

all: $(PROGRAMS)

$(BUILD)/dheya-server: $(BUILD)/server/main.o $(SERVER_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SERVER_LIBS)

$(BUILD)/dheya-meet: $(BUILD)/tui/main.o $(CLIENT_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CLIENT_LIBS)

$(BUILD)/server/%.o: server/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SERVER_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CLIENT_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_server_%: tests/unit/test_server_%.c $(SERVER_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SERVER_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.c %.o,$^) $(SERVER_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/test_client_%: tests/unit/test_client_%.c $(CLIENT_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CLIENT_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.c %.o,$^) $(CLIENT_LIBS) $(CMOCKA_LIBS)

deps:
	@tools/deps.sh test

tests: $(PROGRAMS) $(UNIT_SERVER) $(UNIT_CLIENT)

# The sub-make re-reads this file once the packages are there.
check: deps
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) PYTHON=$(PYTHON) tests/run $(UNIT_SERVER) $(UNIT_CLIENT) \
		$(sort $(wildcard tests/server/test_*.py tests/client/test_*.py))

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tools/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) $(PYTHON) tests/bench/bench.py

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/

clean:
	rm -rf build

.PHONY: all deps tests check demo bench install clean
-include $(shell find build -name '*.d' 2>/dev/null)

# Fuzzing (clang's libFuzzer with ASan/UBSan): make fuzz [FUZZ_SECONDS=60]
FUZZ_SECONDS ?= 30
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz: deps
	@mkdir -p build/fuzz
	clang $(STD) $(WARNINGS) $(FUZZ_FLAGS) -I. $(CLIENT_CFLAGS) -o build/fuzz/fuzz_client \
		tests/fuzz/fuzz_client.c $(filter-out tui/main.c,$(CLIENT_SRCS)) $(CLIENT_LIBS)
	clang $(STD) $(WARNINGS) $(FUZZ_FLAGS) -I. $(SERVER_CFLAGS) -o build/fuzz/fuzz_server \
		tests/fuzz/fuzz_server.c $(filter-out server/main.c,$(SERVER_SRCS)) $(SERVER_LIBS)
	@for t in fuzz_client fuzz_server; do mkdir -p build/fuzz/corpus-$$t; \
		build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
		build/fuzz/corpus-$$t tests/fuzz/seeds 2>&1 | tail -3 || exit 1; done
.PHONY: fuzz
