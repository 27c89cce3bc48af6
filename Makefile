# vmlab - top-level build.  `make help` lists the targets.
#
# Two flavours of every object: build/rel (optimised; the tools in
# build/bin and the benchmark) and build/san (AddressSanitizer and
# UndefinedBehaviorSanitizer; what `make check` tests).

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   := build

# HOST_CPPFLAGS and HOST_LDFLAGS: where a system keeps readline and CUnit
# when its compiler does not look there (macOS with Homebrew:
# docs/labs/README.md, "Students' machines").
HOST_CPPFLAGS ?=
HOST_LDFLAGS  ?=
CPPFLAGS := -D_POSIX_C_SOURCE=200809L -MMD -MP $(HOST_CPPFLAGS)
WARN     := -std=c11 -Wall -Wextra -Werror
REL_CFLAGS := $(WARN) -O2 -g
SAN_CFLAGS := $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=address,undefined

# --- layers ------------------------------------------------------------------
#
# One static library per directory, $(BUILD)/FLAVOUR/lib/libvmlab-NAME.a,
# each compiled with its own include paths and those of the layers it may
# use, and no others: isa/ cannot include a header of vmm/, and a tool
# links only what it needs (the assembler no VMM code).  NAME_USES is
# every layer NAME may use, in link order; tests/test_layers.c (suite
# `layers`) checks the sources, the libraries and the tools against the
# same rule.
#
#   isa      isa/               the machine
#   ref      isa/ref/           the reference CPU and the difftest   uses isa
#   asm      assembler/         the assembler and disassembler       uses isa
#   vmm      vmm/               the VMM                              uses isa
#   session  tools/session*.c   what the front ends share            uses vmm isa
#   monitor  monitor/           the monitor behind vmon              uses session vmm asm isa
#
# The programs' main files are tools/NAME.c, each linking the libraries of
# NAME_LIBS and compiled with their include paths (and -Itools); the
# tests and the benchmark may use everything.
LIBS         := isa ref asm vmm session monitor
isa_DIR      := isa
ref_DIR      := isa/ref
asm_DIR      := assembler
vmm_DIR      := vmm
session_DIR  := tools
monitor_DIR  := monitor
isa_SRC      := $(sort $(wildcard isa/*.c))
ref_SRC      := $(sort $(wildcard isa/ref/*.c))
asm_SRC      := $(sort $(wildcard assembler/*.c))
vmm_SRC      := $(sort $(wildcard vmm/*.c))
session_SRC  := $(sort $(wildcard tools/session*.c))
monitor_SRC  := $(sort $(wildcard monitor/*.c))
isa_USES     :=
ref_USES     := isa
asm_USES     := isa
vmm_USES     := isa
session_USES := vmm asm isa
monitor_USES := session vmm asm isa

TOOLS     := vrun visa vasm vdis vmon
vrun_LIBS := session vmm asm ref isa
visa_LIBS := isa
TOOLS     += vpg
vpg_LIBS  := isa
vasm_LIBS := asm isa
vdis_LIBS := asm isa
vmon_LIBS := monitor session vmm asm ref isa
# Libraries from the system a tool links besides its layers: readline for the
# monitor's prompt (tools/vmon.c; the monitor layer itself does not use it).
vmon_LDLIBS := -lreadline
# The experiment runner (tools/vexp*.c): the lists of techniques and
# policies from the VMM; it runs vrun for everything else.
TOOLS     += vexp
vexp_LIBS := vmm isa
MAIN_SRC  := $(patsubst %,tools/%.c,$(TOOLS))
# A program's other files, tools/NAME_PART.c (not a layer's: session*.c
# is the session's), compiled like its main and linked into it alone.
tool_parts = $(filter-out $(session_SRC),$(sort $(wildcard tools/$(1)_*.c)))
# Everything, higher layers first, for the tests, the benchmark and the fuzz targets.
ALL_LIBS  := monitor session vmm asm ref isa
ALL_INC   := $(patsubst %,-I%,$(foreach l,$(ALL_LIBS),$($(l)_DIR)))

# The include paths of a source file: its layer's, its tool's, or (tests/) all.
layer_of = $(strip $(foreach l,$(LIBS),$(if $(filter $(1),$($(l)_SRC)),$(l))))
lib_inc  = $(patsubst %,-I%,$($(1)_DIR) $(foreach u,$($(1)_USES),$($(u)_DIR)))
tool_inc = $(patsubst %,-I%,tools $(filter-out tools,$(foreach l,$($(1)_LIBS),$($(l)_DIR))))
tool_of  = $(firstword $(subst _, ,$(basename $(notdir $(1)))))
inc_for  = $(if $(call layer_of,$(1)),$(call lib_inc,$(call layer_of,$(1))),$(if $(filter $(1),$(MAIN_SRC) $(call \
           tool_parts,$(call tool_of,$(1)))),$(call tool_inc,$(call tool_of,$(1))),$(if $(filter \
           tests/%,$(1)),$(ALL_INC),$(if $(filter labs/%,$(1)),$(LAB_INC),$(error $(1): in no layer)))))

# The fuzz targets' checks (tests/fuzz) serve both the test binary, which
# replays kept inputs, and the libFuzzer binaries of `make fuzz`.
FUZZ_SRC  := $(sort $(filter-out tests/fuzz/libfuzzer.c tests/fuzz/campaign.c,$(wildcard tests/fuzz/*.c)))
# The mutator (tests/mutate) serves make mutate and suite `rules`.
MUTATOR_SRC := tests/mutate/mutator.c
# The bench's medians and spreads (tests/bench/stats.c) serve suite bench_stats.
BENCH_STATS_SRC := tests/bench/stats.c
# make bench-peers' parsers and arithmetic (tests/bench/peers) serve suite bench_peers.
BENCH_PEERS_SRC := tests/bench/peers/listing.c tests/bench/peers/figures.c
# The handout maker's cutting (labs/handout/regions.c) serves suite labs.
LAB_REGIONS_SRC := labs/handout/regions.c
TEST_SRC  := $(sort $(wildcard tests/*.c)) $(FUZZ_SRC) $(MUTATOR_SRC) $(BENCH_STATS_SRC) $(BENCH_PEERS_SRC) $(LAB_REGIONS_SRC)
BENCH_SRC := $(sort $(wildcard tests/bench/*.c))

# Headers make check needs, and the Debian packages that carry them.
# A name with a leading "cmd:" is a program on PATH rather than a header.
TEST_PACKAGES := CUnit/CUnit.h=libcunit1-dev readline/readline.h=libreadline-dev cmd:valgrind=valgrind cmd:tmux=tmux

obj  = $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(2))
lib  = $(BUILD)/$(1)/lib/libvmlab-$(2).a
libs = $(foreach l,$(2),$(call lib,$(1),$(l)))

.PHONY: grade lab-handout
.PHONY: all run check check-switch check-forward bench bench-profile bench-peers install clean help deps docs valgrind fuzz fuzz-campaign difftest mutate experiments

all: $(addprefix $(BUILD)/bin/,$(TOOLS)) $(call libs,rel,$(LIBS))

help:
	@echo "make          build the tools into build/bin/ (and their libraries into build/rel/lib/)"
	@echo "make run      the main job: the guest OS's demo under the VMM, and the VMM's statistics"
	@echo "make guest    assemble the guest OS: build/guest-os/kernel.elf and its user programs,"
	@echo "              and kernel-pv.elf, the paravirtualized build (docs/guest-os.md 15)"
	@echo "make check    every test, built with ASan and UBSan (installs CUnit if missing);"
	@echo "              SUITE=mmu, SUITES='mmu tlbhole' or SUITE='asm_*' runs only those suites"
	@echo "make bench    the machine against native C, the VMM against the bare machine, in CPU"
	@echo "              time, medians and spreads of BENCH_ROUNDS interleaved rounds (default 7)"
	@echo "make bench-profile  host instructions per guest instruction and per VM exit, counted"
	@echo "              by valgrind's cachegrind (installs valgrind if missing)"
	@echo "make bench-peers  the FNV loop natively, on vmlab bare and under the VMM, on QEMU user"
	@echo "              and system (riscv32) and on SPIM, one table (PEERS_ROUNDS, default 7;"
	@echo "              installs QEMU, SPIM and a RISC-V toolchain if missing)"
	@echo "make valgrind the tests without sanitizers, under Valgrind"
	@echo "make fuzz     every fuzz target for FUZZ_SECONDS seconds each (default 60) in FUZZ_JOBS"
	@echo "              processes (default 1); needs clang (installed if missing)"
	@echo "make fuzz-campaign  FUZZ_EXECS inputs (default 10000000) of FUZZ_TARGET (guest),"
	@echo "              mutated from the corpora, optimised and UBSan-checked, in FUZZ_JOBS"
	@echo "make check-switch  the CPU loop built as a plain switch (-DVMLAB_SWITCH_DISPATCH,"
	@echo "              the portable C fallback) through the suites that test it, in build/switch"
	@echo "make check-forward the CPU loop with forwarded forms (-DVMLAB_FORWARD) through"
	@echo "              the same suites, in build/forward"
	@echo "make difftest every machine suite and every guest-OS workload (both ISA"
	@echo "              variants) beside the reference CPU, step by step (docs/testing.md)"
	@echo "make mutate   mutation testing of the VMM and the trap rules: each mutant built, the fast"
	@echo "              suites run, survivors in build/mutate/report.txt (MUTATE_FILES, MUTATE_JOBS,"
	@echo "              MUTATE_SUITES, MUTATE_TIMEOUT; docs/testing.md)"
	@echo "make install  PREFIX=/usr/local DESTDIR="
	@echo "make docs     regenerate the tables in docs/isa.md and docs/assembler.md"
	@echo "make experiments  run the standard matrix (docs/experiments.matrix) with vexp and"
	@echo "              regenerate docs/experiments.md and its plots (installs gnuplot if missing)"
	@echo "make grade LAB=N  lab N's tests (docs/labs/), a verdict and points each and the score,"
	@echo "              also in build/labs/labN/grade.json; GRADE_EXTRA=DIR adds an instructor's"
	@echo "              hidden tests (DIR/labN/*.s), TESTS='a b' only those; in a handout LAB"
	@echo "              defaults to its lab"
	@echo "make lab-handout LAB=N DEST=DIR  lab N's starter tree: the regions of lab N and"
	@echo "              the labs after it replaced by stubs (docs/labs/README.md)"
	@echo "make clean    remove build/"

# --- compiling ---------------------------------------------------------------

$(BUILD)/rel/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(call inc_for,$<) $(CPPFLAGS) $(REL_CFLAGS) -c $< -o $@

$(BUILD)/san/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(call inc_for,$<) $(CPPFLAGS) $(SAN_CFLAGS) -c $< -o $@

# --- libraries -------------------------------------------------------------------

# Every flavour of object has its libraries: rel and san, and the fuzzers'.
FLAVOURS := rel san fuzz-cmp fuzz-fast campaign

define lib_rules
$(call lib,$(1),$(2)): $(call obj,$(1),$($(2)_SRC))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(foreach f,$(FLAVOURS),$(foreach l,$(LIBS),$(eval $(call lib_rules,$(f),$(l)))))

# --- tools ---------------------------------------------------------------------

define tool_rules
$(BUILD)/bin/$(1): $(call obj,rel,tools/$(1).c $(call tool_parts,$(1))) $(call libs,rel,$($(1)_LIBS))
	@mkdir -p $$(dir $$@)
	$$(CC) $$^ $(HOST_LDFLAGS) $($(1)_LDLIBS) -o $$@
$(BUILD)/san/bin/$(1): $(call obj,san,tools/$(1).c $(call tool_parts,$(1))) $(call libs,san,$($(1)_LIBS))
	@mkdir -p $$(dir $$@)
	$$(CC) $(SAN_LDFLAGS) $$^ $(HOST_LDFLAGS) $($(1)_LDLIBS) -o $$@
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rules,$(t))))

# --- the main job ----------------------------------------------------------------

# The guest OS's default demo under the VMM (cache shadows), then the
# VMM's summary: exits by reason, efficiency, page faults, shadow tables.
run:
	@CC="$(CC) $(HOST_CPPFLAGS)" tests/need-packages.sh readline/readline.h=libreadline-dev
	@$(MAKE) --no-print-directory all
	$(BUILD)/bin/vrun --stats $(GUEST_KERNEL)

# --- tests ---------------------------------------------------------------------

# A lab handout has no developers' tests (docs/labs/README.md): the
# targets that run them say so instead of failing on a missing file.
.PHONY: not-in-handout
not-in-handout:
	@test -f tests/main.c || { echo "make: the developers' tests are not part of a lab handout;" \
	    "'make grade' grades your lab (docs/labs/README.md)" >&2; exit 2; }

deps:
	@CC="$(CC) $(HOST_CPPFLAGS)" tests/need-packages.sh $(TEST_PACKAGES)

# vrun's main, renamed vrun_main, for the tests and fuzz targets that run
# its command line in-process (tests/fuzz/fuzz_vrun.c).
$(BUILD)/%/obj/tools/vrun_main.o: tools/vrun.c
	@mkdir -p $(dir $@)
	$(if $(filter fuzz-%,$*),$(FUZZ_CC),$(CC)) $(call inc_for,$<) $(CPPFLAGS) $($(subst -,_,$*)_VRUN_CFLAGS) \
	    -Dmain=vrun_main -c $< -o $@
san_VRUN_CFLAGS := $(SAN_CFLAGS)
rel_VRUN_CFLAGS := $(REL_CFLAGS)

$(BUILD)/san/tests/vmlab-tests: $(call obj,san,$(TEST_SRC)) $(BUILD)/san/obj/tools/vrun_main.o \
                                 $(call libs,san,$(ALL_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(SAN_LDFLAGS) $^ $(HOST_LDFLAGS) -lcunit -o $@

# Machine suites run again with every rig_run beside the reference CPU
# (VMLAB_DIFFTEST=1, docs/testing.md): the quick ones in make check, all of
# them, and every guest-OS workload in both variants, in make difftest
# (there in guest mode with nested paging too: suite guestos).
# SUITE and SUITES name the suites make check runs (all when neither is
# given), each a name or a shell pattern.
CHECK_SUITES = $(strip $(SUITES) $(SUITE))

DIFFTEST_CHECK := trap mmu timer console disk hosted stepping debug
DIFFTEST_ALL   := insn trap mmu tlbhole timer console disk determinism hosted stepping debug difftest guestos

# The sanitized tools serve every suite but `valgrind`, which runs the
# optimised tools of build/bin under Valgrind (the two checkers do not mix).
# The last line is the sum of both runs, "N passed, N failed".
check: not-in-handout deps
	@$(MAKE) --no-print-directory $(BUILD)/san/tests/vmlab-tests $(addprefix $(BUILD)/san/bin/,$(TOOLS)) all \
	    $(BUILD)/labs/handout
	@rm -f $(BUILD)/check.tally
	VMLAB_TALLY=$(BUILD)/check.tally VMLAB_BIN=$(BUILD)/san/bin VMLAB_REL_BIN=$(BUILD)/bin VMLAB_LIB=$(BUILD)/rel/lib \
	    VMLAB_CC="$(CC)" $(BUILD)/san/tests/vmlab-tests $(foreach s,$(CHECK_SUITES),'$(s)')
	$(if $(CHECK_SUITES),,VMLAB_TALLY=$(BUILD)/check.tally VMLAB_DIFFTEST=1 VMLAB_BIN=$(BUILD)/san/bin $(BUILD)/san/tests/vmlab-tests $(DIFFTEST_CHECK))
	@awk '{ p += $$1; f += $$2; n++ } END { if (n > 1) printf "\nmake check, both runs:\n%d passed, %d failed\n", p, f }' $(BUILD)/check.tally

# The CPU loop's portable fallback (isa/cpu_exec.c): a switch instead of
# label addresses, in a build of its own, through the suites of the loop.
SWITCH_SUITES := loop ref insn trap mmu timer stepping debug difftest guestmode guestcorners guestdiff
check-switch: not-in-handout deps
	@$(MAKE) --no-print-directory guest # the suites read the guest OS from $(BUILD), whatever builds the CPU
	$(MAKE) --no-print-directory BUILD=$(BUILD)/switch CPPFLAGS='$(CPPFLAGS) -DVMLAB_SWITCH_DISPATCH' \
	    check SUITES='$(SWITCH_SUITES)'

# The CPU loop with forwarded forms (-DVMLAB_FORWARD, isa/cpu_exec.c), in a
# build of its own, through the same suites.
check-forward: not-in-handout deps
	@$(MAKE) --no-print-directory guest # the suites read the guest OS from $(BUILD), whatever builds the CPU
	$(MAKE) --no-print-directory BUILD=$(BUILD)/forward CPPFLAGS='$(CPPFLAGS) -DVMLAB_FORWARD' \
	    check SUITES='$(SWITCH_SUITES)'

difftest: not-in-handout deps
	@$(MAKE) --no-print-directory $(BUILD)/san/tests/vmlab-tests $(addprefix $(BUILD)/san/bin/,$(TOOLS)) $(GUEST_KERNEL) $(GUEST_KERNEL_PV)
	VMLAB_DIFFTEST=1 VMLAB_BIN=$(BUILD)/san/bin $(BUILD)/san/tests/vmlab-tests $(DIFFTEST_ALL)

# The same tests, optimised and without sanitizers, under Valgrind.
$(BUILD)/rel/tests/vmlab-tests: $(call obj,rel,$(TEST_SRC)) $(BUILD)/rel/obj/tools/vrun_main.o \
                                 $(call libs,rel,$(ALL_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $^ $(HOST_LDFLAGS) -lcunit -o $@

valgrind: not-in-handout deps
	@$(MAKE) --no-print-directory $(BUILD)/rel/tests/vmlab-tests $(addprefix $(BUILD)/bin/,$(TOOLS))
	VMLAB_BIN=$(BUILD)/bin valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/rel/tests/vmlab-tests

# --- the guest OS (issue 5) ----------------------------------------------------
#
# guest-os/ is assembly for vasm.  Each user program is one image,
# build/guest-os/user/NAME.elf, from guest-os/user/NAME.s (which includes
# guest-os/user/lib.s; every .s there but lib.s is a program).  The kernel,
# build/guest-os/kernel.elf, is guest-os/kernel/kernel.s and the files it
# includes; it carries the user images (.incbin in guest-os/kernel/programs.s,
# found through -I), so it is rebuilt when any of them changes.  The tests
# run it (tests/test_guest.c) and so does the benchmark: their binaries
# depend on it, and `make check` builds it first.
#
#   make guest && build/bin/vrun --native build/guest-os/kernel.elf

GUEST_PROGS  := $(filter-out lib,$(basename $(notdir $(wildcard guest-os/user/*.s))))
GUEST_USER   := $(patsubst %,$(BUILD)/guest-os/user/%.elf,$(GUEST_PROGS))
GUEST_KERNEL := $(BUILD)/guest-os/kernel.elf
# The paravirtualized kernel (issue 16): the same source with -D PARAVIRT=1
# (the .if PARAVIRT branches, and hvstub.s, the bare machine's stand-in for
# the hypervisor), and the hypercall numbers made from isa/hypercalls.h.
GUEST_KERNEL_PV := $(BUILD)/guest-os/kernel-pv.elf
GUEST_HCALLS := $(BUILD)/guest-os/hypercall-numbers.s

.PHONY: guest
guest: $(GUEST_KERNEL) $(GUEST_KERNEL_PV)

# Each image with its listing (NAME.lst: address, encoding, source line)
# and symbol map (NAME.map), to place a pc a message gives.
$(BUILD)/guest-os/user/%.elf: guest-os/user/%.s guest-os/user/lib.s guest-os/syscall-numbers.s $(BUILD)/bin/vasm
	@mkdir -p $(dir $@)
	$(BUILD)/bin/vasm -o $@ -l $(@:.elf=.lst) -m $(@:.elf=.map) $<

$(GUEST_KERNEL): $(wildcard guest-os/kernel/*.s) guest-os/syscall-numbers.s $(GUEST_USER) $(BUILD)/bin/vasm
	@mkdir -p $(dir $@)
	$(BUILD)/bin/vasm -I $(BUILD)/guest-os/user -o $@ -l $(@:.elf=.lst) -m $(@:.elf=.map) guest-os/kernel/kernel.s

$(GUEST_HCALLS): isa/hypercalls.h $(BUILD)/bin/visa
	@mkdir -p $(dir $@)
	$(BUILD)/bin/visa --hypercalls > $@.tmp && mv $@.tmp $@

$(GUEST_KERNEL_PV): $(wildcard guest-os/kernel/*.s) guest-os/syscall-numbers.s $(GUEST_HCALLS) $(GUEST_USER) $(BUILD)/bin/vasm
	@mkdir -p $(dir $@)
	$(BUILD)/bin/vasm -D PARAVIRT=1 -I $(BUILD)/guest-os/user -I $(BUILD)/guest-os -o $@ -l $(@:.elf=.lst) -m $(@:.elf=.map) guest-os/kernel/kernel.s

all: $(GUEST_KERNEL) $(GUEST_KERNEL_PV)
$(BUILD)/san/tests/vmlab-tests: | $(GUEST_KERNEL) $(GUEST_KERNEL_PV)
$(BUILD)/rel/tests/vmlab-tests: | $(GUEST_KERNEL)   # make valgrind
$(BUILD)/rel/bench: | $(GUEST_KERNEL)               # make bench runs its workloads

# --- fuzzing -------------------------------------------------------------------
#
# One libFuzzer binary per target of tests/fuzz/fuzz_targets.h, built with
# clang (libFuzzer is clang's), ASan and UBSan, -O2.  `make fuzz` runs each
# for FUZZ_SECONDS; findings land in build/fuzz/findings/TARGET/
# (docs/testing.md).  The elf and asm targets trace comparisons, which lets
# libFuzzer find magic numbers such as ELF headers; the guest target's
# generator needs none, and without that tracing it runs three times as
# many guests a second.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_TARGETS ?= guest elf asm vrun
FUZZ_FLAGS_cmp  := -fsanitize=fuzzer-no-link,address,undefined
FUZZ_FLAGS_fast := -fsanitize=address,undefined -fsanitize-coverage=inline-8bit-counters,pc-table
FUZZ_PROFILE_guest := fast
FUZZ_PROFILE_elf   := cmp
FUZZ_PROFILE_asm   := cmp
FUZZ_PROFILE_vrun  := cmp
fuzz_cmp_VRUN_CFLAGS  := $(WARN) -O2 -g $(FUZZ_FLAGS_cmp) -fno-sanitize-recover=all
fuzz_fast_VRUN_CFLAGS := $(WARN) -O2 -g $(FUZZ_FLAGS_fast) -fno-sanitize-recover=all
FUZZ_PACKAGES := cmd:$(FUZZ_CC)=clang

$(BUILD)/fuzz-cmp/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(call inc_for,$<) $(CPPFLAGS) $(WARN) -O2 -g $(FUZZ_FLAGS_cmp) -fno-sanitize-recover=all -c $< -o $@

$(BUILD)/fuzz-fast/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(call inc_for,$<) $(CPPFLAGS) $(WARN) -O2 -g $(FUZZ_FLAGS_fast) -fno-sanitize-recover=all -c $< -o $@

FUZZ_BINS := $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))

define fuzz_rules
$(BUILD)/fuzz/entry-$(1).o: tests/fuzz/libfuzzer.c
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $(ALL_INC) $(CPPFLAGS) $(WARN) -O2 -g $(FUZZ_FLAGS_$(FUZZ_PROFILE_$(1))) -DFUZZ_TARGET_FN=fuzz_check_$(1) -c $$< -o $$@
$(BUILD)/fuzz/$(1): $(BUILD)/fuzz/entry-$(1).o $(call obj,fuzz-$(FUZZ_PROFILE_$(1)),$(FUZZ_SRC)) \
                   $(BUILD)/fuzz-$(FUZZ_PROFILE_$(1))/obj/tools/vrun_main.o $(call libs,fuzz-$(FUZZ_PROFILE_$(1)),$(ALL_LIBS))
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $$^ -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rules,$(t))))

# Long campaigns: tests/fuzz/campaign.c drives a target's check without
# libFuzzer, optimised and with UBSan only, several times as fast.
FUZZ_EXECS  ?= 10000000
FUZZ_TARGET ?= guest
campaign_VRUN_CFLAGS := $(WARN) -O2 -g -fsanitize=undefined -fno-sanitize-recover=all

$(BUILD)/campaign/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(call inc_for,$<) $(CPPFLAGS) $(campaign_VRUN_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/campaign: $(call obj,campaign,tests/fuzz/campaign.c $(FUZZ_SRC)) $(BUILD)/campaign/obj/tools/vrun_main.o \
                        $(call libs,campaign,$(ALL_LIBS))
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=undefined $^ -o $@

fuzz-campaign: $(BUILD)/fuzz/campaign $(GUEST_KERNEL)
	tests/fuzz/campaign.sh $(FUZZ_TARGET) $(FUZZ_EXECS) $(FUZZ_JOBS)

fuzz:
	@CC="$(FUZZ_CC)" tests/need-packages.sh $(FUZZ_PACKAGES)
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

# --- benchmark -----------------------------------------------------------------

$(BUILD)/rel/bench: $(call obj,rel,$(BENCH_SRC)) $(call libs,rel,$(ALL_LIBS))
	$(CC) $^ -o $@

# BENCH_ROUNDS: how many interleaved rounds each figure is the median of.
bench: not-in-handout $(BUILD)/rel/bench
	$(BUILD)/rel/bench $(if $(BENCH_ROUNDS),-n $(BENCH_ROUNDS))

# Counts, not times (docs/performance.md): FNV_SHORT and FNV_LONG iterations
# of the FNV loop, PROFILE_BOOT for the exits.
bench-profile: $(BUILD)/rel/bench $(BUILD)/bin/vrun $(GUEST_KERNEL)
	@tests/need-packages.sh cmd:valgrind=valgrind
	tests/bench/profile.sh $(BUILD)

# make bench-peers (docs/performance.md, "5. Peers side by side"): the same
# FNV loop on vmlab and its peers.  The tools come from Debian first, since
# the RISC-V images need their compiler; PEERS_ITERS_ADDR is where the
# bare-metal image reads its count, which QEMU's loader device writes.
PEERS_DIR        := $(BUILD)/peers
PEERS_ITERS_ADDR := 0x80200000
PEERS_PACKAGES   := cmd:qemu-riscv32=qemu-user cmd:qemu-system-riscv32=qemu-system-misc \
                    cmd:riscv64-unknown-elf-gcc=gcc-riscv64-unknown-elf \
                    cmd:riscv64-unknown-elf-objdump=binutils-riscv64-unknown-elf cmd:spim=spim cmd:script=bsdutils
RV32_CC          := riscv64-unknown-elf-gcc -march=rv32im -mabi=ilp32 -nostdlib -static
PEERS_BINS       := $(addprefix $(PEERS_DIR)/,peers native fnv_vmlab.elf fnv_user.elf fnv_sys.elf)

$(PEERS_DIR)/peers: tests/bench/peers/main.c $(BENCH_PEERS_SRC) $(BENCH_STATS_SRC) tests/bench/peers/peers.h \
                    tests/bench/stats.h tests/bench/fnv_loop.h
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -DPEERS_ITERS_ADDR=$(PEERS_ITERS_ADDR) $(filter %.c,$^) -lm -o $@
$(PEERS_DIR)/native: tests/bench/peers/native.c tests/bench/fnv_loop.h
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 $< -o $@
$(PEERS_DIR)/fnv_vmlab.elf: tests/bench/peers/fnv_vmlab.s $(BUILD)/bin/vasm
	@mkdir -p $(@D)
	$(BUILD)/bin/vasm -o $@ $<
$(PEERS_DIR)/fnv_user.elf: tests/bench/peers/fnv_rv32.S
	@mkdir -p $(@D)
	$(RV32_CC) -o $@ $<
$(PEERS_DIR)/fnv_sys.elf: tests/bench/peers/fnv_rv32.S
	@mkdir -p $(@D)
	$(RV32_CC) -DSYSTEM -DITERS_ADDR=$(PEERS_ITERS_ADDR) -Wl,-Ttext=0x80000000 -o $@ $<

bench-peers: $(BUILD)/bin/vrun $(BUILD)/bin/vdis
	@tests/need-packages.sh $(PEERS_PACKAGES)
	@$(MAKE) --no-print-directory $(PEERS_BINS)
	$(PEERS_DIR)/peers $(if $(PEERS_ROUNDS),-n $(PEERS_ROUNDS)) $(BUILD)

# --- mutation testing (docs/testing.md, "Mutation testing") ---------------------
#
# Each mutant of MUTATE_FILES is built, optimised and without sanitizers,
# in a private copy of the tree under build/mutate/ (the tree itself is
# never touched), and MUTATE_SUITES of the test binary run on it with the
# copy's tools, MUTATE_JOBS mutants at a time, each stopped (and counted
# killed) after MUTATE_TIMEOUT seconds; everything in MUTATE_OUT.  MUTATE_ONLY
# names a file of points (a report's survivors): only those run.

MUTATE_FILES   ?= vmm/interp.c vmm/dispatch.c vmm/reflect.c isa/system.c isa/trap.c isa/sensitive.c \
                  isa/sensitive.h vmm/shadow.c
MUTATE_JOBS    ?= 1
MUTATE_SUITES  ?= vmm guest trap insn isolation hostile smoke hosted debug mmu stepping timer console disk disk_store \
                  determinism vmstep fuzzregress vrun_vmm rules views
MUTATE_TIMEOUT ?= 20
MUTATE_OUT     ?= $(BUILD)/mutate

$(BUILD)/rel/mutate: $(call obj,rel,tests/mutate/mutate.c $(MUTATOR_SRC)) $(call lib,rel,isa)
	$(CC) $^ -o $@

mutate: not-in-handout deps
	@$(MAKE) --no-print-directory $(BUILD)/rel/mutate $(BUILD)/rel/tests/vmlab-tests all
	MUTATE_ONLY="$(MUTATE_ONLY)" tests/mutate/run.sh $(BUILD)/rel/mutate "$(MUTATE_FILES)" "$(MUTATE_JOBS)" "$(MUTATE_SUITES)" "$(MUTATE_TIMEOUT)" "$(MUTATE_OUT)"

# --- the labs (docs/labs/README.md) ----------------------------------------------
#
# The autograder, build/labs/grade: the runner (labs/grade/) and every
# lab's tests (labs/labN/*.c), which may use every library, like tests/.
# `make` builds it too, so that it never runs a VMM older than the
# library a student just changed.
# The handout maker, build/labs/handout (labs/handout/), uses none.  In a
# handout, the file LAB holds its lab's number: `make grade` grades it.
LAB_INC         := $(ALL_INC) -Ilabs/grade -Ilabs/handout
LAB_GRADE_SRC   := $(sort $(wildcard labs/grade/*.c) $(wildcard labs/lab[0-9]*/*.c))
LAB_HANDOUT_SRC := $(sort $(wildcard labs/handout/*.c))
LAB             ?= $(shell cat LAB 2>/dev/null)
TESTS           ?=
GRADE_JOBS      ?= 2

$(BUILD)/labs/grade: $(call obj,rel,$(LAB_GRADE_SRC)) $(call libs,rel,$(ALL_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $^ $(HOST_LDFLAGS) -o $@
$(BUILD)/labs/handout: $(call obj,rel,$(LAB_HANDOUT_SRC))
	@mkdir -p $(dir $@)
	$(CC) $^ -o $@

grade:
	@$(if $(LAB),,echo "make grade: say which lab: make grade LAB=N (1 to 5)" >&2; exit 2)
	@CC="$(CC) $(HOST_CPPFLAGS)" tests/need-packages.sh readline/readline.h=libreadline-dev
	@$(MAKE) --no-print-directory all
	$(BUILD)/labs/grade --root . --build $(BUILD) -j $(GRADE_JOBS) $(if $(GRADE_EXTRA),--extra $(GRADE_EXTRA)) $(LAB) $(TESTS)

lab-handout: $(BUILD)/labs/handout
	@$(if $(LAB),,echo "make lab-handout: say which lab: make lab-handout LAB=N DEST=DIR" >&2; exit 2)
	@$(if $(DEST),,echo "make lab-handout: say where: make lab-handout LAB=N DEST=DIR" >&2; exit 2)
	$(BUILD)/labs/handout --lab $(LAB) . $(DEST)

all: $(BUILD)/labs/grade

# --- install -------------------------------------------------------------------

# The guest kernel goes to share/vmlab, so that an installed vrun has a
# guest to run: vrun --stats $(PREFIX)/share/vmlab/kernel.elf
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/vmlab $(DESTDIR)$(PREFIX)/share/vmlab
	install -m 755 $(addprefix $(BUILD)/bin/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 README.md $(wildcard docs/*.md) $(DESTDIR)$(PREFIX)/share/doc/vmlab/
	install -m 644 $(GUEST_KERNEL) $(DESTDIR)$(PREFIX)/share/vmlab/

# Regenerate the tables in the manual from the instruction table.
docs: $(BUILD)/bin/visa $(BUILD)/bin/vasm
	$(BUILD)/bin/visa --update docs/isa.md
	$(BUILD)/bin/visa --update docs/assembler.md
	$(BUILD)/bin/vasm --update-docs docs/assembler.md

# --- experiments (docs/experiments.md) -------------------------------------------
#
# The classifier's tables (vpg, when the tree has it) and the standard
# matrix, docs/experiments.matrix, run by vexp; docs/experiments.md is
# written from docs/experiments.in.md, its plots and data in
# docs/experiments/.
EXP_DIR := $(BUILD)/experiments
experiments:
	@CC="$(CC) $(HOST_CPPFLAGS)" tests/need-packages.sh cmd:gnuplot=gnuplot-nox
	@$(MAKE) --no-print-directory all
	@mkdir -p $(EXP_DIR)
	rm -f $(EXP_DIR)/vpg-*
	$(if $(wildcard tools/vpg.c),$(BUILD)/bin/vpg --markdown > $(EXP_DIR)/vpg-table.md.tmp && \
	    mv $(EXP_DIR)/vpg-table.md.tmp $(EXP_DIR)/vpg-table.md && \
	    for isa in pg x86like; do $(BUILD)/bin/vpg --isa $$isa > $(EXP_DIR)/vpg-$$isa.txt.tmp && \
	    mv $(EXP_DIR)/vpg-$$isa.txt.tmp $(EXP_DIR)/vpg-$$isa.txt || exit 1; done)
	nice $(BUILD)/bin/vexp --matrix docs/experiments.matrix --out docs/experiments \
	    --template docs/experiments.in.md --doc docs/experiments.md

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
