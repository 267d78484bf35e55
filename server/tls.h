// TLS helpers of the server: credential files and client certificates.
#pragma once

#include <string>
#include <vector>

namespace orc::server {

// Returns the whole content of a PEM file. Throws std::runtime_error naming
// the file when it cannot be read or is empty.
std::string ReadPemFile(const std::string& path, const std::string& what);

// Returns the organisation names (O=) of the subject of a PEM certificate,
// or an empty list when the certificate cannot be parsed.
std::vector<std::string> SubjectOrganizations(const std::string& pem_certificate);

}  // namespace orc::server
