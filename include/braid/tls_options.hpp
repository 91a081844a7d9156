#pragma once
// TLS settings for mqtts:// and wss:// (OpenSSL through Asio). The broker's
// certificate and host name are verified unless the loudly named
// insecure_skip_verification is set.
//
// Three ways, from the easiest: files (ca_file, cert_file, key_file ...);
// PEM text held in memory (ca_pem, cert_pem, key_pem, crl_pem); or a
// boost::asio::ssl::context you build yourself (`context`), with
// `before_handshake` and `verify` for what is set per connection.

#include <functional>
#include <memory>
#include <string>
#include <vector>

struct ssl_st; // OpenSSL's SSL

namespace boost::asio::ssl {
class context;
class verify_context;
} // namespace boost::asio::ssl

namespace braid {

struct tls_options {
  /// PEM file of trusted CA certificates; with ca_path empty too, the
  /// system's default trust store is used.
  std::string ca_file{};
  /// Directory of trusted CA certificates (OpenSSL c_rehash layout).
  std::string ca_path{};
  /// Client certificate chain (PEM) and private key for mutual TLS.
  std::string cert_file{};
  std::string key_file{};
  /// Password of an encrypted private key.
  std::string key_password{};
  /// The same as PEM text in memory: trusted CA certificates (added to
  /// ca_file and ca_path; with all three empty, the system's trust store),
  /// and the client certificate chain and key (instead of the files).
  std::string ca_pem{};
  std::string cert_pem{};
  std::string key_pem{};
  /// Certificate revocation lists (PEM, file and/or text): a broker
  /// certificate they revoke fails verification. The broker's own
  /// certificate is checked (not the CAs above it), so a CRL of its issuer
  /// must be given.
  std::string crl_file{};
  std::string crl_pem{};
  /// Host name sent as SNI and checked against the certificate; empty: the
  /// URL's host.
  std::string server_name{};
  /// ALPN protocols offered, e.g. {"x-amzn-mqtt-ca"} for AWS IoT with client
  /// certificates on port 443.
  std::vector<std::string> alpn{};
  /// Lowest version accepted: "1.2" (default) or "1.3".
  std::string min_version = "1.2";
  /// Cipher list for TLS 1.2 in OpenSSL's syntax ("ECDHE-RSA-AES256-GCM-SHA384",
  /// "HIGH:!aNULL"); empty: OpenSSL's default. (TLS 1.3 suites are not
  /// affected.) A list that matches no cipher fails the connection.
  std::string ciphers{};
  /// DANGER: accept any certificate and any host name. For tests against
  /// self-signed brokers only; traffic can be intercepted.
  bool insecure_skip_verification = false;

  /// A context you built, used as it is for every connection: the trust,
  /// certificate, version, cipher, CRL and ALPN fields above are then not
  /// used (set them on your context). SNI, host name verification, `verify`
  /// and `before_handshake` still apply per connection.
  std::shared_ptr<boost::asio::ssl::context> context{};
  /// Your own verification, called for each certificate of the broker's
  /// chain (as OpenSSL's verify callback) with the result of OpenSSL's
  /// checks and of the host name check: return whether to accept it.
  /// Rejecting fails the handshake ("certificate verify failed").
  std::function<bool(bool preverified, boost::asio::ssl::verify_context& ctx)> verify{};
  /// Called for each connection with its OpenSSL SSL object, after braid's
  /// own settings (SNI, verification) and before the handshake: session
  /// resumption, extra options, a different SNI.
  std::function<void(ssl_st* ssl)> before_handshake{};
};

} // namespace braid
