#pragma once
// Internal: per-operation cancellation of braid::client's operations. The
// handler's cancellation slot is connected in the initiating call, on the
// caller's thread (as Asio requires: never from another thread). A
// cancellation is carried to the client's strand, where it finds the
// operation; one that comes before the operation reached the strand is kept
// until it does. Only operations whose handler has a connected slot pay for
// this (one small allocation).

#include <boost/asio/cancellation_type.hpp>

#include <cstdint>
#include <memory>

namespace braid::detail {

namespace asio = boost::asio;

struct pending_cancellation {
  enum class target : std::uint8_t {
    request,    ///< publish, subscribe, unsubscribe, ping, reauthenticate: a session request
    disconnect, ///< a session request that completes when the connection is closed
    receive,    ///< a waiting async_receive
    connect,    ///< async_connect and the reconnecting service behind it
  };
  explicit pending_cancellation(target t) : what(t) {}

  target what;
  bool started = false; ///< the operation is on the strand, with `id`
  std::uint64_t id = 0; ///< request id or receive ticket
  asio::cancellation_type early = asio::cancellation_type::none; ///< came before it started
};

using cancellation_ptr = std::shared_ptr<pending_cancellation>;

} // namespace braid::detail
