#pragma once
// Internal: where braid::client's incoming messages go. Every
// per-subscription route whose filter matches the topic gets the message; a
// message no route takes goes to the message handler if one is set, else to
// a waiting async_receive, else into the receive queue. Handlers run later
// on the client's strand (completion_queue.hpp).

#include <braid/detail/completion.hpp>
#include <braid/detail/ring_queue.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace braid::detail {

using message_handler = std::function<void(const bp::publish&)>;

class dispatcher {
public:
  /// `queue_limit`: how many messages the receive queue holds before it asks
  /// for reading to pause (see deliver and receive).
  /// Handlers run through `completions` (shared with the client's other parts).
  dispatcher(std::shared_ptr<completion_queue> completions, std::size_t queue_limit);

  /// Messages whose topic matches `filter` go to `handler` (as well as to
  /// any other matching route), not to the message handler or the queue.
  /// `id` names the route for remove_route.
  void add_route(std::uint64_t id, std::string filter, message_handler handler);
  /// The route is not called again, not even for a message already on its
  /// way to it. False when there is no such route.
  bool remove_route(std::uint64_t id);
  /// remove_route for every route added with exactly `filter`; how many.
  std::size_t remove_routes(const std::string& filter);
  /// Takes the messages no route takes from now on; an empty handler gives
  /// them back to async_receive. A message already on its way still goes to
  /// the handler that was set when it arrived.
  void set_message_handler(message_handler handler);

  /// Delivers one message. Returns true when it went into the receive queue
  /// and filled it: the caller stops reading the connection until receive()
  /// says otherwise.
  [[nodiscard]] bool deliver(bp::publish message);
  /// async_receive: completes with the oldest queued message, or waits for
  /// the next one. Returns true when it took a message and the queue is now
  /// below half its limit: the caller may read again. `ticket` (not 0) lets
  /// cancel_receive find a waiting receive.
  [[nodiscard]] bool receive(receive_handler handler, std::uint64_t ticket = 0);
  /// Per-operation cancellation: the receive waiting with `ticket` completes
  /// now with asio::error::operation_aborted. A receive that has a message
  /// already is not affected (no message is lost). False when none waits.
  bool cancel_receive(std::uint64_t ticket);
  /// Nothing more will arrive: waiting receives complete with `ec`.
  void fail_receivers(std::error_code ec);

  std::size_t queued() const { return received_.size(); }
  /// The queue is below half its limit, or empty whatever the limit (a limit
  /// of 1 resumes too): reading may go on.
  bool has_room() const { return received_.empty() || received_.size() < queue_limit_ / 2; }

private:
  bool deliver_unrouted(bp::publish message);

  struct route {
    std::uint64_t id = 0;
    std::string filter;
    // Shared with the deliveries posted to it: emptied when the route is removed.
    std::shared_ptr<message_handler> handler;
  };

  std::shared_ptr<completion_queue> completions_;
  std::size_t queue_limit_;
  std::vector<route> routes_;
  // Shared with the deliveries already posted to it; null until one is set.
  std::shared_ptr<message_handler> on_message_;
  ring_queue<bp::publish> received_;
  struct waiting_receive {
    std::uint64_t ticket = 0;
    receive_handler handler;
  };
  ring_queue<waiting_receive> receivers_;
};

} // namespace braid::detail
