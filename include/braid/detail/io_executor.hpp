#pragma once
// Internal: the executor under each braid::client's strand — the executor
// the client was made with, plus what it answers about blocking, kept so
// that the strand can ask without asking the type-erased executor. (Asio's
// any_io_executor answers a blocking query with a heap allocation, and a
// strand asks at every handler it runs.)

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>
#include <boost/asio/strand.hpp>

#include <utility>

namespace braid::detail {

namespace asio = boost::asio;

class io_executor {
public:
  /// `inner`, asked once how it blocks. (A factory, not a one-argument
  /// constructor: that would make any_io_executor's converting constructor a
  /// candidate for copying an io_executor, which clang rejects as recursive.)
  static io_executor wrapping(asio::any_io_executor inner) {
    const auto blocking = asio::query(inner, asio::execution::blocking);
    return {std::move(inner), blocking};
  }

  const asio::any_io_executor& inner() const noexcept { return inner_; }

  asio::execution_context& query(asio::execution::context_t) const noexcept {
    return asio::query(inner_, asio::execution::context);
  }
  asio::execution::blocking_t query(asio::execution::blocking_t) const noexcept {
    return blocking_;
  }

  io_executor require(asio::execution::blocking_t::never_t p) const {
    return {asio::require(inner_, p), asio::execution::blocking.never};
  }
  io_executor prefer(asio::execution::blocking_t::possibly_t p) const {
    return {asio::prefer(inner_, p), asio::execution::blocking.possibly};
  }
  io_executor prefer(asio::execution::outstanding_work_t::tracked_t p) const {
    return {asio::prefer(inner_, p), blocking_};
  }
  io_executor prefer(asio::execution::outstanding_work_t::untracked_t p) const {
    return {asio::prefer(inner_, p), blocking_};
  }
  io_executor prefer(asio::execution::relationship_t::fork_t p) const {
    return {asio::prefer(inner_, p), blocking_};
  }
  io_executor prefer(asio::execution::relationship_t::continuation_t p) const {
    return {asio::prefer(inner_, p), blocking_};
  }

  template <class Function>
  void execute(Function&& f) const {
    inner_.execute(std::forward<Function>(f));
  }

  friend bool operator==(const io_executor& a, const io_executor& b) noexcept {
    return a.inner_ == b.inner_;
  }
  friend bool operator!=(const io_executor& a, const io_executor& b) noexcept { return !(a == b); }

private:
  io_executor(asio::any_io_executor inner, asio::execution::blocking_t blocking)
      : inner_(std::move(inner)), blocking_(blocking) {}

  asio::any_io_executor inner_;
  asio::execution::blocking_t blocking_;
};

/// The strand every part of one client runs on.
using client_strand = asio::strand<io_executor>;

inline client_strand make_client_strand(asio::any_io_executor executor) {
  return client_strand(io_executor::wrapping(std::move(executor)));
}

} // namespace braid::detail
