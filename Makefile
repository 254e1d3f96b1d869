# leakwatch: build out of tree into build/. `make V=1` shows every command.

HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ARCH ?= $(HOST_ARCH)
# Debian's names of the architectures, and the GNU triplets of their cross
# compilers (gcc-aarch64-linux-gnu, gcc-x86-64-linux-gnu).
DEB_ARCH_x86 := amd64
DEB_ARCH_arm64 := arm64
TRIPLET_x86 := x86_64-linux-gnu
TRIPLET_arm64 := aarch64-linux-gnu
DEB_ARCH := $(DEB_ARCH_$(ARCH))
ifeq ($(DEB_ARCH),)
$(error ARCH=$(ARCH): leakwatch builds for x86 and arm64)
endif
# `make ARCH=arm64` on another machine cross-builds into build/arm64 with the
# cross compiler and the :arm64 libraries (deploy/setup.sh cross arm64); the
# BPF objects differ only in their vmlinux.h and __TARGET_ARCH.
ifneq ($(ARCH),$(HOST_ARCH))
CROSS := $(TRIPLET_$(ARCH))
BUILD ?= build/$(ARCH)
ifeq ($(origin CC),default)
CC := $(CROSS)-gcc
endif
AR := $(CROSS)-ar
endif
BUILD ?= build
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PYTHON ?= python3
VERSION := $(shell cat VERSION)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers
# snprintf truncation is deliberate wherever it appears (bounded display fields)
CWARN := $(WARN) -Wno-format-truncation
CFLAGS ?= -O2 -g
CPPFLAGS += -Iinclude -Ilib -I$(BUILD) -I$(BUILD)/proto -D_GNU_SOURCE -DLW_VERSION='"$(VERSION)"'
# Each binary sees its own modules by folder ("detect/scanner.h"), and lib/ by name.
AGENT_CPPFLAGS := -Iagent
COLLECTOR_CPPFLAGS := -Icollector -I/usr/include/postgresql
DEPFLAGS = -MMD -MP
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
	-Ivmlinux/$(ARCH) -Iinclude -Ibpf
# libcurl, libmicrohttpd, libsystemd and libssl are not here: the agent
# loads them when it starts its exporter, its metrics endpoint and its
# journal reader, and at its first TLS probe (lib/os/dynlib.h), so that the
# other commands do not map them and the thirty libraries behind them.
# Fingerprints are HMAC-SHA256 by agent/detect/sha256, without libcrypto.
LDLIBS_AGENT := -lbpf -lelf -lz -ldeflate -lzstd -llzma -lbz2 -lyaml -lhs -lm -lprotobuf-c -lpthread

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

# The wire contract, compiled by protoc-c into build/proto/.
PROTO := include/leakwatch/v1/leakwatch.proto
PROTO_C := $(BUILD)/proto/leakwatch/v1/leakwatch.pb-c.c
PROTO_H := $(PROTO_C:.c=.h)
PROTO_OBJ := $(PROTO_C:.c=.o)

# lib/: what both binaries use (log, JSON, YAML, addresses, clocks, gzip, hash
# tables, rendering) and the compiled wire contract. No BPF, no vectorscan.
LIB_SRCS := $(wildcard lib/*/*.c)
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS)) $(PROTO_OBJ)
LW_LIB := $(BUILD)/liblw.a
LDLIBS_LIB := -lyaml -lz -ldeflate -lprotobuf-c -lpthread

# Protocol probes: each module agent/probes/<kind>/NAME.c defines
# lw_probe_NAME, and the generated registry lists every one, so adding a
# probe is adding its file.
PROBE_SRCS := $(wildcard agent/probes/*/*.c)
PROBE_NAMES := $(sort $(basename $(notdir $(PROBE_SRCS))))
PROBE_REGISTRY := $(BUILD)/agent/probes/registry.c

