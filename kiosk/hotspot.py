"""The station as its own Wi-Fi access point, for sites whose network tablets cannot use.

NetworkManager's hotspot (a keyfile connection profile in access-point mode, with
`ipv4.method=shared`, which runs NetworkManager's own DHCP and DNS) or, where
NetworkManager is absent, hostapd with dnsmasq and a systemd-networkd address.
Only text is made here; `vallokal station hotspot` writes it under a root folder.
"""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from dataclasses import dataclass

CONNECTION_ID = "vallokal-hotspot"
# Lower-case letters and digits that cannot be misread for each other (no 0/o, 1/l/i),
# so staff can type the passphrase on a tablet that cannot scan the code.
PASSPHRASE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSPHRASE_GROUPS = 4
PASSPHRASE_GROUP_LENGTH = 5
BANDS = {"2.4": ("bg", "g", tuple(range(1, 14))), "5": ("a", "a", (36, 40, 44, 48))}
DEFAULT_CHANNEL = {"2.4": 6, "5": 36}
SECURITIES = ("wpa2", "wpa3", "wpa2-wpa3")


def new_passphrase() -> str:
    """20 random symbols (about 99 bits) in groups of five: far beyond an offline search of a captured handshake."""
    return "-".join(
        "".join(secrets.choice(PASSPHRASE_ALPHABET) for _ in range(PASSPHRASE_GROUP_LENGTH)) for _ in range(PASSPHRASE_GROUPS)
    )


@dataclass(frozen=True)
class Hotspot:
    ssid: str
    passphrase: str
    interface: str = "wlan0"
    security: str = "wpa2"
    band: str = "2.4"
    channel: int = 6
    country: str = "SE"
    address: str = "10.42.0.1/24"
    names: tuple[str, ...] = ()
    """DNS names the hotspot's own DNS answers with the station's address, so tablets without mDNS find it."""

    @property
    def station_address(self) -> str:
        return str(ipaddress.ip_interface(self.address).ip)

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.ip_interface(self.address).network  # type: ignore[return-value]


def networkmanager_keyfile(hotspot: Hotspot, connection_uuid: str | None = None) -> str:
    """A NetworkManager keyfile (system-connections/*.nmconnection): an access point with NAT-less shared IPv4.

    WPA2 leaves protected management frames off, as `nmcli device wifi hotspot` does, because
    common drivers (Raspberry Pi's brcmfmac) fail to start an access point with them; WPA3 (SAE)
    requires them. NetworkManager has no mixed WPA2/WPA3 access point.
    """
    key_management, pmf = ("sae", 3) if hotspot.security == "wpa3" else ("wpa-psk", 1)
    return (
        "[connection]\n"
        f"id={CONNECTION_ID}\n"
        f"uuid={connection_uuid or uuid.uuid4()}\n"
        "type=wifi\n"
        f"interface-name={hotspot.interface}\n"
        "autoconnect=true\n"
        "autoconnect-priority=100\n"
        "\n"
        "[wifi]\n"
        "mode=ap\n"
        f"ssid={hotspot.ssid}\n"
        f"band={BANDS[hotspot.band][0]}\n"
        f"channel={hotspot.channel}\n"
        "ap-isolation=1\n"
        "\n"
        "[wifi-security]\n"
        f"key-mgmt={key_management}\n"
        "proto=rsn\n"
        "pairwise=ccmp\n"
        "group=ccmp\n"
        f"pmf={pmf}\n"
        f"psk={hotspot.passphrase}\n"
        "\n"
        "[ipv4]\n"
        "method=shared\n"
        f"address1={hotspot.address}\n"
        "\n"
        "[ipv6]\n"
        "method=disabled\n"
    )


