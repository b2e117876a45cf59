#!/usr/bin/env bash
# Prepare a folder of installers for a GitHub release: split files over GitHub's 2 GiB
# per-asset limit into .partNN pieces, and write SHA256SUMS.txt for everything.
#
#   build_scripts/release_assets.sh DIR
#
# A split file is listed twice in SHA256SUMS.txt: each piece (what is uploaded) and the whole
# (what users get back with `cat NAME.part* > NAME`), so `sha256sum -c --ignore-missing` checks both.
set -euo pipefail
DIR="${1:?usage: $0 DIR}"
LIMIT_MB="${RELEASE_ASSET_LIMIT_MB:-2000}"   # MiB; GitHub allows 2 GiB (2048 MiB) per asset
cd "$DIR"
shopt -s nullglob
rm -f SHA256SUMS.txt
whole=()
for file in *; do
    [ -f "$file" ] || continue
    whole+=("$file")
done
[ ${#whole[@]} -gt 0 ] || { echo "no files in $DIR" >&2; exit 1; }
sha256sum "${whole[@]}" > SHA256SUMS.whole
for file in "${whole[@]}"; do
    size_mb=$(( $(stat -c %s "$file") / 1048576 ))
    if [ "$size_mb" -ge "$LIMIT_MB" ]; then
        split -b "${LIMIT_MB}M" -d -a 2 "$file" "$file.part"
        rm "$file"
        pieces=("$file".part*)
        echo "split $file ($size_mb MiB) into ${#pieces[@]} parts"
    fi
done
parts=(*.part[0-9][0-9])
{
    cat SHA256SUMS.whole
    if [ ${#parts[@]} -gt 0 ]; then sha256sum -- "${parts[@]}"; fi
} > SHA256SUMS.txt
rm SHA256SUMS.whole
cat SHA256SUMS.txt
