#!/usr/bin/env bash
# Notarize and staple a signed DMG (run only when the notary credentials exist).
#
#   build_scripts/notarize_macos.sh DMG
#
# Credentials, either:
#   GENCANVAS_NOTARY_PROFILE       a keychain profile from `xcrun notarytool store-credentials`, or
#   GENCANVAS_NOTARY_APPLE_ID, GENCANVAS_NOTARY_TEAM_ID, GENCANVAS_NOTARY_PASSWORD (app-specific password)
# Stapling the DMG lets Gatekeeper accept it offline; the app inside is covered by the same ticket.
set -euo pipefail
DMG="${1:?usage: $0 DMG}"
if [ -n "${GENCANVAS_NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$DMG" --keychain-profile "$GENCANVAS_NOTARY_PROFILE" --wait
else
    xcrun notarytool submit "$DMG" --apple-id "${GENCANVAS_NOTARY_APPLE_ID:?}" \
        --team-id "${GENCANVAS_NOTARY_TEAM_ID:?}" --password "${GENCANVAS_NOTARY_PASSWORD:?}" --wait
fi
xcrun stapler staple "$DMG"
xcrun stapler validate "$DMG"
spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
