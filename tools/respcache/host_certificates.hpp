#pragma once

#include <string>

#include "respcache/resp/result.hpp"

namespace respcache::tools {

// The files of `respcache host --tls`, in the data folder.
struct host_certificates {
    std::string ca;           // the throwaway CA's certificate: what clients trust
    std::string certificate;  // the server's, for localhost and 127.0.0.1
    std::string key;          // its private key (mode 0600)
};

// Makes a throwaway CA and a server certificate it signs for localhost and
// 127.0.0.1 under `directory`, with the openssl command line: the local
// equivalent of the development certificate an Aspire app host uses. The
// CA's key is deleted once it has signed, so it can sign nothing else.
result<host_certificates> make_host_certificates(const std::string& directory);

}  // namespace respcache::tools
