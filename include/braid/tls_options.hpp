#pragma once
// TLS settings for mqtts:// and wss:// (OpenSSL through Asio). The broker's
// certificate and host name are verified unless the loudly named
// insecure_skip_verification is set.

#include <string>
#include <vector>

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
};

} // namespace braid
