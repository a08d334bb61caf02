/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PROXY protocol header builder shared by the C++ dataplane and the BPF/XDP programs:
 * the same source is compiled by g++ (C++20) and by clang -target bpf -O2, so both datapaths put
 * byte-identical headers on the wire.
 *
 * Wire format: haproxy doc/proxy-protocol.txt (2026 revision).
 *   v2:  12-byte signature "\r\n\r\n\0\r\nQUIT\n"
 *        1 byte  version (high nibble, 2) | command (low nibble: 0 LOCAL, 1 PROXY)
 *        1 byte  family (high nibble: 0 UNSPEC, 1 INET, 2 INET6, 3 UNIX)
 *                | transport (low nibble: 0 UNSPEC, 1 STREAM, 2 DGRAM)
 *        2 bytes length of what follows, big-endian
 *        address block: INET 4+4+2+2, INET6 16+16+2+2, UNIX 108+108, UNSPEC none
 *        TLVs: type (1), length (2, big-endian), value
 *   v1:  "PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n" or "PROXY UNKNOWN\r\n", at most 107 bytes.
 *
 * How a datapath uses it (no allocation, no libc, constant-bounded loops only):
 *   - once per service, the control plane fills a struct pp2_template: version, command,
 *     transport and the TLVs that are the same for every connection, already in wire format
 *     (pp2_template_init / pp2_template_add_tlv / pp2_template_set_unique_id /
 *     pp2_template_set_crc32c, checked by pp2_template_validate);
 *   - per connection it fills a struct pp2_conn (family, addresses, ports, unique id),
 *     asks pp2_header_len() for H when it must lower the MSS before the header exists, and
 *     calls pp2_build() into a PP2_HEADER_MAX-byte scratch buffer.
 * Header layout produced: fixed part, address block, the template's TLVs in the order they were
 * added, UNIQUE_ID (when enabled), CRC32C (when enabled, always last, computed over the whole
 * header with its value zeroed and stored big-endian). Odd lengths are produced as they are: the
 * dataplane owns checksum arithmetic (spec proxy-protocol.md, TCP step 4).
 *
 * Every write goes through pp2_emit(), which masks the index with PP2_HEADER_MASK. The builder
 * checks first that the header fits, so the mask never changes an index; it exists so that the
 * BPF verifier can prove every store in bounds of the scratch buffer.
 */
#ifndef SLUICE_DATAPLANE_SHARED_PP2_H
#define SLUICE_DATAPLANE_SHARED_PP2_H

#include "dataplane/shared/c_compat.h"
#include "dataplane/shared/crc32c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Protocol constants (doc/proxy-protocol.txt section 2.2) ---- */
#define PP2_SIGNATURE_LEN 12u
#define PP2_FIXED_LEN 16u           /* signature + ver/cmd + fam/transport + length */
#define PP2_LENGTH_OFFSET 14u       /* the big-endian length of what follows the fixed part */
#define PP2_VERSION 0x2u            /* high nibble of byte 12 */
#define PP2_CMD_LOCAL 0x0u
#define PP2_CMD_PROXY 0x1u
#define PP2_FAM_UNSPEC 0x0u
#define PP2_FAM_INET 0x1u
#define PP2_FAM_INET6 0x2u
#define PP2_FAM_UNIX 0x3u
#define PP2_TRANSPORT_UNSPEC 0x0u
#define PP2_TRANSPORT_STREAM 0x1u
#define PP2_TRANSPORT_DGRAM 0x2u

#define PP2_ADDR_LEN_UNSPEC 0u
#define PP2_ADDR_LEN_INET 12u       /* src 4, dst 4, sport 2, dport 2 */
#define PP2_ADDR_LEN_INET6 36u      /* src 16, dst 16, sport 2, dport 2 */
#define PP2_ADDR_LEN_UNIX 216u      /* src path 108, dst path 108 */
#define PP2_UNIX_PATH_LEN 108u

#define PP2_TLV_HEADER_LEN 3u       /* type, length high, length low */
#define PP2_TYPE_ALPN 0x01u
#define PP2_TYPE_AUTHORITY 0x02u
#define PP2_TYPE_CRC32C 0x03u
#define PP2_TYPE_NOOP 0x04u
#define PP2_TYPE_UNIQUE_ID 0x05u
#define PP2_TYPE_SSL 0x20u
#define PP2_TYPE_NETNS 0x30u
#define PP2_TYPE_MIN_CUSTOM 0xE0u    /* 0xE0-0xEF: application-specific */
#define PP2_TYPE_MAX_CUSTOM 0xEFu
#define PP2_TYPE_MIN_EXPERIMENT 0xF0u /* 0xF0-0xF7: experimental */
#define PP2_TYPE_MAX_EXPERIMENT 0xF7u
#define PP2_UNIQUE_ID_MAX 128u        /* section 2.2.6: at most 128 bytes */
#define PP2_CRC32C_VALUE_LEN 4u
#define PP2_CRC32C_TLV_LEN (PP2_TLV_HEADER_LEN + PP2_CRC32C_VALUE_LEN)

