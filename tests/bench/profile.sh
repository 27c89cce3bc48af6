#!/bin/sh
# profile.sh BUILD - make bench-profile: host instructions counted by
# valgrind's cachegrind (counts, not times: the same on a loaded machine
# as on an idle one, and the same from run to run), for
#   - a guest instruction on the bare machine: the FNV loop of make bench
#     (paging on, user mode) at two lengths, the difference of the counts
#     over the difference of the guest instructions, so that start-up and
#     the tool's own code cancel;
#   - a VM exit: vrun --boot 'syscalls 20000' under the VMM minus the same
#     natively, over the VM's exits (from --stats-json), one run of each.
# The arithmetic is bench --cost (tests/bench/stats.c, suite bench_stats).
set -eu
build=${1:-build}
bench=$build/rel/bench
vrun=$build/bin/vrun
kernel=$build/guest-os/kernel.elf
short=${FNV_SHORT:-1000000}
long=${FNV_LONG:-3000000}
boot=${PROFILE_BOOT:-syscalls 20000}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# host_ir OUT CMD... - runs CMD under cachegrind, its stdout into OUT;
# prints the instructions it executed (cachegrind's Ir total).
host_ir() {
    out=$1
    shift
    if ! valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$tmp/cg" "$@" >"$out" 2>"$tmp/vg"; then
        echo "bench-profile: $* failed under valgrind:" >&2
        cat "$tmp/vg" >&2
        exit 1
    fi
    awk '/^summary:/ { print $2 }' "$tmp/cg"
}

# json_field FILE KEY - the first number after "KEY": in a --stats-json file.
json_field() {
    sed -n "s/.*\"$2\": \\([0-9][0-9]*\\).*/\\1/p" "$1" | head -n 1
}

# json_exits FILE - the VM's exits of every kind, summed.
json_exits() {
    sed -n 's/.*"exits": {\([^}]*\)}.*/\1/p' "$1" | head -n 1 |
        awk -F, '{ n = 0; for (i = 1; i <= NF; i++) { split($i, kv, ":"); n += kv[2] } print n }'
}

ir_s=$(host_ir "$tmp/fs" "$bench" --fnv "$short")
ir_l=$(host_ir "$tmp/fl" "$bench" --fnv "$long")
g_s=$(cat "$tmp/fs")
g_l=$(cat "$tmp/fl")
per_insn=$("$bench" --cost "$ir_l" "$g_l" "$ir_s" "$g_s")

# Natively, --stats and --stats-json count every instruction by kind (a
# slower loop): the native count is taken without, and its instructions
# from a run of its own outside valgrind.
ir_n=$(host_ir "$tmp/vn" "$vrun" --native "$kernel" --boot "$boot")
"$vrun" --native "$kernel" --boot "$boot" --stats-json "$tmp/n.json" >/dev/null
ir_v=$(host_ir "$tmp/vv" "$vrun" "$kernel" --boot "$boot" --stats-json "$tmp/v.json")
gi_n=$(json_field "$tmp/n.json" instructions)
gi_v=$(json_field "$tmp/v.json" instructions)
exits=$(json_exits "$tmp/v.json")
if [ "$gi_n" != "$gi_v" ] || ! cmp -s "$tmp/vn" "$tmp/vv"; then
    echo "bench-profile: '$boot' differs natively and under the VMM ($gi_n and $gi_v instructions)" >&2
    exit 1
fi
per_exit=$("$bench" --cost "$ir_v" "$exits" "$ir_n" 0)

echo "vmlab bench-profile: host instructions (valgrind cachegrind, Ir; counts, not times)"
echo "  bare machine, FNV loop, paging on, user mode:"
printf '    %-44s %14s host insns  %12s guest insns\n' "--fnv $short" "$ir_s" "$g_s"
printf '    %-44s %14s host insns  %12s guest insns\n' "--fnv $long" "$ir_l" "$g_l"
printf '    host instructions per guest instruction: %s\n' "$per_insn"
echo "  VM exits, vrun --boot '$boot' (cache shadows):"
printf '    %-44s %14s host insns  %12s guest insns\n' "native" "$ir_n" "$gi_n"
printf '    %-44s %14s host insns  %12s exits\n' "under the VMM" "$ir_v" "$exits"
printf '    host instructions per VM exit (VMM - native) / exits: %s\n' "$per_exit"
