// OpenSSL's libcrypto, for the HMAC-SHA256 of the JSON Web Tokens labrun signs (traffic.auth.jwt).
#include <openssl/evp.h>
#include <openssl/hmac.h>
