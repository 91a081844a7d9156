// Per-operation cancellation of braid::client's operations: what each
// cancellation type does to each operation (see client.hpp, and
// docs/guide/cancellation.md).
#include <braid/detail/client_impl.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/error.hpp>

namespace braid::detail {
namespace {

bool partial_or_terminal(asio::cancellation_type type) {
  return (type & (asio::cancellation_type::partial | asio::cancellation_type::terminal)) !=
         asio::cancellation_type::none;
}

bool terminal(asio::cancellation_type type) {
  return (type & asio::cancellation_type::terminal) != asio::cancellation_type::none;
}

} // namespace

// Called on the caller's thread, before the operation moves to the strand.
cancellation_ptr client_impl::watch(asio::cancellation_slot slot,
                                    pending_cancellation::target what) {
  if (!slot.is_connected()) {
    return nullptr;
  }
  auto op = std::make_shared<pending_cancellation>(what);
  slot.assign([weak = weak_from_this(), op](asio::cancellation_type type) {
    if (auto self = weak.lock()) {
      self->on_strand([self, op, type] { self->cancel(*op, type); });
    }
  });
  return op;
}

// The operation is on the strand as `id`: a cancellation that came first
// applies now.
void client_impl::started(const cancellation_ptr& cancel, std::uint64_t id) {
  if (!cancel) {
    return;
  }
  cancel->started = true;
  cancel->id = id;
  if (cancel->early != asio::cancellation_type::none) {
    apply(*cancel, cancel->early);
  }
}

void client_impl::cancel(pending_cancellation& op, asio::cancellation_type type) {
  if (!op.started) {
    op.early = op.early | type;
    return;
  }
  apply(op, type);
}

// An operation that has completed is not found any more: its cancellation
// does nothing, so that no handler completes twice.
void client_impl::apply(const pending_cancellation& op, asio::cancellation_type type) {
  switch (op.what) {
  case pending_cancellation::target::request:
    if (session_.cancel(op.id)) {
      // Not sent yet: withdrawn, as if never made (every type).
      operations_.cancel(op.id);
      process_actions();
      flush();
    } else if (partial_or_terminal(type)) {
      // Sent: the exchange goes on in the session, unwatched.
      operations_.cancel(op.id);
    }
    break;
  case pending_cancellation::target::disconnect:
    if (partial_or_terminal(type) && operations_.cancel(op.id) && terminal(type)) {
      transport_closed(close_reason_); // no waiting for the broker to close
    }
    break;
  case pending_cancellation::target::receive:
    dispatcher_.cancel_receive(op.id); // every type: a waiting receive holds no message
    break;
  case pending_cancellation::target::connect:
    if (partial_or_terminal(type) && connect_handler_) {
      fail_connect(asio::error::operation_aborted);
      shut_down(); // the reconnecting service stops, as with close()
    }
    break;
  }
}

} // namespace braid::detail
