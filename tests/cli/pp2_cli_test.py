#!/usr/bin/env python3
"""`sluice pp2 encode|decode` against spec cli-console.md.

Usage: pp2_cli_test.py PATH/TO/sluice   (or SLUICE=PATH/TO/sluice pp2_cli_test.py)
Expected values are written out field by field here; CRC32C values come from the bitwise
reference implementation below (RFC 4960 appendix B), independent of the C code.
"""
import json
import os
import re
import subprocess
import sys
import unittest

SLUICE = os.environ.get("SLUICE_BIN", "")
SIG = "0d0a0d0a000d0a515549540a"
SPEC_KEYS = ["version", "command", "family", "transport", "src", "src_port", "dst", "dst_port",
             "length", "crc32c", "tlvs"]
ERROR_LINE = re.compile(r"^error: .+ at byte \d+\n$")


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def with_crc(header_hex_without_crc_tlv: str) -> str:
    """Appends a CRC32C TLV (the length field must already count it)."""
    zeroed = bytes.fromhex(header_hex_without_crc_tlv + "03000400000000")
    return header_hex_without_crc_tlv + "030004" + "%08x" % crc32c(zeroed)


def sluice(*args, stdin=b""):
    return subprocess.run([SLUICE, "pp2", *args], input=stdin, capture_output=True, timeout=30)


