"""PROXY protocol v2/v1 in pure Python for the lab's receivers and the baseline relay.

Independent of sluice's C++ codec on purpose: the end-to-end tests check sluice's headers
against this reading of haproxy doc/proxy-protocol.txt (section 2.2), not against itself.
"""
import ipaddress
import struct

SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
V1_PREFIX = b"PROXY "
FAMILY = {0x0: "UNSPEC", 0x1: "INET", 0x2: "INET6", 0x3: "UNIX"}
TRANSPORT = {0x0: "UNSPEC", 0x1: "STREAM", 0x2: "DGRAM"}
TLV_ALPN, TLV_AUTHORITY, TLV_CRC32C, TLV_NOOP, TLV_UNIQUE_ID = 0x01, 0x02, 0x03, 0x04, 0x05


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):  # reflected Castagnoli polynomial (RFC 4960 appendix B)
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


class ProxyHeaderError(ValueError):
    pass


def parse_v2(data: bytes):
    """Parses the v2 header at the start of data. Returns (dict, header_length)."""
    if len(data) < 16 or data[:12] != SIGNATURE:
        raise ProxyHeaderError("no PROXY v2 signature")
    ver_cmd, fam_proto, length = data[12], data[13], struct.unpack("!H", data[14:16])[0]
    if ver_cmd >> 4 != 2:
        raise ProxyHeaderError(f"version {ver_cmd >> 4}")
    if len(data) < 16 + length:
        raise ProxyHeaderError(f"truncated: {len(data)} bytes of {16 + length}")
    body = data[16:16 + length]
    family, transport = FAMILY.get(fam_proto >> 4), TRANSPORT.get(fam_proto & 0xF)
    out = {"version": 2, "command": "PROXY" if ver_cmd & 0xF == 1 else "LOCAL",
           "family": family, "transport": transport, "src": None, "src_port": None,
           "dst": None, "dst_port": None, "length": 16 + length, "tlvs": [],
           "crc32c": "absent"}
    if family == "INET" and ver_cmd & 0xF == 1:
        if length < 12:
            raise ProxyHeaderError("INET address block too short")
        out["src"] = str(ipaddress.IPv4Address(body[0:4]))
        out["dst"] = str(ipaddress.IPv4Address(body[4:8]))
        out["src_port"], out["dst_port"] = struct.unpack("!HH", body[8:12])
        tlv_at = 12
    elif family == "INET6" and ver_cmd & 0xF == 1:
        if length < 36:
            raise ProxyHeaderError("INET6 address block too short")
        out["src"] = str(ipaddress.IPv6Address(body[0:16]))
        out["dst"] = str(ipaddress.IPv6Address(body[16:32]))
        out["src_port"], out["dst_port"] = struct.unpack("!HH", body[32:36])
        tlv_at = 36
    else:
        tlv_at = length  # LOCAL/UNSPEC: the receiver skips the address block
    while tlv_at < length:
        if tlv_at + 3 > length:
            raise ProxyHeaderError("TLV header runs past the header")
        t, l = body[tlv_at], struct.unpack("!H", body[tlv_at + 1:tlv_at + 3])[0]
        if tlv_at + 3 + l > length:
            raise ProxyHeaderError(f"TLV 0x{t:02x} runs past the header")
        value = body[tlv_at + 3:tlv_at + 3 + l]
        out["tlvs"].append({"type": t, "length": l, "value": value.hex()})
        if t == TLV_CRC32C:
            whole = bytearray(data[:16 + length])
            at = 16 + tlv_at + 3
            whole[at:at + 4] = b"\0\0\0\0"
            out["crc32c"] = "ok" if crc32c(bytes(whole)) == int.from_bytes(value, "big") else "bad"
        tlv_at += 3 + l
    return out, 16 + length


def parse_v1(data: bytes):
    end = data.find(b"\r\n")
    if not data.startswith(V1_PREFIX) or end < 0 or end > 105:
        raise ProxyHeaderError("no PROXY v1 line")
    parts = data[:end].decode("ascii").split(" ")
    out = {"version": 1, "family": parts[1], "src": None, "src_port": None,
           "dst": None, "dst_port": None, "length": end + 2, "tlvs": []}
    if parts[1] in ("TCP4", "TCP6"):
        out["src"], out["dst"] = parts[2], parts[3]
        out["src_port"], out["dst_port"] = int(parts[4]), int(parts[5])
    return out, end + 2


def encode_v2(src, dst, dgram=False) -> bytes:
    """A PROXY v2 header for (ip, port) pairs of one family, no TLVs."""
    s_ip, d_ip = ipaddress.ip_address(src[0]), ipaddress.ip_address(dst[0])
    family = 0x1 if s_ip.version == 4 else 0x2
    addresses = s_ip.packed + d_ip.packed + struct.pack("!HH", src[1], dst[1])
    fam_proto = (family << 4) | (0x2 if dgram else 0x1)
    return SIGNATURE + bytes([0x21, fam_proto]) + struct.pack("!H", len(addresses)) + addresses


def endpoint(text: str):
    """'10.0.0.1:53' or '[fd00::1]:53' -> (host, port)."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def show(ip: str, port) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
