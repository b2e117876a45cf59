#!/usr/bin/env bash
# Create a draft GitHub release for a tag with every file of DIR attached (GitHub's own CLI,
# no third-party action). A maintainer reviews the draft and publishes it.
#
#   build_scripts/publish_release.sh TAG DIR
#
# Needs GH_TOKEN (contents: write) and GITHUB_REPOSITORY (owner/name), as the workflow sets them.
set -euo pipefail
TAG="${1:?usage: $0 TAG DIR}"
DIR="${2:?usage: $0 TAG DIR}"
REPO="${GITHUB_REPOSITORY:?set GITHUB_REPOSITORY=owner/name}"
NOTES="$(mktemp)"
trap 'rm -f "$NOTES"' EXIT
cat > "$NOTES" <<NOTES
GenCanvas $TAG installers.

- **gpu** edition: NVIDIA GPUs (CUDA), Windows and Linux.
- **cpu** edition: any computer, Windows and Linux (CPU only); macOS (Apple silicon) runs on the Apple GPU (MPS).

Files over 2 GiB are split: \`cat NAME.part* > NAME\`. Check downloads with \`sha256sum -c --ignore-missing SHA256SUMS.txt\`.
NOTES
gh release create "$TAG" --repo "$REPO" --draft --verify-tag --title "GenCanvas $TAG" --notes-file "$NOTES" "$DIR"/*
