#pragma once
// Certificates made at test time with the openssl command: a CA, a server
// certificate for "localhost" signed by it, a client certificate signed by
// it, and a second CA that signed nothing here (the "wrong CA").

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace braid::testing {

class test_certificates {
public:
  test_certificates() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/braid-certs-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = buffer.data();
    const std::string d = dir_ + "/";
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + d + "ca.key -out " + d +
        "ca.crt -days 2 -subj '/CN=braid test CA'");
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + d + "other.key -out " + d +
        "other.crt -days 2 -subj '/CN=braid other CA'");
    sign("server", "/CN=localhost", "subjectAltName=DNS:localhost");
    sign("client", "/CN=braid-client", "extendedKeyUsage=clientAuth");
    // mosquitto drops root to its own user: it must read these.
    run("chmod 755 " + dir_ + " && chmod 644 " + d + "*");
  }
  ~test_certificates() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  test_certificates(const test_certificates&) = delete;
  test_certificates& operator=(const test_certificates&) = delete;

  std::string file(const std::string& name) const { return dir_ + "/" + name; }

  /// mosquitto listener settings for TLS with these certificates.
  std::string listener_config(bool require_client_certificate = false) const {
    return "allow_anonymous true\ncafile " + file("ca.crt") + "\ncertfile " + file("server.crt") +
           "\nkeyfile " + file("server.key") + "\nrequire_certificate " +
           (require_client_certificate ? "true" : "false") + "\n";
  }

  /// The whole text of one of the files.
  std::string text(const std::string& name) const {
    std::ifstream in(file(name));
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  /// Revokes `name`.crt and writes the CA's CRL to crl.pem (its path).
  std::string revoke(const std::string& name) {
    const std::string d = dir_ + "/";
    run("touch " + d + "index.txt && echo 01 > " + d +
        "crlnumber && printf '[ca]\\ndefault_ca=d\\n"
        "[d]\\ndatabase=" +
        d + "index.txt\\ncrlnumber=" + d +
        "crlnumber\\ndefault_md=sha256\\n"
        "default_crl_days=2\\n' > " +
        d + "ca.cnf");
    const std::string ca =
        "openssl ca -config " + d + "ca.cnf -keyfile " + d + "ca.key -cert " + d + "ca.crt ";
    run(ca + "-revoke " + d + name + ".crt");
    run(ca + "-gencrl -out " + d + "crl.pem");
    return file("crl.pem");
  }

private:
  static void run(const std::string& command) {
    // In braces, so that the command's own redirections (printf > file) hold.
    if (std::system(("{ " + command + "; } >/dev/null 2>&1").c_str()) != 0) {
      throw std::runtime_error("failed: " + command);
    }
  }
  void sign(const std::string& name, const std::string& subject, const std::string& extension) {
    const std::string d = dir_ + "/";
    run("printf '" + extension + "\\n' > " + d + name + ".ext");
    run("openssl req -newkey rsa:2048 -nodes -keyout " + d + name + ".key -out " + d + name +
        ".csr -subj '" + subject + "'");
    run("openssl x509 -req -in " + d + name + ".csr -CA " + d + "ca.crt -CAkey " + d +
        "ca.key -CAcreateserial -out " + d + name + ".crt -days 2 -extfile " + d + name + ".ext");
  }

  std::string dir_;
};

} // namespace braid::testing
