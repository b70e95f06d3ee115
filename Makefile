# kbtf — BTF SDK and validator for out-of-tree kernel modules.
#
#   make              build/kbtf and build/libkbtf.a
#   make deps         install Debian 12 build and test dependencies (root)
#   make check        everything CI runs: clang-format check, gcc and clang
#                     -Werror builds, unit,
#                     ASan+UBSan unit, fuzz (FUZZ_SECONDS each), integration
#   make unit         cmocka unit tests only
#   make asan         unit tests under ASan+UBSan
#   make fuzz         each fuzz target for FUZZ_SECONDS from its seed corpus
#   make bench        benchmark figures
#   make example      build, distill and validate the example module
#   make install      PREFIX=/usr/local DESTDIR=
#
# Sources are picked up by directory (docs/architecture.md has the map):
# each capability folder holds its library code and its command, cmd_*.c;
# the cmd_*.c files (and sdk/cmd/kbtf.c, main) make the kbtf command, the
# rest the library. tests/unit/test_*.c are one test binary each.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
# kbtf's own helper program (boot-test's loader): apart from LIBDIR, so that a
# distribution can put the library under its multiarch directory and the
# loader where kbtf also looks for it beside itself (BINDIR/../lib/kbtf)
PKGLIBEXECDIR ?= $(LIBDIR)/kbtf
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/kbtf
DESTDIR ?=

VERSION := 0.1.0
CC ?= cc
AR ?= ar
OBJCOPY ?= objcopy
O ?= build
PKG_CONFIG ?= pkg-config
# per target; 15 targets, 2 at a time (FUZZ_JOBS): about 5 minutes in all
FUZZ_SECONDS ?= 40
JOBS ?= 2

# pkg-config is asked when a compile or link first needs the answer, not
# when this file is parsed: in `make deps example` on a fresh machine the
# -dev packages and pkg-config itself arrive only when `deps` has run. Each
# variable then keeps its answer (evaluated once, not once per object).
# Without the packages the build stops with one line saying what to run.
PKGS := libelf libkmod libarchive zlib liblzma libzstd liblz4 libcurl expat
pkg_answer = $(shell $(PKG_CONFIG) $(1) $(PKGS) 2>/dev/null && echo pkg-config-ok)
pkg_query = $(if $(filter pkg-config-ok,$(1)),$(filter-out pkg-config-ok,$(1)),$(error \
	pkg-config does not find $(PKGS): run `make deps` (installs \
	.ci/debian-packages.txt) or install their -dev packages))
PKG_CFLAGS = $(eval PKG_CFLAGS := $(call pkg_query,$(call pkg_answer,--cflags)))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $(call pkg_query,$(call pkg_answer,--libs)) -lbz2 -lpthread)$(PKG_LIBS)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -DKBTF_VERSION='"$(VERSION)"' \
	-DKBTF_DATADIR='"$(DATADIR)/kbtf"' $(addprefix -I,$(INC_DIRS)) $(PKG_CFLAGS)
LDLIBS = $(PKG_LIBS)

# capability folders: the library's and the commands' C files
SRC_DIRS := sdk/lib sdk/cmd validator/lib validator/cmd validator/boottest dkms templates access
INC_DIRS := sdk/include sdk/lib sdk/cmd validator/include validator/lib \
	validator/boottest dkms templates access
