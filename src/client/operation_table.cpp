#include <braid/detail/operation_table.hpp>

#include <boost/asio/error.hpp>

#include <algorithm>

namespace braid::detail {

operation_table::operation_table(asio::strand<asio::any_io_executor> strand)
    : strand_(std::move(strand)) {
}

void operation_table::add(bp::request_id id, any_handler handler, bool after_write) {
  handlers_.emplace(id, pending_handler{std::move(handler), after_write});
}

void operation_table::complete(bp::request_completed& done) {
  auto it = handlers_.find(done.id);
  if (it == handlers_.end()) {
    return;
  }
  auto handler = std::move(it->second.handler);
  const bool after_write = it->second.after_write && !done.error;
  handlers_.erase(it);
  if (after_write) {
    // The packet is in the session's output: the next write carries it.
    after_write_.push_back(
        {writes_started_ + 1, done.id, std::move(std::get<publish_handler>(handler))});
    return;
  }
  if (done.kind == bp::request_kind::disconnect && !done.error) {
    disconnect_handler_ = std::move(std::get<plain_handler>(handler));
    disconnect_id_ = done.id;
    return; // completes when the connection is closed
  }
  std::visit(
      [&](auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, publish_handler>) {
          post_completion(std::move(h), strand_, done.error,
                          publish_result{done.reason, std::move(done.props), done.packet_id});
        } else if constexpr (std::is_same_v<H, reasons_handler>) {
          subscribe_result result;
          static_cast<std::vector<bp::reason_code>&>(result) = std::move(done.reasons);
          result.props = std::move(done.props);
          result.packet_id = done.packet_id;
          post_completion(std::move(h), strand_, done.error, std::move(result));
        } else if constexpr (std::is_same_v<H, auth_handler>) {
          post_completion(std::move(h), strand_, done.error,
                          auth_result{done.reason, std::move(done.props)});
        } else {
          post_completion(std::move(h), strand_, done.error);
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
    post_completion(std::move(*disconnect_handler_), strand_, std::error_code{});
    disconnect_handler_.reset();
  }
}

bool operation_table::cancel(bp::request_id id) {
  const error_code aborted = asio::error::operation_aborted;
  if (auto it = handlers_.find(id); it != handlers_.end()) {
    auto handler = std::move(it->second.handler);
    handlers_.erase(it);
    std::visit(
        [&](auto& h) {
          using H = std::decay_t<decltype(h)>;
          if constexpr (std::is_same_v<H, publish_handler>) {
            post_completion(std::move(h), strand_, aborted, publish_result{});
          } else if constexpr (std::is_same_v<H, reasons_handler>) {
            post_completion(std::move(h), strand_, aborted, subscribe_result{});
          } else if constexpr (std::is_same_v<H, auth_handler>) {
            post_completion(std::move(h), strand_, aborted, auth_result{});
          } else {
            post_completion(std::move(h), strand_, aborted);
          }
        },
        handler);
    return true;
  }
  if (auto it = std::find_if(after_write_.begin(), after_write_.end(),
                             [id](const auto& d) { return d.id == id; });
      it != after_write_.end()) {
    post_completion(std::move(it->handler), strand_, aborted, publish_result{});
    after_write_.erase(it);
    return true;
  }
  if (disconnect_handler_ && disconnect_id_ == id) {
    post_completion(std::move(*disconnect_handler_), strand_, aborted);
    disconnect_handler_.reset();
    return true;
  }
  return false;
}

void operation_table::complete_written(std::uint64_t write, std::error_code ec) {
  while (!after_write_.empty() && after_write_.front().write <= write) {
    post_completion(std::move(after_write_.front().handler), strand_, ec, publish_result{});
    after_write_.pop_front();
  }
}

} // namespace braid::detail