AGENT_SRCS := $(wildcard agent/*/*.c) $(PROBE_SRCS)
# The built-in rules' vectorscan database, made by the build (agent/detect/gen/builtin_db.mk).
HSDB_OBJ := $(BUILD)/agent/detect/builtin_db.o
AGENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(AGENT_SRCS)) $(PROBE_REGISTRY:.c=.o) $(HSDB_OBJ)
# Everything but main() goes into a library the unit tests link against.
AGENT_LIB := $(BUILD)/libleakwatch.a
AGENT_LIB_OBJS := $(filter-out $(BUILD)/agent/cmd/main.o,$(AGENT_OBJS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all agent leakwatch leakwatch-collector bpf run test unit-tests setup vmlinux clean
.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY: $(BPF_OBJS) $(BUILD)/bench/empty.bpf.o

all: agent

agent leakwatch: $(BUILD)/leakwatch
bpf: $(SKELS)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name lw_$* > $@

$(BUILD)/lib/%.o: lib/%.c | $(PROTO_H)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) -c $< -o $@

$(BUILD)/agent/%.o: agent/%.c | $(PROTO_H)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(AGENT_CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) -c $< -o $@

# The list is rewritten only when the set of probes changed, and the
# registry is made from it.
$(BUILD)/agent/probes/registry.list: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(PROBE_NAMES)' | cmp -s - $@ || echo '$(PROBE_NAMES)' > $@

$(PROBE_REGISTRY): $(BUILD)/agent/probes/registry.list
	$(call msg,GEN,$@)
	$(Q){ echo '/* made by the Makefile from agent/probes/KIND/NAME.c */'; \
	  echo '#include "probes/probe.h"'; \
	  for n in $(PROBE_NAMES); do echo "extern const struct lw_probe lw_probe_$$n;"; done; \
	  echo 'const struct lw_probe *const lw_probes[] = {'; \
	  for n in $(PROBE_NAMES); do echo "	&lw_probe_$$n,"; done; \
	  echo '	NULL,'; echo '};'; } > $@

$(PROBE_REGISTRY:.c=.o): $(PROBE_REGISTRY)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(AGENT_CPPFLAGS) $(CFLAGS) $(CWARN) -c $< -o $@

.PHONY: FORCE
FORCE:

# The loader embeds the skeletons, and the encoders the protobuf header; the
# first build has no .d file to say so.
$(BUILD)/agent/kernel/loader.o: $(SKELS)

$(LW_LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(PROTO_C) $(PROTO_H) &: $(PROTO)
	$(call msg,PROTOC,$(PROTO))
	$(Q)mkdir -p $(BUILD)/proto
	$(Q)protoc-c --c_out=$(BUILD)/proto -Iinclude $(PROTO)

# generated code: keep the project's warnings, minus what protoc-c trips
$(PROTO_OBJ): $(PROTO_C)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(CWARN) -Wno-unused-parameter $(DEPFLAGS) -c $< -o $@

$(AGENT_LIB): $(AGENT_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/leakwatch: $(BUILD)/agent/cmd/main.o $(AGENT_LIB) $(LW_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_AGENT) -o $@

$(BUILD)/bpf $(BUILD)/tests:
	$(Q)mkdir -p $@

# Benchmarks print figures and never fail on a slow machine; `make bench`
# runs every bench-* target.
.PHONY: bench bench-scanner
bench: bench-scanner

$(BUILD)/bench/scanner_bench: bench/scanner_bench.c $(AGENT_LIB) $(LW_LIB) | $(BUILD)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(AGENT_CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) $< $(AGENT_LIB) $(LW_LIB) $(LDLIBS_AGENT) -o $@

bench-scanner: $(BUILD)/bench/scanner_bench
	$(Q)BUILD=$(BUILD) bench/scanner.sh

# scan's start-up: compiling the rules, against the cached database.
.PHONY: bench-startup
bench: bench-startup
bench-startup: $(BUILD)/leakwatch
	$(Q)BUILD=$(BUILD) bench/startup.sh

# The write-path benchmark: an empty program on the agent's tracepoints for
# the baseline, and a writer that times write(2).
.PHONY: bench-writepath
bench: bench-writepath

$(BUILD)/bench/empty.bpf.o: bench/empty.bpf.c | $(BUILD)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/bench/empty.skel.h: $(BUILD)/bench/empty.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_empty > $@

$(BUILD)/bench/empty_loader: bench/empty_loader.c $(BUILD)/bench/empty.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -I$(BUILD)/bench $(CFLAGS) $(CWARN) $(DEPFLAGS) $< -lbpf -lelf -lz -o $@

$(BUILD)/bench/writepath: bench/writepath.c | $(BUILD)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(CWARN) $(DEPFLAGS) $< -o $@

bench-writepath: $(BUILD)/leakwatch $(BUILD)/bench/empty_loader $(BUILD)/bench/writepath
	$(Q)BUILD=$(BUILD) bench/writepath.sh

# Where lw_write's time goes on an unwatched and on a watched write, step by
# step, and how older commits' programs compare in the same sitting
# (BENCH_REFS="REF...").
# A diagnostic, not part of `make bench`.
.PHONY: bench-writepath-steps
$(BUILD)/bench/wpload: bench/wpload.c | $(BUILD)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) $< -lbpf -lelf -lz -o $@

bench-writepath-steps: $(BUILD)/bench/wpload $(BUILD)/bench/writepath $(BUILD)/bench/empty.bpf.o
	$(Q)BUILD=$(BUILD) CLANG=$(CLANG) ARCH=$(ARCH) bench/writepath_steps.sh

# Agent CPU following the systemd journal at 10,000 entries/s, against file capture.
.PHONY: bench-journal
bench: bench-journal
$(BUILD)/bench/journal_floor: bench/journal_floor.c | $(BUILD)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) $< -lsystemd -o $@

