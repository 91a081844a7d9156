#pragma once
// Internal: how braid::client's completion handlers and message handlers are
// run — later, on the client's strand, in the order they became ready, never
// inside the call that caused them. They wait in one queue (no allocation
// per entry in steady state) that a single posted operation drains, instead
// of one posted operation, and so one allocation, each.

#include <braid/detail/deferred_task.hpp>
#include <braid/detail/io_executor.hpp>
#include <braid/detail/ring_queue.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace braid::detail {

namespace asio = boost::asio;

/// Whether `handler` has no executor of its own (it then runs on the
/// client's strand). Asked with system_executor as the default because a
/// type-erased handler converts that default without allocating.
template <class Handler>
bool has_default_executor(const Handler& handler) {
  using executor = asio::associated_executor_t<Handler, asio::system_executor>;
  if constexpr (std::is_same_v<executor, asio::system_executor>) {
    return true;
  } else if constexpr (requires(const executor& e) {
                         e.template target<asio::system_executor>();
                       }) {
    return asio::get_associated_executor(handler, asio::system_executor())
               .template target<asio::system_executor>() != nullptr;
  } else {
    return false;
  }
}

class completion_queue : public std::enable_shared_from_this<completion_queue> {
public:
  using strand_type = client_strand;

  explicit completion_queue(strand_type strand) : strand_(std::move(strand)) {}

  const strand_type& strand() const { return strand_; }

  /// Runs `f()` later on the strand, after what was deferred before it.
  /// Call on the strand.
  template <class F>
  void defer(F&& f) {
    ready_.push_back(deferred_task(std::forward<F>(f)));
    if (!drain_posted_) {
      drain_posted_ = true;
      asio::post(strand_, [self = shared_from_this()] { self->drain(); });
    }
  }

  /// Runs `handler(ec, args...)` later on the handler's associated executor
  /// (by default the strand). Asio's own codes (operation_aborted) pass as
  /// they are, so that they compare equal to asio::error values; braid's
  /// std::error_code categories convert. Call on the strand.
  template <class Handler, class... Args>
  void complete(Handler handler, boost::system::error_code ec, Args... args) {
    if (has_default_executor(handler)) {
      defer([ec, h = std::move(handler), ... a = std::move(args)]() mutable {
        std::move(h)(ec, std::move(a)...);
      });
      return;
    }
    // The handler's own executor: dispatched from the strand, in order.
    defer([ex = asio::get_associated_executor(handler, strand_), ec, h = std::move(handler),
           ... a = std::move(args)]() mutable {
      asio::dispatch(ex, [ec, h = std::move(h), ... b = std::move(a)]() mutable {
        std::move(h)(ec, std::move(b)...);
      });
    });
  }

private:
  // Runs what was ready when it started; what those handlers make ready
  // runs in the next drain, so that the strand's other work is not starved.
  void drain() {
    drain_posted_ = false;
    // A handler that throws leaves through io_context::run(); what is left
    // runs in a drain posted on the way out.
    struct repost {
      completion_queue& q;
      ~repost() {
        if (!q.ready_.empty() && !q.drain_posted_) {
          q.drain_posted_ = true;
          asio::post(q.strand_, [self = q.shared_from_this()] { self->drain(); });
        }
      }
    } on_exit{*this};
    for (auto n = ready_.size(); n > 0 && !ready_.empty(); --n) {
      deferred_task task(std::move(ready_.front()));
      ready_.pop_front();
      task();
    }
  }

  strand_type strand_;
  // An idle client has one or two entries at a time; an entry is some 200 bytes.
  ring_queue<deferred_task, 2> ready_;
  bool drain_posted_ = false;
};

} // namespace braid::detail
