# Sourced by bin/demo and bin/test: make .venv with everything installed, and Qt's system
# libraries (installed when run as root on Debian/Ubuntu; otherwise the exact apt line is printed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

# Qt (PySide6) needs these at run time, offscreen included; xvfb gives a screen to headless hosts,
# and xdotool types and taps on it (the kiosk tests drive the real till that way).
QT_APT_PACKAGES=(libegl1 libgl1 libopengl0 libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6
  libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libxrender1 libxi6 fonts-dejavu-core xvfb xauth xdotool)

log() { printf '\033[1m[michangarrito]\033[0m %s\n' "$*" >&2; }

ensure_system_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0   # not Debian/Ubuntu: nothing to check
  local missing=() pkg
  for pkg in "${QT_APT_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    log "instalando paquetes del sistema: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Install services (nginx, for the config test) without starting them: no policy yet means
    # "don't start anything" (exit 101), removed again afterwards.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1; fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ "$made_policy" -eq 0 ] || rm -f "$policy"
  else
    log "Faltan bibliotecas del sistema para Qt. Instálalas con:"
    log "  sudo apt-get install -y ${missing[*]}"
    return 1
  fi
}

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  log "Se necesita Python 3.11 o más nuevo (python3 --version)."
  return 1
}

ensure_venv() {
  local extras="$1" python stamp want
  if [ ! -x "$PY" ]; then
    python="$(find_python)"
    log "creando el entorno virtual en .venv"
    if ! "$python" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        "$python" -m venv "$VENV"
      else
        log "Falta el módulo venv: sudo apt-get install -y python3-venv"; return 1
      fi
    fi
  fi
  stamp="$VENV/.installed-$extras"
  want="$extras $(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "instalando dependencias de Python ($extras)"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -e "$ROOT[$extras]"
    echo "$want" > "$stamp"
  fi
}