bench-journal: $(BUILD)/leakwatch $(BUILD)/bench/journal_floor
	$(Q)BUILD=$(BUILD) bench/journal.sh

# End-to-end latency to the collector's database, idle and under log load.
.PHONY: bench-latency
bench: bench-latency
bench-latency: $(BUILD)/leakwatch $(BUILD)/leakwatch-collector
	$(Q)BUILD=$(BUILD) bench/latency.sh

# The collector's pages as the README shows them: tests/integration/ui.sh
# (a real agent, redis and a leak; headless Chromium) keeps its screenshots.
.PHONY: screenshots
screenshots: $(BUILD)/leakwatch $(BUILD)/leakwatch-collector
	$(Q)mkdir -p docs/screenshots
	$(Q)BUILD=$(BUILD) UI_SHOTS=$(CURDIR)/docs/screenshots bash tests/integration/ui.sh

# Probe time per protocol on loopback, and the agent's CPU for 200 probes.
.PHONY: bench-probes
bench: bench-probes

$(BUILD)/bench/probe_bench: bench/probe_bench.c $(AGENT_LIB) $(LW_LIB) | $(BUILD)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(AGENT_CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) $< $(AGENT_LIB) $(LW_LIB) $(LDLIBS_AGENT) -o $@

bench-probes: $(BUILD)/leakwatch $(BUILD)/bench/probe_bench
	$(Q)BUILD=$(BUILD) bench/probes.sh

$(BUILD)/bench:
	$(Q)mkdir -p $@

-include $(wildcard $(BUILD)/bench/*.d)

# The collector: its own binary over lib/, with no BPF toolchain in its build.
COLLECTOR_SRCS := $(wildcard collector/*/*.c)
COLLECTOR_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(COLLECTOR_SRCS))
COLLECTOR_LIB := $(BUILD)/libcollector.a
# The commands (collector/cmd/) make the binary; the rest goes into a library the tests link.
COLLECTOR_CMD_OBJS := $(filter $(BUILD)/collector/cmd/%,$(COLLECTOR_OBJS))
COLLECTOR_LIB_OBJS := $(filter-out $(COLLECTOR_CMD_OBJS),$(COLLECTOR_OBJS))
# gnutls: libmicrohttpd's TLS, whose session the collector asks for a client's certificate
LDLIBS_COLLECTOR := -lmicrohttpd -lgnutls -lsqlite3 -l:libpq.so.5 -lprotobuf-c -lz -ldeflate -lyaml -lcrypto -lcurl -lpthread

.PHONY: collector bench-collector fuzz fuzz-run
all: collector
collector leakwatch-collector: $(BUILD)/leakwatch-collector

$(BUILD)/collector/%.o: collector/%.c | $(PROTO_H)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(COLLECTOR_CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) -c $< -o $@

