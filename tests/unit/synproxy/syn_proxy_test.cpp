// The SYN proxy's shared rules (dataplane/shared/syn_proxy.h, docs/syn-proxy.md): engagement,
// the options bytes, window shifts, and the deltas composing with the PROXY header's offset H
// (tcp_rules.h), across the 32-bit wrap. The expected values are worked out here from the
// RFCs and the contract, not from the functions under test.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "dataplane/shared/syn_cookie.h"
#include "dataplane/shared/syn_proxy.h"
#include "dataplane/shared/tcp_rules.h"

namespace {

std::vector<std::uint8_t> bytes_of(const sl_sp_option_bytes& o) {
  return std::vector<std::uint8_t>(o.bytes, o.bytes + o.len);
}

// A proxied flow as the worker builds it: the client's ACK carried `tsecr` (our SYN-ACK TSval
// with the cookie's option bits), then the backend's SYN-ACK arrived.
sl_syn_proxy synced(std::uint32_t cookie, std::uint32_t proxy_tsval, std::uint32_t backend_isn,
                    std::uint32_t backend_tsval, bool backend_wscale, std::uint8_t wscale) {
  sl_syn_proxy sp;
  sl_sp_init(&sp, cookie, 7, 1, proxy_tsval);
  sl_sp_backend_synack(&sp, backend_isn, 1, backend_tsval, backend_wscale ? 1 : 0, wscale);
  return sp;
}

TEST(SynProxyEngagement, OnOffAndAutoAtHalfTheCap) {
  EXPECT_EQ(sl_sp_engaged(SL_SP_MODE_ON, 0, 16384), 1);
  EXPECT_EQ(sl_sp_engaged(SL_SP_MODE_OFF, 1u << 30, 16384), 0);
  // "auto": from half of max_embryonic on (the pressure of embryonic.h), not one flow before.
  EXPECT_EQ(sl_sp_engaged(SL_SP_MODE_AUTO, 7, 16), 0);
  EXPECT_EQ(sl_sp_engaged(SL_SP_MODE_AUTO, 8, 16), 1);
  EXPECT_EQ(sl_sp_engaged(SL_SP_MODE_AUTO, 9, 16), 1);
  EXPECT_EQ(sl_sp_engaged(SL_SP_MODE_AUTO, 2, 5), 0);  // 4 < 5
  EXPECT_EQ(sl_sp_engaged(SL_SP_MODE_AUTO, 3, 5), 1);
  EXPECT_EQ(sl_sp_engaged(SL_SP_MODE_AUTO, 1000, 0), 0);  // no cap, no pressure
}

// Which ACKs without a flow are checked as cookies: "on" all, "off" none, "auto" only while a
// cookie sent at most SL_COOKIE_MAX_AGE ticks ago could come back (the age the check accepts).
TEST(SynProxyEngagement, AutoChecksAcksOnlyWhileARecentCookieCouldBeValid) {
  std::uint32_t recent = 0;
  EXPECT_EQ(sl_sp_checks_ack(SL_SP_MODE_ON, recent, 7), 1);
  EXPECT_EQ(sl_sp_checks_ack(SL_SP_MODE_OFF, recent, 7), 0);
  EXPECT_EQ(sl_sp_checks_ack(SL_SP_MODE_AUTO, recent, 7), 0);  // none sent yet
  sl_sp_note_cookie(&recent, 7);
  EXPECT_EQ(recent, 8u);
  EXPECT_EQ(sl_sp_checks_ack(SL_SP_MODE_AUTO, recent, 7), 1);
  EXPECT_EQ(sl_sp_checks_ack(SL_SP_MODE_AUTO, recent, 7 + SL_COOKIE_MAX_AGE), 1);
  EXPECT_EQ(sl_sp_checks_ack(SL_SP_MODE_AUTO, recent, 7 + SL_COOKIE_MAX_AGE + 1), 0);
  EXPECT_EQ(sl_sp_checks_ack(SL_SP_MODE_OFF, recent, 7), 0);
  // Tick 0 is a tick like any other (the value kept is tick + 1), and the 32-bit tick wraps.
  std::uint32_t at_zero = 0;
  sl_sp_note_cookie(&at_zero, 0);
  EXPECT_EQ(sl_sp_checks_ack(SL_SP_MODE_AUTO, at_zero, 0), 1);
  std::uint32_t at_wrap = 0;
  sl_sp_note_cookie(&at_wrap, 0xFFFFFFFFu);
  EXPECT_EQ(at_wrap, 0u);  // tick + 1 wraps to "never": the last tick of 2^68 ns (9 000 years)
}

TEST(SynProxyOptions, TheThreeLayouts) {
  // MSS alone: kind 2, length 4, 1460 = 0x05b4.
  EXPECT_EQ(bytes_of(sl_sp_options(1460, 0, 0x11223344, 0x55667788, 1, 1, 7)),
            (std::vector<std::uint8_t>{2, 4, 0x05, 0xb4}));
  // Timestamps, no SACK: NOP NOP where SACK-permitted would be, then kind 8 length 10.
  EXPECT_EQ(bytes_of(sl_sp_options(536, 1, 0x11223344, 0x55667788, 0, 0, 7)),
            (std::vector<std::uint8_t>{2, 4, 0x02, 0x18, 1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                       0x77, 0x88}));
  // Everything, Linux's order: MSS, SACK-permitted, TS, NOP, window scale.
  EXPECT_EQ(bytes_of(sl_sp_options(1220, 1, 1, 2, 1, 1, 7)),
            (std::vector<std::uint8_t>{2, 4, 0x04, 0xc4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7}));
  // RFC 7323 section 2.3: a shift above 14 is used as 14.
  const sl_sp_option_bytes capped = sl_sp_options(1460, 1, 0, 0, 0, 1, 15);
  ASSERT_EQ(capped.len, 20);
  EXPECT_EQ(capped.bytes[19], 14);
}

TEST(SynProxyOptions, SynAckMssLowersByTheHeaderOnlyWithData) {
  EXPECT_EQ(sl_sp_synack_mss(1460, 28, 0), 1460);
  EXPECT_EQ(sl_sp_synack_mss(1460, 28, 1), 1432);
  EXPECT_EQ(sl_sp_synack_mss(100, 50, 1), 88);  // Linux's TCP_MIN_MSS floor
}

TEST(SynProxyInit, DecodesTheCookieAndTheTsecrBits) {
  sl_syn_proxy sp;
  // TSecr low 6 bits: window scale 9, SACK (0x10), no ECN.
  sl_sp_init(&sp, 0xdeadbeef, 5, 1, 0x12345600u | 0x10u | 9u);
  EXPECT_EQ(sp.client_mss, 1440);
  EXPECT_EQ(sp.client_wscale, 9);
  EXPECT_EQ(sp.client_sack, 1);
  EXPECT_EQ(sp.flags, SL_SP_PROXIED | SL_SP_CLIENT_TS);
  EXPECT_EQ(sl_sp_cookie(&sp), 0xdeadbeefu);
  EXPECT_EQ(sl_sp_translating(&sp), 0) << "no deltas before the backend's SYN-ACK";
  // No timestamps on the ACK: neither scaling nor SACK survive (syn_cookie.h).
  sl_sp_init(&sp, 1, 0, 0, 0x3f);
  EXPECT_EQ(sp.client_mss, 536);
  EXPECT_EQ(sp.client_wscale, SL_COOKIE_WSCALE_NONE);
  EXPECT_EQ(sp.client_sack, 0);
  EXPECT_EQ(sp.flags, SL_SP_PROXIED);
}

TEST(SynProxyWindows, ShiftsSaturateAndRoundDown) {
  EXPECT_EQ(sl_sp_window(1000, 3), 8000);
  EXPECT_EQ(sl_sp_window(0x2000, 3), 0xFFFF);  // 65536 does not fit: saturates
  EXPECT_EQ(sl_sp_window(1000, -3), 125);
  EXPECT_EQ(sl_sp_window(7, -3), 0);           // never advertises space that is not there
  EXPECT_EQ(sl_sp_window(4242, 0), 4242);
}

TEST(SynProxyWindows, ShiftsFollowWhichSidesScale) {
  // Client scale 9, backend 5: the client's windows mean field << 9 and the backend reads ours
  // << 9 (the proxy's SYN told it the client's 9): no change. The backend's mean << 5 and the
  // client reads ours << 7 (SL_SP_WSCALE): >> 2.
  sl_syn_proxy sp = synced(100, 0x1000 | 9, 5000, 1, true, 5);
  EXPECT_EQ(sp.client_to_backend_wshift, 0);
  EXPECT_EQ(sp.backend_to_client_wshift, -2);
  EXPECT_EQ(sl_sp_client_window(&sp, 300), 300);
  EXPECT_EQ(sl_sp_backend_window(&sp, 1000), 250);
  // The backend sends no window scale: scaling is off on its side (RFC 7323 section 2.2), so
  // the client's window goes in bytes (<< 9) and the backend's bytes become units of 2^7.
  sp = synced(100, 0x1000 | 9, 5000, 1, false, 0);
  EXPECT_EQ(sp.client_to_backend_wshift, 9);
  EXPECT_EQ(sp.backend_to_client_wshift, -7);
  EXPECT_EQ(sl_sp_client_window(&sp, 100), 51200);
  EXPECT_EQ(sl_sp_backend_window(&sp, 64000), 500);
  // The client sent no scale (TSecr bits 0xf): nothing is scaled on either side.
  sp = synced(100, 0x1000 | SL_COOKIE_WSCALE_NONE, 5000, 1, true, 5);
  EXPECT_EQ(sp.client_to_backend_wshift, 0);
  EXPECT_EQ(sp.backend_to_client_wshift, 0);
  // The backend SYN's window is the client's ACK window in bytes (SYN windows are unscaled).
  sl_syn_proxy fresh;
  sl_sp_init(&fresh, 1, 7, 1, 0x1000 | 3);
  EXPECT_EQ(sl_sp_backend_syn_window(&fresh, 1000), 8000);
  sl_sp_init(&fresh, 1, 7, 0, 0);
  EXPECT_EQ(sl_sp_backend_syn_window(&fresh, 1000), 1000);
}

// Two translations compose on one flow: H moves the client's sequence space (the insertion
// rules), the ISN delta moves the backend's. Worked through with numbers that wrap.
TEST(SynProxyDeltas, ComposeWithTheHeaderOffsetAcrossTheWrap) {
  const std::uint32_t cookie = 0xFFFFFFF0u;   // the client's view of the backend's ISN
  const std::uint32_t backend_isn = 0x00000100u;
  const std::uint32_t client_isn = 0xFFFFFFFEu;
  const std::uint16_t header = 28;
  const std::uint32_t proxy_tsval = 0xFFFFFF00u | 0x10u | 7u;
  const std::uint32_t backend_tsval = 0x00000040u;
  const sl_syn_proxy sp = synced(cookie, proxy_tsval, backend_isn, backend_tsval, true, 7);
  ASSERT_EQ(sl_sp_translating(&sp), 1);
  EXPECT_EQ(sp.flags, SL_SP_PROXIED | SL_SP_SYNCED | SL_SP_CLIENT_TS | SL_SP_BOTH_TS);
  EXPECT_EQ(sp.seq_delta, 0x110u);  // 0x100 - 0xFFFFFFF0 mod 2^32

  // The client acknowledges 0x30 bytes of the backend's stream: cookie + 1 + 0x30 wraps to
  // 0x21 in its view, 0x131 in the backend's.
  EXPECT_EQ(sl_sp_client_ack(&sp, cookie + 1u + 0x30u), backend_isn + 1u + 0x30u);
  EXPECT_EQ(sl_sp_client_ack(&sp, 0x21u), 0x131u);
  // The backend's byte 0x30 goes out at the client's cookie + 1 + 0x30.
  EXPECT_EQ(sl_sp_backend_seq(&sp, backend_isn + 1u + 0x30u), cookie + 1u + 0x30u);
  for (std::uint32_t x : {0u, 1u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu}) {
    EXPECT_EQ(sl_sp_backend_seq(&sp, sl_sp_client_ack(&sp, x)), x);
  }
  // The client's own bytes: H moves them (c+1 = 0xFFFFFFFF, the first data byte goes to
  // 0xFFFFFFFF + 28 = 27), the proxy does not touch them.
  EXPECT_EQ(sl_translate_client_seq(client_isn, header, client_isn + 1u), client_isn + 1u + header);
  EXPECT_EQ(sl_translate_client_seq(client_isn, header, client_isn + 1u), 27u);
  // ... and the backend's ack of them comes back through H alone: ack 27 + 10 -> c + 1 + 10.
  EXPECT_EQ(sl_translate_server_ack(client_isn, header, 37u), client_isn + 1u + 10u);

  // Timestamps (RFC 7323 section 5): the client's TSecr echoes our clock, the backend wants
  // its own back; the backend's TSval reaches the client on our clock, advancing as fast.
  const std::uint32_t ts_delta = backend_tsval - proxy_tsval;
  EXPECT_EQ(sp.ts_delta, ts_delta);
  EXPECT_EQ(sl_sp_client_tsecr(&sp, proxy_tsval), backend_tsval);
  EXPECT_EQ(sl_sp_backend_tsval(&sp, backend_tsval + 1000u), proxy_tsval + 1000u);
}

TEST(SynProxyDeltas, TimestampsUntouchedUnlessBothSidesUseThem) {
  sl_syn_proxy sp;
  sl_sp_init(&sp, 500, 7, 1, 0x2000 | 7);
  sl_sp_backend_synack(&sp, 9000, 0, 0, 1, 7);  // the backend sent no timestamps
  EXPECT_EQ(sp.flags & SL_SP_BOTH_TS, 0);
  EXPECT_EQ(sl_sp_client_tsecr(&sp, 1234), 1234u);
  EXPECT_EQ(sl_sp_backend_tsval(&sp, 1234), 1234u);
  EXPECT_EQ(sl_sp_client_ack(&sp, 501), 9001u);  // the ISN delta still holds
}

TEST(SynProxyState, SixteenBytes) {
  // pipeline::Flow and sl_xdp_flow both carry one.
  EXPECT_EQ(sizeof(sl_syn_proxy), 16u);
}

}  // namespace