#define PP2_V1_MAX_LEN 107u           /* section 2.1: the longest v1 line, CRLF included */

/* ---- Sizes chosen by this codec ---- */
/* Room for the per-service TLVs (ALPN, AUTHORITY, NETNS, NOOP, custom...) of one template. */
#define PP2_STATIC_TLVS_MAX 384u
/* Scratch buffer every header is built into; a power of two so indexes can be masked. The
 * largest header a valid template produces is 16 + 216 + 384 + 3 + 128 + 7 = 754 bytes. */
#define PP2_HEADER_MAX 1024u
#define PP2_HEADER_MASK (PP2_HEADER_MAX - 1u)
SLUICE_STATIC_ASSERT((PP2_HEADER_MAX & PP2_HEADER_MASK) == 0, "PP2_HEADER_MAX must be a power of two");
SLUICE_STATIC_ASSERT(PP2_FIXED_LEN + PP2_ADDR_LEN_UNIX + PP2_STATIC_TLVS_MAX + PP2_TLV_HEADER_LEN +
                             PP2_UNIQUE_ID_MAX + PP2_CRC32C_TLV_LEN <= PP2_HEADER_MAX,
                     "the largest header must fit the scratch buffer");
SLUICE_STATIC_ASSERT(PP2_V1_MAX_LEN <= PP2_HEADER_MAX, "a v1 line must fit the scratch buffer");

/* ---- Errors (negative return values of the functions below) ---- */
#define PP2_ERR_VERSION (-1)       /* template version is neither 1 nor 2 */
#define PP2_ERR_COMMAND (-2)       /* command is neither LOCAL nor PROXY */
#define PP2_ERR_TRANSPORT (-3)     /* v2: not STREAM/DGRAM; v1: not STREAM (v1 is TCP only) */
#define PP2_ERR_FAMILY (-4)        /* unknown family, or UNIX in v1 */
#define PP2_ERR_TLV_SPACE (-5)     /* the static TLV block is full */
#define PP2_ERR_TLV_MALFORMED (-6) /* static TLV bytes do not parse, or a length overflows */
#define PP2_ERR_UNIQUE_ID (-7)     /* unique id longer than PP2_UNIQUE_ID_MAX */
#define PP2_ERR_V1_TLVS (-8)       /* v1 carries no TLVs, no unique id, no CRC32C */

/* struct pp2_template.flags */
#define PP2_TEMPLATE_CRC32C 0x01u    /* append a CRC32C TLV, last */
#define PP2_TEMPLATE_UNIQUE_ID 0x02u /* append a UNIQUE_ID TLV from pp2_conn.unique_id */

/* Per service: everything that does not change between connections. Lives in a BPF map value
 * and in the C++ service table; multi-byte fields are host order (never on the wire as such). */
struct pp2_template {
  uint8_t version;         /* 1 (text) or 2 (binary) */
  uint8_t command;         /* PP2_CMD_LOCAL or PP2_CMD_PROXY; v1 LOCAL => "PROXY UNKNOWN" */
  uint8_t transport;       /* PP2_TRANSPORT_STREAM or PP2_TRANSPORT_DGRAM (v1: STREAM only) */
  uint8_t flags;           /* PP2_TEMPLATE_* */
  uint8_t unique_id_len;   /* bytes of pp2_conn.unique_id sent when PP2_TEMPLATE_UNIQUE_ID */
  uint8_t reserved;        /* zero */
  uint16_t static_tlvs_len; /* bytes used in static_tlvs */
  uint8_t static_tlvs[PP2_STATIC_TLVS_MAX]; /* complete TLVs in wire format, in sending order */
};
SLUICE_STATIC_ASSERT(sizeof(struct pp2_template) == 8u + PP2_STATIC_TLVS_MAX, "pp2_template size");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_template, version) == 0, "pp2_template.version");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_template, command) == 1, "pp2_template.command");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_template, transport) == 2, "pp2_template.transport");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_template, flags) == 3, "pp2_template.flags");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_template, unique_id_len) == 4, "pp2_template.unique_id_len");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_template, reserved) == 5, "pp2_template.reserved");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_template, static_tlvs_len) == 6, "pp2_template.static_tlvs_len");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_template, static_tlvs) == 8, "pp2_template.static_tlvs");

/* Per connection: the addresses the header reports. Addresses are network order (as copied from
 * the packet); ports are host order. Only the union member selected by family is read. */