$(COLLECTOR_LIB): $(COLLECTOR_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/leakwatch-collector: $(COLLECTOR_CMD_OBJS) $(COLLECTOR_LIB) $(LW_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_COLLECTOR) -o $@

# Unit tests link only what they test. A test of tests/unit/NAME.c belongs to
# a side: TEST_SIDE_NAME, or COLLECTOR for test_collector_*, else AGENT. It
# gets that side's include folder plus TEST_CPPFLAGS_NAME, and links
# TEST_LINK_NAME (objects and static libraries, in link order) with
# TEST_LDLIBS_NAME, or without them the side's library and system libraries.
LIB_TEST_LINK := $(LW_LIB)
AGENT_TEST_LINK := $(AGENT_LIB) $(LW_LIB)
COLLECTOR_TEST_LINK := $(COLLECTOR_LIB) $(LW_LIB)
test_side = $(or $(TEST_SIDE_$(1)),$(if $(filter test_collector_%,$(1)),COLLECTOR,AGENT))
test_link = $(or $(TEST_LINK_$(1)),$($(call test_side,$(1))_TEST_LINK))
test_ldlibs = $(or $(TEST_LDLIBS_$(1)),$(LDLIBS_$(call test_side,$(1))))
test_cppflags = $($(call test_side,$(1))_CPPFLAGS) $(TEST_CPPFLAGS_$(1))

# The rules table in the README must be the one `leakwatch rules` prints.
TEST_CPPFLAGS_test_ruledoc := -DLW_SRCDIR=\"$(CURDIR)\"
# lib/ alone
TEST_SIDE_test_addr := LIB
TEST_SIDE_test_dynlib := LIB
TEST_SIDE_test_grow := LIB
TEST_SIDE_test_gz := LIB
TEST_SIDE_test_jsonw := LIB
TEST_SIDE_test_names := LIB
TEST_SIDE_test_retry := LIB
TEST_SIDE_test_yamlcfg := LIB
# The exporter against a real HTTP server (libmicrohttpd) on loopback; it
# loads libcurl itself, as the agent does
TEST_LINK_test_exporter := $(addprefix $(BUILD)/agent/,delivery/exporter.o delivery/curlapi.o delivery/spool.o) $(LW_LIB)
TEST_LDLIBS_test_exporter := -lmicrohttpd $(LDLIBS_LIB)
# The agent's modules by name, for the tests that link a few:
# $(call agent_objs,logfiles/filetab detect/scanner)
agent_objs = $(patsubst %,$(BUILD)/agent/%.o,$(1))
# the rule table and the checks its entries call
RULES_OBJS = $(call agent_objs,rules/rules rules/rules_dev rules/rules_ai rules/rules_cloud rules/rules_shape \
	rules/validate rules/placeholder)
# the secret engine, whole: what a real scanner needs, and the extractors it calls
DETECT_OBJS = $(call agent_objs,detect/scanner detect/hsdb detect/hscache detect/sha256 detect/decide detect/builtin_db \
	extract/extract extract/rtrule extract/blocks extract/kubedata extract/uricred extract/unescape) $(RULES_OBJS)
LDLIBS_DETECT := -lhs -lz -lm

include agent/detect/gen/builtin_db.mk

# who a process is: /proc, cgroups, the node's pod records
PROCINFO_OBJS = $(call agent_objs,attrib/procinfo attrib/pods attrib/container attrib/cmdline attrib/procfs \
	attrib/hostfs)
# Each agent test links the modules it tests, and what they call.
TEST_SIDE_test_rendertext := COLLECTOR
TEST_LINK_test_cmdline = $(call agent_objs,attrib/cmdline) $(LW_LIB)
TEST_LINK_test_coalesce = $(call agent_objs,leaks/coalesce) $(LW_LIB)
TEST_LINK_test_container = $(call agent_objs,attrib/container attrib/procfs attrib/hostfs) $(LW_LIB)
TEST_LINK_test_pods = $(call agent_objs,attrib/pods attrib/hostfs attrib/procfs) $(LW_LIB)
TEST_LINK_test_exposure = $(call agent_objs,exposure/exposure listeners/service attrib/hostfs) $(LW_LIB)
TEST_LINK_test_service = $(call agent_objs,listeners/service) $(LW_LIB)
TEST_LINK_test_socktab = $(call agent_objs,listeners/socktab) $(LW_LIB)
TEST_LINK_test_watch = $(call agent_objs,logfiles/watch) $(LW_LIB)
TEST_LINK_test_lines = $(call agent_objs,scan/lines)
TEST_LINK_test_secret = $(call agent_objs,leaks/secret detect/sha256) $(LW_LIB)
TEST_LDLIBS_test_secret := $(LDLIBS_LIB)
TEST_LINK_test_unpack = $(call agent_objs,scan/unpack) $(LW_LIB)
TEST_LDLIBS_test_unpack := -ldeflate -lzstd -llzma -lbz2 $(LDLIBS_LIB)
TEST_LINK_test_spool = $(call agent_objs,delivery/spool) $(LW_LIB)
TEST_LINK_test_encode = $(call agent_objs,delivery/encode attrib/host leaks/finding listeners/listener \
	exposure/exposure listeners/service exposure/natmap network/natrules network/ifcache network/ifaddr \
	network/netns network/nl attrib/procfs \
	attrib/hostfs) $(PROBE_OBJS) $(LW_LIB)
TEST_LINK_test_validate = $(call agent_objs,rules/validate rules/placeholder) $(LW_LIB)
TEST_LDLIBS_test_validate := -lm $(LDLIBS_LIB)
TEST_LINK_test_placeholder = $(call agent_objs,rules/placeholder rules/validate) $(LW_LIB)
TEST_LDLIBS_test_placeholder := -lm $(LDLIBS_LIB)
TEST_LINK_test_rules = $(DETECT_OBJS) $(call agent_objs,leaks/secret) $(LW_LIB)
TEST_LINK_test_ruledoc = $(call agent_objs,rules/ruledoc) $(RULES_OBJS) $(LW_LIB)
TEST_LDLIBS_test_ruledoc := $(LDLIBS_DETECT) $(LDLIBS_LIB)
TEST_LDLIBS_test_rules := $(LDLIBS_DETECT) $(LDLIBS_LIB)
TEST_LINK_test_hscache = $(DETECT_OBJS) $(LW_LIB)
TEST_LDLIBS_test_hscache := $(LDLIBS_DETECT) $(LDLIBS_LIB)
TEST_LINK_test_sha256 = $(call agent_objs,detect/sha256) $(LW_LIB)
TEST_LDLIBS_test_sha256 := -lcrypto $(LDLIBS_LIB)
TEST_LINK_test_hsdb = $(DETECT_OBJS) $(LW_LIB)
TEST_LDLIBS_test_hsdb := $(LDLIBS_DETECT) $(LDLIBS_LIB)
# the protocol probes, pure: their modules and the registry (no runner, no pool)
PROBE_OBJS = $(filter-out %/runner.o %/pool.o,$(filter $(BUILD)/agent/probes/%,$(AGENT_OBJS)))
CONFIG_OBJS = $(call agent_objs,settings/config settings/cfgjournal settings/cfgrules settings/probecfg core/statusd core/mhdapi core/metrics logfiles/watch) \
	$(DETECT_OBJS) $(PROBE_OBJS)
TEST_LINK_test_config = $(CONFIG_OBJS) $(LW_LIB)
TEST_LINK_test_scanner = $(CONFIG_OBJS) $(call agent_objs,leaks/secret) $(LW_LIB)
TEST_LINK_test_relay = $(call agent_objs,leaks/relay) $(PROCINFO_OBJS) $(DETECT_OBJS) $(LW_LIB)
TEST_LDLIBS_test_relay := $(LDLIBS_DETECT) $(LDLIBS_LIB)
TEST_LINK_test_jcursor = $(call agent_objs,journal/jcursor) $(LW_LIB)
TEST_LDLIBS_test_jcursor := $(LDLIBS_LIB)
TEST_LINK_test_lastopen = $(call agent_objs,listeners/lastopen listeners/socktab listeners/service) $(LW_LIB)
TEST_LDLIBS_test_lastopen := $(LDLIBS_LIB)
TEST_LINK_test_filetab = $(call agent_objs,logfiles/filetab attrib/hostfs) $(DETECT_OBJS) $(LW_LIB)
TEST_LDLIBS_test_filetab := $(LDLIBS_DETECT) $(LDLIBS_LIB)
TEST_LINK_test_procinfo = $(PROCINFO_OBJS) $(DETECT_OBJS) $(LW_LIB)
TEST_LDLIBS_test_procinfo := $(LDLIBS_DETECT) $(LDLIBS_LIB)
TEST_LINK_test_leaks = $(call agent_objs,leaks/leaks logfiles/filetab leaks/coalesce logfiles/watch leaks/secret \
	leaks/relay logfiles/readback logfiles/uncaptured leaks/finding logfiles/offsets) \
	$(PROCINFO_OBJS) $(DETECT_OBJS) $(LW_LIB)
TEST_LDLIBS_test_leaks := $(LDLIBS_DETECT) $(LDLIBS_LIB)
# Alert delivery: the outbox on a real store, a real sink on loopback
TEST_LINK_test_collector_dispatch := $(addprefix $(BUILD)/collector/,notify/dispatch.o notify/outbox.o \
	notify/sink.o payload/payload.o payload/payload_am.o payload/payload_pd.o payload/payload_slack.o payload/payload_webhook.o \
	payload/pagelink.o notify/alertview.o routing/cfgref.o routing/alertcfg.o alerting/compose.o alerting/alerttext.o alerting/leakalert.o \
	alerting/alertkey.o \
	alertdb/alertdb.o alertdb/alertgroups.o alertdb/alertdbsql.o storage/store.o storage/storebatch.o storage/storestate.o storage/storesql.o storage/schema.o storage/schema_pg.o storage/rowlocks.o replicas/lease.o server/metrics.o \
	db/db.o db/db_sqlite.o db/db_pg.o db/db_pgstmt.o) $(LW_LIB)
TEST_LDLIBS_test_collector_dispatch := -lcurl -lmicrohttpd -lsqlite3 -l:libpq.so.5 -lcrypto $(LDLIBS_LIB)
# The pages (collector/ui) without a server: the collector's library and a real store
TEST_SIDE_test_ui := COLLECTOR
# The links in alerts to the pages: one module, no store
TEST_SIDE_test_pagelink := COLLECTOR
TEST_LINK_test_pagelink := $(BUILD)/collector/payload/pagelink.o $(LW_LIB)
TEST_LDLIBS_test_pagelink := $(LDLIBS_LIB)
# The probes are pure: their modules, the registry, and lib/.
TEST_LINK_test_probes = $(PROBE_OBJS) $(LW_LIB)
TEST_LDLIBS_test_probes := $(LDLIBS_LIB)
# The ingest tests feed the collector what the agent's own encoder writes.
TEST_LINK_test_collector_ingest := $(COLLECTOR_LIB) $(AGENT_LIB) $(LW_LIB)
TEST_LDLIBS_test_collector_ingest := $(LDLIBS_COLLECTOR) $(LDLIBS_AGENT)
TEST_CPPFLAGS_test_collector_ingest := $(AGENT_CPPFLAGS)

.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $$(call test_link,$$*) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(call test_cppflags,$*) $(CFLAGS) $(CWARN) $(DEPFLAGS) $< \
		$(filter %.o %.a,$^) $(call test_ldlibs,$*) -lcmocka -o $@

bench: bench-collector

# The client sends agent-like batches, with event ids made as the agent makes them.
$(BUILD)/bench/collector_client: bench/collector_client.c \
		$(addprefix $(BUILD)/agent/attrib/,host.o hostfs.o procfs.o) $(LW_LIB) | $(BUILD)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(AGENT_CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) $< $(filter %.o %.a,$^) \
		-lcurl -lprotobuf-c -lz -ldeflate -lpthread -o $@

bench-collector: $(BUILD)/leakwatch-collector $(BUILD)/bench/collector_client
	$(Q)BUILD=$(BUILD) bench/collector_ingest.sh

# The collector's pages over 10,000 hosts, 50,000 listeners and 5,000 leaks:
# p50/p95 per page against /healthz, a 200 ms budget.
.PHONY: bench-ui
bench: bench-ui
bench-ui: $(BUILD)/leakwatch-collector
	$(Q)BUILD=$(BUILD) bench/ui.sh

# libFuzzer harnesses. `make fuzz` builds $(BUILD)/fuzz/fuzz_NAME for each
# NAME in FUZZERS from tests/fuzz/fuzz_NAME.c plus FUZZ_SRCS_NAME, linked with
# FUZZ_LIBS_NAME, all compiled by clang with ASan and UBSan. To add one:
#   FUZZERS += spool
#   FUZZ_SRCS_spool := agent/delivery/spool.c ...
# `make fuzz-run FUZZ_TIME=60` runs each for that many seconds on a corpus in
# $(BUILD)/fuzz/corpus/NAME, seeded from tests/fuzz/corpus/NAME.
FUZZ_CC ?= $(CLANG)
FUZZ_TIME ?= 60
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers
FUZZERS := batch
FUZZ_SRCS_batch := collector/ingest/ingest.c collector/ingest/eventcheck.c collector/storage/store.c collector/storage/storebatch.c collector/storage/storestate.c collector/storage/storesql.c collector/storage/schema.c collector/storage/schema_pg.c collector/storage/rowlocks.c collector/replicas/lease.c collector/db/db.c collector/db/db_sqlite.c collector/db/db_pg.c collector/db/db_pgstmt.c lib/wire/gz.c lib/net/addr.c lib/data/hex.c lib/os/log.c lib/wire/names.c \
	lib/os/clock.c lib/wire/jsonw.c lib/wire/utf8.c lib/data/grow.c $(PROTO_C)
FUZZ_CPPFLAGS_batch := $(COLLECTOR_CPPFLAGS)
FUZZ_LIBS_batch := -lprotobuf-c -lz -ldeflate -lsqlite3 -l:libpq.so.5 -lpthread
FUZZERS += spool
FUZZ_SRCS_spool := agent/delivery/spool.c lib/os/clock.c lib/os/log.c lib/wire/jsonw.c lib/data/grow.c
FUZZ_CPPFLAGS_spool := $(AGENT_CPPFLAGS)
FUZZ_LIBS_spool := -lz -lpthread

define FUZZER_RULE
$(BUILD)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(FUZZ_SRCS_$(1)) | $(PROTO_H) $(BUILD)/fuzz
	$$(call msg,FUZZ,$$@)
	$$(Q)$$(FUZZ_CC) $$(CPPFLAGS) $$(FUZZ_CPPFLAGS_$(1)) $$(FUZZ_CFLAGS) $$(filter %.c,$$^) $$(FUZZ_LIBS_$(1)) -o $$@
endef
$(foreach f,$(FUZZERS),$(eval $(call FUZZER_RULE,$(f))))

fuzz: $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZERS))

