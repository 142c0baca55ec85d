#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
#include <curl/curl.h>

/// curl_easy_setopt is variadic; Swift cannot call it. One wrapper per argument type.
static inline CURLcode ccurl_easy_setopt_long(CURL *easy, CURLoption option, long value) {
    return curl_easy_setopt(easy, option, value);
}
/// curl_easy_setopt with a string (copied by libcurl for every string option except CURLOPT_POSTFIELDS).
static inline CURLcode ccurl_easy_setopt_string(CURL *easy, CURLoption option, const char *value) {
    return curl_easy_setopt(easy, option, value);
}
/// curl_easy_setopt with a data pointer (callback data, header lists).
static inline CURLcode ccurl_easy_setopt_pointer(CURL *easy, CURLoption option, void *value) {
    return curl_easy_setopt(easy, option, value);
}
/// curl_easy_setopt with CURLOPT_OPENSOCKETFUNCTION.
static inline CURLcode ccurl_easy_setopt_opensocket(CURL *easy, curl_opensocket_callback callback) {
    return curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, callback);
}
/// curl_easy_setopt with CURLOPT_WRITEFUNCTION.
static inline CURLcode ccurl_easy_setopt_write(CURL *easy, curl_write_callback callback) {
    return curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, callback);
}
/// curl_easy_getinfo is variadic; a long result.
static inline CURLcode ccurl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value) {
    return curl_easy_getinfo(easy, info, value);
}
/// curl_easy_getinfo is variadic; a pointer result (a string, or the private pointer).
static inline CURLcode ccurl_easy_getinfo_pointer(CURL *easy, CURLINFO info, char **value) {
    return curl_easy_getinfo(easy, info, value);
}
/// curl_multi_setopt is variadic; a long option.
static inline CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

#endif