struct pp2_conn {
  uint8_t family;          /* PP2_FAM_*: selects the address block */
  uint8_t reserved[3];     /* zero */
  uint16_t src_port;       /* INET/INET6, host order */
  uint16_t dst_port;       /* INET/INET6, host order */
  union {
    struct {
      uint8_t src[4];
      uint8_t dst[4];
    } inet;
    struct {
      uint8_t src[16];
      uint8_t dst[16];
    } inet6;
    struct {
      uint8_t src[PP2_UNIX_PATH_LEN]; /* sun_path bytes, NUL-padded */
      uint8_t dst[PP2_UNIX_PATH_LEN];
    } path;
  } addr;
  uint8_t unique_id[PP2_UNIQUE_ID_MAX]; /* first pp2_template.unique_id_len bytes are sent */
};
SLUICE_STATIC_ASSERT(sizeof(struct pp2_conn) == 8u + 2u * PP2_UNIX_PATH_LEN + PP2_UNIQUE_ID_MAX, "pp2_conn size");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_conn, family) == 0, "pp2_conn.family");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_conn, src_port) == 4, "pp2_conn.src_port");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_conn, dst_port) == 6, "pp2_conn.dst_port");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_conn, addr) == 8, "pp2_conn.addr");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_conn, addr.inet.dst) == 12, "pp2_conn.addr.inet.dst");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_conn, addr.inet6.dst) == 24, "pp2_conn.addr.inet6.dst");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_conn, addr.path.dst) == 8 + PP2_UNIX_PATH_LEN, "pp2_conn.addr.path.dst");
SLUICE_STATIC_ASSERT(SLUICE_OFFSETOF(struct pp2_conn, unique_id) == 8 + 2 * PP2_UNIX_PATH_LEN, "pp2_conn.unique_id");

/* ---- Small helpers ---- */

/* Length of the address block a family carries in v2, or PP2_ERR_FAMILY. */
SLUICE_INLINE int32_t pp2_address_block_len(uint32_t family) {
  switch (family) {
    case PP2_FAM_UNSPEC: return PP2_ADDR_LEN_UNSPEC;
    case PP2_FAM_INET: return PP2_ADDR_LEN_INET;
    case PP2_FAM_INET6: return PP2_ADDR_LEN_INET6;
    case PP2_FAM_UNIX: return PP2_ADDR_LEN_UNIX;
    default: return PP2_ERR_FAMILY;
  }
}

/* Stores one byte at out[at] (masked, see the file comment) unless out is NULL, in which case
 * it only counts; returns the next offset. */
SLUICE_INLINE uint32_t pp2_emit(uint8_t *out, uint32_t at, uint32_t byte) {
  if (out != SLUICE_NULL) out[at & PP2_HEADER_MASK] = SLUICE_CAST(uint8_t, byte);
  return at + 1u;
}

SLUICE_INLINE uint32_t pp2_emit_be16(uint8_t *out, uint32_t at, uint32_t value) {
  at = pp2_emit(out, at, (value >> 8) & 0xFFu);
  return pp2_emit(out, at, value & 0xFFu);
}

/* Copies len (<= max_len, a compile-time constant at every call site) bytes. */
SLUICE_INLINE uint32_t pp2_emit_bytes(uint8_t *out, uint32_t at, const uint8_t *src, uint32_t len,
                                      uint32_t max_len) {
  for (uint32_t i = 0; i < PP2_HEADER_MAX; ++i) {
    if (i >= len || i >= max_len) break;
    at = pp2_emit(out, at, src[i]);
  }
  return at;
}

SLUICE_INLINE uint32_t pp2_emit_signature(uint8_t *out, uint32_t at) {
  /* "\r\n\r\n\0\r\nQUIT\n", written as immediates: no .rodata read on the per-packet path. */
  at = pp2_emit(out, at, 0x0D);
  at = pp2_emit(out, at, 0x0A);
  at = pp2_emit(out, at, 0x0D);
  at = pp2_emit(out, at, 0x0A);
  at = pp2_emit(out, at, 0x00);
  at = pp2_emit(out, at, 0x0D);
  at = pp2_emit(out, at, 0x0A);
  at = pp2_emit(out, at, 0x51);
  at = pp2_emit(out, at, 0x55);
  at = pp2_emit(out, at, 0x49);
  at = pp2_emit(out, at, 0x54);
  return pp2_emit(out, at, 0x0A);
}

/* ---- Template (control plane, once per service) ---- */

/* Resets a template. Returns 0 or a PP2_ERR_*. */
SLUICE_INLINE int32_t pp2_template_init(struct pp2_template *t, uint32_t version, uint32_t command,
                                        uint32_t transport) {
  t->version = SLUICE_CAST(uint8_t, version);
  t->command = SLUICE_CAST(uint8_t, command);
  t->transport = SLUICE_CAST(uint8_t, transport);
  t->flags = 0;
  t->unique_id_len = 0;
  t->reserved = 0;
  t->static_tlvs_len = 0;
  if (version != 1u && version != 2u) return PP2_ERR_VERSION;
  if (command != PP2_CMD_LOCAL && command != PP2_CMD_PROXY) return PP2_ERR_COMMAND;
  if (transport != PP2_TRANSPORT_STREAM && transport != PP2_TRANSPORT_DGRAM) return PP2_ERR_TRANSPORT;
  if (version == 1u && transport != PP2_TRANSPORT_STREAM) return PP2_ERR_TRANSPORT;
  return 0;
}