class Encode(unittest.TestCase):
    def encode_ok(self, *args):
        result = sluice("encode", *args)
        self.assertEqual(result.returncode, 0, result.stderr)
        out = result.stdout.decode()
        self.assertRegex(out, r"^[0-9a-f]+\n$")  # lowercase hex, one line
        return out.strip()

    def test_inet(self):
        self.assertEqual(self.encode_ok("--src", "192.0.2.1:5353", "--dst", "198.51.100.2:53"),
                         SIG + "2111000c" + "c0000201" + "c6336402" + "14e9" + "0035")

    def test_inet_crc32c_matches_independent_crc(self):
        self.assertEqual(self.encode_ok("--src", "192.0.2.1:5353", "--dst", "198.51.100.2:53", "--crc32c"),
                         with_crc(SIG + "21110013c0000201c633640214e90035"))

    def test_inet6_udp_with_every_tlv_option(self):
        got = self.encode_ok("--proto", "udp", "--src", "[2001:db8::1]:1234", "--dst", "[2001:db8::2]:443",
                             "--alpn", "h2", "--authority", "example.com", "--tlv", "0xE0=0a0b", "--tlv", "225=",
                             "--noop", "2", "--unique-id", "00112233", "--crc32c")
        body = ("20010db8000000000000000000000001" "20010db8000000000000000000000002" "04d2" "01bb"
                "010002" "6832" "02000b" + b"example.com".hex() + "e00002" "0a0b" "e10000" "040002" "0000"
                "050004" "00112233")
        length = len(body) // 2 + 7
        self.assertEqual(got, with_crc(SIG + "2122" + "%04x" % length + body))

    def test_local(self):
        self.assertEqual(self.encode_ok("--local"), SIG + "20000000")
        self.assertEqual(self.encode_ok("--local", "--crc32c"), with_crc(SIG + "20000007"))

    def test_v1(self):
        self.assertEqual(bytes.fromhex(self.encode_ok("--v1", "--src", "192.0.2.1:5353", "--dst", "198.51.100.2:53")),
                         b"PROXY TCP4 192.0.2.1 198.51.100.2 5353 53\r\n")
        self.assertEqual(bytes.fromhex(self.encode_ok("--v1", "--src", "[2001:db8::1]:1", "--dst", "[::1]:2")),
                         b"PROXY TCP6 2001:db8::1 ::1 1 2\r\n")
        self.assertEqual(bytes.fromhex(self.encode_ok("--v1", "--local")), b"PROXY UNKNOWN\r\n")

    def test_bad_options_exit_2(self):
        cases = [
            [],                                                            # neither --src/--dst nor --local
            ["--src", "192.0.2.1:1"],                                      # --dst missing
            ["--src", "192.0.2.1:1", "--dst", "[2001:db8::1]:2"],          # families differ
            ["--v1", "--proto", "udp", "--src", "192.0.2.1:1", "--dst", "192.0.2.2:2"],
            ["--v1", "--crc32c", "--src", "192.0.2.1:1", "--dst", "192.0.2.2:2"],
            ["--v1", "--tlv", "0xE0=00", "--local"],
            ["--v1", "--authority", "x", "--local"],
            ["--local", "--tlv", "0xE0"],                                  # no '='
            ["--local", "--tlv", "256=00"],                                # type out of range
            ["--local", "--tlv", "0xE0=abc"],                              # odd hex
            ["--local", "--unique-id", "zz"],
            ["--local", "--unique-id", "00" * 129],                        # > 128 bytes
            ["--local", "--proto", "sctp"],
            ["--src", "2001:db8::1:1", "--dst", "[2001:db8::2]:2"],      # IPv6 without brackets
            ["--src", "192.0.2.1:65536", "--dst", "192.0.2.2:2"],
            ["--local", "--tlv", "0xE0=" + "00" * 400],                    # beyond the TLV block
        ]
        for args in cases:
            with self.subTest(args=args):
                result = sluice("encode", *args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertEqual(result.stdout, b"")
                self.assertNotEqual(result.stderr, b"")


class Decode(unittest.TestCase):
    def decode(self, *args, stdin=b""):
        result = sluice("decode", *args, stdin=stdin)
        obj = json.loads(result.stdout) if result.stdout else None
        if obj is not None:
            self.assertEqual(list(obj.keys()), SPEC_KEYS)  # keys always present, spec order
            self.assertEqual(result.stdout.count(b"\n"), 1)
        return result, obj

    def test_spec_example_shape(self):
        result, obj = self.decode(with_crc(SIG + "21110013c0000201c633640214e90035"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(obj, {"version": 2, "command": "PROXY", "family": "INET", "transport": "STREAM",
                               "src": "192.0.2.1", "src_port": 5353, "dst": "198.51.100.2", "dst_port": 53,
                               "length": 35, "crc32c": "ok",
                               "tlvs": [{"type": 3, "length": 4, "value": "de36a8fc"}]})

    def test_spec_example_crc_value_is_wrong(self):
        # cli-console.md shows value d3a55d3b for this header; the CRC32C is de36a8fc.
        self.assertNotEqual(crc32c(bytes.fromhex(SIG + "21110013c0000201c633640214e9003503000400000000")), 0xd3a55d3b)
        result, obj = self.decode(SIG + "21110013c0000201c633640214e90035030004d3a55d3b")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(obj["crc32c"], "bad")  # still printed
        self.assertEqual(result.stderr.decode(),
                         "error: CRC32C mismatch: header carries 0xd3a55d3b, computed 0xde36a8fc at byte 31\n")

    def test_stdin_hex_with_whitespace_and_raw_bytes(self):
        header = SIG + "2111000c" + "c0000201c633640214e90035"
        spaced = " ".join(header[i:i + 8] for i in range(0, len(header), 8)) + "\n"
        for stdin in (spaced.encode(), header.upper().encode(), bytes.fromhex(header)):
            with self.subTest(stdin=stdin):
                result, obj = self.decode(stdin=stdin)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual((obj["src"], obj["dst_port"], obj["length"]), ("192.0.2.1", 53, 28))

    def test_trailing_payload_is_ignored(self):
        result, obj = self.decode(stdin=bytes.fromhex(SIG + "20000000") + b"GET / HTTP/1.0\r\n\r\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual((obj["command"], obj["family"], obj["length"], obj["src"]), ("LOCAL", "UNSPEC", 16, None))

    def test_v1_raw_on_stdin(self):
        result, obj = self.decode(stdin=b"PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(obj, {"version": 1, "command": "PROXY", "family": "INET6", "transport": "STREAM",
                               "src": "2001:db8::1", "src_port": 1, "dst": "2001:db8::2", "dst_port": 65535,
                               "length": 44, "crc32c": "absent", "tlvs": []})

    def test_unix_paths_and_null_ports(self):
        body = b"/run/a".ljust(108, b"\0").hex() + b"/run/b".ljust(108, b"\0").hex()
        result, obj = self.decode(SIG + "213100d8" + body)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual((obj["family"], obj["src"], obj["src_port"], obj["dst"], obj["dst_port"]),
                         ("UNIX", "/run/a", None, "/run/b", None))

    def test_invalid_exit_1_with_offset(self):
        cases = {
            SIG[:-2] + "0b" + "2111000c": 11,                       # signature
            SIG + "3111000c": 12,                                   # version nibble
            SIG + "2211000c": 12,                                   # command nibble
            SIG + "2141000c": 13,                                   # family
            SIG + "2113000c": 13,                                   # transport
            SIG + "2111000b" + "00" * 11: 14,                       # too short for INET
            SIG + "2111000c" + "00" * 11: 27,                       # truncated
            SIG + "2111000e" + "00" * 12 + "0400": 28,              # TLV header overrun
            SIG + "2111000f" + "00" * 12 + "e00001": 29,            # TLV value overrun
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n".hex(): 30,          # bare LF
            b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n".hex(): 27,       # leading zero
        }
        for hex_input, offset in cases.items():
            with self.subTest(hex=hex_input):
                result, obj = self.decode(hex_input)
                self.assertEqual(result.returncode, 1)
                self.assertIsNone(obj)
                self.assertRegex(result.stderr.decode(), ERROR_LINE)
                self.assertTrue(result.stderr.decode().endswith(" at byte %d\n" % offset), result.stderr)

    def test_not_hex_not_header(self):
        for stdin in (b"", b"abc", b"hello world"):
            with self.subTest(stdin=stdin):
                result, _ = self.decode(stdin=stdin)
                self.assertEqual(result.returncode, 1)
                self.assertRegex(result.stderr.decode(), ERROR_LINE)


class RoundTrip(unittest.TestCase):
    def test_encode_then_decode(self):
        cases = [
            (["--src", "10.0.0.1:1", "--dst", "10.0.0.2:2", "--crc32c", "--authority", "a.example"],
             {"family": "INET", "transport": "STREAM", "src": "10.0.0.1", "crc32c": "ok"}),
            (["--proto", "udp", "--src", "[fd00::1]:53", "--dst", "[fd00::2]:53", "--tlv", "0xEF=ff"],
             {"family": "INET6", "transport": "DGRAM", "dst": "fd00::2", "crc32c": "absent"}),
            (["--v1", "--src", "[::ffff:1.2.3.4]:80", "--dst", "[::1]:81"],
             {"version": 1, "src": "::ffff:1.2.3.4", "dst_port": 81}),
            (["--local", "--noop", "0"], {"command": "LOCAL", "family": "UNSPEC", "length": 19}),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                encoded = sluice("encode", *args)
                self.assertEqual(encoded.returncode, 0, encoded.stderr)
                decoded = sluice("decode", stdin=encoded.stdout)
                self.assertEqual(decoded.returncode, 0, decoded.stderr)
                obj = json.loads(decoded.stdout)
                for key, value in expected.items():
                    self.assertEqual(obj[key], value, key)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        SLUICE = sys.argv.pop(1)
    if not SLUICE or not os.access(SLUICE, os.X_OK):
        sys.exit("usage: pp2_cli_test.py PATH/TO/sluice")
    unittest.main(verbosity=1)
