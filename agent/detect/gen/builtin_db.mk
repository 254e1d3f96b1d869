# Included by the Makefile, after DETECT_OBJS.
# The built-in database (agent/detect/hsdb.h): a generator built from the
# agent's own detect/ and rules/ objects (so from the same rule table and
# the same code that builds a scanner's patterns) compiles the built-in
# rules for any CPU of the architecture, and builtin_db.S embeds what it
# wrote. A change to the rules relinks the generator, which writes the
# database again. A cross build runs the generator under qemu-user
# (HSDB_WRAPPER, found on PATH: deploy/setup.sh cross installs it); without
# one it embeds nothing, and leakwatch compiles the rules at start-up.
QEMU_arm64 := qemu-aarch64
QEMU_x86 := qemu-x86_64
ifeq ($(origin HSDB_WRAPPER),undefined)
HSDB_WRAPPER := $(if $(CROSS),$(shell command -v $(QEMU_$(ARCH)) 2>/dev/null))
endif
ifeq ($(origin HSDB_EMBED),undefined)
HSDB_EMBED := $(if $(or $(filter $(ARCH),$(HOST_ARCH)),$(HSDB_WRAPPER)),1,0)
endif
HSDB_GEN := $(BUILD)/agent/detect/gen/builtin_db
HSDB_BLOB := $(BUILD)/agent/detect/builtin.hsdb
HSDB_NONE_OBJ := $(BUILD)/agent/detect/gen/no_db.o
# hsdb_asm FILE: assembler that defines lw_hsdb_builtin..lw_hsdb_builtin_end
# around FILE's bytes, or around nothing without FILE
hsdb_asm = { printf '\t.section .rodata.lw_hsdb,"a"\n\t.balign 64\n\t.globl lw_hsdb_builtin\nlw_hsdb_builtin:\n'; \
	$(if $(1),printf '\t.incbin "%s"\n' '$(abspath $(1))';) \
	printf '\t.globl lw_hsdb_builtin_end\nlw_hsdb_builtin_end:\n\t.section .note.GNU-stack,"",%%progbits\n'; }

$(HSDB_NONE_OBJ): agent/detect/gen/builtin_db.mk
	$(call msg,AS,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call hsdb_asm,) > $(@:.o=.S)
	$(Q)$(CC) $(CFLAGS) -c $(@:.o=.S) -o $@

$(HSDB_GEN): agent/detect/gen/builtin_db.c $(filter-out $(HSDB_OBJ),$(DETECT_OBJS)) $(HSDB_NONE_OBJ) $(LW_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(AGENT_CPPFLAGS) $(CFLAGS) $(CWARN) $(DEPFLAGS) $(LDFLAGS) $< $(filter %.o %.a,$^) \
		$(LDLIBS_DETECT) $(LDLIBS_LIB) -o $@

$(HSDB_BLOB): $(HSDB_GEN)
	$(call msg,HSDB,$@)
	$(Q)$(HSDB_WRAPPER) $(HSDB_GEN) $@

# Whether this build embeds one: a change reassembles builtin_db.S.
$(BUILD)/agent/detect/builtin_db.embed: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(HSDB_EMBED)' | cmp -s - $@ || echo '$(HSDB_EMBED)' > $@

$(HSDB_OBJ): agent/detect/gen/builtin_db.mk $(BUILD)/agent/detect/builtin_db.embed $(if $(filter 1,$(HSDB_EMBED)),$(HSDB_BLOB))
	$(call msg,AS,$@)
	$(Q)$(call hsdb_asm,$(if $(filter 1,$(HSDB_EMBED)),$(HSDB_BLOB))) > $(@:.o=.S)
	$(Q)$(CC) $(CFLAGS) -c $(@:.o=.S) -o $@
