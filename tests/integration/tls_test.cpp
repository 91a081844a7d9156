// mqtts:// against a mosquitto TLS listener with certificates made at test
// time: verification on by default, wrong CA and wrong host name refused;
// certificates in memory, a context of the caller's, the verify and
// before-handshake hooks, CRLs, and giving up on a rejected certificate.
#include <braid/client.hpp>

#include "mosquitto_broker.hpp"
#include "test_certificates.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;
using braid::testing::test_certificates;

bp::session_config config_for(std::string id) {
  bp::session_config c;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.keep_alive = 30;
  return c;
}

struct outcome {
  bool done = false;
  error_code ec;
  std::string received;
};

// Connects to `url`, and on success publishes to itself and reads it back.
outcome round_trip(const std::string& url, const client_options& options) {
  asio::io_context io;
  client c(io.get_executor(), config_for("braid-tls"), options);
  outcome result;
  std::vector<bp::subscription> subs{{"tls/t", {bp::qos::at_least_once}}};
  c.async_connect(url, [&](error_code ec, bp::connack) {
    if (ec) {
      result.done = true;
      result.ec = ec;
      io.stop();
      return;
    }
    c.async_subscribe(subs, [&](error_code, std::vector<bp::reason_code>) {
      c.async_publish("tls/t", bp::to_bytes("secret"), bp::qos::at_least_once, false,
                      [](error_code, bp::reason_code) {});
      c.async_receive([&](error_code e, bp::publish m) {
        result.done = true;
        result.ec = e;
        result.received.assign(m.payload.begin(), m.payload.end());
        io.stop();
      });
    });
  });
  io.run_for(std::chrono::seconds(10));
  return result;
}

/// The connection was refused because the broker's certificate did not verify.
::testing::AssertionResult certificate_refused(const outcome& r) {
  if (!r.done) {
    return ::testing::AssertionFailure() << "the connect did not complete";
  }
  if (r.ec.message().find("certificate verify failed") == std::string::npos) {
    return ::testing::AssertionFailure() << "error: " << (r.ec ? r.ec.message() : "none");
  }
  return ::testing::AssertionSuccess();
}

class Tls : public ::testing::Test {
protected:
  test_certificates certs;
};

TEST_F(Tls, VerifiedConnectionCarriesMessages) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_file = certs.file("ca.crt");
  auto r = round_trip("mqtts://localhost:" + broker.port_string(), options);
  ASSERT_TRUE(r.done);
  EXPECT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.received, "secret");
}

TEST_F(Tls, WrongCaIsRefused) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_file = certs.file("other.crt");
  auto r = round_trip("mqtts://localhost:" + broker.port_string(), options);
  EXPECT_TRUE(certificate_refused(r));
}

TEST_F(Tls, WrongHostNameIsRefused) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_file = certs.file("ca.crt");
  // The certificate names "localhost", not 127.0.0.1.
  auto r = round_trip("mqtts://127.0.0.1:" + broker.port_string(), options);
  EXPECT_TRUE(certificate_refused(r));
}

TEST_F(Tls, InsecureSkipVerificationAcceptsAnyCertificate) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_file = certs.file("other.crt");
  options.tls.insecure_skip_verification = true;
  auto r = round_trip("mqtts://127.0.0.1:" + broker.port_string(), options);
  ASSERT_TRUE(r.done);
  EXPECT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.received, "secret");
}

TEST_F(Tls, ClientCertificateForMutualTls) {
  mosquitto_broker broker(certs.listener_config(true));
  client_options options;
  options.tls.ca_file = certs.file("ca.crt");
  auto without = round_trip("mqtts://localhost:" + broker.port_string(), options);
  ASSERT_TRUE(without.done);
  EXPECT_TRUE(without.ec);
  options.tls.cert_file = certs.file("client.crt");
  options.tls.key_file = certs.file("client.key");
  auto with = round_trip("mqtts://localhost:" + broker.port_string(), options);
  ASSERT_TRUE(with.done);
  EXPECT_FALSE(with.ec) << with.ec.message();
  EXPECT_EQ(with.received, "secret");
}

// --- certificates in memory, a context of your own, verification hooks ---------------

