#!/bin/sh
# need-packages.sh HEADER=PACKAGE ... - make sure each C header is there
# (or, for cmd:PROGRAM=PACKAGE, each program is on PATH).
#
# For every header the compiler cannot find (and for the compiler itself),
# the Debian package that provides it is installed with apt-get when we are
# root; otherwise we stop and print the exact command to run.  Used by
# `make check` and `make run` so that they work on a fresh Debian machine.
set -eu
CC=${CC:-cc}
# CC may carry flags (make's HOST_CPPFLAGS): the program is its first word.
ccprog=${CC%% *}
missing=""
# A C compiler and the C library's headers first: without them no header
# can be found (Debian's gcc provides cc).
if ! command -v "$ccprog" >/dev/null 2>&1; then
    case "$ccprog" in
    cc | gcc) missing=" gcc libc6-dev" ;;
    *) echo "vmlab: the C compiler '$ccprog' is not installed" >&2; exit 1 ;;
    esac
elif ! printf '#include <stdio.h>\n' | $CC -E -x c - >/dev/null 2>&1; then
    missing=" libc6-dev"
fi
for pair in "$@"; do
    header=${pair%%=*}
    package=${pair#*=}
    case "$header" in
    cmd:*)
        command -v "${header#cmd:}" >/dev/null 2>&1 || missing="$missing $package"
        continue ;;
    esac
    if ! printf '#include <%s>\n' "$header" | $CC -E -x c - >/dev/null 2>&1; then
        missing="$missing $package"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "vmlab needs these packages:$missing" >&2
    echo "install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "vmlab needs these packages:$missing (no apt-get here: install them with your package manager)" >&2
    exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q $missing >&2