fuzz-run: fuzz
	$(Q)for f in $(FUZZERS); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$f; \
		echo "== fuzz_$$f for $(FUZZ_TIME) s"; \
		$(BUILD)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			$(BUILD)/fuzz/corpus/$$f tests/fuzz/corpus/$$f || exit 1; \
	done

$(BUILD)/fuzz:
	$(Q)mkdir -p $@

-include $(wildcard $(BUILD)/collector/*/*.d)

setup:
	$(Q)deploy/setup.sh all

# Installs what is missing, builds, and runs the agent with built-in defaults,
# shipping to a collector on loopback that prints what arrives.
run:
	$(Q)deploy/setup.sh run
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) CONFIG=$(CONFIG) exec deploy/run-local.sh

# Programs the integration tests run (tests/helpers/NAME.c), built for this
# machine with the unit tests (the arm64 build runs no integration test).
TEST_HELPERS := $(if $(filter $(ARCH),$(HOST_ARCH)),$(BUILD)/tests/uring_write)
$(BUILD)/tests/uring_write: tests/helpers/uring_write.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(CWARN) $(DEPFLAGS) $< -luring -o $@

unit-tests: $(UNIT_BINS) $(TEST_HELPERS)

# The README's table of rules is `leakwatch rules` between its two markers;
# test_ruledoc fails while they differ.
.PHONY: readme-rules
readme-rules: $(BUILD)/leakwatch
	$(Q)$(BUILD)/leakwatch rules >$(BUILD)/rules.md
	$(Q)awk -v t=$(BUILD)/rules.md '/<!-- rules:end -->/ { skip = 0 } !skip { print } \
		/<!-- rules:begin -->/ { while ((getline l < t) > 0) print l; skip = 1 }' README.md >$(BUILD)/README.md
	$(Q)mv $(BUILD)/README.md README.md

# The arm64 build: build/arm64 on another machine.
ARM64_BUILD := $(if $(filter arm64,$(HOST_ARCH)),build,build/arm64)
ARM64_WRAPPER := $(if $(filter arm64,$(HOST_ARCH)),,qemu-aarch64)

# The suite includes arm64's unit tests and boot test (tests/arm64), so it
# builds for arm64 as well.
test:
	$(Q)deploy/setup.sh all
	$(Q)$(MAKE) --no-print-directory all unit-tests
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 BUILD=$(ARM64_BUILD) all unit-tests
	$(Q)BUILD=$(BUILD) ARM64_BUILD=$(ARM64_BUILD) tests/run.sh

# arm64 on any machine: on another one the unit tests run under qemu-user;
# the boot test runs Debian's arm64 kernel under qemu-system-aarch64
# (tests/arm64/boot.sh).
.PHONY: test-arm64-unit test-arm64 vmlinux-arm64
test-arm64-unit:
	$(Q)deploy/setup.sh arm64
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 BUILD=$(ARM64_BUILD) unit-tests
	$(Q)BUILD=$(ARM64_BUILD) TEST_WRAPPER=$(ARM64_WRAPPER) tests/run.sh --unit

test-arm64:
	$(Q)deploy/setup.sh arm64
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 BUILD=$(ARM64_BUILD) all
	$(Q)ARM64_BUILD=$(ARM64_BUILD) tests/arm64/boot.sh

# Installs the binaries, the systemd units, a commented default configuration,
# the docs, the man pages and the bash completions. DESTDIR stages the install
# (packaging); PREFIX chooses where it lives, and the units are rendered with
# it. The configuration is always in SYSCONFDIR (/etc), and an existing one is
# never replaced.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR ?= $(PREFIX)/share/doc/leakwatch
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
MANPAGES := man/leakwatch.8 man/leakwatch-collector.8 man/leakwatch.yaml.5

.PHONY: install k8s-checksum
install: all
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(SYSCONFDIR)/leakwatch
	$(Q)install -m 0755 $(BUILD)/leakwatch $(BUILD)/leakwatch-collector $(DESTDIR)$(BINDIR)/
	$(Q)for u in deploy/systemd/*.service; do \
		sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		    -e 's|@DOCDIR@|$(DOCDIR)|g' "$$u" > "$(DESTDIR)$(UNITDIR)/$${u##*/}.tmp" && \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$${u##*/}.tmp" && \
		mv "$(DESTDIR)$(UNITDIR)/$${u##*/}.tmp" "$(DESTDIR)$(UNITDIR)/$${u##*/}" || exit 1; \
	done
	$(Q)for c in leakwatch collector; do \
		f="$(DESTDIR)$(SYSCONFDIR)/leakwatch/$$c.yaml"; \
		if [ -e "$$f" ]; then echo "  kept     $$f (the default is in $(DOCDIR)/$$c.yaml)"; \
		else install -m 0644 deploy/$$c.yaml "$$f" || exit 1; fi; \
	done
	$(Q)install -m 0644 README.md deploy/leakwatch.yaml deploy/collector.yaml $(DESTDIR)$(DOCDIR)/
	$(Q)install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(COMPLETIONDIR)
	$(Q)for m in $(MANPAGES); do \
		sed 's/@VERSION@/$(VERSION)/' "$$m" > "$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}" && \
		chmod 0644 "$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}" || exit 1; \
	done
	$(Q)install -m 0644 deploy/completions/leakwatch deploy/completions/leakwatch-collector $(DESTDIR)$(COMPLETIONDIR)/
	$(Q)[ -n "$(DESTDIR)" ] || echo "  then:    systemctl daemon-reload && systemctl enable --now leakwatch-agent"

