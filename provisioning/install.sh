#!/usr/bin/env bash
# Turn a Debian or Raspberry Pi OS device into a Vallokal station. Run as root, from a copy of
# this repository on the device:
#
#   sudo provisioning/install.sh                   # station + full-screen kiosk on this device's screen
#   sudo provisioning/install.sh --kiosk desktop   # keep the desktop; open the kiosk when it starts
#   sudo provisioning/install.sh --kiosk none      # a station server only, for tablets on the network
#   sudo provisioning/install.sh --dry-run         # print what would be done, change nothing
#   sudo provisioning/install.sh --hotspot         # and make the station its own Wi-Fi network for tablets
#
# Then set the station up with `vallokal station provision` (the script prints the command).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_spec="$(dirname "$here")"
kiosk="cage"
dry_run=0
prefix="/opt/vallokal"
data="/var/lib/vallokal"
units="/etc/systemd/system"
hotspot=0
hotspot_backend=""
wifi_interface="wlan0"

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  echo "Options: --source DIR_OR_PIP_SPEC (default: this repository), --kiosk cage|desktop|none, --dry-run,"
  echo "         --hotspot [--hotspot-backend networkmanager|hostapd] [--wifi-interface wlan0]"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --source) source_spec="${2:?--source needs a folder or a pip requirement}"; shift 2 ;;
    --kiosk) kiosk="${2:?--kiosk needs cage, desktop or none}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --hotspot) hotspot=1; shift ;;
    --hotspot-backend) hotspot_backend="${2:?--hotspot-backend needs networkmanager or hostapd}"; shift 2 ;;
    --wifi-interface) wifi_interface="${2:?--wifi-interface needs an interface name such as wlan0}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$kiosk" in
  cage|desktop|none) ;;
  *) echo "install.sh: --kiosk must be cage, desktop or none, not '$kiosk'" >&2; exit 2 ;;
esac
if [ -z "$hotspot_backend" ]; then
  if command -v nmcli >/dev/null 2>&1; then hotspot_backend="networkmanager"; else hotspot_backend="hostapd"; fi
fi
case "$hotspot_backend" in
  networkmanager|hostapd) ;;
  *) echo "install.sh: --hotspot-backend must be networkmanager or hostapd, not '$hotspot_backend'" >&2; exit 2 ;;
esac

run() {
  if [ "$dry_run" = 1 ]; then
    printf '+ %s\n' "$*"
  else
    "$@"
  fi
}

step() { printf '\n== %s\n' "$*"; }

if [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: run this as root (sudo $0)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install.sh: this script is for Debian and Raspberry Pi OS (apt-get not found)" >&2
  exit 1
fi

step "Debian packages"
browser_package="chromium"
if ! apt-cache show chromium >/dev/null 2>&1 && apt-cache show chromium-browser >/dev/null 2>&1; then
  browser_package="chromium-browser"
fi
packages=(python3 python3-venv curl caddy)
if [ "$kiosk" != none ]; then
  packages+=("$browser_package" fonts-dejavu-core fonts-noto-core)
fi
if [ "$kiosk" = cage ]; then
  packages+=(cage)
fi
if [ "$hotspot" = 1 ] && [ "$hotspot_backend" = networkmanager ]; then
  packages+=(network-manager dnsmasq-base)
elif [ "$hotspot" = 1 ]; then
  packages+=(hostapd dnsmasq rfkill)
fi
run apt-get update -q
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}"

step "System users"
if ! id vallokal >/dev/null 2>&1; then
  run adduser --system --group --home "$data" --no-create-home --shell /usr/sbin/nologin vallokal
fi
if [ "$kiosk" = cage ] && ! id vallokal-kiosk >/dev/null 2>&1; then
  run adduser --system --group --home /var/lib/vallokal-kiosk --shell /usr/sbin/nologin vallokal-kiosk
  run usermod -a -G video,input,render vallokal-kiosk
fi
run install -d -o vallokal -g vallokal -m 0700 "$data"

step "Vallokal in $prefix/venv"
run install -d -m 0755 "$prefix"
if [ ! -x "$prefix/venv/bin/python" ]; then
  run python3 -m venv "$prefix/venv"
fi
run "$prefix/venv/bin/pip" install --quiet --upgrade "$source_spec"
run install -m 0755 "$here/vallokal-kiosk" "$prefix/venv/bin/vallokal-kiosk"

step "Services"
run install -m 0644 "$here/vallokal-station.service" "$units/vallokal-station.service"
run install -m 0644 "$here/vallokal-caddy.service" "$units/vallokal-caddy.service"
if [ "$kiosk" = cage ]; then
  run install -m 0644 "$here/vallokal-kiosk.service" "$units/vallokal-kiosk.service"
fi
if [ "$kiosk" = desktop ]; then
  run install -D -m 0644 "$here/vallokal-kiosk.desktop" /etc/xdg/autostart/vallokal-kiosk.desktop
fi
run systemctl daemon-reload
run systemctl enable vallokal-station.service
# Debian's own caddy.service serves a default page on port 80; the station's Caddy is vallokal-caddy.
run systemctl disable --now caddy.service
run systemctl enable vallokal-caddy.service
if [ "$kiosk" = cage ]; then
  run systemctl enable vallokal-kiosk.service
  run systemctl set-default graphical.target
fi

if [ "$hotspot" = 1 ]; then
  step "Own Wi-Fi network ($hotspot_backend)"
  # Writes the access point's files, the station's certificate for its names and the hotspot's
  # address, prints the passphrase and its QR code for staff, and brings the network up.
  run "$prefix/venv/bin/vallokal" station hotspot --data "$data" --backend "$hotspot_backend" \
    --interface "$wifi_interface" --start
fi

step "Next"
cat <<NEXT
Vallokal is installed. Now set this station up (as the vallokal user, with the office's key and package):

  sudo -u vallokal $prefix/venv/bin/vallokal station provision --data $data \\
      --name "Rinkeby bibliotek" --authority-key "<AUTHORITY_KEY from the office>" \\
      --package /media/usb/election-package.zip --office-url https://office.example.se
  sudo systemctl start vallokal-station$( [ "$kiosk" = cage ] && printf ' vallokal-kiosk' )

For tablets on the network, give the station its certificate and start the TLS terminator
(waitress stays on 127.0.0.1; it refuses to serve plain HTTP on the network)$( [ "$hotspot" = 1 ] && printf '.\nThe hotspot step made the certificate already; run this only to rename the station\n(the certificate keeps the hotspot address)'):

  sudo -u vallokal $prefix/venv/bin/vallokal station tls --data $data --name "\$(hostname).local"
  sudo systemctl start vallokal-caddy

Then pair each tablet: vallokal station pair --data $data prints a one-time https address.
NEXT
