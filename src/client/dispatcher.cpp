#include <braid/detail/dispatcher.hpp>
#include <braid/protocol/topic.hpp>

#include <boost/asio/error.hpp>

#include <algorithm>

namespace braid::detail {

dispatcher::dispatcher(std::shared_ptr<completion_queue> completions, std::size_t queue_limit)
    : completions_(std::move(completions)), queue_limit_(queue_limit) {
}

void dispatcher::add_route(std::uint64_t id, std::string filter, message_handler handler) {
  routes_.push_back({id, std::move(filter), std::make_shared<message_handler>(std::move(handler))});
}

bool dispatcher::remove_route(std::uint64_t id) {
  auto it =
      std::find_if(routes_.begin(), routes_.end(), [id](const auto& r) { return r.id == id; });
  if (it == routes_.end()) {
    return false;
  }
  *it->handler = nullptr; // deliveries already posted find it empty
  routes_.erase(it);
  return true;
}

std::size_t dispatcher::remove_routes(const std::string& filter) {
  std::size_t removed = 0;
  for (auto it = routes_.begin(); it != routes_.end();) {
    if (it->filter == filter) {
      *it->handler = nullptr;
      it = routes_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

void dispatcher::set_message_handler(message_handler handler) {
  // A new holder: deliveries already posted keep (and call) the handler they were given.
  on_message_ = std::make_shared<message_handler>(std::move(handler));
}

bool dispatcher::deliver(bp::publish message) {
  bool routed = false;
  for (const auto& r : routes_) {
    if (bp::topic_matches(r.filter, message.topic)) {
      routed = true;
      completions_->defer([h = r.handler, m = message] {
        if (*h) {
          (*h)(m);
        }
      });
    }
  }
  return !routed && deliver_unrouted(std::move(message));
}

// Returns true when the message filled the receive queue.
bool dispatcher::deliver_unrouted(bp::publish message) {
  if (on_message_ && *on_message_) {
    completions_->defer([h = on_message_, m = std::move(message)] { (*h)(m); });
    return false;
  }
  if (!receivers_.empty()) {
    auto h = std::move(receivers_.front().handler);
    receivers_.pop_front();
    completions_->complete(std::move(h), std::error_code{}, std::move(message));
    return false;
  }
  received_.push_back(std::move(message));
  return received_.size() >= queue_limit_;
}

bool dispatcher::receive(receive_handler handler, std::uint64_t ticket) {
  if (received_.empty()) {
    receivers_.push_back({ticket, std::move(handler)});
    return false;
  }
  auto m = std::move(received_.front());
  received_.pop_front();
  completions_->complete(std::move(handler), std::error_code{}, std::move(m));
  return has_room();
}

bool dispatcher::cancel_receive(std::uint64_t ticket) {
  const auto i = receivers_.find_if([ticket](const auto& r) { return r.ticket == ticket; });
  if (ticket == 0 || i == receivers_.size()) {
    return false;
  }
  completions_->complete(std::move(receivers_[i].handler), asio::error::operation_aborted,
                         bp::publish{});
  receivers_.erase(i);
  return true;
}

void dispatcher::fail_receivers(std::error_code ec) {
  while (!receivers_.empty()) {
    auto h = std::move(receivers_.front().handler);
    receivers_.pop_front();
    completions_->complete(std::move(h), ec, bp::publish{});
  }
}

} // namespace braid::detail