# The Debian package, build/deb-ARCH/leakwatch_VERSION_ARCH.deb: built apart
# with Debian's hardening flags, installed for /usr, and packed by
# deploy/debian/build-deb.sh, from a clean build so that the flags are
# Debian's throughout. `make deb ARCH=arm64` cross-builds the arm64
# one. `make test-deb-install` installs it in a clean debootstrap chroot.
DEB_BUILD ?= build/deb-$(DEB_ARCH)
DEB_FLAGS := DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_HOST_ARCH=$(DEB_ARCH)
.PHONY: deb test-deb-install
deb:
	$(Q)deploy/setup.sh deb
	$(Q)[ "$(ARCH)" = "$(HOST_ARCH)" ] || deploy/setup.sh cross $(DEB_ARCH)
	$(Q)rm -rf $(DEB_BUILD)
	$(Q)$(DEB_FLAGS) CFLAGS="$$($(DEB_FLAGS) dpkg-buildflags --get CFLAGS)" \
		CPPFLAGS="$$($(DEB_FLAGS) dpkg-buildflags --get CPPFLAGS)" \
		LDFLAGS="$$($(DEB_FLAGS) dpkg-buildflags --get LDFLAGS)" \
		$(MAKE) --no-print-directory ARCH=$(ARCH) BUILD=$(DEB_BUILD) all
	$(Q)$(MAKE) --no-print-directory -o all ARCH=$(ARCH) BUILD=$(DEB_BUILD) install DESTDIR=$(CURDIR)/$(DEB_BUILD)/root \
		PREFIX=/usr UNITDIR=/lib/systemd/system >/dev/null
	$(Q)deploy/debian/build-deb.sh $(DEB_ARCH) $(DEB_BUILD)/root $(DEB_BUILD)

