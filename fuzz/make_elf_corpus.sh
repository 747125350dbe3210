#!/usr/bin/env bash
# Writes the ELF seeds of the `elf` harness into fuzz/corpus/elf: tiny shared
# libraries (no libc, stripped, ~1.5 KB) with this build's plugin stamp, an
# older SDK's stamp and none, plus a truncated one and a file that is no ELF.
#
#   fuzz/make_elf_corpus.sh build/lib/neuroreg/plugins/neuroreg_regularizer_none.so
set -euo pipefail
plugin=$1
out="$(dirname "$0")/corpus/elf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objcopy -O binary --only-section=.neuroreg_stamp "$plugin" "$tmp/stamp.bin"
stamp=$(tr -d '\0' <"$tmp/stamp.bin")
printf '__attribute__((section(".neuroreg_stamp"), used)) const char stamp[] = "%s";\nint entry(void) { return 1; }\n' \
  "$stamp" >"$tmp/stamped.c"
sed 's/sdk=[0-9]*/sdk=3/' "$tmp/stamped.c" >"$tmp/old_stamp.c"
echo 'int entry(void) { return 1; }' >"$tmp/no_stamp.c"
mkdir -p "$out"
for name in stamped old_stamp no_stamp; do
  gcc -shared -fPIC -Os -nostdlib -s -Wl,--build-id=none -Wl,-z,noseparate-code -Wl,-z,norelro \
    -o "$out/$name.so" "$tmp/$name.c"
done
head -c 1200 "$out/stamped.so" >"$out/edge_truncated.so"
printf 'not an ELF file\n' >"$out/edge_not_elf.so"
