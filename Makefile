# Liaison - build, test, run.  GNU make.  See README.md.
#
#   make            build ./liaison (release: -O2, hardened)
#   make run        install missing Debian packages, build, start the server
#   make test       install missing packages, run unit tests (ASan+UBSan),
#                   fuzz-corpus replays and API tests against a real server
#   make bench      run the benchmarks under bench/ (prints figures)
#   make fuzz       build libFuzzer targets (clang) into build/fuzz/
#   make lint       cppcheck and clang-tidy on src/, scripts/lint-sql, scripts/lint-layers
#   make format     clang-format -i on src/ tests/ fuzz/ bench/

CC      ?= cc
PKGS    := libmicrohttpd sqlite3 libsodium libcurl libpq
PYTHON  := /usr/bin/python3

WARN    := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wimplicit-fallthrough -Werror
DEFS    := -D_GNU_SOURCE -Isrc -Ibuild/gen
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

REL_CFLAGS  := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
REL_LDFLAGS := -pie -Wl,-z,relro,-z,now
SAN_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=all

SRC      := $(sort $(wildcard src/*/*.c src/store/*/*.c))
LIB_SRC  := $(filter-out src/cli/main.c,$(SRC))
GEN_SRC  := build/gen/migrations.c build/gen/pg_migrations.c
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
PG_MIGRATIONS := $(sort $(wildcard src/store/pg/migrations/*.sql))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

REL_OBJ  := $(patsubst %.c,build/release/%.o,$(LIB_SRC) $(GEN_SRC))
SAN_OBJ  := $(patsubst %.c,build/asan/%.o,$(LIB_SRC) $(GEN_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,build/asan/unit/%,$(UNIT_SRC))
REPLAY_BIN := $(patsubst fuzz/%.c,build/asan/replay/%,$(FUZZ_SRC))

.PHONY: all run test test-unit test-api test-fuzz-replay deps bench fuzz lint format clean \
        update-golden test-oracle

all: liaison

deps:
	@scripts/install-deps

build/gen/migrations.c: $(MIGRATIONS) scripts/embed-migrations
	@mkdir -p $(dir $@)
	@scripts/embed-migrations store_migrations $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

build/gen/pg_migrations.c: $(PG_MIGRATIONS) scripts/embed-migrations
	@mkdir -p $(dir $@)
	@scripts/embed-migrations pg_migrations $(PG_MIGRATIONS) > $@.tmp && mv $@.tmp $@

build/release/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(WARN) $(DEFS) $(REL_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC/SAN  $<"
	@$(CC) $(WARN) $(DEFS) $(SAN_FLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

build/release/liaison.a: $(REL_OBJ)
	@rm -f $@ && ar rcs $@ $^

build/asan/liaison.a: $(SAN_OBJ)
	@rm -f $@ && ar rcs $@ $^

liaison: build/release/src/cli/main.o build/release/liaison.a
	$(CC) $(REL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/liaison: build/asan/src/cli/main.o build/asan/liaison.a
	$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/unit/%: tests/unit/%.c build/asan/liaison.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(WARN) -Wno-missing-prototypes $(DEFS) $(SAN_FLAGS) $(PKG_CFLAGS) \
	    $(shell pkg-config --cflags cmocka) -o $@ $< build/asan/liaison.a \
	    $(PKG_LIBS) $(shell pkg-config --libs cmocka)

# Fuzz targets double as plain replayers of fuzz/corpus/<target>/ (run in make test).
build/asan/replay/%: fuzz/%.c fuzz/replay.c build/asan/liaison.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(WARN) -Wno-missing-prototypes $(DEFS) $(SAN_FLAGS) $(PKG_CFLAGS) -o $@ \
	    $< fuzz/replay.c build/asan/liaison.a $(PKG_LIBS)

# The whole run shares one private PostgreSQL server (scripts/with-pg): the
# store's conformance suite and the API suite run on SQLite and on it.
test: deps
	@scripts/with-pg $(MAKE) --no-print-directory test-unit test-fuzz-replay test-api

test-unit: $(UNIT_BIN)
	@scripts/run-unit $(UNIT_BIN)

test-fuzz-replay: $(REPLAY_BIN)
	@scripts/run-replay $(REPLAY_BIN)

# Rewrites the golden tests/data/*.ok files from the current code (codec unit
# tests write them when UPDATE_GOLDEN=1); review `git diff tests/data` after.
update-golden: $(UNIT_BIN)
	@UPDATE_GOLDEN=1 scripts/run-unit $(UNIT_BIN)

# On SQLite, then (with LIAISON_TEST_PG, which `make test` sets) on PostgreSQL.
test-api: build/asan/liaison liaison
	LIAISON_BIN=$(CURDIR)/build/asan/liaison $(PYTHON) -m pytest -q -p no:cacheprovider tests/api
	@if [ -n "$${LIAISON_TEST_PG:-}" ]; then \
	    echo "test-api: the same suite on PostgreSQL"; \
	    LIAISON_TEST_BACKEND=postgresql LIAISON_BIN=$(CURDIR)/build/asan/liaison \
	        $(PYTHON) -m pytest -q -p no:cacheprovider tests/api; \
	else echo "test-api: SKIPPED on PostgreSQL (LIAISON_TEST_PG not set; make test sets it)"; fi

test-oracle: build/asan/liaison
	LIAISON_BIN=$(CURDIR)/build/asan/liaison $(PYTHON) -m pytest -q -p no:cacheprovider tests/api/test_acl_oracle.py tests/api/test_acl_oracle_writes.py

run: deps liaison
	./liaison serve

bench: liaison
	@scripts/run-bench

fuzz:
	@scripts/build-fuzz

lint:
	scripts/lint-sql
	scripts/lint-layers
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --inline-suppr --suppress=missingIncludeSystem -Isrc -Ibuild/gen src
	clang-tidy --quiet $(SRC) -- $(WARN) $(DEFS) $(PKG_CFLAGS)

format:
	clang-format -i $(SRC) $(wildcard src/*/*.h src/store/*/*.h) $(UNIT_SRC) $(FUZZ_SRC)

clean:
	rm -rf build liaison

-include $(shell find build -name '*.d' 2>/dev/null)
