#!/bin/sh
# A dwz-processed debug file for the stripped C program (testdata/ccore,
# made by gen.sh), and gdb's backtrace of its null-strip core with it as
# the reference:
#   ccrash-dwz.debug         ccrash-strip.debug after `dwz -m` with a copy
#                            of ccrash-plain: the DIEs and strings both share
#                            (the inlined weigh()'s abstract DIE, types)
#                            moved to ccrash-dwz-common.debug, referred to
#                            by DW_FORM_GNU_ref_alt / DW_FORM_GNU_strp_alt
#                            and named by its .gnu_debugaltlink (relative
#                            name, build id)
#   ccrash-dwz               ccrash-strip with its .gnu_debuglink naming
#                            ccrash-dwz.debug (and its CRC32)
#   expected/null-dwz.gdb    gdb -batch 'thread apply all bt' with them
#   ccrash-sup.debug,        the same in DWARF 5's standard form (dwz -5):
#   ccrash-sup-common.debug  DW_FORM_ref_sup4 / DW_FORM_strp_sup into the
#   ccrash-sup               shared file, named by .debug_sup (relative
#                            name, checksum = the shared file's own
#                            .debug_sup checksum; it has no build id note).
#                            gdb 13 cannot read them ("Cannot handle
#                            DW_FORM_ref_sup4"): the same DWARF's reference
#                            is null-dwz.gdb
#   testdata/gen/ccrash/dwz.sh [CCORE_DIR]      (needs dwz, objcopy, gdb, zstd)
set -eu
d=$(cd "${1:-$(dirname "$0")/../../ccore}" && pwd)
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
cp "$d/ccrash-strip.debug" ccrash-dwz.debug
cp "$d/ccrash-plain" other
dwz -m ccrash-dwz-common.debug -M ccrash-dwz-common.debug ccrash-dwz.debug other
cp "$d/ccrash-strip" ccrash-dwz
objcopy --remove-section=.gnu_debuglink --add-gnu-debuglink=ccrash-dwz.debug ccrash-dwz
zstd -dqc "$d/null-strip.core.zst" > null-strip.core
gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' ./ccrash-dwz null-strip.core \
	> "$d/expected/null-dwz.gdb" 2>/dev/null
grep -v '^null-dwz.gdb	' "$d/expected/INDEX" > INDEX || true
printf '%s\t%s\n' null-dwz.gdb "gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' ccrash-dwz null-strip.core (testdata/gen/ccrash/dwz.sh)" >> INDEX
cp INDEX "$d/expected/INDEX"
cp ccrash-dwz ccrash-dwz.debug ccrash-dwz-common.debug "$d/"
cp "$d/ccrash-strip.debug" ccrash-sup.debug
cp "$d/ccrash-plain" other5
dwz -5 -m ccrash-sup-common.debug -M ccrash-sup-common.debug ccrash-sup.debug other5
cp "$d/ccrash-strip" ccrash-sup
objcopy --remove-section=.gnu_debuglink --add-gnu-debuglink=ccrash-sup.debug ccrash-sup
cp ccrash-sup ccrash-sup.debug ccrash-sup-common.debug "$d/"
