#pragma once
// net:: addresses and endpoints to and from Boost.Asio's, and the listening socket the console
// and the metrics server both open: one place for what every control-thread socket needs.
// Header-only (Boost.Asio is header-only too).
#include <algorithm>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "dataplane/net/address.hpp"

namespace sluice::control_asio {

inline boost::asio::ip::address to_asio(const net::IpAddress& address) {
  if (address.is_v4()) {
    boost::asio::ip::address_v4::bytes_type bytes;
    std::copy_n(address.data(), bytes.size(), bytes.begin());
    return boost::asio::ip::address_v4(bytes);
  }
  boost::asio::ip::address_v6::bytes_type bytes;
  std::copy_n(address.data(), bytes.size(), bytes.begin());
  return boost::asio::ip::address_v6(bytes);
}

inline boost::asio::ip::tcp::endpoint to_asio(const net::Endpoint& endpoint) {
  return {to_asio(endpoint.address), endpoint.port};
}

// Opens, binds (SO_REUSEADDR) and listens; throws boost::system::system_error.
inline void listen_on(boost::asio::ip::tcp::acceptor& acceptor, const net::Endpoint& where) {
  const boost::asio::ip::tcp::endpoint endpoint = to_asio(where);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(boost::asio::ip::tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
}

// Where the acceptor listens (the port the kernel chose for port 0); `configured` when it
// cannot say.
inline net::Endpoint local_endpoint(const boost::asio::ip::tcp::acceptor& acceptor,
                                    const net::Endpoint& configured) {
  boost::system::error_code error;
  const boost::asio::ip::tcp::endpoint endpoint = acceptor.local_endpoint(error);
  if (error) return configured;
  const auto address = net::IpAddress::parse(endpoint.address().to_string());
  return {address.value_or(configured.address), endpoint.port()};
}

}  // namespace sluice::control_asio
