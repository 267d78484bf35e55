#include "server/tls.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace orc::server {

std::string ReadPemFile(const std::string& path, const std::string& what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + what + " file " + path);
  std::ostringstream content;
  content << file.rdbuf();
  if (content.str().empty()) throw std::runtime_error(what + " file " + path + " is empty");
  return content.str();
}

std::vector<std::string> SubjectOrganizations(const std::string& pem_certificate) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem_certificate.data(), static_cast<int>(pem_certificate.size())), &BIO_free);
  if (!bio) return {};
  std::unique_ptr<X509, decltype(&X509_free)> certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                          &X509_free);
  if (!certificate) return {};

  std::vector<std::string> organizations;
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  int index = -1;
  while ((index = X509_NAME_get_index_by_NID(subject, NID_organizationName, index)) >= 0) {
    ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length >= 0) organizations.emplace_back(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
  }
  return organizations;
}

}  // namespace orc::server
