#ifndef LABRUN_CURL_SHIM_H
#define LABRUN_CURL_SHIM_H

/// Typed, non-variadic wrappers around libcurl's variadic calls (`curl_easy_setopt`,
/// `curl_easy_getinfo`, `curl_multi_setopt`), which Swift cannot call directly.
#include <curl/curl.h>
#include <stddef.h>

/// The write/header callback shape (`CURLOPT_WRITEFUNCTION`, `CURLOPT_HEADERFUNCTION`).
typedef size_t (*lr_data_callback)(char *data, size_t size, size_t nmemb, void *userdata);
/// The progress callback shape (`CURLOPT_XFERINFOFUNCTION`); return non-zero to abort.
typedef int (*lr_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                    curl_off_t ultotal, curl_off_t ulnow);

/// `curl_global_init(CURL_GLOBAL_ALL)`.
CURLcode lr_global_init(void);

CURLcode lr_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode lr_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
/// Sets a string option; libcurl copies the string. `value` may be NULL to clear it.
CURLcode lr_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode lr_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode lr_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
/// Sets a blob option (`CURLOPT_CAINFO_BLOB`, `CURLOPT_SSLCERT_BLOB`, `CURLOPT_SSLKEY_BLOB`);
/// libcurl copies the bytes (`CURL_BLOB_COPY`).
CURLcode lr_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length);
CURLcode lr_easy_setopt_data_callback(CURL *handle, CURLoption option, lr_data_callback callback);
CURLcode lr_easy_setopt_xferinfo_callback(CURL *handle, lr_xferinfo_callback callback);

CURLcode lr_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode lr_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode lr_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

CURLMcode lr_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/// For a `CURLMSG_DONE` message: the easy handle and its result code.
CURL *lr_multi_msg_easy(CURLMsg *message);
int lr_multi_msg_is_done(CURLMsg *message);
CURLcode lr_multi_msg_result(CURLMsg *message);

#endif
