#pragma once
// Internal: braid::client's pending operations. Each session request's
// completion handler waits here until the session completes the request;
// some wait longer: a QoS 0 publish until the write that carries its packet
// ends (an application pacing on completions paces on the socket), a
// disconnect until the connection is closed.

#include <braid/detail/completion.hpp>
#include <braid/detail/id_table.hpp>
#include <braid/detail/ring_queue.hpp>
#include <braid/protocol/session/actions.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <variant>

namespace braid::detail {

class operation_table {
public:
  using any_handler = std::variant<publish_handler, reasons_handler, auth_handler, plain_handler>;

  /// Completions go through `completions` (shared with the client's other parts).
  explicit operation_table(std::shared_ptr<completion_queue> completions);

  /// Holds `handler` until request `id` completes. `after_write` (QoS 0
  /// publishes): the handler then waits for the write carrying the packet.
  void add(bp::request_id id, any_handler handler, bool after_write = false);
  /// The session completed a request: its handler completes (or, per add(),
  /// waits for the next write or for the connection to close).
  void complete(bp::request_completed& done);
  /// A write starts: it carries every packet the session produced so far.
  void write_started() { ++writes_started_; }
  /// The last write started has ended: what waited for it completes.
  void write_ended();
  /// The connection closed with `ec`: what waited for a write fails with
  /// it, a disconnect whose DISCONNECT went out completes.
  void connection_closed(std::error_code ec);
  /// Per-operation cancellation: the handler of request `id`, wherever it
  /// waits, completes now with asio::error::operation_aborted. False when
  /// the request has completed already (or is unknown).
  bool cancel(bp::request_id id);

  std::size_t pending() const {
    return handlers_.size() + after_write_.size() + (disconnect_handler_ ? 1 : 0);
  }

private:
  void complete_written(std::uint64_t write, std::error_code ec);

  struct pending_handler {
    any_handler handler;
    bool after_write = false;
  };
  struct deferred_completion {
    std::uint64_t write = 0; // the write (1, 2, ...) whose end completes it
    bp::request_id id = 0;
    publish_handler handler;
  };

  std::shared_ptr<completion_queue> completions_;
  id_table<pending_handler> handlers_;
  ring_queue<deferred_completion> after_write_;
  std::uint64_t writes_started_ = 0;
  std::optional<plain_handler> disconnect_handler_;
  bp::request_id disconnect_id_ = 0;
};

} // namespace braid::detail