/* Appends one TLV to the per-service block, in sending order. value may be NULL for len zero
 * bytes (NOOP padding). Any type is accepted: the config layer restricts custom types to
 * 0xE0-0xEF; a CRC32C or UNIQUE_ID added here is sent verbatim (useful to test receivers).
 * Returns 0, PP2_ERR_TLV_SPACE or PP2_ERR_V1_TLVS. */
SLUICE_INLINE int32_t pp2_template_add_tlv(struct pp2_template *t, uint32_t type, const uint8_t *value,
                                           uint32_t len) {
  if (t->version == 1u) return PP2_ERR_V1_TLVS;
  const uint32_t at = t->static_tlvs_len;
  if (at > PP2_STATIC_TLVS_MAX || len > PP2_STATIC_TLVS_MAX ||
      PP2_TLV_HEADER_LEN + len > PP2_STATIC_TLVS_MAX - at)
    return PP2_ERR_TLV_SPACE;
  t->static_tlvs[at] = SLUICE_CAST(uint8_t, type);
  t->static_tlvs[at + 1u] = SLUICE_CAST(uint8_t, len >> 8);
  t->static_tlvs[at + 2u] = SLUICE_CAST(uint8_t, len & 0xFFu);
  for (uint32_t i = 0; i < PP2_STATIC_TLVS_MAX; ++i) {
    if (i >= len) break;
    t->static_tlvs[(at + PP2_TLV_HEADER_LEN + i) % PP2_STATIC_TLVS_MAX] =
        value != SLUICE_NULL ? value[i] : SLUICE_CAST(uint8_t, 0);
  }
  t->static_tlvs_len = SLUICE_CAST(uint16_t, at + PP2_TLV_HEADER_LEN + len);
  return 0;
}

/* Every connection's header carries a UNIQUE_ID TLV of len bytes from pp2_conn.unique_id
 * (sent after the static TLVs). A fixed length per service keeps H known before the header is
 * built. Returns 0, PP2_ERR_UNIQUE_ID or PP2_ERR_V1_TLVS. */
SLUICE_INLINE int32_t pp2_template_set_unique_id(struct pp2_template *t, uint32_t len) {
  if (t->version == 1u) return PP2_ERR_V1_TLVS;
  if (len > PP2_UNIQUE_ID_MAX) return PP2_ERR_UNIQUE_ID;
  t->flags = SLUICE_CAST(uint8_t, t->flags | PP2_TEMPLATE_UNIQUE_ID);
  t->unique_id_len = SLUICE_CAST(uint8_t, len);
  return 0;
}

/* Every header ends with a CRC32C TLV. Returns 0 or PP2_ERR_V1_TLVS. */
SLUICE_INLINE int32_t pp2_template_set_crc32c(struct pp2_template *t) {
  if (t->version == 1u) return PP2_ERR_V1_TLVS;
  t->flags = SLUICE_CAST(uint8_t, t->flags | PP2_TEMPLATE_CRC32C);
  return 0;
}

/* Full check of a template received from elsewhere (a map update, a config reload): fields in
 * range and the static TLV bytes a sequence of whole TLVs. Returns 0 or a PP2_ERR_*. */
SLUICE_INLINE int32_t pp2_template_validate(const struct pp2_template *t) {
  if (t->version != 1u && t->version != 2u) return PP2_ERR_VERSION;
  if (t->command != PP2_CMD_LOCAL && t->command != PP2_CMD_PROXY) return PP2_ERR_COMMAND;
  if (t->transport != PP2_TRANSPORT_STREAM && t->transport != PP2_TRANSPORT_DGRAM) return PP2_ERR_TRANSPORT;
  if (t->version == 1u) {
    if (t->transport != PP2_TRANSPORT_STREAM) return PP2_ERR_TRANSPORT;
    if (t->static_tlvs_len != 0 || t->flags != 0) return PP2_ERR_V1_TLVS;
    return 0;
  }
  if ((t->flags & ~(PP2_TEMPLATE_CRC32C | PP2_TEMPLATE_UNIQUE_ID)) != 0) return PP2_ERR_TLV_MALFORMED;
  if (t->unique_id_len > PP2_UNIQUE_ID_MAX) return PP2_ERR_UNIQUE_ID;
  const uint32_t len = t->static_tlvs_len;
  if (len > PP2_STATIC_TLVS_MAX) return PP2_ERR_TLV_SPACE;
  uint32_t at = 0;
  /* Each TLV takes at least 3 bytes, which bounds the walk. */
  for (uint32_t k = 0; k <= PP2_STATIC_TLVS_MAX / PP2_TLV_HEADER_LEN; ++k) {
    if (at == len) return 0;
    if (len - at < PP2_TLV_HEADER_LEN) return PP2_ERR_TLV_MALFORMED;
    const uint32_t value_len = SLUICE_CAST(uint32_t, t->static_tlvs[(at + 1u) % PP2_STATIC_TLVS_MAX]) << 8 |
                               t->static_tlvs[(at + 2u) % PP2_STATIC_TLVS_MAX];
    if (value_len > len - at - PP2_TLV_HEADER_LEN) return PP2_ERR_TLV_MALFORMED;
    at += PP2_TLV_HEADER_LEN + value_len;
  }
  return PP2_ERR_TLV_MALFORMED;
}

