// The player's visits and what happened while they were away (issue 11, "since you were
// away"). A visit is a run of the player's requests with the session cookie, any session and
// any instance, with no gap longer than visit_gap_ms; it ends at the last of them (a sign-out
// ends it exactly). The header's change and the summary card are measured from the end of the
// previous visit: the equity snapshot taken then, the prices at that snapshot, the fills since,
// and the all-time leaderboard as it stood then. Requests note their activity (note_activity)
// before they read a visit, so the first requests after an absence agree on which visit is
// the previous one. db::pool threads; next_step and biggest_moves are pure.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/db/leaderboard.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/trading/money.hpp"

namespace marketsim::db::visit_repo {

// A longer gap than this between two requests starts a new visit.
inline constexpr std::int64_t visit_gap_ms = 30 * 60'000;
// Activity is stored at most this often (like a session's last-seen time): a visit's end is
// known to the minute, or exactly when the player signed out.
inline constexpr std::int64_t activity_every_ms = 60'000;

// What a request at now_ms does to the visit whose latest stored activity is last_active_ms
// (none: the player's first visit): start a new visit, store the activity, or nothing. `exact`
// stores it even within activity_every_ms (a sign-out). A time before the stored one (another
// instance's clock ran ahead) changes nothing.
enum class visit_step { none, touch, start };
[[nodiscard]] visit_step next_step(std::optional<std::int64_t> last_active_ms, std::int64_t now_ms,
                                   bool exact) noexcept;

// On the sessions' clock (epoch ms).
struct visit {
  std::int64_t started_ms = 0;
  std::int64_t last_active_ms = 0;
  std::optional<std::int64_t> away_from_ms;  // the previous visit's end; none: the first visit
  bool dismissed = false;                    // the summary card, in this visit
};

// Notes a request of the player at now_ms (the sessions' clock) and returns the visit it
// belongs to, started now if the gap before it was too long.
[[nodiscard]] visit note_activity(connection& c, std::int64_t user_id, std::int64_t now_ms,
                                  bool exact = false);

// What the header measures the change from: the account's equity at the last snapshot at or
// before the previous visit's end, else (a first visit, or no snapshot yet then) the starting
// grant.
struct baseline {
  std::optional<std::int64_t> away_from_ms;
  trading::money_e4 equity = 0;
};
[[nodiscard]] baseline read_baseline(connection& c, std::int64_t user_id, std::int64_t account_id);

// Hides the summary card for the rest of the visit that started at visit_started_ms; false when
// that is not the current visit (it ended; the new one's card stays).
[[nodiscard]] bool dismiss(connection& c, std::int64_t user_id, std::int64_t visit_started_ms);

// A fill of one of the player's resting orders (placed before the previous visit ended) between
// that end and the start of this visit.
struct away_fill {
  std::string order_id;
  std::string symbol;
  std::string side;  // "buy" or "sell"
  std::int64_t qty = 0;
  market::price_e4 price = 0;
  std::int64_t at_ms = 0;
};

inline constexpr std::size_t max_away_fills = 20;
struct away_summary {
  baseline then;
  std::vector<away_fill> fills;  // newest first, at most max_away_fills
  std::int64_t fill_count = 0;   // all of them
  // The price of each of `symbols` at the snapshot the equity is taken from (absent: none).
  std::vector<std::pair<std::string, market::price_e4>> prices_then;
  // The all-time leaderboard as it stood at the previous visit's end (each player's last
  // snapshot by then against the grant), ranked with leaderboard_repo::rank_by_return.
  std::vector<leaderboard_repo::standing> board_then;
};
// Everything but the present, which the caller values at the current prices. Without a
// previous visit, only `then` (the grant).
[[nodiscard]] away_summary read_away_summary(connection& c, std::int64_t user_id,
                                             std::int64_t account_id,
                                             const std::vector<std::string>& symbols);

// A holding's move over the absence.
struct holding_move {
  std::string symbol;
  std::int64_t qty = 0;
  market::price_e4 then = 0;
  market::price_e4 now = 0;
};
// The `count` biggest moves by size (|now / then - 1|, compared exactly), up or down; equal
// moves by symbol. Holdings without a price then are left out.
[[nodiscard]] std::vector<holding_move> biggest_moves(std::vector<holding_move> moves,
                                                      std::size_t count);

// 1-based rank of the player in ranked standings; none when not on them.
[[nodiscard]] std::optional<std::size_t> rank_of(
    const std::vector<leaderboard_repo::standing>& ranked, std::int64_t user_id) noexcept;

}  // namespace marketsim::db::visit_repo
