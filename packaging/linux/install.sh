#!/usr/bin/env sh
# Install the unpacked AutoVoice bundle for the current user (no root needed):
#   ~/.local/opt/AutoVoice/            the bundle (this folder, copied)
#   ~/.local/bin/AutoVoice             a link to the executable
#   ~/.local/share/applications/       autovoice.desktop (Exec points at the installed executable)
#   ~/.local/share/icons/hicolor/256x256/apps/autovoice.png
# Uninstall: ./install.sh --uninstall
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-"$HOME/.local"}
DEST="$PREFIX/opt/AutoVoice"
APPS="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
ICONS="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps"

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$DEST" "$PREFIX/bin/AutoVoice" "$APPS/autovoice.desktop" "$ICONS/autovoice.png"
  echo "AutoVoice removed (your settings and voices in ~/.config/AutoVoice and ~/.local/share/AutoVoice are kept)"
  exit 0
fi

mkdir -p "$DEST" "$PREFIX/bin" "$APPS" "$ICONS"
if [ "$HERE" != "$DEST" ]; then
  rm -rf "$DEST"
  cp -a "$HERE" "$DEST"
fi
ln -sf "$DEST/AutoVoice" "$PREFIX/bin/AutoVoice"
cp "$DEST/autovoice.png" "$ICONS/autovoice.png"
sed -e "s|^Exec=.*|Exec=\"$DEST/AutoVoice\" %f|" -e "s|^TryExec=.*|TryExec=$DEST/AutoVoice|" \
  "$DEST/autovoice.desktop" > "$APPS/autovoice.desktop"
command -v update-desktop-database > /dev/null 2>&1 && update-desktop-database "$APPS" || true
command -v gtk-update-icon-cache > /dev/null 2>&1 && gtk-update-icon-cache -q "$(dirname "$(dirname "$ICONS")")" 2> /dev/null || true
echo "AutoVoice installed in $DEST; start it from the applications menu or run: $PREFIX/bin/AutoVoice"
