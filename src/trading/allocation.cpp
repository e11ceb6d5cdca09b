// Allocation weights (see allocation.hpp). Pure; io threads.
#include "marketsim/trading/allocation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <numeric>

namespace marketsim::trading {

namespace {

// Heaviest first; equal weights by key, so the order is the same on every request.
void sort_heaviest_first(std::vector<weighted>& list) {
  std::sort(list.begin(), list.end(), [](const weighted& a, const weighted& b) {
    if (a.permille != b.permille) return a.permille > b.permille;
    return a.key < b.key;
  });
}

}  // namespace

std::vector<std::int64_t> apportion(std::span<const money_e4> parts, std::int64_t units) {
  std::vector<std::int64_t> out(parts.size(), 0);
  const __int128 total = std::accumulate(parts.begin(), parts.end(), __int128{0});
  if (total <= 0 || units <= 0) return out;
  // Quotas in 128 bits: an equity in e4 times the units does not always fit in 64.
  std::vector<__int128> remainder(parts.size());
  std::int64_t given = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const __int128 scaled = static_cast<__int128>(std::max<money_e4>(parts[i], 0)) * units;
    out[i] = static_cast<std::int64_t>(scaled / total);
    remainder[i] = scaled % total;
    given += out[i];
  }
  // What rounding down left over (fewer units than parts) goes to the largest remainders.
  std::vector<std::size_t> order(parts.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::size_t k = 0; given < units && k < order.size(); ++k, ++given) ++out[order[k]];
  return out;
}

allocation allocate(money_e4 cash, const std::vector<holding_value>& holdings) {
  allocation out;
  money_e4 invested = 0;
  for (const auto& h : holdings) invested += std::max<money_e4>(h.value, 0);
  const std::array<money_e4, 2> split{std::max<money_e4>(cash, 0), invested};
  const auto halves = apportion(split, 1000);
  if (split[0] + split[1] <= 0) return out;  // nothing at all: all cash, as a new account
  out.cash_permille = halves[0];
  const std::int64_t rest = halves[1];

  std::vector<money_e4> values;
  for (const auto& h : holdings) values.push_back(h.value);
  const auto stock_shares = apportion(values, rest);
  for (std::size_t i = 0; i < holdings.size(); ++i)
    out.stocks.push_back(
        {holdings[i].symbol, holdings[i].name, holdings[i].sector, stock_shares[i]});
  sort_heaviest_first(out.stocks);

  std::map<std::string, money_e4> by_sector;
  for (const auto& h : holdings) by_sector[h.sector.empty() ? "Other" : h.sector] += h.value;
  std::vector<money_e4> sector_values;
  for (const auto& [sector, value] : by_sector) sector_values.push_back(value);
  const auto sector_shares = apportion(sector_values, rest);
  std::size_t i = 0;
  for (const auto& [sector, value] : by_sector)
    out.sectors.push_back({sector, "", "", sector_shares[i++]});
  sort_heaviest_first(out.sectors);
  return out;
}

std::vector<holding_value> value_holdings(const std::vector<position_record>& positions,
                                          const market::quote_cache& quotes) {
  std::vector<holding_value> out;
  for (const auto& p : positions) {
    if (p.qty <= 0) continue;
    holding_value h{p.symbol, p.symbol, "", p.cost};
    if (auto q = quotes.find(p.symbol)) {
      h.name = q->info.name;
      h.sector = q->info.sector;
      // Without a price yet, the position counts at its cost, as the equity snapshots count it.
      if (q->price) h.value = static_cast<money_e4>(static_cast<__int128>(p.qty) * *q->price);
    }
    out.push_back(std::move(h));
  }
  return out;
}

std::string percent_text(std::int64_t permille) {
  return fmt::format("{}.{}", permille / 10, permille % 10);
}

}  // namespace marketsim::trading
