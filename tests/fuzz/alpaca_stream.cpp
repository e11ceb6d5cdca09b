// Fuzz target: the messages a client sends on Alpaca's WebSocket streams (/stream, /v2/iex).
// The first byte picks the codec (even: JSON text, odd: MessagePack), the rest is one message,
// run through what a session does with it: decode_message (our MessagePack reader, the JSON
// depth limit), parse_client_message, and for a subscription, a data stream's subscriptions
// with a small symbol cap; every reply is encoded in both codecs. The input is also read as an
// SSE frame and as a tick's data, and ticks made from it go through the bar builder. Besides
// sanitizer reports, it aborts when a rule breaks: a decoded message that is not an object, a
// symbol outside its alphabet, a cap exceeded, a reply that does not decode back to itself, a
// bar whose high is below its low.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "marketsim/api/ws_alpaca_protocol.hpp"

using namespace marketsim;
namespace ap = marketsim::api::alpaca;
using json = nlohmann::json;

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz: %s\n", what);
  std::abort();
}

bool plain_symbol(const std::string& s) {
  if (s == "*") return true;
  if (s.empty() || s.size() > 16) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/' || c == '-'))
      return false;
  return true;
}

// A reply goes out in both codecs; MessagePack must read back as the same value.
void round_trip(const json& reply) {
  (void)ap::encode(reply, ap::codec::json);
  auto packed = ap::encode(json{{"m", reply}}, ap::codec::msgpack);
  auto back = ap::decode_message(packed, ap::codec::msgpack);
  check(back && (*back)["m"] == reply, "a reply does not survive MessagePack");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto c = (data[0] & 1) != 0 ? ap::codec::msgpack : ap::codec::json;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  if (auto m = ap::decode_message(bytes, c)) {
    check(m->is_object(), "a decoded message that is not an object");
    auto parsed = ap::parse_client_message(*m);
    if (!parsed) {
      round_trip(ap::error_message(parsed.error()));
    } else if (parsed->what == ap::client_message::kind::subscribe ||
               parsed->what == ap::client_message::kind::unsubscribe) {
      for (const auto* l :
           {&parsed->channels.trades, &parsed->channels.quotes, &parsed->channels.bars})
        for (const auto& s : *l) check(plain_symbol(s), "a symbol outside its alphabet");
      ap::subscriptions subs;
      constexpr std::size_t cap = 5;
      auto added = subs.add(parsed->channels, cap);
      auto reply = subs.message();
      std::size_t named = 0;
      for (const char* ch : {"trades", "quotes", "bars"})
        for (const auto& s : reply[ch])
          if (s != "*") ++named;
      check(named <= 3 * cap, "more symbols than the cap");
      if (!added) check(named == 0, "a refused subscription added symbols");
      subs.remove(parsed->channels);
      round_trip(reply);
      round_trip(subs.message());
    } else if (parsed->what == ap::client_message::kind::listen) {
      round_trip(ap::listening_message(parsed->streams));
    }
  }

  if (auto f = ap::read_frame(bytes)) (void)ap::parse_tick(f->data, 1);
  if (auto t = ap::parse_tick(bytes, 1)) {
    ap::bar_builder bars;
    for (int i = 0; i < 3; ++i) {
      auto next = *t;
      next.time_ms += 61'000 * i;
      next.price += i;
      if (auto b = bars.add(next)) {
        check(b->low <= b->high && b->low <= b->open && b->open <= b->high, "a bar out of order");
        round_trip(ap::bar_message(*b));
      }
    }
    round_trip(ap::trade_message(*t));
    round_trip(ap::quote_message(*t, 100));
  }
  return 0;
}