TEST_F(Tls, CaAndClientCertificateFromMemory) {
  mosquitto_broker broker(certs.listener_config(true));
  client_options options;
  options.tls.ca_pem = certs.text("ca.crt");
  options.tls.cert_pem = certs.text("client.crt");
  options.tls.key_pem = certs.text("client.key");
  auto r = round_trip("mqtts://localhost:" + broker.port_string(), options);
  ASSERT_TRUE(r.done);
  EXPECT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.received, "secret");
}

TEST_F(Tls, AWrongCaInMemoryIsRefused) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_pem = certs.text("other.crt");
  auto r = round_trip("mqtts://localhost:" + broker.port_string(), options);
  EXPECT_TRUE(certificate_refused(r));
}

TEST_F(Tls, AContextYouBuiltIsUsedAsItIs) {
  mosquitto_broker broker(certs.listener_config(true));
  auto trusting = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  trusting->load_verify_file(certs.file("ca.crt"));
  trusting->use_certificate_chain_file(certs.file("client.crt"));
  trusting->use_private_key_file(certs.file("client.key"), asio::ssl::context::pem);
  client_options options;
  options.tls.context = trusting;
  options.tls.ca_file = certs.file("other.crt"); // not used: the context says what to trust
  auto r = round_trip("mqtts://localhost:" + broker.port_string(), options);
  ASSERT_TRUE(r.done);
  EXPECT_FALSE(r.ec) << r.ec.message();
  // The same context without the CA: the host is still verified, and fails.
  options.tls.context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  auto refused = round_trip("mqtts://localhost:" + broker.port_string(), options);
  EXPECT_TRUE(certificate_refused(refused));
}

TEST_F(Tls, AVerifyCallbackSeesTheChainAndCanReject) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_file = certs.file("ca.crt");
  std::vector<std::string> subjects;
  std::vector<bool> preverified;
  options.tls.verify = [&](bool ok, asio::ssl::verify_context& ctx) {
    X509* cert = X509_STORE_CTX_get_current_cert(ctx.native_handle());
    char name[256] = {};
    X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof name);
    subjects.emplace_back(name);
    preverified.push_back(ok);
    return ok;
  };
  auto accepted = round_trip("mqtts://localhost:" + broker.port_string(), options);
  ASSERT_TRUE(accepted.done);
  EXPECT_FALSE(accepted.ec) << accepted.ec.message();
  EXPECT_EQ(subjects, (std::vector<std::string>{"/CN=braid test CA", "/CN=localhost"}));
  EXPECT_EQ(preverified, (std::vector<bool>{true, true}));

  options.tls.verify = [](bool, asio::ssl::verify_context&) { return false; }; // rejects all
  auto rejected = round_trip("mqtts://localhost:" + broker.port_string(), options);
  EXPECT_TRUE(certificate_refused(rejected));
}

TEST_F(Tls, TheVerifyCallbackIsToldOfAWrongHostName) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_file = certs.file("ca.crt");
  bool leaf_preverified = true;
  options.tls.verify = [&](bool ok, asio::ssl::verify_context& ctx) {
    if (X509_STORE_CTX_get_error_depth(ctx.native_handle()) == 0) {
      leaf_preverified = ok;
    }
    return true; // accepts anyway: the callback decides
  };
  // The certificate names "localhost", not 127.0.0.1.
  auto r = round_trip("mqtts://127.0.0.1:" + broker.port_string(), options);
  ASSERT_TRUE(r.done);
  EXPECT_FALSE(r.ec) << r.ec.message();
  EXPECT_FALSE(leaf_preverified);
}

TEST_F(Tls, ARevokedBrokerCertificateIsRefused) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_file = certs.file("ca.crt");
  // A CRL that revokes another certificate: the broker's passes.
  options.tls.crl_file = certs.revoke("client");
  auto not_revoked = round_trip("mqtts://localhost:" + broker.port_string(), options);
  ASSERT_TRUE(not_revoked.done);
  EXPECT_FALSE(not_revoked.ec) << not_revoked.ec.message();
  options.tls.crl_file = certs.revoke("server"); // now the broker's too
  auto from_file = round_trip("mqtts://localhost:" + broker.port_string(), options);
  EXPECT_TRUE(certificate_refused(from_file));
  options.tls.crl_file.clear();
  options.tls.crl_pem = certs.text("crl.pem");
  auto from_memory = round_trip("mqtts://localhost:" + broker.port_string(), options);
  EXPECT_TRUE(certificate_refused(from_memory));
}