/* ---- v1 text (section 2.1) ---- */

/* The text is variable-length by nature (digits, zero-group compression), and a data-dependent
 * branch per character would fork the BPF verifier into thousands of states. So every emitter
 * below is branch-free: it always stores a character at `at` and advances by `keep` (0 or 1).
 * A character not kept is overwritten by the next store at the same offset, and the line always
 * ends with kept characters (CRLF), so what remains is exactly the text. The 0/1 predicates are
 * arithmetic, and PP2_OPAQUE stops the optimiser from turning them back into branches. */

/* Hides a value from the optimiser so branch-free arithmetic stays branch-free. */
#define PP2_OPAQUE(var) __asm__ __volatile__("" : "+r"(var))

/* 1 if a < b, else 0; a, b < 2^31. */
SLUICE_INLINE uint32_t pp2_lt(uint32_t a, uint32_t b) { return (a - b) >> 31; }
/* 1 if a == b, else 0; a, b < 2^31. */
SLUICE_INLINE uint32_t pp2_eq(uint32_t a, uint32_t b) { return (((a ^ b) + 0x7FFFFFFFu) >> 31) ^ 1u; }
/* 1 if v != 0, else 0; v <= 0xFFFF. */
SLUICE_INLINE uint32_t pp2_nonzero16(uint32_t v) { return (v + 0xFFFFu) >> 16; }

/* Stores a character and advances by keep (0 or 1). out NULL: only counts. */
SLUICE_INLINE uint32_t pp2_emit_if(uint8_t *out, uint32_t at, uint32_t byte, uint32_t keep) {
  PP2_OPAQUE(keep);
  if (out != SLUICE_NULL) out[at & PP2_HEADER_MASK] = SLUICE_CAST(uint8_t, byte);
  return at + keep;
}

/* Decimal without leading zeros, value <= 65535; nothing when keep is 0. */
SLUICE_INLINE uint32_t pp2_emit_decimal_if(uint8_t *out, uint32_t at, uint32_t value, uint32_t keep) {
  uint32_t divisor = 10000u;
  uint32_t started = 0;
  for (uint32_t k = 0; k < 5u; ++k) {
    const uint32_t digit = (value / divisor) % 10u;
    started |= pp2_nonzero16(digit) | pp2_eq(k, 4u); /* the units digit always shows */
    at = pp2_emit_if(out, at, '0' + digit, keep & started);
    divisor /= 10u;
  }
  return at;
}

SLUICE_INLINE uint32_t pp2_emit_decimal(uint8_t *out, uint32_t at, uint32_t value) {
  return pp2_emit_decimal_if(out, at, value, 1u);
}

/* Lowercase hex without leading zeros, value <= 0xFFFF; nothing when keep is 0. */
SLUICE_INLINE uint32_t pp2_emit_hex16_if(uint8_t *out, uint32_t at, uint32_t value, uint32_t keep) {
  uint32_t started = 0;
  for (uint32_t k = 0; k < 4u; ++k) {
    const uint32_t nibble = (value >> (12u - 4u * k)) & 0xFu;
    started |= pp2_nonzero16(nibble) | pp2_eq(k, 3u);
    /* '0'-'9' then 'a'-'f': 'a' - '0' - 10 = 39 extra for nibbles >= 10. */
    const uint32_t letter = pp2_lt(9u, nibble);
    at = pp2_emit_if(out, at, '0' + nibble + 39u * letter, keep & started);
  }
  return at;
}

/* Dotted quad of 4 network-order bytes; nothing when keep is 0. */
SLUICE_INLINE uint32_t pp2_emit_ipv4_text_if(uint8_t *out, uint32_t at, const uint8_t *ip, uint32_t keep) {
  for (uint32_t i = 0; i < 4u; ++i) {
    at = pp2_emit_if(out, at, '.', keep & pp2_nonzero16(i));
    at = pp2_emit_decimal_if(out, at, ip[i], keep);
  }
  return at;
}

SLUICE_INLINE uint32_t pp2_emit_ipv4_text(uint8_t *out, uint32_t at, const uint8_t *ip) {
  return pp2_emit_ipv4_text_if(out, at, ip, 1u);
}

/* RFC 4291 section 2.2 text with RFC 5952 section 4 choices (longest run of >= 2 zero groups
 * compressed, the first on a tie, lowercase, no leading zeros), and the dotted tail for
 * IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses: the same text as
 * glibc's inet_ntop, so a v1 line reads exactly like the addresses logged elsewhere. */
