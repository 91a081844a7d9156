// TCP and TLS transports, and the TLS context they and wss:// share.

#include "transport_open.hpp"
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <optional>

namespace braid::detail {

using tcp = asio::ip::tcp;

bool is_certificate_rejected(const std::error_code& ec) {
  const std::error_category& ssl = asio::error::get_ssl_category();
  return ec.category() == ssl &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

// A transport that cannot read without a buffer is never asked to.
void transport::async_wait_readable(io_handler handler) {
  handler(boost::system::error_code(asio::error::operation_not_supported), 0);
}

std::size_t transport::read_ready(asio::mutable_buffer, std::error_code& ec) {
  ec = boost::system::error_code(asio::error::operation_not_supported);
  return 0;
}

namespace {

// Writes everything, in system calls as large as the kernel takes. Asio's
// transfer_all asks for at most 64 KiB per call: a 1 MiB payload would cost
// 16 sends and as many waits for the socket.
struct transfer_all_at_once {
  std::size_t operator()(const boost::system::error_code& ec, std::size_t) const noexcept {
    return ec ? 0 : std::size_t{64} * 1024 * 1024;
  }
};

// Certificate revocation lists from a PEM file and/or text, checked for the
// broker's own certificate.
boost::system::error_code add_crls(asio::ssl::context& ctx, const tls_options& tls) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.native_handle());
  auto add_from = [&](BIO* bio) {
    int added = 0;
    while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
      X509_STORE_add_crl(store, crl);
      X509_CRL_free(crl);
      ++added;
    }
    ERR_clear_error(); // the end of the input
    return added;
  };
  for (const auto* source : {&tls.crl_file, &tls.crl_pem}) {
    if (source->empty()) {
      continue;
    }
    BIO* bio = source == &tls.crl_file
                   ? BIO_new_file(source->c_str(), "r")
                   : BIO_new_mem_buf(source->data(), static_cast<int>(source->size()));
    if (bio == nullptr) { // a file that cannot be read: OpenSSL says why
      return boost::system::error_code(static_cast<int>(ERR_get_error()),
                                       asio::error::get_ssl_category());
    }
    const int added = add_from(bio);
    BIO_free(bio);
    if (added == 0) { // nothing that reads as a CRL
      return boost::system::error_code(
          static_cast<int>(ERR_PACK(ERR_LIB_PEM, 0, PEM_R_NO_START_LINE)),
          asio::error::get_ssl_category());
    }
  }
  if (!tls.crl_file.empty() || !tls.crl_pem.empty()) {
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  }
  return {};
}

} // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const tls_options& tls, std::error_code& ec) {
  if (tls.context) {
    ec = {};
    return tls.context; // the caller's, as it is
  }
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  boost::system::error_code bec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3,
                   bec);
  SSL_CTX_set_min_proto_version(ctx->native_handle(),
                                tls.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
  if (!tls.ciphers.empty() &&
      SSL_CTX_set_cipher_list(ctx->native_handle(), tls.ciphers.c_str()) != 1) {
    bec = boost::system::error_code(static_cast<int>(ERR_get_error()),
                                    asio::error::get_ssl_category());
  }
  if (!bec && !tls.ca_file.empty()) {
    ctx->load_verify_file(tls.ca_file, bec);
  }
  if (!bec && !tls.ca_path.empty()) {
    ctx->add_verify_path(tls.ca_path, bec);
  }
  if (!bec && !tls.ca_pem.empty()) {
    ctx->add_certificate_authority(asio::buffer(tls.ca_pem), bec);
  }
  if (!bec && tls.ca_file.empty() && tls.ca_path.empty() && tls.ca_pem.empty()) {
    ctx->set_default_verify_paths(bec);
  }
  if (!bec) {
    bec = add_crls(*ctx, tls);
  }
  if (!bec && !tls.key_password.empty()) {
    ctx->set_password_callback(
        [password = tls.key_password](std::size_t, asio::ssl::context::password_purpose) {
          return password;
        },
        bec);
  }
  if (!bec && !tls.cert_file.empty()) {
    ctx->use_certificate_chain_file(tls.cert_file, bec);
  }
  if (!bec && !tls.key_file.empty()) {
    ctx->use_private_key_file(tls.key_file, asio::ssl::context::pem, bec);
  }
  if (!bec && !tls.cert_pem.empty()) {
    ctx->use_certificate_chain(asio::buffer(tls.cert_pem), bec);
  }
  if (!bec && !tls.key_pem.empty()) {
    ctx->use_private_key(asio::buffer(tls.key_pem), asio::ssl::context::pem, bec);
  }
  if (!bec && !tls.alpn.empty()) {
    std::string wire; // length-prefixed protocol names
    for (const auto& p : tls.alpn) {
      wire += static_cast<char>(p.size());
      wire += p;
    }
    SSL_CTX_set_alpn_protos(ctx->native_handle(),
                            reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size()));
  }
  ec = bec;
  return ec ? nullptr : ctx;
}

std::string tls_server_name(const tls_options& tls, const broker_url& url) {
  return tls.server_name.empty() ? url.host : tls.server_name;
}

namespace {

class tcp_transport final : public transport {
public:
  explicit tcp_transport(const strand_type& strand) : strand_(strand) {}