test-deb-install: deb
	$(Q)tests/package/install.sh $(CURDIR)/$(DEB_BUILD)/leakwatch_$(VERSION)_$(DEB_ARCH).deb

# The container image for amd64 and arm64 (deploy/docker/Dockerfile), tagged
# with VERSION: needs docker buildx (and binfmt for the arm64 runtime
# stage's apt-get); PUSH=1 pushes it to IMAGE's registry.
IMAGE ?= leakwatch
.PHONY: image
image:
	docker buildx build --platform linux/amd64,linux/arm64 --build-arg VERSION=$(VERSION) \
		-f deploy/docker/Dockerfile -t $(IMAGE):$(VERSION) $(if $(PUSH),--push) .

# Updates the checksum/config annotations of the Kubernetes workloads after a
# change to their ConfigMaps.
k8s-checksum:
	$(Q)deploy/kubernetes/update-checksums.sh

# vmlinux/arm64 on any machine, from the BTF of Debian's arm64 kernel
# package: the one vmlinux/arm64/SOURCE names (KERNEL_PKG=PACKAGE=VERSION for
# another, KERNEL_PKG=latest for the archive's current one), checked against
# its -dbg package (800 MB, cached). See vmlinux/from-debian.sh.
vmlinux-arm64:
	$(Q)deploy/setup.sh arm64
	$(Q)vmlinux/from-debian.sh arm64 $(KERNEL_PKG) --dbg

# Regenerates the committed CO-RE header from the running kernel's BTF.
vmlinux:
	$(Q)mkdir -p vmlinux/$(ARCH)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h.tmp
	$(Q)mv vmlinux/$(ARCH)/vmlinux.h.tmp vmlinux/$(ARCH)/vmlinux.h
	$(Q)printf 'vmlinux.h generated from Linux %s (%s) on %s\n' "$$(uname -r)" "$$(uname -m)" "$$(date -u +%F)" > vmlinux/$(ARCH)/SOURCE

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/bpf/*.d $(BUILD)/lib/*/*.d $(BUILD)/agent/*/*.d $(BUILD)/agent/probes/*/*.d $(BUILD)/tests/*.d \
	$(BUILD)/agent/detect/gen/*.d)