SLUICE_INLINE uint32_t pp2_emit_ipv6_text(uint8_t *out, uint32_t at, const uint8_t *ip) {
  /* The longest run of zero groups: run ends at best_end and is best_len long. */
  uint32_t run = 0, best_len = 0, best_end = 0;
  for (uint32_t i = 0; i < 8u; ++i) {
    const uint32_t word = SLUICE_CAST(uint32_t, ip[2u * i]) << 8 | ip[2u * i + 1u];
    run = (run + 1u) * (pp2_nonzero16(word) ^ 1u);
    const uint32_t better = 0u - pp2_lt(best_len, run); /* strictly longer: the first run wins ties */
    best_len ^= (best_len ^ run) & better;
    best_end ^= (best_end ^ i) & better;
  }
  const uint32_t compress = pp2_lt(1u, best_len); /* RFC 5952 4.2.2: never a single group */
  best_len &= 0u - compress;
  const uint32_t base = best_end + 1u - best_len; /* with best_len 0 no group is in the run */
  const uint32_t word5 = SLUICE_CAST(uint32_t, ip[10]) << 8 | ip[11];
  const uint32_t ipv4_tail =
      pp2_eq(base, 0u) & (pp2_eq(best_len, 6u) | (pp2_eq(best_len, 5u) & pp2_eq(word5, 0xFFFFu)));

  for (uint32_t i = 0; i < 8u; ++i) {
    const uint32_t word = SLUICE_CAST(uint32_t, ip[2u * i]) << 8 | ip[2u * i + 1u];
    const uint32_t in_run = (pp2_lt(i, base) ^ 1u) & pp2_lt(i, base + best_len);
    const uint32_t shown = (in_run ^ 1u) & ((ipv4_tail & pp2_lt(5u, i)) ^ 1u); /* the tail replaces groups 6, 7 */
    /* A separator before every shown group but the first; one colon opens a run ("x::y"). */
    const uint32_t separator = shown & pp2_nonzero16(i);
    const uint32_t opens_run = in_run & pp2_eq(i, base);
    const uint32_t before_tail = ipv4_tail & pp2_eq(i, 6u); /* "::ffff" + ":" + "a.b.c.d" */
    at = pp2_emit_if(out, at, ':', separator | opens_run | before_tail);
    at = pp2_emit_hex16_if(out, at, word, shown);
  }
  at = pp2_emit_if(out, at, ':', compress & pp2_eq(base + best_len, 8u)); /* a run at the end: "x::" */
  return pp2_emit_ipv4_text_if(out, at, ip + 12, ipv4_tail);
}

/* Writes (out != NULL) or measures (out == NULL) the v1 line; returns its length or PP2_ERR_*. */
SLUICE_INLINE int32_t pp2_v1_write(const struct pp2_template *t, const struct pp2_conn *c, uint8_t *out) {
  if (t->transport != PP2_TRANSPORT_STREAM) return PP2_ERR_TRANSPORT;
  if (t->static_tlvs_len != 0 || t->flags != 0) return PP2_ERR_V1_TLVS;
  uint32_t at = 0;
  at = pp2_emit(out, at, 'P');
  at = pp2_emit(out, at, 'R');
  at = pp2_emit(out, at, 'O');
  at = pp2_emit(out, at, 'X');
  at = pp2_emit(out, at, 'Y');
  at = pp2_emit(out, at, ' ');
  if (t->command == PP2_CMD_LOCAL || c->family == PP2_FAM_UNSPEC) {
    /* v1 has no LOCAL: "UNKNOWN" tells the receiver to use the real connection endpoints. */
    at = pp2_emit(out, at, 'U');
    at = pp2_emit(out, at, 'N');
    at = pp2_emit(out, at, 'K');
    at = pp2_emit(out, at, 'N');
    at = pp2_emit(out, at, 'O');
    at = pp2_emit(out, at, 'W');
    at = pp2_emit(out, at, 'N');
  } else if (c->family == PP2_FAM_INET || c->family == PP2_FAM_INET6) {
    const int is_v6 = c->family == PP2_FAM_INET6;
    at = pp2_emit(out, at, 'T');
    at = pp2_emit(out, at, 'C');
    at = pp2_emit(out, at, 'P');
    at = pp2_emit(out, at, is_v6 ? '6' : '4');
    at = pp2_emit(out, at, ' ');
    at = is_v6 ? pp2_emit_ipv6_text(out, at, c->addr.inet6.src) : pp2_emit_ipv4_text(out, at, c->addr.inet.src);
    at = pp2_emit(out, at, ' ');
    at = is_v6 ? pp2_emit_ipv6_text(out, at, c->addr.inet6.dst) : pp2_emit_ipv4_text(out, at, c->addr.inet.dst);
    at = pp2_emit(out, at, ' ');
    at = pp2_emit_decimal(out, at, c->src_port);
    at = pp2_emit(out, at, ' ');
    at = pp2_emit_decimal(out, at, c->dst_port);
  } else {
    return PP2_ERR_FAMILY; /* v1 cannot express UNIX sockets */
  }
  at = pp2_emit(out, at, '\r');
  at = pp2_emit(out, at, '\n');
  return SLUICE_CAST(int32_t, at);
}

