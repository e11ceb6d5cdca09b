// Mapping of error causes to stable codes and HTTP statuses: the single place that decides both.
#include "marketsim/core/error.hpp"

namespace marketsim {

std::string_view code_name(errc code) noexcept {
  switch (code) {
    case errc::bad_request:
      return "bad_request";
    case errc::invalid_json:
      return "invalid_json";
    case errc::invalid_range:
      return "invalid_range";
    case errc::not_found:
      return "not_found";
    case errc::method_not_allowed:
      return "method_not_allowed";
    case errc::payload_too_large:
      return "payload_too_large";
    case errc::headers_too_large:
      return "headers_too_large";
    case errc::unsupported_media_type:
      return "unsupported_media_type";
    case errc::too_many_requests:
      return "too_many_requests";
    case errc::unavailable:
      return "unavailable";
    case errc::too_many_streams:
      return "too_many_streams";
    case errc::internal:
      return "internal";
    case errc::invalid_email:
      return "invalid_email";
    case errc::invalid_user_tag:
      return "invalid_user_tag";
    case errc::invalid_display_name:
      return "invalid_display_name";
    case errc::password_policy:
      return "password_policy";
    case errc::invalid_token:
      return "invalid_token";
    case errc::user_tag_taken:
      return "user_tag_taken";
    case errc::unauthenticated:
      return "unauthenticated";
    case errc::invalid_credentials:
      return "invalid_credentials";
    case errc::forbidden:
      return "forbidden";
    case errc::csrf_failed:
      return "csrf_failed";
    case errc::origin_rejected:
      return "origin_rejected";
    case errc::email_not_verified:
      return "email_not_verified";
    case errc::too_many_attempts:
      return "too_many_attempts";
    case errc::busy:
      return "busy";
    case errc::unprocessable:
      return "unprocessable";
    case errc::client_order_id_conflict:
      return "client_order_id_conflict";
    case errc::insufficient_buying_power:
      return "insufficient_buying_power";
    case errc::insufficient_qty:
      return "insufficient_qty";
    case errc::symbol_halted:
      return "symbol_halted";
    case errc::rate_limited:
      return "rate_limited";
    case errc::config_missing:
      return "config_missing";
    case errc::config_duplicate:
      return "config_duplicate";
    case errc::config_malformed:
      return "config_malformed";
    case errc::config_unknown_key:
      return "config_unknown_key";
    case errc::io_error:
      return "io_error";
    case errc::parse_error:
      return "parse_error";
    case errc::database_error:
      return "database_error";
    case errc::migration_changed:
      return "migration_changed";
    case errc::migration_failed:
      return "migration_failed";
  }
  return "internal";
}

int http_status(errc code) noexcept {
  switch (code) {
    case errc::bad_request:
    case errc::invalid_json:
    case errc::invalid_range:
    case errc::invalid_email:
    case errc::invalid_user_tag:
    case errc::invalid_display_name:
    case errc::password_policy:
    case errc::invalid_token:
      return 400;
    case errc::unauthenticated:
    case errc::invalid_credentials:
      return 401;
    case errc::forbidden:
    case errc::csrf_failed:
    case errc::origin_rejected:
    case errc::email_not_verified:
    case errc::insufficient_buying_power:
    case errc::insufficient_qty:
    case errc::symbol_halted:
      return 403;
    case errc::user_tag_taken:
      return 409;
    case errc::unprocessable:
    case errc::client_order_id_conflict:
      return 422;
    case errc::not_found:
      return 404;
    case errc::method_not_allowed:
      return 405;
    case errc::payload_too_large:
      return 413;
    case errc::unsupported_media_type:
      return 415;
    case errc::too_many_requests:
    case errc::too_many_attempts:
    case errc::rate_limited:
      return 429;
    case errc::headers_too_large:
      return 431;
    case errc::unavailable:
    case errc::too_many_streams:
    case errc::busy:
    case errc::database_error:
      return 503;
    default:
      return 500;
  }
}

}  // namespace marketsim