def hostapd_conf(hotspot: Hotspot) -> str:
    """hostapd's configuration: WPA2 (CCMP only) with optional PMF, WPA3-SAE with PMF required, or both at once."""
    key_management = {"wpa2": "WPA-PSK", "wpa3": "SAE", "wpa2-wpa3": "WPA-PSK SAE"}[hotspot.security]
    management_frames = 2 if hotspot.security == "wpa3" else 1
    lines = [
        f"interface={hotspot.interface}",
        "driver=nl80211",
        f"ssid={hotspot.ssid}",
        "utf8_ssid=1",
        f"country_code={hotspot.country}",
        "ieee80211d=1",
        f"hw_mode={BANDS[hotspot.band][1]}",
        f"channel={hotspot.channel}",
        "ieee80211n=1",
        *(["ieee80211ac=1"] if hotspot.band == "5" else []),
        "wmm_enabled=1",
        "auth_algs=1",
        "ignore_broadcast_ssid=0",
        "ap_isolate=1",
        "wpa=2",
        f"wpa_key_mgmt={key_management}",
        "rsn_pairwise=CCMP",
        f"ieee80211w={management_frames}",
        f"wpa_passphrase={hotspot.passphrase}",
    ]
    if "SAE" in key_management:
        lines += ["sae_require_mfp=1", f"sae_password={hotspot.passphrase}"]
    return "\n".join(lines) + "\n"


def dnsmasq_conf(hotspot: Hotspot, dhcp: bool) -> str:
    """DNS (and, for hostapd, DHCP) on the hotspot only: the station's names answer with its address, nothing else resolves."""
    address = hotspot.station_address
    lines = [f"address=/{name}/{address}" for name in hotspot.names]
    if dhcp:
        hosts = list(hotspot.network.hosts())
        first, last = hosts[min(9, len(hosts) - 1)], hosts[-1]
        lines = [
            f"interface={hotspot.interface}",
            "bind-dynamic",
            "no-resolv",
            "domain-needed",
            "bogus-priv",
            f"dhcp-range={first},{last},{hotspot.network.netmask},12h",
            "dhcp-authoritative",
            *lines,
        ]
    return "\n".join(lines) + "\n"


def networkd_conf(hotspot: Hotspot) -> str:
    """The station's fixed address on the hotspot's interface (systemd-networkd), for the hostapd setup."""
    return (
        "[Match]\n"
        f"Name={hotspot.interface}\n"
        "\n"
        "[Network]\n"
        f"Address={hotspot.address}\n"
        "ConfigureWithoutCarrier=yes\n"
        "LinkLocalAddressing=no\n"
        "IPv6AcceptRA=no\n"
    )


def wifi_qr_text(hotspot: Hotspot) -> str:
    """The Wi-Fi QR code's text (the ZXing format phones' cameras read): scanning it joins the network."""
    kind = "SAE" if hotspot.security == "wpa3" else "WPA"
    return f"WIFI:T:{kind};S:{_escape(hotspot.ssid)};P:{_escape(hotspot.passphrase)};;"


def _escape(value: str) -> str:
    for special in ("\\", ";", ",", ":", '"'):
        value = value.replace(special, "\\" + special)
    return value


def files(hotspot: Hotspot, backend: str, connection_uuid: str | None = None) -> dict[str, tuple[str, int]]:
    """What to write for `backend`, by path below the root: (text, permissions). Passphrases are readable by root alone."""
    if backend == "networkmanager":
        return {
            f"etc/NetworkManager/system-connections/{CONNECTION_ID}.nmconnection": (networkmanager_keyfile(hotspot, connection_uuid), 0o600),
            f"etc/NetworkManager/dnsmasq-shared.d/{CONNECTION_ID}.conf": (dnsmasq_conf(hotspot, dhcp=False), 0o644),
        }
    return {
        f"etc/hostapd/{hotspot.interface}.conf": (hostapd_conf(hotspot), 0o600),
        f"etc/dnsmasq.d/{CONNECTION_ID}.conf": (dnsmasq_conf(hotspot, dhcp=True), 0o644),
        f"etc/systemd/network/50-{CONNECTION_ID}.network": (networkd_conf(hotspot), 0o644),
    }


def start_commands(hotspot: Hotspot, backend: str) -> list[str]:
    """What root runs to bring the access point up (install.sh --hotspot runs them)."""
    if backend == "networkmanager":
        return ["nmcli radio wifi on", "nmcli connection reload", f"nmcli connection up {CONNECTION_ID}"]
    return [
        "rfkill unblock wlan",
        "systemctl enable --now systemd-networkd",
        f"systemctl unmask hostapd@{hotspot.interface}.service",
        f"systemctl enable --now hostapd@{hotspot.interface}.service",
        "systemctl enable dnsmasq.service",
        "systemctl restart dnsmasq.service",
    ]