TEST_F(Tls, ACrlThatCannotBeReadFailsAtOnce) {
  client_options options;
  options.tls.crl_pem = "not a CRL";
  auto r = round_trip("mqtts://localhost:1", options);
  ASSERT_TRUE(r.done);
  EXPECT_TRUE(r.ec);
  EXPECT_EQ(r.ec.message().find("Connection refused"), std::string::npos) << r.ec.message();
}

TEST_F(Tls, BeforeHandshakeGetsEachConnectionsSsl) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_file = certs.file("ca.crt");
  int calls = 0;
  std::string sni;
  options.tls.before_handshake = [&](ssl_st* ssl) {
    ++calls;
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    sni = name != nullptr ? name : "";
  };
  auto r = round_trip("mqtts://localhost:" + broker.port_string(), options);
  ASSERT_TRUE(r.done);
  EXPECT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(sni, "localhost"); // braid's settings come first
}

// What a reconnecting client does when the broker's certificate does not verify.
struct reconnect_outcome {
  error_code connect_ec;
  int reconnecting = 0; // connection_event::kind::reconnecting seen
  int gave_up = 0;
  error_code gave_up_reason;
};

reconnect_outcome connect_reconnecting(const std::string& url, client_options options) {
  options.reconnect.enabled = true;
  options.reconnect.policy = {std::chrono::milliseconds(20), std::chrono::milliseconds(50), 1.5,
                              0.5};
  asio::io_context io;
  client c(io.get_executor(), config_for("braid-tls-retry"), options);
  reconnect_outcome out;
  c.set_state_handler([&](const connection_event& e) {
    if (e.what == connection_event::kind::reconnecting && ++out.reconnecting == 3) {
      c.close(); // it kept trying: enough
    }
    if (e.what == connection_event::kind::gave_up) {
      ++out.gave_up;
      out.gave_up_reason = e.reason;
    }
  });
  c.async_connect(url, [&](error_code ec, bp::connack) {
    out.connect_ec = ec;
    io.stop();
  });
  io.run_for(std::chrono::seconds(10));
  return out;
}

TEST_F(Tls, ACertificateThatDoesNotVerifyIsNotRetried) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_file = certs.file("other.crt");
  const auto out = connect_reconnecting("mqtts://localhost:" + broker.port_string(), options);
  EXPECT_EQ(out.reconnecting, 0);
  EXPECT_EQ(out.gave_up, 1);
  EXPECT_NE(out.gave_up_reason.message().find("certificate verify failed"), std::string::npos)
      << out.gave_up_reason.message();
  EXPECT_NE(out.connect_ec.message().find("certificate verify failed"), std::string::npos)
      << out.connect_ec.message();
}

TEST_F(Tls, CertificateFailuresAreRetriedWhenAsked) {
  mosquitto_broker broker(certs.listener_config());
  client_options options;
  options.tls.ca_file = certs.file("ca.crt");
  options.reconnect.retry_tls_verification_failures = true;
  // The certificate names "localhost", not 127.0.0.1.
  const auto out = connect_reconnecting("mqtts://127.0.0.1:" + broker.port_string(), options);
  EXPECT_EQ(out.reconnecting, 3);
  EXPECT_EQ(out.gave_up, 0);
  EXPECT_TRUE(out.connect_ec); // ended by close()
}

TEST_F(Tls, UnreadableCaFileFailsAtOnceWithAClearError) {
  client_options options;
  options.tls.ca_file = certs.file("missing.crt");
  auto r = round_trip("mqtts://localhost:1", options);
  ASSERT_TRUE(r.done);
  EXPECT_TRUE(r.ec);
}

TEST(Url, BadUrlFailsTheConnect) {
  auto r = round_trip("http://localhost", {});
  ASSERT_TRUE(r.done);
  EXPECT_EQ(std::error_code(r.ec), url_errc::unknown_scheme);
}

} // namespace
} // namespace braid
