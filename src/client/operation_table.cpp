#include <braid/detail/operation_table.hpp>

#include <boost/asio/error.hpp>

namespace braid::detail {

operation_table::operation_table(std::shared_ptr<completion_queue> completions)
    : completions_(std::move(completions)) {
}

void operation_table::add(bp::request_id id, any_handler handler, bool after_write) {
  handlers_.insert(id, pending_handler{std::move(handler), after_write});
}

void operation_table::complete(bp::request_completed& done) {
  auto pending = handlers_.take(done.id);
  if (!pending) {
    return;
  }
  auto& handler = pending->handler;
  const bool after_write = pending->after_write && !done.error;
  if (after_write) {
    // The packet is in the session's output: the next write carries it.
    after_write_.push_back(
        {writes_started_ + 1, done.id, std::move(std::get<publish_handler>(handler))});
    return;
  }
  if (done.kind == bp::request_kind::disconnect && !done.error) {
    disconnect_handler_.emplace(std::move(std::get<plain_handler>(handler)));
    disconnect_id_ = done.id;
    return; // completes when the connection is closed
  }
  std::visit(
      [&](auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, publish_handler>) {
          completions_->complete(
              std::move(h), done.error,
              publish_result{done.reason, std::move(done.props), done.packet_id});
        } else if constexpr (std::is_same_v<H, reasons_handler>) {
          subscribe_result result;
          static_cast<std::vector<bp::reason_code>&>(result) = std::move(done.reasons);
          result.props = std::move(done.props);
          result.packet_id = done.packet_id;
          completions_->complete(std::move(h), done.error, std::move(result));
        } else if constexpr (std::is_same_v<H, auth_handler>) {
          completions_->complete(std::move(h), done.error,
                                 auth_result{done.reason, std::move(done.props)});
        } else {
          completions_->complete(std::move(h), done.error);
        }
      },
      handler);
}

void operation_table::write_ended() {
  complete_written(writes_started_, {});
}

void operation_table::connection_closed(std::error_code ec) {
  // Packets not written yet died with the connection.
  complete_written(writes_started_ + 1, ec);
  if (disconnect_handler_) {
    completions_->complete(std::move(*disconnect_handler_), std::error_code{});
    disconnect_handler_.reset();
  }
}

bool operation_table::cancel(bp::request_id id) {
  const error_code aborted = asio::error::operation_aborted;
  if (auto pending = handlers_.take(id)) {
    std::visit(
        [&](auto& h) {
          using H = std::decay_t<decltype(h)>;
          if constexpr (std::is_same_v<H, publish_handler>) {
            completions_->complete(std::move(h), aborted, publish_result{});
          } else if constexpr (std::is_same_v<H, reasons_handler>) {
            completions_->complete(std::move(h), aborted, subscribe_result{});
          } else if constexpr (std::is_same_v<H, auth_handler>) {
            completions_->complete(std::move(h), aborted, auth_result{});
          } else {
            completions_->complete(std::move(h), aborted);
          }
        },
        pending->handler);
    return true;
  }
  for (std::size_t i = 0; i < after_write_.size(); ++i) {
    if (after_write_[i].id == id) {
      completions_->complete(std::move(after_write_[i].handler), aborted, publish_result{});
      after_write_.erase(i);
      return true;
    }
  }
  if (disconnect_handler_ && disconnect_id_ == id) {
    completions_->complete(std::move(*disconnect_handler_), aborted);
    disconnect_handler_.reset();
    return true;
  }
  return false;
}

void operation_table::complete_written(std::uint64_t write, std::error_code ec) {
  while (!after_write_.empty() && after_write_.front().write <= write) {
    completions_->complete(std::move(after_write_.front().handler), ec, publish_result{});
    after_write_.pop_front();
  }
}

} // namespace braid::detail
