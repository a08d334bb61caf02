#pragma once
// PacketBuffer: the packet core's model of one single-segment frame in a larger buffer, the
// same shape as a DPDK rte_mbuf (buf_addr, buf_len, data_off, data_len):
//
//   base                                                          base + capacity
//   |<---- headroom ---->|<--------- length --------->|<-- tailroom -->|
//                        data()
//
// It does not own memory. The DPDK shell builds one per packet from the mbuf fields and
// writes data_offset()/length() back after the pipeline ran; tests wrap a stack array.
// Every operation either fits in the buffer or returns false and changes nothing.
#include <cstdint>

namespace sluice::packet {

class PacketBuffer {
 public:
  // What the packet core needs in front of a received frame: room to grow the headers by a
  // PROXY v2 header with TLVs plus the 20 bytes of an IPv4->IPv6 translation without moving
  // the payload. RTE_PKTMBUF_HEADROOM is 128 by default; docs/packet-layer.md explains.
  static constexpr std::uint32_t kRequiredHeadroom = 128;

  // Precondition: data_offset + data_length <= capacity (a violating buffer is clamped to an
  // empty frame so that no later operation can run past the buffer).
  PacketBuffer(std::uint8_t* base, std::uint32_t capacity, std::uint32_t data_offset,
               std::uint32_t data_length) noexcept;

  std::uint8_t* data() const noexcept { return base_ + data_offset_; }
  std::uint32_t length() const noexcept { return length_; }
  std::uint32_t data_offset() const noexcept { return data_offset_; }
  std::uint32_t headroom() const noexcept { return data_offset_; }
  std::uint32_t tailroom() const noexcept { return capacity_ - data_offset_ - length_; }
  std::uint32_t capacity() const noexcept { return capacity_; }
  std::uint8_t* base() const noexcept { return base_; }

  // Grows the frame by n bytes at the front, out of the headroom (rte_pktmbuf_prepend).
  [[nodiscard]] bool prepend(std::uint32_t n) noexcept;
  // Removes n bytes from the front; they become headroom (rte_pktmbuf_adj).
  [[nodiscard]] bool adjust_front(std::uint32_t n) noexcept;
  // Grows the frame by n bytes at the end, out of the tailroom (rte_pktmbuf_append).
  [[nodiscard]] bool append(std::uint32_t n) noexcept;
  // Removes n bytes from the end (rte_pktmbuf_trim).
  [[nodiscard]] bool trim(std::uint32_t n) noexcept;

  // Opens n bytes at `offset` (0 <= offset <= length): bytes [0, offset) move n bytes towards
  // the headroom, so the gap is [offset, offset + n) of the new data() and everything from
  // the old `offset` on stays where it was in memory. Headers are short, payloads are not:
  // this is how the PROXY header goes between the TCP header and the payload. Without enough
  // headroom the tail [offset, length) moves n bytes towards the tailroom instead. The gap's
  // contents are unspecified. False (nothing changed) when neither side has room.
  [[nodiscard]] bool insert_gap(std::uint32_t offset, std::uint32_t n) noexcept;
  // The inverse: closes [offset, offset + n) by moving bytes [0, offset) n bytes forward.
  [[nodiscard]] bool remove_gap(std::uint32_t offset, std::uint32_t n) noexcept;

 private:
  std::uint8_t* base_;
  std::uint32_t capacity_;
  std::uint32_t data_offset_;
  std::uint32_t length_;
};

}  // namespace sluice::packet
