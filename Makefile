# leakwatch: build out of tree into build/. `make V=1` shows every command.

ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
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
CPPFLAGS += -Iinclude -Iagent -I$(BUILD) -D_GNU_SOURCE -DLW_VERSION='"$(VERSION)"'
DEPFLAGS = -MMD -MP
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
	-Ivmlinux/$(ARCH) -Iinclude -Ibpf
LDLIBS_AGENT := -lbpf -lelf -lz -lyaml -lcrypto

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

AGENT_SRCS := $(wildcard agent/*.c)
AGENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(AGENT_SRCS))
# Everything but main() goes into a library the unit tests link against.
AGENT_LIB := $(BUILD)/libleakwatch.a
AGENT_LIB_OBJS := $(filter-out $(BUILD)/agent/main.o,$(AGENT_OBJS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all agent bpf run test unit-tests setup vmlinux clean
.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY: $(BPF_OBJS)

all: agent

agent: $(BUILD)/leakwatch
bpf: $(SKELS)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name lw_$* > $@

$(BUILD)/agent/%.o: agent/%.c | $(BUILD)/agent
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) -c $< -o $@

# The loader embeds the skeletons; the first build has no .d file to say so.
$(BUILD)/agent/loader.o: $(SKELS)

$(AGENT_LIB): $(AGENT_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/leakwatch: $(BUILD)/agent/main.o $(AGENT_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS_AGENT) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(AGENT_LIB) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) $< $(AGENT_LIB) $(LDLIBS_AGENT) -lcmocka -o $@

$(BUILD)/bpf $(BUILD)/agent $(BUILD)/tests:
	$(Q)mkdir -p $@

setup:
	$(Q)deploy/setup.sh all

# Installs what is missing, builds, and runs the agent with built-in defaults.
run:
	$(Q)deploy/setup.sh run
	$(Q)$(MAKE) --no-print-directory all
	$(Q)exec $(BUILD)/leakwatch run $(if $(CONFIG),--config $(CONFIG))

unit-tests: $(UNIT_BINS)

test:
	$(Q)deploy/setup.sh all
	$(Q)$(MAKE) --no-print-directory all unit-tests
	$(Q)BUILD=$(BUILD) tests/run.sh

# Regenerates the committed CO-RE header from the running kernel's BTF.
vmlinux:
	$(Q)mkdir -p vmlinux/$(ARCH)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h.tmp
	$(Q)mv vmlinux/$(ARCH)/vmlinux.h.tmp vmlinux/$(ARCH)/vmlinux.h
	$(Q)printf 'vmlinux.h generated from Linux %s (%s) on %s\n' "$$(uname -r)" "$$(uname -m)" "$$(date -u +%F)" > vmlinux/$(ARCH)/SOURCE

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/bpf/*.d $(BUILD)/agent/*.d $(BUILD)/tests/*.d)