/* ---- v2 binary (section 2.2) ---- */

/* Length of the v2 header a template produces for a family, without building it; PP2_ERR_*
 * when the template or family is unusable. The same checks guard pp2_build(). */
SLUICE_INLINE int32_t pp2_v2_header_len(const struct pp2_template *t, uint32_t family) {
  if (t->version != 2u) return PP2_ERR_VERSION;
  if (t->command != PP2_CMD_LOCAL && t->command != PP2_CMD_PROXY) return PP2_ERR_COMMAND;
  if (t->transport != PP2_TRANSPORT_STREAM && t->transport != PP2_TRANSPORT_DGRAM) return PP2_ERR_TRANSPORT;
  const int32_t address_len = pp2_address_block_len(family);
  if (address_len < 0) return address_len;
  if (t->static_tlvs_len > PP2_STATIC_TLVS_MAX) return PP2_ERR_TLV_SPACE;
  if (t->unique_id_len > PP2_UNIQUE_ID_MAX) return PP2_ERR_UNIQUE_ID;
  uint32_t len = PP2_FIXED_LEN + SLUICE_CAST(uint32_t, address_len) + t->static_tlvs_len;
  if (t->flags & PP2_TEMPLATE_UNIQUE_ID) len += PP2_TLV_HEADER_LEN + t->unique_id_len;
  if (t->flags & PP2_TEMPLATE_CRC32C) len += PP2_CRC32C_TLV_LEN;
  return SLUICE_CAST(int32_t, len);
}

/* H, the number of bytes pp2_build() will write for this connection, or a PP2_ERR_*. */
SLUICE_INLINE int32_t pp2_header_len(const struct pp2_template *t, const struct pp2_conn *c) {
  if (t->version == 1u) return pp2_v1_write(t, c, SLUICE_CAST(uint8_t *, SLUICE_NULL));
  return pp2_v2_header_len(t, c->family);
}

/* Variable-length parts (static TLVs, unique id, the CRC over H bytes) are where the BPF
 * verifier's cost explodes: a loop that exits on a runtime length forks a verifier state at every
 * iteration, and each fork walks the rest of the builder. Under BPF they are therefore written
 * with constant trip counts and no data-dependent branches: a block is copied whole and the
 * offset advanced by the used length (later writes overwrite the excess; bytes past H are
 * scratch), and the CRC runs over the longest possible header with arithmetic masking. Hosted
 * builds take the short early-exit loops. Both produce the same H bytes; define
 * PP2_CONSTANT_TRIP_LOOPS to 1 to run the BPF shape on the host (the unit tests do). */
#ifndef PP2_CONSTANT_TRIP_LOOPS
#if defined(__bpf__)
#define PP2_CONSTANT_TRIP_LOOPS 1
#else
#define PP2_CONSTANT_TRIP_LOOPS 0
#endif
#endif

/* The longest v2 header a valid template produces. */
#define PP2_V2_MAX_LEN \
  (PP2_FIXED_LEN + PP2_ADDR_LEN_UNIX + PP2_STATIC_TLVS_MAX + PP2_TLV_HEADER_LEN + PP2_UNIQUE_ID_MAX + PP2_CRC32C_TLV_LEN)

/* Writes the first `used` bytes of a block of `size` bytes (size a constant at every call
 * site, used <= size) and returns at + used. */
SLUICE_INLINE uint32_t pp2_emit_prefix(uint8_t *out, uint32_t at, const uint8_t *src, uint32_t used,
                                       uint32_t size) {
#if PP2_CONSTANT_TRIP_LOOPS
  for (uint32_t i = 0; i < size; ++i) out[(at + i) & PP2_HEADER_MASK] = src[i];
  return at + used;
#else
  return pp2_emit_bytes(out, at, src, used, size);
#endif
}

/* CRC32C of out[0, len) with len <= PP2_V2_MAX_LEN. */
SLUICE_INLINE uint32_t pp2_crc32c_of_header(const uint8_t *out, uint32_t len) {
  uint32_t crc = SLUICE_CRC32C_INIT;
#if PP2_CONSTANT_TRIP_LOOPS
  for (uint32_t i = 0; i < PP2_V2_MAX_LEN; ++i) {
    /* keep is all ones while i < len: (i - len) wraps to a value with the top bit set. */
    uint32_t keep = 0u - ((i - len) >> 31);
    PP2_OPAQUE(keep); /* or clang turns the mask back into a branch */
    const uint32_t next = sluice_crc32c_step(crc, out[i & PP2_HEADER_MASK]);
    crc ^= (crc ^ next) & keep;
  }
#else
  for (uint32_t i = 0; i < PP2_V2_MAX_LEN; ++i) {
    if (i >= len) break;
    crc = sluice_crc32c_step(crc, out[i]);
  }
#endif
  return sluice_crc32c_final(crc);
}