ALL_SRCS := $(filter-out validator/boottest/kbtf-modload.c access/kbtf_access_plugin.c,$(wildcard $(SRC_DIRS:%=%/*.c)))
CMD_SRCS := $(sort $(filter sdk/cmd/%,$(ALL_SRCS)) \
	$(foreach f,$(ALL_SRCS),$(if $(filter cmd_%,$(notdir $(f))),$(f))))
LIB_SRCS := $(sort $(filter-out $(CMD_SRCS),$(ALL_SRCS)))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUPPORT := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRCS := $(sort $(wildcard tests/bench/*.c))

# the library's objects export only what is marked KBTF_API (kbtf/api.h)
LIB_VISIBILITY := -fvisibility=hidden

# What is compiled in (KBTF_DATADIR) or written out (kbtf.pc) depends on the
# install paths, and what the library exports on its visibility: record
# them, so that changing PREFIX rebuilds what it must.
CONFIG_STAMP := $(O)/config.stamp
CONFIG_LINE := $(PREFIX) $(LIBDIR) $(PKGLIBEXECDIR) $(INCLUDEDIR) $(DATADIR) $(VERSION) \
	$(LIB_VISIBILITY)
ifneq ($(CONFIG_LINE),$(shell cat $(CONFIG_STAMP) 2>/dev/null))
$(shell mkdir -p $(O) && echo '$(CONFIG_LINE)' > $(CONFIG_STAMP))
endif

LIB_OBJS := $(LIB_SRCS:%.c=$(O)/obj/%.o)
# every object of the library, every symbol global: what the kbtf command,
# the unit tests, the fuzzers and the bench link
LIB_INTERNAL := $(O)/obj/libkbtf-internal.a
# what a program using the installed library includes (<kbtf/...>); the
# library's other headers stay in its folders (sdk/lib, validator/lib)
API_HEADERS := $(wildcard sdk/include/kbtf/*.h validator/include/kbtf/*.h)
CMD_OBJS := $(CMD_SRCS:%.c=$(O)/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/fuzz/%)
BENCH_BIN := $(O)/bench/kbtf-bench
FIXTURE_BIN := $(O)/tools/kbtf-fixture

.PHONY: all deps check unit asan fuzz fuzz-build bench example install uninstall clean \
	integration man format format-check build-clang

# boot-test boots arm64 kernels with an aarch64 kbtf-modload, built when
# the cross compiler is there (Debian: gcc-aarch64-linux-gnu).
AARCH64_CC ?= aarch64-linux-gnu-gcc
HAVE_AARCH64_CC := $(shell command -v $(AARCH64_CC) 2>/dev/null)
MODLOAD_ALL := $(O)/kbtf-modload $(if $(HAVE_AARCH64_CC),$(O)/kbtf-modload-aarch64)

all: $(O)/kbtf $(O)/libkbtf.a $(O)/kbtf.pc $(MODLOAD_ALL) man

# `make -jN deps example`: nothing compiles before deps has installed the
# compilers and libraries.
ifneq ($(filter deps,$(MAKECMDGOALS)),)
$(LIB_OBJS) $(CMD_OBJS) $(O)/kbtf-modload: | deps
endif

$(O)/obj/%.o: %.c $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# kbtf kernels collect carries the customer script built in (.incbin)
$(O)/obj/sdk/cmd/cmd_kernels.o: sdk/collect/kbtf-collect.sh

# Only what the installed headers mark KBTF_API (kbtf/api.h) is exported.
$(LIB_OBJS): ALL_CFLAGS += $(LIB_VISIBILITY)

$(LIB_INTERNAL): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# The installed library: the objects linked into one (ld -r), whose hidden
# symbols are then made local, so that its global symbols are exactly the
# KBTF_API functions (tests/integration/test_install.sh checks it).
$(O)/libkbtf.a: $(LIB_OBJS)
	@mkdir -p $(O)/obj
	$(LD) -r -o $(O)/obj/libkbtf.o $^
	$(OBJCOPY) --localize-hidden $(O)/obj/libkbtf.o
	rm -f $@
	$(AR) rcs $@ $(O)/obj/libkbtf.o

$(O)/kbtf: $(CMD_OBJS) $(LIB_INTERNAL)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJS) $(LIB_INTERNAL) $(LDLIBS)

# boot-test's module loader runs inside a bare initramfs: static, no libkbtf.
$(O)/kbtf-modload: validator/boottest/kbtf-modload.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -static -o $@ $<

$(O)/kbtf-modload-aarch64: validator/boottest/kbtf-modload.c
	@mkdir -p $(dir $@)
	$(AARCH64_CC) -std=gnu11 $(WARN) -O2 -static -o $@ $<

$(O)/obj/validator/boottest/cmd_boottest.o: ALL_CFLAGS += -DKBTF_LOADER='"$(PKGLIBEXECDIR)/kbtf-modload"'

$(O)/kbtf.pc: sdk/kbtf.pc.in Makefile $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

# ---------------------------------------------------------------- tests
$(O)/tests/%: tests/unit/%.c $(UNIT_SUPPORT) $(LIB_INTERNAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(UNIT_SUPPORT) $(UNIT_EXTRA) $(LIB_INTERNAL) \
		$(LDLIBS) -lcmocka

# the command layer is the kbtf command's, not the library's
$(O)/tests/test_cmd: UNIT_EXTRA = $(O)/obj/sdk/cmd/cmd.o
$(O)/tests/test_cmd: $(O)/obj/sdk/cmd/cmd.o

KBTF_SUITE ?= unit
unit: $(UNIT_BINS)
	@KBTF_SUITE=$(KBTF_SUITE) tests/run-unit.sh $(UNIT_BINS)

asan:
	$(MAKE) O=build/asan CC=clang CFLAGS="-O1 -g -fsanitize=address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" KBTF_SUITE=asan unit

# synthetic BTF of formats no kernel ships yet, for test_formats.sh
$(FIXTURE_BIN): tests/tools/kbtf-fixture.c $(LIB_INTERNAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_INTERNAL) $(LDLIBS)

integration: all $(FIXTURE_BIN)
	@tests/integration/run.sh

# The clang build is a -Werror check only: its objects live apart.
build-clang:
	$(MAKE) -j$(JOBS) O=build/clang CC=clang all

# Sequential steps, each compiled with -j$(JOBS): a failing step stops the
# rest. Each test runner leaves its counts in $(O)/check.summary; the last
# step adds them up into one closing "N passed, N failed" line.
check: export KBTF_SUMMARY = $(abspath $(O))/check.summary
check:
	@mkdir -p $(O) && rm -f $(O)/check.summary
	$(MAKE) format-check
	$(MAKE) -j$(JOBS) all
	$(MAKE) build-clang
	$(MAKE) -j$(JOBS) unit
	$(MAKE) -j$(JOBS) asan
	$(MAKE) fuzz
	$(MAKE) integration
	@echo "=== make check: every suite"
	@awk '{ printf "  %-12s %5d passed %4d failed %4d skipped\n", $$1, $$2, $$3, $$4; \
		p += $$2; f += $$3; s += $$4 } \
		END { if (s) printf "%d passed, %d failed, %d skipped\n", p, f, s; \
		else printf "%d passed, %d failed\n", p, f; exit f != 0 }' $(O)/check.summary

# ---------------------------------------------------------------- fuzzing
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
fuzz-build:
	$(MAKE) O=build/fuzzlib CC=clang CFLAGS="$(FUZZ_CFLAGS)" build/fuzzlib/obj/libkbtf-internal.a
	@mkdir -p $(O)/fuzz
	@for f in $(FUZZ_SRCS); do \
		n=$$(basename $$f .c); \
		echo "  FUZZ   $$n"; \
		clang $(filter-out -Werror,$(ALL_CFLAGS)) -O1 -g \
			-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
			-o $(O)/fuzz/$$n $$f build/fuzzlib/obj/libkbtf-internal.a $(LDLIBS) || exit 1; \
	done

fuzz: fuzz-build
	@tests/fuzz/run.sh $(O)/fuzz $(FUZZ_SECONDS)

# ---------------------------------------------------------------- bench
$(BENCH_BIN): $(BENCH_SRCS) $(LIB_INTERNAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -o $@ $(BENCH_SRCS) $(LIB_INTERNAL) $(LDLIBS)

bench: all $(BENCH_BIN)
	@tests/bench/run.sh $(BENCH_BIN) $(O)/kbtf

# ---------------------------------------------------------------- the rest
deps:
	.ci/deps.sh

example: all
	@sdk/example/run.sh $(O)/kbtf

MAN_SRCS := $(wildcard docs/man/*.[1-9].md)
MAN_PAGES := $(MAN_SRCS:docs/man/%.md=$(O)/man/%)
man: $(MAN_PAGES)
$(O)/man/%: docs/man/%.md docs/man/md2man.sh
	@mkdir -p $(dir $@)
	docs/man/md2man.sh $< > $@

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/kbtf $(DESTDIR)$(DATADIR)/kbtf
	install -m 0755 $(O)/kbtf $(DESTDIR)$(BINDIR)/kbtf
	install -D -m 0755 $(O)/kbtf-modload $(DESTDIR)$(PKGLIBEXECDIR)/kbtf-modload
	@if [ -f $(O)/kbtf-modload-aarch64 ]; then install -m 0755 $(O)/kbtf-modload-aarch64 \
		$(DESTDIR)$(PKGLIBEXECDIR)/kbtf-modload-aarch64; fi
	install -m 0644 $(O)/libkbtf.a $(DESTDIR)$(LIBDIR)/libkbtf.a
	install -m 0644 $(O)/kbtf.pc $(DESTDIR)$(LIBDIR)/pkgconfig/kbtf.pc
	install -m 0644 $(API_HEADERS) $(DESTDIR)$(INCLUDEDIR)/kbtf/
	@if [ -f sdk/kbtf.mk ]; then install -m 0644 sdk/kbtf.mk $(DESTDIR)$(DATADIR)/kbtf/kbtf.mk; fi
	@for p in $(MAN_PAGES); do \
		s=$${p##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/; done
	install -d $(DESTDIR)$(DATADIR)/kbtf/templates $(DESTDIR)$(DATADIR)/kbtf/dkms
	cp -R templates/module $(DESTDIR)$(DATADIR)/kbtf/templates/
	cd dkms && install -m 0644 README.md dkms.conf.make-hook dkms.conf.post-build \
		kbtf.conf.example $(DESTDIR)$(DATADIR)/kbtf/dkms/
	install -m 0755 dkms/kbtf-dkms-post-build $(DESTDIR)$(DATADIR)/kbtf/dkms/
	install -m 0755 sdk/collect/kbtf-collect.sh $(DESTDIR)$(DATADIR)/kbtf/kbtf-collect.sh
# the access plugin's source: kbtf builds it for the compiler of each kernel
	install -D -m 0644 access/kbtf_access_plugin.c \
		$(DESTDIR)$(DATADIR)/kbtf/access/kbtf_access_plugin.c
# from ci/ only what vendors use (kbtf new copies the matrix script; the
# kernel set lists are examples): .ci/deps.sh and its package list install
# this project's own build dependencies and stay in the source tree
	install -d $(DESTDIR)$(DATADIR)/kbtf/ci
	cp -R ci/matrix ci/kernels $(DESTDIR)$(DATADIR)/kbtf/ci/
	install -d $(DESTDIR)$(DOCDIR)/example
	install -m 0644 README.md $(wildcard docs/*.md docs/*.schema.json) $(DESTDIR)$(DOCDIR)/
	install -m 0644 sdk/example/kbtf_demo.c sdk/example/Kbuild sdk/example/Makefile \
		$(DESTDIR)$(DOCDIR)/example/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kbtf $(DESTDIR)$(LIBDIR)/libkbtf.a \
		$(DESTDIR)$(LIBDIR)/pkgconfig/kbtf.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/kbtf $(DESTDIR)$(DATADIR)/kbtf $(DESTDIR)$(PKGLIBEXECDIR) \
		$(DESTDIR)$(DOCDIR)
	@for p in $(MAN_PAGES); do \
		s=$${p##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}; done

# every C file of the project: the library, the commands, the headers, the
# tests, fuzzers, bench and tools; format-check is the step `make check` runs
FORMAT_SRCS = $(sort $(ALL_SRCS) validator/boottest/kbtf-modload.c \
	$(wildcard $(INC_DIRS:%=%/*.h) $(INC_DIRS:%=%/kbtf/*.h) sdk/lib/*.h validator/lib/*.h) \
	$(wildcard tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/bench/*.c tests/bench/*.h \
	tests/tools/*.c tests/integration/libkbtf/*.c))
format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_SRCS) && \
		echo "format-check: $(words $(FORMAT_SRCS)) files clang-format clean"

clean:
	rm -rf build

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
