// Relay encoding of a feed step (see tick_batch.hpp). Pure; any thread.
#include "marketsim/market/tick_batch.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace marketsim::market {

std::int64_t tick_batch::market_ms() const {
  std::int64_t newest = 0;
  for (const auto& t : ticks) newest = std::max(newest, t.ts_ms);
  return newest;
}

// Short keys: the relay stores every step the cluster produces.
std::string encode_ticks(const tick_batch& batch) {
  auto out = nlohmann::json::array();
  for (std::size_t i = 0; i < batch.ticks.size(); ++i) {
    const auto& t = batch.ticks[i];
    out.push_back({{"s", t.symbol},
                   {"p", t.price},
                   {"v", t.volume},
                   {"t", t.ts_ms},
                   {"d", i < batch.data.size() ? batch.data[i] : std::string()}});
  }
  // After the ticks, as their ids are: decoding keeps the order.
  for (const auto& e : batch.events) out.push_back({{"e", e.name}, {"d", e.data}});
  return out.dump();
}

result<tick_batch> decode_ticks(std::int64_t first_seq, std::string_view text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array())
    return fail(errc::parse_error, "relayed ticks are not a JSON array");
  tick_batch batch;
  batch.first_seq = first_seq;
  batch.ticks.reserve(parsed.size());
  batch.data.reserve(parsed.size());
  for (const auto& item : parsed) {
    if (item.is_object() && item.contains("e") && item["e"].is_string() && item.contains("d") &&
        item["d"].is_string()) {
      batch.events.push_back(
          step_event{item["e"].get<std::string>(), item["d"].get<std::string>()});
      continue;
    }
    if (!batch.events.empty()) return fail(errc::parse_error, "a relayed tick after an event");
    if (!item.is_object() || !item.contains("s") || !item["s"].is_string() || !item.contains("p") ||
        !item["p"].is_number_integer() || !item.contains("v") || !item["v"].is_number_integer() ||
        !item.contains("t") || !item["t"].is_number_integer() || !item.contains("d") ||
        !item["d"].is_string())
      return fail(errc::parse_error, "a relayed tick lacks a field");
    batch.ticks.push_back(tick{item["s"].get<std::string>(), item["p"].get<price_e4>(),
                               item["v"].get<std::int64_t>(), item["t"].get<std::int64_t>()});
    batch.data.push_back(item["d"].get<std::string>());
  }
  if (batch.empty()) return fail(errc::parse_error, "a relayed step holds nothing");
  return batch;
}

}  // namespace marketsim::market