/* Builds a v2 header into out (PP2_HEADER_MAX bytes). Returns H or a PP2_ERR_*. */
SLUICE_INLINE int32_t pp2_v2_build(const struct pp2_template *t, const struct pp2_conn *c, uint8_t *out) {
  const int32_t total = pp2_v2_header_len(t, c->family);
  if (total < 0) return total;
  const uint32_t len = SLUICE_CAST(uint32_t, total);
  const uint32_t static_len = t->static_tlvs_len;
  const uint32_t unique_id_len = t->unique_id_len;
  if (static_len > PP2_STATIC_TLVS_MAX || unique_id_len > PP2_UNIQUE_ID_MAX) return PP2_ERR_TLV_SPACE;

  uint32_t at = pp2_emit_signature(out, 0);
  at = pp2_emit(out, at, PP2_VERSION << 4 | t->command);
  /* UNSPEC goes out as 0x00, the only byte the spec defines for it (and LOCAL health probes'
   * "20 00 00 00" in spec proxy-protocol.md). */
  at = pp2_emit(out, at, c->family == PP2_FAM_UNSPEC ? 0u : (SLUICE_CAST(uint32_t, c->family) << 4 | t->transport));
  at = pp2_emit_be16(out, at, len - PP2_FIXED_LEN);

  switch (c->family) {
    case PP2_FAM_INET:
      at = pp2_emit_bytes(out, at, c->addr.inet.src, 4u, 4u);
      at = pp2_emit_bytes(out, at, c->addr.inet.dst, 4u, 4u);
      at = pp2_emit_be16(out, at, c->src_port);
      at = pp2_emit_be16(out, at, c->dst_port);
      break;
    case PP2_FAM_INET6:
      at = pp2_emit_bytes(out, at, c->addr.inet6.src, 16u, 16u);
      at = pp2_emit_bytes(out, at, c->addr.inet6.dst, 16u, 16u);
      at = pp2_emit_be16(out, at, c->src_port);
      at = pp2_emit_be16(out, at, c->dst_port);
      break;
    case PP2_FAM_UNIX:
      at = pp2_emit_bytes(out, at, c->addr.path.src, PP2_UNIX_PATH_LEN, PP2_UNIX_PATH_LEN);
      at = pp2_emit_bytes(out, at, c->addr.path.dst, PP2_UNIX_PATH_LEN, PP2_UNIX_PATH_LEN);
      break;
    default: /* UNSPEC: no address block */
      break;
  }

  at = pp2_emit_prefix(out, at, t->static_tlvs, static_len, PP2_STATIC_TLVS_MAX);

  if (t->flags & PP2_TEMPLATE_UNIQUE_ID) {
    at = pp2_emit(out, at, PP2_TYPE_UNIQUE_ID);
    at = pp2_emit_be16(out, at, unique_id_len);
    at = pp2_emit_prefix(out, at, c->unique_id, unique_id_len, PP2_UNIQUE_ID_MAX);
  }

  if (t->flags & PP2_TEMPLATE_CRC32C) {
    /* Section 2.2.5: the checksum covers the whole header, this TLV included with its value
     * set to zero, and is stored in network order. */
    const uint32_t value_at = at + PP2_TLV_HEADER_LEN;
    at = pp2_emit(out, at, PP2_TYPE_CRC32C);
    at = pp2_emit_be16(out, at, PP2_CRC32C_VALUE_LEN);
    for (uint32_t i = 0; i < PP2_CRC32C_VALUE_LEN; ++i) at = pp2_emit(out, at, 0);
    const uint32_t crc = pp2_crc32c_of_header(out, len);
    pp2_emit_be16(out, value_at, crc >> 16);
    pp2_emit_be16(out, value_at + 2u, crc & 0xFFFFu);
  }
  return SLUICE_CAST(int32_t, at);
}

/* Builds a v1 line into out (PP2_HEADER_MAX bytes). Returns its length or a PP2_ERR_*. */
SLUICE_INLINE int32_t pp2_v1_build(const struct pp2_template *t, const struct pp2_conn *c, uint8_t *out) {
  return pp2_v1_write(t, c, out);
}

/* Builds the header the template's version asks for into out, which must hold PP2_HEADER_MAX
 * bytes. Returns its length H (what pp2_header_len() announced) or a PP2_ERR_*; the bytes of
 * out past H are scratch. BPF programs that serve a single version may call pp2_v2_build or
 * pp2_v1_build directly to keep the other out of the verifier's walk. */
SLUICE_INLINE int32_t pp2_build(const struct pp2_template *t, const struct pp2_conn *c, uint8_t *out) {
  if (t->version == 1u) return pp2_v1_build(t, c, out);
  return pp2_v2_build(t, c, out);
}

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_DATAPLANE_SHARED_PP2_H */