  // The socket runs on the executor under the strand and its handlers are
  // bound to the strand: the same serialisation, without the strand wrapped
  // in a type-erased executor (a heap allocation) at every read and write.
  // The resolver lives while its connection opens (idle connections are
  // many): the open's handlers own it, close() finds it through resolving_.
  void async_open(const broker_url& url, done_handler done) override {
    socket_ = std::make_shared<tcp::socket>(strand_.get_inner_executor().inner());
    // Not make_shared: resolving_ would keep the resolver's memory after it ends.
    const std::shared_ptr<tcp::resolver> resolver(
        new tcp::resolver(strand_.get_inner_executor().inner()));
    resolving_ = resolver;
    async_open_socket(strand_, *resolver, *socket_, socket_, url, nullptr, observer_,
                      [resolver, done = std::move(done)](std::error_code ec) { done(ec); });
  }
  void async_read_some(asio::mutable_buffer buffer, io_handler handler) override {
    socket_->async_read_some(
        buffer, asio::bind_executor(
                    strand_, [s = socket_, h = std::move(handler)](boost::system::error_code ec,
                                                                   std::size_t n) { h(ec, n); }));
  }
  bool reads_when_ready() const override { return true; }
  void async_wait_readable(io_handler handler) override {
    socket_->async_wait(
        tcp::socket::wait_read,
        asio::bind_executor(strand_, [s = socket_, h = std::move(handler)](
                                         boost::system::error_code ec) { h(ec, 0); }));
  }
  std::size_t read_ready(asio::mutable_buffer buffer, std::error_code& ec) override {
    boost::system::error_code bec;
    if (!socket_->non_blocking()) {
      socket_->non_blocking(true, bec); // read_some then says would_block instead of waiting
    }
    const std::size_t n = bec ? 0 : socket_->read_some(buffer, bec);
    ec = bec;
    return n;
  }
  void async_write(const_buffers buffers, io_handler handler) override {
    asio::async_write(*socket_, buffers, transfer_all_at_once{},
                      asio::bind_executor(
                          strand_, [s = socket_, h = std::move(handler)](
                                       boost::system::error_code ec, std::size_t n) { h(ec, n); }));
  }
  void shutdown_send() override {
    if (socket_) {
      boost::system::error_code ignored;
      socket_->shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  void close() override {
    if (const auto resolver = resolving_.lock()) {
      resolver->cancel();
    }
    if (socket_) {
      boost::system::error_code ignored;
      socket_->shutdown(tcp::socket::shutdown_both, ignored);
      socket_->close(ignored);
    }
  }

private:
  strand_type strand_;
  std::weak_ptr<tcp::resolver> resolving_;
  std::shared_ptr<tcp::socket> socket_;
};

class tls_transport final : public transport {
public:
  using stream_type = asio::ssl::stream<tcp::socket>;

  tls_transport(const strand_type& strand, std::shared_ptr<asio::ssl::context> ctx, tls_options tls)
      : strand_(strand), resolver_(strand.get_inner_executor().inner()), ctx_(std::move(ctx)),
        tls_(std::move(tls)) {}

  void async_open(const broker_url& url, done_handler done) override {
    stream_ = std::make_shared<stream_type>(strand_, *ctx_);
    prepare_tls(*stream_, tls_, tls_server_name(tls_, url));
    async_open_socket(strand_, resolver_, stream_->next_layer(), stream_, url,
                      tls_handshake(*stream_, observer_), observer_, std::move(done));
  }
  void async_read_some(asio::mutable_buffer buffer, io_handler handler) override {
    stream_->async_read_some(buffer,
                             [s = stream_, h = std::move(handler)](boost::system::error_code ec,
                                                                   std::size_t n) { h(ec, n); });
  }
  void async_write(const_buffers buffers, io_handler handler) override {
    asio::async_write(*stream_, buffers,
                      [s = stream_, h = std::move(handler)](boost::system::error_code ec,
                                                            std::size_t n) { h(ec, n); });
  }
  void shutdown_send() override {
    if (stream_) {
      boost::system::error_code ignored;
      stream_->lowest_layer().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  void close() override {
    resolver_.cancel();
    if (stream_) {
      boost::system::error_code ignored;
      stream_->lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
      stream_->lowest_layer().close(ignored);
    }
  }

private:
  strand_type strand_;
  tcp::resolver resolver_;
  std::shared_ptr<asio::ssl::context> ctx_;
  tls_options tls_;
  std::shared_ptr<stream_type> stream_;
};

} // namespace

std::unique_ptr<transport> make_tcp_transport(const strand_type& strand) {
  return std::make_unique<tcp_transport>(strand);
}

std::unique_ptr<transport> make_tls_transport(const strand_type& strand, const tls_options& tls,
                                              std::error_code& ec) {
  auto ctx = make_tls_context(tls, ec);
  if (ec) {
    return nullptr;
  }
  return std::make_unique<tls_transport>(strand, std::move(ctx), tls);
}

std::unique_ptr<transport> make_transport(transport_kind kind, const strand_type& strand,
                                          const tls_options& tls, std::error_code& ec) {
  ec.clear();
  switch (kind) {
  case transport_kind::tcp:
    return make_tcp_transport(strand);
  case transport_kind::tls:
    return make_tls_transport(strand, tls, ec);
  case transport_kind::websocket:
    return make_websocket_transport(strand, false, tls, ec);
  case transport_kind::websocket_tls:
    return make_websocket_transport(strand, true, tls, ec);
  }
  return nullptr;
}

} // namespace braid::detail
